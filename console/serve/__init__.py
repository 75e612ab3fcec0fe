"""alert-console serve, the wall in a browser: a server that relays wall processes.

No Textual, TUI or command line; may import settings, simulator and base.
"""

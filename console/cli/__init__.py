"""The command line: alert-console, config, serve, the wall processes it starts.

The top floor: may import anything.
"""

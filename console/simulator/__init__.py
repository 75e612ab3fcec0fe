"""The local JSM Ops service: store, processor, routes, demo data, its command.

Never the client (a shared mistake would pass every test); may import query and base.
"""

"""Live data: the alert feed and its freshness, history, the wall, the disk cache.

No Textual; may import api, query and base.
"""

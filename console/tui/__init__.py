"""The Textual app: the alert view, the wall, dialogs, widgets, themes.

The only floor with Textual; may import settings and everything below it.
"""

"""What a start is made of: config, profiles, secrets, keymap, checks, Settings.

No Textual; may import live, directory, actions, api, query and base.
"""

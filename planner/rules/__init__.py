"""Rules: the rulebook (facility types, community standards, their sources) as data.

``model`` loads and merges the TOML files of ``rulebooks/`` into a frozen Rulebook.
"""

"""The tag and type-code mappings shipped with planner (TOML), read through importlib.resources."""

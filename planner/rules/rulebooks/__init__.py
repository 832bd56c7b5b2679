"""The rule files shipped with planner (TOML), read through importlib.resources."""

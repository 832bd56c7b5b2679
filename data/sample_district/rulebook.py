"""The national rulebook's facility types, read directly (not through planner) to check the output."""

from __future__ import annotations

import tomllib

from .config import RULEBOOK


def load_aliases() -> tuple[dict, dict[str, str]] | None:
    """The rulebook and its alias -> type key map (casefolded), or None without a rulebook."""
    if not RULEBOOK.exists():
        return None
    rb = tomllib.loads(RULEBOOK.read_text(encoding="utf-8"))
    out = {}
    for key, ft in rb["facility_types"].items():
        for a in [key, ft.get("name_zh", ""), *ft.get("aliases", [])]:
            out[a.strip().casefold()] = key
    return rb, out


def check_rulebook_types(facs: list[dict]) -> None:
    """Every rulebook facility type occurs, and exactly one raw type name (菜市场) is unknown to it."""
    loaded = load_aliases()
    if loaded is None:
        return
    rb, alias = loaded
    unknown = {f["type"] for f in facs if f["type"].strip().casefold() not in alias}
    seen = {alias[f["type"].casefold()] for f in facs if f["type"].casefold() in alias}
    missing = set(rb["facility_types"]) - seen
    if unknown != {"菜市场"} or missing:
        raise AssertionError(f"facility types: unknown={unknown} missing={missing}")

"""OpenStreetMap tags to the rulebook's facility types, through a data file users can extend.

The default mapping is ``planner/ingest/mappings/osm.toml`` (its comments define the format).
A user file given with ``--mapping`` is read first: its ``[[facility]]`` and ``[[skip]]`` rules
are tried before the defaults, and its ``[buildings]`` and ``[communities]`` keys replace the
defaults key by key. Every type a rule names must be a facility type of the rulebook.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.rules.model import Rulebook

__all__ = ["Match", "OSMMapping", "TagRule", "load_osm_mapping"]

ANY = "*"


@dataclass(frozen=True)
class TagRule:
    """One rule: tags that must all match, optional name words, and the type or skip reason."""

    tags: tuple[tuple[str, tuple[str, ...]], ...]
    type: str | None
    reason: str = ""
    name_contains: tuple[str, ...] = ()
    name_excludes: tuple[str, ...] = ()

    def matches(self, tags: Mapping[str, str], name: str) -> bool:
        """Whether an object's tags (and name) satisfy the rule."""
        for key, values in self.tags:
            value = tags.get(key)
            if value is None or (values != (ANY,) and value not in values):
                return False
        if self.name_contains and not any(w in name for w in self.name_contains):
            return False
        return not any(w in name for w in self.name_excludes)

    @property
    def tag_text(self) -> str:
        """The rule's first tag as ``key=value`` (``amenity=kindergarten``), for reports."""
        key, values = self.tags[0]
        return f"{key}={'|'.join(values)}"


@dataclass(frozen=True)
class Match:
    """What the mapping says about one object: a facility type, a skip reason, or nothing."""

    type: str | None
    rule: TagRule | None

    @property
    def status(self) -> str:
        """``mapped``, ``skipped`` or ``unmapped``."""
        if self.rule is None:
            return "unmapped"
        return "mapped" if self.type else "skipped"


@dataclass(frozen=True)
class OSMMapping:
    """The tag rules and the building and community settings of ``import-osm``."""

    rules: tuple[TagRule, ...]
    report_keys: tuple[str, ...]
    residential: frozenset[str]
    default_levels: Mapping[str, float]
    block_highways: frozenset[str]
    min_block_area_m2: float
    floor_area_per_resident_m2: float
    files: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys that make an object a feature: the report's and each rule's first key."""
        found = dict.fromkeys(self.report_keys)
        found.update(dict.fromkeys(rule.tags[0][0] for rule in self.rules))
        return tuple(found)

    def classify(self, tags: Mapping[str, str]) -> Match:
        """The first rule matching an object's tags, or an unmapped match."""
        name = f"{tags.get('name', '')} {tags.get('name:zh', '')}"
        for rule in self.rules:
            if rule.matches(tags, name):
                return Match(rule.type, rule)
        return Match(None, None)

    def levels_for(self, building: str) -> float:
        """Default storeys of a building value (the ``"*"`` entry for values not listed)."""
        return float(self.default_levels.get(building, self.default_levels.get(ANY, 1.0)))


def _read(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the mapping is not valid TOML: {exc}", file=where) from exc


def _rules(data: Mapping[str, Any], where: str, rulebook: Rulebook) -> list[TagRule]:
    out = []
    for section, is_skip in (("skip", True), ("facility", False)):
        for i, raw in enumerate(data.get(section, [])):
            tags = raw.get("tags")
            if not isinstance(tags, dict) or not tags:
                raise InputError(f"[[{section}]] entry {i + 1} needs a non-empty `tags` table", file=where)
            type_key = None if is_skip else raw.get("type")
            if not is_skip and type_key not in rulebook.types:
                raise InputError(
                    f"[[facility]] entry {i + 1} ({tags}) names the type {type_key!r}, which the rulebook does not "
                    f"have; use one of {sorted(rulebook.types)} or add the type to a city rule file",
                    file=where,
                )
            out.append(
                TagRule(
                    tags=tuple((str(k), tuple(v) if isinstance(v, list) else (str(v),)) for k, v in tags.items()),
                    type=type_key,
                    reason=str(raw.get("reason_en", "")),
                    name_contains=tuple(raw.get("name_contains", ())),
                    name_excludes=tuple(raw.get("name_excludes", ())),
                )
            )
    # skips first within a file: a nursing home must not fall through to a broader facility rule
    return out


def load_osm_mapping(rulebook: Rulebook, path: str | Path | None = None) -> OSMMapping:
    """The default OSM mapping, with a user file's rules tried first.

    Parameters
    ----------
    rulebook
        The rulebook whose facility types the rules must name.
    path
        A user mapping file (TOML, the format of ``mappings/osm.toml``), or None.

    Raises
    ------
    InputError
        If a file is missing or not TOML, or a rule is malformed or names an unknown type.
    """
    default = "planner/ingest/mappings/osm.toml"
    base = _read(resources.files("planner.ingest.mappings").joinpath("osm.toml").read_text("utf-8"), default)
    rules = _rules(base, default, rulebook)
    files = [default]
    settings = {k: dict(base.get(k, {})) for k in ("mapping", "buildings", "communities")}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError("mapping file not found; check the path", file=str(p))
        user = _read(p.read_text("utf-8"), str(p))
        rules = _rules(user, str(p), rulebook) + rules
        for key in settings:
            settings[key].update(user.get(key, {}))
        files.append(str(p))
    b, c = settings["buildings"], settings["communities"]
    return OSMMapping(
        rules=tuple(rules),
        report_keys=tuple(settings["mapping"].get("report_keys", ("amenity",))),
        residential=frozenset(b["residential"]),
        default_levels={str(k): float(v) for k, v in b["default_levels"].items()},
        block_highways=frozenset(c["block_highways"]),
        min_block_area_m2=float(c["min_block_area_m2"]),
        floor_area_per_resident_m2=float(c["floor_area_per_resident_m2"]),
        files=tuple(files),
    )

"""Rulebooks: facility types and planning standards, loaded from TOML data files.

Rule numbers never live in code. Each number in a rule file is a table
``{value, source, status, basis, clause_zh, clause_en, note, note_zh, note_en}`` so that every
output can say which standard it applied (its *basis*: the standard or policy document and
clause, in both languages), how firmly that standard is confirmed (its *status*), and where the
number was seen (its *source*, the verification trail, shown only in a report's method
appendix). The national default ships with the package; a city file is merged over it key by
key. How a basis is resolved is described in the header of ``rulebooks/cn-national.toml``.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from planner import naming
from planner.errors import RulebookError
from planner.naming import fold
from planner.rules.kinds import KINDS

DEFAULT_RULEBOOK = "cn-national"

#: kinds of [sources]: ``research`` is a verification trail (an eval set, a blog, a code
#: repository, a news page) that is never shown as the basis of a rule; ``document`` is a
#: standard or policy document itself (its title is the basis when a number names no other);
#: ``default`` is planner's own default
SOURCE_KINDS = ("research", "document", "default")

#: the kinds of community rule planner knows how to check (registered in :mod:`planner.rules.kinds`)
RULE_KINDS = tuple(KINDS)

#: rule-file tables kept as read (:attr:`Rulebook.tables`) and checked where they are used
EXTRA_TABLES = ("demand_groups", "demand_types", "life_circles", "service_standards", "access_decay")


@dataclass(frozen=True)
class Number:
    """A rule number with its provenance."""

    value: float
    source: str
    status: str
    note: str = ""  # the verification trail's note (a quote where the number was seen)
    basis_zh: str = ""  # the standard or policy document and clause, in Chinese
    basis_en: str = ""
    note_zh: str = ""  # a remark for readers, in Chinese
    note_en: str = ""
    document_zh: str = ""  # the basis without its clause
    document_en: str = ""

    def document(self, lang: str) -> str:
        """The basis document without its clause, in ``"zh"`` or ``"en"``."""
        return self.document_zh if lang == "zh" else self.document_en

    def basis(self, lang: str) -> str:
        """The basis to show in ``"zh"`` or ``"en"``: the standard or policy document and clause."""
        return self.basis_zh if lang == "zh" else self.basis_en

    def remark(self, lang: str) -> str:
        """The remark for readers in ``"zh"`` or ``"en"`` (empty when the rule file gives none)."""
        return self.note_zh if lang == "zh" else self.note_en


@dataclass(frozen=True)
class FacilityType:
    """A kind of community facility and its standards."""

    key: str
    name_en: str
    name_zh: str
    level: str
    aliases: tuple[str, ...]
    radius_m: Number
    min_floor_area_m2: Number | None = None

    def name(self, lang: str) -> str:
        """The display name in ``"en"`` or ``"zh"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class CommunityRule:
    """A standard each community is checked against."""

    id: str
    kind: str
    name_en: str
    name_zh: str
    numbers: Mapping[str, Number] = field(default_factory=dict)
    facility_types: tuple[str, ...] = ()

    def name(self, lang: str) -> str:
        """The display name in ``"en"`` or ``"zh"``."""
        return self.name_zh if lang == "zh" else self.name_en


@dataclass(frozen=True)
class Rulebook:
    """Facility types, community rules, sources and statuses of one rule set."""

    id: str
    version: str
    name_en: str
    name_zh: str
    types: Mapping[str, FacilityType]
    rules: Mapping[str, CommunityRule]
    sources: Mapping[str, Mapping[str, str]]
    statuses: Mapping[str, Mapping[str, str]]
    files: tuple[str, ...] = ()
    #: plausibility limits for input data (``[validation]``), e.g. ``cells_population_tolerance``
    validation: Mapping[str, Number] = field(default_factory=dict)
    bases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def status_name(self, code: str, lang: str) -> str:
        """A status's short name with its code, e.g. ``二手来源(V2)`` / ``secondary source (V2)``."""
        info = self.statuses.get(code, {})
        short = str(info.get("short_zh" if lang == "zh" else "short_en", "")).strip()
        return f"{short}({code})" if short and lang == "zh" else (f"{short} ({code})" if short else code)

    def types_by_level(self) -> dict[str, tuple[str, ...]]:
        """Facility type keys per life-circle level (``level`` in the rule file), in rulebook order.

        E.g. ``{"5-minute": ("community_service", ...), "10-minute": ("primary_school",),
        "15-minute": ("junior_school",)}``; types without a level are under ``""``.
        """
        out: dict[str, list[str]] = {}
        for t in self.types.values():
            out.setdefault(t.level, []).append(t.key)
        return {level: tuple(keys) for level, keys in out.items()}

    def research_keys(self) -> tuple[str, ...]:
        """The [sources] keys of kind ``research``: a trail never shown as the basis of a rule."""
        return tuple(k for k, v in self.sources.items() if v.get("kind", "document") == "research")

    #: numbers of the district's organisation (``[organisation]``): workstation sizes and staffing,
    #: the workload weights, grid workers per grid (used by :mod:`planner.plan.regions`)
    organisation: Mapping[str, Number] = field(default_factory=dict)
    #: the raw tables of :data:`EXTRA_TABLES` (demand groups, walking speeds, life circles,
    #: service standards, access decay), read by :mod:`planner.assess.groups`
    tables: Mapping[str, Any] = field(default_factory=dict)

    def number(self, raw: Any, where: str) -> Number:
        """A ``{value, source, status}`` table of :attr:`tables` as a checked :class:`Number`."""
        return _number(raw, where, self.sources, self.statuses, self.bases)

    def match_type(self, raw: object) -> str | None:
        """The facility type key for a raw type name from data, or None when unknown."""
        if raw is None:
            return None
        text = fold(str(raw))
        return self._alias_index().get(text)

    def _alias_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for t in self.types.values():
            for alias in (t.key, t.name_en, t.name_zh, *t.aliases):
                index[fold(alias)] = t.key
        return index

    def provenance(self) -> list[dict[str, object]]:
        """One row per rule number: where it is used, its value, source and status."""
        rows: list[dict[str, object]] = []
        for t in self.types.values():
            for what, num in (("radius_m", t.radius_m), ("min_floor_area_m2", t.min_floor_area_m2)):
                if num is not None:
                    rows.append(_prov_row(f"facility_types.{t.key}.{what}", num, self))
        for r in self.rules.values():
            for what, num in r.numbers.items():
                rows.append(_prov_row(f"community_rules.{r.id}.{what}", num, self))
        return rows


def _prov_row(key: str, num: Number, book: Rulebook) -> dict[str, object]:
    return {
        "key": key,
        "value": num.value,
        "source": num.source,
        "source_title": book.sources.get(num.source, {}).get("title", ""),
        "status": num.status,
        "note": num.note,
        "basis_zh": num.basis_zh,
        "basis_en": num.basis_en,
        "note_zh": num.note_zh,
        "note_en": num.note_en,
        "source_kind": book.sources.get(num.source, {}).get("kind", "document"),
    }


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """Load the national rulebook, optionally with a city file merged over it.

    Parameters
    ----------
    path
        A city rule file (TOML). Its tables are merged over the national defaults key by key;
        each number it sets must be a ``{value, source, status}`` table.

    Returns
    -------
    Rulebook
    """
    base_text = resources.files("planner.rules.rulebooks").joinpath(f"{DEFAULT_RULEBOOK}.toml").read_text("utf-8")
    data = tomllib.loads(base_text)
    files = [f"{DEFAULT_RULEBOOK}.toml"]
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise RulebookError(f"rule file {p} does not exist")
        try:
            city = tomllib.loads(p.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise RulebookError(f"rule file {p} is not valid UTF-8 TOML: {exc}") from exc
        data = _merge(data, city)
        files.append(str(p))
    return _build(data, files=tuple(files))


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict) and not _is_number_table(value):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _is_number_table(value: Mapping[str, Any]) -> bool:
    return "value" in value


def _number(
    raw: Any, where: str, sources: Mapping[str, Any], statuses: Mapping[str, Any], bases: Mapping[str, Any]
) -> Number:
    if not isinstance(raw, Mapping) or "value" not in raw:
        raise RulebookError(
            f"{where} must be a table {{ value = ..., source = ..., status = ... }} so that reports "
            f"can cite it; got {raw!r}"
        )
    missing = [k for k in ("source", "status") if k not in raw]
    if missing:
        raise RulebookError(f"{where} has no {' or '.join(missing)}: every rule number must name its source and status")
    if raw["source"] not in sources:
        raise RulebookError(f"{where} cites source '{raw['source']}', which is not defined under [sources]")
    if raw["status"] not in statuses:
        raise RulebookError(f"{where} has status '{raw['status']}'; use one of {', '.join(statuses)}")
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RulebookError(f"{where}.value must be a non-negative number, got {value!r}")
    doc_zh, doc_en = _document(raw, where, sources[raw["source"]], str(raw["source"]), bases)
    basis_zh, basis_en = _with_clause(raw, doc_zh, doc_en)
    return Number(
        float(value),
        str(raw["source"]),
        str(raw["status"]),
        str(raw.get("note", "")),
        basis_zh=basis_zh,
        basis_en=basis_en,
        note_zh=str(raw.get("note_zh", "")),
        note_en=str(raw.get("note_en", "")),
        document_zh=doc_zh,
        document_en=doc_en,
    )


def _document(
    raw: Mapping[str, Any], where: str, source: Mapping[str, Any], key: str, bases: Mapping[str, Any]
) -> tuple[str, str]:
    """(Chinese, English) basis document of a number: its ``basis``, else its source's.

    A source of kind ``document`` without a basis is itself the document (its title is shown);
    a ``research`` source is only a trail, so a number citing one must have a basis.
    """
    doc = raw.get("basis", source.get("basis"))
    if doc is None:
        if source.get("kind", "document") == "research":
            raise RulebookError(
                f"{where} cites the research source '{key}' and names no basis: add basis = \"<a key of [bases]>\" "
                "(the standard or policy document the number comes from), to the number or to the source"
            )
        zh = str(source.get("title_zh", source.get("title", key)))
        en = str(source.get("title_en", source.get("title", key)))
    else:
        if doc not in bases:
            raise RulebookError(f"{where} names basis '{doc}', which is not defined under [bases]")
        zh, en = str(bases[doc]["zh"]), str(bases[doc]["en"])
    return zh, en


def _with_clause(raw: Mapping[str, Any], zh: str, en: str) -> tuple[str, str]:
    """The basis documents with the number's clause appended."""
    clause_zh, clause_en = str(raw.get("clause_zh", "")).strip(), str(raw.get("clause_en", "")).strip()
    if clause_zh:
        zh = zh + clause_zh if clause_zh[0] in "(（" else f"{zh} {clause_zh}"
    if clause_en:
        en = f"{en} {clause_en}" if clause_en[0] == "(" else f"{en}, {clause_en}"
    return zh, en


def _check_bases(sources: Mapping[str, Any], bases: Mapping[str, Any]) -> None:
    for key, b in bases.items():
        missing = [k for k in ("zh", "en") if not str(b.get(k, "")).strip()]
        if missing:
            raise RulebookError(
                f"bases.{key} has no {' or '.join(missing)}: give the document's name in both languages"
            )
    for key, src in sources.items():
        kind = src.get("kind", "document")
        if kind not in SOURCE_KINDS:
            raise RulebookError(f"sources.{key}.kind is {kind!r}; use one of {', '.join(SOURCE_KINDS)}")
        if "basis" in src and src["basis"] not in bases:
            raise RulebookError(f"sources.{key}.basis is '{src['basis']}', which is not defined under [bases]")


def _build(data: Mapping[str, Any], *, files: tuple[str, ...]) -> Rulebook:
    sources = data.get("sources", {})
    statuses = data.get("statuses", {})
    bases = data.get("bases", {})
    _check_bases(sources, bases)
    head = data.get("rulebook", {})
    types: dict[str, FacilityType] = {}
    for key, t in data.get("facility_types", {}).items():
        where = f"facility_types.{key}"
        for required in ("name_en", "name_zh", "radius_m"):
            if required not in t:
                raise RulebookError(f"{where} has no '{required}'")
        area = t.get("min_floor_area_m2")
        types[key] = FacilityType(
            key=key,
            name_en=str(t["name_en"]),
            name_zh=str(t["name_zh"]),
            level=str(t.get("level", "")),
            aliases=tuple(str(a) for a in t.get("aliases", ())),
            radius_m=_number(t["radius_m"], f"{where}.radius_m", sources, statuses, bases),
            min_floor_area_m2=None
            if area is None
            else _number(area, f"{where}.min_floor_area_m2", sources, statuses, bases),
        )
    if not types:
        raise RulebookError("the rulebook defines no [facility_types]")
    rules: dict[str, CommunityRule] = {}
    target = data.get("coverage", {}).get("target_share")
    if target is not None:
        num = _number(target, "coverage.target_share", sources, statuses, bases)
        if num.value > 1:
            raise RulebookError("coverage.target_share.value is a share between 0 and 1")
        for t in types.values():
            rid = naming.coverage_rule(t.key)
            rules[rid] = CommunityRule(
                id=rid,
                kind="coverage",
                name_en=f"{t.name_en} within {t.radius_m.value:g} m",
                name_zh=f"{t.name_zh}{t.radius_m.value:g}米覆盖",
                numbers={"target_share": num, "radius_m": t.radius_m},
                facility_types=(t.key,),
            )
    for rid, r in data.get("community_rules", {}).items():
        where = f"community_rules.{rid}"
        kind = r.get("kind")
        if kind not in KINDS or KINDS[kind].per_type:
            allowed = ", ".join(k for k, v in KINDS.items() if not v.per_type)
            raise RulebookError(f"{where}.kind is {kind!r}, which planner does not know; use one of {allowed}")
        numbers = {
            k: _number(v, f"{where}.{k}", sources, statuses, bases) for k, v in r.items() if isinstance(v, Mapping)
        }
        ftypes = tuple(r.get("facility_types", ()))
        unknown = [f for f in ftypes if f not in types]
        if unknown:
            raise RulebookError(f"{where}.facility_types names unknown type(s) {unknown}")
        KINDS[kind].check_numbers(numbers, where)
        rules[rid] = CommunityRule(
            id=rid,
            kind=kind,
            name_en=str(r.get("name_en", rid)),
            name_zh=str(r.get("name_zh", rid)),
            numbers=numbers,
            facility_types=ftypes,
        )
    checks = {k: _number(v, f"validation.{k}", sources, statuses, bases) for k, v in data.get("validation", {}).items()}
    organisation = {
        k: _number(v, f"organisation.{k}", sources, statuses, bases) for k, v in data.get("organisation", {}).items()
    }
    return Rulebook(
        id=str(head.get("id", "custom")),
        version=str(head.get("version", "")),
        name_en=str(head.get("name_en", "")),
        name_zh=str(head.get("name_zh", "")),
        types=types,
        rules=rules,
        sources=sources,
        statuses=statuses,
        files=files,
        validation=checks,
        bases=bases,
        organisation=organisation,
        tables={k: copy.deepcopy(data[k]) for k in EXTRA_TABLES if k in data},
    )

"""What-if scenarios: facility edits as data, applied to a study and compared.

A :class:`Scenario` is an ordered list of :class:`Edit` s (add, move, resize, remove a
facility). Edits are plain data with positions in WGS84 longitude/latitude, so a scenario
file is portable and human-readable, and the same file gives the same result whatever the
analysis CRS. :func:`apply_edits` turns a study's facilities layer into the scenario's;
:func:`evaluate` re-runs coverage and compliance for only the facility types the edits
touch, reusing the cells, network and snapping of the base analysis; :func:`compare`
and :func:`describe_change` say what changed, in English or Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.analysis import Analysis, with_facilities
from planner.errors import PlannerError
from planner.ingest.study import Study, locate_in_communities

Op = Literal["add", "move", "resize", "remove"]
OPS: tuple[str, ...] = ("add", "move", "resize", "remove")
FORMAT = "planner-scenario"
FORMAT_VERSION = 1
#: largest scenario file accepted (bytes); a scenario is a short list of edits
MAX_FILE_BYTES = 1_000_000
NEW_ID_PREFIX = "new-"


class ScenarioError(PlannerError, ValueError):
    """A scenario file or edit that cannot be used (malformed, or naming an unknown facility)."""


@dataclass(frozen=True)
class Edit:
    """One change to the facilities layer.

    Attributes
    ----------
    op
        ``"add"``, ``"move"``, ``"resize"`` or ``"remove"``.
    facility_id
        The facility changed; for ``add`` the id given to the new facility.
    type
        Rulebook type key of an added facility.
    name
        Name of an added facility.
    floor_area_m2
        Floor area of an added or resized facility (m²).
    lon, lat
        WGS84 position of an added or moved facility (degrees).
    """

    op: Op
    facility_id: str
    type: str | None = None
    name: str | None = None
    floor_area_m2: float | None = None
    lon: float | None = None
    lat: float | None = None

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ScenarioError(f"unknown edit '{self.op}'; use one of {', '.join(OPS)}")
        if not str(self.facility_id).strip():
            raise ScenarioError(f"a '{self.op}' edit needs a facility id")
        if self.op in ("add", "move"):
            if self.lon is None or self.lat is None or not (_finite(self.lon) and _finite(self.lat)):
                raise ScenarioError(f"'{self.op}' of facility {self.facility_id} needs a longitude and latitude")
            if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
                raise ScenarioError(
                    f"'{self.op}' of facility {self.facility_id}: lon/lat ({self.lon}, {self.lat}) out of range"
                )
        if self.op == "add" and not self.type:
            raise ScenarioError(f"adding facility {self.facility_id} needs a facility type")
        if self.op in ("add", "resize"):
            area = self.floor_area_m2
            if area is None or not _finite(area) or area < 0:
                raise ScenarioError(
                    f"'{self.op}' of facility {self.facility_id} needs a floor area of 0 m² or more, got {area!r}"
                )


def _finite(value: object) -> bool:
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Scenario:
    """A named, ordered list of edits for one study."""

    name: str = ""
    edits: tuple[Edit, ...] = ()
    study: str = ""
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def with_edit(self, edit: Edit) -> Scenario:
        """A new scenario with ``edit`` appended."""
        return replace(self, edits=(*self.edits, edit))

    def without_last(self) -> Scenario:
        """A new scenario with the last edit undone."""
        return replace(self, edits=self.edits[:-1])

    def new_id(self, existing: Iterable[str]) -> str:
        """An id for an added facility that clashes with no existing or added id."""
        taken = {str(i) for i in existing} | {e.facility_id for e in self.edits}
        n = 1
        while f"{NEW_ID_PREFIX}{n}" in taken:
            n += 1
        return f"{NEW_ID_PREFIX}{n}"

    def to_json(self) -> str:
        """The scenario file's text (UTF-8 JSON)."""
        payload = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "name": self.name,
            "study": self.study,
            "created": self.created,
            "edits": [{k: v for k, v in asdict(e).items() if v is not None} for e in self.edits],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Scenario:
        """Read a scenario file, checking every edit; raises :class:`ScenarioError`."""
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError(f"a scenario file is at most {MAX_FILE_BYTES // 1000} kB; this one is larger")
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"not a scenario file (invalid JSON: {exc})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ScenarioError(f'not a scenario file: expected "format": "{FORMAT}"')
        if data.get("version") != FORMAT_VERSION:
            raise ScenarioError(f"scenario file version {data.get('version')!r} is not supported (use 1)")
        raw = data.get("edits", [])
        if not isinstance(raw, list):
            raise ScenarioError('"edits" must be a list')
        edits = []
        allowed = set(Edit.__dataclass_fields__)
        for i, item in enumerate(raw, start=1):
            if not isinstance(item, dict) or set(item) - allowed:
                extra = sorted(set(item) - allowed) if isinstance(item, dict) else []
                raise ScenarioError(f"edit {i} is not an edit object{f' (unknown keys {extra})' if extra else ''}")
            try:
                edits.append(Edit(**_coerce(item)))  # type: ignore[arg-type]  # _coerce checks each type
            except ScenarioError as exc:
                raise ScenarioError(f"edit {i}: {exc}") from exc
        return cls(
            name=str(data.get("name", "")),
            edits=tuple(edits),
            study=str(data.get("study", "")),
            created=str(data.get("created", "")),
        )


def _coerce(item: dict[str, object]) -> dict[str, object]:
    out = dict(item)
    for key in ("facility_id", "type", "name", "op"):
        if out.get(key) is not None:
            out[key] = str(out[key])
    for key in ("floor_area_m2", "lon", "lat"):
        if out.get(key) is not None:
            if not _finite(out[key]) or isinstance(out[key], bool):
                raise ScenarioError(f"'{key}' must be a number, got {out[key]!r}")
            out[key] = float(out[key])  # type: ignore[arg-type]
    return out


def touched_types(scenario: Scenario, study: Study) -> set[str]:
    """Facility types whose coverage the scenario can change (the types of every edited facility)."""
    by_id = dict(zip(study.facilities["facility_id"].astype(str), study.facilities["type"].astype(str), strict=True))
    out: set[str] = set()
    for e in scenario.edits:
        if e.op == "add" and e.type:
            by_id[e.facility_id] = e.type
        if e.facility_id in by_id:
            out.add(by_id[e.facility_id])
    return out


def apply_edits(study: Study, scenario: Scenario) -> gpd.GeoDataFrame:
    """The study's facilities with the scenario's edits applied, in order (a new frame).

    Raises
    ------
    ScenarioError
        An edit names a facility that does not exist (any more), adds an id that exists, or
        a type that is not in the rulebook.
    """
    fac = study.facilities.copy()
    book = study.rulebook
    to_study = pyproj.Transformer.from_crs("EPSG:4326", study.crs, always_xy=True)
    ids = fac["facility_id"].astype(str)
    for i, e in enumerate(scenario.edits, start=1):
        where = f"edit {i} ({e.op} {e.facility_id})"
        if e.op == "add":
            if e.type is None or e.type not in book.types:
                raise ScenarioError(f"{where}: facility type '{e.type}' is not in the rulebook {book.id}")
            if (ids == e.facility_id).any():
                raise ScenarioError(f"{where}: a facility with this id already exists")
            x, y = to_study.transform(e.lon, e.lat)
            row = {col: pd.NA for col in fac.columns if col != fac.geometry.name}
            row.update(
                facility_id=e.facility_id,
                name=e.name or e.facility_id,
                type=e.type,
                type_raw=book.types[e.type].name_zh,
                floor_area_m2=float(e.floor_area_m2),  # type: ignore[arg-type]
            )
            new = gpd.GeoDataFrame([row], geometry=[shapely.Point(x, y)], crs=fac.crs)
            fac = pd.concat([fac, new], ignore_index=True)
            ids = fac["facility_id"].astype(str)
            continue
        hit = np.flatnonzero((ids == e.facility_id).to_numpy())
        if len(hit) == 0:
            raise ScenarioError(f"{where}: no facility with this id in the study (was it removed earlier?)")
        row_i = fac.index[hit[0]]
        if e.op == "remove":
            fac = fac.drop(index=row_i).reset_index(drop=True)
            ids = fac["facility_id"].astype(str)
        elif e.op == "resize":
            fac.loc[row_i, "floor_area_m2"] = float(e.floor_area_m2)  # type: ignore[arg-type]
        else:  # move
            x, y = to_study.transform(e.lon, e.lat)
            fac.loc[row_i, fac.geometry.name] = shapely.Point(x, y)
    fac = gpd.GeoDataFrame(fac, geometry=fac.geometry.name, crs=study.crs).reset_index(drop=True)
    fac["community_id"] = locate_in_communities(fac, study.communities)
    return fac


def outside_district(study: Study, scenario: Scenario) -> list[Edit]:
    """The ``add`` and ``move`` edits that put a facility outside every community of the study.

    Such an edit is not an error (a facility just across the district's edge can serve its
    residents), but it is usually a slip of the mouse, so the app asks before keeping one
    and says so for a scenario file. A point on a community's boundary is inside.
    """
    placed = [e for e in scenario.edits if e.op in ("add", "move")]
    if not placed:
        return []
    to_study = pyproj.Transformer.from_crs("EPSG:4326", study.crs, always_xy=True)
    xs, ys = to_study.transform([e.lon for e in placed], [e.lat for e in placed])
    points = gpd.GeoDataFrame(geometry=shapely.points(np.asarray(xs), np.asarray(ys)), crs=study.crs)
    where = locate_in_communities(points, study.communities)
    return [e for e, outside in zip(placed, where.isna().to_numpy(), strict=True) if outside]


def evaluate(base: Analysis, scenario: Scenario) -> Analysis:
    """The base analysis re-run with the scenario's facilities (only touched types recomputed)."""
    if not scenario.edits:
        return base
    fac = apply_edits(base.study, scenario)
    return with_facilities(base, fac, types=sorted(touched_types(scenario, base.study)))


def compare(a: Analysis, b: Analysis, *, lang: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Side-by-side figures of two results of the same study.

    Returns
    -------
    coverage
        One row per facility type: ``type``, ``name``, ``radius_m``, ``residents_a``,
        ``residents_b``, ``delta``, ``share_a``, ``share_b``.
    rules
        One row per rule: ``rule_id``, ``name``, ``passing_a``, ``passing_b``, ``delta``,
        ``assessed``.
    """
    book = a.study.rulebook
    rows = []
    for key, t in book.types.items():
        ca, cb = a.summary["coverage"][key], b.summary["coverage"][key]
        rows.append(
            {
                "type": key,
                "name": t.name(lang),
                "radius_m": t.radius_m.value,
                "residents_a": ca["residents_covered"],
                "residents_b": cb["residents_covered"],
                "delta": cb["residents_covered"] - ca["residents_covered"],
                "share_a": ca["share_covered"],
                "share_b": cb["share_covered"],
            }
        )
    rules = []
    for rid, rule in book.rules.items():
        ra, rb = a.summary["rules"][rid], b.summary["rules"][rid]
        rules.append(
            {
                "rule_id": rid,
                "name": rule.name(lang),
                "passing_a": ra["communities_passing"],
                "passing_b": rb["communities_passing"],
                "delta": rb["communities_passing"] - ra["communities_passing"],
                "assessed": rb["communities_passing"] + rb["communities_failing"],
            }
        )
    return pd.DataFrame(rows), pd.DataFrame(rules)


def describe_change(a: Analysis, b: Analysis, *, lang: str = "en") -> list[str]:
    """Plain sentences for what changed from ``a`` to ``b``, e.g.
    "+1,240 residents within 300 m of a kindergarten" and "2 more communities pass: ...".
    """
    cov, rules = compare(a, b, lang=lang)
    out = []
    for r in cov.itertuples():
        if r.delta == 0:
            continue
        if lang == "zh":
            verb = "增加" if r.delta > 0 else "减少"
            out.append(f"{r.name}{r.radius_m:g}米覆盖居民{verb}{abs(r.delta):,}人({r.share_a:.1%} → {r.share_b:.1%})")
        else:
            article = "an" if r.name[:1].lower() in "aeiou" else "a"
            out.append(
                f"{r.delta:+,} residents within {r.radius_m:g} m of {article} {r.name.lower()} "
                f"({r.share_a:.1%} → {r.share_b:.1%})"
            )
    for r in rules.itertuples():
        if r.delta == 0:
            continue
        n = abs(r.delta)
        if lang == "zh":
            verb = "新增" if r.delta > 0 else "减少"
            out.append(f"“{r.name}”达标社区{verb}{n}个({r.passing_a} → {r.passing_b}/{r.assessed})")
        else:
            word = "more" if r.delta > 0 else "fewer"
            noun = "community passes" if n == 1 else "communities pass"
            out.append(f"{n} {word} {noun} “{r.name}” ({r.passing_a} → {r.passing_b} of {r.assessed})")
    return out


def changed_facility_ids(scenario: Scenario) -> dict[str, str]:
    """Each facility id the scenario touches and its last operation (``add`` wins over later moves)."""
    out: dict[str, str] = {}
    for e in scenario.edits:
        if out.get(e.facility_id) == "add" and e.op != "remove":
            continue
        out[e.facility_id] = e.op
    return out


def removed_facilities(study: Study, scenario: Scenario) -> gpd.GeoDataFrame:
    """Facilities of the study that the scenario removes (to show them faded on a map)."""
    gone = {e.facility_id for e in scenario.edits if e.op == "remove"}
    fac = study.facilities
    return fac.loc[fac["facility_id"].astype(str).isin(gone)].copy()

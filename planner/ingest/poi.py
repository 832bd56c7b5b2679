"""AMap (高德) and Baidu POI exports as a facilities layer (``planner import-poi``).

A table (CSV in UTF-8 or GBK/GB18030, or XLSX) is recognised as an AMap export by a code
column of six-digit typecodes, as a Baidu export by a tag or uid column (the column names of
both are in ``mappings/poi.toml``). Its rows are mapped to the rulebook's types by the same
data file (AMap typecodes, Baidu tag hierarchies, optional name words); rows of no mapped type
are logged ``unmapped_type`` and left out. Coordinates are GCJ-02 (AMap) or BD-09 (Baidu) and
converted exactly to WGS84 (logged ``offset_converted``) unless the coordinate columns are
named as WGS84. Duplicates of one facility (the same name within a few metres, or a site and
its entrance, "XX小学(东门)") are merged into the first row and logged ``poi_merged``.

A separate command rather than an option of ``import-osm``: a POI table is a facilities
layer for any study (``planner analyze --facilities OUT.gpkg``), OSM-based or not.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError
from planner.ingest import validate
from planner.ingest.offsets import bd09_to_wgs84, gcj02_to_wgs84
from planner.naming import fold
from planner.rules.model import Rulebook, load_rulebook

__all__ = ["POIImport", "PoiMapping", "import_poi", "load_poi_mapping", "read_poi"]

SOURCES = ("amap", "baidu")
_CODE = re.compile(r"^\d{6}$")
_ENTRANCE = re.compile(r"[(（\[【]([^)）\]】]*)[)）\]】]\s*$")


@dataclass(frozen=True)
class PoiRule:
    """One rule: a source, codes or tags (``*`` suffix a prefix), name words, a type or a skip."""

    source: str
    patterns: tuple[str, ...]
    type: str | None
    reason: str
    name_contains: tuple[str, ...]
    name_excludes: tuple[str, ...]

    def matches(self, code: str, name: str) -> bool:
        """Whether a row's code (or tag) and name satisfy the rule."""
        codes = [c.strip() for c in re.split(r"[|,]", code) if c.strip()] or [""]
        hit = any(c == p or (p.endswith("*") and c.startswith(p[:-1])) for c in codes for p in self.patterns)
        if not hit or (self.name_contains and not any(w in name for w in self.name_contains)):
            return False
        return not any(w in name for w in self.name_excludes)


@dataclass(frozen=True)
class PoiMapping:
    """The rules, the columns of each export and the merge distances."""

    rules: tuple[PoiRule, ...]
    columns: dict[str, dict[str, tuple[str, ...]]]
    same_name_within_m: float
    entrance_within_m: float
    entrance_words: tuple[str, ...]


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the mapping is not valid TOML: {exc}", file=where) from exc


def _rules(data: dict[str, Any], where: str, rulebook: Rulebook) -> list[PoiRule]:
    out = []
    for i, raw in enumerate(data.get("rule", [])):
        source, type_key = raw.get("source"), raw.get("type")
        if source not in SOURCES or not (raw.get("codes") or raw.get("tags")):
            raise InputError(f"[[rule]] {i + 1} needs source = amap|baidu and codes or tags", file=where)
        if type_key is not None and type_key not in rulebook.types:
            raise InputError(
                f"[[rule]] {i + 1} names the type {type_key!r}, which the rulebook does not have; use one of "
                f"{sorted(rulebook.types)}",
                file=where,
            )
        out.append(
            PoiRule(
                source=source,
                patterns=tuple(str(p) for p in raw.get("codes") or raw.get("tags")),
                type=type_key,
                reason=str(raw.get("reason_en", "")),
                name_contains=tuple(raw.get("name_contains", ())),
                name_excludes=tuple(raw.get("name_excludes", ())),
            )
        )
    return out


def load_poi_mapping(rulebook: Rulebook, path: str | Path | None = None) -> PoiMapping:
    """The default POI mapping with a user file's rules tried first (see ``mappings/poi.toml``)."""
    where = "planner/ingest/mappings/poi.toml"
    base = _toml(resources.files("planner.ingest.mappings").joinpath("poi.toml").read_text("utf-8"), where)
    rules = _rules(base, where, rulebook)
    columns = {s: dict(base["columns"][s]) for s in SOURCES}
    merge = dict(base["merge"])
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise InputError("mapping file not found; check the path", file=str(p))
        user = _toml(p.read_text("utf-8"), str(p))
        rules = _rules(user, str(p), rulebook) + rules
        for s in SOURCES:
            columns[s].update(user.get("columns", {}).get(s, {}))
        merge.update(user.get("merge", {}))
    return PoiMapping(
        rules=tuple(rules),
        columns={s: {k: tuple(v) for k, v in c.items()} for s, c in columns.items()},
        same_name_within_m=float(merge["same_name_within_m"]),
        entrance_within_m=float(merge["entrance_within_m"]),
        entrance_words=tuple(merge["entrance_words"]),
    )


def read_poi(path: str | Path) -> tuple[pd.DataFrame, str]:
    """The table as text columns, and its encoding (``utf-8``, ``gb18030`` or ``xlsx``)."""
    p = Path(path)
    if not p.exists():
        raise InputError("POI table not found; check the path", file=str(p))
    if p.suffix.lower() in (".xlsx", ".xls"):
        try:
            return pd.read_excel(p, dtype=str), "xlsx"
        except Exception as exc:  # openpyxl raises many kinds
            raise InputError(f"cannot read the spreadsheet: {exc}", file=str(p)) from exc
    raw = p.read_bytes()
    for encoding, name in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False), name
    raise InputError("the CSV is neither UTF-8 nor GBK/GB18030; save it as UTF-8", file=str(p))


def _column(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    folded = {fold(c): c for c in df.columns}
    return next((str(folded[fold(n)]) for n in names if fold(n) in folded), None)


def detect_source(df: pd.DataFrame, mapping: PoiMapping, *, file: str) -> str:
    """``amap`` or ``baidu`` from the columns; raise when neither or both fit."""
    code = _column(df, mapping.columns["amap"]["code"])
    amap = code is not None and df[code].astype(str).str.split("|").str[0].str.strip().str.match(_CODE).mean() > 0.5
    baidu = _column(df, ("uid",)) is not None or (
        (tag := _column(df, mapping.columns["baidu"]["code"])) is not None
        and df[tag].astype(str).str.contains(";").mean() > 0.5
    )
    if amap == baidu:
        raise InputError(
            "cannot tell whether this is an AMap or a Baidu export (AMap: a typecode column of six-digit codes; "
            "Baidu: a uid column or a tag column like 教育培训;幼儿园); name the source, amap or baidu, explicitly",
            file=file,
        )
    return "amap" if amap else "baidu"


def _lonlat(df: pd.DataFrame, cols: dict[str, tuple[str, ...]], *, file: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Longitudes, latitudes and the name of the column they came from."""
    loc = _column(df, cols["location"])
    if loc is not None:
        parts = df[loc].astype(str).str.split(",", n=1, expand=True).reindex(columns=[0, 1])
        lon, lat, used = parts[0], parts[1], loc
    else:
        lo, la = _column(df, cols["lon"]), _column(df, cols["lat"])
        if lo is None or la is None:
            raise InputError(
                f"no coordinates: need a location column ('lng,lat', one of {', '.join(cols['location'])}) or "
                f"longitude/latitude columns ({', '.join(cols['lon'])} / {', '.join(cols['lat'])})",
                file=file,
            )
        lon, lat, used = df[lo], df[la], lo
    x, y = pd.to_numeric(lon, errors="coerce").to_numpy(), pd.to_numeric(lat, errors="coerce").to_numpy()
    bad = np.isnan(x) | np.isnan(y)
    if bad.any():
        rows = (np.flatnonzero(bad) + 2).tolist()
        raise InputError("coordinates missing or not numbers; fix these rows", file=file, column=used, rows=rows)
    return x, y, used


@dataclass(frozen=True)
class POIImport:
    """What :func:`import_poi` produced."""

    facilities: gpd.GeoDataFrame
    log: pd.DataFrame
    source: str
    encoding: str
    coordinates: str
    rows: int
    merged: int
    unmapped: int


def build_facilities(
    df: pd.DataFrame, mapping: PoiMapping, *, source: str = "auto", file: str = "", encoding: str = ""
) -> POIImport:
    """Map, convert, deduplicate: the facilities of a POI table in EPSG:4326."""
    vlog = validate.ValidationLog()
    source = detect_source(df, mapping, file=file) if source == "auto" else source
    cols = mapping.columns[source]
    id_col, name_col, code_col = (_column(df, cols[k]) for k in ("id", "name", "code"))
    if code_col is None:
        raise InputError(f"no {source} type column; expected one of {', '.join(cols['code'])}", file=file)
    ids = df[id_col].astype(str) if id_col else pd.Series([f"poi{i + 1}" for i in range(len(df))], index=df.index)
    names = df[name_col].astype(str).fillna("") if name_col else pd.Series("", index=df.index)
    lon, lat, used = _lonlat(df, cols, file=file)
    offset = "wgs84" if "wgs84" in fold(used) else ("gcj02" if source == "amap" else "bd09")
    if offset != "wgs84":
        lon, lat = (gcj02_to_wgs84 if offset == "gcj02" else bd09_to_wgs84)(lon, lat)
        vlog.add(
            "facilities",
            [Path(file).name or "table"],
            "offset_converted",
            "repaired",
            detail=f"{len(df)} rows, {offset.upper()} ({source}) to WGS84",
        )
    rules = [r for r in mapping.rules if r.source == source]
    types: list[str | None] = []
    for code, name, fid in zip(df[code_col].astype(str), names, ids, strict=True):
        rule = next((r for r in rules if r.matches(code, name)), None)
        types.append(rule.type if rule else None)
        if rule is None or rule.type is None:
            vlog.add(
                "facilities",
                [fid],
                "unmapped_type",
                "dropped",
                detail=f"'{code}' {name}: {rule.reason if rule else ''}",
            )
    keep = np.array([t is not None for t in types])
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ids.to_numpy()[keep],
            "name": names.to_numpy()[keep],
            "type": np.array(types, dtype=object)[keep],
            "type_code": df[code_col].astype(str).to_numpy()[keep],
            "source": source,
        },
        geometry=shapely.points(lon[keep], lat[keep]),
        crs="EPSG:4326",
    )
    fac, merged = _merge_duplicates(fac, mapping, vlog)
    return POIImport(fac, vlog.frame(), source, encoding, offset.upper(), len(df), merged, int((~keep).sum()))


def _base_name(name: str, words: tuple[str, ...]) -> tuple[str, bool]:
    """The name without an entrance suffix ("XX小学(东门)" -> "XX小学"), and whether it had one."""
    m = _ENTRANCE.search(name)
    if m and any(w in m.group(1) for w in words):
        return fold(name[: m.start()]), True
    return fold(name), False


def _merge_duplicates(
    fac: gpd.GeoDataFrame, mapping: PoiMapping, vlog: validate.ValidationLog
) -> tuple[gpd.GeoDataFrame, int]:
    if len(fac) < 2:
        return fac, 0
    metric = fac.to_crs(fac.estimate_utm_crs())
    base = [_base_name(n, mapping.entrance_words) for n in fac["name"]]
    key = pd.Series([b for b, _ in base]) + "|" + fac["type"].reset_index(drop=True)
    entrance = np.array([e for _, e in base])
    left, right = metric.sindex.query(metric.geometry.values, predicate="dwithin", distance=mapping.entrance_within_m)
    pair = (left < right) & (key.to_numpy()[left] == key.to_numpy()[right]) & (key.str.len().to_numpy()[left] > 1)
    dist = shapely.distance(metric.geometry.values[left], metric.geometry.values[right])
    near = dist <= mapping.same_name_within_m
    pair &= near | entrance[left] | entrance[right]
    drop: dict[int, int] = {}
    for a, b in zip(left[pair], right[pair], strict=True):
        keep_row = drop.get(int(a), int(a))
        if int(b) not in drop and keep_row != int(b):
            drop[int(b)] = keep_row
    ids = fac["facility_id"].to_numpy()
    for b, a in drop.items():
        vlog.add("facilities", [ids[b]], "poi_merged", "dropped", detail=f"into {ids[a]} ({fac['name'].iloc[a]})")
    return fac.drop(index=fac.index[list(drop)]).reset_index(drop=True), len(drop)


def import_poi(
    path: str | Path,
    out: str | Path,
    *,
    source: str = "auto",
    mapping: str | Path | None = None,
    rules: str | Path | None = None,
) -> POIImport:
    """Read a POI table and write ``out`` (a facilities GeoPackage with an ``import_log`` table).

    Also writes ``<out stem>_validation.csv`` beside it.
    """
    from planner.outputs import atomic_path, for_file, write_atomic

    target = Path(out)
    if target.suffix.lower() != ".gpkg":
        raise InputError("the output of import-poi is a GeoPackage: give --out FACILITIES.gpkg", file=str(target))
    if target.resolve() == Path(path).resolve():
        raise InputError("the output would overwrite the input; choose another --out", file=str(target))
    df, encoding = read_poi(path)
    result = build_facilities(
        df, load_poi_mapping(load_rulebook(rules), mapping), source=source, file=str(path), encoding=encoding
    )
    if result.facilities.empty:
        raise InputError(
            "no row of the table maps to a rulebook facility type; see the types in mappings/poi.toml", file=str(path)
        )
    with atomic_path(target) as tmp:
        for_file(result.facilities).to_file(tmp, layer="facilities", driver="GPKG", engine="pyogrio")
        gpd.GeoDataFrame(for_file(result.log)).to_file(tmp, layer="import_log", driver="GPKG", engine="pyogrio")

    def write_csv(p: Path) -> None:
        result.log.to_csv(p, index=False, encoding="utf-8-sig")

    write_atomic(target.with_name(f"{target.stem}_validation.csv"), write_csv)
    return result

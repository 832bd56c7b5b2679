"""Validate and repair a study's layers, recording what happened to every feature.

One funnel per layer: problems a user must fix raise :class:`~planner.errors.InputError`
naming the file, layer, column and example rows; problems planner can handle (an invalid
polygon it can repair, a facility type it does not know) are recorded in the validation log
with a reason code, so that users see what was excluded and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError
from planner.ingest import files as io
from planner.rules.model import Rulebook

#: reason codes of the validation log, with English and Chinese explanations
REASONS: dict[str, tuple[str, str]] = {
    "null_geometry": ("feature has no geometry; dropped", "要素没有几何图形,已剔除"),
    "empty_geometry": ("feature has an empty geometry; dropped", "要素几何图形为空,已剔除"),
    "invalid_geometry_repaired": ("invalid geometry repaired with make_valid", "无效几何已自动修复"),
    "wrong_geometry_type": ("geometry type not usable for this layer; dropped", "几何类型不适用于该图层,已剔除"),
    "unknown_facility_type": ("facility type not in the rulebook; dropped", "设施类型不在规则库中,已剔除"),
    "missing_floor_area": ("no floor area; floor-area rules not assessed for it", "缺少建筑面积,不参与面积评估"),
    "facility_outside_communities": ("facility lies outside every community", "设施不在任何社区范围内"),
    "cell_outside_communities": (
        "cell centre lies outside every community; dropped",
        "网格单元中心不在任何社区内,已剔除",
    ),
    "community_overlap": ("community overlaps another community", "社区边界与其他社区重叠"),
    "street_excluded": ("street class not walkable (motorway, construction...); dropped", "道路等级不可步行,已剔除"),
    "far_from_street": (
        "farther from any street than the maximum snapping distance; no walking distance",
        "距最近道路超过最大捕捉距离,无法计算步行距离",
    ),
    "street_piece_cut_off": (
        "street piece not joined to the rest of the network: its residents reach no facility of the types "
        "listed; join it with the missing link, or use a wider street extract",
        "该道路片段未与路网其余部分连通,其居民无法到达所列类型的设施;请补上缺失的连接道路或使用范围更大的路网",
    ),
    "missing_levels": ("building has no storey count; one storey assumed", "建筑缺少层数,按一层计"),
    "duplicate_column": (
        "column has the same values as another column of the same meaning; the other is used",
        "该列与另一同义列数值相同,已采用另一列",
    ),
    "missing_households": (
        "no household count; household-based rules may not be assessed",
        "缺少户数,按户数计算的指标可能无法评估",
    ),
    "community_figures_inconsistent": (
        "households and residents contradict each other; check both figures",
        "户数与常住人口相互矛盾,请核对",
    ),
    "cells_population_mismatch": (
        "the given cells' residents differ from the community's population; coverage counts the cells",
        "给定网格单元的人口与社区人口不符;覆盖率按网格单元人口计算",
    ),
    "missing_sub_district": (
        "no sub-district; counted under '—' in the sub-district table",
        "缺少所属街道,在街道汇总表中计入“—”",
    ),
    "duplicate_facility": (
        "same type at the same place as another facility; possibly listed twice",
        "与另一设施类型相同且位置重合,可能重复录入",
    ),
    # import-osm and import-poi (planner.ingest.osm_study, planner.ingest.poi)
    "provisional_community": (
        "provisional community made from a street block (no community boundaries given); residents estimated",
        "临时社区:由街区生成(未提供社区边界),人口为估算值",
    ),
    "facility_merged": (
        "merged into another object of the same type that contains it (e.g. a gate on a campus)",
        "已并入包含它的同类型对象(如校园内的校门)",
    ),
    "poi_merged": ("duplicate POI of the same facility; merged", "同一设施的重复兴趣点,已合并"),
    "offset_converted": (
        "coordinates recognised as a Chinese web-map offset and converted to WGS84",
        "识别为国内网络地图偏移坐标,已转换为WGS84",
    ),
    "levels_default": (
        "no usable building:levels; the default storeys of its type used",
        "缺少可用层数,按类型默认层数计",
    ),
    "unmapped_type": (
        "type not mapped to a rulebook facility type; not imported",
        "类型未对应到规则库设施类型,未导入",
    ),
    "offset_suspected": (
        "the layer lines up with the streets only after a GCJ-02/BD-09 correction; check --input-crs",
        "该图层经GCJ-02/BD-09纠偏后才与道路吻合,请检查坐标系设置",
    ),
}


@dataclass
class ValidationLog:
    """Collects one record per repaired, dropped or flagged input feature."""

    records: list[dict[str, object]] = field(default_factory=list)

    def add(self, layer: str, ids: object, reason: str, action: str, detail: str = "") -> None:
        """Record a reason for each id in ``ids``."""
        en, zh = REASONS[reason]
        for fid in np.atleast_1d(np.asarray(ids, dtype=object)):
            self.records.append(
                {
                    "layer": layer,
                    "id": str(fid),
                    "reason": reason,
                    "action": action,
                    "message_en": f"{en}{': ' + detail if detail else ''}",
                    "message_zh": f"{zh}{':' + detail if detail else ''}",
                }
            )

    def tally(self, layer: str) -> str:
        """``"2 wrong_geometry_type, 1 unknown_facility_type"``: the records of one layer by reason."""
        counts = pd.Series([r["reason"] for r in self.records if r["layer"] == layer], dtype=object).value_counts()
        return ", ".join(f"{n} {reason}" for reason, n in counts.items()) or "none recorded"

    def frame(self) -> pd.DataFrame:
        """The log as a table with columns layer, id, reason, action, message_en, message_zh."""
        cols = ["layer", "id", "reason", "action", "message_en", "message_zh"]
        return pd.DataFrame(self.records, columns=cols)


def clean_geometries(
    gdf: gpd.GeoDataFrame, *, kinds: tuple[str, ...], layer: str, id_col: str, log: ValidationLog
) -> gpd.GeoDataFrame:
    """Drop null/empty/wrong-type geometries and repair invalid ones, logging each.

    ``kinds`` lists the accepted shapely type families: ``"polygon"``, ``"point"``, ``"line"``.
    """
    geom = gdf.geometry.values
    null = shapely.is_missing(geom)
    log.add(layer, gdf.loc[null, id_col], "null_geometry", "dropped")
    empty = ~null & shapely.is_empty(geom)
    log.add(layer, gdf.loc[empty, id_col], "empty_geometry", "dropped")
    gdf = gdf.loc[~null & ~empty].copy()
    invalid = ~shapely.is_valid(gdf.geometry.values)
    if invalid.any():
        fixed = _keep_family(shapely.make_valid(gdf.geometry.values[invalid]), kinds)
        gdf.loc[invalid, gdf.geometry.name] = fixed
        log.add(layer, gdf.loc[invalid, id_col], "invalid_geometry_repaired", "repaired")
    types = gdf.geometry.geom_type.to_numpy()
    allowed = np.isin(types, _type_names(kinds))
    bad = ~allowed | gdf.geometry.is_empty.to_numpy()
    if bad.any():
        log.add(
            layer, gdf.loc[bad, id_col], "wrong_geometry_type", "dropped", detail=", ".join(sorted(set(types[bad])))
        )
    return gdf.loc[~bad]


def _type_names(kinds: tuple[str, ...]) -> list[str]:
    names = {
        "polygon": ["Polygon", "MultiPolygon"],
        "point": ["Point", "MultiPoint"],
        "line": ["LineString", "MultiLineString"],
    }
    return [n for k in kinds for n in names[k]]


def _keep_family(geoms: np.ndarray, kinds: tuple[str, ...]) -> np.ndarray:
    """From make_valid output (maybe GeometryCollections), keep the parts of the wanted family."""
    wanted = set(_type_names(kinds))
    out = []
    for g in geoms:  # only the few repaired features pass through here
        if g.geom_type in wanted:
            out.append(g)
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type in wanted]
        out.append(shapely.union_all(parts) if parts else shapely.Point())
    return np.array(out, dtype=object)


def numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    file: str | None,
    layer: str,
    id_col: str,
    required: bool,
    allow_missing: bool,
    kind: str | None = None,
) -> pd.Series | None:
    """A column as floats; raise naming the rows when values are not non-negative numbers.

    ``kind`` is the layer's planner name (``"communities"``), whose accepted column names a
    missing-column message lists; default ``layer``.
    """
    if column not in df.columns:
        if required:
            raise InputError(
                f"required column '{column}' is missing; add a column named one of: "
                f"{io.accepted_names(kind or layer, column)}. "
                f"Columns present: {', '.join(str(c) for c in df.columns if c != 'geometry')}",
                file=file,
                layer=layer,
                column=column,
            )
        return None
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    not_number = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    missing = raw.isna() | (raw.astype(str).str.strip() == "")
    problems = not_number | (values < 0)
    if not allow_missing:
        problems |= missing
    if problems.any():
        ids = df.loc[problems, id_col].tolist()
        raise InputError(
            "values must be non-negative numbers"
            + ("" if allow_missing else " and may not be empty")
            + "; fix these rows",
            file=file,
            layer=layer,
            column=column,
            rows=ids,
            count=len(ids),
        )
    return values.astype(float)


def ids_column(
    df: pd.DataFrame, column: str, *, fallback: str | None, prefix: str, file: str | None, layer: str
) -> pd.Series:
    """The id column as unique strings; generated from ``fallback`` or row numbers if absent."""
    if column in df.columns:
        ids = df[column]
    elif fallback is not None and fallback in df.columns and df[fallback].notna().all() and df[fallback].is_unique:
        ids = df[fallback]
    else:
        ids = pd.Series([f"{prefix}{i + 1:04d}" for i in range(len(df))], index=df.index)
    ids = ids.map(_id_text)
    empty = ids.isin(["", "nan", "None", "<NA>"])
    if empty.any():
        rows = (np.flatnonzero(empty.to_numpy()) + 1).tolist()
        raise InputError(
            "ids may not be empty; fill them in",
            file=file,
            layer=layer,
            column=column,
            rows=[f"row {r}" for r in rows],
            count=len(rows),
        )
    dup = ids.duplicated(keep=False)
    if dup.any():
        shown = sorted(set(ids[dup]))
        raise InputError(
            "ids must be unique; these appear more than once",
            file=file,
            layer=layer,
            column=column,
            rows=shown,
            count=len(shown),
        )
    return ids


def _id_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def check_overlaps(communities: gpd.GeoDataFrame, log: ValidationLog, *, tolerance_share: float = 0.01) -> None:
    """Flag communities that overlap another by more than ``tolerance_share`` of their area."""
    geoms = communities.geometry.values
    left, right = communities.sindex.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    inter = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    small = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    big = inter > tolerance_share * small
    if big.any():
        ids = communities["community_id"].to_numpy()
        flagged = np.unique(np.concatenate([ids[left[big]], ids[right[big]]]))
        log.add(
            "communities", flagged, "community_overlap", "flagged", detail="residents may be counted in two communities"
        )


def match_facility_types(
    facilities: gpd.GeoDataFrame, rulebook: Rulebook, *, file: str | None, layer: str, log: ValidationLog
) -> gpd.GeoDataFrame:
    """Map raw facility types to rulebook keys; drop and log the unknown ones."""
    if "type" not in facilities.columns:
        raise InputError(
            f"facilities need a type column (named one of: {io.accepted_names('facilities', 'type')}) "
            "whose values the rulebook knows, "
            f"such as {[t.name_zh for t in rulebook.types.values()][:4]}",
            file=file,
            layer=layer,
            column="type",
        )
    raw = facilities["type"]
    keys = raw.map(rulebook.match_type)
    unknown = keys.isna()
    shown = raw[unknown].astype("string").str.strip().replace("", pd.NA).fillna("(empty)")
    for value, group in facilities.loc[unknown].groupby(shown):
        log.add("facilities", group["facility_id"], "unknown_facility_type", "dropped", detail=f"'{value}'")
    out = facilities.loc[~unknown].copy()
    out["type_raw"] = raw[~unknown].astype(str)
    out["type"] = keys[~unknown].astype(str)
    return out


def _limit(rulebook: Rulebook, key: str) -> float | None:
    """A plausibility limit of the rulebook's ``[validation]`` table, or None when it has none."""
    number = rulebook.validation.get(key)
    return None if number is None else number.value


def check_community_figures(communities: pd.DataFrame, rulebook: Rulebook, log: ValidationLog) -> None:
    """Flag communities whose households are missing or contradict their residents.

    Contradictions: households but no residents, residents but zero households, fewer residents
    per household than ``validation.min_residents_per_household`` or more than
    ``validation.max_residents_per_household`` of the rulebook.
    """
    ids = communities["community_id"]
    if "households" not in communities.columns:
        log.add("communities", ids, "missing_households", "flagged", detail="the layer has no households column")
        return
    hh, pop = communities["households"], communities["population"]
    log.add("communities", ids[hh.isna()], "missing_households", "flagged")
    lo = _limit(rulebook, "min_residents_per_household")
    hi = _limit(rulebook, "max_residents_per_household")
    known = hh.notna()
    why = pd.Series("", index=communities.index)
    why[known & (hh == 0) & (pop > 0)] = "residents but no households"
    if lo is not None:
        why[known & (hh > 0) & (pop < lo * hh)] = f"fewer than {lo:g} resident(s) per household"
    if hi is not None:
        why[known & (hh > 0) & (pop > hi * hh)] = f"more than {hi:g} residents per household"
    for i in np.flatnonzero(why.to_numpy() != ""):
        log.add(
            "communities",
            [ids.iloc[i]],
            "community_figures_inconsistent",
            "flagged",
            detail=f"{hh.iloc[i]:,.0f} households for {pop.iloc[i]:,.0f} residents ({why.iloc[i]})",
        )


def flag_duplicate_facilities(facilities: gpd.GeoDataFrame, log: ValidationLog) -> None:
    """Flag each facility that repeats the type and exact location of an earlier row."""
    key = pd.Series(shapely.to_wkb(facilities.geometry.values), index=facilities.index) + facilities["type"].map(
        lambda t: str(t).encode()
    )
    first = facilities["facility_id"].groupby(key.to_numpy()).transform("first")
    repeat = key.duplicated(keep="first").to_numpy()
    for fid, same in zip(facilities.loc[repeat, "facility_id"], first[repeat], strict=True):
        log.add("facilities", [fid], "duplicate_facility", "flagged", detail=f"same as {same}")

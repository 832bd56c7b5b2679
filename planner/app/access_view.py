"""The app's access and life-circle view (no streamlit): choropleth maps, tables, the three lists.

- access: every community coloured by the supply of the type in focus within reach of the
  group it serves, per 100 households (2SFCA, :func:`planner.assess.access.access` with
  ``demand="group"``), in five quantile classes;
- tiers: every cell coloured by the life circle chosen (complete, partly, none of its types
  within reach; :func:`planner.assess.tiers.tiers`);
- the three lists of one community (:func:`planner.assess.lists.three_lists`), with translated
  headers, type, group and basis names.

All text comes from :mod:`planner.i18n` and the rulebook, in both languages.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element

from planner import naming
from planner.analysis import Analysis
from planner.app.assets import MapAssets
from planner.app.maps import base_map
from planner.assess.access import AccessResult, access
from planner.assess.groups import demand_groups
from planner.assess.lists import three_lists
from planner.assess.tiers import TiersResult
from planner.i18n import LABELS, t

__all__ = [
    "ACCESS_COLOURS",
    "TIER_COLOURS",
    "access_map",
    "access_of",
    "access_table",
    "community_lists",
    "tier_map",
    "tier_table",
]

#: five sequential classes (light to dark: little to much supply per 100 households); grey: none
ACCESS_COLOURS: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
NO_SUPPLY = "#d9d9d9"
#: a cell's life circle: complete, partly, none of its types within reach
TIER_COLOURS: dict[str, str] = {"complete": "#1a9850", "partial": "#fdae61", "none": "#d73027"}


def access_of(result: Analysis, type_key: str) -> AccessResult:
    """The access of the group a type serves to that type (2SFCA, floor area, the type's radius)."""
    return access(result, type=type_key, demand="group")


def _breaks(values: np.ndarray) -> np.ndarray:
    positive = values[np.isfinite(values) & (values > 0)]
    if not len(positive):
        return np.zeros(len(ACCESS_COLOURS) - 1)
    return np.quantile(positive, np.linspace(0, 1, len(ACCESS_COLOURS) + 1)[1:-1])


def access_map(result: Analysis, answer: AccessResult, lang: str, *, assets: MapAssets | None = None) -> folium.Map:
    """Communities coloured by the type's supply within reach per 100 households, with a legend."""
    m = base_map(result, assets=assets)
    comm = result.communities[["community_id", "name", "geometry"]].merge(
        answer.communities[["community_id", "access_per_100_households"]], on="community_id", how="left"
    )
    values = comm["access_per_100_households"].to_numpy(dtype=float)
    breaks = _breaks(values)
    colours = [
        NO_SUPPLY if not (np.isfinite(v) and v > 0) else ACCESS_COLOURS[int(np.searchsorted(breaks, v))] for v in values
    ]
    shown = _wgs84(comm.assign(colour=colours, value=np.round(np.nan_to_num(values), 1)))
    name = result.study.rulebook.types[answer.type].name(lang)
    folium.GeoJson(
        shown[["name", "value", "colour", "geometry"]].to_json(),
        name=t("access_layer", lang, type=name),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": "#555555",
            "weight": 1,
            "fillOpacity": 0.75,
        },
        tooltip=folium.GeoJsonTooltip(["name", "value"], aliases=[t("col_name", lang), t("access_per_100", lang)]),
    ).add_to(m)
    edges = [0.0, *breaks.tolist(), float(np.nanmax(values)) if np.isfinite(values).any() else 0.0]
    rows = [(NO_SUPPLY, t("access_none", lang))] + [
        (c, f"{edges[i]:,.1f} – {edges[i + 1]:,.1f}") for i, c in enumerate(ACCESS_COLOURS)
    ]
    _legend(m, t("access_legend", lang, type=name), rows)
    return m


def tier_map(
    result: Analysis, answer: TiersResult, tier: str, lang: str, *, assets: MapAssets | None = None
) -> folium.Map:
    """Cells coloured by one life circle: complete, partly, none of its types within reach."""
    m = base_map(result, assets=assets)
    share = answer.cells[naming.tier_share_types(tier)].to_numpy(dtype=float)
    state = np.where(share >= 1.0, "complete", np.where(share > 0, "partial", "none"))
    # one shape per class, not one per cell: the cells tile the district, so a coverage union
    # is cheap, and the page gets three features instead of 100,000
    lived = answer.cells["population"].to_numpy() > 0
    geoms = result.cells.geometry.values
    keys = [s for s in TIER_COLOURS if (lived & (state == s)).any()]
    polygons = bool(np.isin(shapely.get_type_id(geoms), (3, 6)).all())  # point cells: a plain union
    union = shapely.coverage_union_all if polygons else shapely.union_all
    shapes = [union(geoms[lived & (state == s)]) for s in keys]
    cells = gpd.GeoDataFrame({"colour": [TIER_COLOURS[s] for s in keys]}, geometry=shapes, crs=result.cells.crs)
    folium.GeoJson(
        _wgs84(cells).to_json(),
        name=t("tier_layer", lang, tier=tier_name(tier, lang)),
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "weight": 0, "fillOpacity": 0.6},
    ).add_to(m)
    rows = [(TIER_COLOURS[s], t(f"tier_{s}", lang)) for s in ("complete", "partial", "none")]
    _legend(m, tier_name(tier, lang), rows)
    return m


def tier_name(tier: str, lang: str) -> str:
    """A life circle's display name (``5-minute`` → ``5-minute life circle`` / ``五分钟生活圈``)."""
    key = f"tier_name_{naming.fold(tier)}"
    return t(key, lang) if key in LABELS else tier


def _wgs84(gdf):
    return gdf.to_crs(4326)


def _legend(m: folium.Map, title: str, rows: list[tuple[str, str]]) -> None:
    items = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;background:{c};'
        f'border:1px solid #777;margin-right:4px"></span>{label}</div>'
        for c, label in rows
    )
    html = (
        '<div class="planner-access-legend" style="position:absolute;bottom:24px;left:10px;z-index:999;'
        f'background:white;padding:6px 8px;font-size:12px;border-radius:4px"><b>{title}</b>{items}</div>'
    )
    m.get_root().html.add_child(Element(html))  # type: ignore[attr-defined]  # the root of a Map is a Figure


def access_table(result: Analysis, answer: AccessResult, lang: str) -> pd.DataFrame:
    """Per community: name, the group's residents, how they were found, access and per 100 households."""
    comm = result.communities[["community_id", "name"]].merge(answer.communities, on="community_id", how="left")
    return pd.DataFrame(
        {
            t("col_name", lang): comm["name"].to_numpy(),
            t("list_demand_residents", lang): comm["demand"].round().to_numpy(),
            t("list_basis", lang): [t(f"basis_{b}", lang) for b in comm["demand_basis"].fillna("census_share")],
            t("access_per_resident", lang): comm["access"].round(3).to_numpy(),
            t("access_per_100", lang): comm["access_per_100_households"].round(1).to_numpy(),
        },
        index=comm["community_id"].to_numpy(),
    )


def tier_table(result: Analysis, answer: TiersResult, lang: str) -> pd.DataFrame:
    """Per community: per life circle the share of its types within reach and of residents in a complete one."""
    comm = result.communities[["community_id", "name"]].merge(answer.communities, on="community_id", how="left")
    out = {t("col_name", lang): comm["name"].to_numpy()}
    for tier in answer.tiers:
        label = tier_name(tier.key, lang)
        out[t("tier_col_types", lang, tier=label)] = (comm[naming.tier_share_types(tier.key)] * 100).round(0).to_numpy()
        out[t("tier_col_complete", lang, tier=label)] = (
            (comm[naming.tier_share_complete(tier.key)] * 100).round(0).to_numpy()
        )
    return pd.DataFrame(out, index=comm["community_id"].to_numpy())


def community_lists(result: Analysis, community: str, lang: str, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The three lists of one community, one row per facility type, headers in ``lang``."""
    lists = three_lists(result) if table is None else table
    rows = lists.loc[lists["community_id"].astype(str) == str(community)]
    book = result.study.rulebook
    groups = demand_groups(book)
    units = {u: t(f"unit_{u}", lang) for u in ("m2", "places", "facilities")}
    return pd.DataFrame(
        {
            t("list_type", lang): [book.types[k].name(lang) for k in rows["type_key"]],
            t("list_group", lang): [groups[g].name(lang) for g in rows["group"]],
            t("list_demand_residents", lang): rows["demand_residents"].round().to_numpy(),
            t("list_basis", lang): [t(f"basis_{b}", lang) for b in rows["demand_basis"]],
            t("col_households", lang): rows["demand_households"].to_numpy(),
            t("list_in_reach", lang): rows["facilities_in_reach"].to_numpy(),
            t("list_supply", lang): rows["supply"].round(1).to_numpy(),
            t("list_unit", lang): [units[u] for u in rows["supply_unit"]],
            t("list_per_100", lang): rows["supply_per_100_households"].round(1).to_numpy(),
            t("list_standard", lang): rows["standard_per_100_households"].to_numpy(),
            t("list_shortfall", lang): rows["shortfall"].round(1).to_numpy(),
        }
    )

"""The app's "workstations and grids" view, without Streamlit: what it computes, draws and offers.

:func:`compute` runs :func:`planner.plan.regions.plan_workstations` and
:func:`~planner.plan.regions.plan_grids` for one set of :class:`Params`; :func:`regions_map`
draws the stations (filled, one colour each) with their communities outlined and the level-3
grids inside the communities, each labelled with its households; :func:`station_table` and
:func:`community_table` give the numbers per station and per community in the person's
language; :func:`regions_gpkg` and the ``*_csv`` functions are the downloads.
"""

from __future__ import annotations

import html
import tempfile
from dataclasses import astuple, dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import shapely

from planner.analysis import Analysis
from planner.app.assets import MapAssets, use_assets
from planner.i18n import t
from planner.outputs import for_file
from planner.plan.regions import Grids, Workstations, grid_staff, plan_grids, plan_workstations

__all__ = [
    "PALETTE",
    "Params",
    "Regions",
    "community_table",
    "compute",
    "grids_csv",
    "regions_gpkg",
    "regions_map",
    "station_table",
    "stations_csv",
]

#: station fill colours (ColorBrewer Set3 and Paired, distinguishable side by side)
PALETTE = (
    "#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69",
    "#fccde5", "#ffed6f", "#bc80bd", "#ccebc5", "#a6cee3", "#fb9a99",
)  # fmt: skip
#: a grid's households are written on the map only while there are at most this many grids (legibility)
MAX_LABELS = 1500


@dataclass(frozen=True)
class Params:
    """What the person chose; None takes the rulebook's default.

    ``min_households`` / ``max_households`` bound each grid, ``min_communities`` /
    ``max_communities`` each station; ``balance`` is ``households``, ``population`` or ``workload``.
    """

    min_communities: int | None = None
    max_communities: int | None = None
    balance: str = "households"
    min_households: float | None = None
    max_households: float | None = None
    levels: int = 1

    def key(self) -> tuple:
        """A hashable form, for caches."""
        return astuple(self)


@dataclass(frozen=True)
class Regions:
    """Workstations and grids of one analysis for one :class:`Params`."""

    params: Params
    workstations: Workstations
    grids: Grids


def compute(result: Analysis, params: Params) -> Regions:
    """Stations (with their sites) and grids for ``result``; raises :class:`planner.PlannerError` on bad params."""
    ws = plan_workstations(
        result,
        min_communities=params.min_communities,
        max_communities=params.max_communities,
        balance=params.balance,
    )
    grids = plan_grids(
        result,
        min_households=params.min_households,
        max_households=params.max_households,
        levels=params.levels,
    )
    return Regions(params, ws, grids)


def _status(value: object, lang: str) -> str:
    return t(f"rg_status_{value}", lang) if isinstance(value, str) and value else ""


def station_table(regions: Regions, lang: str) -> pd.DataFrame:
    """One row per station, with headers in ``lang``."""
    s = regions.workstations.stations
    return pd.DataFrame(
        {
            t("rg_station", lang): s["station_id"],
            t("rg_n_communities", lang): s["n_communities"],
            t("rg_households", lang): s["households"].round().astype("Int64"),
            t("rg_population", lang): s["population"].round().astype("Int64"),
            t("rg_staff_needed", lang): s["staff_needed"],
            t("rg_community_staff", lang): s["community_staff"],
            t("rg_site", lang): s["site_facility_id"].fillna("—") if "site_facility_id" in s else "—",
            t("rg_status", lang): s["status"].map(lambda v: _status(v, lang)),
        }
    )


def community_table(result: Analysis, regions: Regions, lang: str) -> pd.DataFrame:
    """One row per community: its station, households, grids, grid workers needed, staff and gap."""
    g = regions.grids.communities
    station = regions.workstations.members.set_index("community_id")["station_id"]
    names = result.communities.set_index("community_id")["name"] if "name" in result.communities else None
    ids = g["community_id"]
    return pd.DataFrame(
        {
            t("rg_community", lang): ids,
            t("rg_name", lang): ids.map(names) if names is not None else "",
            t("rg_station", lang): ids.map(station),
            t("rg_households", lang): g["households"].round().astype("Int64"),
            t("rg_grids", lang): g["n_grids"],
            t("rg_grid_workers", lang): g["grid_workers_needed"],
            t("rg_staff", lang): g["staff"],
            t("rg_gap", lang): g["staff_gap"],
            t("rg_basis", lang): g["basis"].map(lambda v: t(f"rg_basis_{v}", lang)),
            t("rg_status", lang): g["status"].map(lambda v: _status(v, lang)),
        }
    )


#: drawing tolerance (metres): grids along building outlines carry many vertices a screen never shows
SIMPLIFY_M = 2.0


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Simplified in the metric CRS (shared borders stay shared: coverage simplification), then WGS84."""
    geoms = frame.geometry.values
    try:
        simple = shapely.coverage_simplify(geoms, SIMPLIFY_M)
    except shapely.errors.GEOSException:
        simple = shapely.simplify(geoms, SIMPLIFY_M, preserve_topology=True)
    return frame.set_geometry(gpd.GeoSeries(simple, index=frame.index, crs=frame.crs)).to_crs(4326)


def _station_layer(regions: Regions, lang: str) -> folium.GeoJson:
    s = _wgs84(regions.workstations.stations[["station_id", "n_communities", "households", "geometry"]])
    colour = {sid: PALETTE[i % len(PALETTE)] for i, sid in enumerate(s["station_id"])}
    s = s.assign(households=s["households"].round().astype("int64"))
    return folium.GeoJson(
        s,
        name=t("rg_layer_stations", lang),
        style_function=lambda f: {
            "fillColor": colour[f["properties"]["station_id"]],
            "fillOpacity": 0.55,
            "color": "#333333",
            "weight": 3,
        },
        tooltip=folium.GeoJsonTooltip(
            ["station_id", "n_communities", "households"],
            aliases=[t("rg_station", lang), t("rg_n_communities", lang), t("rg_households", lang)],
        ),
    )


def _members_layer(result: Analysis, lang: str) -> folium.GeoJson:
    comm = _wgs84(result.communities[["community_id", "geometry"]])
    return folium.GeoJson(
        comm,
        name=t("rg_layer_members", lang),
        style_function=lambda f: {"fill": False, "color": "#555555", "weight": 1.5},
    )


def _grid_layer(regions: Regions, lang: str) -> folium.FeatureGroup:
    g = regions.grids.grids
    g = _wgs84(g.loc[g["level"] == 3, ["grid_id", "households", "geometry"]])
    g = g.assign(households=g["households"].round().astype("int64"))
    group = folium.FeatureGroup(name=t("rg_layer_grids", lang))
    folium.GeoJson(
        g,
        style_function=lambda f: {"fill": False, "color": "#1f1f1f", "weight": 0.8, "dashArray": "4 3"},
        tooltip=folium.GeoJsonTooltip(
            ["grid_id", "households"], aliases=[t("rg_grid", lang), t("rg_households", lang)]
        ),
    ).add_to(group)
    if len(g) <= MAX_LABELS:
        pts = shapely.point_on_surface(g.geometry.values)
        for p, hh in zip(pts, g["households"], strict=True):
            folium.Marker(
                (p.y, p.x),
                icon=folium.DivIcon(html=f'<div class="rg-hh">{hh:,}</div>', icon_size=(36, 14), icon_anchor=(18, 7)),
            ).add_to(group)
    return group


def _site_layer(regions: Regions, lang: str) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=t("rg_layer_sites", lang))
    sites = regions.workstations.sites
    if sites is None or sites.empty:
        return group
    for row in sites.to_crs(4326).itertuples(index=False):
        label = t("rg_site_tip", lang, station=row.station_id, site=row.site_id)
        folium.CircleMarker(
            (row.geometry.y, row.geometry.x), radius=6, color="#000000", fill=True, fill_color="#ffffff",
            fill_opacity=1.0, weight=2, tooltip=html.escape(label),
        ).add_to(group)  # fmt: skip
    return group


LABEL_CSS = (
    "<style>.rg-hh{font:600 10px/14px 'Noto Sans CJK SC',sans-serif;color:#111;text-align:center;"
    "text-shadow:0 0 2px #fff,0 0 2px #fff;white-space:nowrap;pointer-events:none}</style>"
)


def regions_map(result: Analysis, regions: Regions, lang: str, *, assets: MapAssets | None = None) -> folium.Map:
    """Stations filled by colour with their communities outlined, grids inside with their households."""
    b = _wgs84(result.communities[["geometry"]]).total_bounds
    m = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    if assets is not None:
        use_assets(m, assets)
    m.get_root().header.add_child(folium.Element(LABEL_CSS))  # type: ignore[attr-defined]  # a Map's root is a Figure
    _station_layer(regions, lang).add_to(m)
    _members_layer(result, lang).add_to(m)
    _grid_layer(regions, lang).add_to(m)
    _site_layer(regions, lang).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]])
    return m


def regions_gpkg(regions: Regions) -> bytes:
    """Stations, their sites, members and the grids (and their building pieces) as one GeoPackage."""
    ws, grids = regions.workstations, regions.grids
    layers = {"workstations": ws.stations, "grids": grids.grids}
    if ws.sites is not None:
        layers["station_sites"] = ws.sites
    if grids.buildings is not None:
        layers["grid_buildings"] = grids.buildings
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "regions.gpkg"
        for name, frame in layers.items():
            for_file(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def _csv(frame: pd.DataFrame) -> bytes:
    return for_file(frame.drop(columns="geometry", errors="ignore")).to_csv(index=False).encode("utf-8-sig")


def stations_csv(regions: Regions) -> bytes:
    """The stations table (``workstations.csv`` of ``planner workstations``) joined to the members."""
    ws = regions.workstations
    members = ws.members[["community_id", "station_id"]]
    return _csv(members.merge(ws.stations.drop(columns="geometry"), on="station_id", how="left"))


def grids_csv(regions: Regions) -> bytes:
    """The grids (``grids.gpkg`` without geometry)."""
    return _csv(regions.grids.grids)


def grid_staff_csv(regions: Regions) -> bytes:
    """Grid workers needed against staff per community (``grid_staff.csv`` of ``planner grids``)."""
    return _csv(grid_staff(regions.grids))

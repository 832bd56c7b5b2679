"""``planner import-osm --place``: the same study as from a file, downloaded through osmnx.

osmnx geocodes the place (Nominatim), downloads its walking network (``graph_from_place``,
unsimplified, every piece kept) and its tagged objects (``features_from_place`` with the
mapping's keys, ``building`` and ``landuse=residential``); the result is shaped like
:class:`planner.ingest.osm.OSMExtract` and goes through the same
:func:`planner.ingest.osm_study.build_layers`. The place's polygon clips the study when no
``--clip`` is given. Needs internet access (the tests replay recorded responses).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from planner.errors import InputError
from planner.ingest.osm import EXTRA_TAGS, OSMExtract
from planner.ingest.osm_study import ImportResult, _read_polygons, build_layers, mapping_for, write_study

__all__ = ["extract_from_place", "import_place"]

log = logging.getLogger(__name__)


def _streets(place: str) -> gpd.GeoDataFrame:
    """One line per OSM way of the place's walking network (osmnx edges merged back per way)."""
    import osmnx as ox

    graph = ox.graph_from_place(place, network_type="walk", simplify=False, retain_all=True)
    edges = ox.graph_to_gdfs(graph, nodes=False, fill_edge_geometry=True).reset_index()
    pair = edges[["u", "v"]].min(axis=1).astype(str) + "-" + edges[["u", "v"]].max(axis=1).astype(str)
    edges = edges.loc[~pair.duplicated().to_numpy()]  # each segment once, not once per direction
    rows = []
    for osm_id, group in edges.groupby("osmid"):
        first = group.iloc[0]
        rows.append(
            {
                "osm_id": int(osm_id),
                "highway": str(first.get("highway", "")),
                "name": str(first.get("name", "") if pd.notna(first.get("name", "")) else ""),
                "foot": str(first.get("foot", "") if pd.notna(first.get("foot", "")) else ""),
                "geometry": shapely.line_merge(shapely.union_all(group.geometry.values)),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def extract_from_place(place: str, keys: tuple[str, ...]) -> tuple[OSMExtract, gpd.GeoDataFrame]:
    """The place's streets, features, buildings and residential land use, and its boundary polygon."""
    import osmnx as ox

    try:
        boundary = ox.geocode_to_gdf(place)
        streets = _streets(place)
        tags: dict[str, bool | str | list[str]] = {k: True for k in keys}
        tags.update({"building": True, "landuse": "residential"})
        feats = ox.features_from_place(place, tags=tags)
    except Exception as exc:  # osmnx raises plain exceptions for unknown places and network failures
        raise InputError(f"cannot download {place!r} through osmnx: {exc}") from exc
    feats = feats.reset_index()
    keep = [c for c in feats.columns if c in set(keys) | set(EXTRA_TAGS)]
    tag_dicts = feats[keep].apply(lambda r: {k: str(v) for k, v in r.items() if pd.notna(v)}, axis=1)
    has_key = tag_dicts.map(lambda t: any(k in t for k in keys))
    base = gpd.GeoDataFrame(
        {"osm_type": feats["element"].astype(str), "osm_id": feats["id"].astype("int64"), "tags": tag_dicts},
        geometry=feats.geometry.values,
        crs="EPSG:4326",
    )
    polygon = base.geom_type.isin(["Polygon", "MultiPolygon"])
    building = (
        feats["building"].fillna("no").astype(str) if "building" in feats.columns else pd.Series("no", feats.index)
    )
    is_building = polygon & (building != "no")
    buildings = base.loc[is_building].copy()
    buildings["building"] = building[is_building]
    levels = feats["building:levels"] if "building:levels" in feats.columns else pd.Series("", feats.index)
    buildings["levels_tag"] = levels[is_building].fillna("").astype(str)
    landuse = feats["landuse"] if "landuse" in feats.columns else pd.Series(None, index=feats.index)
    extract = OSMExtract(
        streets=streets,
        features=base.loc[has_key].reset_index(drop=True),
        buildings=buildings[["osm_type", "osm_id", "building", "levels_tag", "tags", "geometry"]].reset_index(
            drop=True
        ),
        residential_landuse=base.loc[polygon & (landuse == "residential"), ["geometry"]].reset_index(drop=True),
        bounds=None,
        objects=len(feats),
    )
    return extract, boundary[["geometry"]].to_crs(4326)


def import_place(
    place: str,
    out: str | Path,
    *,
    communities: str | Path | None = None,
    clip: str | Path | None = None,
    mapping: str | Path | None = None,
    rules: str | Path | None = None,
) -> ImportResult:
    """Download a place through osmnx and write the study ``out`` as ``import_osm`` does for a file."""
    tagmap = mapping_for(rules, mapping)
    extract, boundary = extract_from_place(place, tagmap.keys)
    area = _read_polygons(clip, "clip") if clip is not None else boundary
    result = build_layers(extract, tagmap, communities=_read_polygons(communities, "communities"), clip=area)
    write_study(result, out)
    return result

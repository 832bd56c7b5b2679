"""Candidate sites: the study's ``candidates`` layer, or one per analysis cell near a street."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from planner.analysis import Analysis
from planner.errors import InputError

#: the column that names a candidate
ID = "candidate_id"


def cell_candidates(result: Analysis) -> gpd.GeoDataFrame:
    """One candidate per analysis cell on walkable land: its demand point, where it meets a street.

    In walk mode a cell's point must lie within the snapping distance of a street (the cells
    the engine could locate); in straight-line mode with streets, within that distance of one;
    without streets, every cell. Ids are ``cell-<cell_id>``.
    """
    cells = result.cells
    points = np.asarray(result.engine.demand, dtype=object)
    engine = result.engine
    if engine.demand_snap is not None:
        ok = engine.demand_snap.ok
    elif result.study.streets is not None and len(result.study.streets):
        tree = shapely.STRtree(result.study.streets.geometry.values)
        hit, _ = tree.query(points, predicate="dwithin", distance=result.options.max_snap_m)
        ok = np.zeros(len(points), dtype=bool)
        ok[hit] = True
    else:
        ok = np.ones(len(points), dtype=bool)
    ids = "cell-" + cells["cell_id"].astype(str).to_numpy()[ok]
    return gpd.GeoDataFrame({ID: ids}, geometry=points[ok], crs=cells.crs)


def study_candidates(result: Analysis) -> gpd.GeoDataFrame:
    """The study's ``candidates`` layer (points; polygons already stand at a representative point).

    Raises
    ------
    InputError
        If the study has no candidates layer or it holds no feature.
    """
    layer = result.study.candidates
    source = next((s.file for s in result.study.sources if s.layer == "candidates"), None)
    if layer is None:
        raise InputError(
            "the study has no 'candidates' layer; add one (points or polygons of possible sites) or use "
            "the cells as candidates (one per analysis cell)",
            file=source,
        )
    if len(layer) == 0:
        raise InputError(
            "the candidates layer is empty (no valid point or polygon); add candidate sites to it or use "
            "the cells as candidates",
            file=source,
            layer="candidates",
        )
    keep = [c for c in (ID, "name", "floor_area_m2") if c in layer.columns]
    out = layer[[*keep, layer.geometry.name]].copy()
    out[ID] = out[ID].astype(str)
    return gpd.GeoDataFrame(out, geometry=layer.geometry.name, crs=layer.crs).reset_index(drop=True)

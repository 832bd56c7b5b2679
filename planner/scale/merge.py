"""Merge the pieces' cells into one run: the same tables as the unpartitioned analysis.

The pieces give every cell's distances, nearest facilities and snapping. The merge puts the
cells back in the study's order, maps each cell's snapping from its piece's network onto the
whole network (by the coordinates of the segment's two ends), and then runs the ordinary
:func:`planner.analysis.evaluate` with those reach columns: communities, compliance,
sub-districts, validation and the summary are recomputed from the merged tables, never
summed from the pieces' figures.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import naming
from planner.analysis import Analysis, Options, demand_points, evaluate
from planner.errors import PlannerError
from planner.ingest.study import Study
from planner.reach.engine import ReachEngine
from planner.reach.network import Network, Snap, check_streets_near
from planner.scale.partition import SNAP_COLUMNS


def final_rows(frame: pd.DataFrame, margin_m: float, types: list[str], hopeless: set[str], mode: str) -> np.ndarray:
    """Which cells of a piece's result are exact: every type within the margin, or surely unreachable.

    A cell is final when, for every type, its distance is at most ``margin_m`` or the type has
    no usable facility in the whole study (``hopeless``); a cell off the streets is final in
    walk mode (its snapping is the whole network's). An infinite margin makes everything final.
    """
    if not np.isfinite(margin_m):
        return np.ones(len(frame), dtype=bool)
    ok = np.ones(len(frame), dtype=bool)
    for key in types:
        if key in hopeless:
            continue
        dist = frame[naming.dist(key)].to_numpy(dtype=float)
        ok &= np.isfinite(dist) & (dist <= margin_m)
    if mode == "walk":
        ok |= ~frame["snap_ok"].to_numpy(dtype=bool)
    return ok


def whole_snap(net: Network, frame: pd.DataFrame) -> Snap:
    """The cells' snapping on the whole network, from each piece's segment ends (in cell order)."""
    n = len(frame)
    segment = np.full(n, -1, dtype=np.int64)
    along = np.full(n, np.nan)
    offset = np.full(n, np.nan)
    ok = frame["snap_ok"].to_numpy(dtype=bool)
    if ok.any():
        keys = _keys(net.xy)
        order = np.argsort(keys)
        u = _node(keys, order, frame.loc[ok, ["snap_ux", "snap_uy"]].to_numpy(dtype=float))
        v = _node(keys, order, frame.loc[ok, ["snap_vx", "snap_vy"]].to_numpy(dtype=float))
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        code = net.seg_u * net.n_nodes + net.seg_v  # seg_u < seg_v: build_network orders the ends
        seg_order = np.argsort(code)
        at = np.searchsorted(code[seg_order], lo * net.n_nodes + hi)
        seg = seg_order[np.minimum(at, len(code) - 1)]
        if np.any(code[seg] != lo * net.n_nodes + hi):
            raise PlannerError("a piece's street segment is not in the whole network; report this as a bug")
        a = frame.loc[ok, "snap_along"].to_numpy(dtype=float)
        segment[ok] = seg
        along[ok] = np.where(u == net.seg_u[seg], a, net.seg_len[seg] - a)
        offset[ok] = frame.loc[ok, "snap_offset"].to_numpy(dtype=float)
    return Snap(segment, along, offset)


def _keys(xy: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(xy, dtype=float).view(np.complex128).ravel()


def _node(keys: np.ndarray, order: np.ndarray, xy: np.ndarray) -> np.ndarray:
    want = _keys(xy)
    at = np.minimum(np.searchsorted(keys[order], want), len(keys) - 1)
    node = order[at]
    if np.any(keys[node] != want):
        raise PlannerError("a piece's street node is not in the whole network; report this as a bug")
    return node


def assemble(parts: list[pd.DataFrame], n_cells: int, columns: list[str]) -> pd.DataFrame:
    """The final rows of every piece as one table in the study's cell order: every cell exactly once.

    Raises
    ------
    PlannerError
        When a cell is missing or given twice (a piece lost or duplicated).
    """
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["position", *columns])
    pos = frame["position"].to_numpy(dtype=np.int64)
    counts = np.bincount(pos, minlength=n_cells) if len(pos) else np.zeros(n_cells, dtype=np.int64)
    if len(counts) != n_cells or np.any(counts != 1):
        missing, twice = int((counts == 0).sum()), int((counts > 1).sum())
        raise PlannerError(f"merging the pieces: {missing} cell(s) missing and {twice} given twice; rerun")
    return frame.iloc[np.argsort(pos, kind="stable")].reset_index(drop=True)


def merged_analysis(
    study: Study,
    options: Options,
    cells: gpd.GeoDataFrame,
    merged: pd.DataFrame,
    network: Network | None,
    *,
    workers: int | None = None,
    generated: dt.datetime | None = None,
) -> Analysis:
    """The whole run's :class:`~planner.analysis.Analysis` from the merged per-cell table."""
    demand = demand_points(cells)
    snap = tree = None
    if options.mode == "walk":
        assert network is not None
        tree = network.tree()
        snap = whole_snap(network, merged)
        file = next((s.file for s in study.sources if s.layer == "streets"), None)
        layer = None if study.streets_from_osm or file is None or not file.endswith(".gpkg") else "streets"
        check_streets_near(demand, snap, tree, max_snap_m=options.max_snap_m, file=file, layer=layer)
    engine = ReachEngine(
        mode=options.mode,
        demand=demand,
        network=network,
        tree=tree,
        demand_snap=snap,
        max_snap_m=options.max_snap_m,
        workers=workers,
    )
    reach_cols = [c for c in merged.columns if c != "position" and c not in SNAP_COLUMNS]
    reach = merged[reach_cols].set_axis(cells.index)
    return evaluate(study, options, cells, engine, generated=generated, reach=reach)

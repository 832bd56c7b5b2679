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
from planner.analysis import Analysis, Options, evaluate
from planner.errors import PlannerError
from planner.ingest.study import Study
from planner.reach.engine import ReachEngine
from planner.reach.network import check_streets_near
from planner.scale import halo
from planner.scale.partition import Job


class Table:
    """The final distances of every (cell, type), filled job by job; each exactly once."""

    def __init__(self, n_cells: int, types: list[str]) -> None:
        self.n, self.types = n_cells, types
        self.dist = {k: np.full(n_cells, np.nan) for k in types}
        self.near = {k: np.full(n_cells, pd.NA, dtype=object) for k in types}
        self.covered = {k: np.zeros(n_cells, dtype=bool) for k in types}
        self.count = {k: np.zeros(n_cells, dtype=np.int64) for k in types}

    def take(
        self,
        frame: pd.DataFrame,
        job: Job,
        wanted: dict[str, np.ndarray],
        hopeless: dict[str, np.ndarray],
        first: float,
        whole: halo.Whole,
    ) -> dict[float, tuple[np.ndarray, dict[str, np.ndarray]]]:
        """Keep a job's final (cell, type) pairs; group the others by the margin they need next.

        A pair is final when its distance is within the job's margin, when the margin is the
        whole study, or when the whole run has no distance for it (``hopeless``). Only the
        pairs the job was given (``wanted``, per type over the job's cells) are taken.

        Returns
        -------
        dict
            Next margin -> (cell positions, per type which of those cells want it).
        """
        pos = frame["position"].to_numpy(dtype=np.int64)
        if len(pos) != len(job.positions) or np.any(pos != job.positions):
            raise PlannerError(f"the result of {job.key} is not for its cells; report this as a bug")
        widen: dict[float, dict[str, np.ndarray]] = {}
        for key in job.types:
            want = wanted[key]
            d = frame[naming.dist(key)].to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                final = want & (hopeless[key][pos] | (d <= job.margin_m) | (not np.isfinite(job.margin_m)))
            rows = pos[final]
            self.dist[key][rows] = d[final]
            self.near[key][rows] = frame[naming.nearest(key)].to_numpy(dtype=object)[final]
            self.covered[key][rows] = frame[naming.covered(key)].to_numpy(dtype=bool)[final]
            self.count[key][rows] += 1
            still = np.flatnonzero(want & ~final)
            if len(still) == 0:
                continue
            found = d[still]
            lower = np.maximum(2.0 * job.margin_m, halo.DETOUR * whole.straight(key, pos[still]))
            margins = whole.level_margin(first, np.where(np.isfinite(found), found, lower))
            for m in np.unique(margins):
                widen.setdefault(float(m), {})[key] = still[margins == m]
        out = {}
        for m, by_type in widen.items():
            rows = np.unique(np.concatenate(list(by_type.values())))
            want_next = {k: np.isin(rows, by_type.get(k, rows[:0])) for k in job.types}
            out[m] = (pos[rows], want_next)
        return out

    def frame(self) -> pd.DataFrame:
        """The merged reach columns in the study's cell order, as :func:`coverage.cell_coverage` gives them.

        Raises
        ------
        PlannerError
            When a (cell, type) is missing or given twice (a job lost or duplicated).
        """
        columns: dict[str, object] = {}
        for key in self.types:
            bad = self.count[key] != 1
            if bad.any():
                missing, twice = int((self.count[key] == 0).sum()), int((self.count[key] > 1).sum())
                raise PlannerError(
                    f"merging the pieces: {missing} cell(s) missing and {twice} given twice for {key}; rerun"
                )
            columns[naming.dist(key)] = self.dist[key]
            columns[naming.nearest(key)] = pd.array(self.near[key], dtype="string")
            columns[naming.covered(key)] = self.covered[key]
        return pd.DataFrame(columns, index=pd.RangeIndex(self.n))


def merged_analysis(
    study: Study,
    options: Options,
    cells: gpd.GeoDataFrame,
    merged: pd.DataFrame,
    whole: halo.Whole,
    *,
    workers: int | None = None,
    generated: dt.datetime | None = None,
) -> Analysis:
    """The whole run's :class:`~planner.analysis.Analysis` from the merged per-cell table."""
    if options.mode == "walk":
        assert whole.tree is not None and whole.demand_snap is not None
        file = next((s.file for s in study.sources if s.layer == "streets"), None)
        layer = None if study.streets_from_osm or file is None or not file.endswith(".gpkg") else "streets"
        check_streets_near(
            whole.demand, whole.demand_snap, whole.tree, max_snap_m=options.max_snap_m, file=file, layer=layer
        )
    engine = ReachEngine(
        mode=options.mode,
        demand=whole.demand,
        network=whole.network,
        tree=whole.tree,
        demand_snap=whole.demand_snap,
        max_snap_m=options.max_snap_m,
        workers=workers,
    )
    return evaluate(study, options, cells, engine, generated=generated, reach=merged.set_axis(cells.index))

"""Coverage: who is within each facility type's radius.

Per cell and type: distance to the nearest facility, its id, and covered (``distance_m <=
radius_m``, inclusive; unreachable is NaN and not covered). Per community, sub-district and
district: residents covered and their share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from planner import naming
from planner.network import Snap
from planner.reach import Nearest, ReachEngine
from planner.rules import Rulebook

Progress = Callable[[str, float], None]


def cell_coverage(
    cells: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    rulebook: Rulebook,
    engine: ReachEngine,
    *,
    types: Iterable[str] | None = None,
    facility_snap: Snap | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Distance, nearest facility and coverage per cell for each facility type.

    Parameters
    ----------
    cells
        The demand cells, in the same order as the engine's demand points.
    facilities
        Points with ``facility_id`` and ``type``.
    engine
        A :class:`~planner.reach.ReachEngine` built on the cells' points.
    types
        Facility types to compute (default all of the rulebook).
    facility_snap
        The facilities' snapping (walk mode), to avoid computing it again.

    Returns
    -------
    DataFrame
        Aligned to ``cells.index``: ``dist_<type>_m``, ``nearest_<type>_id``,
        ``covered_<type>`` for each type.
    """
    keys = list(types) if types is not None else list(rulebook.types)
    if engine.mode == "walk" and facility_snap is None:
        facility_snap = engine.snap(facilities.geometry.values)
    ftype = facilities["type"].to_numpy()
    fid = pd.array(facilities["facility_id"].astype(str).to_numpy(), dtype="string")
    if progress:
        progress("reach: " + ", ".join(keys), 0.0)
    wanted = np.flatnonzero(np.isin(ftype, keys))
    sub_snap = None
    if facility_snap is not None:
        sub_snap = Snap(facility_snap.segment[wanted], facility_snap.along[wanted], facility_snap.offset[wanted])
    found = engine.nearest_groups(facilities.geometry.values[wanted], ftype[wanted], sub_snap)
    columns: dict[str, object] = {}
    for key in keys:
        result = found.get(key)
        if result is None:  # no facility of this type
            result = Nearest(np.full(len(cells), np.inf), np.full(len(cells), -1, dtype=np.int64))
        reachable = np.isfinite(result.distance)
        dist = np.where(reachable, result.distance, np.nan)
        radius = rulebook.types[key].radius_m.value
        columns[naming.dist(key)] = dist
        # take() fills -1 with <NA>; index `wanted` only where reachable (it is empty when no
        # facility of any computed type is left, e.g. a what-if that removes them all)
        row = np.full(len(cells), -1, dtype=np.int64)
        row[reachable] = wanted[result.index[reachable]]
        columns[naming.nearest(key)] = fid.take(row, allow_fill=True)
        columns[naming.covered(key)] = reachable & (result.distance <= radius)
    if progress:
        progress("reach: done", 1.0)
    return pd.DataFrame(columns, index=cells.index)


def community_coverage(cells: pd.DataFrame, community_ids: pd.Series, types: Iterable[str]) -> pd.DataFrame:
    """Residents covered and their share, per community (indexed by ``community_id``).

    A community with no residents has a share of NaN (nothing to cover).
    """
    keys = list(types)
    pop = cells["population"].to_numpy(dtype=float)
    frame = pd.DataFrame({"community_id": cells["community_id"].to_numpy(), "population": pop})
    for key in keys:
        frame[naming.pop_covered(key)] = pop * cells[naming.covered(key)].to_numpy()
    sums = frame.groupby("community_id").sum().reindex(community_ids.to_numpy(), fill_value=0.0)
    out = pd.DataFrame(index=sums.index)
    for key in keys:
        covered = sums[naming.pop_covered(key)]
        out[naming.pop_covered(key)] = covered.round().astype("int64")
        out[naming.share_covered(key)] = covered / sums["population"].where(sums["population"] > 0)
    out.index.name = "community_id"
    return out


def district_coverage(cells: pd.DataFrame, rulebook: Rulebook, types: Iterable[str]) -> dict[str, dict[str, float]]:
    """Residents, residents covered and share covered per type, for the whole district."""
    pop = cells["population"].to_numpy(dtype=float)
    total = float(pop.sum())
    out: dict[str, dict[str, float]] = {}
    for key in types:
        covered = float((pop * cells[naming.covered(key)].to_numpy()).sum())
        dist = cells[naming.dist(key)].to_numpy(dtype=float)
        reach = np.isfinite(dist)
        out[key] = {
            "radius_m": rulebook.types[key].radius_m.value,
            "residents": round(total),
            "residents_covered": round(covered),
            "share_covered": covered / total if total > 0 else float("nan"),
            "residents_unreachable": round(float(pop[~reach].sum())),
            "median_distance_m": _weighted_median(dist[reach], pop[reach]),
        }
    return out


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    if len(values) == 0 or weights.sum() <= 0:
        return float("nan")
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2)])

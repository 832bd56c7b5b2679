"""The reach engine: distance from every demand point to the nearest facility of a type.

Two distance modes behind one interface:

- ``"euclidean"``: straight-line metres, by KD-tree (``scipy.spatial.cKDTree``);
- ``"walk"``: network metres, by one multi-source Dijkstra per facility type over the CSR
  walking graph (``scipy.sparse.csgraph.dijkstra`` with ``min_only=True``). Each facility is a
  virtual source node joined to both ends of its street segment by its access legs, so the
  search returns, for every street node, the distance to and the identity of the nearest
  facility in one pass. A demand point then takes the better of its two segment ends, or the
  direct way along the segment when a facility sits on the same segment.

Unreachable means ``inf`` internally; callers turn it into NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from planner.errors import PlannerError
from planner.network import Network, Snap, snap_points

Mode = Literal["walk", "euclidean"]
MODES: tuple[str, ...] = ("walk", "euclidean")


@dataclass(frozen=True)
class Nearest:
    """For each demand point: distance (m, inf when unreachable) and index of the nearest site."""

    distance: np.ndarray
    index: np.ndarray  # -1 when unreachable


@dataclass
class ReachEngine:
    """Demand points fixed once; answers nearest-facility queries for any facility set.

    Build it with :func:`make_engine`. In walk mode the network, its spatial index and the
    demand points' snapping are computed once and reused for every facility type and every
    what-if scenario.
    """

    mode: str
    demand: np.ndarray  # shapely Points
    network: Network | None = None
    tree: shapely.STRtree | None = None
    demand_snap: Snap | None = None
    max_snap_m: float = 300.0
    _demand_xy: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._demand_xy = shapely.get_coordinates(self.demand)

    def snap(self, points: np.ndarray) -> Snap:
        """Locate site points on the network (walk mode)."""
        assert self.network is not None and self.tree is not None
        return snap_points(points, self.network, self.tree, max_snap_m=self.max_snap_m)

    def nearest(self, sites: np.ndarray, site_snap: Snap | None = None) -> Nearest:
        """Nearest of ``sites`` (shapely Points) for every demand point."""
        n = len(self.demand)
        if len(sites) == 0:
            return Nearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))
        if self.mode == "euclidean":
            tree = cKDTree(shapely.get_coordinates(sites))
            dist, idx = tree.query(self._demand_xy, k=1)
            return Nearest(np.asarray(dist, dtype=float), np.asarray(idx, dtype=np.int64))
        if site_snap is None:
            site_snap = self.snap(sites)
        return self._walk_nearest(site_snap)

    def _walk_nearest(self, site_snap: Snap) -> Nearest:
        net, dsnap = self.network, self.demand_snap
        assert net is not None and dsnap is not None
        n_demand = len(self.demand)
        best = np.full(n_demand, np.inf)
        best_idx = np.full(n_demand, -1, dtype=np.int64)
        site_ok = np.flatnonzero(site_snap.ok)
        if len(site_ok) == 0:
            return Nearest(best, best_idx)
        node_dist, node_src = _multi_source(net, site_snap, site_ok)
        ok = np.flatnonzero(dsnap.ok)
        u, cost_u, v, cost_v = dsnap.ends(net)
        via_u, via_v = cost_u + node_dist[u], cost_v + node_dist[v]
        use_v = via_v < via_u
        best[ok] = np.where(use_v, via_v, via_u)
        best_idx[ok] = np.where(use_v, node_src[v], node_src[u])
        best_idx[~np.isfinite(best)] = -1
        _same_segment(dsnap, site_snap, site_ok, best, best_idx)
        return Nearest(best, best_idx)


def _multi_source(net: Network, site_snap: Snap, site_ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from the nearest site to every node, and that site's index."""
    n = net.n_nodes
    k = len(site_ok)
    u, cost_u, v, cost_v = site_snap.ends(net)
    virtual = n + np.arange(k)
    # virtual rows follow the street rows, so the CSR arrays can be extended in place of a
    # sparse sum (which would drop zero-length access legs as explicit zeros)
    g = net.graph
    data = np.concatenate([g.data, np.column_stack([cost_u, cost_v]).ravel()])
    indices = np.concatenate([g.indices, np.column_stack([u, v]).ravel()])
    indptr = np.concatenate([g.indptr, g.indptr[-1] + 2 * np.arange(1, k + 1)])
    graph = sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))
    dist, _, sources = dijkstra(graph, directed=True, indices=virtual, min_only=True, return_predecessors=True)
    src = np.where(sources >= 0, sources - n, -1)
    site_index = np.where(src >= 0, site_ok[np.clip(src, 0, k - 1)], -1)
    return dist[:n], site_index[:n]


def _same_segment(dsnap: Snap, site_snap: Snap, site_ok: np.ndarray, best: np.ndarray, best_idx: np.ndarray) -> None:
    """Improve demand points that share a segment with a site: walk straight along it."""
    demand_ok = np.flatnonzero(dsnap.ok)
    d = pd.DataFrame({"demand": demand_ok, "segment": dsnap.segment[demand_ok]})
    s = pd.DataFrame({"site": site_ok, "segment": site_snap.segment[site_ok]})
    pairs = d.merge(s, on="segment")
    if pairs.empty:
        return
    di, si = pairs["demand"].to_numpy(), pairs["site"].to_numpy()
    direct = dsnap.offset[di] + site_snap.offset[si] + np.abs(dsnap.along[di] - site_snap.along[si])
    pairs["direct"] = direct
    top = pairs.sort_values(["demand", "direct", "site"]).drop_duplicates("demand")
    di, si, direct = top["demand"].to_numpy(), top["site"].to_numpy(), top["direct"].to_numpy()
    better = direct < best[di]
    best[di[better]] = direct[better]
    best_idx[di[better]] = si[better]


def make_engine(
    demand: np.ndarray, *, mode: str, network: Network | None = None, max_snap_m: float = 300.0
) -> ReachEngine:
    """A reach engine for fixed demand points (shapely Points in the study CRS)."""
    if mode not in MODES:
        raise PlannerError(f"distance mode must be one of {MODES}, got {mode!r}")
    if mode == "euclidean":
        return ReachEngine(mode=mode, demand=demand, max_snap_m=max_snap_m)
    if network is None:
        raise PlannerError("walking distances need a street network; give --streets or use --mode euclidean")
    tree = network.tree()
    snap = snap_points(demand, network, tree, max_snap_m=max_snap_m)
    return ReachEngine(mode=mode, demand=demand, network=network, tree=tree, demand_snap=snap, max_snap_m=max_snap_m)

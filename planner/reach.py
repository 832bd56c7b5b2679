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
        if self.network is not None and self.demand_snap is not None:
            snap = self.demand_snap
            self._ok = np.flatnonzero(snap.ok)
            self._ends = snap.ends(self.network)
            order = np.argsort(snap.segment[self._ok], kind="stable")
            self._by_segment = self._ok[order]
            self._segments_sorted = snap.segment[self._by_segment]

    def snap(self, points: np.ndarray) -> Snap:
        """Locate site points on the network (walk mode)."""
        assert self.network is not None and self.tree is not None
        return snap_points(points, self.network, self.tree, max_snap_m=self.max_snap_m)

    def nearest(self, sites: np.ndarray, site_snap: Snap | None = None) -> Nearest:
        """Nearest of ``sites`` (shapely Points) for every demand point."""
        groups = np.zeros(len(sites), dtype=np.int64)
        return self.nearest_groups(sites, groups, site_snap).get(0, self._none())

    def nearest_groups(
        self, sites: np.ndarray, groups: np.ndarray, site_snap: Snap | None = None
    ) -> dict[object, Nearest]:
        """For each group of sites (say, each facility type), the nearest site of that group.

        Parameters
        ----------
        sites
            Shapely Points.
        groups
            A label per site; one search is made per distinct label.
        site_snap
            The sites' snapping (walk mode), if already computed.

        Returns
        -------
        dict
            Label -> :class:`Nearest`, whose ``index`` points into ``sites``.
        """
        groups = np.asarray(groups)
        labels = list(pd.unique(groups))
        if self.mode == "euclidean":
            return {label: self._euclid(sites, np.flatnonzero(groups == label)) for label in labels}
        if site_snap is None:
            site_snap = self.snap(sites)
        net = self.network
        assert net is not None
        site_ok = np.flatnonzero(site_snap.ok)
        graph = _augmented_graph(net, site_snap, site_ok)
        positions = [np.flatnonzero(groups[site_ok] == label) for label in labels]
        return {
            label: self._walk_group(site_snap, site_ok, pos, _search(graph, net.n_nodes, pos))
            for label, pos in zip(labels, positions, strict=True)
        }

    def _none(self) -> Nearest:
        n = len(self.demand)
        return Nearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))

    def _euclid(self, sites: np.ndarray, members: np.ndarray) -> Nearest:
        if len(members) == 0:
            return self._none()
        tree = cKDTree(shapely.get_coordinates(sites[members]))
        dist, idx = tree.query(self._demand_xy, k=1)
        return Nearest(np.asarray(dist, dtype=float), members[np.asarray(idx, dtype=np.int64)])

    def _walk_group(
        self, site_snap: Snap, site_ok: np.ndarray, pos: np.ndarray, found: tuple[np.ndarray, np.ndarray] | None
    ) -> Nearest:
        """Nearest site among ``site_ok[pos]`` from the node distances of their search."""
        net = self.network
        assert net is not None
        if found is None:
            return self._none()
        n = net.n_nodes
        node_dist, sources = found
        node_src = np.where(sources >= 0, site_ok[np.clip(sources - n, 0, None)], -1)
        empty = self._none()
        best, best_idx = empty.distance, empty.index
        ok = self._ok
        u, cost_u, v, cost_v = self._ends
        via_u, via_v = cost_u + node_dist[u], cost_v + node_dist[v]
        use_v = via_v < via_u
        best[ok] = np.where(use_v, via_v, via_u)
        best_idx[ok] = np.where(use_v, node_src[v], node_src[u])
        best_idx[~np.isfinite(best)] = -1
        self._same_segment(site_snap, site_ok[pos], best, best_idx)
        return Nearest(best, best_idx)

    def _same_segment(self, site_snap: Snap, sites: np.ndarray, best: np.ndarray, best_idx: np.ndarray) -> None:
        """Improve demand points that share a segment with a site: walk straight along it."""
        dsnap = self.demand_snap
        assert dsnap is not None
        seg = site_snap.segment[sites]
        lo = np.searchsorted(self._segments_sorted, seg, side="left")
        hi = np.searchsorted(self._segments_sorted, seg, side="right")
        counts = hi - lo
        if counts.sum() == 0:
            return
        site_rep = np.repeat(sites, counts)
        start = np.repeat(lo - np.cumsum(counts) + counts, counts)
        demand = self._by_segment[start + np.arange(counts.sum())]
        direct = (
            dsnap.offset[demand] + site_snap.offset[site_rep] + np.abs(dsnap.along[demand] - site_snap.along[site_rep])
        )
        order = np.lexsort((site_rep, direct, demand))  # per demand point: the shortest, then the lowest site
        demand, site_rep, direct = demand[order], site_rep[order], direct[order]
        first = np.ones(len(demand), dtype=bool)
        first[1:] = demand[1:] != demand[:-1]
        demand, site_rep, direct = demand[first], site_rep[first], direct[first]
        better = direct < best[demand]
        best[demand[better]] = direct[better]
        best_idx[demand[better]] = site_rep[better]


def _search(graph: sp.csr_matrix, n: int, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """One multi-source Dijkstra from the virtual nodes ``n + pos``: node distances and sources.

    (scipy's Dijkstra holds the GIL, so threads cannot share this work; forked processes were
    measured at only 1.3x on two cores, for the cost of forking a large process.)
    """
    if len(pos) == 0:
        return None
    dist, _, sources = dijkstra(graph, directed=True, indices=n + pos, min_only=True, return_predecessors=True)
    return dist[:n], sources[:n]


def _augmented_graph(net: Network, site_snap: Snap, site_ok: np.ndarray) -> sp.csr_matrix:
    """The street graph plus one virtual node per snapped site, joined to its segment's ends.

    Virtual nodes have outgoing edges only, so a search from some of them never passes
    through the others: one graph serves every group of sites.
    """
    n = net.n_nodes
    k = len(site_ok)
    u, cost_u, v, cost_v = site_snap.ends(net)
    # virtual rows follow the street rows, so the CSR arrays can be extended in place of a
    # sparse sum (which would drop zero-length access legs as explicit zeros)
    g = net.graph
    data = np.concatenate([g.data, np.column_stack([cost_u, cost_v]).ravel()])
    indices = np.concatenate([g.indices, np.column_stack([u, v]).ravel()]).astype(g.indices.dtype)
    indptr = np.concatenate([g.indptr, g.indptr[-1] + 2 * np.arange(1, k + 1)]).astype(g.indptr.dtype)
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


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

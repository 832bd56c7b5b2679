"""The reach engine: distance from every demand point to the nearest facility of a type.

Two distance modes behind one interface:

- ``"euclidean"``: straight-line metres, by KD-tree (``scipy.spatial.cKDTree``);
- ``"walk"``: network metres, by one multi-source Dijkstra per facility type over the CSR
  walking graph (:func:`planner.reach._dijkstra.nearest_seeds`; the types' searches run in parallel
  threads). Each facility seeds both ends of its street segment at the length of its access
  leg, so the search returns, for every street node, the distance to and the identity of the
  nearest facility in one pass. A demand point then takes the better of its two segment ends,
  or the direct way along the segment when a facility sits on the same segment.

Unreachable means ``inf`` internally; callers turn it into NaN.

For per-site questions, :meth:`ReachEngine.within` gives every demand point within a distance
of each site, with its distance, as a sparse sites × demand matrix (one bounded search per
site on planner's kernel, :mod:`planner.reach._bounded`; a KD-tree in straight-line mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from planner.errors import PlannerError
from planner.reach.network import Network, Snap, snap_points

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

    from planner.reach._bounded import Targets

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
    workers: int | None = None  # threads for the walking searches (None: one per CPU)
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
        from planner.reach._dijkstra import nearest_seeds  # imports numba: only walking searches pay for it

        net = self.network
        assert net is not None
        site_ok = np.flatnonzero(site_snap.ok)  # ends() lists the snapped sites in this order
        u, cost_u, v, cost_v = site_snap.ends(net)
        positions = [np.flatnonzero(groups[site_ok] == label) for label in labels]
        # a site seeds both ends of its segment, at the length of its access leg to each
        seeds = [
            (np.concatenate([u[pos], v[pos]]), np.concatenate([cost_u[pos], cost_v[pos]]), np.tile(site_ok[pos], 2))
            for pos in positions
            if len(pos)
        ]
        found = iter(nearest_seeds(net.graph, seeds, workers=self.workers))
        return {
            label: self._walk_group(site_snap, site_ok[pos], next(found)) if len(pos) else self._none()
            for label, pos in zip(labels, positions, strict=True)
        }

    def _none(self) -> Nearest:
        n = len(self.demand)
        return Nearest(np.full(n, np.inf), np.full(n, -1, dtype=np.int64))

    def _euclid(self, sites: np.ndarray, members: np.ndarray) -> Nearest:
        if len(members) == 0:
            return self._none()
        from scipy.spatial import cKDTree  # straight-line mode only: walking runs need not import it

        tree = cKDTree(shapely.get_coordinates(sites[members]))
        dist, idx = tree.query(self._demand_xy, k=1)
        return Nearest(np.asarray(dist, dtype=float), members[np.asarray(idx, dtype=np.int64)])

    def _walk_group(self, site_snap: Snap, sites: np.ndarray, found: tuple[np.ndarray, np.ndarray]) -> Nearest:
        """Nearest of ``sites`` for every demand point, from the node distances of their search."""
        node_dist, node_site = found
        empty = self._none()
        best, best_idx = empty.distance, empty.index
        ok = self._ok
        u, cost_u, v, cost_v = self._ends
        via_u, via_v = cost_u + node_dist[u], cost_v + node_dist[v]
        use_v = via_v < via_u
        best[ok] = np.where(use_v, via_v, via_u)
        best_idx[ok] = np.where(use_v, node_site[v], node_site[u])
        self._same_segment(site_snap, sites, best, best_idx)
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

    # --- every demand point within a distance of each site: the sites × demand matrix ----------

    def within(self, sites: np.ndarray, limit_m: float, site_snap: Snap | None = None) -> sp.csr_array:
        """Every demand point within ``limit_m`` of each site, with its distance, as a sparse matrix.

        The foundation of per-site questions (service areas, residents served, siting, 2SFCA):
        one bounded search per site in walk mode, on planner's kernel, touching only what it
        reaches (:func:`planner.reach._bounded.bounded_searches`; the sites run in parallel threads);
        a KD-tree in straight-line mode. Distances are measured exactly as :meth:`nearest`
        measures them (access legs, the better segment end, the straight walk along a shared
        segment), so each column's minimum is the nearest-site distance wherever that is
        within the limit.

        Parameters
        ----------
        sites
            Shapely Points in the study CRS (a GeoSeries or GeoDataFrame gives its geometry).
        limit_m
            Largest distance kept, in metres, inclusive: ``distance <= limit_m``.
        site_snap
            The sites' snapping (walk mode), if already computed.

        Returns
        -------
        scipy.sparse.csr_array
            Shape ``(len(sites), len(demand))``, float64 metres, column indices sorted (int32
            index arrays where they fit). A stored
            entry means "within the limit"; a distance of exactly 0 is stored explicitly, so test
            reachability with the sparsity structure (``indptr``/``indices``), never with
            ``value == 0``, and do not call ``eliminate_zeros``. Sites or demand points off the
            network have no entries.

        Raises
        ------
        PlannerError
            If ``limit_m`` is negative or not finite.
        """
        sites, limit = _points(sites), _limit(limit_m)
        if self.mode == "euclidean":
            return self._within_straight(sites, limit)
        return self._bounded(sites, limit, self._demand_targets, site_snap)

    def node_reach(self, sites: np.ndarray, limit_m: float, site_snap: Snap | None = None) -> sp.csr_array:
        """Walk mode: each site's walking distance to every street node within ``limit_m``.

        Like :meth:`within` (same searches, same conventions), with the network's nodes as
        columns: shape ``(len(sites), network.n_nodes)``. Service areas draw from it.

        Raises
        ------
        PlannerError
            If ``limit_m`` is negative or not finite.
        """
        assert self.network is not None
        from planner.reach._bounded import Targets

        targets = Targets.nodes(self.network.n_nodes, len(self.network.seg_len))
        return self._bounded(_points(sites), _limit(limit_m), targets, site_snap)

    @cached_property
    def _demand_targets(self) -> Targets:
        """The snapped demand points as targets of bounded searches: by segment end, by segment."""
        from planner.reach._bounded import Targets

        net, snap = self.network, self.demand_snap
        assert net is not None and snap is not None
        u, cost_u, v, cost_v = self._ends
        node = np.concatenate([u, v])
        order = np.argsort(node, kind="stable")
        n_seg = len(net.seg_len)
        seg = snap.segment[self._by_segment]
        return Targets(
            n_targets=len(self.demand),
            node_ptr=np.concatenate([[0], np.cumsum(np.bincount(node, minlength=net.n_nodes))]),
            node_target=np.tile(self._ok, 2)[order],
            node_cost=np.concatenate([cost_u, cost_v])[order],
            seg_ptr=np.searchsorted(seg, np.arange(n_seg + 1)),
            seg_target=self._by_segment,
            seg_along=snap.along[self._by_segment],
            seg_offset=snap.offset[self._by_segment],
        )

    def _bounded(self, sites: np.ndarray, limit: float, targets: Targets, site_snap: Snap | None) -> sp.csr_array:
        """Bounded walking searches from ``sites`` reporting ``targets``, on the engine's threads."""
        from planner.reach._bounded import bounded_searches

        net = self.network
        assert net is not None
        if site_snap is None:
            site_snap = self.snap(sites)
        ok = site_snap.ok
        u, cost_u, v, cost_v = site_snap.ends(net)
        # a site off the network seeds nothing (inf) and has no segment of its own
        seed_node = np.zeros((len(sites), 2), dtype=np.int64)
        seed_dist = np.full((len(sites), 2), np.inf)
        seed_node[ok] = np.column_stack([u, v])
        seed_dist[ok] = np.column_stack([cost_u, cost_v])
        own = (site_snap.segment, np.nan_to_num(site_snap.along), np.nan_to_num(site_snap.offset))
        return bounded_searches(net.graph, seed_node, seed_dist, own, targets, limit, workers=self.workers)

    @cached_property
    def _demand_tree(self) -> cKDTree:
        from scipy.spatial import cKDTree

        return cKDTree(self._demand_xy)

    def _within_straight(self, sites: np.ndarray, limit: float) -> sp.csr_array:
        shape = (len(sites), len(self.demand))
        if len(sites) == 0 or len(self.demand) == 0:
            return sp.csr_array(shape)
        # sparse_distance_matrix keeps distances of 0 and is inclusive; its distances are the
        # ones cKDTree.query gives nearest()
        from scipy.spatial import cKDTree

        pairs = cKDTree(shapely.get_coordinates(sites)).sparse_distance_matrix(
            self._demand_tree, limit, output_type="ndarray"
        )
        order = np.lexsort((pairs["j"], pairs["i"]))
        rows, cols, vals = pairs["i"][order], pairs["j"][order], pairs["v"][order]
        index = np.int32 if max(len(vals), len(self.demand)) < np.iinfo(np.int32).max else np.int64
        indptr = np.searchsorted(rows, np.arange(len(sites) + 1)).astype(index)
        return sp.csr_array((vals, cols.astype(index), indptr), shape=shape)


def _limit(limit_m: float) -> float:
    limit = float(limit_m)
    if not (np.isfinite(limit) and limit >= 0):
        raise PlannerError(f"the distance limit must be a finite number of metres >= 0, got {limit_m!r}")
    return limit


def _points(sites: object) -> np.ndarray:
    """Shapely Points as an array; a GeoDataFrame or GeoSeries gives its geometry."""
    geometry = getattr(sites, "geometry", sites)
    return np.asarray(getattr(geometry, "values", geometry), dtype=object)


def make_engine(
    demand: np.ndarray,
    *,
    mode: str,
    network: Network | None = None,
    max_snap_m: float = 300.0,
    workers: int | None = None,
) -> ReachEngine:
    """A reach engine for fixed demand points (shapely Points in the study CRS).

    ``workers``: threads for the walking searches of several facility types (default one per
    CPU; 1 runs them one after another). Results do not depend on it.
    """
    if workers is not None and workers < 1:
        raise PlannerError(f"workers must be at least 1, got {workers}")
    if mode not in MODES:
        raise PlannerError(f"distance mode must be one of {MODES}, got {mode!r}")
    if mode == "euclidean":
        return ReachEngine(mode=mode, demand=demand, max_snap_m=max_snap_m, workers=workers)
    if network is None:
        raise PlannerError("walking distances need a street network; give --streets or use --mode euclidean")
    tree = network.tree()
    snap = snap_points(demand, network, tree, max_snap_m=max_snap_m)
    return ReachEngine(
        mode=mode,
        demand=demand,
        network=network,
        tree=tree,
        demand_snap=snap,
        max_snap_m=max_snap_m,
        workers=workers,
    )

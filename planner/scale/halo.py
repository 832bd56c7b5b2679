"""The halo of each job, widened per facility type and per cell, and what a worker needs of it.

The driver holds the whole study once (:class:`Whole`): the walking network, its spatial
index, the cells' and the facilities' snapping on it, and which facility types each
connected piece of the network can reach at all. A job gets only what lies within its
margin ``M`` of its cells: the facilities within ``M`` (straight line), the street segments
within ``M`` plus the snapping distance, cut out of the whole network (nodes renumbered in
the same order), and the cells' and facilities' snapping mapped onto those segments. So a
worker never snaps, never re-reads the study and never rebuilds a network from lines.

Why a piece's distance ``d`` is exact when ``d <= M``: a walk of length ``d`` from a cell
stays within ``d`` of it (a walk is never shorter than the straight line), so every segment
and facility on it is in the job, with the snapping of the whole run. A piece's network is
a part of the whole one and its facilities a part of all, so ``d`` is also never below the
whole run's distance. Hence for a (cell, type) left open (``d > M`` or no facility
reached):

- with a finite ``d``, the whole run's distance is at most ``d``: a margin of ``d`` is
  enough and settles it in the next pass;
- with none, the straight line to the nearest facility of the type is a lower bound: the
  next margin is the larger of twice ``M`` and that line times :data:`DETOUR`, doubled
  again while it is not enough.

A (cell, type) is final from the start when no facility of the type is in the cell's
connected piece of the network (or the cell is off the streets): NaN, as in the whole run.
A margin beyond the study's diagonal takes everything (the whole study).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import scipy.sparse as sp
import shapely
from scipy.spatial import cKDTree

from planner.errors import PlannerError
from planner.reach.network import Network, Snap, snap_points

#: a first guess of walking distance over straight-line distance, for cells whose piece
#: reached no facility of a type (a guess only: the margin is doubled while it falls short)
DETOUR = 1.5
#: margins are rounded up to the first halo times a power of this (fewer, larger jobs)
STEP = math.sqrt(2.0)
#: segments per quarter circle of a buffered region
QUAD_SEGS = 8


@dataclass
class Whole:
    """The whole study, as the driver keeps it: arrays and indexes, built once."""

    mode: str
    demand: np.ndarray  # the cells' points (shapely)
    demand_xy: np.ndarray
    fac_xy: np.ndarray
    fac_id: np.ndarray
    fac_type: np.ndarray
    usable: np.ndarray  # facilities that can serve (snapped to a street in walk mode)
    network: Network | None
    tree: shapely.STRtree | None
    demand_snap: Snap | None
    fac_snap: Snap | None
    diagonal: float

    @classmethod
    def build(cls, demand: np.ndarray, facilities: gpd.GeoDataFrame, network: Network | None, max_snap_m: float):
        """Index a study for cutting jobs: ``network`` None in straight-line mode."""
        demand_xy = shapely.get_coordinates(demand)
        fac_xy = shapely.get_coordinates(facilities.geometry.values)
        tree = dsnap = fsnap = None
        usable = np.ones(len(facilities), dtype=bool)
        boxes = [demand_xy, fac_xy]
        if network is not None:
            tree = network.tree()
            dsnap = snap_points(demand, network, tree, max_snap_m=max_snap_m)
            fsnap = snap_points(facilities.geometry.values, network, tree, max_snap_m=max_snap_m)
            usable = fsnap.ok
            boxes.append(network.xy)
        allxy = np.concatenate([b for b in boxes if len(b)]) if any(len(b) for b in boxes) else np.zeros((1, 2))
        diagonal = float(np.hypot(*(allxy.max(axis=0) - allxy.min(axis=0))))
        return cls(
            mode="walk" if network is not None else "euclidean",
            demand=demand,
            demand_xy=demand_xy,
            fac_xy=fac_xy,
            fac_id=facilities["facility_id"].astype(str).to_numpy(),
            fac_type=facilities["type"].to_numpy(),
            usable=usable,
            network=network,
            tree=tree,
            demand_snap=dsnap,
            fac_snap=fsnap,
            diagonal=diagonal,
        )

    def hopeless(self, types: list[str]) -> dict[str, np.ndarray]:
        """Per type, the cells that reach no facility of it in the whole run (NaN there)."""
        out = {}
        if self.network is None:
            for key in types:
                out[key] = np.full(len(self.demand_xy), not bool(np.any(self.usable & (self.fac_type == key))))
            return out
        assert self.demand_snap is not None and self.fac_snap is not None
        cell_piece = self.demand_snap.piece(self.network)
        fac_piece = self.fac_snap.piece(self.network)
        for key in types:
            served = np.unique(fac_piece[self.usable & (self.fac_type == key)])
            out[key] = (cell_piece < 0) | ~np.isin(cell_piece, served)
        return out

    def straight(self, key: str, positions: np.ndarray) -> np.ndarray:
        """Straight-line distance from each of the cells to the nearest usable facility of ``key``."""
        sites = self.fac_xy[self.usable & (self.fac_type == key)]
        if len(sites) == 0 or len(positions) == 0:
            return np.full(len(positions), np.inf)
        return np.asarray(cKDTree(sites).query(self.demand_xy[positions], k=1)[0], dtype=float)

    def level_margin(self, first: float, need: np.ndarray) -> np.ndarray:
        """Each needed margin rounded up to ``first`` times a power of :data:`STEP`; inf past the diagonal."""
        ratio = np.maximum(need / first, 1.0)
        margin = first * STEP ** np.ceil(np.log(ratio) / math.log(STEP) - 1e-9)
        margin = np.where(margin < need, margin * STEP, margin)  # rounding of the logarithm
        return np.where(margin >= self.diagonal, np.inf, margin)


def region_outline(xy: np.ndarray, margin: float) -> shapely.Geometry:
    """A polygon holding every point within ``margin`` of any of the points ``xy`` (a superset).

    The points are gathered into squares of a quarter margin, whose union is buffered; the
    buffer is drawn out to circumscribe the true round one.
    """
    side = max(margin / 4.0, 1.0)
    keys = np.unique(np.floor(xy / side).astype(np.int64), axis=0)
    boxes = shapely.box(keys[:, 0] * side, keys[:, 1] * side, (keys[:, 0] + 1) * side, (keys[:, 1] + 1) * side)
    grow = margin / math.cos(math.pi / (4 * QUAD_SEGS)) + 1e-6
    return shapely.buffer(shapely.union_all(boxes), grow, quad_segs=QUAD_SEGS)


@dataclass(frozen=True)
class Cut:
    """What lies within a margin of some cells: facility rows, a sub-network, snappings on it."""

    facilities: np.ndarray
    network: Network | None
    demand_snap: Snap | None
    fac_snap: Snap | None


def cut(whole: Whole, positions: np.ndarray, margin: float, max_snap_m: float) -> Cut:
    """The facilities within ``margin`` of the cells and the streets ``max_snap_m`` beyond."""
    candidates = np.flatnonzero(whole.usable)
    if math.isfinite(margin) and len(positions):
        outline = region_outline(whole.demand_xy[positions], margin)
        inside = shapely.intersects_xy(outline, whole.fac_xy[candidates, 0], whole.fac_xy[candidates, 1])
        candidates = candidates[inside]
    if whole.network is None:
        return Cut(candidates, None, None, None)
    net, tree = whole.network, whole.tree
    assert tree is not None and whole.demand_snap is not None and whole.fac_snap is not None
    if math.isfinite(margin):
        segs = np.unique(tree.query(region_outline(whole.demand_xy[positions], margin + max_snap_m),
                                    predicate="intersects"))  # fmt: skip
    else:
        segs = np.arange(len(net.seg_u))
    sub = sub_network(net, segs)
    return Cut(
        candidates,
        sub,
        _map_snap(whole.demand_snap, positions, segs),
        _map_snap(whole.fac_snap, candidates, segs),
    )


def sub_network(net: Network, segs: np.ndarray) -> Network | None:
    """The network of some segments (sorted ids): nodes renumbered keeping their order."""
    if len(segs) == 0:
        return None
    u, v, length = net.seg_u[segs], net.seg_v[segs], net.seg_len[segs]
    nodes = np.unique(np.concatenate([u, v]))
    su, sv = np.searchsorted(nodes, u), np.searchsorted(nodes, v)
    n = len(nodes)
    graph = sp.csr_matrix(
        (np.concatenate([length, length]), (np.concatenate([su, sv]), np.concatenate([sv, su]))), shape=(n, n)
    )
    return Network(xy=net.xy[nodes], seg_u=su, seg_v=sv, seg_len=length, graph=graph, crs=net.crs)


def _map_snap(snap: Snap, rows: np.ndarray, segs: np.ndarray) -> Snap:
    """The snapping of some points, with segment ids of the sub-network of ``segs``."""
    seg = snap.segment[rows]
    ok = seg >= 0
    at = np.searchsorted(segs, seg[ok])
    if (len(segs) == 0 and ok.any()) or np.any(segs[np.minimum(at, max(len(segs) - 1, 0))] != seg[ok]):
        raise PlannerError("a job's street segment is missing from its cut of the network; report this as a bug")
    mapped = np.full(len(seg), -1, dtype=np.int64)
    mapped[ok] = at
    return Snap(mapped, snap.along[rows], snap.offset[rows])

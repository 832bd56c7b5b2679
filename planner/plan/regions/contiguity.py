"""Which polygons are neighbours: adjacency from shared edges or corners.

Two polygons are neighbours when they touch or overlap (queen contiguity: a shared corner is
enough), found with one STRtree query. Real boundaries drawn by different hands leave slivers
of a few centimetres between neighbours; ``tolerance_m`` closes them, but only where the two
run along each other for at least :data:`SLIVER_CONTACT_M` (a sliver between two edges), never
where two polygons merely pass near each other's corner (a short edge of a third polygon).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

__all__ = ["SLIVER_CONTACT_M", "TOUCH_TOLERANCE_M", "adjacency", "components", "is_connected", "neighbour_lists"]

#: gap (metres) below which two polygons still count as neighbours: survey slivers, not streets
TOUCH_TOLERANCE_M = 0.5
#: how far (metres) two polygons separated by such a gap must run along each other to be neighbours
SLIVER_CONTACT_M = 5.0


def adjacency(geoms: np.ndarray, *, tolerance_m: float = TOUCH_TOLERANCE_M) -> sp.csr_array:
    """Symmetric boolean adjacency of polygons that share an edge or a corner.

    Parameters
    ----------
    geoms
        Polygons in a metric CRS (a GeoSeries gives its ``.values``).
    tolerance_m
        Largest gap, in metres, between two polygons that still makes them neighbours (when
        they run along each other for at least :data:`SLIVER_CONTACT_M`).

    Returns
    -------
    scipy.sparse.csr_array
        ``(n, n)`` boolean, no diagonal.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if n == 0:
        return sp.csr_array((0, 0), dtype=bool)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    if tolerance_m > 0:
        near_l, near_r = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
        touching = set(zip(left.tolist(), right.tolist(), strict=True))
        gap = np.array([(a, b) not in touching for a, b in zip(near_l.tolist(), near_r.tolist(), strict=True)], bool)
        near_l, near_r = near_l[gap], near_r[gap]
        if len(near_l):
            contact = shapely.length(
                shapely.intersection(shapely.boundary(geoms[near_l]), shapely.buffer(geoms[near_r], tolerance_m))
            )
            keep_gap = contact >= SLIVER_CONTACT_M
            left, right = np.r_[left, near_l[keep_gap]], np.r_[right, near_r[keep_gap]]
    keep = left != right
    left, right = left[keep], right[keep]
    data = np.ones(2 * len(left), dtype=bool)
    mat = sp.coo_array((data, (np.r_[left, right], np.r_[right, left])), shape=(n, n)).tocsr()
    mat.sum_duplicates()
    return mat.astype(bool)


def components(adj: sp.csr_array) -> np.ndarray:
    """The connected component of each node (labels 0..k-1, in order of first node)."""
    if adj.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = connected_components(adj, directed=False)
    return labels.astype(np.int64)


def neighbour_lists(adj: sp.csr_array) -> list[np.ndarray]:
    """For each node, the sorted indices of its neighbours."""
    adj = sp.csr_array(adj)
    adj.sort_indices()
    return [adj.indices[adj.indptr[i] : adj.indptr[i + 1]] for i in range(adj.shape[0])]


def is_connected(members: set[int] | list[int], neighbours: list[np.ndarray]) -> bool:
    """Whether the nodes ``members`` form one connected piece (an empty set does not)."""
    todo = set(members)
    if not todo:
        return False
    start = next(iter(todo))
    seen = {start}
    stack = [start]
    while stack:
        v = stack.pop()
        for u in neighbours[v]:
            u = int(u)
            if u in todo and u not in seen:
                seen.add(u)
                stack.append(u)
    return len(seen) == len(todo)

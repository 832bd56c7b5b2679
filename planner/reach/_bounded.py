"""Bounded Dijkstra searches, one per site: every target within a distance, as a sparse matrix.

The kernel behind :meth:`planner.reach.engine.ReachEngine.within` (sites × demand points) and
:meth:`~planner.reach.engine.ReachEngine.node_reach` (sites × street nodes). Each site's search starts
at its segment's two ends at the lengths of its access leg (like :mod:`planner.reach._dijkstra`'s
multi-source searches, with the same 4-ary heap) and stops at the limit. What makes many
small searches cheap:

- **a search costs what it reaches**: each thread allocates its distance arrays once, all
  ``inf``, and after each search resets only the entries it set (the nodes it visited, the
  targets it touched), instead of a fresh array over the whole graph per site as
  ``scipy.sparse.csgraph.dijkstra(indices=..., limit=...)`` does;
- **targets are mapped inside the search**: when a node is settled, the demand points hanging
  off it (CSR, node -> demand point and its access cost) are updated at once, and the straight
  walk along the site's own segment is added at the end, so no sites × nodes block is ever
  made;
- **sites run in parallel threads** (numba ``nogil``), in chunks taken from a shared counter;
  the output does not depend on the thread count or the chunk size.

``bench/bench_catchments.py`` measures it: 5,000 sites within 1 km on a 255k-node city in
0.75 s on 2 threads, 7.5-8x less CPU time than scipy's bounded Dijkstra, with identical pairs
and distances.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.reach._dijkstra import _array, _compiled, _pop_last_down, _push


@_compiled
def _grow(values: np.ndarray, size: int) -> np.ndarray:  # pragma: no cover (compiled)
    """``values`` with room for at least twice its length, the first ``size`` entries kept."""
    out = np.empty(2 * len(values) + 1024, values.dtype)
    out[:size] = values[:size]
    return out


@_compiled
def _bounded_chunk(  # noqa: C901 - one compiled loop; splitting it costs numba's inlining
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_dist: np.ndarray,
    site_seg: np.ndarray,
    site_along: np.ndarray,
    site_offset: np.ndarray,
    target_ptr: np.ndarray,
    target_idx: np.ndarray,
    target_cost: np.ndarray,
    seg_ptr: np.ndarray,
    seg_target: np.ndarray,
    seg_along: np.ndarray,
    seg_offset: np.ndarray,
    limit: float,
    dist: np.ndarray,
    best: np.ndarray,
    visited: np.ndarray,
    touched: np.ndarray,
    keys: np.ndarray,
    nodes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover (compiled)
    """One bounded Dijkstra per site; per site, the targets within ``limit`` and their distance.

    ``dist`` (per node) and ``best`` (per target) come in all ``inf`` and leave all ``inf``: only
    the entries a search touched (listed in ``visited`` and ``touched``) are reset after it, so a
    search costs what it reaches, not the size of the graph.
    """
    n_sites = seed_node.shape[0]
    counts = np.zeros(n_sites, np.int64)
    out_idx = np.empty(1024, touched.dtype)
    out_dist = np.empty(1024)
    filled = 0
    for s in range(n_sites):
        size, n_visited, n_touched = 0, 0, 0
        for k in range(seed_node.shape[1]):  # the two ends of the site's segment
            node, d = seed_node[s, k], seed_dist[s, k]
            if d <= limit and d < dist[node]:
                if dist[node] == np.inf:
                    visited[n_visited] = node
                    n_visited += 1
                dist[node] = d
                size = _push(keys, nodes, size, d, node)
        while size > 0:
            d, u = keys[0], nodes[0]
            size -= 1
            if size > 0:
                _pop_last_down(keys, nodes, size)
            if d > dist[u]:  # a stale entry: u was reached more cheaply since
                continue
            for e in range(target_ptr[u], target_ptr[u + 1]):  # u is settled: its targets
                t, c = target_idx[e], d + target_cost[e]
                if c <= limit and c < best[t]:
                    if best[t] == np.inf:
                        touched[n_touched] = t
                        n_touched += 1
                    best[t] = c
            for e in range(indptr[u], indptr[u + 1]):
                w = indices[e]
                nd = d + data[e]
                if nd <= limit and nd < dist[w]:
                    if dist[w] == np.inf:
                        visited[n_visited] = w
                        n_visited += 1
                    dist[w] = nd
                    size = _push(keys, nodes, size, nd, w)
        seg = site_seg[s]
        if seg >= 0:  # targets on the site's own segment may walk straight along it
            for e in range(seg_ptr[seg], seg_ptr[seg + 1]):
                t = seg_target[e]
                c = seg_offset[e] + site_offset[s] + abs(seg_along[e] - site_along[s])
                if c <= limit and c < best[t]:
                    if best[t] == np.inf:
                        touched[n_touched] = t
                        n_touched += 1
                    best[t] = c
        while filled + n_touched > len(out_idx):
            out_idx = _grow(out_idx, filled)
            out_dist = _grow(out_dist, filled)
        mine = np.sort(touched[:n_touched])
        for i in range(n_touched):
            t = mine[i]
            out_idx[filled + i] = t
            out_dist[filled + i] = best[t]
            best[t] = np.inf
        filled += n_touched
        counts[s] = n_touched
        for i in range(n_visited):
            dist[visited[i]] = np.inf
    return counts, out_idx[:filled], out_dist[:filled]


@dataclass(frozen=True)
class Targets:
    """What bounded searches report: targets hanging off nodes, and targets on segments.

    A target ``t`` listed under node ``i`` with cost ``c`` is ``d(i) + c`` from a site, where
    ``d(i)`` is the site's distance to node ``i``; a target listed under segment ``g`` at
    ``along`` metres from its ``u`` end and ``offset`` metres off it can also be reached
    straight along ``g`` from a site on it: ``offset + site offset + |along - site along|``.
    Each mapping is CSR-like: the entries of node ``i`` are ``ptr[i]:ptr[i + 1]``.
    """

    n_targets: int
    node_ptr: np.ndarray
    node_target: np.ndarray
    node_cost: np.ndarray
    seg_ptr: np.ndarray
    seg_target: np.ndarray
    seg_along: np.ndarray
    seg_offset: np.ndarray

    @classmethod
    def nodes(cls, n_nodes: int, n_segments: int) -> Targets:
        """Every node is its own target at cost 0; nothing on the segments."""
        empty = np.zeros(0)
        return cls(
            n_nodes,
            np.arange(n_nodes + 1),
            np.arange(n_nodes),
            np.zeros(n_nodes),
            np.zeros(n_segments + 1, np.int64),
            np.zeros(0, np.int64),
            empty,
            empty,
        )


def bounded_searches(
    graph: sp.csr_matrix,
    seed_node: np.ndarray,
    seed_dist: np.ndarray,
    site: tuple[np.ndarray, np.ndarray, np.ndarray],
    targets: Targets,
    limit: float,
    *,
    workers: int | None = None,
    chunk: int = 64,
) -> sp.csr_array:
    """Per site, every target within ``limit`` (inclusive) and its distance, as a CSR matrix.

    Parameters
    ----------
    graph
        Directed CSR graph with non-negative edge lengths.
    seed_node, seed_dist
        ``(n_sites, k)``: the nodes each site's search starts from (say, its segment's two
        ends) and the distance it starts at there (>= 0; ``inf`` for no seed, as for a site
        off the network).
    site
        ``(segment, along, offset)`` per site for the straight walk along its own segment
        (segment -1: none).
    targets
        What the searches report (:class:`Targets`).
    limit
        Largest distance kept, inclusive (m).
    workers
        Threads (default one per CPU); the sites run in chunks of ``chunk``. The result does
        not depend on either.

    Returns
    -------
    scipy.sparse.csr_array
        ``(n_sites, n_targets)`` float64 distances with sorted column indices; an entry of
        0.0 is stored explicitly (the sparsity structure, not the value, says "reachable").
    """
    n_sites = len(seed_node)
    index = np.int32 if max(graph.shape[0], graph.nnz) < np.iinfo(np.int32).max else np.int64
    indptr, indices = _array(graph.indptr, index), _array(graph.indices, index)
    data = _array(graph.data, np.float64)
    seed_node, seed_dist = _array(seed_node, np.int64), _array(seed_dist, np.float64)
    if seed_dist.size and (np.isnan(seed_dist).any() or seed_dist.min() < 0):
        raise ValueError("seed distances must be >= 0 (inf: no seed)")
    seg, along, offset = (_array(a, t) for a, t in zip(site, (np.int64, np.float64, np.float64), strict=True))
    tg = [
        _array(a, t)
        for a, t in zip(
            (targets.node_ptr, targets.node_target, targets.node_cost),
            (np.int64, np.int64, np.float64),
            strict=True,
        )
    ] + [
        _array(a, t)
        for a, t in zip(
            (targets.seg_ptr, targets.seg_target, targets.seg_along, targets.seg_offset),
            (np.int64, np.int64, np.float64, np.float64),
            strict=True,
        )
    ]
    # column indices as int32 where they fit: the output is most of the memory
    target_index = np.int32 if targets.n_targets < np.iinfo(np.int32).max else np.int64
    starts = list(range(0, n_sites, chunk))
    results: list = [None] * len(starts)
    counter = itertools.count()

    def work() -> None:
        # per thread, allocated once: the inf arrays are reset by each search, not re-made
        n = graph.shape[0]
        scratch = (
            np.full(n, np.inf),
            np.full(targets.n_targets, np.inf),
            np.empty(n, np.int64),
            np.empty(targets.n_targets, target_index),  # also the output's column indices
            np.empty(graph.nnz + seed_node.shape[1] + 1),
            np.empty(graph.nnz + seed_node.shape[1] + 1, np.int64),
        )
        while (i := next(counter)) < len(starts):
            sl = slice(starts[i], starts[i] + chunk)
            results[i] = _bounded_chunk(
                indptr, indices, data, seed_node[sl], seed_dist[sl], seg[sl], along[sl], offset[sl],
                *tg, float(limit), *scratch,
            )  # fmt: skip

    workers = max(1, min(workers or os.cpu_count() or 1, len(starts)))
    if workers == 1:
        work()
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planner-within") as pool:
            for f in [pool.submit(work) for _ in range(workers)]:
                f.result()
    counts = np.concatenate([r[0] for r in results]) if results else np.zeros(0, np.int64)
    small = target_index is np.int32 and counts.sum() < np.iinfo(np.int32).max
    indptr_out = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32 if small else np.int64)
    cols = np.concatenate([r[1] for r in results]) if results else np.zeros(0, target_index)
    vals = np.concatenate([r[2] for r in results]) if results else np.zeros(0)
    return sp.csr_array((vals, cols, indptr_out), shape=(n_sites, targets.n_targets))

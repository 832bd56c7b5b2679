"""Multi-source Dijkstra over a CSR graph: distance to, and label of, the nearest seed.

This is the kernel of the walking reach engine (:mod:`planner.reach.engine`). It does what
``scipy.sparse.csgraph.dijkstra(indices=..., min_only=True, return_predecessors=True)`` does,
with two differences that matter for planner:

- **seeds start at a distance**: a facility lies part-way along a street segment, so it seeds
  both ends of its segment with the length of its access leg. scipy can only start at zero,
  which forced a graph with one virtual node per facility;
- **it releases the GIL** (numba ``nogil``), so the searches of several facility types run in
  parallel threads. scipy 1.17's Dijkstra holds the GIL.

It is also faster than scipy's on one core: 1.2-1.4x in ``bench/bench_reach.py`` ("kernel
alone" rows), with a 4-ary heap and lazy deletion instead of a Fibonacci heap. Distances are the same
floating-point sums scipy and networkx compute: every test that checks planner's distances
against networkx checks this kernel, and ``tests/test_dijkstra.py`` checks it against scipy.

numba compiles the kernel on first use and caches the machine code next to this file, or in
the user's cache directory (``NUMBA_CACHE_DIR``) when the package folder is read-only. Where
neither can be written (a read-only container), it compiles in memory in every process
(about 0.8 s) instead of failing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import scipy.sparse as sp

_HEAP_ARITY = 4  # children per heap node: shallower than a binary heap, cheaper sift-down


def _compiled(func: Callable) -> Callable:
    """``func`` compiled by numba without the GIL, its machine code cached on disk if possible."""
    try:
        return numba.njit(cache=True, nogil=True)(func)
    except RuntimeError:  # "cannot cache function ...: no locator available": nowhere to write
        return numba.njit(cache=False, nogil=True)(func)


@_compiled
def _push(keys: np.ndarray, nodes: np.ndarray, size: int, key: float, node: int) -> int:  # pragma: no cover (compiled)
    j = size
    while j > 0:
        parent = (j - 1) // _HEAP_ARITY
        if keys[parent] <= key:
            break
        keys[j] = keys[parent]
        nodes[j] = nodes[parent]
        j = parent
    keys[j] = key
    nodes[j] = node
    return size + 1


@_compiled
def _pop_last_down(keys: np.ndarray, nodes: np.ndarray, size: int) -> None:  # pragma: no cover (compiled)
    """Move the heap's entry at ``size`` (just past the end) into the vacated root."""
    key, node = keys[size], nodes[size]
    j = 0
    while True:
        first = _HEAP_ARITY * j + 1
        if first >= size:
            break
        best, best_key = first, keys[first]
        for c in range(first + 1, min(first + _HEAP_ARITY, size)):
            if keys[c] < best_key:
                best, best_key = c, keys[c]
        if best_key >= key:
            break
        keys[j] = best_key
        nodes[j] = nodes[best]
        j = best
    keys[j] = key
    nodes[j] = node


@_compiled
def _search(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    seed_node: np.ndarray,
    seed_dist: np.ndarray,
    seed_label: np.ndarray,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover (compiled)
    dist = np.full(n, np.inf)
    label = np.full(n, -1, np.int64)
    # a lazy heap holds at most one entry per seed and per successful relaxation
    capacity = len(seed_node) + len(indices) + 1
    keys = np.empty(capacity)
    nodes = np.empty(capacity, np.int64)
    size = 0
    for i in range(len(seed_node)):
        s, d = seed_node[i], seed_dist[i]
        if d < dist[s]:
            dist[s] = d
            label[s] = seed_label[i]
            size = _push(keys, nodes, size, d, s)
    while size > 0:
        d, u = keys[0], nodes[0]
        size -= 1
        if size > 0:
            _pop_last_down(keys, nodes, size)
        if d > dist[u]:  # a stale entry: u was reached more cheaply since
            continue
        lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            w = indices[e]
            nd = d + data[e]
            if nd < dist[w]:
                dist[w] = nd
                label[w] = lu
                size = _push(keys, nodes, size, nd, w)
    return dist, label


def nearest_seeds(
    graph: sp.csr_matrix,
    searches: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    workers: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each search, the distance to the nearest seed and that seed's label, for every node.

    Parameters
    ----------
    graph
        Directed CSR graph with non-negative edge lengths (row = from, column = to).
    searches
        One ``(seed_node, seed_dist, seed_label)`` triple per search: the nodes a search starts
        from, the distance at which it starts there (finite, >= 0) and a label per seed (say,
        a facility index; a label may seed several nodes).
    workers
        Threads to run the searches on (default: one per CPU, at most one per search).

    Returns
    -------
    list of (dist, label)
        Per search: ``dist[i]`` the shortest distance from any seed to node ``i`` (``inf``
        when none reaches it) and ``label[i]`` that seed's label (-1 when none). Between seeds
        at exactly the same distance, the one the search settles first wins.
    """
    # node numbers as int32 where they fit: less memory traffic, 15-20 % faster than int64
    index = np.int32 if max(graph.shape[0], graph.nnz) < np.iinfo(np.int32).max else np.int64
    indptr, indices = _array(graph.indptr, index), _array(graph.indices, index)
    data = _array(graph.data, np.float64)
    n = graph.shape[0]
    prepared = []
    for node, dist, label in searches:
        dist = _array(dist, np.float64)
        if len(dist) and (not np.isfinite(dist).all() or dist.min() < 0):
            raise ValueError("seed distances must be finite and >= 0")
        prepared.append((_array(node, np.int64), dist, _array(label, np.int64)))

    def run(seeds: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        return _search(indptr, indices, data, *seeds, n)

    workers = min(workers or os.cpu_count() or 1, len(prepared))
    if workers <= 1:
        return [run(seeds) for seeds in prepared]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="planner-dijkstra") as pool:
        return list(pool.map(run, prepared))


def _array(values: object, dtype: type) -> np.ndarray:
    """``values`` as a contiguous, writeable array of ``dtype``: the one signature compiled.

    (numba compiles the kernel once per argument type, and a read-only array is a type of its
    own.)
    """
    return np.require(values, dtype=dtype, requirements=["C", "W"])

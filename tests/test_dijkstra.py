"""The walking kernel (planner.reach._dijkstra) against scipy's Dijkstra, an independent implementation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

import planner
from planner.reach._dijkstra import _search, nearest_seeds


def _random_graph(rng: np.random.Generator, n: int, m: int, *, zeros: float = 0.05) -> sp.csr_matrix:
    """A directed graph with duplicate-free arcs, lengths in [0, 100) and some zero-length arcs."""
    pairs = np.unique(rng.integers(0, n, size=(m, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    length = np.round(rng.uniform(0, 100, len(pairs)), 1)  # ties between paths are common
    length[rng.random(len(pairs)) < zeros] = 0.0
    return sp.csr_matrix((length, (pairs[:, 0], pairs[:, 1])), shape=(n, n))


def _reference(graph: sp.csr_matrix, node, dist0, label) -> dict[int, np.ndarray]:
    """Per label: scipy's distances from a virtual node joined to that label's seeds."""
    n = graph.shape[0]
    out = {}
    coo = graph.tocoo()
    for lab in np.unique(label):
        mine = label == lab
        rows = np.concatenate([coo.row, np.full(mine.sum(), n)])
        cols = np.concatenate([coo.col, node[mine]])
        # the CSR arrays are built directly so that zero-length arcs stay explicit edges
        order = np.lexsort((cols, rows))
        indptr = np.searchsorted(rows[order], np.arange(n + 2))
        g = sp.csr_matrix((np.concatenate([coo.data, dist0[mine]])[order], cols[order], indptr), shape=(n + 1, n + 1))
        out[int(lab)] = dijkstra(g, directed=True, indices=n)[:n]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_distances_and_labels_equal_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    graph = _random_graph(rng, n, int(rng.integers(n, 4 * n)))
    k = int(rng.integers(1, 12))
    node = rng.integers(0, n, size=k)
    dist0 = np.round(rng.uniform(0, 50, k), 1) * (rng.random(k) < 0.7)  # some seeds start at 0
    label = rng.integers(0, max(1, k // 2) + 1, size=k)  # labels seed several nodes
    ((dist, lab),) = nearest_seeds(graph, [(node, dist0, label)])

    ref = _reference(graph, node, dist0, label)
    expected = np.min(np.vstack(list(ref.values())), axis=0)
    np.testing.assert_array_equal(dist, expected)  # exact: the same floating-point sums
    reached = np.isfinite(dist)
    assert (lab[~reached] == -1).all()
    # each reached node's label is one of its nearest seeds' labels
    got = np.array([ref[int(lab[i])][i] for i in np.flatnonzero(reached)])
    np.testing.assert_array_equal(got, dist[reached])


def test_threads_give_the_same_results_as_one_thread() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    graph = _random_graph(rng, n, 9000)
    searches = [(rng.integers(0, n, size=s), rng.uniform(0, 20, size=s), np.arange(s)) for s in (1, 5, 40, 200, 3)]
    one = nearest_seeds(graph, searches, workers=1)
    two = nearest_seeds(graph, searches, workers=2)
    for (d1, l1), (d2, l2) in zip(one, two, strict=True):
        np.testing.assert_array_equal(d1, d2)
        np.testing.assert_array_equal(l1, l2)


def test_seed_without_outgoing_arcs_and_unreachable_nodes() -> None:
    # 0 -> 1 -> 2, node 3 isolated; seeds at 2 (a dead end) and at 0
    graph = sp.csr_matrix(([5.0, 7.0], ([0, 1], [1, 2])), shape=(4, 4))
    ((dist, lab),) = nearest_seeds(graph, [(np.array([2, 0]), np.array([1.0, 0.5]), np.array([10, 20]))])
    np.testing.assert_array_equal(dist, [0.5, 5.5, 1.0, np.inf])
    np.testing.assert_array_equal(lab, [20, 20, 10, -1])


def test_a_node_seeded_twice_keeps_the_nearer_start() -> None:
    graph = sp.csr_matrix(([3.0], ([0], [1])), shape=(2, 2))
    ((dist, lab),) = nearest_seeds(graph, [(np.array([0, 0]), np.array([4.0, 1.0]), np.array([1, 2]))])
    np.testing.assert_array_equal(dist, [1.0, 4.0])
    np.testing.assert_array_equal(lab, [2, 2])


def test_no_seeds_reach_nothing() -> None:
    graph = sp.csr_matrix(([1.0], ([0], [1])), shape=(3, 3))
    ((dist, lab),) = nearest_seeds(graph, [(np.array([], dtype=int), np.array([]), np.array([], dtype=int))])
    assert np.isinf(dist).all() and (lab == -1).all()


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_seed_distance_is_refused(bad: float) -> None:
    graph = sp.csr_matrix(([1.0], ([0], [1])), shape=(2, 2))
    with pytest.raises(ValueError, match="seed distances"):
        nearest_seeds(graph, [(np.array([0]), np.array([bad]), np.array([0]))])


def test_kernel_works_where_its_cache_cannot_be_written(tmp_path: Path) -> None:
    """A read-only install (say, a container) compiles in memory instead of failing on import."""
    pkg = tmp_path / "planner"
    shutil.copytree(Path(planner.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    kernel_dir = pkg / "reach"  # where _dijkstra.py lives: numba caches next to it first
    (kernel_dir / "__pycache__").write_text("a file, so no cache folder can be made here")
    code = (
        "import sys, numpy as np, scipy.sparse as sp\n"
        "import planner.reach._dijkstra\n"
        "assert planner.reach._dijkstra.__file__.startswith(sys.argv[1])\n"
        "from planner.reach._dijkstra import nearest_seeds\n"
        "g = sp.csr_matrix(([2.0], ([0], [1])), shape=(2, 2))\n"
        "(d, lab), = nearest_seeds(g, [(np.array([0]), np.array([0.5]), np.array([7]))])\n"
        "print(d.tolist(), lab.tolist())\n"
    )
    blocked = kernel_dir / "__pycache__"  # every cache location numba tries lies under this file
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(blocked / "numba"),
        "HOME": str(blocked / "home"),
        "XDG_CACHE_HOME": str(blocked / "cache"),
        "PYTHONPATH": str(tmp_path),
    }
    run = subprocess.run([sys.executable, "-c", code, str(pkg)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[0.5, 2.5] [7, 7]"
    assert not any(tmp_path.rglob("*.nbi"))


def test_int64_node_numbers_give_the_same_results() -> None:
    """Graphs too large for int32 node numbers run the int64 build of the kernel."""
    rng = np.random.default_rng(11)
    graph = _random_graph(rng, 500, 2000)
    node, dist0, label = rng.integers(0, 500, size=9), rng.uniform(0, 30, size=9), np.arange(9)
    ((d32, l32),) = nearest_seeds(graph, [(node, dist0, label)])
    d64, l64 = _search(
        graph.indptr.astype(np.int64), graph.indices.astype(np.int64), graph.data, node, dist0, label, 500
    )
    np.testing.assert_array_equal(d32, d64)
    np.testing.assert_array_equal(l32, l64)

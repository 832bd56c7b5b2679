"""Tests for ReachEngine.within: the sites × demand matrix of distances within a limit.

By hand on the ladder of tests/test_reach.py (EPSG:32648, local metres), by brute force
(networkx single-source Dijkstra per site on the real Chengdu extract, numpy for straight
lines) and against the nearest-facility distances the engine already computes: on the bundled
sample, each column's minimum is ``dist_<type>_m`` wherever that is within the limit.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from test_reach import (  # the ladder, its hand-computed table and the Chengdu fixture
    CRS,
    F1,
    F2,
    F3,
    F4,
    LADDER_DEMAND,
    TO_F1,
    TO_F2,
    TO_F4,
    TOL_M,
    chengdu,  # noqa: F401 (a fixture)
    ladder,  # noqa: F401 (a fixture)
    nearest_edge,
    pts,
)

import planner
from planner import naming
from planner.errors import PlannerError
from planner.reach._bounded import Targets, bounded_searches
from planner.reach.engine import make_engine

INF = np.inf


def dense(matrix: sp.csr_array) -> np.ndarray:
    """The matrix with ``inf`` where no entry is stored (stored zeros stay 0)."""
    out = np.full(matrix.shape, INF)
    coo = matrix.tocoo()
    out[coo.row, coo.col] = coo.data
    return out


def assert_canonical(matrix: sp.csr_array, shape: tuple[int, int]) -> None:
    assert isinstance(matrix, sp.csr_array) and matrix.shape == shape and matrix.dtype == np.float64
    for i in range(shape[0]):
        row = matrix.indices[matrix.indptr[i] : matrix.indptr[i + 1]]
        assert np.all(np.diff(row) > 0), f"row {i}: column indices not sorted or repeated"


# ---------------------------------------------------------------------------- by hand


@pytest.fixture(scope="module")
def walk(ladder):  # noqa: F811 (the imported fixture)
    return make_engine(LADDER_DEMAND, mode="walk", network=ladder, max_snap_m=300)


def test_walk_hand_computed(walk):
    """Rows are the table of tests/test_reach.py: legs, same-segment walk, other component,
    unsnapped site (F3: an empty row) and unsnapped demand point (6: an empty column)."""
    m = walk.within(pts(F1, F2, F3, F4), 1000.0)
    assert_canonical(m, (4, 7))
    np.testing.assert_allclose(dense(m), [TO_F1, TO_F2, [INF] * 7, TO_F4], rtol=0, atol=1e-9)


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_limit_is_inclusive(walk, mode):
    """F1 to demand point 2 is 117 m walking; F2 to demand point 3 is sqrt(90² + 0²) = 90 m
    in a straight line: a limit of exactly that keeps the pair, a hair less drops it."""
    engine = walk if mode == "walk" else make_engine(LADDER_DEMAND, mode="euclidean")
    site, demand, d = (F1, 2, 117.0) if mode == "walk" else (F2, 3, 90.0)
    at = dense(engine.within(pts(site), d))
    assert at[0, demand] == pytest.approx(d, abs=1e-9)
    below = dense(engine.within(pts(site), np.nextafter(at[0, demand], 0)))
    assert np.isinf(below[0, demand])
    assert engine.within(pts(site), d).data.max() <= d


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_zero_distance_is_stored(walk, mode):
    """A site exactly on demand point 4 (node E, no access leg): an explicit 0.0 entry."""
    engine = walk if mode == "walk" else make_engine(LADDER_DEMAND, mode="euclidean")
    m = engine.within(pts((100, 100)), 0.0)
    assert m.nnz == 1 and m.indices.tolist() == [4] and m.data.tolist() == [0.0]


def test_limit_zero_and_no_sites(walk):
    assert walk.within(pts(F1), 0.0).nnz == 0
    empty = walk.within(pts(), 500.0)
    assert empty.shape == (0, 7) and empty.nnz == 0
    assert make_engine(LADDER_DEMAND, mode="euclidean").within(pts(), 500.0).shape == (0, 7)


@pytest.mark.parametrize("limit", [-1.0, np.inf, np.nan])
def test_bad_limit(walk, limit):
    with pytest.raises(PlannerError, match="distance limit must be a finite number of metres"):
        walk.within(pts(F1), limit)


@pytest.mark.parametrize("limit", [-1.0, np.inf])
def test_bad_limit_node_reach(walk, limit):
    with pytest.raises(PlannerError, match="distance limit must be a finite number of metres"):
        walk.node_reach(pts(F1), limit)


def test_geodataframe_sites(walk):
    gdf = gpd.GeoDataFrame({"name": ["F1", "F2"]}, geometry=pts(F1, F2), crs=CRS)
    expected = walk.within(pts(F1, F2), 300.0)
    for sites in (gdf, gdf.geometry):
        got = walk.within(sites, 300.0)
        assert (got != expected).nnz == 0 and np.array_equal(got.indices, expected.indices)


def test_node_reach_against_scipy(walk, ladder):  # noqa: F811
    """Node distances from F1 (on E-G, 10 m leg, 50 m from E and G), within 160 m: E and G at
    60, B, D and C at 160 (inclusive); against scipy from a virtual node joined to E and G."""
    m = walk.node_reach(pts(F1), 160.0)
    assert_canonical(m, (1, ladder.n_nodes))
    u, cu, v, cv = walk.snap(pts(F1)).ends(ladder)
    n = ladder.n_nodes
    g = sp.lil_matrix((n + 1, n + 1))
    g[:n, :n] = ladder.graph
    g[n, u[0]], g[n, v[0]] = cu[0], cv[0]
    ref = dijkstra(g.tocsr(), indices=n, limit=160.0)[:n]
    np.testing.assert_allclose(dense(m)[0], ref, rtol=0, atol=1e-9)
    assert sorted(dense(m)[0][np.isfinite(ref)].round(6).tolist()) == [60.0, 60.0, 160.0, 160.0, 160.0]


# ---------------------------------------------------------------------------- the kernel


def test_kernel_chunks_and_threads_do_not_matter():
    """Random graph, random targets: any chunk size and thread count gives the same matrix."""
    rng = np.random.default_rng(8)
    n = 400
    pairs = np.unique(rng.integers(0, n, size=(2400, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    graph = sp.csr_matrix((np.round(rng.uniform(0, 50, len(pairs)), 1), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    seeds = rng.integers(0, n, size=(50, 2))
    seed_dist = np.round(rng.uniform(0, 20, size=(50, 2)), 1)
    seed_dist[3] = INF  # a site with no seeds
    site = (np.full(50, -1), np.zeros(50), np.zeros(50))
    targets = Targets.nodes(n, 0)
    runs = [
        bounded_searches(graph, seeds, seed_dist, site, targets, 120.0, workers=w, chunk=c)
        for w, c in [(1, 64), (1, 1), (2, 7), (2, 64)]
    ]
    for other in runs[1:]:
        for attr in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(other, attr), getattr(runs[0], attr))
    # against scipy: each site's distance field, bounded
    for s in (0, 17, 49):
        ref = np.min([dijkstra(graph, indices=seeds[s, k], limit=120.0) + seed_dist[s, k] for k in range(2)], axis=0)
        ref[ref > 120.0] = INF
        np.testing.assert_allclose(dense(runs[0][[s]])[0], ref, rtol=0, atol=1e-9)
    assert runs[0][[3]].nnz == 0


def test_kernel_rejects_negative_seeds():
    graph = sp.csr_matrix((2, 2))
    with pytest.raises(ValueError, match="seed distances must be >= 0"):
        bounded_searches(
            graph, np.zeros((1, 2)), np.full((1, 2), -1.0), (np.array([-1]), [0.0], [0.0]), Targets.nodes(2, 0), 1.0
        )


# ---------------------------------------------------------------------------- brute force


def test_euclidean_equals_brute_force():
    rng = np.random.default_rng(5)
    demand = shapely.points(rng.uniform(0, 2000, (3000, 2)))
    sites = shapely.points(rng.uniform(0, 2000, (80, 2)))
    engine = make_engine(demand, mode="euclidean")
    m = engine.within(sites, 400.0)
    assert_canonical(m, (80, 3000))
    d = shapely.distance(sites[:, None], demand[None, :])
    got = dense(m)
    np.testing.assert_array_equal(np.isfinite(got), d <= 400.0)
    np.testing.assert_allclose(got[np.isfinite(got)], d[d <= 400.0], rtol=0, atol=1e-9)
    # the column minimum is the nearest-site distance the engine gives
    near = engine.nearest(sites).distance
    within = near <= 400.0
    np.testing.assert_array_equal(got.min(axis=0)[within], near[within])


@pytest.mark.parametrize("workers", [1, 2])
def test_threads_do_not_matter(ladder, workers):  # noqa: F811
    rng = np.random.default_rng(3)
    demand = pts(*rng.uniform([-50, -50], [650, 150], (300, 2)))
    sites = pts(*rng.uniform([-50, -50], [650, 150], (150, 2)))
    one = make_engine(demand, mode="walk", network=ladder, workers=1).within(sites, 250.0)
    other = make_engine(demand, mode="walk", network=ladder, workers=workers).within(sites, 250.0)
    for attr in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(other, attr), getattr(one, attr))


def cut_graph(chengdu, points_xy: np.ndarray, names: list) -> nx.Graph:  # noqa: F811
    """chengdu's networkx graph with each point hung off the foot of its perpendicular on its
    nearest edge (found by numpy brute force), the edge cut at every foot in order along it."""
    graph = chengdu.graph.copy()
    edge, t, off = nearest_edge(chengdu, points_xy)
    cuts: dict[int, list] = {}
    for name, j, tj, oj in zip(names, edge, t, off, strict=True):
        cuts.setdefault(int(j), []).append((tj, name, oj))
    for j, items in cuts.items():
        a, b = chengdu.edges[j]
        w = chengdu.ew[j]
        graph.remove_edge(a, b)
        prev, prev_t = a, 0.0
        for tj, name, oj in sorted(items):
            foot = ("foot", *name)
            graph.add_edge(prev, foot, weight=(tj - prev_t) * w)
            graph.add_edge(foot, name, weight=oj)
            prev, prev_t = foot, tj
        graph.add_edge(prev, b, weight=(1.0 - prev_t) * w)
    return graph


@pytest.mark.slow
@pytest.mark.real
def test_walk_matches_networkx_per_site_on_chengdu(chengdu):  # noqa: F811
    """40 sites and 5000 demand points up to 30 m off random Chengdu streets (100 of them on
    the sites' own segments); per site, networkx single_source_dijkstra with cutoff = 800 m on
    the graph with every point hung off its street. Same pairs (up to ties within TOL_M of the
    limit) and the same distances within TOL_M."""
    rng = np.random.default_rng(44)
    ea, eb = chengdu.ea, chengdu.eb

    def near_street(edge_idx, t_range=(0.0, 1.0), max_r=30.0):
        t = rng.uniform(*t_range, len(edge_idx))
        base = ea[edge_idx] + t[:, None] * (eb[edge_idx] - ea[edge_idx])
        angle = rng.uniform(0, 2 * np.pi, len(edge_idx))
        r = rng.uniform(0, max_r, len(edge_idx))
        return base + r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])

    site_xy = near_street(rng.integers(len(ea), size=40))
    site_edges = nearest_edge(chengdu, site_xy)[0]
    demand_xy = np.vstack(
        [near_street(rng.integers(len(ea), size=4900)), near_street(rng.choice(site_edges, 100), (0.2, 0.8), 0.5)]
    )
    limit = 800.0
    names = [("d", i) for i in range(len(demand_xy))] + [("f", j) for j in range(len(site_xy))]
    graph = cut_graph(chengdu, np.vstack([demand_xy, site_xy]), names)
    engine = make_engine(shapely.points(demand_xy), mode="walk", network=chengdu.net, max_snap_m=300)
    m = engine.within(shapely.points(site_xy), limit)
    assert_canonical(m, (len(site_xy), len(demand_xy)))
    got = dense(m)
    pairs = same_segment = 0
    for j in range(len(site_xy)):
        lengths = nx.single_source_dijkstra_path_length(graph, ("f", j), cutoff=limit, weight="weight")
        ref = np.full(len(demand_xy), INF)
        for name, d in lengths.items():
            if name[0] == "d" and len(name) == 2:
                ref[name[1]] = d
        both = np.isfinite(ref) & np.isfinite(got[j])
        assert np.abs(got[j][both] - ref[both]).max(initial=0) < TOL_M, f"site {j}"
        only = np.isfinite(ref) != np.isfinite(got[j])
        edge = np.where(np.isfinite(ref), ref, got[j])[only]
        assert np.all(np.abs(edge - limit) < TOL_M), f"site {j}: pairs differ away from the limit"
        pairs += int(both.sum())
        same_segment += int(both[len(demand_xy) - 100 :].sum())
    assert pairs > 1500 and same_segment > 50  # dense enough, and the straight walk is exercised


@pytest.mark.slow
@pytest.mark.real
def test_column_minimum_is_nearest_on_chengdu(chengdu):  # noqa: F811
    """On all of Chengdu's street nodes: min over 60 sites = nearest() within the limit."""
    rng = np.random.default_rng(7)
    nodes = np.array(chengdu.nodes)
    demand = shapely.points(nodes)
    sites = shapely.points(nodes[rng.choice(len(nodes), 60, replace=False)] + rng.uniform(-20, 20, (60, 2)))
    engine = make_engine(demand, mode="walk", network=chengdu.net)
    near = engine.nearest(sites).distance
    got = dense(engine.within(sites, 500.0))
    inside = near <= 500.0
    np.testing.assert_array_equal(got.min(axis=0)[inside], near[inside])
    assert np.isinf(got[:, ~inside]).all() and inside.sum() > 1000


# ---------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module", params=["walk", "euclidean"])
def sample(request):
    return planner.analyze(mode=request.param)


def test_column_minimum_is_dist_on_the_sample(sample):
    """For every facility type of the bundled sample: each cell's smallest entry is its
    ``dist_<type>_m``, exactly, wherever that is within the type's radius; a cell has an entry
    exactly when it is ``covered_<type>``; and each site's entries are all within the radius."""
    fac = sample.facilities
    for key, ftype in sample.study.rulebook.types.items():
        radius = float(ftype.radius_m.value)
        m = sample.engine.within(fac.loc[fac["type"] == key].geometry.values, radius)
        dist = sample.cells[naming.dist(key)].to_numpy()
        covered = sample.cells[naming.covered(key)].to_numpy()
        reached = np.diff(m.tocsc().indptr) > 0
        np.testing.assert_array_equal(reached, covered, err_msg=key)
        np.testing.assert_array_equal(dense(m).min(axis=0)[covered], dist[covered], err_msg=key)
        assert m.data.max(initial=0) <= radius

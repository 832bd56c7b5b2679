"""Tests for planner.reach.engine: nearest-facility distances, by hand, by brute force and by property.

Synthetic geometry is in EPSG:32648 (UTM zone 48N, metres) with its local origin (X0, Y0) in
central Chengdu; coordinates in docstrings are local metres. Walking distances on the real
Chengdu extract (``../shared/data/real/chengdu_central_2018.osm``, OpenStreetMap, ODbL) are
checked against networkx Dijkstra on a graph built here from the same line geometries, without
planner's CSR graph or snapping.
"""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import CHENGDU, real_file
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from planner import naming
from planner.assess.coverage import cell_coverage, district_coverage, street_pieces
from planner.errors import PlannerError
from planner.reach.engine import make_engine
from planner.reach.network import NODE_DECIMALS, NOT_WALKABLE, build_network, read_osm_streets
from planner.rules.model import load_rulebook

CRS = "EPSG:32648"
X0, Y0 = 404_000.0, 3_396_000.0  # central Chengdu in UTM 48N
ORIGIN = np.array([X0, Y0])
TOL_M = 0.01
INF = np.inf


def pts(*xy: tuple[float, float]) -> np.ndarray:
    """Shapely points from local (x, y) metres."""
    return shapely.points(np.asarray(xy, dtype=float).reshape(-1, 2) + ORIGIN)


def line(*xy: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def network(*lines: LineString):
    return build_network(gpd.GeoDataFrame(geometry=list(lines), crs=CRS))


# ---------------------------------------------------------------------------- hand-computed


@pytest.fixture(scope="module")
def ladder():
    """A 2 x 1 ladder of 100 m blocks plus a separate street::

        D(0,100) ---- E(100,100) ---- G(200,100)
           |              |               |
        A(0,0) ------ B(100,0) ------ C(200,0)          H(500,0) ---- I(600,0)

    Seven 100 m segments; H-I is a separate component.
    """
    return network(
        line((0, 0), (100, 0), (200, 0)),
        line((0, 100), (100, 100), (200, 100)),
        line((0, 0), (0, 100)),
        line((100, 0), (100, 100)),
        line((200, 0), (200, 100)),
        line((500, 0), (600, 0)),
    )


# demand points on the ladder (local metres)
LADDER_DEMAND = pts(
    (50, -10),  # 0: on A-B, 10 m leg, 50 m from A and B
    (180, 105),  # 1: on E-G, 5 m leg, 80 m from E: on the SAME segment as F1
    (50, 107),  # 2: on D-E, 7 m leg, 50 m from D and E
    (0, 10),  # 3: on A-D, no leg, 10 m from A
    (100, 100),  # 4: exactly on node E
    (550, 5),  # 5: on the separate street H-I
    (100, 1000),  # 6: 900 m from any street, beyond max_snap_m = 300
)
F1 = (150, 110)  # on E-G: 10 m leg, 50 m from E and G
F2 = (0, 100)  # exactly on node D: a zero-length access leg
F3 = (100, 1000)  # beyond max_snap_m: never reachable
F4 = (520, -3)  # on the separate street: 3 m leg, 20 m from H
# walking distance from each demand point to each facility, by hand
TO_F1 = [
    10 + 50 + 100 + 50 + 10,  # leg, to B, B-E, E to foot, leg = 220
    5 + 30 + 10,  # direct along E-G: 45 (via E: 5+80+50+10 = 145; via G: 5+20+50+10 = 85)
    7 + 50 + 50 + 10,  # to E, then along E-G = 117
    90 + 100 + 50 + 10,  # up to D, D-E, E to foot = 250 (via A-B-E: 10+100+100+60 = 270)
    50 + 10,  # from E = 60
    INF,
    INF,
]
TO_F2 = [
    10 + 50 + 100,  # to A, A-D = 160
    5 + 80 + 100,  # to E, E-D = 185
    7 + 50,  # to D = 57; 257 if the zero-length leg at D were lost
    90,  # up to D
    100,  # E-D
    INF,
    INF,
]
TO_F4 = [INF, INF, INF, INF, INF, 5 + 3 + 30, INF]  # direct along H-I = 38


@pytest.mark.parametrize(
    ("sites", "expected", "expected_idx"),
    [
        pytest.param([F1], TO_F1, [0, 0, 0, 0, 0, -1, -1], id="F1"),
        pytest.param([F2], TO_F2, [0, 0, 0, 0, 0, -1, -1], id="F2-on-node"),
        pytest.param([F1, F2], np.minimum(TO_F1, TO_F2), [1, 0, 1, 1, 0, -1, -1], id="F1+F2"),
        pytest.param([F3], [INF] * 7, [-1] * 7, id="F3-beyond-snap"),
        pytest.param([F3, F1], TO_F1, [1, 1, 1, 1, 1, -1, -1], id="F3+F1"),
        pytest.param([F1, F4], np.minimum(TO_F1, TO_F4), [0, 0, 0, 0, 0, 1, -1], id="F1+F4-other-component"),
    ],
)
def test_walk_hand_computed(ladder, sites, expected, expected_idx):
    """Access legs + along-segment + network path, against the table above."""
    engine = make_engine(LADDER_DEMAND, mode="walk", network=ladder, max_snap_m=300)
    result = engine.nearest(pts(*sites))
    np.testing.assert_allclose(result.distance, expected, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(result.index, expected_idx)


def test_walk_hand_computed_snapping(ladder):
    """The demand snapping behind the table: legs and unsnapped points."""
    engine = make_engine(LADDER_DEMAND, mode="walk", network=ladder, max_snap_m=300)
    snap = engine.demand_snap
    np.testing.assert_array_equal(snap.ok, [True] * 6 + [False])
    np.testing.assert_allclose(snap.offset[:6], [10, 5, 7, 0, 0, 5], atol=1e-9)
    # a 9 m limit leaves point 0 (10 m leg) unsnapped: unreachable, index -1
    near = make_engine(LADDER_DEMAND, mode="walk", network=ladder, max_snap_m=9).nearest(pts(F2))
    assert np.isinf(near.distance[0]) and near.index[0] == -1
    assert near.distance[2] == pytest.approx(57.0, abs=1e-9) and near.index[2] == 0


def test_walk_no_sites(ladder):
    engine = make_engine(LADDER_DEMAND, mode="walk", network=ladder)
    result = engine.nearest(pts(F1)[:0])
    assert np.isinf(result.distance).all()
    np.testing.assert_array_equal(result.index, -1)


def test_make_engine_errors(ladder):
    with pytest.raises(PlannerError, match="distance mode must be one of"):
        make_engine(LADDER_DEMAND, mode="drive", network=ladder)
    with pytest.raises(PlannerError, match="need a street network"):
        make_engine(LADDER_DEMAND, mode="walk", network=None)


# ---------------------------------------------------------------------------- euclidean


def test_euclidean_equals_brute_force():
    """800 demand points and 37 sites uniform in a 3 km square: min and argmin of the full
    numpy distance matrix."""
    rng = np.random.default_rng(7)
    demand_xy = rng.uniform(0, 3000, (800, 2)) + ORIGIN
    site_xy = rng.uniform(0, 3000, (37, 2)) + ORIGIN
    result = make_engine(shapely.points(demand_xy), mode="euclidean").nearest(shapely.points(site_xy))
    matrix = np.hypot(*(demand_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1))
    np.testing.assert_allclose(result.distance, matrix.min(axis=1), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(result.index, matrix.argmin(axis=1))


def test_euclidean_no_sites():
    result = make_engine(pts((0, 0), (5, 5)), mode="euclidean").nearest(pts((0, 0))[:0])
    assert np.isinf(result.distance).all()
    np.testing.assert_array_equal(result.index, [-1, -1])


# ---------------------------------------------------------------------------- coverage boundary


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_cell_coverage_radius_is_inclusive(mode):
    """A 2048 m street (0,0)-(2048,0) (power-of-two length, so positions along it are exact
    floats) and a separate street (0,500)-(100,500). A kindergarten at (64,0); a primary school
    at (364.001,0) that must not count for kindergartens.

    Cells: at exactly the kindergarten radius R along the street (covered), R + 0.001 m (not
    covered), R/2 (covered), on the separate street (walk: unreachable -> NaN, not covered) and
    1 km from any street (walk: not snapped -> NaN, not covered). Results keep the cells' index.
    """
    book = load_rulebook()
    radius = book.types["kindergarten"].radius_m.value
    net = network(line((0, 0), (2048, 0)), line((0, 500), (100, 500)))
    cell_xy = [(64 + radius, 0), (64 + radius + 0.001, 0), (64 + radius / 2, 0), (50, 500), (1000, 1000)]
    cells = gpd.GeoDataFrame({"cell_id": list("abcde")}, geometry=pts(*cell_xy), crs=CRS, index=[10, 11, 12, 13, 14])
    facilities = gpd.GeoDataFrame(
        {"facility_id": ["k1", "s1"], "type": ["kindergarten", "primary_school"]},
        geometry=pts((64, 0), (64 + radius + 0.001, 0)),
        crs=CRS,
    )
    cells_before, fac_before = cells.copy(deep=True), facilities.copy(deep=True)
    engine = make_engine(cells.geometry.values, mode=mode, network=net, max_snap_m=300)
    out = cell_coverage(cells, facilities, book, engine, types=["kindergarten", "primary_school"])

    assert list(out.index) == [10, 11, 12, 13, 14]
    dist = out[naming.dist("kindergarten")].to_numpy()
    covered = out[naming.covered("kindergarten")].to_numpy()
    assert dist[0] == radius  # exactly at the radius, no rounding
    assert dist[1] == pytest.approx(radius + 0.001, abs=1e-6) and dist[1] > radius
    assert covered[:3].tolist() == [True, False, True]
    assert out[naming.nearest("kindergarten")].iloc[:3].tolist() == ["k1", "k1", "k1"]
    assert out[naming.dist("primary_school")].iloc[1] == 0.0
    if mode == "walk":
        assert np.isnan(dist[3:]).all()
        assert not covered[3:].any()
        assert out[naming.nearest("kindergarten")].iloc[3:].isna().all()
    assert_geodataframe_equal(cells, cells_before)
    assert_geodataframe_equal(facilities, fac_before)


def test_street_pieces_explain_every_unreachable_resident():
    """Three unconnected streets (pieces by falling size)::

        (0,200) - (100,200)                        piece 2: kindergarten k2 at (50,200)
        (0,100) - (100,100) - (200,100)            piece 1: primary school s1 at (150,100)
        (0,0) - (100,0) - (200,0) - (300,0)        piece 0: kindergarten k1 at (250,0)

    Cells (population): a (50,10) 100 and b (250,10) 200 on piece 0; c (50,90) 400 on piece 1;
    d (50,190) 800 on piece 2; e (1000,1000) 1600 beyond the 50 m snapping distance. A
    kindergarten k3 at (2000,0) snaps nowhere and seeds nothing.

    Kindergarten: unreachable = c + e = 2000 (e far from streets, c on a piece without one);
    primary school: a + b + d + e = 2700. Each equals far-from-street + on pieces without one.
    """
    book = load_rulebook()
    net = network(
        line((0, 200), (100, 200)), line((0, 100), (100, 100), (200, 100)), line((0, 0), (100, 0), (200, 0), (300, 0))
    )
    cells = gpd.GeoDataFrame(
        {"cell_id": list("abcde"), "population": [100.0, 200.0, 400.0, 800.0, 1600.0]},
        geometry=pts((50, 10), (250, 10), (50, 90), (50, 190), (1000, 1000)),
        crs=CRS,
    )
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["k1", "k2", "s1", "k3"],
            "type": ["kindergarten", "kindergarten", "primary_school", "kindergarten"],
        },
        geometry=pts((250, 0), (50, 200), (150, 100), (2000, 0)),
        crs=CRS,
    )
    engine = make_engine(cells.geometry.values, mode="walk", network=net, max_snap_m=50)
    fsnap = engine.snap(fac.geometry.values)
    types = ["kindergarten", "primary_school"]
    table = street_pieces(cells, engine.demand_snap, fac, fsnap, net, types)

    assert table["piece"].tolist() == [0, 1, 2]
    assert table["nodes"].tolist() == [4, 3, 2]
    assert table["cells"].tolist() == [2, 1, 1]
    assert table["residents"].tolist() == [300.0, 400.0, 800.0]
    assert table["example_cell_ids"].tolist() == [["a", "b"], ["c"], ["d"]]
    assert table["facilities_kindergarten"].tolist() == [1, 0, 1]
    assert table["facilities_primary_school"].tolist() == [0, 1, 0]

    out = cells.join(cell_coverage(cells, fac, book, engine, types=types, facility_snap=fsnap))
    cov = district_coverage(out, book, types)
    far = float(cells["population"][~engine.demand_snap.ok].sum())
    assert far == 1600.0
    for key, expected in (("kindergarten", 2000), ("primary_school", 2700)):
        without = table.loc[table[f"facilities_{key}"] == 0, "residents"].sum()
        assert cov[key]["residents_unreachable"] == expected == far + without
        assert cov[key]["share_unreachable"] == pytest.approx(expected / 3100)
        assert out[naming.dist(key)].isna().sum() == {"kindergarten": 2, "primary_school": 4}[key]
    assert np.isnan(cov["kindergarten"]["median_distance_m"])  # 2000 of 3100 reach none: more than half


def test_median_distance_counts_the_unreachable_as_infinitely_far():
    """Three cells of one resident each at 100 m, 200 m and unreachable (NaN).

    Counting only those who reach one, the median would be 100 m (the first to pass half of
    2 residents); with the unreachable as infinitely far it is 200 m (half of 3 is 1.5). With
    the unreachable cell holding 2 of 4 residents (exactly half) it is still 200 m; with 3 of
    5, more than half, there is no median.
    """
    book = load_rulebook()
    key = "kindergarten"

    def median(pop: list[float]) -> float:
        cells = pd.DataFrame(
            {"population": pop, naming.dist(key): [100.0, 200.0, np.nan], naming.covered(key): [True, True, False]}
        )
        return district_coverage(cells, book, [key])[key]["median_distance_m"]

    assert median([1.0, 1.0, 1.0]) == 200.0
    assert median([1.0, 1.0, 2.0]) == 200.0
    assert np.isnan(median([1.0, 1.0, 3.0]))


# ---------------------------------------------------------------------------- properties


@pytest.fixture(scope="module")
def grid():
    """A 6 x 6 grid of 100 m blocks over (0,0)-(500,500), one line per 100 m segment, with four
    segments missing (detours) and a diagonal (0,0)-(500,500) through the grid's vertices, so it
    joins the grid at every crossing."""
    segments = []
    for k in range(6):
        for i in range(5):
            segments.append(line((100 * i, 100 * k), (100 * (i + 1), 100 * k)))
            segments.append(line((100 * k, 100 * i), (100 * k, 100 * (i + 1))))
    keep = [s for i, s in enumerate(segments) if i not in {3, 17, 28, 41}]
    keep.append(line(*[(100 * i, 100 * i) for i in range(6)]))
    return network(*keep)


coord = st.floats(min_value=-60.0, max_value=560.0, allow_nan=False, allow_infinity=False)
points_st = st.lists(st.tuples(coord, coord), min_size=1, max_size=25)
sites_st = st.lists(st.tuples(coord, coord), min_size=1, max_size=8)
prop_settings = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def per_site_matrix(engine, sites: np.ndarray) -> np.ndarray:
    """Distance from every demand point to every single site, one query per site."""
    return np.column_stack([engine.nearest(sites[j : j + 1]).distance for j in range(len(sites))])


@prop_settings
@given(demand=points_st, sites=sites_st, extra=st.tuples(coord, coord))
def test_adding_a_facility_never_increases_distance(grid, demand, sites, extra):
    """nearest(S + f) = min(nearest(S), nearest(f)) and is never farther than nearest(S)."""
    engine = make_engine(pts(*demand), mode="walk", network=grid)
    before = engine.nearest(pts(*sites)).distance
    after = engine.nearest(pts(*sites, extra)).distance
    alone = engine.nearest(pts(extra)).distance
    assert np.all(after <= before + 1e-9)
    np.testing.assert_allclose(after, np.minimum(before, alone), rtol=0, atol=1e-9)
    assert np.all(np.isfinite(after) >= np.isfinite(before))


@prop_settings
@given(demand=points_st, sites=sites_st)
def test_walk_at_least_straight_line(grid, demand, sites):
    """Walking distance >= straight line to the same facility >= straight line to the nearest."""
    demand_pts, site_pts = pts(*demand), pts(*sites)
    walk = make_engine(demand_pts, mode="walk", network=grid).nearest(site_pts)
    crow = make_engine(demand_pts, mode="euclidean").nearest(site_pts)
    assert np.all(walk.distance >= crow.distance - 1e-6)
    ok = walk.index >= 0
    to_chosen = shapely.distance(demand_pts[ok], site_pts[walk.index[ok]])
    assert np.all(walk.distance[ok] >= to_chosen - 1e-6)


@prop_settings
@given(demand=points_st, sites=sites_st, data=st.data())
def test_results_do_not_depend_on_facility_order(grid, demand, sites, data):
    """Permuted facilities give the same distances and the same facilities, up to exact ties;
    the chosen facility is always one at the reported distance."""
    engine = make_engine(pts(*demand), mode="walk", network=grid)
    site_pts = pts(*sites)
    perm = np.array(data.draw(st.permutations(range(len(sites)))))
    a = engine.nearest(site_pts)
    b = engine.nearest(site_pts[perm])
    np.testing.assert_allclose(b.distance, a.distance, rtol=0, atol=1e-9)
    matrix = per_site_matrix(engine, site_pts)
    b_ids = np.where(b.index >= 0, perm[np.clip(b.index, 0, None)], -1)
    for ids, dist in ((a.index, a.distance), (b_ids, b.distance)):
        reach = np.isfinite(dist)
        np.testing.assert_array_equal(ids[~reach], -1)
        np.testing.assert_allclose(matrix[reach, ids[reach]], dist[reach], rtol=0, atol=1e-9)
    # where one facility is strictly nearest, both orders must name it
    best = matrix.min(axis=1, keepdims=True)
    unique = np.isfinite(best[:, 0]) & ((matrix <= best + 1e-6).sum(axis=1) == 1)
    np.testing.assert_array_equal(a.index[unique], b_ids[unique])


@prop_settings
@given(demand=points_st, sites=sites_st, data=st.data())
def test_results_do_not_depend_on_demand_order(grid, demand, sites, data):
    """Permuting the demand points permutes the answers."""
    perm = np.array(data.draw(st.permutations(range(len(demand)))))
    site_pts = pts(*sites)
    a = make_engine(pts(*demand), mode="walk", network=grid).nearest(site_pts)
    b = make_engine(pts(*demand)[perm], mode="walk", network=grid).nearest(site_pts)
    np.testing.assert_allclose(b.distance, a.distance[perm], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(b.index, a.index[perm])


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_inputs_unchanged(grid, mode):
    """Demand and site arrays (and the network's arrays) are the same objects with the same
    content after building the engine and querying it."""
    rng = np.random.default_rng(3)
    demand = shapely.points(rng.uniform(0, 500, (50, 2)) + ORIGIN)
    sites = shapely.points(rng.uniform(0, 500, (5, 2)) + ORIGIN)
    demand_wkb, sites_wkb = shapely.to_wkb(demand), shapely.to_wkb(sites)
    net_before = (grid.xy.copy(), grid.seg_u.copy(), grid.seg_v.copy(), grid.seg_len.copy(), grid.graph.copy())
    engine = make_engine(demand, mode=mode, network=grid)
    engine.nearest(sites)
    engine.nearest(sites[:2])
    assert list(shapely.to_wkb(demand)) == list(demand_wkb)
    assert list(shapely.to_wkb(sites)) == list(sites_wkb)
    for before, now in zip(net_before[:4], (grid.xy, grid.seg_u, grid.seg_v, grid.seg_len), strict=True):
        np.testing.assert_array_equal(now, before)
    assert (grid.graph != net_before[4]).nnz == 0


# ---------------------------------------------------------------------------- real data vs networkx


@pytest.fixture(scope="module")
def chengdu():
    """Chengdu streets in UTM, planner's network, and an independent networkx graph.

    The networkx graph is built here from the same line geometries: one edge per consecutive
    vertex pair, weighted by its Euclidean length, nodes keyed by coordinates rounded to
    NODE_DECIMALS, the minimum over parallel edges. Lines without a highway tag are left out of
    both (see test_network: read_osm_streets wrongly returns them).
    """
    raw = read_osm_streets(real_file(CHENGDU))
    gdf = raw.to_crs(raw.estimate_utm_crs())
    tag = gdf["highway"].astype(str)
    gdf = gdf.loc[gdf["highway"].notna() & ~tag.isin(["nan", "None", ""]) & ~tag.isin(NOT_WALKABLE)]
    gdf = gdf.reset_index(drop=True)
    net = build_network(gdf)

    coords, line_idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    keys = np.round(coords, NODE_DECIMALS)
    graph = nx.Graph()
    for i in range(len(coords) - 1):
        if line_idx[i] != line_idx[i + 1]:
            continue
        a, b = tuple(keys[i]), tuple(keys[i + 1])
        if a == b:
            continue
        w = float(np.hypot(*(coords[i + 1] - coords[i])))
        if not graph.has_edge(a, b) or w < graph[a][b]["weight"]:
            graph.add_edge(a, b, weight=w)
    edges = list(graph.edges)
    return SimpleNamespace(
        net=net,
        graph=graph,
        nodes=list(graph.nodes),
        edges=edges,
        ea=np.array([e[0] for e in edges]),
        eb=np.array([e[1] for e in edges]),
        ew=np.array([graph[a][b]["weight"] for a, b in edges]),
    )


def check_against_reference(result, ref, ref_id, tie_distance) -> float:
    """Distances agree within TOL_M (inf where unreachable); ids agree except for ties within
    TOL_M, which ``tie_distance(demand_i, site_j)`` confirms. Returns the max difference."""
    fin = np.isfinite(ref)
    np.testing.assert_array_equal(np.isfinite(result.distance), fin)
    np.testing.assert_array_equal(result.index[~fin], -1)
    diff = np.abs(result.distance[fin] - ref[fin])
    assert diff.max() < TOL_M, f"max difference {diff.max():.6f} m"
    for i in np.flatnonzero(fin & (result.index != ref_id)):
        assert abs(tie_distance(i, int(result.index[i])) - ref[i]) < TOL_M, f"demand {i}: not a tie"
    return float(diff.max())


@pytest.mark.slow
@pytest.mark.real
def test_walk_matches_networkx_on_nodes(chengdu):
    """2000 demand points and 3 sets of 40 facilities, all exactly on street nodes (access legs
    are zero), against nx.multi_source_dijkstra; unreachable nodes (other components) are inf."""
    rng = np.random.default_rng(2018)
    nodes = chengdu.nodes
    demand_keys = [nodes[i] for i in rng.choice(len(nodes), 2000, replace=False)]
    engine = make_engine(shapely.points(np.array(demand_keys)), mode="walk", network=chengdu.net)
    assert engine.demand_snap.ok.all()
    np.testing.assert_array_equal(engine.demand_snap.offset, 0.0)
    n_unreachable = 0
    for _ in range(3):
        site_keys = [nodes[i] for i in rng.choice(len(nodes), 40, replace=False)]
        result = engine.nearest(shapely.points(np.array(site_keys)))
        dist, paths = nx.multi_source_dijkstra(chengdu.graph, site_keys, weight="weight")
        ref = np.array([dist.get(k, np.inf) for k in demand_keys])
        site_of = {k: j for j, k in enumerate(site_keys)}
        ref_id = np.array([site_of[paths[k][0]] if k in paths else -1 for k in demand_keys])

        def tie(i, j, site_keys=site_keys):
            return nx.dijkstra_path_length(chengdu.graph, site_keys[j], demand_keys[i], weight="weight")

        check_against_reference(result, ref, ref_id, tie)
        n_unreachable += int(np.isinf(ref).sum())
    assert n_unreachable > 0  # the extract has separate components: inf is exercised


def nearest_edge(chengdu, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point: index into chengdu.edges of the nearest edge, the projection parameter t
    (0 at the edge's first node) and the perpendicular distance, by brute force over all edges."""
    a, b = chengdu.ea, chengdu.eb
    d = b - a
    len2 = np.einsum("ij,ij->i", d, d)
    out_j, out_t, out_off = [], [], []
    for p in xy:
        t = np.clip(((p - a) * d).sum(axis=1) / len2, 0.0, 1.0)
        off = np.hypot(*(p - (a + t[:, None] * d)).T)
        j = int(np.argmin(off))
        out_j.append(j), out_t.append(t[j]), out_off.append(off[j])
    return np.array(out_j), np.array(out_t), np.array(out_off)


@pytest.mark.slow
@pytest.mark.real
def test_walk_matches_networkx_off_nodes(chengdu):
    """1000 demand points and 40 facilities up to 40 m off random streets; 60 of the demand
    points lie within 0.5 m of a facility's own segment, so the direct walk along a shared
    segment is exercised.

    Reference: each point's nearest edge is found by numpy brute force; the edge is cut at every
    projected foot (in order along it) and the point hangs off its foot by its perpendicular leg.
    networkx multi-source Dijkstra on that graph gives the distances.
    """
    rng = np.random.default_rng(30)
    ea, eb = chengdu.ea, chengdu.eb

    def near_street(edge_idx, t_range=(0.0, 1.0), max_r=40.0):
        t = rng.uniform(*t_range, len(edge_idx))
        base = ea[edge_idx] + t[:, None] * (eb[edge_idx] - ea[edge_idx])
        angle = rng.uniform(0, 2 * np.pi, len(edge_idx))
        r = rng.uniform(0, max_r, len(edge_idx))
        return base + r[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])

    site_xy = near_street(rng.integers(len(ea), size=40))
    site_edges = nearest_edge(chengdu, site_xy)[0]
    # 60 demand points within 0.5 m of the middle of the segment a facility projects onto
    demand_xy = np.vstack(
        [near_street(rng.integers(len(ea), size=940)), near_street(rng.choice(site_edges, 60), (0.2, 0.8), 0.5)]
    )

    graph = chengdu.graph.copy()
    points = [("d", i) for i in range(len(demand_xy))] + [("f", j) for j in range(len(site_xy))]
    edge, t, off = nearest_edge(chengdu, np.vstack([demand_xy, site_xy]))
    cuts: dict[int, list] = {}
    for name, j, tj, oj in zip(points, edge, t, off, strict=True):
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
    sites = [("f", j) for j in range(len(site_xy))]
    dist, paths = nx.multi_source_dijkstra(graph, sites, weight="weight")
    demand_names = points[: len(demand_xy)]
    ref = np.array([dist.get(k, np.inf) for k in demand_names])
    ref_id = np.array([paths[k][0][1] if k in paths else -1 for k in demand_names])
    same_segment = np.isin(edge[len(demand_xy) - 60 : len(demand_xy)], edge[len(demand_xy) :]).sum()
    assert same_segment >= 30  # most of the 60 share a facility's segment

    demand_pts, site_pts = shapely.points(demand_xy), shapely.points(site_xy)
    engine = make_engine(demand_pts, mode="walk", network=chengdu.net, max_snap_m=300)
    result = engine.nearest(site_pts)

    def tie(i, j):
        return nx.dijkstra_path_length(graph, ("f", j), ("d", i), weight="weight")

    check_against_reference(result, ref, ref_id, tie)
    # and walking is never shorter than the straight line to the chosen facility
    ok = result.index >= 0
    crow = shapely.distance(demand_pts[ok], site_pts[result.index[ok]])
    assert np.all(result.distance[ok] >= crow - 1e-6)


@pytest.mark.slow
@pytest.mark.real
def test_cell_coverage_matches_networkx_on_chengdu(chengdu):
    """cell_coverage on 500 node cells with kindergartens on 15 nodes: dist/covered columns
    equal networkx distances and ``<= radius``; the nearest ids name the reference facility."""
    book = load_rulebook()
    radius = book.types["kindergarten"].radius_m.value
    rng = np.random.default_rng(5)
    nodes = chengdu.nodes
    cell_keys = [nodes[i] for i in rng.choice(len(nodes), 500, replace=False)]
    site_keys = [nodes[i] for i in rng.choice(len(nodes), 15, replace=False)]
    crs = chengdu.net.crs
    cells = gpd.GeoDataFrame(geometry=shapely.points(np.array(cell_keys)), crs=crs)
    facilities = gpd.GeoDataFrame(
        {"facility_id": [f"K{j:02d}" for j in range(15)], "type": "kindergarten"},
        geometry=shapely.points(np.array(site_keys)),
        crs=crs,
    )
    engine = make_engine(cells.geometry.values, mode="walk", network=chengdu.net)
    out = cell_coverage(cells, facilities, book, engine, types=["kindergarten"])
    dist, paths = nx.multi_source_dijkstra(chengdu.graph, site_keys, weight="weight")
    ref = np.array([dist.get(k, np.nan) for k in cell_keys])
    got = out[naming.dist("kindergarten")].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    assert np.nanmax(np.abs(got - ref)) < TOL_M
    np.testing.assert_array_equal(
        out[naming.covered("kindergarten")].to_numpy(), np.nan_to_num(ref, nan=np.inf) <= radius
    )
    ref_ids = pd.array(
        [f"K{site_keys.index(paths[k][0]):02d}" if k in paths else None for k in cell_keys], dtype="string"
    )
    assert out[naming.nearest("kindergarten")].equals(pd.Series(ref_ids, index=out.index))
    assert 0 < out[naming.covered("kindergarten")].sum() < 500

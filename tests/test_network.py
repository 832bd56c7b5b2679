"""Tests for planner.reach.network: building the walking graph, snapping points, reading OSM streets.

Synthetic geometry is in EPSG:32648 (UTM zone 48N, metres), placed in central Chengdu with its
local origin at (X0, Y0); each fixture's shape is drawn in its docstring in local metres. The
real-data tests read ``../shared/data/real/chengdu_central_2018.osm`` (OpenStreetMap, ODbL) and
compare with an independent ElementTree parse of the same XML; they skip, naming the path,
when the file is absent.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import CHENGDU, real_file
from geopandas.testing import assert_geodataframe_equal
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry import LineString, MultiLineString, Point

from planner.errors import CRSError, InputError, NetworkError
from planner.reach.network import NOT_WALKABLE, build_network, check_streets_near, read_osm_streets, snap_points

CRS = "EPSG:32648"
X0, Y0 = 404_000.0, 3_396_000.0  # central Chengdu in UTM 48N


def line(*pts: tuple[float, float]) -> LineString:
    """A LineString from local (x, y) metres."""
    return LineString([(X0 + x, Y0 + y) for x, y in pts])


def streets(*geoms, crs: str | None = CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"street_id": [f"s{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs=crs)


def node_of(net, x: float, y: float) -> int:
    """Index of the node at local (x, y); fails when there is none."""
    hit = np.flatnonzero(np.all(np.isclose(net.xy, [X0 + x, Y0 + y], rtol=0, atol=1e-6), axis=1))
    assert len(hit) == 1, f"expected one node at ({x}, {y}), found {len(hit)}"
    return int(hit[0])


def walk(net, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Shortest path between two nodes over the CSR graph (scipy)."""
    return float(dijkstra(net.graph, directed=False, indices=node_of(net, *a))[node_of(net, *b)])


# ---------------------------------------------------------------------------- nodes and edges


def test_crossing_lines_without_shared_vertex_stay_unconnected():
    """A bridge: an east-west street (0,0)-(100,0) under a north-south one (50,-50)-(50,50).

    They cross at (50, 0) but neither has a vertex there, so there is no junction: 4 nodes,
    2 segments, 2 components, and no path from one street to the other.
    """
    net = build_network(streets(line((0, 0), (100, 0)), line((50, -50), (50, 50))))
    assert net.n_nodes == 4
    assert len(net.seg_len) == 2
    assert connected_components(net.graph, directed=False)[0] == 2
    assert np.isinf(walk(net, (0, 0), (50, 50)))


def test_lines_sharing_a_vertex_are_joined():
    """The same crossing with a vertex at (50, 0) on both streets: a 4-way junction.

    5 nodes, 4 segments of 50 m, one component; (0,0) to (50,50) is 50 + 50 = 100 m.
    """
    net = build_network(streets(line((0, 0), (50, 0), (100, 0)), line((50, -50), (50, 0), (50, 50))))
    assert net.n_nodes == 5
    np.testing.assert_array_equal(np.sort(net.seg_len), [50.0] * 4)
    assert connected_components(net.graph, directed=False)[0] == 1
    assert net.graph[node_of(net, 50, 0)].nnz == 4
    assert walk(net, (0, 0), (50, 50)) == pytest.approx(100.0, abs=1e-9)


def test_parallel_segments_keep_the_shortest_not_the_sum():
    """A street A(0,0)-B(100,0) mapped three times (twice forward, once reversed), a fourth copy
    starting at A'(0.0004, 0), which rounds to the same node A (99.9996 m long), then B-C(100,100).

    One segment A-B of the SHORTEST length 99.9996 m (scipy's constructors would sum them to
    ~400 m), and A to C is 99.9996 + 100 m.
    """
    ab = line((0, 0), (100, 0))
    net = build_network(
        streets(ab, ab, line((100, 0), (0, 0)), line((0.0004, 0), (100, 0)), line((100, 0), (100, 100)))
    )
    assert net.n_nodes == 3
    assert len(net.seg_len) == 2
    a, b = node_of(net, 0, 0), node_of(net, 100, 0)
    assert net.graph[a, b] == pytest.approx(99.9996, abs=1e-9)
    assert net.graph[b, a] == net.graph[a, b]
    assert walk(net, (0, 0), (100, 100)) == pytest.approx(199.9996, abs=1e-9)
    assert net.graph.nnz == 4  # each segment once per direction: no duplicates left in the CSR


def test_graph_is_symmetric_and_matches_segments():
    """A 2 x 1 block ladder (100 m blocks): the CSR holds each segment once in each direction."""
    net = build_network(
        streets(
            line((0, 0), (100, 0), (200, 0)),
            line((0, 100), (100, 100), (200, 100)),
            line((0, 0), (0, 100)),
            line((100, 0), (100, 100)),
            line((200, 0), (200, 100)),
        )
    )
    assert (net.n_nodes, len(net.seg_len)) == (6, 7)
    dense = net.graph.toarray()
    np.testing.assert_array_equal(dense, dense.T)
    expected = np.zeros_like(dense)
    expected[net.seg_u, net.seg_v] = net.seg_len
    expected[net.seg_v, net.seg_u] = net.seg_len
    np.testing.assert_array_equal(dense, expected)
    lengths = np.hypot(*(net.xy[net.seg_v] - net.xy[net.seg_u]).T)
    np.testing.assert_allclose(net.seg_len, lengths, atol=1e-9)
    assert walk(net, (0, 0), (200, 100)) == pytest.approx(300.0, abs=1e-9)


def test_zero_length_segments_are_dropped():
    """A street (0,0)-(0,0)-(0.0003,0)-(100,0) whose first three vertices merge into one node,
    and a degenerate line (50,50)-(50,50).

    One segment remains, of 99.9997 m (measured from the last merged vertex); no segment joins a
    node to itself and no length is zero.
    """
    net = build_network(streets(line((0, 0), (0, 0), (0.0003, 0), (100, 0)), line((50, 50), (50, 50))))
    assert len(net.seg_len) == 1
    assert np.all(net.seg_u != net.seg_v)
    assert np.all(net.seg_len > 0)
    assert net.seg_len[0] == pytest.approx(99.9997, abs=1e-9)
    assert net.graph.diagonal().sum() == 0


def test_multilinestring_parts_are_separate_lines():
    """A MultiLineString of (0,0)-(100,0) and (200,0)-(300,0): two segments and no bridge over
    the gap from (100,0) to (200,0); a second MultiLineString whose parts share (300,0) is joined.
    """
    gap = MultiLineString([[(X0, Y0), (X0 + 100, Y0)], [(X0 + 200, Y0), (X0 + 300, Y0)]])
    net = build_network(streets(gap))
    assert len(net.seg_len) == 2
    np.testing.assert_array_equal(net.seg_len, [100.0, 100.0])
    assert np.isinf(walk(net, (100, 0), (200, 0)))

    joined = MultiLineString([[(X0 + 200, Y0), (X0 + 300, Y0)], [(X0 + 300, Y0), (X0 + 300, Y0 + 50)]])
    net = build_network(streets(gap, joined))
    assert len(net.seg_len) == 3  # (200,0)-(300,0) appears twice and is kept once
    assert walk(net, (200, 0), (300, 50)) == pytest.approx(150.0, abs=1e-9)


def test_build_network_leaves_the_input_unchanged():
    """Two streets, one reversed; the GeoDataFrame is equal to a deep copy afterwards."""
    gdf = streets(line((0, 0), (100, 0)), line((100, 100), (100, 0)))
    before = gdf.copy(deep=True)
    build_network(gdf)
    assert_geodataframe_equal(gdf, before)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:4490", None], ids=["wgs84", "cgcs2000", "none"])
def test_geographic_or_missing_crs_raises(crs):
    """Streets in degrees (WGS84 or CGCS2000) or without a CRS cannot be measured in metres."""
    gdf = streets(LineString([(104.06, 30.66), (104.07, 30.66)]), crs=crs)
    with pytest.raises(NetworkError, match="metric CRS"):
        build_network(gdf)


def test_layer_without_lines_raises():
    """Only a point: there is nothing to walk on."""
    with pytest.raises(NetworkError, match="no lines"):
        build_network(streets(Point(X0, Y0)))


# ---------------------------------------------------------------------------- snapping


@pytest.fixture
def diagonal():
    """One street from (0,0) to (300,400): a 500 m segment along the 3-4-5 direction."""
    return build_network(streets(line((0, 0), (300, 400))))


def test_snap_perpendicular_offset_and_along(diagonal):
    """Hand-computed projections onto (0,0)-(300,400):

    - (400,100): t = (400*300 + 100*400) / 500^2 = 0.64, foot (192,256), along 320 m,
      offset |(208,-156)| = 260 m;
    - (-30,-40): before the start, foot (0,0), along 0, offset 50 m;
    - (330,440): past the end, foot (300,400), along 500 m, offset 50 m;
    - (150,200): on the street, along 250 m, offset 0.
    """
    net = diagonal
    assert tuple(net.xy[net.seg_u[0]]) == (X0, Y0)  # along is measured from (0,0)
    pts = shapely.points([(X0 + 400, Y0 + 100), (X0 - 30, Y0 - 40), (X0 + 330, Y0 + 440), (X0 + 150, Y0 + 200)])
    snap = snap_points(pts, net, net.tree(), max_snap_m=300)
    np.testing.assert_array_equal(snap.segment, [0, 0, 0, 0])
    np.testing.assert_allclose(snap.along, [320.0, 0.0, 500.0, 250.0], atol=1e-9)
    np.testing.assert_allclose(snap.offset, [260.0, 50.0, 50.0, 0.0], atol=1e-9)
    _, cost_u, _, cost_v = snap.ends(net)
    np.testing.assert_allclose(cost_u, [580.0, 50.0, 550.0, 250.0], atol=1e-9)
    np.testing.assert_allclose(cost_v, [440.0, 550.0, 50.0, 250.0], atol=1e-9)


def test_snap_beyond_max_distance_gets_no_segment(diagonal):
    """(700,0) is 560 m from the street (foot (252,336)); (400,100) is 260 m from it.

    With max_snap_m=300 the first gets segment -1 and NaN along/offset; with 250 both do.
    The limit is inclusive: a point exactly 50 m away snaps with max_snap_m=50, one 0.001 m
    farther does not.
    """
    net = diagonal
    tree = net.tree()
    pts = shapely.points([(X0 + 700, Y0), (X0 + 400, Y0 + 100)])
    snap = snap_points(pts, net, tree, max_snap_m=300)
    np.testing.assert_array_equal(snap.segment, [-1, 0])
    np.testing.assert_array_equal(snap.ok, [False, True])
    assert np.isnan(snap.along[0]) and np.isnan(snap.offset[0])
    assert snap.offset[1] == pytest.approx(260.0, abs=1e-9)
    assert not snap_points(pts, net, tree, max_snap_m=250).ok.any()

    edge = shapely.points([(X0 - 30, Y0 - 40), (X0 - 30.0006, Y0 - 40.0008)])  # 50 m and 50.001 m
    np.testing.assert_array_equal(snap_points(edge, net, tree, max_snap_m=50).segment, [0, -1])


def test_snap_picks_the_nearest_of_two_streets():
    """Two parallel streets y=0 and y=100 from x=0 to 100; (30,70) is 30 m from the upper one."""
    net = build_network(streets(line((0, 0), (100, 0)), line((0, 100), (100, 100))))
    snap = snap_points(shapely.points([(X0 + 30, Y0 + 70)]), net, net.tree(), max_snap_m=300)
    seg = snap.segment[0]
    assert net.xy[net.seg_u[seg], 1] == Y0 + 100 and net.xy[net.seg_v[seg], 1] == Y0 + 100
    assert snap.offset[0] == pytest.approx(30.0, abs=1e-9)
    assert snap.along[0] == pytest.approx(30.0, abs=1e-9)


def test_snap_no_points(diagonal):
    snap = snap_points(shapely.points(np.empty((0, 2))), diagonal, diagonal.tree(), max_snap_m=300)
    assert len(snap.segment) == 0 and len(snap.along) == 0 and len(snap.offset) == 0


# ---------------------------------------------------------------------------- pieces


@pytest.fixture
def three_pieces():
    """Three unconnected streets, numbered by falling size::

        (0,200) ---- (100,200)                                 piece 2: 2 nodes
        (0,100) ---- (100,100) ---- (200,100)                  piece 1: 3 nodes
        (0,0) ------ (100,0) ------ (200,0) ------ (300,0)     piece 0: 4 nodes

    Listed smallest first, so the numbering cannot come from the input order.
    """
    return build_network(
        streets(
            line((0, 200), (100, 200)),
            line((0, 100), (100, 100), (200, 100)),
            line((0, 0), (100, 0), (200, 0), (300, 0)),
        )
    )


def test_pieces_are_numbered_by_falling_size(three_pieces):
    net = three_pieces
    assert net.n_pieces == 3
    assert [net.piece[node_of(net, x, 0)] for x in (0, 100, 200, 300)] == [0, 0, 0, 0]
    assert [net.piece[node_of(net, x, 100)] for x in (0, 100, 200)] == [1, 1, 1]
    assert [net.piece[node_of(net, x, 200)] for x in (0, 100)] == [2, 2]
    n, label = connected_components(net.graph, directed=False)  # same partition as scipy's
    assert n == 3 and len(set(zip(label, net.piece, strict=True))) == 3


def test_pieces_of_equal_size_are_numbered_by_their_lowest_node():
    """Two 2-node streets: the piece holding node 0 is piece 0, whatever the input order."""
    for order in (1, -1):
        net = build_network(streets(*[line((0, 0), (100, 0)), line((0, 500), (100, 500))][::order]))
        assert net.piece[0] == 0 and sorted(net.piece.tolist()) == [0, 0, 1, 1]


def test_a_connected_network_is_one_piece(diagonal):
    assert diagonal.n_pieces == 1 and diagonal.piece.tolist() == [0, 0]


def test_snapped_points_know_their_piece(three_pieces):
    """(50,10) is 10 m from piece 0, (150,90) 10 m from piece 1, (50,190) 10 m from piece 2 and
    (1000,1000) is beyond max_snap_m: no piece (-1)."""
    net = three_pieces
    xy = [(50, 10), (150, 90), (50, 190), (1000, 1000)]
    snap = snap_points(shapely.points([(X0 + x, Y0 + y) for x, y in xy]), net, net.tree(), max_snap_m=50)
    assert snap.piece(net).tolist() == [0, 1, 2, -1]


# ---------------------------------------------------------------------------- streets nowhere near


def test_streets_450_km_away_are_refused_naming_the_file_and_layer(diagonal):
    """The street (0,0)-(300,400) and points 450 km north of its far end, (300, 400400) and
    (300, 400500): the nearest is exactly 450,000 m away, so nothing snaps at 300 m."""
    net = diagonal
    far = shapely.points([(X0 + 300, Y0 + 450_400), (X0 + 300, Y0 + 450_500)])
    snap = snap_points(far, net, net.tree(), max_snap_m=300)
    with pytest.raises(CRSError, match=r"the streets lie 450\.0 km from the communities.*coordinate system") as info:
        check_streets_near(far, snap, net.tree(), max_snap_m=300, file="streets.gpkg", layer="streets")
    assert info.value.file == "streets.gpkg" and info.value.layer == "streets"
    assert "file streets.gpkg; layer 'streets'" in str(info.value) and "--max-snap" in str(info.value)


def test_streets_just_beyond_the_snapping_distance_are_refused_in_metres(diagonal):
    """One point 350 m beyond the street's start, (-210, -280): 350 m > 300 m."""
    net = diagonal
    pt = shapely.points([(X0 - 210, Y0 - 280)])
    snap = snap_points(pt, net, net.tree(), max_snap_m=300)
    with pytest.raises(CRSError, match="no analysis cell lies within 300 m of a street: the streets lie 350 m"):
        check_streets_near(pt, snap, net.tree(), max_snap_m=300)


def test_streets_near_one_point_are_accepted(diagonal):
    """One point on the street and one 450 km away: the far one is reported, not refused."""
    net = diagonal
    both = shapely.points([(X0 + 150, Y0 + 200), (X0 + 300, Y0 + 450_400)])
    snap = snap_points(both, net, net.tree(), max_snap_m=300)
    check_streets_near(both, snap, net.tree(), max_snap_m=300)  # no error
    empty = shapely.points(np.empty((0, 2)))
    check_streets_near(empty, snap_points(empty, net, net.tree(), max_snap_m=300), net.tree(), max_snap_m=300)


# ---------------------------------------------------------------------------- OSM on real data


def test_read_osm_streets_missing_file_raises(tmp_path):
    missing = tmp_path / "nowhere.osm"
    with pytest.raises(InputError, match="street file not found") as info:
        read_osm_streets(missing)
    assert str(missing) in str(info.value)


def _raw_highway_ways(path: Path) -> tuple[dict[int, str], set[frozenset]]:
    """Independent ElementTree parse: way id -> highway tag of every way tagged highway, and the
    set of its segments (unordered pairs of (lon, lat) rounded to 7 decimals)."""
    root = ET.parse(path).getroot()
    nodes = {n.get("id"): (round(float(n.get("lon")), 7), round(float(n.get("lat")), 7)) for n in root.iter("node")}
    tags_of, segments = {}, set()
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if "highway" not in tags:
            continue
        tags_of[int(way.get("id"))] = tags["highway"]
        pts = [nodes[nd.get("ref")] for nd in way.iter("nd") if nd.get("ref") in nodes]
        segments |= {frozenset(pair) for pair in itertools.pairwise(pts) if pair[0] != pair[1]}
    return tags_of, segments


def _segments(gdf: gpd.GeoDataFrame) -> set[frozenset]:
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    key = [(round(x, 7), round(y, 7)) for x, y in coords]
    return {
        frozenset((key[i], key[i + 1])) for i in range(len(key) - 1) if idx[i] == idx[i + 1] and key[i] != key[i + 1]
    }


@pytest.fixture(scope="module")
def chengdu_streets():
    return read_osm_streets(real_file(CHENGDU))


@pytest.fixture(scope="module")
def chengdu_raw():
    return _raw_highway_ways(real_file(CHENGDU))


@pytest.mark.slow
@pytest.mark.real
def test_read_osm_streets_chengdu(chengdu_streets, chengdu_raw):
    """The 2018 Chengdu extract: lines in EPSG:4326 with highway, name and osm_id.

    The raw file has 4 motorway and 6 motorway_link ways (counted independently with
    ElementTree); they come through read_osm_streets and are what NOT_WALKABLE removes later.
    """
    gdf = chengdu_streets
    raw_tags, _ = chengdu_raw
    assert len(gdf) > 1000
    assert gdf.crs.to_epsg() == 4326
    assert {"highway", "name", "osm_id"} <= set(gdf.columns)
    assert set(gdf.geom_type) == {"LineString"}
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    x0, y0, x1, y1 = gdf.total_bounds  # node extent given in SOURCES.md
    assert 103.93 < x0 < x1 < 104.28 and 30.51 < y0 < y1 < 30.79

    assert sum(v == "motorway" for v in raw_tags.values()) == 4
    motorway = gdf["highway"].isin(["motorway", "motorway_link"])
    assert motorway.any()
    walkable = gdf.loc[~gdf["highway"].isin(NOT_WALKABLE)]
    assert not walkable["highway"].isin(["motorway", "motorway_link"]).any()
    assert len(walkable) == len(gdf) - motorway.sum()
    # every motorway row really is a motorway way of the raw file
    assert all(raw_tags.get(i) in ("motorway", "motorway_link") for i in gdf.loc[motorway, "osm_id"])


@pytest.mark.slow
@pytest.mark.real
def test_read_osm_streets_returns_only_highway_ways(chengdu_streets, chengdu_raw):
    """Every returned line comes from a way tagged highway, segment by segment.

    The extract has 3,820 ways of which 2,278 carry highway=*; osmnx's graph_from_xml used to
    return the rest too (e.g. way 570751087, a subway line; building and landuse outlines).
    """
    gdf = chengdu_streets
    raw_tags, raw_segments = chengdu_raw
    assert gdf["highway"].notna().all()
    assert not gdf["highway"].astype(str).isin(["nan", "None", ""]).any()
    assert gdf["osm_id"].isin(list(raw_tags)).all()
    extra = _segments(gdf) - raw_segments
    assert not extra, f"{len(extra)} segments are not on any highway way, e.g. {sorted(map(sorted, extra))[:2]}"


@pytest.mark.slow
@pytest.mark.real
def test_read_osm_streets_returns_every_highway_segment(chengdu_streets, chengdu_raw):
    """Every segment of every highway way of the raw file is among the returned lines."""
    _, raw_segments = chengdu_raw
    missing = raw_segments - _segments(chengdu_streets)
    assert not missing, f"{len(missing)} highway segments missing, e.g. {sorted(map(sorted, missing))[:2]}"

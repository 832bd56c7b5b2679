"""Tests for planner.ingest.crs: offset conversions, declared CRSs, WGS84 ingestion, metric CRS."""

from __future__ import annotations

import dataclasses
import logging

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from planner.errors import CRSError
from planner.ingest.crs import (
    CRSOption,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    local_metric_crs,
    parse_crs_option,
    require_metric,
    to_wgs84,
    transform_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# Published WGS84 -> GCJ-02 pairs (lon, lat in degrees).
GCJ02_PAIRS = [
    # googollee/eviltransform, python/test.py (same values in go/transform_test.go):
    # Shanghai, Shenzhen, Beijing, given there as (wgsLat, wgsLng, gcjLat, gcjLng).
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    # wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915).
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]

# Published BD-09 pairs, wandergis/coordtransform, test/app.js (lon, lat in degrees).
GCJ02_TO_BD09_PAIR = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))
# Its bd09togcj02 is the one-step closed form, whose own residual is about 4e-7 degrees,
# so our exact inverse agrees with it to 1e-6 but not to 1e-7.
BD09_TO_GCJ02_PAIR = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))

# Approximate city centres (lon, lat in degrees) of provincial capitals.
CAPITALS = {
    "Beijing": (116.40, 39.90),
    "Shanghai": (121.47, 31.23),
    "Tianjin": (117.20, 39.13),
    "Chongqing": (106.55, 29.56),
    "Harbin": (126.63, 45.75),
    "Changchun": (125.32, 43.82),
    "Shenyang": (123.43, 41.80),
    "Hohhot": (111.75, 40.84),
    "Shijiazhuang": (114.51, 38.04),
    "Taiyuan": (112.55, 37.87),
    "Jinan": (117.12, 36.65),
    "Zhengzhou": (113.62, 34.75),
    "Xi'an": (108.94, 34.34),
    "Lanzhou": (103.83, 36.06),
    "Yinchuan": (106.23, 38.49),
    "Xining": (101.78, 36.62),
    "Urumqi": (87.62, 43.83),
    "Lhasa": (91.11, 29.65),
    "Chengdu": (104.07, 30.67),
    "Kunming": (102.83, 24.88),
    "Guiyang": (106.71, 26.58),
    "Nanning": (108.37, 22.82),
    "Guangzhou": (113.26, 23.13),
    "Haikou": (110.33, 20.03),
    "Fuzhou": (119.30, 26.08),
    "Nanchang": (115.86, 28.68),
    "Changsha": (112.94, 28.23),
    "Wuhan": (114.31, 30.59),
    "Hefei": (117.23, 31.82),
    "Nanjing": (118.80, 32.06),
    "Hangzhou": (120.16, 30.27),
}

OUTSIDE_CHINA = np.array(
    [
        (0.0, 0.0),
        (-74.006, 40.713),  # New York
        (139.69, 35.69),  # Tokyo (east of 137.8347)
        (2.35, 48.86),  # Paris
        (100.0, 60.0),  # north of 55.8271
        (151.21, -33.87),  # Sydney
    ]
)


def china_grid() -> tuple[np.ndarray, np.ndarray]:
    """A 60 x 40 grid of lon/lat (degrees) inside the GCJ-02 rectangle, covering China."""
    lon, lat = np.meshgrid(np.linspace(73.5, 135.0, 60), np.linspace(18.0, 53.5, 40))
    return lon.ravel(), lat.ravel()


def points_gdf(lonlat: np.ndarray, crs: object, geometry_name: str = "geometry"):
    """A GeoDataFrame of points with an id column and a non-default index."""
    gdf = gpd.GeoDataFrame(
        {"fid": np.arange(len(lonlat))},
        geometry=gpd.points_from_xy(lonlat[:, 0], lonlat[:, 1]),
        crs=crs,
        index=[f"p{i}" for i in range(len(lonlat))],
    )
    return gdf.rename_geometry(geometry_name) if geometry_name != "geometry" else gdf


def xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Point coordinates as an (N, 2) array."""
    return shapely.get_coordinates(gdf.geometry.values)


# --------------------------------------------------------------------------------------
# Published test points
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("wgs", "gcj"), GCJ02_PAIRS)
def test_wgs84_to_gcj02_matches_published_points(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    np.testing.assert_allclose([lon, lat], gcj, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("wgs", "gcj"), GCJ02_PAIRS)
def test_gcj02_to_wgs84_matches_published_points(wgs, gcj):
    lon, lat = gcj02_to_wgs84(*gcj)
    np.testing.assert_allclose([lon, lat], wgs, rtol=0, atol=1e-6)


def test_gcj02_to_wgs84_is_better_than_one_step_approximation():
    # The one-step inverse (gcj - offset at gcj) of the Beijing point is off by metres;
    # the iterative inverse must reproduce the published WGS84 point to 1e-8 degrees.
    wgs, gcj = GCJ02_PAIRS[2]
    lon, lat = gcj02_to_wgs84(*gcj)
    assert abs(lon - wgs[0]) < 1e-8
    assert abs(lat - wgs[1]) < 1e-8


def test_gcj02_to_bd09_matches_published_point():
    gcj, bd = GCJ02_TO_BD09_PAIR
    np.testing.assert_allclose(gcj02_to_bd09(*gcj), bd, rtol=0, atol=1e-6)


def test_bd09_to_gcj02_matches_published_point_and_is_exact():
    bd, gcj = BD09_TO_GCJ02_PAIR
    lon, lat = bd09_to_gcj02(*bd)
    np.testing.assert_allclose([lon, lat], gcj, rtol=0, atol=1e-6)
    np.testing.assert_allclose(gcj02_to_bd09(lon, lat), bd, rtol=0, atol=1e-10)


def test_bd09_formula_by_hand():
    # At lon 0.0, lat 0.0 (GCJ-02) the radius term vanishes, sin(0) = 0, and the angle of
    # the origin is 0, so BD-09 is just the constant shifts.
    np.testing.assert_allclose(gcj02_to_bd09(0.0, 0.0), (0.0065, 0.006), atol=1e-15)
    # At lon 1, lat 0: z = 1, theta = 3e-6 * cos(x_pi) with x_pi = pi * 3000 / 180.
    theta = 0.000003 * np.cos(np.pi * 3000.0 / 180.0)
    expected = (np.cos(theta) + 0.0065, np.sin(theta) + 0.006)
    np.testing.assert_allclose(gcj02_to_bd09(1.0, 0.0), expected, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------------------
# Round trips, identity outside China, offset size
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forward", "inverse"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
        (wgs84_to_bd09, bd09_to_wgs84),
    ],
)
def test_round_trips_over_china_within_1e7_degrees(forward, inverse):
    lon, lat = china_grid()
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert back_lon.shape == lon.shape
    assert np.max(np.abs(back_lon - lon)) < 1e-7
    assert np.max(np.abs(back_lat - lat)) < 1e-7
    # and the other way: the inverse is exact, not only a left inverse
    fwd_lon, fwd_lat = forward(*inverse(lon, lat))
    assert np.max(np.abs(fwd_lon - lon)) < 1e-7
    assert np.max(np.abs(fwd_lat - lat)) < 1e-7


@pytest.mark.parametrize("func", [wgs84_to_gcj02, gcj02_to_wgs84])
def test_gcj02_is_identity_outside_china(func):
    lon, lat = func(OUTSIDE_CHINA[:, 0], OUTSIDE_CHINA[:, 1])
    np.testing.assert_array_equal(lon, OUTSIDE_CHINA[:, 0])
    np.testing.assert_array_equal(lat, OUTSIDE_CHINA[:, 1])


def test_gcj02_offset_is_not_identity_inside_china():
    lon, lat = china_grid()
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert np.all((g_lon != lon) | (g_lat != lat))


def test_offset_magnitude_at_provincial_capitals_is_100_to_700_m():
    lonlat = np.array(list(CAPITALS.values()))
    g_lon, g_lat = wgs84_to_gcj02(lonlat[:, 0], lonlat[:, 1])
    dist_m = pyproj.Geod(ellps="WGS84").inv(lonlat[:, 0], lonlat[:, 1], g_lon, g_lat)[2]
    assert np.all(dist_m > 100.0), dict(zip(CAPITALS, dist_m.round(), strict=True))
    assert np.all(dist_m < 700.0), dict(zip(CAPITALS, dist_m.round(), strict=True))


def test_offset_magnitude_over_china_grid_is_bounded():
    # Over the whole grid a few spots dip below 100 m, but none exceeds ~700 m and
    # the typical offset is several hundred metres.
    lon, lat = china_grid()
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    dist_m = pyproj.Geod(ellps="WGS84").inv(lon, lat, g_lon, g_lat)[2]
    assert dist_m.max() < 720.0
    assert 300.0 < np.median(dist_m) < 600.0


def test_conversions_broadcast_and_keep_nan():
    lon, lat = wgs84_to_gcj02(np.array([[116.4, np.nan]]), 39.9)
    assert lon.shape == lat.shape == (1, 2)
    assert np.isnan(lon[0, 1])
    assert np.isfinite(gcj02_to_wgs84(lon, lat)[0][0, 0])


# --------------------------------------------------------------------------------------
# transform_geometries
# --------------------------------------------------------------------------------------


def test_transform_geometries_keeps_types_rings_and_none():
    shell = [(116.30, 39.80), (116.50, 39.80), (116.50, 40.00), (116.30, 40.00)]
    hole = [(116.35, 39.85), (116.45, 39.85), (116.45, 39.95), (116.35, 39.95)]
    poly = Polygon(shell, [hole])
    geoms = np.array(
        [
            Point(116.4, 39.9),
            LineString([(104.0, 30.6), (104.1, 30.7), (104.2, 30.6)]),
            poly,
            MultiPolygon([poly, Polygon([(121.4, 31.2), (121.5, 31.2), (121.5, 31.3)])]),
            None,
            Point(121.47, 31.23, 12.5),
        ],
        dtype=object,
    )
    out = transform_geometries(geoms, wgs84_to_gcj02)

    assert out[4] is None
    np.testing.assert_array_equal(shapely.get_type_id(out), shapely.get_type_id(geoms))
    np.testing.assert_array_equal(shapely.get_num_coordinates(out), shapely.get_num_coordinates(geoms))
    assert shapely.get_num_interior_rings(out[2]) == 1
    assert shapely.get_num_geometries(out[3]) == 2
    assert out[5].has_z and out[5].z == 12.5
    before = shapely.get_coordinates(geoms)
    expected = np.column_stack(wgs84_to_gcj02(before[:, 0], before[:, 1]))
    np.testing.assert_allclose(shapely.get_coordinates(out), expected, rtol=0, atol=1e-12)
    # the input is untouched
    assert shapely.get_coordinates(geoms[0]).tolist() == [[116.4, 39.9]]


# --------------------------------------------------------------------------------------
# parse_crs_option
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "epsg", "offset"),
    [
        ("wgs84", 4326, None),
        ("WGS84", 4326, None),
        ("WGS-84", 4326, None),
        ("cgcs2000", 4490, None),
        (" CGCS2000 ", 4490, None),
        ("gcj02", 4326, "gcj02"),
        ("GCJ-02", 4326, "gcj02"),
        ("amap", 4326, "gcj02"),
        ("Gaode", 4326, "gcj02"),
        ("bd09", 4326, "bd09"),
        ("BD-09", 4326, "bd09"),
        ("baidu", 4326, "bd09"),
        ("EPSG:4545", 4545, None),
        ("epsg:4490", 4490, None),
        ("4545", 4545, None),
        (pyproj.CRS.from_epsg(4526).to_wkt(), 4526, None),
    ],
)
def test_parse_crs_option_accepted_spellings(text, epsg, offset):
    option = parse_crs_option(text)
    assert isinstance(option, CRSOption)
    assert option.crs.to_epsg() == epsg
    assert option.offset == offset
    if offset is not None:
        assert option.crs.is_geographic


def test_parse_crs_option_proj_string():
    option = parse_crs_option("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs")
    assert option is not None
    assert option.crs.is_projected
    assert option.offset is None


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_crs_option_nothing_declared(text):
    assert parse_crs_option(text) is None


@pytest.mark.parametrize("text", ["mars", "EPSG:99999999", "gcj03"])
def test_parse_crs_option_bad_value(text):
    with pytest.raises(CRSError, match="Accepted: wgs84, cgcs2000, gcj02") as info:
        parse_crs_option(text)
    assert "bd09" in str(info.value)
    assert "EPSG" in str(info.value)


def test_crs_option_is_frozen():
    option = parse_crs_option("gcj02")
    with pytest.raises(dataclasses.FrozenInstanceError):
        option.offset = None  # type: ignore[misc]


# --------------------------------------------------------------------------------------
# to_wgs84
# --------------------------------------------------------------------------------------

CITY_LONLAT = np.array([CAPITALS[c] for c in ("Beijing", "Chengdu", "Xi'an", "Nanning")])


def _converted_unchanged(gdf: gpd.GeoDataFrame, **kwargs) -> gpd.GeoDataFrame:
    """Run to_wgs84 and assert that the input GeoDataFrame is unchanged."""
    before = gdf.copy(deep=True)
    out = to_wgs84(gdf, **kwargs)
    assert_geodataframe_equal(gdf, before, check_crs=True)
    assert out is not gdf
    assert out.crs == pyproj.CRS.from_epsg(4326)
    assert list(out.columns) == list(gdf.columns)
    assert out.index.equals(gdf.index)
    return out


@pytest.mark.parametrize("declared", [None, "wgs84", "gcj02"])
def test_to_wgs84_wgs84_layer(declared):
    gdf = points_gdf(CITY_LONLAT, "EPSG:4326")
    out = _converted_unchanged(gdf, declared=parse_crs_option(declared) if declared else None)
    if declared == "gcj02":
        # an offset declared on a geographic layer converts it
        expected = np.column_stack(gcj02_to_wgs84(CITY_LONLAT[:, 0], CITY_LONLAT[:, 1]))
    else:
        expected = CITY_LONLAT
    np.testing.assert_allclose(xy(out), expected, rtol=0, atol=1e-12)


def test_to_wgs84_cgcs2000_layer():
    gdf = points_gdf(CITY_LONLAT, "EPSG:4490")
    out = _converted_unchanged(gdf, declared=None)
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)


@pytest.mark.parametrize("epsg", [4545, 4524])  # GK CM 108E without / with zone number 36
def test_to_wgs84_gauss_kruger_layer(epsg):
    to_gk = pyproj.Transformer.from_crs(4490, epsg, always_xy=True)
    easting, northing = to_gk.transform(CITY_LONLAT[:, 0], CITY_LONLAT[:, 1])
    assert np.all(northing > 2_000_000)  # really metres
    gdf = points_gdf(np.column_stack([easting, northing]), f"EPSG:{epsg}")
    out = _converted_unchanged(gdf, declared=None)
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)


def test_to_wgs84_declared_gk_fills_missing_crs():
    easting, northing = pyproj.Transformer.from_crs(4490, 4545, always_xy=True).transform(
        CITY_LONLAT[:, 0], CITY_LONLAT[:, 1]
    )
    gdf = points_gdf(np.column_stack([easting, northing]), None)
    out = _converted_unchanged(gdf, declared=parse_crs_option("EPSG:4545"))
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)


def test_to_wgs84_layer_crs_wins_over_declared(caplog):
    easting, northing = pyproj.Transformer.from_crs(4490, 4545, always_xy=True).transform(
        CITY_LONLAT[:, 0], CITY_LONLAT[:, 1]
    )
    gdf = points_gdf(np.column_stack([easting, northing]), "EPSG:4545")
    with caplog.at_level(logging.WARNING, logger="planner.ingest.crs"):
        out = _converted_unchanged(gdf, declared=parse_crs_option("wgs84"), layer="shops")
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)
    assert "EPSG:4545" in caplog.text and "shops" in caplog.text


def test_to_wgs84_gcj02_declared_layer_published_points():
    wgs = np.array([pair[0] for pair in GCJ02_PAIRS])
    gcj = np.array([pair[1] for pair in GCJ02_PAIRS])
    gdf = points_gdf(gcj, None, geometry_name="geom")
    out = _converted_unchanged(gdf, declared=parse_crs_option("amap"))
    assert out.geometry.name == "geom"
    np.testing.assert_array_equal(out["fid"], gdf["fid"])
    np.testing.assert_allclose(xy(out), wgs, rtol=0, atol=1e-6)


def test_to_wgs84_bd09_declared_layer():
    bd_lon, bd_lat = wgs84_to_bd09(CITY_LONLAT[:, 0], CITY_LONLAT[:, 1])
    gdf = points_gdf(np.column_stack([bd_lon, bd_lat]), "EPSG:4326")
    out = _converted_unchanged(gdf, declared=parse_crs_option("baidu"))
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)


def test_to_wgs84_bd09_polygons_keep_shape():
    ring = [(104.0, 30.6), (104.1, 30.6), (104.1, 30.7), (104.0, 30.7)]
    gdf = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[Polygon(ring), None], crs="EPSG:4326")
    out = _converted_unchanged(gdf, declared=parse_crs_option("bd09"))
    assert out.geometry.iloc[0].geom_type == "Polygon"
    assert out.geometry.iloc[1] is None


def test_to_wgs84_no_crs_nothing_declared():
    gdf = points_gdf(CITY_LONLAT, None)
    with pytest.raises(CRSError, match="input-crs") as info:
        to_wgs84(gdf, declared=None, file="shops.csv", layer="shops")
    message = str(info.value)
    assert "shops.csv" in message and "'shops'" in message
    assert "gcj02" in message and "EPSG" in message


@pytest.mark.parametrize(("stored", "declared"), [(None, "wgs84"), (None, "gcj02"), (4326, None)])
def test_to_wgs84_metres_read_as_degrees(stored, declared):
    metres = np.array([(404_000.0, 3_394_000.0), (116.4, 39.9), (500_000.0, 4_420_000.0)])
    gdf = points_gdf(metres, stored)
    option = parse_crs_option(declared) if declared else None
    with pytest.raises(CRSError, match="metres read as degrees") as info:
        to_wgs84(gdf, declared=option, file="blocks.shp", layer="blocks")
    message = str(info.value)
    assert "blocks.shp" in message and "'blocks'" in message
    assert "2 feature(s)" in message
    assert "p0, p2" in message


def test_to_wgs84_impossible_projected_coordinates():
    # pyproj returns inf for eastings far outside the Gauss-Krüger zone
    gdf = points_gdf(np.array([(404_000.0, 3_394_000.0), (5e7, 3e6)]), "EPSG:4545")
    with pytest.raises(CRSError, match="probably wrong") as info:
        to_wgs84(gdf, declared=None, layer="roads")
    assert "1 feature(s)" in str(info.value) and "p1" in str(info.value)


def test_to_wgs84_offset_declared_for_projected_layer():
    gdf = points_gdf(np.array([(404_000.0, 3_394_000.0)]), "EPSG:4545")
    with pytest.raises(CRSError, match="projected CRS EPSG:4545"):
        to_wgs84(gdf, declared=parse_crs_option("gcj02"), file="x.gpkg", layer="x")


# --------------------------------------------------------------------------------------
# local_metric_crs and require_metric
# --------------------------------------------------------------------------------------


def test_local_metric_crs_chengdu_is_utm_48n():
    gdf = points_gdf(np.array([CAPITALS["Chengdu"]]), "EPSG:4326")
    crs = local_metric_crs(gdf)
    assert crs.to_epsg() == 32648
    require_metric(gdf.to_crs(crs), "communities")


def test_local_metric_crs_beijing_is_utm_50n():
    gdf = points_gdf(np.array([CAPITALS["Beijing"]]), "EPSG:4326")
    assert local_metric_crs(gdf).to_epsg() == 32650


@pytest.mark.parametrize("geoms", [[], [None], [Point()]], ids=["no rows", "missing", "empty geometry"])
def test_local_metric_crs_empty_layer(geoms):
    gdf = gpd.GeoDataFrame({"fid": range(len(geoms))}, geometry=geoms, crs="EPSG:4326")
    with pytest.raises(CRSError, match="empty") as info:
        local_metric_crs(gdf, layer="facilities")
    assert "'facilities'" in str(info.value)


def test_local_metric_crs_without_crs():
    with pytest.raises(CRSError, match="without a CRS"):
        local_metric_crs(points_gdf(CITY_LONLAT, None))


@pytest.mark.parametrize(
    ("crs", "match"),
    [
        (None, "has no CRS"),
        ("EPSG:4326", "degrees"),
        ("EPSG:4490", "degrees"),
        ("EPSG:2227", "not metres"),
    ],
)
def test_require_metric_errors(crs, match):
    gdf = points_gdf(np.array([(1.0, 2.0)]), crs)
    with pytest.raises(CRSError, match=match) as info:
        require_metric(gdf, "buildings")
    assert "'buildings'" in str(info.value)


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:4545", "EPSG:4524"])
def test_require_metric_accepts_metric_crs(crs):
    assert require_metric(points_gdf(np.array([(1.0, 2.0)]), crs), "buildings") is None


# --------------------------------------------------------------------------------------
# Per-layer declarations and the bare default (issue 14, point 1)
# --------------------------------------------------------------------------------------

LAYER_NAMES = ("communities", "facilities", "cells", "streets", "buildings", "candidates")


def test_parse_input_crs_default_and_per_layer():
    from planner.ingest.layer_crs import parse_input_crs

    spec = parse_input_crs(["wgs84", "facilities=gcj02", "Cells = EPSG:4545"], LAYER_NAMES)
    assert spec.default is not None and spec.default.crs.to_epsg() == 4326 and spec.default.offset is None
    assert spec.for_layer("facilities") == parse_crs_option("gcj02")
    assert spec.for_layer("cells").crs.to_epsg() == 4545
    assert spec.for_layer("communities") is None
    # a PROJ string holds '=' but names no layer
    proj = parse_input_crs("+proj=longlat +datum=WGS84 +no_defs", LAYER_NAMES)
    assert proj.default is not None and proj.default.crs.is_geographic and proj.layers == ()
    assert parse_input_crs(None, LAYER_NAMES) == parse_input_crs([], LAYER_NAMES)
    assert parse_input_crs("bd09", LAYER_NAMES).default.offset == "bd09"


@pytest.mark.parametrize(
    ("values", "match"),
    [
        (["gcj02", "bd09"], "given twice without a layer"),
        (["streets=wgs84", "streets=gcj02"], "streets=... is given twice"),
        ("shops=gcj02", "unknown layer 'shops'"),
        ("facilities=nonsense", "unknown input CRS"),
    ],
)
def test_parse_input_crs_errors(values, match):
    from planner.ingest.layer_crs import parse_input_crs

    with pytest.raises(CRSError, match=match):
        parse_input_crs(values, LAYER_NAMES)


def test_to_wgs84_default_offset_leaves_a_layer_with_its_own_crs_alone(caplog):
    """The bare --input-crs gcj02 must not move a layer tagged EPSG:4326 (it did, by ~450 m)."""
    gdf = points_gdf(CITY_LONLAT, "EPSG:4326")
    with caplog.at_level(logging.WARNING, logger="planner.ingest.crs"):
        out = _converted_unchanged(
            gdf, declared=None, default=parse_crs_option("gcj02"), layer="社区", kind="communities"
        )
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=0)
    assert "--input-crs communities=gcj02" in caplog.text and "社区" in caplog.text


@pytest.mark.parametrize("offset", ["gcj02", "bd09"])
def test_to_wgs84_default_offset_converts_a_layer_without_crs(offset):
    forward = wgs84_to_gcj02 if offset == "gcj02" else wgs84_to_bd09
    gdf = points_gdf(np.column_stack(forward(CITY_LONLAT[:, 0], CITY_LONLAT[:, 1])), None)
    out = _converted_unchanged(gdf, declared=None, default=parse_crs_option(offset))
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)


def test_to_wgs84_stated_option_wins_over_default_for_a_layer_without_crs():
    gcj = np.column_stack(wgs84_to_gcj02(CITY_LONLAT[:, 0], CITY_LONLAT[:, 1]))
    gdf = points_gdf(gcj, None)
    out = _converted_unchanged(gdf, declared=parse_crs_option("gcj02"), default=parse_crs_option("wgs84"))
    np.testing.assert_allclose(xy(out), CITY_LONLAT, rtol=0, atol=1e-7)
    kept = _converted_unchanged(gdf, declared=parse_crs_option("wgs84"), default=parse_crs_option("gcj02"))
    np.testing.assert_allclose(xy(kept), gcj, rtol=0, atol=0)


def test_to_wgs84_stated_offset_for_projected_layer_names_the_layer_option():
    gdf = points_gdf(np.array([(404_000.0, 3_394_000.0)]), "EPSG:4545")
    with pytest.raises(CRSError, match="drop --input-crs facilities=gcj02"):
        to_wgs84(gdf, declared=parse_crs_option("gcj02"), file="x.gpkg", layer="设施", kind="facilities")
    # the bare value never reaches a projected layer that states its CRS
    out = to_wgs84(gdf, declared=None, default=parse_crs_option("gcj02"), layer="设施", kind="facilities")
    assert out.crs.to_epsg() == 4326


def test_no_crs_message_offers_the_per_layer_option():
    with pytest.raises(CRSError) as info:
        to_wgs84(points_gdf(CITY_LONLAT, None), declared=None, file="设施.csv", layer="设施", kind="facilities")
    assert "--input-crs facilities=gcj02 for this layer only" in str(info.value)


def test_per_layer_messages_name_the_app_controls():
    from planner.i18n import app_message, t

    text = (
        "Pass --input-crs to say what it is (e.g. wgs84), or --input-crs facilities=gcj02 for this layer only; "
        "drop --input-crs facilities=gcj02 (or the bare --input-crs gcj02)"
    )
    for lang in ("en", "zh"):
        shown = app_message(text, lang)
        assert "--" not in shown, shown
        assert t("layer_crs", lang) in shown and t("input_crs", lang) in shown and "facilities" in shown


def test_to_wgs84_swapped_axes_are_named_not_blamed_on_the_crs():
    """A layer written as (lat, lon): the message suggests the swap (issue 14, point 10)."""
    gdf = points_gdf(CITY_LONLAT[:, ::-1], "EPSG:4326")
    with pytest.raises(CRSError, match="look swapped") as info:
        to_wgs84(gdf, declared=None, file="shops.geojson", layer="shops")
    message = str(info.value)
    assert "probably wrong" not in message and "shops.geojson" in message and "p0, p1" in message


def _osm_pois(path) -> np.ndarray:
    """Lon/lat of the amenity and shop nodes of an OSM XML file: real points along real streets."""
    import xml.etree.ElementTree as ET

    points = []
    for _, element in ET.iterparse(path):
        if element.tag == "node" and any(t.get("k") in ("amenity", "shop") for t in element.iter("tag")):
            points.append((float(element.get("lon")), float(element.get("lat"))))
        if element.tag in ("way", "relation"):
            element.clear()
    return np.array(points)


@pytest.fixture(scope="module")
def chengdu_real():
    """Chengdu's OSM amenity points (lon/lat) and its OSM streets in UTM, read once."""
    from conftest import CHENGDU, real_file

    from planner.reach.network import read_osm_streets

    path = real_file(CHENGDU)
    streets = read_osm_streets(path)
    return _osm_pois(path), streets.to_crs(streets.estimate_utm_crs())


@pytest.mark.parametrize(("forward", "offset"), [(None, None), (wgs84_to_gcj02, "gcj02"), (wgs84_to_bd09, "bd09")])
def test_offset_check_on_real_chengdu_points_and_streets(chengdu_real, forward, offset):
    """Chengdu's OSM amenities against its OSM streets: as read, offset to GCJ-02, offset to BD-09."""
    from planner.ingest.layer_crs import suspect_offsets

    lonlat, streets = chengdu_real
    assert len(lonlat) > 400
    if forward is not None:
        lonlat = np.column_stack(forward(lonlat[:, 0], lonlat[:, 1]))
    layer = {"facilities": points_gdf(lonlat, "EPSG:4326")}
    found = suspect_offsets(layer, streets, converted={}, streets_from_osm=True)
    assert [(f.layer, f.offset, f.culprit) for f in found] == (
        [] if offset is None else [("facilities", offset, "layer")]
    )

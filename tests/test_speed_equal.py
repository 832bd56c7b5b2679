"""The faster reading, reprojection, snapping and writing of issue 9 give the same results.

Each test recomputes a result the way the code did before (feature-by-feature GeoPackage
writer, every layer through ``to_wgs84`` then ``to_crs``, GEOS's bounded nearest search) and
compares it with what planner now produces.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import planner
from planner.ingest import crs as crs_mod
from planner.ingest.study import load_study, sample_path
from planner.outputs import for_file, write_gpkg, write_results
from planner.reach.network import build_network, snap_points

UTM48N = "EPSG:32648"


@pytest.fixture(scope="module")
def sample_result() -> planner.Analysis:
    return planner.analyze(generated=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def _read_back(path) -> tuple[list[str], pd.DataFrame]:
    return list(pyogrio.read_info(path)["dtypes"]), pyogrio.read_dataframe(path)


def test_results_geopackages_as_the_feature_writer_stored_them(sample_result, tmp_path):
    written = write_results(sample_result, tmp_path / "new")
    frames = {"cells": sample_result.cells, "communities": sample_result.communities}
    frames["facilities"] = sample_result.facilities
    for layer, frame in frames.items():
        old = tmp_path / f"old-{layer}.gpkg"
        for_file(frame).to_file(old, layer=layer, driver="GPKG", engine="pyogrio")
        old_types, old_frame = _read_back(old)
        new_types, new_frame = _read_back(written[f"{layer}.gpkg"])
        assert new_types == old_types, layer
        pd.testing.assert_frame_equal(new_frame.drop(columns="geometry"), old_frame.drop(columns="geometry"))
        assert new_frame.geometry.geom_equals_exact(old_frame.geometry, tolerance=0).all()


def test_results_keep_the_order_of_the_files(sample_result, tmp_path):
    written = write_results(sample_result, tmp_path)
    assert list(written) == [
        "cells.gpkg",
        "communities.gpkg",
        "communities.csv",
        "facilities.gpkg",
        "facilities.csv",
        "compliance.csv",
        "validation.csv",
        "sub_districts.csv",
        "summary.json",
    ]


def test_a_column_arrow_cannot_type_is_written_feature_by_feature(tmp_path):
    frame = gpd.GeoDataFrame(
        {"mixed": np.array([1, "two", None, 3.5], dtype=object), "flag": np.array([True, None, False, True], object)},
        geometry=shapely.points(np.arange(8.0).reshape(4, 2)),
        crs=UTM48N,
    )
    write_gpkg(frame, tmp_path / "m.gpkg", "m")
    back = pyogrio.read_dataframe(tmp_path / "m.gpkg")
    assert back["mixed"].tolist()[:2] == ["1", "two"] and back["mixed"].isna().tolist() == [False, False, True, False]
    assert back["flag"].tolist()[0] == "True" and back["flag"].isna().tolist() == [False, True, False, False]


@pytest.fixture(scope="module")
def metric_study_file(tmp_path_factory):
    """The sample's layers in UTM 48N, with generated cells, as a GeoPackage."""
    src = sample_path()
    path = tmp_path_factory.mktemp("metric") / "metric.gpkg"
    study = load_study(src)
    cells = planner.reach.cells.make_cells(study.communities, size_m=100.0)
    layers = {name: pyogrio.read_dataframe(src, layer=name).to_crs(UTM48N) for name in ("communities", "facilities")}
    layers["streets"] = pyogrio.read_dataframe(src, layer="streets").to_crs(UTM48N)
    layers["streets"]["street_id"] = [f"s{i}" for i in range(len(layers["streets"]))]
    layers["cells"] = cells[["cell_id", "population", "geometry"]].to_crs(UTM48N)
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())
    return path


def test_a_metric_layer_is_reprojected_as_through_wgs84(metric_study_file):
    study = load_study(metric_study_file)
    for name, got in (("streets", study.streets), ("cells", study.cells)):
        raw = pyogrio.read_dataframe(metric_study_file, layer=name)
        expected = crs_mod.to_wgs84(raw, declared=None).to_crs(study.crs)
        assert got is not None and got.crs == study.crs
        kept = got[name[:-1] + "_id"].to_numpy()
        want = expected.set_index(raw[name[:-1] + "_id"].to_numpy()).loc[kept]
        got_xy, want_xy = shapely.get_coordinates(got.geometry.values), shapely.get_coordinates(want.geometry.values)
        assert np.array_equal(got_xy, want_xy)


def test_a_metric_layer_out_of_range_still_raises(metric_study_file, tmp_path):
    path = tmp_path / "bad.gpkg"
    for name in ("communities", "facilities", "cells"):
        frame = pyogrio.read_dataframe(metric_study_file, layer=name)
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=path.exists())
    streets = pyogrio.read_dataframe(metric_study_file, layer="streets")
    streets.loc[3, "geometry"] = shapely.LineString([(1e12, 1e12), (1e12 + 5, 1e12)])
    pyogrio.write_dataframe(streets, path, layer="streets", driver="GPKG", append=True)
    with pytest.raises(planner.CRSError, match="outside longitude"):
        load_study(path)


def test_snapping_picks_the_segments_of_the_bounded_search():
    study = load_study()
    net = build_network(study.streets)
    tree = net.tree()
    cells = planner.reach.cells.make_cells(study.communities, size_m=50.0)
    points = np.concatenate([shapely.centroid(cells.geometry.values), study.facilities.geometry.values])
    for max_snap in (30.0, 300.0):
        snap = snap_points(points, net, tree, max_snap_m=max_snap)
        idx, seg = tree.query_nearest(points, max_distance=max_snap, all_matches=False)
        expected = np.full(len(points), -1)
        expected[idx] = seg
        assert np.array_equal(snap.segment, expected)

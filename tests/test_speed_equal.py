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


def test_analyze_command_runs_without_full_gc_passes_and_restores_the_collector(monkeypatch, tmp_path):
    """``planner analyze`` turns the cyclic collector off while it works (1.3 s of a city's 9 s), then back on."""
    import gc

    from planner.cli import main

    seen: list[bool] = []
    real = planner.write_results

    def spy(result, out):
        seen.append(gc.isenabled())
        return real(result, out)

    monkeypatch.setattr(planner, "write_results", spy)
    assert gc.isenabled()
    assert main(["analyze", "--out", str(tmp_path), "--quiet"]) == 0
    assert seen == [False] and gc.isenabled() and gc.get_freeze_count() == 0


def test_offset_check_skips_the_controls_of_a_hypothesis_no_better_than_as_read(monkeypatch):
    """The three turned controls only decide for a hypothesis that beats the layer as read."""
    from planner.ingest import layer_crs

    study = load_study()
    facilities = study.facilities.to_crs(4326)
    calls: list[int] = []
    real = layer_crs._score

    def counting(xy, tree):
        calls.append(len(xy))
        return real(xy, tree)

    monkeypatch.setattr(layer_crs, "_score", counting)
    found = layer_crs.suspect_offsets({"facilities": facilities}, study.streets, converted={}, streets_from_osm=True)
    assert found == []
    assert len(calls) == 1 + 2  # as read, then the GCJ-02 and BD-09 corrections: no controls
    calls.clear()
    moved = facilities.set_geometry(
        shapely.points(np.column_stack(crs_mod.wgs84_to_gcj02(*shapely.get_coordinates(facilities.geometry.values).T))),
        crs=4326,
    )
    found = layer_crs.suspect_offsets({"facilities": moved}, study.streets, converted={}, streets_from_osm=True)
    assert [(f.layer, f.offset, f.culprit) for f in found] == [("facilities", "gcj02", "layer")]
    assert len(calls) == 1 + 2 + 3  # the GCJ-02 correction beats as read: its three controls


def test_importing_planner_loads_no_straight_line_or_app_modules():
    """``planner analyze`` starts without scipy.spatial (straight-line mode only) and the app's modules."""
    import subprocess
    import sys

    code = "import sys, planner, planner.cli, planner.outputs; print(' '.join(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(proc.stdout.split())
    heavy = {"scipy.spatial", "numba", "streamlit", "folium", "matplotlib", "weasyprint", "osmnx", "networkx"}
    assert loaded & heavy == set()


def test_network_of_plain_lines_copies_no_geometry_and_equals_the_one_from_parts(monkeypatch):
    """``build_network`` splits multi-part lines only when there are some (get_parts copies every line)."""
    study = load_study()
    streets = study.streets
    assert streets is not None and (shapely.get_type_id(streets.geometry.values) == 1).all()
    mixed = streets.copy()
    mixed.loc[0, "geometry"] = shapely.multilinestrings([mixed.geometry.iloc[0]])  # one part: the same lines
    with_multi = build_network(mixed)
    calls: list[int] = []
    real = shapely.get_parts
    monkeypatch.setattr(shapely, "get_parts", lambda g, *a, **k: calls.append(len(g)) or real(g, *a, **k))
    plain = build_network(streets)
    assert calls == []
    for net in (with_multi,):
        assert np.array_equal(net.xy, plain.xy) and np.array_equal(net.seg_len, plain.seg_len)
        assert np.array_equal(net.seg_u, plain.seg_u) and np.array_equal(net.seg_v, plain.seg_v)


def test_a_metric_layer_is_converted_in_place_not_held_twice(metric_study_file):
    from planner.ingest.study import _via_wgs84

    raw = pyogrio.read_dataframe(metric_study_file, layer="streets")
    before = np.asarray(raw.geometry.values, dtype=object)
    study_crs = load_study(metric_study_file).crs
    got = _via_wgs84(raw, study_crs, None, None, (str(metric_study_file), "streets"), "streets")
    after = np.asarray(got.geometry.values, dtype=object)
    assert all(a is b for a, b in zip(after, before, strict=True))  # the read array's geometries replaced

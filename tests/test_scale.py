"""Partitioned analysis on a real Dask LocalCluster equals the unpartitioned run (issue 13).

One cluster of two worker processes (one thread each) serves the whole module.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import pickle
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import planner
from planner import naming
from planner.cli import main
from planner.ingest.study import load_study, sample_path
from planner.reach.engine import make_engine
from planner.scale import PieceFailed, RunInfo, analyze_partitioned, partition

distributed = pytest.importorskip("distributed")

STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CRS = "EPSG:32648"
X0, Y0 = 401_000.0, 3_395_000.0


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, memory_limit="1GiB", dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def sample():
    study = load_study()
    return study, planner.analyze(study, generated=STAMP)


def synthetic_city(folder: Path, seed: int = 7) -> Path:
    """A seeded city: 8 × 3 blocks of 400 m, jittered 100 m street grid, an island street loop.

    Two districts (west, east), four sub-districts; one junior school only (distances far
    beyond the first halo), no primary school (NaN everywhere), a facility beyond the
    snapping distance, and cells on the island loop that reach nothing (NaN after the
    whole-study pass).
    """
    rng = np.random.default_rng(seed)
    nx, ny, block = 8, 3, 400.0
    comm = []
    for j in range(ny):
        for i in range(nx):
            hh = int(rng.integers(2500, 4000))
            comm.append(
                {
                    "community_id": f"K{j}{i}",
                    "name": f"社区{j}{i}",
                    "district": "west" if i < nx // 2 else "east",
                    "sub_district": f"S{i // 2}",
                    "households": hh,
                    "population": round(hh * 2.7),
                    "staff": int(rng.integers(8, 20)),
                    "grid_count": int(rng.integers(5, 10)),
                    "geometry": shapely.box(X0 + i * block, Y0 + j * block, X0 + (i + 1) * block, Y0 + (j + 1) * block),
                }
            )
    comm_gdf = gpd.GeoDataFrame(comm, crs=CRS)
    xs, ys = np.arange(0, nx * block + 1, 100.0), np.arange(0, ny * block + 1, 100.0)
    jx = rng.uniform(-12, 12, (len(xs), len(ys)))
    jy = rng.uniform(-12, 12, (len(xs), len(ys)))
    node = {(a, b): (X0 + xs[a] + jx[a, b], Y0 + ys[b] + jy[a, b]) for a in range(len(xs)) for b in range(len(ys))}
    lines = [shapely.LineString([node[a, b] for b in range(len(ys))]) for a in range(len(xs)) if a != len(xs) - 2]
    lines += [shapely.LineString([node[a, b] for a in range(len(xs) - 2)]) for b in range(len(ys))]
    # an island: a closed loop in the east, joined to nothing
    ix, iy = X0 + nx * block - 60, Y0 + 150
    lines.append(shapely.LineString([(ix, iy), (ix + 40, iy), (ix + 40, iy + 40), (ix, iy + 40), (ix, iy)]))
    streets = gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=CRS)
    kinds = ["党群服务中心", "老年人日间照料中心", "社区卫生服务站", "幼儿园", "文化活动站"]
    fac = []
    for k in range(40):
        x, y = rng.uniform(0, nx * block - 200), rng.uniform(0, ny * block)
        fac.append(
            {
                "facility_id": f"F{k}",
                "name": f"设施{k}",
                "type": kinds[k % len(kinds)],
                "floor_area_m2": float(rng.uniform(200, 3000)),
                "geometry": shapely.Point(X0 + x, Y0 + y),
            }
        )
    fac.append(
        {
            "facility_id": "J1",
            "name": "初中",
            "type": "初中",
            "floor_area_m2": 15000.0,
            "geometry": shapely.Point(X0 + 20, Y0 + 30),
        }
    )
    fac.append(
        {
            "facility_id": "FAR",
            "name": "远处",
            "type": "幼儿园",
            "floor_area_m2": 2500.0,
            "geometry": shapely.Point(X0 + 1500, Y0 - 400),
        }
    )
    out = folder / "city.gpkg"
    comm_gdf.to_file(out, layer="communities", engine="pyogrio")
    gpd.GeoDataFrame(fac, crs=CRS).to_file(out, layer="facilities", engine="pyogrio")
    streets.to_file(out, layer="streets", engine="pyogrio")
    return out


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    path = synthetic_city(tmp_path_factory.mktemp("city"))
    study = load_study(path)
    comm = study.communities
    rng = np.random.default_rng(3)  # a scattered partition: pieces that are not contiguous
    study = study.__class__(**{**study.__dict__, "communities": comm.assign(scatter=rng.integers(0, 3, len(comm)))})
    return path, study, planner.analyze(study, generated=STAMP)


def _same_json(a: object, b: object, where: str = "summary") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            _same_json(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_json(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-9), where
    else:
        assert a == b, where


def assert_same(whole: planner.Analysis, part: planner.Analysis) -> None:
    """Every output table of the partitioned run equals the whole run's."""
    a, b = whole.cells, part.cells
    assert list(b["cell_id"]) == list(a["cell_id"])  # every cell once, in the same order
    assert list(b.columns) == list(a.columns)
    for key in whole.study.rulebook.types:
        x, y = a[naming.dist(key)].to_numpy(float), b[naming.dist(key)].to_numpy(float)
        np.testing.assert_array_equal(np.isnan(x), np.isnan(y), err_msg=key)
        np.testing.assert_allclose(y[~np.isnan(y)], x[~np.isnan(x)], rtol=0, atol=1e-6, err_msg=key)
        pd.testing.assert_series_equal(a[naming.covered(key)], b[naming.covered(key)])
        pd.testing.assert_series_equal(a[naming.nearest(key)], b[naming.nearest(key)])
    assert a.geometry.equals(b.geometry)
    pd.testing.assert_frame_equal(whole.communities, part.communities)
    pd.testing.assert_frame_equal(whole.facilities, part.facilities)
    pd.testing.assert_frame_equal(whole.checks, part.checks)
    pd.testing.assert_frame_equal(whole.validation, part.validation)
    if whole.sub_districts is None:
        assert part.sub_districts is None
    else:
        pd.testing.assert_frame_equal(whole.sub_districts, part.sub_districts)
    _same_json(whole.summary, part.summary)


@pytest.mark.parametrize("column", ["sub_district", "community_id", None])
def test_sample_partitioned_equals_whole(client, sample, tmp_path, column):
    study, whole = sample
    info = RunInfo()
    part = analyze_partitioned(study, column, tmp_path, client=client, generated=STAMP, show_progress=False, info=info)
    assert_same(whole, part)
    assert info.cells_per_pass[0] == len(whole.cells)
    assert (tmp_path / "summary.json").exists() and (tmp_path / ".pieces").is_dir()


@pytest.mark.parametrize("column", ["district", "sub_district", "scatter", "community_id"])
def test_city_partitioned_equals_whole(client, city, tmp_path, column):
    _, study, whole = city
    info = RunInfo()
    part = analyze_partitioned(study, column, tmp_path, client=client, generated=STAMP, show_progress=False, info=info)
    assert_same(whole, part)
    # the lone junior school needs wider passes; they take only the cells left open (the
    # island loop reaches nothing in the whole network: settled, NaN, in the first pass)
    assert len(info.cells_per_pass) >= 2 and 0 < info.cells_per_pass[1] < info.cells_per_pass[0]


def test_city_has_far_and_missing_distances(city):
    """The synthetic city exercises what the passes are for (else the test above proves little)."""
    _, study, whole = city
    junior = whole.cells[naming.dist("junior_school")]
    margin = partition.first_margin(study.rulebook, 300.0)
    assert (junior > 4 * margin / 2).any() and junior.isna().any()
    assert whole.cells[naming.dist("primary_school")].isna().all()
    assert whole.summary["network"]["pieces"] >= 2


def test_city_euclidean(client, city, tmp_path):
    _, study, _ = city
    whole = planner.analyze(study, mode="euclidean", generated=STAMP)
    part = analyze_partitioned(
        study, "sub_district", tmp_path, client=client, mode="euclidean", generated=STAMP, show_progress=False
    )
    assert_same(whole, part)


def test_resume_reuses_finished_pieces(client, sample, tmp_path):
    study, whole = sample
    analyze_partitioned(study, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False)

    def broken(job):
        raise RuntimeError("must not run: every piece is stored")

    info = RunInfo()
    again = analyze_partitioned(
        study, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False, task=broken, info=info
    )
    assert info.computed == [] and len(info.reused) >= 5
    assert_same(whole, again)


def test_failed_piece_is_named_and_the_rest_kept(client, sample, tmp_path):
    study, whole = sample

    def fails_on_one(job):
        if job.piece == "青荷街道":
            raise RuntimeError("disk on fire")
        return partition.compute_piece(job)

    with pytest.raises(PieceFailed, match=r"青荷街道.*disk on fire"):
        analyze_partitioned(
            study, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False, task=fails_on_one
        )
    assert not (tmp_path / "summary.json").exists()  # nothing merged without it
    info = RunInfo()
    part = analyze_partitioned(
        study, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False, info=info
    )
    assert [c for c in info.computed if c.endswith("#1")] == ["青荷街道#1"]
    assert_same(whole, part)


def test_a_piece_is_retried_once(client, sample, tmp_path):
    study, whole = sample
    marks = tmp_path / "marks"
    marks.mkdir()

    def flaky(job):
        mark = marks / f"{abs(hash(job.piece))}-{job.pass_no}"
        if not mark.exists():
            mark.write_text("failed once")
            raise RuntimeError("first attempt fails")
        return partition.compute_piece(job)

    part = analyze_partitioned(
        study, "sub_district", tmp_path / "out", client=client, generated=STAMP, show_progress=False, task=flaky
    )
    assert_same(whole, part)


def test_a_stale_piece_is_redone(client, sample, tmp_path):
    """A stored piece whose inputs changed (another study in the same folder) is computed again."""
    study, _ = sample
    analyze_partitioned(study, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False)
    moved = study.facilities.copy()
    moved.loc[0, "geometry"] = shapely.Point(moved.geometry.iloc[0].x + 150, moved.geometry.iloc[0].y)
    other = study.with_facilities(moved)
    info = RunInfo()
    part = analyze_partitioned(
        other, "sub_district", tmp_path, client=client, generated=STAMP, show_progress=False, info=info
    )
    assert info.computed  # at least the piece around the moved facility
    assert_same(planner.analyze(other, generated=STAMP), part)


def test_engine_and_study_pickle(sample):
    study, whole = sample
    assert pickle.loads(pickle.dumps(study)).communities.equals(study.communities)
    engine = pickle.loads(pickle.dumps(whole.engine))
    sites = study.facilities.geometry.values[:5]
    before, after = whole.engine.nearest(sites), engine.nearest(sites)
    np.testing.assert_array_equal(before.distance, after.distance)
    fresh = make_engine(engine.demand, mode="euclidean")
    assert pickle.loads(pickle.dumps(fresh)).nearest(sites).distance.shape == (len(engine.demand),)


def test_unknown_column_says_which_exist(client, sample, tmp_path):
    study, _ = sample
    with pytest.raises(planner.PlannerError, match=r"no column 'street'.*sub_district"):
        analyze_partitioned(study, "street", tmp_path, client=client, show_progress=False)


def test_cli_partition_equals_plain_analyze(client, tmp_path):
    address = client.scheduler.address
    assert main(["analyze", "--out", str(tmp_path / "plain"), "--quiet"]) == 0
    args = ["analyze", "--partition", "sub_district", "--scheduler", address, "--out", str(tmp_path / "part")]
    assert main([*args, "--quiet"]) == 0
    for name in ("communities.csv", "compliance.csv", "facilities.csv", "validation.csv", "sub_districts.csv"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "part" / name).read_bytes(), name
    plain = json.loads((tmp_path / "plain" / "summary.json").read_text("utf-8"))
    part = json.loads((tmp_path / "part" / "summary.json").read_text("utf-8"))
    plain.pop("generated"), part.pop("generated")
    _same_json(plain, part)


def test_cli_analyze_many(client, city, tmp_path):
    studies = tmp_path / "studies"
    studies.mkdir()
    shutil.copy(sample_path(), studies / "sample.gpkg")
    shutil.copy(city[0], studies / "city.gpkg")
    out = tmp_path / "out"
    assert main(["analyze-many", str(studies), "--scheduler", client.scheduler.address, "--out", str(out)]) == 0
    table = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert list(table["folder"]) == ["city", "sample"]
    for folder in ("city", "sample"):
        summary = json.loads((out / folder / "summary.json").read_text("utf-8"))
        row = table.set_index("folder").loc[folder]
        assert row["residents"] == summary["district"]["residents"]
        assert row["share_covered_kindergarten"] == pytest.approx(summary["coverage"]["kindergarten"]["share_covered"])
    # done studies are not redone: their outputs stay untouched
    stamp = (out / "sample" / "cells.gpkg").stat().st_mtime_ns
    assert (
        main(["analyze-many", str(studies), "--scheduler", client.scheduler.address, "--out", str(out), "--quiet"]) == 0
    )
    assert (out / "sample" / "cells.gpkg").stat().st_mtime_ns == stamp

"""The whole pipeline on the toy district: hand-computed distances, outputs, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import TOY_CRS, X0, Y0, toy_layers, write_gpkg

import planner
from planner import naming
from planner.cli import main
from planner.outputs import json_ready


def _cells_gpkg(tmp_path: Path) -> Path:
    """The toy district plus a cells layer of three demand points.

    - P1 (430, 180) in B: 20 m to street y=200, then 70 m east to the kindergarten node
      (500, 200): 90 m walking. Straight line: hypot(70, 20) = 72.80 m.
    - P2 (130, 380) in A: 20 m to street y=400; to the service station at (100, 100):
      30 m west + 300 m south = 350 m walking (not covered at 300 m) but straight line
      hypot(30, 280) = 281.60 m (covered): the gated-street effect in miniature.
      To the kindergarten: 20 + 70 to (200, 400), then 300 east + 200 south = 590 m.
    - P3 (100, 300) in A, exactly on a node 200 m north of the station: 200 m.
    """
    layers = toy_layers()
    layers["cells"] = gpd.GeoDataFrame(
        {"cell_id": ["P1", "P2", "P3"], "population": [100, 200, 300]},
        geometry=[
            shapely.Point(X0 + 430, Y0 + 180),
            shapely.Point(X0 + 130, Y0 + 380),
            shapely.Point(X0 + 100, Y0 + 300),
        ],
        crs=TOY_CRS,
    )
    return write_gpkg(tmp_path / "cells.gpkg", layers)


def test_walking_distances_equal_hand_computed_values(tmp_path: Path) -> None:
    result = planner.analyze(_cells_gpkg(tmp_path), mode="walk")
    cells = result.cells.set_index("cell_id")
    ks, cs = naming.dist("kindergarten"), naming.dist("community_service")
    assert cells.loc["P1", ks] == pytest.approx(90.0, abs=1e-6)
    assert cells.loc["P2", ks] == pytest.approx(590.0, abs=1e-6)
    assert cells.loc["P2", cs] == pytest.approx(350.0, abs=1e-6)
    assert cells.loc["P3", cs] == pytest.approx(200.0, abs=1e-6)
    assert cells.loc["P1", naming.nearest("kindergarten")] == "F2"
    assert cells[naming.covered("community_service")].tolist() == [False, False, True]
    # no elderly day care anywhere: NaN, no id, not covered
    assert cells[naming.dist("elderly_day_care")].isna().all()
    assert cells[naming.nearest("elderly_day_care")].isna().all()
    assert not cells[naming.covered("elderly_day_care")].any()
    comm = result.communities.set_index("community_id")
    # A: 200 + 300 residents in cells, 300 of them (P3) within 300 m of the station
    assert comm.loc["A", naming.pop_covered("community_service")] == 300
    assert comm.loc["A", naming.share_covered("community_service")] == pytest.approx(300 / 500)


def test_straight_line_distances_equal_hand_computed_values(tmp_path: Path) -> None:
    result = planner.analyze(_cells_gpkg(tmp_path), mode="euclidean")
    cells = result.cells.set_index("cell_id")
    assert cells.loc["P1", naming.dist("kindergarten")] == pytest.approx(np.hypot(70, 20))
    assert cells.loc["P2", naming.dist("community_service")] == pytest.approx(np.hypot(30, 280))
    assert cells.loc["P2", naming.covered("community_service")]


def test_generated_cells_keep_population_and_walk_is_never_shorter(toy_gpkg: Path) -> None:
    walk = planner.analyze(toy_gpkg, mode="walk", cell_size_m=50)
    line = planner.analyze(toy_gpkg, mode="euclidean", cell_size_m=50)
    assert walk.cells.groupby("community_id")["population"].sum().to_dict() == {"A": 9000, "B": 8000}
    for key in ("community_service", "kindergarten"):
        w = walk.cells[naming.dist(key)].to_numpy()
        e = line.cells[naming.dist(key)].to_numpy()
        assert np.all(w >= e - 1e-6)
        assert walk.summary["coverage"][key]["share_covered"] <= line.summary["coverage"][key]["share_covered"]


def test_compliance_of_the_toy_district(toy_gpkg: Path) -> None:
    comm = planner.analyze(toy_gpkg).communities.set_index("community_id")
    p = naming.rule_pass
    # A: 1000 m² < 1000.2 m² required; B has no complex at all
    assert comm[p("complex_floor_area")].tolist() == [False, False]
    assert comm.loc["A", "complex_floor_area_m2"] == 1000.0
    assert comm.loc["A", "complex_m2_per_100_households"] == pytest.approx(1000 / 3334 * 100)
    assert comm[p("staff_ratio")].tolist() == [True, False]
    assert comm[p("grid_households")].tolist() == [True, False]
    assert comm[p("facility_floor_area")].tolist() == [True, False]
    assert "乙幼儿园" in comm.loc["B", "failed_rules_zh"]
    assert comm.loc["B", "residents_per_staff"] == 800


def test_result_does_not_depend_on_row_order_or_modify_inputs(tmp_path: Path) -> None:
    layers = toy_layers()
    copies = {k: v.copy() for k, v in layers.items()}
    a = planner.analyze(write_gpkg(tmp_path / "a.gpkg", layers))
    shuffled = {k: v.iloc[::-1].reset_index(drop=True) for k, v in layers.items()}
    b = planner.analyze(write_gpkg(tmp_path / "b.gpkg", shuffled))
    for k, v in layers.items():
        pd.testing.assert_frame_equal(v, copies[k])
    ca = a.cells.set_index("cell_id").sort_index()
    cb = b.cells.set_index("cell_id").sort_index()
    cols = [naming.dist("kindergarten"), naming.dist("community_service")]
    np.testing.assert_allclose(ca[cols].to_numpy(), cb[cols].to_numpy())
    assert json_ready(a.summary["coverage"]) == json_ready(b.summary["coverage"])  # NaN → None


def test_results_do_not_depend_on_the_number_of_threads() -> None:
    study = planner.load_study()  # the sample: 7 types, so the searches really are spread
    stamp = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)  # the summary's time stamp is not a result
    one = planner.analyze(study, workers=1, generated=stamp)
    two = planner.analyze(study, workers=2, generated=stamp)
    pd.testing.assert_frame_equal(one.cells.drop(columns="geometry"), two.cells.drop(columns="geometry"))
    assert one.summary == two.summary


def test_what_if_adding_a_facility_never_lowers_coverage(toy_gpkg: Path) -> None:
    base = planner.analyze(toy_gpkg)
    fac = base.study.facilities
    extra = gpd.GeoDataFrame(
        {
            "facility_id": ["NEW"],
            "name": ["新幼儿园"],
            "type": ["kindergarten"],
            "type_raw": ["幼儿园"],
            "floor_area_m2": [2500.0],
            "community_id": ["A"],
        },
        geometry=[shapely.Point(X0 + 200, Y0 + 200)],
        crs=fac.crs,
    )
    more = planner.with_facilities(base, pd.concat([fac, extra], ignore_index=True), types=["kindergarten"])
    key = "kindergarten"
    assert np.all(more.cells[naming.dist(key)].to_numpy() <= base.cells[naming.dist(key)].to_numpy() + 1e-9)
    assert more.summary["coverage"][key]["residents_covered"] > base.summary["coverage"][key]["residents_covered"]
    # other types are carried over untouched
    pd.testing.assert_series_equal(
        more.cells[naming.dist("community_service")], base.cells[naming.dist("community_service")]
    )
    # and a full recomputation agrees with the partial one
    full = planner.analyze(base.study.with_facilities(pd.concat([fac, extra], ignore_index=True)))
    np.testing.assert_allclose(full.cells[naming.dist(key)], more.cells[naming.dist(key)])


def test_write_results_files_agree_with_the_summary(toy_gpkg: Path, tmp_path: Path) -> None:
    result = planner.analyze(toy_gpkg)
    out = tmp_path / "results"
    written = planner.write_results(result, out)
    assert {"cells.gpkg", "communities.gpkg", "communities.csv", "summary.json", "validation.csv"} <= set(written)
    assert (out / "communities.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM for Excel
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    comm = pd.read_csv(out / "communities.csv", encoding="utf-8-sig")
    cells = gpd.read_file(out / "cells.gpkg")
    assert summary["distance_mode"] == "walk" and summary["analysis_crs"] == "EPSG:32648"
    assert summary["rulebook"]["id"] == "cn-national"
    for rid, rule in summary["rules"].items():
        assert rule["communities_passing"] == int((comm[naming.rule_pass(rid)] == True).sum())  # noqa: E712
    for key, cov in summary["coverage"].items():
        covered = (cells["population"] * cells[naming.covered(key)]).sum()
        assert cov["residents_covered"] == round(covered)
    validation = pd.read_csv(out / "validation.csv", encoding="utf-8-sig")
    assert validation["reason"].tolist() == ["unknown_facility_type"]


def test_outputs_never_overwrite_an_input(toy_gpkg: Path) -> None:
    result = planner.analyze(toy_gpkg)
    before = toy_gpkg.read_bytes()
    # the input is named toy.gpkg, not an output name, so point --out at a clash explicitly
    clash = toy_gpkg.parent / "communities.gpkg"
    clash.write_bytes(before)
    study = planner.load_study(toy_gpkg, communities=clash)
    with pytest.raises(planner.PlannerError, match="refusing to overwrite"):
        planner.write_results(planner.analyze(study), toy_gpkg.parent)
    assert clash.read_bytes() == before
    assert result.summary["district"]["communities"] == 2


def test_cli_analyze_writes_results_and_prints_summary(toy_gpkg: Path, tmp_path: Path, capsys) -> None:
    code = main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r"), "--mode", "walk"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Kindergarten" in printed and "幼儿园" in printed
    assert "Community-service complex floor area" in printed and "0 of 2" in printed
    assert (tmp_path / "r" / "summary.json").exists()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--mode", "euclidean", "--input-crs", "nonsense"], "nonsense"),
        (["--rules", "/nonexistent.toml"], "does not exist"),
        (["--cell-size", "-5"], "positive"),
        (["--workers", "0"], "at least 1"),
    ],
)
def test_cli_bad_input_gives_one_clear_message_and_exit_code_2(
    toy_gpkg: Path, tmp_path: Path, capsys, args: list[str], match: str
) -> None:
    code = main(["analyze", str(toy_gpkg), "--out", str(tmp_path / "r"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert match in err and "Traceback" not in err
    assert err.startswith("planner: error:")


def test_cli_walk_without_streets_says_what_to_do(tmp_path: Path, capsys) -> None:
    layers = toy_layers()
    del layers["streets"]
    path = write_gpkg(tmp_path / "nostreets.gpkg", layers)
    assert main(["analyze", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "--mode euclidean" in capsys.readouterr().err


def test_cli_help_explains_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--streets",
        "--mode",
        "--out",
        "--rules",
        "--input-crs",
        "--cell-size",
        "--cell-shape",
        "--max-snap",
        "--workers",
    ):
        assert option in text
    assert "gcj02" in text


def test_the_summary_time_stamp_is_the_one_given(toy_gpkg: Path) -> None:
    stamp = dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    result = planner.analyze(toy_gpkg, generated=stamp)
    assert dt.datetime.fromisoformat(result.summary["generated"]) == stamp
    # by default it is the time of the run, with its offset
    assert dt.datetime.fromisoformat(planner.analyze(toy_gpkg).summary["generated"]).tzinfo is not None


@pytest.mark.parametrize("mode", ["walk", "euclidean"])
def test_what_if_removing_every_facility_leaves_nobody_covered(toy_gpkg: Path, mode: str) -> None:
    base = planner.analyze(toy_gpkg, mode=mode)
    fac = base.study.facilities
    for kept in (fac[fac["type"] != "kindergarten"], fac.iloc[:0]):
        after = planner.with_facilities(base, kept)
        gone = sorted(set(fac["type"]) - set(kept["type"]))
        for key in gone:
            assert after.cells[naming.dist(key)].isna().all()
            assert after.cells[naming.nearest(key)].isna().all()
            assert after.summary["coverage"][key]["residents_covered"] == 0

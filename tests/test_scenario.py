"""planner.plan.scenario: edits as data, applied to a study, saved, loaded and compared."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyproj
import pytest

import planner
from planner.plan import scenario as sc

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import CRS, X0, Y0, write_district


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    study = planner.load_study(write_district(tmp_path_factory.mktemp("district")))
    return planner.analyze(study, mode="walk")


def lonlat(x: float, y: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)


def add_kindergarten(scenario: sc.Scenario, x: float, y: float, area: float = 2400.0) -> sc.Scenario:
    lon, lat = lonlat(x, y)
    fid = scenario.new_id([])
    return scenario.with_edit(
        sc.Edit("add", fid, type="kindergarten", name="新幼儿园", floor_area_m2=area, lon=lon, lat=lat)
    )


def covered(result, key="kindergarten") -> int:
    return result.summary["coverage"][key]["residents_covered"]


def test_add_raises_coverage_and_says_so(base):
    scenario = add_kindergarten(sc.Scenario(), 1500, 250)
    after = sc.evaluate(base, scenario)
    gain = covered(after) - covered(base)
    assert gain > 0
    text = sc.describe_change(base, after, lang="en")
    assert text[0].startswith(f"+{gain:,} residents within 300 m of a kindergarten")
    assert sc.describe_change(base, after, lang="zh")[0].startswith(f"幼儿园300米覆盖居民增加{gain:,}人")
    # the new facility is located in its community and checked against the minimum area
    new = after.facilities.set_index("facility_id").loc["new-1"]
    assert new["community_id"] == "C02" and bool(new["meets_min_area"])
    # only the kindergarten was recomputed; other types are the base's
    assert covered(after, "primary_school") == covered(base, "primary_school")


def test_inputs_are_not_mutated(base):
    before = base.study.facilities.copy()
    sc.evaluate(base, add_kindergarten(sc.Scenario(), 1500, 250).with_edit(sc.Edit("remove", "F0035")))
    assert base.study.facilities.equals(before)


def test_move_resize_remove(base):
    lon, lat = lonlat(1500, 250)
    moved = sc.evaluate(base, sc.Scenario().with_edit(sc.Edit("move", "F0035", lon=lon, lat=lat)))
    fac = moved.facilities.set_index("facility_id")
    assert fac.loc["F0035", "community_id"] == "C02"
    resized = sc.evaluate(base, sc.Scenario().with_edit(sc.Edit("resize", "F0005", floor_area_m2=1100)))
    assert resized.summary["rules"]["complex_floor_area"]["communities_passing"] == (
        base.summary["rules"]["complex_floor_area"]["communities_passing"] + 1
    )
    removed = sc.evaluate(base, sc.Scenario().with_edit(sc.Edit("remove", "F0035")))
    assert "F0035" not in set(removed.facilities["facility_id"])
    assert covered(removed) < covered(base)


def test_adding_never_lowers_coverage(base):
    for x, y in ((100, 100), (1300, 900), (2350, 1450)):
        after = sc.evaluate(base, add_kindergarten(sc.Scenario(), x, y))
        for key in base.study.rulebook.types:
            assert covered(after, key) >= covered(base, key)


def test_same_result_as_a_full_analysis(base):
    scenario = add_kindergarten(sc.Scenario(), 1500, 250).with_edit(sc.Edit("remove", "F0002"))
    quick = sc.evaluate(base, scenario)
    full = planner.analyze(base.study.with_facilities(sc.apply_edits(base.study, scenario)), mode="walk")
    assert quick.summary["coverage"] == full.summary["coverage"]
    assert quick.checks["passed"].equals(full.checks["passed"])


def test_json_round_trip(base):
    scenario = add_kindergarten(sc.Scenario(name="东区幼儿园", study="district"), 1500, 250)
    scenario = scenario.with_edit(sc.Edit("resize", "F0005", floor_area_m2=1100.0))
    text = scenario.to_json()
    assert json.loads(text)["format"] == "planner-scenario"
    back = sc.Scenario.from_json(text)
    assert back.edits == scenario.edits and back.name == "东区幼儿园"
    assert sc.Scenario.from_json(text.encode("utf-8")).edits == scenario.edits


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("not json", "invalid JSON"),
        ('{"format": "other"}', "not a scenario file"),
        ('{"format": "planner-scenario", "version": 9}', "version"),
        (
            '{"format": "planner-scenario", "version": 1, "edits": [{"op": "explode", "facility_id": "F1"}]}',
            "unknown edit",
        ),
        ('{"format": "planner-scenario", "version": 1, "edits": [{"op": "add", "facility_id": "n"}]}', "longitude"),
        (
            '{"format": "planner-scenario", "version": 1, "edits": [{"op": "resize", "facility_id": "F1", '
            '"floor_area_m2": -5}]}',
            "floor area",
        ),
        (
            '{"format": "planner-scenario", "version": 1, "edits": [{"op": "remove", "facility_id": "F1", "x": 1}]}',
            "unknown keys",
        ),
        ("x" * (sc.MAX_FILE_BYTES + 1), "at most"),
    ],
)
def test_bad_scenario_files(text, match):
    with pytest.raises(sc.ScenarioError, match=match):
        sc.Scenario.from_json(text)


def test_edits_naming_missing_facilities_are_refused(base):
    with pytest.raises(sc.ScenarioError, match="no facility with this id"):
        sc.apply_edits(base.study, sc.Scenario().with_edit(sc.Edit("remove", "F9999")))
    twice = sc.Scenario().with_edit(sc.Edit("remove", "F0035")).with_edit(sc.Edit("remove", "F0035"))
    with pytest.raises(sc.ScenarioError, match="removed earlier"):
        sc.apply_edits(base.study, twice)
    lon, lat = lonlat(100, 100)
    with pytest.raises(sc.ScenarioError, match="not in the rulebook"):
        sc.apply_edits(
            base.study, sc.Scenario().with_edit(sc.Edit("add", "n1", type="spa", floor_area_m2=1, lon=lon, lat=lat))
        )
    assert issubclass(sc.ScenarioError, planner.PlannerError)


def test_compare_side_by_side(base):
    after = sc.evaluate(base, add_kindergarten(sc.Scenario(), 1500, 250))
    cov, rules = sc.compare(base, after, lang="zh")
    row = cov.set_index("type").loc["kindergarten"]
    assert row["name"] == "幼儿园" and row["delta"] == covered(after) - covered(base)
    assert set(rules["rule_id"]) == set(base.study.rulebook.rules)
    assert (rules["delta"] == rules["passing_b"] - rules["passing_a"]).all()


def test_new_ids_and_changed_ids():
    s = sc.Scenario().with_edit(sc.Edit("remove", "new-1"))
    assert s.new_id(["new-2"]) == "new-3"
    s = add_kindergarten(sc.Scenario(), 0, 0).with_edit(sc.Edit("move", "new-1", lon=104.0, lat=30.6))
    assert sc.changed_facility_ids(s) == {"new-1": "add"}
    assert len(s.without_last().edits) == 1


def test_edits_outside_the_district_are_flagged(base):
    inside = add_kindergarten(sc.Scenario(), 1500, 250)
    assert sc.outside_district(base.study, inside) == []
    lon, lat = lonlat(3000, 500)  # east of the district
    outside = inside.with_edit(sc.Edit("move", "F0035", lon=lon, lat=lat))
    outside = outside.with_edit(sc.Edit("resize", "F0035", floor_area_m2=10.0))
    assert sc.outside_district(base.study, outside) == [outside.edits[1]]
    on_edge = sc.Scenario().with_edit(sc.Edit("move", "F0035", lon=lonlat(0, 500)[0], lat=lonlat(0, 500)[1]))
    assert sc.outside_district(base.study, on_edge) == []  # a community's boundary is inside

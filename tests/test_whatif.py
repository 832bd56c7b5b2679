"""planner.app.whatif: what a click on the map picks, and how an edit is listed."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pyproj
import pytest

import planner
from planner.app import whatif
from planner.plan import scenario as sc

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import CRS, X0, Y0, write_district

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "district.gpkg"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return planner.analyze(planner.load_study(write_district(tmp_path_factory.mktemp("district"))), mode="euclidean")


@pytest.fixture(scope="module")
def sample():
    if not SAMPLE.exists():
        pytest.skip("data/sample/district.gpkg is not generated (python data/make_sample.py)")
    return planner.analyze(planner.load_study(SAMPLE), mode="euclidean")


def icon_click(result, name: str) -> tuple[float, float]:
    """Where a click on a facility's icon arrives: the facility's own position (lon, lat)."""
    fac = result.facilities
    p = fac.loc[fac["name"] == name].to_crs("EPSG:4326").geometry.iloc[0]
    return round(p.x, 6), round(p.y, 6)  # the map draws icons at 6 decimals


def test_a_click_picks_the_drawn_facility_not_a_hidden_one_at_the_same_spot(sample):
    """Issue 14.3: 翠竹社区综合服务中心 shares its spot with a health station (and two more)."""
    lon, lat = icon_click(sample, "翠竹社区综合服务中心")
    fac = sample.facilities.set_index("facility_id")
    at_spot = whatif.facilities_at(sample, lon, lat, sample.study.rulebook.types)
    assert len(at_spot) >= 2 and "health_station" in set(fac.loc[at_spot, "type"])
    # only the community service complexes are drawn: the click picks that one
    picked = whatif.facilities_at(sample, lon, lat, ["community_service"])
    assert [fac.loc[i, "name"] for i in picked] == ["翠竹社区综合服务中心"]
    # with health stations drawn too, both are candidates and the person chooses
    both = whatif.facilities_at(sample, lon, lat, ["community_service", "health_station"])
    assert sorted(fac.loc[both, "type"]) == ["community_service", "health_station"]
    # nothing drawn there: nothing picked (the click is a position for a new facility)
    assert whatif.facilities_at(sample, lon, lat, ["kindergarten"]) == []


def test_a_click_away_from_any_icon_picks_nothing(base):
    lon, lat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 1500, Y0 + 250)
    assert whatif.facilities_at(base, lon, lat, base.study.rulebook.types) == []


def test_edit_list_names_the_facility_and_its_type(base):
    lon, lat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 1500, Y0 + 250)
    s = sc.Scenario().with_edit(sc.Edit("move", "F0035", lon=lon, lat=lat))
    s = s.with_edit(
        sc.Edit("add", "new-1", type="kindergarten", name="新幼儿园", floor_area_m2=900.0, lon=lon, lat=lat)
    )
    s = s.with_edit(sc.Edit("remove", "new-1"))
    assert whatif.edit_label(base.study, s, 0, "zh") == "移动 F0035 锦华幼儿园 (幼儿园)"
    assert whatif.edit_label(base.study, s, 0, "en") == "move F0035 锦华幼儿园 (Kindergarten)"
    assert whatif.edit_label(base.study, s, 2, "zh") == "移除 new-1 新幼儿园 (幼儿园)"


def _point(x: float, y: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)


def test_build_edit_takes_the_boxes_the_button_needs(base):
    """Issue 8.5: the what-if buttons' edits are built in the library, not in the shell."""
    lon, lat = _point(1500, 250)
    form = whatif.EditForm(lon=lon, lat=lat, new_type="kindergarten", new_floor_area_m2=900.0, floor_area_m2=1100.0)
    added = whatif.build_edit(base.study, sc.Scenario(), "add", None, form, "en")
    assert (added.op, added.facility_id, added.type, added.name) == ("add", "new-1", "kindergarten", "New kindergarten")
    assert (added.lon, added.lat, added.floor_area_m2) == (lon, lat, 900.0)
    # the next added facility gets the next free id; a typed name is kept (trimmed)
    typed = dataclasses.replace(form, new_name=" 新园 ")
    named = whatif.build_edit(base.study, sc.Scenario(edits=(added,)), "add", None, typed, "zh")
    assert (named.facility_id, named.name) == ("new-2", "新园")
    assert whatif.build_edit(base.study, sc.Scenario(), "add", None, form, "zh").name.startswith("新")
    moved = whatif.build_edit(base.study, sc.Scenario(), "move", "F0035", form, "en")
    assert (moved.lon, moved.lat, moved.type, moved.floor_area_m2) == (lon, lat, None, None)
    resized = whatif.build_edit(base.study, sc.Scenario(), "resize", "F0005", form, "en")
    assert (resized.floor_area_m2, resized.lon) == (1100.0, None)
    removed = whatif.build_edit(base.study, sc.Scenario(), "remove", "F0035", form, "en")
    assert (removed.op, removed.facility_id, removed.lon, removed.floor_area_m2) == ("remove", "F0035", None, None)


def test_build_edit_refuses_a_move_without_a_position(base):
    with pytest.raises(planner.PlannerError, match="lon"):
        whatif.build_edit(base.study, sc.Scenario(), "move", "F0035", whatif.EditForm(), "en")


def test_checked_scenario_waits_for_a_confirmation_outside_the_district(base):
    inside = sc.Edit("move", "F0035", lon=_point(1500, 250)[0], lat=_point(1500, 250)[1])
    outside = sc.Edit("move", "F0035", lon=_point(3000, 500)[0], lat=_point(3000, 500)[1])
    start = sc.Scenario()
    assert whatif.checked_scenario(base.study, start, inside).edits == (inside,)
    assert whatif.checked_scenario(base.study, start, outside) is None
    assert whatif.checked_scenario(base.study, start, outside, confirmed=True).edits == (outside,)
    assert start.edits == ()  # the scenario given is not changed
    with pytest.raises(planner.PlannerError, match="nowhere"):
        whatif.checked_scenario(base.study, start, sc.Edit("remove", "nowhere"))


def test_edit_lines_and_the_notes_of_a_loaded_scenario(base):
    lon, lat = _point(3000, 500)  # east of the district
    s = sc.Scenario(study="another district").with_edit(sc.Edit("resize", "F0005", floor_area_m2=1100.0))
    s = s.with_edit(sc.Edit("move", "F0035", lon=lon, lat=lat))
    lines = whatif.edit_lines(base.study, s, "en")
    assert lines[0].startswith("1. resize F0005 ") and lines[0].endswith(" · 1,100 m²")
    assert lines[1] == "1. move F0035 锦华幼儿园 (Kindergarten)"
    notes = whatif.loaded_notes(base.study, s, "en")
    assert len(notes) == 2 and "another district" in notes[0] and "move F0035" in notes[1]
    assert whatif.loaded_notes(base.study, sc.Scenario(study=base.study.name), "en") == []


def test_floor_area_of_a_facility(base):
    fac = base.facilities.set_index("facility_id")
    assert whatif.floor_area(base, "F0005") == float(fac.loc["F0005", "floor_area_m2"])

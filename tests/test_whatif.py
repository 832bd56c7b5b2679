"""planner.app.whatif: what a click on the map picks, and how an edit is listed."""

from __future__ import annotations

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

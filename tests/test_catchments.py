"""planner.app.catchments: per-facility service areas agree with coverage."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

import planner
from planner.app import catchments

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district


@pytest.fixture(scope="module", params=["walk", "euclidean"])
def result(request, tmp_path_factory):
    study = planner.load_study(write_district(tmp_path_factory.mktemp("district")))
    return planner.analyze(study, mode=request.param)


@pytest.mark.parametrize("key", ["kindergarten", "community_service", "junior_school"])
def test_residents_served_add_up_to_coverage(result, key):
    areas = catchments.service_areas(result, key)
    assert len(areas) == int((result.facilities["type"] == key).sum())
    covered = result.summary["coverage"][key]["residents_covered"]
    # each covered resident is served by at least one facility, so the sum is at least the covered total
    assert areas["residents_served"].sum() >= covered
    if key == "junior_school":  # a single school: exactly the covered residents
        assert areas["residents_served"].sum() == covered


@pytest.mark.parametrize("key", ["kindergarten", "elderly_day_care"])
def test_residents_served_are_the_rows_of_the_matrix(result, key):
    """Each facility serves the residents of exactly the cells in its row of engine.within."""
    fac = result.facilities.loc[result.facilities["type"] == key]
    radius = float(result.study.rulebook.types[key].radius_m.value)
    matrix = result.engine.within(fac.geometry.values, radius)
    pop = result.cells["population"].to_numpy(dtype=float)
    expected = [pop[matrix.indices[a:b]].sum() for a, b in zip(matrix.indptr[:-1], matrix.indptr[1:], strict=True)]
    areas = catchments.service_areas(result, key)
    np.testing.assert_array_equal(areas["residents_served"], np.round(expected).astype("int64"))


def test_service_area_shape(result):
    areas = catchments.service_areas(result, "kindergarten")
    radius = 300.0
    for fac, poly in zip(result.facilities.query("type == 'kindergarten'").geometry, areas.geometry, strict=True):
        assert poly.is_valid and not poly.is_empty
        assert poly.contains(fac) or poly.distance(fac) < 1
        # nothing farther than the radius (plus the drawn width) in a straight line
        assert shapely.hausdorff_distance(poly, fac) <= radius + 40.0 + 1e-6
    if result.engine.mode == "euclidean":
        assert np.allclose(areas.geometry.area, np.pi * radius**2, rtol=0.01)


def test_walk_area_smaller_than_circle(tmp_path):
    """Walking catchments are never larger than the straight-line circle of the same radius."""
    study = planner.load_study(write_district(tmp_path))
    areas = catchments.service_areas(planner.analyze(study, mode="walk"), "kindergarten")
    assert len(areas) and (areas.geometry.area < np.pi * 300.0**2).all()


def test_no_facilities_gives_empty_frame(result):
    fac = result.facilities.iloc[0:0]
    areas = catchments.service_areas(result, "kindergarten", facilities=fac)
    assert len(areas) == 0 and list(areas.columns)[:5] == [
        "facility_id",
        "name",
        "type",
        "radius_m",
        "residents_served",
    ]


def test_updated_areas_equal_a_fresh_computation(result):
    """After add, move, resize and remove edits, only new positions are computed, with the same result."""
    import pyproj
    from district_fixture import CRS, X0, Y0

    from planner.plan import scenario as sc

    lon, lat = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + 1500, Y0 + 250)
    key = "elderly_day_care"
    kg = result.facilities.loc[result.facilities["type"] == key, "facility_id"].astype(str).tolist()
    scenario = (
        sc.Scenario()
        .with_edit(sc.Edit("add", "new-1", type=key, name="E", floor_area_m2=900.0, lon=lon, lat=lat))
        .with_edit(sc.Edit("move", kg[0], lon=lon + 0.002, lat=lat))
        .with_edit(sc.Edit("resize", kg[1], floor_area_m2=50.0))
        .with_edit(sc.Edit("remove", kg[2]))
    )
    after = sc.evaluate(result, scenario)
    before_areas = catchments.service_areas(result, key)
    updated = catchments.update_service_areas(before_areas, result, after, key)
    fresh = catchments.service_areas(after, key)
    assert list(updated.columns) == list(fresh.columns)
    assert updated["facility_id"].tolist() == fresh["facility_id"].tolist()
    assert updated["residents_served"].tolist() == fresh["residents_served"].tolist()
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(updated.geometry, fresh.geometry, strict=True))
    # the unchanged and resized facilities kept their area objects: nothing was recomputed for them
    kept = before_areas.set_index("facility_id").geometry
    assert updated.set_index("facility_id").geometry[kg[1]] is kept[kg[1]]
    # another engine (another analysis of the same study): everything is recomputed, same answer
    other = planner.analyze(result.study, mode=result.engine.mode)
    again = catchments.update_service_areas(before_areas, other, after, key)
    assert again["residents_served"].tolist() == fresh["residents_served"].tolist()

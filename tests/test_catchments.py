"""planner.catchments: per-facility service areas agree with coverage."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

import planner
from planner import catchments

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

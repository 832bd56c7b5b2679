"""Tests for planner.assess.groups: who a service is for, per cell, and how fast they walk.

Two communities on a straight line (UTM 48N): A with 60岁以上人口 = 30 (a Chinese column name,
read through the alias mechanism) over cells of 10 and 50 residents, B without a count over a
cell of 100 residents (340 m from the one day-care centre, outside its 300 m). Elderly per
cell: A's share is 30 / 60 = 0.5, so 5 and 25 (community counts); B takes the census share of
the rulebook, 0.187 (18.7). Kindergarten: no 3-6 column, the census share everywhere;
community service: all residents.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import TOY_CRS, X0, Y0, write_gpkg

import planner
from planner import naming
from planner.assess.groups import cell_demand, demand_groups, group_of, tier_distance_m, walk_distance_m
from planner.errors import RulebookError
from planner.rules.model import load_rulebook


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    comm = gpd.GeoDataFrame(
        {"community_id": ["A", "B"], "population": [60, 100], "households": [20, 40], "60岁以上人口": [30, None]},
        geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 50), shapely.box(X0 + 150, Y0 - 50, X0 + 350, Y0 + 50)],
        crs=TOY_CRS,
    )
    cells = gpd.GeoDataFrame(
        {"cell_id": ["a0", "a1", "b0"], "population": [10, 50, 100]},
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 100, 340)],
        crs=TOY_CRS,
    )
    fac = gpd.GeoDataFrame(
        {"facility_id": ["F1"], "name": ["F1"], "type": ["elderly_day_care"], "floor_area_m2": [400.0]},
        geometry=[shapely.Point(X0, Y0)],
        crs=TOY_CRS,
    )
    path = write_gpkg(
        tmp_path_factory.mktemp("groups") / "g.gpkg", {"communities": comm, "cells": cells, "facilities": fac}
    )
    return planner.load_study(path)


def test_chinese_column_alias(study):
    assert "elderly_population" in study.communities.columns
    assert study.communities.set_index("community_id").loc["A", "elderly_population"] == 30


def test_counts_then_census_share(study):
    cells = study.cells
    assert cells["community_id"].tolist() == ["A", "A", "B"]
    w, basis = cell_demand(cells, study.communities, study.rulebook, "elderly_day_care")
    np.testing.assert_allclose(w, [5.0, 25.0, 18.7])
    assert basis.tolist() == ["community_counts", "community_counts", "census_share"]
    w, basis = cell_demand(cells, study.communities, study.rulebook, "kindergarten")
    np.testing.assert_allclose(w, [0.36, 1.8, 3.6])
    assert set(basis) == {"census_share"}
    w, basis = cell_demand(cells, study.communities, study.rulebook, "community_service")
    np.testing.assert_allclose(w, [10, 50, 100])
    assert set(basis) == {"all_residents"}


def test_inputs_unchanged(study):
    before = study.communities.copy()
    cell_demand(study.cells, study.communities, study.rulebook, "elderly_day_care")
    assert study.communities.equals(before)


def test_type_group_mapping():
    book = load_rulebook()
    assert [group_of(book, t) for t in ("elderly_day_care", "kindergarten", "primary_school", "junior_school")] == [
        "elderly",
        "children_3_6",
        "primary_age",
        "junior_age",
    ]
    assert group_of(book, "health_station") == "all"
    groups = demand_groups(book)
    assert groups["elderly"].share.value == pytest.approx(0.187) and groups["elderly"].share.source == "CENSUS-2020"
    assert groups["elderly"].name("zh") == "老年人(60岁及以上)"


def test_walking_distances():
    """All residents walk 3.6 km/h (60 m a minute); older people 2.9 km/h."""
    book = load_rulebook()
    assert walk_distance_m(book, 5) == pytest.approx(300.0)
    assert walk_distance_m(book, 15, "elderly") == pytest.approx(15 * 2900 / 60)
    assert tier_distance_m(book, "5-minute") == pytest.approx(300.0)
    assert tier_distance_m(book, "10-minute", "elderly") == pytest.approx(500 * 2.9 / 3.6)
    assert tier_distance_m(book, "15-minute", "primary_age") == pytest.approx(1000.0)
    with pytest.raises(RulebookError, match=r"life circle '20-minute' is not under \[life_circles\]"):
        tier_distance_m(book, "20-minute")


def test_city_file_overrides_share(tmp_path):
    city = tmp_path / "city.toml"
    city.write_text(
        '[sources.CITY]\ntitle = "city census 2020"\nkind = "document"\n'
        '[demand_groups.elderly]\nshare = { value = 0.25, source = "CITY", status = "V1" }\n',
        encoding="utf-8",
    )
    book = load_rulebook(city)
    assert demand_groups(book)["elderly"].share.value == 0.25
    assert demand_groups(book)["elderly"].walk_speed_kmh.value == 2.9  # the rest of the table stays


def test_bad_group_tables():
    book = load_rulebook()
    bad = dataclasses.replace(book, tables={**book.tables, "demand_types": {"kindergarten": "toddlers"}})
    with pytest.raises(RulebookError, match=r"demand_types.kindergarten is 'toddlers'"):
        group_of(bad, "kindergarten")
    groups = {**book.tables["demand_groups"], "elderly": {**book.tables["demand_groups"]["elderly"]}}
    groups["elderly"]["share"] = {"value": 1.5, "source": "PLANNER", "status": "P"}
    with pytest.raises(RulebookError, match=r"demand_groups.elderly.share.value is a share between 0 and 1"):
        demand_groups(dataclasses.replace(book, tables={**book.tables, "demand_groups": groups}))
    no_all = {k: v for k, v in book.tables["demand_groups"].items() if k != "all"}
    with pytest.raises(RulebookError, match=r"no \[demand_groups.all\]"):
        demand_groups(dataclasses.replace(book, tables={**book.tables, "demand_groups": no_all}))


def test_group_coverage(study):
    """Elderly within 300 m: A's 30 (share 1), none of B's 18.7; kindergartens: no group column for them."""
    result = planner.analyze(study, mode="euclidean")
    comm = result.communities.set_index("community_id")
    assert comm.loc["A", naming.group_covered("elderly_day_care")] == 30
    assert comm.loc["A", naming.share_group_covered("elderly_day_care")] == 1.0
    assert comm.loc["B", naming.group_covered("elderly_day_care")] == 0
    assert comm.loc["B", naming.share_group_covered("elderly_day_care")] == 0.0
    assert naming.group_covered("community_service") not in comm.columns  # all residents: pop_covered says it
    assert comm.loc["A", naming.pop_covered("elderly_day_care")] == 60  # unchanged
    district = result.summary["group_coverage"]["elderly_day_care"]
    assert district["group_residents"] == 49 and district["group_covered"] == 30
    assert district["demand_basis"] == "census_share;community_counts"


def test_app_group_table(study):
    """The app's "who each service is for" table: the fixture's 49 elderly, 30 within 300 m (62 %), both bases named."""
    from planner.app.dashboard import group_table

    result = planner.analyze(study, mode="euclidean")
    en = group_table(result, "en").set_index("Facility type")
    row = en.loc["Elderly day-care centre"]
    assert row["Served group"] == "Elderly residents (60+)"
    assert (row["Residents of the group"], row["Of them within the radius"]) == ("49", "30")
    assert row["Share of the group"] == "62%"  # 30 / 48.7 = 61.6 %
    assert row["How counted"] == "census share, community's own count"
    assert "Community service complex" not in en.index  # all residents: the coverage chart says it
    zh = group_table(result, "zh").set_index("设施类型")
    assert zh.loc["老年人日间照料中心", "人数来源"] == "普查比例估算、社区统计人数"

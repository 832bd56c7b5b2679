"""Tests for planner.assess.tiers and ``planner tiers``: the 5-, 10- and 15-minute life circles.

Straight line (UTM 48N), one community, point cells at x = 0, 250, 400 with 10, 20, 30
residents; one facility of each 5-minute type and a primary school at x = 0, no junior school.

- 5-minute (300 m for all residents; 300 × 2.9 / 3.6 = 241.7 m for the elderly and children 3-6,
  who walk slower): x = 0 reaches all five types (complete); x = 250 reaches community service,
  health station and cultural station (3 of 5; day care and kindergarten are 250 m > 241.7 m
  away); x = 400 none. Community: share of types (10·1 + 20·0.6 + 30·0) / 60 = 22/60, 10
  residents (1/6) in a complete circle.
- 10-minute (500 m; primary-age children walk 3.6 km/h): every cell reaches the school: complete.
- 15-minute (1000 m): no junior school, nobody complete.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import TOY_CRS, X0, Y0, write_gpkg

import planner
from planner import naming
from planner.assess.tiers import life_circles, tiers
from planner.cli import main
from planner.rules.model import load_rulebook

FIVE = ("community_service", "elderly_day_care", "health_station", "kindergarten", "cultural_station")


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    comm = gpd.GeoDataFrame(
        {"community_id": ["C"], "population": [60], "households": [25]},
        geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 450, Y0 + 50)],
        crs=TOY_CRS,
    )
    cells = gpd.GeoDataFrame(
        {"cell_id": ["c0", "c250", "c400"], "population": [10, 20, 30]},
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 250, 400)],
        crs=TOY_CRS,
    )
    types = [*FIVE, "primary_school"]
    fac = gpd.GeoDataFrame(
        {
            "facility_id": [f"F{i}" for i in range(len(types))],
            "name": types,
            "type": types,
            "floor_area_m2": [1000.0] * len(types),
        },
        geometry=[shapely.Point(X0, Y0)] * len(types),
        crs=TOY_CRS,
    )
    path = write_gpkg(
        tmp_path_factory.mktemp("tiers") / "t.gpkg", {"communities": comm, "cells": cells, "facilities": fac}
    )
    return planner.analyze(planner.load_study(path), mode="euclidean")


def test_life_circles_from_rulebook():
    circles = life_circles(load_rulebook())
    assert [(t.key, t.minutes, t.distance_m) for t in circles] == [
        ("5-minute", 5, 300),
        ("10-minute", 10, 500),
        ("15-minute", 15, 1000),
    ]
    assert circles[0].types == FIVE
    assert circles[0].type_distance_m["elderly_day_care"] == pytest.approx(300 * 2.9 / 3.6)
    assert circles[0].type_distance_m["health_station"] == 300


def test_cells_by_hand(line):
    got = tiers(line)
    cells = got.cells.set_index("cell_id")
    np.testing.assert_allclose(cells[naming.tier_share_types("5-minute")], [1.0, 0.6, 0.0])
    assert cells[naming.tier_complete("5-minute")].tolist() == [True, False, False]
    assert cells[naming.tier_complete("10-minute")].tolist() == [True, True, True]
    assert cells[naming.tier_complete("15-minute")].tolist() == [False, False, False]
    assert cells["tiers"].tolist() == ["5-minute;10-minute", "10-minute", "10-minute"]


def test_communities_by_hand(line):
    row = tiers(line).communities.set_index("community_id").loc["C"]
    assert row["share_types_5_minute"] == pytest.approx(22 / 60)
    assert row["pop_complete_5_minute"] == 10 and row["share_complete_5_minute"] == pytest.approx(1 / 6)
    assert row["pop_complete_10_minute"] == 60 and row["share_complete_10_minute"] == 1.0
    assert row["pop_complete_15_minute"] == 0 and row["share_types_15_minute"] == 0.0


def test_adding_a_facility_never_lowers_completeness(line):
    """A junior school at x = 0 completes the 15-minute circle (1000 m) for every cell."""
    fac = line.study.facilities
    extra = fac.iloc[[0]].assign(facility_id="J", type="junior_school", name="J")
    more = planner.analysis.with_facilities(line, gpd.GeoDataFrame(pd.concat([fac, extra]), crs=fac.crs))
    before, after = tiers(line).communities, tiers(more).communities
    for col in before.columns[1:]:
        assert (after[col].to_numpy() >= before[col].to_numpy()).all()
    assert after["pop_complete_15_minute"].iloc[0] == 60


def test_level_without_types_is_left_out(line):
    book = load_rulebook()
    types = {
        k: dataclasses.replace(t, level="5-minute") if t.level == "15-minute" else t for k, t in book.types.items()
    }
    assert [t.key for t in life_circles(dataclasses.replace(book, types=types))] == ["5-minute", "10-minute"]


def test_cli(tmp_path, line, capsys):
    out = tmp_path / "tiers"
    assert main(["tiers", line.study.sources[0].file, "--mode", "euclidean", "--out", str(out)]) == 0
    comm = pd.read_csv(out / "tiers_communities.csv", encoding="utf-8-sig")
    assert comm["pop_complete_5_minute"].tolist() == [10]
    table = pd.read_csv(out / "tiers.csv", encoding="utf-8-sig")
    assert table["type_key"].tolist()[:5] == list(FIVE)
    assert table.set_index("type_key").loc["kindergarten", "group"] == "children_3_6"
    lists = pd.read_csv(out / "three_lists.csv", encoding="utf-8-sig")
    assert len(lists) == len(line.study.rulebook.types)
    # the study's totals per tier, from the docstring's figures: 10, 60 and 0 of 60 residents complete
    district = pd.read_csv(out / "tiers_district.csv", encoding="utf-8-sig").set_index("tier")
    assert district["residents_complete"].tolist() == [10, 60, 0]
    assert district["residents"].tolist() == [60, 60, 60]
    assert district.loc["5-minute", "share_types"] == pytest.approx(22 / 60)
    assert district.loc["10-minute", "share_complete"] == 1.0
    assert district["n_types"].tolist() == [5, 1, 1]
    printed = capsys.readouterr().out
    assert "5-minute (300 m, 5 types): 10 of 60 residents complete" in printed
    assert "10-minute (500 m, 1 type): 60 of 60 residents complete" in printed


def test_cli_refuses_input(tmp_path, line, capsys):
    src = line.study.sources[0].file
    afile = tmp_path / "f"
    afile.write_text("x")
    assert main(["tiers", src, "--mode", "euclidean", "--out", str(afile)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


def test_tier_map_of_point_cells(line):
    """The app's tier map joins the cells of each class into one shape, point cells too."""
    from planner.app import access_view

    html = access_view.tier_map(line, tiers(line), "5-minute", "zh").get_root().render()
    assert "五分钟生活圈" in html and access_view.TIER_COLOURS["complete"] in html

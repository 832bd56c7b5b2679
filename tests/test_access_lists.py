"""Tests for planner.assess.lists: the community's three lists, by hand.

Straight line (UTM 48N), one community C of 100 residents, 5,000 households and 50 elderly
(``elderly_population``), point cells at x = 0, 100, 200, 400 with 10, 20, 30, 40 residents,
so 5, 10, 15, 20 elderly (community counts). Elderly day-care centres F1 at x = 0 (600 m²),
F2 at x = 200 (300 m²), F3 at x = 1000 (500 m²); the rulebook radius is 300 m:

- F1 reaches x = 0, 100, 200 (30 elderly): R1 = 20; F2 reaches all four (50): R2 = 6; F3 none;
- facilities in reach: 2 (F1, F2); supply = 5·26 + 10·26 + 15·26 + 20·6 = 900 m²;
- per 100 households 900 × 100 / 5000 = 18 m² against the standard 20: shortfall
  (20 - 18) × 5000 / 100 = 100 m².

Community service (all residents, standard 30 m²): no facility, supply 0, shortfall 1,500 m².
Kindergarten (children 3-6, census share 0.036: 3.6 residents): no standard, NaN shortfall.
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
from planner.assess.lists import COLUMNS, standard, three_lists, write_three_lists
from planner.cli import main
from planner.rules.model import load_rulebook

TYPE = "elderly_day_care"


@pytest.fixture(scope="module")
def line(tmp_path_factory):
    comm = gpd.GeoDataFrame(
        {"community_id": ["C"], "population": [100], "households": [5000], "elderly_population": [50]},
        geometry=[shapely.box(X0 - 50, Y0 - 50, X0 + 1100, Y0 + 50)],
        crs=TOY_CRS,
    )
    cells = gpd.GeoDataFrame(
        {"cell_id": ["c0", "c100", "c200", "c400"], "population": [10, 20, 30, 40]},
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 100, 200, 400)],
        crs=TOY_CRS,
    )
    fac = gpd.GeoDataFrame(
        {
            "facility_id": ["F1", "F2", "F3"],
            "name": ["F1", "F2", "F3"],
            "type": [TYPE] * 3,
            "floor_area_m2": [600.0, 300.0, 500.0],
        },
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 200, 1000)],
        crs=TOY_CRS,
    )
    path = write_gpkg(
        tmp_path_factory.mktemp("lists") / "l.gpkg", {"communities": comm, "cells": cells, "facilities": fac}
    )
    return planner.analyze(planner.load_study(path), mode="euclidean")


def test_standards_from_rulebook():
    book = load_rulebook()
    assert standard(book, TYPE) == (20.0, "floor_area_m2", "m2")
    assert standard(book, "community_service")[0] == 30.0
    assert np.isnan(standard(book, "kindergarten")[0])


def test_by_hand(line):
    raw = three_lists(line)
    assert raw.columns.tolist() == [*COLUMNS, "demand_basis"]
    table = raw.set_index("type_key")
    day = table.loc[TYPE]
    assert (day["community_id"], day["group"], day["supply_unit"], day["demand_basis"]) == (
        "C",
        "elderly",
        "m2",
        "community_counts",
    )
    assert day["demand_residents"] == pytest.approx(50) and day["demand_households"] == 5000
    assert day["facilities_in_reach"] == 2
    assert day["supply"] == pytest.approx(900.0) and day["supply_per_100_households"] == pytest.approx(18.0)
    assert day["standard_per_100_households"] == 20.0 and day["shortfall"] == pytest.approx(100.0)
    cs = table.loc["community_service"]
    assert cs["group"] == "all" and cs["demand_residents"] == 100 and cs["facilities_in_reach"] == 0
    assert cs["supply"] == 0 and cs["shortfall"] == pytest.approx(1500.0)
    kg = table.loc["kindergarten"]
    assert kg["demand_residents"] == pytest.approx(3.6) and kg["demand_basis"] == "census_share"
    assert np.isnan(kg["standard_per_100_households"]) and np.isnan(kg["shortfall"])


def test_met_standard_has_no_shortfall(line):
    """With 3,000 households: 900 × 100 / 3000 = 30 m² ≥ 20, shortfall 0."""
    comm = line.communities.assign(households=3000)
    got = three_lists(dataclasses.replace(line, communities=comm), types=[TYPE]).iloc[0]
    assert got["supply_per_100_households"] == pytest.approx(30.0) and got["shortfall"] == 0.0


def test_file_schema(tmp_path, line):
    path = write_three_lists(three_lists(line), tmp_path, line.study)
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.columns.tolist() == list(COLUMNS)
    assert len(back) == len(line.study.rulebook.types)


def test_cli_access_lists_gravity_group(tmp_path, line, capsys):
    out = tmp_path / "acc"
    args = ["access", line.study.sources[0].file, "--type", TYPE, "--mode", "euclidean", "--out", str(out)]
    rc = main([*args, "--method", "e2sfca", "--decay", "gravity", "--exponent", "2", "--demand", "group", "--lists"])
    assert rc == 0
    cells = pd.read_csv(out / "access_cells.csv", encoding="utf-8-sig")
    assert set(cells["decay"]) == {"gravity"} and set(cells["exponent"]) == {2.0}
    assert set(cells["group"]) == {"elderly"} and set(cells["demand_basis"]) == {"community_counts"}
    lists = pd.read_csv(out / "three_lists.csv", encoding="utf-8-sig")
    assert lists.columns.tolist() == list(COLUMNS)


def test_no_standard_no_area_counts_facilities(line):
    """A kindergarten without floor area (no standard): counted in facilities, not refused."""
    fac = line.study.facilities
    kg = fac.iloc[[0]].assign(facility_id="K", type="kindergarten", floor_area_m2=np.nan)
    more = planner.analysis.with_facilities(line, gpd.GeoDataFrame(pd.concat([fac, kg]), crs=fac.crs))
    row = three_lists(more, types=["kindergarten"]).iloc[0]
    assert row["supply_unit"] == "facilities" and row["facilities_in_reach"] == 1
    assert row["supply"] == pytest.approx(1.0)  # the one community takes all of it


def test_standard_needs_the_supply_column(line):
    from planner.assess.access import AccessError

    fac = line.study.facilities.assign(floor_area_m2=[600.0, np.nan, 500.0])
    holes = planner.analysis.with_facilities(line, fac)
    with pytest.raises(AccessError, match=r"have no 'floor_area_m2' value.*F2"):
        three_lists(holes, types=[TYPE])

"""Governance grids that follow buildings (planner.plan.regions.buildings and grids).

On a seeded synthetic district (tests/regions_fixture.py: Voronoi communities, slabs on a
jittered lattice that ignore community borders, non-residential and storey-less buildings, an
overlapping pair, a community without buildings, optionally a tower too heavy for one grid) and
on the bundled sample (1,521 buildings with 楼层 and 用途): grids partition each community
exactly, no building is split between grids, households follow residential floor area and sum
to the community's, each grid is one connected piece, the bounds hold or the nearest split is
flagged, and each analysis cell keeps its residents.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import planner
from planner.plan.regions import plan_grids, split_communities
from planner.plan.regions.buildings import residential_floor_area
from planner.reach.cells import make_cells
from tests.regions_fixture import district_with_buildings

LO, HI = 300, 500


def _check(comm: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, grids) -> None:
    g = grids.grids.loc[grids.grids["level"] == 3]
    table = grids.communities.set_index("community_id")
    bgeom = buildings.geometry.values
    for row in comm.itertuples():
        mine = g.loc[g["community_id"] == row.community_id]
        area = row.geometry.area
        union = shapely.union_all(mine.geometry.values)
        # every part of the community in exactly one grid
        assert abs(union.area - area) <= 1e-7 * area
        assert shapely.difference(row.geometry, union).area <= 1e-7 * area
        assert shapely.difference(union, row.geometry).area <= 1e-7 * area
        assert mine.geometry.area.sum() == pytest.approx(area, rel=1e-7)
        assert mine["households"].sum() == round(row.households)
        for grid in mine.itertuples():  # one piece (queen: parts touching at a corner count as one)
            assert shapely.get_num_geometries(shapely.buffer(grid.geometry, 0.01)) == 1, f"{grid.grid_id} is in pieces"
        if table.loc[row.community_id, "status"] == "ok":
            assert mine["households"].between(LO, HI).all()
        if table.loc[row.community_id, "basis"] != "buildings":
            continue
        # no building split between grids: its part in this community lies in one grid
        fp = shapely.intersection(bgeom, row.geometry)
        fp = fp[shapely.area(fp) > 0.01]
        share = np.array([shapely.area(shapely.intersection(fp, gg)) for gg in mine.geometry.values])
        np.testing.assert_allclose(share.max(axis=0), shapely.area(fp), rtol=1e-6, atol=1e-6)
        assert ((share > 1e-6 * shapely.area(fp)).sum(axis=0) == 1).all()
    # every analysis cell keeps its residents
    kept = grids.cells.groupby("cell_id")["population"].sum()
    np.testing.assert_array_equal(kept.reindex(cells["cell_id"]).to_numpy(), cells["population"].to_numpy())
    per_grid = grids.cells.groupby("grid_id")["households"].sum()
    np.testing.assert_array_equal(per_grid.reindex(g["grid_id"]).to_numpy(), g["households"].to_numpy())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grids_follow_buildings_partition_exactly_and_never_split_a_building(seed: int) -> None:
    comm, buildings = district_with_buildings(seed)
    cells = make_cells(
        comm, size_m=50.0, buildings=buildings.assign(residential_floor_area_m2=residential_floor_area(buildings))
    )
    before = buildings.copy()
    grids = split_communities(comm, cells, buildings=buildings, seed=seed)
    pd.testing.assert_frame_equal(buildings, before)  # input untouched
    _check(comm, buildings, cells, grids)
    t = grids.communities.set_index("community_id")
    last = comm["community_id"].iloc[-1]
    assert t.loc[last, "basis"] == "cells"  # no buildings there
    assert (t.drop(index=last)["basis"] == "buildings").all()
    assert (t["status"] == "ok").all()
    flagged = grids.validation.loc[grids.validation["reason"] == "grid_no_buildings", "id"]
    assert flagged.tolist() == [last]


def test_households_follow_residential_floor_area_storeys_and_use() -> None:
    comm, buildings = district_with_buildings(3)
    floor = residential_floor_area(buildings)
    storeys = buildings["levels"].fillna(1.0).to_numpy()
    residential = (buildings["use"] == "住宅").to_numpy()
    np.testing.assert_allclose(floor, buildings.geometry.area.to_numpy() * storeys * residential)
    # no use column: every building residential; no storeys: one storey each
    bare = buildings[["geometry"]]
    np.testing.assert_allclose(residential_floor_area(bare), bare.geometry.area.to_numpy())
    cells = make_cells(comm, size_m=50.0)
    grids = split_communities(comm, cells, buildings=buildings)
    b = grids.buildings
    assert b is not None and b["building_id"].notna().any()
    for cid, mine in b.groupby("community_id"):
        total = comm.set_index("community_id").loc[cid, "households"]
        exact = total * mine["floor_area_m2"] / mine["floor_area_m2"].sum()
        assert mine["households"].sum() == total
        assert (np.abs(mine["households"] - exact) < 1).all()  # largest remainder
        assert (mine.loc[mine["floor_area_m2"] == 0, "households"] == 0).all()  # shops hold no households


def test_a_tower_above_the_maximum_gives_the_nearest_split_flagged_and_the_rest_solved() -> None:
    comm, buildings = district_with_buildings(4, tower=True)
    cells = make_cells(comm, size_m=50.0)
    grids = split_communities(comm, cells, buildings=buildings)
    _check(comm, buildings, cells, grids)
    t = grids.communities.set_index("community_id")
    assert t.loc["B0", "status"] == "bounds_not_met"
    v = grids.validation.set_index("id")
    assert v.loc["B0", "reason"] == "grid_bounds_not_met" and "one building alone has" in v.loc["B0", "message_en"]
    # the rest solved: only communities with a building heavier than a grid miss the bounds
    heavy = set(grids.buildings.loc[grids.buildings["households"] > HI, "community_id"])
    assert "B0" in heavy
    assert set(t.index[t["status"] == "bounds_not_met"]) == heavy


def test_grids_following_buildings_are_deterministic_and_independent_of_row_order() -> None:
    comm, buildings = district_with_buildings(5)
    cells = make_cells(comm, size_m=50.0)
    a = split_communities(comm, cells, buildings=buildings)
    b = split_communities(comm.iloc[::-1], cells.iloc[::-1], buildings=buildings)
    cols = ["grid_id", "community_id", "households", "population"]
    pd.testing.assert_frame_equal(a.grids[cols], b.grids[cols])


def test_level2_over_building_grids_keeps_the_households() -> None:
    comm, buildings = district_with_buildings(6)
    grids = split_communities(comm, make_cells(comm, size_m=50.0), buildings=buildings, levels=2)
    g = grids.grids
    level2 = g.loc[g["level"] == 2].set_index("grid_id")
    for gid, children in g.loc[g["level"] == 3].groupby("parent_id"):
        assert children["households"].sum() == level2.loc[gid, "households"]
        assert children["n_buildings"].sum() == level2.loc[gid, "n_buildings"]


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze(None, mode="euclidean")


def test_sample_grids_follow_its_buildings(sample) -> None:
    study = sample.study
    assert study.buildings is not None and len(study.buildings) == 1521
    grids = plan_grids(sample)
    assert (grids.communities["basis"] == "buildings").all()
    assert (grids.communities["status"] == "ok").all()
    _check(sample.communities, study.buildings, sample.cells, grids)

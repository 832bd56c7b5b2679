"""Tests for planner.plan.regions: community workstations and governance grids.

Properties on seeded random Voronoi districts (tests/regions_fixture.py: clipped to an L-shaped
boundary, with an enclave, islands and a chain) and on the bundled sample: every community in
exactly one station, each station and grid one connected piece, the bounds (except flagged
islands and nearest splits), households conserved, grids inside their community and covering
it, sub-district borders respected; bad input gives a clear message and the rest is solved.
Adjacency in the checks is recomputed with a brute-force pairwise test, independent of the
STRtree code under test.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import planner
from planner.cli import main
from planner.errors import InputError, PlannerError
from planner.plan.regions import (
    group_communities,
    plan_grids,
    plan_workstations,
    split_communities,
    write_grids,
    write_workstations,
)
from planner.plan.regions.households import cell_households, largest_remainder
from planner.plan.regions.partition import region_counts
from planner.plan.regions.staffing import station_staff
from planner.reach.cells import make_cells
from planner.rules.model import load_rulebook
from tests.regions_fixture import voronoi_district

TOL_M = 0.5


def _neighbours(a, b) -> bool:
    """Touching, or a sliver gap of at most TOL_M along 5 m or more of boundary."""
    if a.intersects(b):
        return True
    return a.distance(b) <= TOL_M and a.boundary.intersection(b.buffer(TOL_M)).length >= 5.0


def _graph(geoms) -> nx.Graph:
    """Adjacency by brute force over every pair (independent of the STRtree code)."""
    geoms = list(geoms)
    g = nx.Graph()
    g.add_nodes_from(range(len(geoms)))
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if _neighbours(geoms[i], geoms[j]):
                g.add_edge(i, j)
    return g


def _check_stations(comm: gpd.GeoDataFrame, ws, lo: int, hi: int, within: str | None = None) -> None:
    members = ws.members
    # partition: every community exactly once
    assert sorted(members["community_id"]) == sorted(comm["community_id"])
    assert members["community_id"].is_unique
    g = _graph(comm.geometry.values)
    if within:
        group = comm[within].to_numpy()
        g.remove_edges_from([(i, j) for i, j in list(g.edges) if group[i] != group[j]])
    pos = {cid: i for i, cid in enumerate(comm["community_id"])}
    station = members.set_index("community_id")["station_id"]
    for sid, grp in members.groupby("station_id"):
        nodes = [pos[c] for c in grp["community_id"]]
        assert nx.is_connected(g.subgraph(nodes)), f"station {sid} is not contiguous"
        row = ws.stations.set_index("station_id").loc[sid]
        assert row["n_communities"] == len(nodes)
        if row["status"] == "ok":
            assert lo <= len(nodes) <= hi
        elif row["status"] == "island":
            # an island is a whole connected component smaller than the minimum
            comp = nx.node_connected_component(g, nodes[0])
            assert set(comp) == set(nodes) and len(nodes) < lo
        if within:
            assert comm.iloc[nodes][within].nunique() == 1
    assert set(station) == set(ws.stations["station_id"])
    # households conserved
    assert ws.stations["households"].sum() == pytest.approx(comm["households"].sum(skipna=True))
    regular = ws.stations.loc[ws.stations["status"] != "island", "measure"].to_numpy()
    if len(regular):
        assert ws.summary["cv"] == pytest.approx(regular.std() / regular.mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_workstations_on_voronoi_districts_partition_contiguous_bounded(seed: int) -> None:
    comm = voronoi_district(60, seed=seed, enclave=True)
    ws = group_communities(comm, min_communities=3, max_communities=5, seed=seed)
    _check_stations(comm, ws, 3, 5)
    assert (ws.stations["status"] == "ok").all()
    assert ws.summary["cv"] < 0.15  # households 2,000-6,000 each: stations of 3-5 even out


def test_the_enclave_shares_a_station_with_the_community_around_it() -> None:
    comm = voronoi_district(40, seed=3, enclave=True)
    ws = group_communities(comm)
    enclave = comm["community_id"].iloc[-1]
    touching = comm.loc[comm.geometry.intersects(comm.geometry.iloc[-1]), "community_id"]
    around = [c for c in touching if c != enclave]
    assert len(around) == 1  # the fixture's enclave touches one community only
    station = ws.members.set_index("community_id")["station_id"]
    assert station[enclave] == station[around[0]]


@pytest.mark.parametrize("balance", ["households", "population", "workload"])
def test_each_balance_measure_keeps_the_properties(balance: str) -> None:
    comm = voronoi_district(45, seed=4)
    ws = group_communities(comm, balance=balance)
    _check_stations(comm, ws, 3, 5)
    book = load_rulebook()
    expected = {
        "households": comm["households"],
        "population": comm["population"],
        "workload": comm["households"] * book.organisation["workload_per_household"].value
        + comm.geometry.area / 1e6 * book.organisation["workload_per_km2"].value,
    }[balance]
    got = ws.members.set_index("community_id")["measure"].reindex(comm["community_id"]).to_numpy()
    np.testing.assert_allclose(got, expected.to_numpy())


def test_within_sub_district_keeps_stations_inside_its_borders() -> None:
    comm = voronoi_district(60, seed=5)
    ws = group_communities(comm, within="sub_district")
    _check_stations(comm, ws, 3, 5, within="sub_district")


def test_islands_and_a_community_without_neighbours_are_stations_of_their_own() -> None:
    comm = voronoi_district(30, seed=6, islands=True)
    ws = group_communities(comm)
    _check_stations(comm, ws, 3, 5)
    pair, lone = comm["community_id"].iloc[-3:-1].tolist(), comm["community_id"].iloc[-1]
    station = ws.members.set_index("community_id")["station_id"]
    assert station[pair[0]] == station[pair[1]] != station[lone]
    st = ws.stations.set_index("station_id")
    assert st.loc[station[pair[0]], "status"] == "island" and st.loc[station[lone], "status"] == "island"
    reasons = ws.validation.set_index("id")["reason"]
    assert reasons[lone] == "no_neighbours" and reasons[pair[0]] == "island"
    # the islands are left out of the balance figure, the rest is solved within the bounds
    assert ws.summary["islands"] == 2
    assert (st.loc[st["status"] != "island", "status"] == "ok").all()


def test_bounds_that_cannot_be_met_give_the_nearest_grouping_flagged_and_the_rest_solved() -> None:
    # a chain of 7 communities cannot be cut into connected pieces of 4-5
    comm = voronoi_district(40, seed=7, chain=7)
    ws = group_communities(comm, min_communities=4, max_communities=5)
    _check_stations(comm, ws, 4, 5)
    chain = set(comm["community_id"].iloc[-7:])
    flagged = ws.stations.loc[ws.stations["status"] == "bounds_not_met", "station_id"]
    assert len(flagged) >= 1
    in_flagged = ws.members.loc[ws.members["station_id"].isin(flagged), "community_id"]
    assert set(in_flagged) <= chain
    assert set(ws.validation.loc[ws.validation["reason"] == "station_bounds_not_met", "id"]) == set(flagged)
    rest = ws.stations.loc[~ws.stations["station_id"].isin(flagged)]
    assert (rest["status"] == "ok").all()


def test_min_larger_than_max_is_a_clear_error() -> None:
    comm = voronoi_district(20, seed=8)
    with pytest.raises(PlannerError, match=r"fewest communities per station \(6\) is larger than the most \(5\)"):
        group_communities(comm, min_communities=6, max_communities=5)
    with pytest.raises(PlannerError, match="at least 1"):
        group_communities(comm, min_communities=0, max_communities=5)
    with pytest.raises(InputError, match="no 'street' column"):
        group_communities(comm, within="street")


def test_missing_households_are_estimated_flagged_and_every_community_still_placed() -> None:
    comm = voronoi_district(30, seed=9)
    comm.loc[[2, 7], "households"] = np.nan
    ws = group_communities(comm)
    _check_stations(comm, ws, 3, 5)
    flagged = ws.validation.loc[ws.validation["reason"] == "missing_households", "id"]
    assert sorted(flagged) == sorted(comm["community_id"].iloc[[2, 7]])
    with pytest.raises(InputError, match="residents missing"):
        bad = comm.assign(population=comm["population"].where(comm.index != 3))
        group_communities(bad, balance="population")


def test_workstations_are_deterministic_and_independent_of_row_order_and_leave_input_alone() -> None:
    comm = voronoi_district(50, seed=10)
    before = comm.copy()
    a = group_communities(comm, seed=3)
    b = group_communities(comm.iloc[::-1], seed=3)
    pd.testing.assert_frame_equal(comm, before)
    pd.testing.assert_frame_equal(
        a.members.sort_values("community_id").reset_index(drop=True),
        b.members.sort_values("community_id").reset_index(drop=True),
    )


def test_polygons_passing_near_a_corner_are_not_neighbours_but_a_sliver_gap_is() -> None:
    from planner.plan.regions.contiguity import adjacency

    # a and b pass corner to corner 0.28 m apart (as across a short edge of a third polygon)
    a = shapely.box(0, 0, 100, 100)
    b = shapely.box(100.2, 100.2, 200, 200)
    # c runs along a's east edge 0.1 m away for 99 m: a digitising sliver, so a neighbour
    c = shapely.box(100.1, 0, 200, 99)
    adj = adjacency(np.array([a, b, c], dtype=object)).toarray()
    assert not adj[0, 1] and adj[0, 2] and not adj[1, 2]


def test_region_counts_and_largest_remainder() -> None:
    assert region_counts(12, 3, 5) == ([3, 4], True)
    assert region_counts(550, 300, 500) == ([1, 2], False)
    assert region_counts(7, 4, 5) == ([1, 2], False)
    out = largest_remainder(10, np.array([1.0, 1.0, 1.0]))
    assert out.sum() == 10 and out.tolist() == [4, 3, 3]
    assert largest_remainder(5, np.zeros(2)).sum() == 5


def test_station_staff_at_the_threshold_is_exact() -> None:
    book = load_rulebook()
    # 18 per 10,000 residents: exactly 10,000 residents need exactly 18, one more needs 19
    assert station_staff(np.array([10_000.0, 10_001.0, 0.0]), book).tolist() == [18, 19, 0]


# --------------------------------------------------------------------------- grids


def _cells_for(comm: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return make_cells(comm, size_m=100.0)


def _check_grids(comm: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, grids, lo: float, hi: float) -> None:
    level3 = grids.grids.loc[grids.grids["level"] == 3]
    assert level3["grid_id"].is_unique
    assigned = grids.cells.dropna(subset=["grid_id"])
    # the pieces partition the cells: households and residents of each cell kept exactly
    kept = grids.cells.groupby("cell_id")[["population"]].sum()["population"]
    np.testing.assert_array_equal(kept.reindex(cells["cell_id"]).to_numpy(), cells["population"].to_numpy())
    for row in comm.itertuples():
        mine = level3.loc[level3["community_id"] == row.community_id]
        if pd.isna(row.households):
            assert mine.empty
            continue
        # households conserved exactly; grids cover the community and stay inside it
        assert mine["households"].sum() == round(row.households)
        union = shapely.union_all(mine.geometry.values)
        assert abs(union.area - row.geometry.area) <= 1e-6 * row.geometry.area + 1.0
        assert shapely.difference(union, row.geometry.buffer(TOL_M)).area <= 1.0
        assert mine.geometry.area.sum() == pytest.approx(union.area, rel=1e-6)  # no overlaps
        table = grids.communities.set_index("community_id").loc[row.community_id]
        for grid in mine.itertuples():
            pieces = assigned.loc[assigned["grid_id"] == grid.grid_id]
            assert nx.is_connected(_graph(pieces.geometry.values)), f"grid {grid.grid_id} is not contiguous"
            if grid.status == "ok":
                assert lo <= grid.households <= hi
        if table["status"] == "ok":
            assert mine["households"].between(lo, hi).all()
        if table["status"] == "below_minimum":
            assert len(mine) == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_grids_on_voronoi_districts_partition_cover_conserve_and_keep_bounds(seed: int) -> None:
    comm = voronoi_district(25, seed=seed, enclave=True)
    cells = _cells_for(comm)
    grids = split_communities(comm, cells, seed=seed)
    _check_grids(comm, cells, grids, 300, 500)
    assert (grids.communities["status"] == "ok").mean() >= 0.8
    flagged = grids.communities.loc[grids.communities["status"] == "bounds_not_met", "community_id"]
    assert set(flagged) == set(grids.validation.loc[grids.validation["reason"] == "grid_bounds_not_met", "id"])


def test_a_community_below_the_minimum_is_one_grid_and_501_to_599_is_the_nearest_split_flagged() -> None:
    comm = voronoi_district(6, seed=11)
    comm.loc[0, "households"] = 250.0
    comm.loc[1, "households"] = 550.0
    cells = _cells_for(comm)
    grids = split_communities(comm, cells)
    _check_grids(comm, cells, grids, 300, 500)
    t = grids.communities.set_index("community_id")
    assert t.loc["V000", "status"] == "below_minimum" and t.loc["V000", "n_grids"] == 1
    assert t.loc["V001", "status"] == "bounds_not_met"
    reasons = grids.validation.set_index("id")["reason"]
    assert reasons["V001"] == "grid_bounds_not_met" and reasons["V000"] == "grid_below_minimum"
    assert "nearest split" not in reasons.get("V002", "")


def test_grid_bad_input_min_above_max_and_missing_households() -> None:
    comm = voronoi_district(6, seed=12)
    cells = _cells_for(comm)
    with pytest.raises(PlannerError, match=r"fewest households per grid \(600\) is larger than the most \(500\)"):
        split_communities(comm, cells, min_households=600, max_households=500)
    with pytest.raises(InputError, match="households"):
        split_communities(comm.drop(columns="households"), cells)
    comm.loc[2, "households"] = np.nan
    grids = split_communities(comm, cells)
    _check_grids(comm, cells, grids, 300, 500)
    t = grids.communities.set_index("community_id")
    assert t.loc["V002", "status"] == "missing_households" and t.loc["V002", "n_grids"] == 0
    assert (t.drop(index="V002")["n_grids"] > 0).all()


def test_level2_groups_neighbouring_grids_of_one_community() -> None:
    comm = voronoi_district(8, seed=13)
    cells = _cells_for(comm)
    grids = split_communities(comm, cells, levels=2)
    _check_grids(comm, cells, grids, 300, 500)
    g = grids.grids
    level2 = g.loc[g["level"] == 2].set_index("grid_id")
    level3 = g.loc[g["level"] == 3]
    assert set(level3["parent_id"]) == set(level2.index)
    assert (level2["parent_id"] == level2["community_id"]).all()
    for gid, children in level3.groupby("parent_id"):
        assert (children["community_id"] == level2.loc[gid, "community_id"]).all()
        assert children["households"].sum() == level2.loc[gid, "households"]
        assert nx.is_connected(_graph(children.geometry.values))


def test_grid_workers_are_set_against_staff() -> None:
    comm = voronoi_district(6, seed=14)
    grids = split_communities(comm, _cells_for(comm))
    t = grids.communities
    per = load_rulebook().organisation["grid_workers_per_grid"].value
    np.testing.assert_array_equal(t["grid_workers_needed"], np.ceil(t["n_grids"] * per))
    np.testing.assert_array_equal(t["staff_gap"], t["staff"] - t["grid_workers_needed"])


# --------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze(None, mode="euclidean")


def test_sample_workstations_with_sites_from_the_catchment_matrix(sample) -> None:
    ws = plan_workstations(sample)
    comm = sample.communities
    _check_stations(comm, ws, 3, 5)
    fac = sample.facilities.set_index("facility_id")
    station = ws.members.set_index("community_id")["station_id"]
    for row in ws.stations.itertuples():
        assert row.site_kind == "facility"
        f = fac.loc[row.site_facility_id]
        assert f["type"] == "community_service" and station[f["community_id"]] == row.station_id
    # the chosen site has the least household-weighted distance among the station's facilities
    cells = sample.cells
    cell_hh = cell_households(cells, comm.set_index("community_id")["households"]).astype(float)
    pts = planner.analysis.demand_points(cells)
    for row in ws.stations.itertuples():
        mine = cells["community_id"].map(station).to_numpy() == row.station_id
        options = fac.loc[(fac["type"] == "community_service") & fac["community_id"].map(station).eq(row.station_id)]
        cost = {
            fid: float((cell_hh[mine] * shapely.distance(pts[mine], geom)).sum())
            for fid, geom in zip(options.index, options.geometry, strict=True)
        }
        assert cost[row.site_facility_id] == pytest.approx(min(cost.values()), rel=1e-9)
    expected = np.ceil(np.round(ws.stations["population"] * 18 / 10_000, 9))
    np.testing.assert_array_equal(ws.stations["staff_needed"], expected)


def test_sample_workstations_within_sub_district(sample) -> None:
    ws = plan_workstations(sample, within="sub_district")
    _check_stations(sample.communities, ws, 3, 5, within="sub_district")


def test_sample_grids(sample) -> None:
    comm = sample.communities
    grids = plan_grids(sample, levels=2)
    _check_grids(comm, sample.cells, grids, 300, 500)
    assert (grids.communities["status"] != "missing_households").all()


def test_writers_are_atomic_files_with_the_issue_layers(sample, tmp_path: Path) -> None:
    ws = plan_workstations(sample)
    written = write_workstations(ws, tmp_path, sample)
    layers = [name for name, _ in pyogrio.list_layers(written["workstations.gpkg"])]
    assert layers == ["workstations", "station_sites"]
    got = gpd.read_file(written["workstations.gpkg"], layer="workstations")
    for col in ["station_id", "n_communities", "households", "population", "staff_needed", "site_facility_id"]:
        assert col in got.columns
    members = pd.read_csv(written["workstation_members.csv"], encoding="utf-8-sig", dtype=str)
    assert members.columns.tolist() == ["community_id", "station_id"]
    grids = plan_grids(sample)
    written = write_grids(grids, tmp_path / "g", sample)
    got = gpd.read_file(written["grids.gpkg"], layer="grids")
    for col in ["grid_id", "community_id", "level", "parent_id", "households", "population"]:
        assert col in got.columns
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("command", ["workstations", "grids"])
def test_cli_help_states_each_default_once(command: str, capsys) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "(default: None)" not in text


def test_cli_workstations_and_grids_on_the_sample(tmp_path: Path, capsys) -> None:
    out = tmp_path / "res"
    assert main(["workstations", "--mode", "euclidean", "--within", "sub_district", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "workstations of 3-5 communities" in text and "CV of households" in text
    assert (out / "workstations.gpkg").exists() and (out / "workstation_members.csv").exists()
    assert main(["grids", "--mode", "euclidean", "--levels", "2", "--out", str(out)]) == 0
    assert "grid workers needed" in capsys.readouterr().out
    validation = pd.read_csv(out / "validation.csv", encoding="utf-8-sig")
    assert {"layer", "id", "reason", "message_en", "message_zh"} <= set(validation.columns)
    assert main(["workstations", "--mode", "euclidean", "--min", "6", "--max", "5", "--out", str(out)]) == 2
    assert "(6) is larger than the most (5)" in capsys.readouterr().err

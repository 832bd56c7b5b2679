"""Tests for planner.assess.access: two-step floating catchment access (2SFCA, E2SFCA).

By hand on a tiny straight-line district (the numbers worked out in ``hand``'s docstring),
against PySAL ``access`` on the bundled sample (straight line and walking, 250 m cells) with
its cost table built from the same ``ReachEngine.within`` matrix, through the CLI, and on bad
input.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from conftest import TOY_CRS, X0, Y0, write_gpkg

import planner
from planner.analysis import demand_points
from planner.assess.access import AccessError, access, two_step
from planner.cli import main
from planner.reach.engine import _points, make_engine
from planner.rules.model import Number

TYPE = "elderly_day_care"


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """Straight line, radius 100 m (given), one community of 1,000 households.

    Point cells on a line at x = 0, 100, 200, 400 with 10, 20, 30, 40 residents; facilities F1
    at x = 0 (600 m²), F2 at x = 200 (300 m²) and F3 at x = 1000 (500 m², nobody within 100 m).

    - F1 reaches x = 0 (0 m, a stored zero) and x = 100 (100 m, on the boundary): R1 = 600 / 30 = 20;
    - F2 reaches x = 100 (100 m) and x = 200 (0 m): R2 = 300 / 50 = 6; F3 reaches no one: adds nothing;
    - access: x = 0: 20, x = 100: 20 + 6 = 26, x = 200: 6, x = 400: 0 (no facility within 100 m);
    - community: 10·20 + 20·26 + 30·6 = 900 m² within reach over 100 residents: mean 9, and
      900 × 100 / 1000 = 90 m² per 100 households.
    """
    comm = gpd.GeoDataFrame(
        {"community_id": ["C"], "name": ["C"], "population": [100], "households": [1000]},
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
            "capacity": [60.0, 30.0, 50.0],
        },
        geometry=[shapely.Point(X0 + x, Y0) for x in (0, 200, 1000)],
        crs=TOY_CRS,
    )
    path = write_gpkg(
        tmp_path_factory.mktemp("hand") / "hand.gpkg", {"communities": comm, "cells": cells, "facilities": fac}
    )
    result = planner.analyze(planner.load_study(path), mode="euclidean")
    # the study goes through WGS84 and back (a few 1e-9 m off); put the points back on the metre
    # so that 100 m is exactly 100 m
    exact = lambda gdf: gdf.assign(geometry=shapely.transform(gdf.geometry.values, np.round))  # noqa: E731
    cells_exact, fac_exact = exact(result.cells), exact(result.study.facilities)
    study = dataclasses.replace(result.study, facilities=fac_exact)
    engine = make_engine(demand_points(cells_exact), mode="euclidean")
    return dataclasses.replace(result, study=study, cells=cells_exact, engine=engine)


#: the rulebook's census share of residents aged 60+ (7th census: 18.70 %), what the hand
#: district's community uses: it has no count of its elderly
SHARE = 0.187


def test_hand(hand):
    """All residents (``demand="all"``): the numbers of the fixture's docstring."""
    got = access(hand, type=TYPE, radius_m=100, demand="all")
    assert got.cells["cell_id"].tolist() == ["c0", "c100", "c200", "c400"]
    np.testing.assert_allclose(got.cells["access"], [20.0, 26.0, 6.0, 0.0], rtol=1e-12)
    fac = got.facilities.set_index("facility_id")
    np.testing.assert_allclose(fac["demand"], [30, 50, 0])
    np.testing.assert_allclose(fac["ratio"], [20, 6, 0])  # F3: nobody within reach, adds nothing
    row = got.communities.iloc[0]
    assert row["community_id"] == "C"
    assert row["access"] == pytest.approx(9.0) and row["access_per_100_households"] == pytest.approx(90.0)
    assert (got.method, got.decay, got.supply, got.radius_m, got.mode) == (
        "2sfca",
        "step",
        "floor_area_m2",
        100,
        "euclidean",
    )


def test_hand_count_and_capacity(hand):
    """count: R1 = 1/30, R2 = 1/50; capacity is a tenth of the floor area here."""
    count = access(hand, type=TYPE, radius_m=100, supply="count", demand="all")
    np.testing.assert_allclose(count.cells["access"], [1 / 30, 1 / 30 + 1 / 50, 1 / 50, 0.0])
    cap = access(hand, type=TYPE, radius_m=100, supply="capacity", demand="all")
    np.testing.assert_allclose(cap.cells["access"], [2.0, 2.6, 0.6, 0.0])


def test_inclusive_boundary(hand):
    """Just under 100 m, x = 100 leaves both catchments: R1 = 600 / 10, R2 = 300 / 30, x = 100 gets 0."""
    got = access(hand, type=TYPE, radius_m=np.nextafter(100.0, 0.0), demand="all")
    np.testing.assert_allclose(got.cells["access"], [60.0, 0.0, 10.0, 0.0])


def test_every_cell_zero_not_nan(hand):
    """A radius reaching nobody: every cell listed with access 0, none NaN."""
    fac = hand.study.facilities.assign(geometry=[shapely.Point(X0 + 1000, Y0)] * 3)
    study = dataclasses.replace(hand.study, facilities=gpd.GeoDataFrame(fac, crs=hand.study.crs))
    got = access(dataclasses.replace(hand, study=study), type=TYPE, radius_m=100)
    assert len(got.cells) == 4 and (got.cells["access"] == 0).all()
    assert got.communities["access"].tolist() == [0.0]


def test_gaussian_by_hand():
    """E2SFCA, Gaussian σ = radius / 2 = 50: W(0) = 1, W(100) = e^-2, applied in both steps."""
    w = np.exp(-2.0)
    reach = sp.csr_array(
        (np.array([0.0, 100.0, 100.0, 0.0]), np.array([0, 1, 1, 2]), np.array([0, 2, 4])), shape=(2, 4)
    )
    pop = np.array([10.0, 20, 30, 40])
    got, demand, ratio = two_step(reach, np.array([600.0, 300.0]), pop, decay="gaussian", radius_m=100)
    r1, r2 = 600 / (10 + 20 * w), 300 / (20 * w + 30)
    np.testing.assert_allclose(demand, [10 + 20 * w, 20 * w + 30])
    np.testing.assert_allclose(ratio, [r1, r2])
    np.testing.assert_allclose(got, [r1, (r1 + r2) * w, r2, 0.0])


def test_gravity_by_hand():
    """E2SFCA, gravity β = 1, d_min = 50, radius 100: W(0) = W(50) = 2, W(100) = 1."""
    reach = sp.csr_array(
        (np.array([0.0, 100.0, 100.0, 50.0]), np.array([0, 1, 1, 2]), np.array([0, 2, 4])), shape=(2, 4)
    )
    pop = np.array([10.0, 20, 30, 40])
    got, demand, ratio = two_step(
        reach, np.array([600.0, 300.0]), pop, decay="gravity", radius_m=100, exponent=1.0, min_distance_m=50.0
    )
    np.testing.assert_allclose(demand, [2 * 10 + 20, 20 + 2 * 30])
    r1, r2 = 600 / 40, 300 / 80
    np.testing.assert_allclose(ratio, [r1, r2])
    np.testing.assert_allclose(got, [2 * r1, r1 + r2, 2 * r2, 0.0])


def test_gravity_form_from_rulebook(hand):
    """The exponent comes from the rulebook unless given, and is written with the form."""
    got = access(hand, type=TYPE, method="e2sfca", decay="gravity", radius_m=100)
    assert got.exponent == 1.0 and got.form()["exponent"] == 1.0
    two = access(hand, type=TYPE, method="e2sfca", decay="gravity", radius_m=100, exponent=2.0, demand="all")
    assert two.exponent == 2.0
    # F1 reaches x = 0 (W = (50/100)^-2 = 4) and x = 100 (W = 1): R1 = 600 / (40 + 20)
    assert two.facilities.set_index("facility_id").loc["F1", "ratio"] == pytest.approx(600 / 60)
    assert "exponent" not in access(hand, type=TYPE, radius_m=100).form()


def test_demand_group(hand):
    """demand="group": the community has no elderly count, so the census share 0.187 scales P_k.

    Every R_j is divided by 0.187 and so is A_i; the supply within reach of the group's residents
    per 100 households is unchanged (900 m² per 1,000 households).
    """
    got = access(hand, type=TYPE, radius_m=100, demand="group")
    np.testing.assert_allclose(got.cells["access"], np.array([20.0, 26.0, 6.0, 0.0]) / 0.187, rtol=1e-12)
    assert set(got.cells["demand_basis"]) == {"census_share"} and got.group == "elderly"
    row = got.communities.iloc[0]
    assert row["demand_basis"] == "census_share" and row["access_per_100_households"] == pytest.approx(90.0)
    assert set(access(hand, type=TYPE, radius_m=100, demand="all").cells["demand_basis"]) == {"all_residents"}
    with pytest.raises(AccessError, match=r"demand must be one of all, group"):
        access(hand, type=TYPE, demand="elderly")


def test_default_is_the_group(hand):
    """Without ``demand``, access counts the group the type serves: the elderly for day care.

    By hand, P_k = 0.187 × (10, 20, 30, 40) = (1.87, 3.74, 5.61, 7.48): F1 reaches x = 0 and
    x = 100, R1 = 600 / 5.61; F2 reaches x = 100 and x = 200, R2 = 300 / 9.35; A = (R1, R1 + R2,
    R2, 0); the community's mean is (1.87 R1 + 3.74 (R1 + R2) + 5.61 R2) / 18.7.
    """
    got = access(hand, type=TYPE, radius_m=100)
    r1, r2 = 600 / 5.61, 300 / 9.35
    np.testing.assert_allclose(got.cells["access"], [r1, r1 + r2, r2, 0.0], rtol=1e-12)
    np.testing.assert_allclose(got.cells["demand"], [1.87, 3.74, 5.61, 7.48], rtol=1e-12)
    assert got.group == "elderly" and got.form()["group"] == "elderly"
    assert set(got.cells["demand_basis"]) == {"census_share"}
    row = got.communities.iloc[0]
    assert row["access"] == pytest.approx((1.87 * r1 + 3.74 * (r1 + r2) + 5.61 * r2) / 18.7, rel=1e-12)
    assert row["demand"] == pytest.approx(18.7)
    # a type for all residents counts all of them, by default too
    everyone = access(hand, type="community_service", radius_m=100)
    assert everyone.group == "all" and set(everyone.cells["demand_basis"]) == {"all_residents"}


def test_default_group_from_community_counts(hand):
    """The community's own count of its elderly (25 of its 100 residents) wins over the census share.

    P_k = 0.25 × (10, 20, 30, 40) = (2.5, 5, 7.5, 10): R1 = 600 / 7.5 = 80, R2 = 300 / 12.5 = 24;
    A = (80, 104, 24, 0); the community: (2.5·80 + 5·104 + 7.5·24) / 25 = 900 / 25 = 36, and
    900 m² × 100 / 1000 households = 90 per 100 households.
    """
    counted = dataclasses.replace(hand, communities=hand.communities.assign(elderly_population=25))
    got = access(counted, type=TYPE, radius_m=100)
    np.testing.assert_allclose(got.cells["access"], [80.0, 104.0, 24.0, 0.0], rtol=1e-12)
    assert set(got.cells["demand_basis"]) == {"community_counts"}
    row = got.communities.iloc[0]
    assert row["access"] == pytest.approx(36.0) and row["access_per_100_households"] == pytest.approx(90.0)
    assert row["demand_basis"] == "community_counts"


# ------------------------------------------------------------------------------- PySAL access

pysal = pytest.importorskip("access", reason="the PySAL comparisons need access (pip install access)")


def pysal_2sfca(result, radius: float, supply: np.ndarray, weight_fn=None, pop: np.ndarray | None = None) -> np.ndarray:
    """PySAL's 2SFCA on a cost table built from the same within() matrix.

    planner's definitions where PySAL has none: a cell it leaves out (no facility within the
    radius) is 0, and a facility with no residents within its radius (PySAL: S / 0 = inf on
    every cell it reaches) adds nothing, so its pairs leave the cost table. ``pop`` is the
    demand per cell (default: all residents).
    """
    fac = result.study.facilities
    fac = fac.loc[fac["type"] == TYPE]
    if pop is None:
        pop = np.nan_to_num(result.cells["population"].to_numpy(dtype=float))
    reach = result.engine.within(_points(fac), radius).tocoo()
    nobody = np.flatnonzero(np.bincount(reach.row, weights=pop[reach.col], minlength=len(fac)) == 0)
    keep = ~np.isin(reach.row, nobody)
    cost = pd.DataFrame({"origin": reach.col[keep], "dest": reach.row[keep], "cost": reach.data[keep]})
    demand = pd.DataFrame({"cell": np.arange(len(pop)), "pop": pop})
    sup = pd.DataFrame({"fac": np.arange(len(supply)), "supply": supply})
    acc = pysal.Access(
        demand_df=demand,
        demand_index="cell",
        demand_value="pop",
        supply_df=sup,
        supply_index="fac",
        supply_value="supply",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = acc.two_stage_fca(name="a", max_cost=radius, weight_fn=weight_fn)
    return out.iloc[:, 0].reindex(range(len(demand))).fillna(0.0).to_numpy()


@pytest.fixture(scope="module", params=["euclidean", "walk"])
def sample(request):
    return planner.analyze(mode=request.param, cell_size_m=250)


def elderly_weights(result) -> np.ndarray:
    """The elderly per cell, worked out here from the definitions, not by planner's cell_demand.

    A community's count of its elderly spread over its cells in proportion to their residents
    (the count over the residents of the community's cells); the census share 0.187 of a cell's
    residents where the community has no count.
    """
    pop = pd.Series(np.nan_to_num(result.cells["population"].to_numpy(dtype=float)))
    comm = result.cells["community_id"].reset_index(drop=True)
    total = pop.groupby(comm).transform("sum")
    counts = result.communities.set_index("community_id").get("elderly_population")
    if counts is None:
        return (pop * SHARE).to_numpy()
    count = comm.map(counts).astype(float)
    return np.where(count.notna(), pop * count / total.where(total > 0), pop * SHARE).astype(float)


def with_elderly_counts(result):
    """The sample with an elderly count in every second community (12 %, 16 %, 20 %... of its residents)."""
    comm = result.communities
    share = 0.12 + 0.04 * (np.arange(len(comm)) % 4)
    counts = np.where(np.arange(len(comm)) % 2 == 0, np.round(comm["population"].to_numpy() * share), np.nan)
    return dataclasses.replace(result, communities=comm.assign(elderly_population=counts))


@pytest.mark.parametrize("supply", ["floor_area_m2", "count"])
@pytest.mark.parametrize("demand", ["group", "all", "counts"])
def test_sample_equals_pysal(sample, supply, demand):
    """The default (the elderly, by census share), all residents, and the elderly from community counts."""
    result = with_elderly_counts(sample) if demand == "counts" else sample
    got = (
        access(result, type=TYPE, supply=supply)
        if demand != "all"
        else access(result, type=TYPE, supply=supply, demand="all")
    )
    fac = result.study.facilities
    values = fac.loc[fac["type"] == TYPE, supply].to_numpy(dtype=float) if supply != "count" else None
    if values is None:
        values = np.ones(int((fac["type"] == TYPE).sum()))
    pop = None if demand == "all" else elderly_weights(result)
    want = pysal_2sfca(result, got.radius_m, values, pop=pop)
    assert (want > 0).sum() > 10 and (want == 0).sum() > 0  # a real test: some cells reach supply, some not
    np.testing.assert_allclose(got.cells["access"], want, rtol=1e-9, atol=1e-12)
    if demand == "counts":
        assert set(got.cells["demand_basis"]) == {"community_counts", "census_share"}


def test_sample_gaussian_equals_pysal(sample):
    got = access(sample, type=TYPE, method="e2sfca", decay="gaussian", radius_m=500)
    fac = sample.study.facilities
    values = fac.loc[fac["type"] == TYPE, "floor_area_m2"].to_numpy(dtype=float)
    want = pysal_2sfca(sample, 500.0, values, weight_fn=pysal.weights.gaussian(250.0), pop=elderly_weights(sample))
    np.testing.assert_allclose(got.cells["access"], want, rtol=1e-9, atol=1e-12)


def test_sample_gravity_equals_pysal(sample):
    """PySAL's gravity weight (max(d, d_min) / s)^α with s = the radius and α = -β."""
    got = access(sample, type=TYPE, method="e2sfca", decay="gravity", radius_m=500)
    fac = sample.study.facilities
    values = fac.loc[fac["type"] == TYPE, "floor_area_m2"].to_numpy(dtype=float)
    weight = pysal.weights.gravity(500.0, -1.0, 50.0)
    want = pysal_2sfca(sample, 500.0, values, weight_fn=weight, pop=elderly_weights(sample))
    assert (want > 0).sum() > 10
    np.testing.assert_allclose(got.cells["access"], want, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------- CLI and files


def test_cli_end_to_end(tmp_path, hand, capsys):
    """By default the CLI counts the elderly (census share 0.187): A_i and means are the all-residents ones / 0.187."""
    path = hand.study.sources[0].file
    out = tmp_path / "acc"
    # 100.5 m: the file's points come back from WGS84 a few 1e-9 m off the metre
    rc = main(["access", path, "--type", TYPE, "--mode", "euclidean", "--radius", "100.5", "--out", str(out)])
    assert rc == 0
    cells = pd.read_csv(out / "access_cells.csv", encoding="utf-8-sig")
    assert cells.columns[:3].tolist() == ["cell_id", "population", "access"]
    np.testing.assert_allclose(cells["access"], np.array([20.0, 26.0, 6.0, 0.0]) / SHARE)
    assert set(cells["method"]) == {"2sfca"} and set(cells["radius_m"]) == {100.5}
    assert set(cells["group"]) == {"elderly"} and set(cells["demand_basis"]) == {"census_share"}
    comm = pd.read_csv(out / "access_communities.csv", encoding="utf-8-sig")
    assert comm[["access", "access_per_100_households"]].iloc[0].tolist() == pytest.approx([9.0 / SHARE, 90.0])
    assert comm[["group", "demand_basis"]].iloc[0].tolist() == ["elderly", "census_share"]
    gpkg = gpd.read_file(out / "access_cells.gpkg", layer="access_cells")
    assert len(gpkg) == 4 and set(gpkg["decay"]) == {"step"} and set(gpkg["group"]) == {"elderly"}
    said = capsys.readouterr().out
    assert "2sfca (step, floor_area_m2, 100.5 m, euclidean) to elderly_day_care, demand elderly (census_share)" in said
    assert "11 of 19 residents of the group" in said  # 0.187 × (10 + 20 + 30) of 0.187 × 100


def test_cli_demand_all(tmp_path, hand, capsys):
    """--demand all: every resident counts, the numbers of the hand fixture's docstring."""
    path = hand.study.sources[0].file
    out = tmp_path / "acc"
    argv = ["access", path, "--type", TYPE, "--mode", "euclidean", "--radius", "100.5", "--demand", "all"]
    assert main([*argv, "--out", str(out)]) == 0
    cells = pd.read_csv(out / "access_cells.csv", encoding="utf-8-sig")
    np.testing.assert_allclose(cells["access"], [20.0, 26.0, 6.0, 0.0])
    assert set(cells["group"]) == {"all"} and set(cells["demand_basis"]) == {"all_residents"}
    comm = pd.read_csv(out / "access_communities.csv", encoding="utf-8-sig")
    assert comm[["access", "access_per_100_households"]].iloc[0].tolist() == pytest.approx([9.0, 90.0])
    assert "demand all (all_residents): 60 of 100 residents of the group" in capsys.readouterr().out


def test_cli_bad_type(tmp_path, hand, capsys):
    path = hand.study.sources[0].file
    assert main(["access", path, "--type", "spaceport", "--mode", "euclidean", "--out", str(tmp_path)]) == 2
    assert "not in the rulebook" in capsys.readouterr().err


# ------------------------------------------------------------------------------- bad input


def test_unknown_type_method_decay(hand):
    with pytest.raises(AccessError, match=r"'spaceport' is not in the rulebook"):
        access(hand, type="spaceport")
    with pytest.raises(AccessError, match=r"method must be one of 2sfca, e2sfca"):
        access(hand, type=TYPE, method="3sfca")
    with pytest.raises(AccessError, match=r"decay must be one of"):
        access(hand, type=TYPE, method="e2sfca", decay="cubic")
    with pytest.raises(AccessError, match=r"for decay 'gaussian' use e2sfca"):
        access(hand, type=TYPE, decay="gaussian")


def test_type_without_radius(hand):
    book = hand.study.rulebook
    t = book.types[TYPE]
    types = {**book.types, TYPE: dataclasses.replace(t, radius_m=Number(0.0, t.radius_m.source, "P"))}
    study = dataclasses.replace(hand.study, rulebook=dataclasses.replace(book, types=types))
    with pytest.raises(AccessError, match=r"no service radius.*give a radius in metres"):
        access(dataclasses.replace(hand, study=study), type=TYPE)


def test_supply_column_missing(hand):
    fac = hand.study.facilities
    no_cap = dataclasses.replace(hand.study, facilities=fac.drop(columns="capacity"))
    with pytest.raises(AccessError, match=r"no 'capacity' column; add it"):
        access(dataclasses.replace(hand, study=no_cap), type=TYPE, radius_m=100, supply="capacity")
    gap = fac.assign(floor_area_m2=[600.0, np.nan, 500.0])
    holes = dataclasses.replace(hand.study, facilities=gap)
    with pytest.raises(AccessError, match=r"1 elderly_day_care facilities have no 'floor_area_m2' value.*F2"):
        access(dataclasses.replace(hand, study=holes), type=TYPE, radius_m=100)


def test_input_unchanged(hand):
    before = hand.cells.copy()
    access(hand, type=TYPE, radius_m=100)
    pd.testing.assert_frame_equal(hand.cells, before)


def test_write_refuses_inputs_and_files(tmp_path, hand):
    from planner.assess.access import write_access

    got = access(hand, type=TYPE, radius_m=100)
    afile = tmp_path / "a_file"
    afile.write_text("x")
    with pytest.raises(planner.PlannerError, match=r"exists and is not a folder"):
        write_access(got, afile, hand.study)
    src = tmp_path / "src"
    src.mkdir()
    (src / "access_cells.csv").write_text("x")
    source = dataclasses.replace(hand.study.sources[0], file=str(src / "access_cells.csv"))
    study = dataclasses.replace(hand.study, sources=[source])
    with pytest.raises(planner.PlannerError, match=r"refusing to overwrite the input file"):
        write_access(got, src, study)
    assert (src / "access_cells.csv").read_text() == "x"

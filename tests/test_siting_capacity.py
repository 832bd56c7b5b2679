"""Tests for capacitated maximal covering (``site(..., capacity=True)``, ``planner site --capacity``).

By hand on a three-cell instance where capacity changes the chosen site; on the bundled sample
(walking, 250 m cells, community-service complexes sized by the rulebook's 30 m² per 100
households) against a brute force over every K-subset of the candidates and against an
independent MILP (scipy.optimize.milp), each written here from the distance matrix: the
residents a set of open facilities serves is re-computed by an LP of this file, never read
back from the solver.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

import planner
from planner.cli import main
from planner.plan.siting import SitingError, per_100_households_m2, site
from planner.plan.siting.capacity import capacitated_covering, make_pairs

TYPE = "community_service"
SEED = 11


# ------------------------------------------------------------------------------- by hand


def test_capacity_changes_the_chosen_site():
    """Candidate A reaches cells 0 and 1 (1,000 residents, 400 households each), B reaches cell 2
    (1,500 residents, 500 households); k = 1, no existing facility.

    Uncapacitated, A covers 2,000 > 1,500. With room for 500 households each, A serves 500 of its
    800 households (1,250 residents: 2.5 per household) and B all of cell 2 (1,500): B wins.
    """
    reach = sp.csr_array((np.ones(3), ([0, 0, 1], [0, 1, 2])), shape=(2, 3))
    residents = np.array([1000.0, 1000.0, 1500.0])
    households = np.array([400.0, 400.0, 500.0])
    pairs = make_pairs(sp.csr_array((0, 3)), reach, residents)
    big = capacitated_covering(pairs, residents, households, np.array([1e9, 1e9]), 1, time_limit_s=10)
    assert list(big.chosen) == [0] and big.value == pytest.approx(2000) and big.proven
    small = capacitated_covering(pairs, residents, households, np.array([500.0, 500.0]), 1, time_limit_s=10)
    assert list(small.chosen) == [1] and small.value == pytest.approx(1500) and small.proven
    assert small.bound == pytest.approx(1500)


def test_capacity_with_an_existing_facility_by_hand():
    """An existing facility E (room for 400 households) reaches cells 0 and 1 and serves 1,000 of
    their residents; a new site then adds most where E cannot: B (1,500), not A (+1,000)."""
    residents = np.array([1000.0, 1000.0, 1500.0])
    households = np.array([400.0, 400.0, 500.0])
    existing = sp.csr_array((np.ones(2), ([0, 0], [0, 1])), shape=(1, 3))
    reach = sp.csr_array((np.ones(3), ([0, 0, 1], [0, 1, 2])), shape=(2, 3))
    pairs = make_pairs(existing, reach, residents)
    s = capacitated_covering(pairs, residents, households, np.array([400.0, 500.0, 500.0]), 1, time_limit_s=10)
    assert list(s.chosen) == [1] and s.value == pytest.approx(2500) and s.proven


def test_merged_cells_by_hand():
    """Cells 0 and 1 are reached by A alone with 2.5 residents per household: one merged cell of 2,000
    residents and 800 households. Cell 2, also reached by A alone, has 3 per household: kept apart
    (with room for 500 households A serves cell 2 first: 3 × 500 = 1,500, more than 2.5 × 500)."""
    from planner.plan.siting.capacity import merge_cells

    reach = sp.csr_array((np.ones(4), ([0, 0, 0, 1], [0, 1, 2, 3])), shape=(2, 4))
    residents = np.array([1000.0, 1000.0, 1500.0, 100.0])
    households = np.array([400.0, 400.0, 500.0, 40.0])
    pairs = make_pairs(sp.csr_array((0, 4)), reach, residents)
    merged, p, h = merge_cells(pairs, residents, households)
    assert sorted(zip(p, h, strict=True)) == [(100, 40), (1500, 500), (2000, 800)]
    assert len(merged.fac) == 3
    for merge in (True, False):
        s = capacitated_covering(
            pairs, residents, households, np.array([500.0, 500.0]), 1, time_limit_s=10, merge=merge
        )
        assert list(s.chosen) == [0] and s.value == pytest.approx(1500) and s.proven


@pytest.mark.parametrize("seed", [0, 1])
def test_merged_cells_give_the_unmerged_optimum(seed):
    """Random 120 candidates × 1,200 cells, two household sizes, k = 6: the MILP on merged cells has
    the objective of the MILP on every cell (both proven optimal), and fewer cells."""
    import shapely

    from planner.plan.siting.capacity import merge_cells
    from planner.reach.engine import make_engine

    rng = np.random.default_rng(seed)
    cand = shapely.points(rng.uniform(0, 3000, (120, 2)))
    dem = shapely.points(rng.uniform(0, 3000, (1200, 2)))
    residents = rng.integers(1, 100, 1200).astype(float)
    households = residents / np.where(np.arange(1200) % 2 == 0, 2.5, 3.1)
    reach = make_engine(dem, mode="euclidean").within(cand, 400.0)
    pairs = make_pairs(sp.csr_array((0, 1200)), reach, residents)
    capacity = np.full(120, 0.5 * float(np.median(sp.csr_array(reach).astype(bool).astype(float) @ households)))
    merged = capacitated_covering(pairs, residents, households, capacity, 6, time_limit_s=60)
    plain = capacitated_covering(pairs, residents, households, capacity, 6, time_limit_s=60, merge=False)
    assert merged.proven and plain.proven
    assert merged.value == pytest.approx(plain.value, rel=1e-9)
    assert merged.stats["mip_objective"] == pytest.approx(plain.stats["mip_objective"], rel=1e-9)
    assert merged.stats["merged_cells"] < len(np.unique(pairs.cell))
    _, p, h = merge_cells(pairs, residents, households)
    assert p.sum() == pytest.approx(residents[np.unique(pairs.cell)].sum()) and h.sum() == pytest.approx(
        households[np.unique(pairs.cell)].sum()
    )


# ------------------------------------------------------------------------------- the sample


@pytest.fixture(scope="module")
def sample():
    """The sample on walking distances, 250 m cells; 12 and 30 candidate cells chosen with a seed."""
    result = planner.analyze(mode="walk", cell_size_m=250)
    from planner.plan.siting.candidates import cell_candidates

    cells = cell_candidates(result)
    pick = np.sort(np.random.default_rng(SEED).choice(len(cells), 30, replace=False))
    return result, cells.iloc[pick].reset_index(drop=True)


def instance(result, cand):
    """Everything the independent checks need, from the distances and the input layers only.

    Returns (reach: facilities × cells bool, existing first; residents; households; capacity per
    facility in households; number of existing facilities).
    """
    book = result.study.rulebook
    fac = result.study.facilities
    own = fac.loc[fac["type"] == TYPE]
    std = book.types[TYPE].min_floor_area_m2.value
    per100 = book.rules["complex_floor_area"].numbers["per_100_households_m2"].value
    points = np.concatenate([own.geometry.to_numpy(), cand.geometry.to_numpy()])
    radius = book.types[TYPE].radius_m.value
    coo = result.engine.within(points, radius).tocoo()
    reach = np.zeros((len(points), len(result.cells)), dtype=bool)
    reach[coo.row, coo.col] = True
    residents = result.cells["population"].to_numpy(dtype=float)
    comm = result.study.communities.set_index("community_id")
    cid = result.cells["community_id"]
    households = (
        residents
        * cid.map(comm["households"]).to_numpy()
        / cid.map(pd.Series(residents).groupby(cid.to_numpy()).sum()).to_numpy()
    )
    area = np.concatenate([own["floor_area_m2"].fillna(std).to_numpy(float), np.full(len(cand), std)])
    return reach, residents, np.nan_to_num(households), area / per100 * 100, len(own)


def residents_served(reach, residents, households, capacity, open_rows) -> float:
    """LP: the open facilities split each cell's residents among themselves within capacity."""
    f, i = np.nonzero(reach[open_rows])
    keep = residents[i] > 0
    f, i = f[keep], i[keep]
    n = len(f)
    a_cell = sp.csr_array((np.ones(n), (i, np.arange(n))), shape=(reach.shape[1], n))
    a_cap = sp.csr_array((households[i], (f, np.arange(n))), shape=(len(open_rows), n))
    res = linprog(
        -residents[i],
        A_ub=sp.vstack([a_cell, a_cap]),
        b_ub=np.concatenate([np.ones(reach.shape[1]), capacity[open_rows]]),
        bounds=(0, 1),
        method="highs",
    )
    assert res.status == 0
    return -res.fun


def open_rows(answer, cand, n_existing) -> np.ndarray:
    index = {c: i for i, c in enumerate(cand["candidate_id"])}
    return np.array([*range(n_existing), *(n_existing + index[c] for c in answer.sites["candidate_id"])])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_sample_capacity_equals_brute_force(sample, k):
    """Every K-subset of 12 candidates, each scored by the LP above: planner reaches the best."""
    result, cand = sample
    cand = cand.iloc[:12].reset_index(drop=True)
    reach, residents, households, capacity, n_e = instance(result, cand)
    best = max(
        residents_served(reach, residents, households, capacity, np.array([*range(n_e), *(n_e + np.array(s))]))
        for s in itertools.combinations(range(len(cand)), k)
    )
    answer = site(result, type=TYPE, add=k, candidates=cand, capacity=True)
    mine = residents_served(reach, residents, households, capacity, open_rows(answer, cand, n_e))
    assert answer.status == "optimal" and answer.gap == 0
    assert mine == pytest.approx(best, rel=1e-9) and answer.after == pytest.approx(best, rel=1e-9)
    before = residents_served(reach, residents, households, capacity, np.arange(n_e))
    assert answer.before == pytest.approx(before, rel=1e-9)
    assert answer.sites["residents_added"].sum() == pytest.approx(answer.after - answer.before)
    assert (answer.sites["capacity_households"] == 600 / 30 * 100).all()


def test_sample_capacity_equals_an_independent_milp(sample):
    """30 candidates, k = 4: the optimum of a MILP written here (scipy.optimize.milp, weak links)."""
    result, cand = sample
    reach, residents, households, capacity, n_e = instance(result, cand)
    n_c, k = len(cand), 4
    f, i = np.nonzero(reach)
    keep = residents[i] > 0
    f, i = f[keep], i[keep]
    n = len(f)
    # variables: y (candidates), then z (pairs); capacity rows Σ h z <= cap · (1 or y)
    cap_rows = sp.hstack(
        [
            sp.vstack([sp.csr_array((n_e, n_c)), -sp.diags_array(capacity[n_e:]).tocsr()]),
            sp.csr_array((households[i], (f, np.arange(n))), shape=(n_e + n_c, n)),
        ]
    )
    cell_rows = sp.hstack(
        [sp.csr_array((reach.shape[1], n_c)), sp.csr_array((np.ones(n), (i, np.arange(n))), shape=(reach.shape[1], n))]
    )
    card = np.concatenate([np.ones(n_c), np.zeros(n)])[None, :]
    cap_ub = np.concatenate([capacity[:n_e], np.zeros(n_c)])
    res = milp(
        -np.concatenate([np.zeros(n_c), residents[i]]),
        constraints=[
            LinearConstraint(cap_rows, -np.inf, cap_ub),
            LinearConstraint(cell_rows, -np.inf, 1),
            LinearConstraint(card, -np.inf, k),
        ],
        integrality=np.concatenate([np.ones(n_c), np.zeros(n)]),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert res.status == 0
    answer = site(result, type=TYPE, add=k, candidates=cand, capacity=True)
    mine = residents_served(reach, residents, households, capacity, open_rows(answer, cand, n_e))
    assert answer.status == "optimal"
    assert mine == pytest.approx(-res.fun, rel=1e-7) and answer.value == pytest.approx(mine, rel=1e-9)


def test_capacity_never_serves_more_than_coverage(sample):
    """Capacity can only lower what a set of sites serves; with room for everyone, they agree."""
    result, cand = sample
    capped = site(result, type=TYPE, add=3, candidates=cand, capacity=True)
    free = site(result, type=TYPE, add=3, candidates=cand)
    assert capped.after <= free.after + 1e-6 and capped.before <= free.before + 1e-6
    roomy = cand.assign(floor_area_m2=1e9)
    fac = result.study.facilities.copy()
    fac.loc[fac["type"] == TYPE, "floor_area_m2"] = 1e9
    big = dataclasses.replace(result, study=dataclasses.replace(result.study, facilities=fac))
    roomy_answer = site(big, type=TYPE, add=3, candidates=roomy, capacity=True)
    assert roomy_answer.after == pytest.approx(free.after) and roomy_answer.before == pytest.approx(free.before)


def test_candidates_floor_area_sizes_the_site(sample):
    """A candidate given a floor area is sized by it (m² / 30 × 100 households), others by 600 m²."""
    result, cand = sample
    sized = cand.assign(floor_area_m2=np.where(np.arange(len(cand)) % 2 == 0, 1500.0, np.nan))
    answer = site(result, type=TYPE, add=4, candidates=sized, capacity=True)
    index = {c: i for i, c in enumerate(cand["candidate_id"])}
    expected = [5000.0 if index[c] % 2 == 0 else 2000.0 for c in answer.sites["candidate_id"]]
    assert list(answer.sites["capacity_households"]) == pytest.approx(expected)


# ------------------------------------------------------------------------------- bad input and the CLI


def test_capacity_needs_a_floor_area_standard(sample):
    result, cand = sample
    with pytest.raises(SitingError, match=r"'elderly_day_care' has no floor-area standard per 100 households"):
        site(result, type="elderly_day_care", add=1, candidates=cand, capacity=True)
    with pytest.raises(SitingError, match=r"community_service"):
        per_100_households_m2(result.study.rulebook, "kindergarten")


def test_capacity_applies_to_coverage_only(sample):
    result, cand = sample
    with pytest.raises(SitingError, match=r"coverage objective only"):
        site(result, type=TYPE, objective="count", candidates=cand, capacity=True)


def test_capacity_needs_households(sample):
    result, cand = sample
    comm = result.study.communities.copy()
    comm.loc[comm.index[0], "households"] = np.nan
    broken = dataclasses.replace(result, study=dataclasses.replace(result.study, communities=comm))
    with pytest.raises(SitingError, match=rf"communities {comm['community_id'].iloc[0]} have none"):
        site(broken, type=TYPE, add=1, candidates=cand, capacity=True)


def test_cli_capacity(tmp_path):
    out = tmp_path / "cap"
    argv = ["site", "--type", TYPE, "--add", "2", "--capacity", "--mode", "euclidean", "--candidates", "cells"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "siting.json").read_text("utf-8"))
    assert summary["capacity"] is True and summary["status"] == "optimal" and summary["gap"] == 0
    assert summary["value"] == summary["after"] == pytest.approx(summary["bound"])
    assert summary["solver"]["per_100_households_m2"] == 30


def test_cli_capacity_without_a_standard(tmp_path, capsys):
    argv = ["site", "--type", "elderly_day_care", "--add", "1", "--capacity", "--out", str(tmp_path), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "capacity" in err and "per 100 households" in err

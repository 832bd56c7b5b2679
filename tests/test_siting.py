"""Tests for planner.plan.siting: where to build, with proven optimality.

By hand on tiny covering matrices (the optimum written out in each docstring); against spopt
(PuLP + CBC), solved here on the same cost matrix, on the bundled sample (walking, 250 m
cells) and on the real Chengdu extract (walking on its streets); every planner answer is
re-scored here from the distances, never read back from the solver. Instances are small
enough for every solver to prove its optimum, so nothing depends on a time limit.
"""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from conftest import CHENGDU, real_file

import planner
from planner.cli import main
from planner.errors import InputError
from planner.plan.scenario import Scenario, apply_edits
from planner.plan.siting import SitingError, site
from planner.plan.siting.count import set_covering
from planner.plan.siting.median import p_median
from planner.plan.siting.model import reduce_cover
from planner.plan.siting.solve import maximal_covering
from planner.rules.model import Number

pulp = pytest.importorskip("pulp", reason="the spopt comparisons need pulp (pip install pulp)")
spopt_locate = pytest.importorskip("spopt.locate", reason="the spopt comparisons need spopt (pip install spopt)")

TYPE = "elderly_day_care"
SEED = 7


def cover_matrix(rows: list[list[int]], n: int) -> sp.csr_array:
    """Candidates × demand with an entry (a distance of 0, stored) for each covered point."""
    indptr = np.cumsum([0, *map(len, rows)])
    return sp.csr_array((np.zeros(indptr[-1]), np.concatenate(rows).astype(np.int32), indptr), shape=(len(rows), n))


# ------------------------------------------------------------------------------- by hand

#: c0 covers {0,1,2,3}, c1 {0,1,5}, c2 {2,3,6}, c3 {4}; weights 1,1,1,1,0,2,2
HAND = cover_matrix([[0, 1, 2, 3], [0, 1, 5], [2, 3, 6], [4]], 7)
HAND_W = np.array([1, 1, 1, 1, 0, 2, 2], dtype=float)


def test_mclp_by_hand_beats_greedy():
    """k = 2: greedy takes c0 (4, lowest of three ties) then c1 (+2) = 6; the optimum c1 + c2 = 8."""
    s = maximal_covering(HAND, HAND_W, np.ones(7, bool), 2, time_limit_s=10)
    assert sorted(s.chosen) == [1, 2] and s.value == 8 and s.bound == 8 and s.proven


def test_mclp_by_hand_with_existing():
    """Points 5 and 6 already covered (inactive): c0 covers all the rest (4) with one site."""
    active = np.array([1, 1, 1, 1, 1, 0, 0], bool)
    s = maximal_covering(HAND, HAND_W, active, 1, time_limit_s=10)
    assert list(s.chosen) == [0] and s.value == 4 and s.proven


def test_lscp_by_hand():
    """Everything with weight is covered by c1 + c2 (c3 covers only point 4, of weight 0): 2 sites;
    covering 6 of the 8 needs one more than c0 alone (4): still 2, while 4 needs 1."""
    active = np.ones(7, bool)
    assert sorted(set_covering(HAND, HAND_W, active, 8, time_limit_s=10).chosen) == [1, 2]
    assert len(set_covering(HAND, HAND_W, active, 6, time_limit_s=10).chosen) == 2
    one = set_covering(HAND, HAND_W, active, 4, time_limit_s=10)
    assert len(one.chosen) == 1 and one.proven and one.bound == 1


def test_pmedian_by_hand():
    """Demand at x = 0, 10, 20, 30 (weight 1); candidates at 0, 20, 30; existing at 30 (so point 30
    costs 0). k = 1: a site at 0 gives 0 + 10 + 10 + 0 = 20, at 20 gives 20 + 10 + 0 + 0 = 30."""
    x_d, x_c = np.array([0.0, 10, 20, 30]), np.array([0.0, 20, 30])
    dist = sp.csr_array((np.abs(x_c[:, None] - x_d[None, :]).ravel(), np.tile(np.arange(4), 3), np.arange(0, 13, 4)))
    existing = np.abs(30 - x_d)
    s = p_median(dist, np.ones(4), existing, 1, time_limit_s=10)
    assert list(s.chosen) == [0] and s.value == pytest.approx(20) and s.proven


def test_reduction_merges_identical_rows_and_drops_dominated():
    """Points 0 and 1 are covered by the same {c0, c1}: one group of weight 2; c1 ⊂ c0 is dropped."""
    reach = cover_matrix([[0, 1, 2], [0, 1], [3]], 4)
    cover = reduce_cover(reach, np.array([1.0, 1, 3, 4]), np.ones(4, bool))
    assert list(cover.candidates) == [0, 2]
    assert cover.group_of[0] == cover.group_of[1] != cover.group_of[2]
    assert sorted(cover.weight) == [2, 3, 4]


def test_reduction_keeps_stored_zero_distances():
    """A site exactly on a demand point (distance 0, stored) covers it."""
    reach = sp.csr_array((np.array([0.0]), np.array([0]), np.array([0, 1])), shape=(1, 1))
    assert maximal_covering(reach, np.array([5.0]), np.ones(1, bool), 1, time_limit_s=10).value == 5


# ------------------------------------------------------------------------------- spopt


def cbc():
    return pulp.PULP_CBC_CMD(msg=False)


def dense(matrix: sp.csr_array, missing: float) -> np.ndarray:
    out = np.full(matrix.shape, missing)
    coo = matrix.tocoo()
    out[coo.row, coo.col] = coo.data
    return out


@pytest.fixture(scope="module")
def sample():
    """The sample district on walking distances, 250 m cells; 30 candidate cells chosen with a seed."""
    result = planner.analyze(mode="walk", cell_size_m=250)
    from planner.plan.siting.candidates import cell_candidates

    cells = cell_candidates(result)
    pick = np.sort(np.random.default_rng(SEED).choice(len(cells), 30, replace=False))
    return result, cells.iloc[pick].reset_index(drop=True)


def facility_matrix(result, cand, limit):
    """Demand × (existing facilities of TYPE, then candidates), distances (inf beyond ``limit``)."""
    fac = result.study.facilities
    existing = fac.loc[fac["type"] == TYPE].geometry.to_numpy()
    points = np.concatenate([existing, cand.geometry.to_numpy()])
    return dense(result.engine.within(points, limit), np.inf).T, len(existing)


def chosen_rows(answer, cand) -> np.ndarray:
    index = {c: i for i, c in enumerate(cand["candidate_id"])}
    return np.array([index[c] for c in answer.sites["candidate_id"]], dtype=np.int64)


def group_weight(result) -> np.ndarray:
    """TYPE's demand per cell, by hand: elderly residents (60+), a community's own count spread over its
    cells by residents where the communities layer has one, else the rulebook's census share."""
    pop = np.nan_to_num(result.cells["population"].to_numpy(dtype=float))
    share = np.full(len(pop), float(result.study.rulebook.tables["demand_groups"]["elderly"]["share"]["value"]))
    comm = result.communities
    if "elderly_population" in comm.columns:
        cid = result.cells["community_id"].to_numpy()
        for c, count in zip(comm["community_id"], comm["elderly_population"], strict=True):
            mine = cid == c
            if np.isfinite(count) and pop[mine].sum() > 0:
                share[mine] = count / pop[mine].sum()
    return pop * share


def test_sample_mclp_equals_spopt(sample):
    result, cand = sample
    answer = site(result, type=TYPE, objective="coverage", add=4, candidates=cand)
    radius = answer.radius_m
    d, n_ex = facility_matrix(result, cand, radius)
    w = group_weight(result)  # elderly day care serves the residents aged 60+
    assert answer.demand["group"] == "elderly" and answer.demand["basis"] == "census_share"
    # re-scored here from the distances
    open_ = np.concatenate([np.arange(n_ex), n_ex + chosen_rows(answer, cand)])
    assert answer.value == pytest.approx(w[(d[:, open_] <= radius).any(axis=1)].sum())
    assert answer.before == pytest.approx(w[(d[:, :n_ex] <= radius).any(axis=1)].sum())
    predefined = np.r_[np.ones(n_ex, int), np.zeros(len(cand), int)]
    cost = np.where(np.isfinite(d), d, 2 * radius + 1)
    ref = spopt_locate.MCLP.from_cost_matrix(cost, w, radius, n_ex + 4, predefined)
    ref.solve(cbc())
    assert answer.status == "optimal" and answer.gap == 0
    assert answer.value == pytest.approx(pulp.value(ref.problem.objective))
    assert len(answer.sites) == 4 and list(answer.sites["rank"]) == [1, 2, 3, 4]
    assert answer.sites["residents_added"].is_monotonic_decreasing
    assert answer.sites["residents_added"].sum() == pytest.approx(answer.after - answer.before)


def test_sample_lscp_equals_spopt(sample):
    result, cand = sample
    answer = site(result, type=TYPE, objective="count", candidates=cand)
    radius = answer.radius_m
    d, n_ex = facility_matrix(result, cand, radius)
    w = group_weight(result)
    coverable = (d <= radius).any(axis=1) & (w > 0)
    open_ = np.concatenate([np.arange(n_ex), n_ex + chosen_rows(answer, cand)])
    assert ((d[coverable][:, open_] <= radius).any(axis=1)).all()  # re-scored: every coverable cell covered
    predefined = np.r_[np.ones(n_ex, int), np.zeros(len(cand), int)]
    sub = d[coverable]
    ref = spopt_locate.LSCP.from_cost_matrix(np.where(np.isfinite(sub), sub, 2 * radius + 1), radius, predefined)
    ref.solve(cbc())
    assert answer.status == "optimal"
    assert answer.value == round(pulp.value(ref.problem.objective)) - n_ex == answer.k


def test_sample_pmedian_equals_spopt(sample):
    result, cand = sample
    answer = site(result, type=TYPE, objective="distance", add=3, candidates=cand)
    d, n_ex = facility_matrix(result, cand, 1e7)
    w = group_weight(result)
    reached = np.isfinite(d).any(axis=1)
    assert answer.unreachable_residents == pytest.approx(w[~reached].sum())
    open_ = np.concatenate([np.arange(n_ex), n_ex + chosen_rows(answer, cand)])
    assert answer.value == pytest.approx((w * d[:, open_].min(axis=1))[reached].sum())
    sub = d[reached]
    predefined = np.r_[np.ones(n_ex, int), np.zeros(len(cand), int)]
    ref = spopt_locate.PMedian.from_cost_matrix(np.where(np.isfinite(sub), sub, 1e9), w[reached], n_ex + 3, predefined)
    ref.solve(cbc())
    assert answer.status == "optimal"
    assert answer.value == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)
    assert answer.before is not None and answer.value < answer.before


def test_group_demand_changes_the_chosen_site(sample, tmp_path):
    """Elderly day care counts the residents aged 60+ (issue 12). The communities that the best site
    for all residents reaches get no elderly residents, the others an elderly count of half their
    residents: the best site is then another one, and it is the best by a brute force over the
    candidates on the elderly residents computed here by hand."""
    result, cand = sample
    radius = result.study.rulebook.types[TYPE].radius_m.value
    d, n_ex = facility_matrix(result, cand, radius)
    pop = np.nan_to_num(result.cells["population"].to_numpy(dtype=float))
    before = (d[:, :n_ex] <= radius).any(axis=1)

    def best(w):
        gains = [w[~before & (d[:, n_ex + j] <= radius)].sum() for j in range(len(cand))]
        return int(np.argmax(gains)), max(gains)

    everyone, _ = best(pop)
    reached = result.cells["community_id"].to_numpy()[d[:, n_ex + everyone] <= radius]
    comm = result.communities
    count = np.where(comm["community_id"].isin(set(reached)), 0.0, 0.5 * comm["population"].to_numpy(dtype=float))
    grouped = dataclasses.replace(result, communities=comm.assign(elderly_population=count))
    w = group_weight(grouped)
    j, gain = best(w)
    assert j != everyone and gain > 0
    answer = site(grouped, type=TYPE, objective="coverage", add=1, candidates=cand)
    assert list(chosen_rows(answer, cand)) == [j] and answer.status == "optimal"
    assert answer.before == pytest.approx(w[before].sum()) and answer.after == pytest.approx(w[before].sum() + gain)
    assert answer.sites["residents_added"].sum() == pytest.approx(gain)
    # the same type on all residents still picks the other site
    assert list(chosen_rows(site(result, type=TYPE, objective="coverage", add=1, candidates=cand), cand)) != [j]
    from planner.plan.siting import write_siting

    write_siting(answer, tmp_path, result.study)
    summary = json.loads((tmp_path / "siting.json").read_text("utf-8"))
    assert summary["group"] == "elderly" and summary["demand_basis"] == "community_counts"
    assert summary["demand"]["residents"] == pytest.approx(w.sum()) and "group" in summary["demand"]["counts"]


def test_group_demand_with_spopt_and_existing_counts(sample):
    """Counts for some communities, the census share for the rest: planner's coverage and count equal
    spopt's on the same cost matrix with the group weights (computed here by hand)."""
    result, cand = sample
    comm = result.communities
    count = np.where(np.arange(len(comm)) % 2 == 0, 0.3 * comm["population"].to_numpy(dtype=float), np.nan)
    grouped = dataclasses.replace(result, communities=comm.assign(elderly_population=count))
    w = group_weight(grouped)
    answer = site(grouped, type=TYPE, objective="coverage", add=3, candidates=cand)
    assert answer.demand["basis"] == "census_share;community_counts"
    radius = answer.radius_m
    d, n_ex = facility_matrix(result, cand, radius)
    open_ = np.concatenate([np.arange(n_ex), n_ex + chosen_rows(answer, cand)])
    assert answer.value == pytest.approx(w[(d[:, open_] <= radius).any(axis=1)].sum())
    predefined = np.r_[np.ones(n_ex, int), np.zeros(len(cand), int)]
    cost = np.where(np.isfinite(d), d, 2 * radius + 1)
    ref = spopt_locate.MCLP.from_cost_matrix(cost, w, radius, n_ex + 3, predefined)
    ref.solve(cbc())
    assert answer.status == "optimal" and answer.value == pytest.approx(pulp.value(ref.problem.objective))


# ------------------------------------------------------------------------------- Chengdu


@pytest.fixture(scope="module")
def chengdu_instance():
    """Walking on the real Chengdu streets: 400 random demand points, 25 candidates, 3 existing, all within
    50 m of a street and on its main connected part (seeded)."""
    from planner.reach.engine import make_engine
    from planner.reach.network import build_network, read_osm_streets

    raw = read_osm_streets(real_file(CHENGDU))
    streets = raw.to_crs(raw.estimate_utm_crs())
    net = build_network(streets)
    x0, y0, x1, y1 = streets.total_bounds
    rng = np.random.default_rng(SEED)
    pts = shapely.points(rng.uniform(x0, x1, 3000), rng.uniform(y0, y1, 3000))
    pts = pts[make_engine(pts, mode="walk", network=net, max_snap_m=50).demand_snap.ok][:800]  # on a street
    reach = make_engine(pts, mode="walk", network=net).within(pts, 1e6)
    pts = pts[np.diff(reach.indptr) > len(pts) // 2][:428]  # on the main connected part of the network
    assert len(pts) == 428
    engine = make_engine(pts[:400], mode="walk", network=net)
    w = rng.integers(1, 500, 400).astype(float)
    return engine, pts[400:425], pts[425:], w


def test_chengdu_mclp_and_lscp_equal_spopt(chengdu_instance):
    engine, cand, existing, w = chengdu_instance
    radius = 500.0
    reach, ex = engine.within(cand, radius), engine.within(existing, radius)
    before = np.zeros(len(w), bool)
    before[ex.indices] = True
    d = dense(sp.vstack([ex, reach], format="csr"), 2 * radius + 1).T
    predefined = np.r_[np.ones(3, int), np.zeros(25, int)]
    s = maximal_covering(reach, w, ~before, 5, time_limit_s=30)
    covered = (d[:, np.r_[0:3, 3 + s.chosen]] <= radius).any(axis=1)
    ref = spopt_locate.MCLP.from_cost_matrix(d, w, radius, 8, predefined)
    ref.solve(cbc())
    assert s.proven and w[covered].sum() == pytest.approx(pulp.value(ref.problem.objective))
    coverable = (d <= radius).any(axis=1)
    c = set_covering(reach, w, ~before & coverable, w[~before & coverable].sum(), time_limit_s=30)
    assert (d[coverable][:, np.r_[0:3, 3 + c.chosen]] <= radius).any(axis=1).all()
    ref = spopt_locate.LSCP.from_cost_matrix(d[coverable], radius, predefined)
    ref.solve(cbc())
    assert c.proven and len(c.chosen) == round(pulp.value(ref.problem.objective)) - 3


def test_chengdu_pmedian_equals_spopt(chengdu_instance):
    engine, cand, existing, w = chengdu_instance
    e = engine.nearest(existing).distance
    d = dense(sp.vstack([engine.within(existing, 1e6), engine.within(cand, 1e6)], format="csr"), np.inf).T
    keep = np.isfinite(d).all(axis=1)
    assert keep.all()
    s = p_median(engine.within(cand, 1e6)[:, np.flatnonzero(keep)], w[keep], e[keep], 4, time_limit_s=30)
    value = (w[keep] * d[keep][:, np.r_[0:3, 3 + s.chosen]].min(axis=1)).sum()
    predefined = np.r_[np.ones(3, int), np.zeros(25, int)]
    ref = spopt_locate.PMedian.from_cost_matrix(d[keep], w[keep], 7, predefined)
    ref.solve(cbc())
    assert s.proven and value == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)


# ------------------------------------------------------------------------------- bad input


def test_type_without_radius(sample):
    result, cand = sample
    book = result.study.rulebook
    t = book.types[TYPE]
    types = {**book.types, TYPE: dataclasses.replace(t, radius_m=Number(0.0, t.radius_m.source, "P"))}
    study = dataclasses.replace(result.study, rulebook=dataclasses.replace(book, types=types))
    with pytest.raises(SitingError, match=r"no service radius.*give a radius in metres"):
        site(dataclasses.replace(result, study=study), type=TYPE, objective="coverage", add=1, candidates=cand)


def test_k_larger_than_candidates(sample):
    result, cand = sample
    with pytest.raises(SitingError, match=r"K = 31 new sites is larger than the 30 candidate sites"):
        site(result, type=TYPE, objective="coverage", add=31, candidates=cand)


def test_unreachable_target(sample):
    result, cand = sample
    with pytest.raises(SitingError, match=r"give a number in \(0, 1\]"):
        site(result, type=TYPE, objective="count", target=1.5, candidates=cand)
    with pytest.raises(SitingError, match=r"needs \d+ new sites, more than K = 1"):
        site(result, type=TYPE, objective="count", target=1.0, add=1, candidates=cand)


def test_empty_candidates_layer(sample):
    result, _ = sample
    empty = gpd.GeoDataFrame({"candidate_id": []}, geometry=[], crs=result.study.crs)
    study = dataclasses.replace(result.study, candidates=empty)
    with pytest.raises(InputError, match=r"candidates layer is empty"):
        site(dataclasses.replace(result, study=study), type=TYPE, objective="coverage", add=1, candidates="study")


def test_unknown_type_and_missing_k(sample):
    result, cand = sample
    with pytest.raises(SitingError, match=r"not in the rulebook"):
        site(result, type="spaceport", objective="coverage", add=1, candidates=cand)
    with pytest.raises(SitingError, match=r"needs the number of new sites K"):
        site(result, type=TYPE, objective="distance", candidates=cand)


# ------------------------------------------------------------------------------- CLI and files


def test_cli_writes_sites_siting_and_a_loadable_scenario(tmp_path):
    out = tmp_path / "siting"
    argv = ["site", "--type", TYPE, "--add", "2", "--mode", "euclidean", "--candidates", "cells", "--out", str(out)]
    assert main([*argv, "--quiet"]) == 0
    summary = json.loads((out / "siting.json").read_text("utf-8"))
    assert {"objective", "k", "value", "bound", "gap", "before", "after", "status", "seconds"} <= set(summary)
    assert summary["status"] == "optimal" and summary["k"] == 2 and summary["value"] == summary["bound"]
    sites = gpd.read_file(out / "sites.gpkg", layer="sites")
    assert list(sites.columns[:3]) == ["candidate_id", "residents_added", "rank"] and len(sites) == 2
    assert sites["residents_added"].sum() == pytest.approx(summary["after"] - summary["before"])
    scenario = Scenario.from_json((out / "scenario.json").read_text("utf-8"))
    study = planner.load_study()
    fac = apply_edits(study, scenario)
    assert len(fac) == len(study.facilities) + 2 and set(fac["type"].iloc[-2:]) == {TYPE}
    # the scenario, evaluated like any what-if, covers what siting.json says
    base = planner.analyze(study, mode="euclidean")
    from planner.plan.scenario import evaluate

    after = evaluate(base, scenario)
    # elderly day care counts the residents aged 60+ (the sample has no counts: the census share)
    assert summary["group"] == "elderly" and summary["demand_basis"] == "census_share"
    covered = after.cells[f"covered_{TYPE}"].to_numpy(dtype=bool)
    assert group_weight(after)[covered].sum() == pytest.approx(summary["after"])


def test_cli_capacity_for_a_type_without_a_capacity_standard(tmp_path, capsys):
    """--capacity works (tests/test_siting_capacity.py) where the rulebook sizes the type; elderly
    day care has no m² per 100 households: a clear error, exit 2."""
    assert main(["site", "--type", TYPE, "--add", "1", "--capacity", "--out", str(tmp_path), "--quiet"]) == 2
    assert "capacity" in capsys.readouterr().err


def test_cli_stdout_is_planner_only(tmp_path):
    """HiGHS prints a banner on the C-level stdout the first time it starts; the CLI keeps it out."""
    import os
    import subprocess
    import sys

    argv = ["site", "--type", TYPE, "--objective", "count", "--mode", "euclidean", "--out", str(tmp_path)]
    run = subprocess.run(
        [sys.executable, "-m", "planner.cli", *argv], capture_output=True, text=True, env=os.environ, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("count: ") and "HiGHS" not in run.stdout


def test_write_siting_never_overwrites_an_input(sample, tmp_path):
    """A study whose input file is DIR/sites.gpkg: writing the siting into DIR is refused."""
    from planner.plan.siting import write_siting

    result, cand = sample
    answer = site(result, type=TYPE, objective="coverage", add=1, candidates=cand)
    source = dataclasses.replace(result.study.sources[0], file=str(tmp_path / "sites.gpkg"))
    study = dataclasses.replace(result.study, sources=(source,))
    with pytest.raises(planner.PlannerError, match=r"refusing to overwrite the input file"):
        write_siting(answer, tmp_path, study)
    assert not (tmp_path / "sites.gpkg").exists()
    written = write_siting(answer, tmp_path / "out", result.study)
    assert Scenario.from_json(written["scenario.json"].read_text("utf-8")).study == result.study.name


def test_residual_milp_starts_from_the_incumbent():
    """HiGHS on the residual model starts from the best solution found so far (here c1 + c2 = 8)
    when it is at least as good as a fresh greedy + swaps there."""
    import time

    from planner.plan.siting.solve import _residual

    cover = reduce_cover(HAND, HAND_W, np.ones(7, bool))
    local = np.flatnonzero(np.isin(cover.candidates, [1, 2]))
    free = np.arange(cover.matrix.shape[0])
    stats, bound, proven, chosen = _residual(cover, np.zeros(0, np.int64), free, 2, time.perf_counter() + 10, local)
    assert stats["mip_start"] == 8 and proven and bound == 8
    assert sorted(cover.candidates[chosen]) == [1, 2]

"""Grid workers against staff: the ``grid_staff`` rule kind (compliance table columns of
``planner analyze``) and ``grid_staff.csv`` of ``planner grids``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import planner
from planner import naming
from planner.assess.compliance import community_columns
from planner.plan.regions import plan_grids, write_grids
from planner.rules.kinds import KINDS, Facts, proposed_grids
from planner.rules.model import load_rulebook

NEW = [naming.GRIDS_PROPOSED, naming.GRID_WORKERS_NEEDED, naming.GRID_STAFF_GAP]


def test_proposed_grids_nearest_the_middle_one_below_the_minimum_nearest_split_otherwise() -> None:
    got = proposed_grids(np.array([250, 300, 500, 550, 800, 4000, 4400, np.nan]), 300, 500)
    # 550: one grid of 550 or two of 275 both miss by 50 in all; two miss by less per grid
    np.testing.assert_array_equal(got, [1, 1, 1, 2, 2, 10, 11, np.nan])


def test_the_kind_adds_three_columns_after_the_grid_fit_and_leaves_the_rest_alone() -> None:
    book = load_rulebook()
    comm = pd.DataFrame(
        {
            "community_id": ["a", "b", "c", "d"],
            "households": [4000.0, 550.0, np.nan, 3000.0],
            "population": [10400.0, 1430.0, 2000.0, 7800.0],
            "staff": [12.0, 1.0, 5.0, np.nan],
        }
    )
    fac = pd.DataFrame(columns=["community_id", "name", "type", "floor_area_m2", "min_floor_area_m2"])
    cols = community_columns(comm, fac, book)
    assert list(cols.columns[-3:]) == NEW and list(cols.columns).index(naming.GRID_FIT_MAX) == len(cols.columns) - 4
    per = book.organisation["grid_workers_per_grid"].value
    np.testing.assert_array_equal(cols[naming.GRIDS_PROPOSED], [10, 2, np.nan, 7])  # 7.5: ties to fewer
    np.testing.assert_array_equal(cols[naming.GRID_WORKERS_NEEDED], np.array([10, 2, np.nan, 7]) * per)
    np.testing.assert_array_equal(cols[naming.GRID_STAFF_GAP], [2, -1, np.nan, np.nan])
    assert "grid_staff" in KINDS and not any(r.kind == "grid_staff" for r in book.rules.values())


def test_a_grid_staff_rule_passes_at_exactly_the_workers_needed(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text(
        '[community_rules.grid_staff]\nkind = "grid_staff"\n'
        'name_en = "Staff for grid workers"\nname_zh = "网格员配备"\n',
        encoding="utf-8",
    )
    book = load_rulebook(city)
    rule = book.rules["grid_staff"]
    kind = KINDS["grid_staff"]
    facts = Facts(pd.DataFrame(columns=["community_id", "type", "floor_area_m2", "min_floor_area_m2"]), book)
    row = pd.DataFrame({"community_id": ["a"], "households": [4000.0], "staff": [10.0]}).iloc[0]
    check = kind.check(rule, row, "a", {}, facts)
    assert check.passed is True and check.value == 10 and check.threshold == 10
    short = kind.check(rule, row.copy().replace({10.0: 9.0}), "a", {}, facts)
    assert short.passed is False and "1 short" in short.reason_en and "缺1名" in short.reason_zh
    unknown = kind.check(rule, row.drop("staff"), "a", {}, facts)
    assert unknown.passed is None
    assert kind.basis(rule, "en", book) and "P" in kind.statuses(rule, book)


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze(None, mode="euclidean")


def test_sample_analysis_and_planner_grids_agree_on_the_grids_and_workers(sample, tmp_path: Path) -> None:
    comm = sample.communities.set_index("community_id")
    for col in NEW:
        assert col in comm.columns
    grids = plan_grids(sample)
    t = grids.communities.set_index("community_id")
    ok = t["status"] == "ok"
    assert ok.all()
    # analyze counts from households alone; the split lands on that count unless whole buildings
    # rule it out, then on a neighbouring count that still fits the bounds
    proposed = comm.loc[t.index, naming.GRIDS_PROPOSED]
    assert (np.abs(proposed - t["n_grids"]) <= 1).all()
    assert (proposed == t["n_grids"]).mean() >= 0.85
    assert t["n_grids"].between(comm.loc[t.index, naming.GRID_FIT_MIN], comm.loc[t.index, naming.GRID_FIT_MAX]).all()
    written = write_grids(grids, tmp_path, sample)
    staff = pd.read_csv(written["grid_staff.csv"], encoding="utf-8-sig", dtype={"community_id": str})
    assert staff.columns.tolist() == ["community_id", "grids", "grid_workers_needed", "staff", "gap"]
    np.testing.assert_array_equal(staff["gap"], staff["staff"] - staff["grid_workers_needed"])
    np.testing.assert_array_equal(staff.set_index("community_id")["gap"], t.loc[staff["community_id"], "staff_gap"])

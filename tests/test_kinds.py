"""The registry of rule kinds: every kind registered once, unknown kinds refused, each measure inclusive.

The boundary cases are hand-computed: 18 staff for 10,000 residents is exactly 18 per 10,000;
300 and 500 households per grid are the ends of the grid standard; a facility of exactly its
type's minimum floor area meets it; 90 % of residents covered is exactly the coverage target.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner import load_rulebook, naming
from planner.assess.compliance import community_checks, community_columns, facility_compliance
from planner.errors import RulebookError
from planner.rules.kinds import KINDS, Facts, RuleKind, kind_of
from planner.rules.model import RULE_KINDS

BOOK = load_rulebook()


def _frames(community: dict, facilities: list[dict] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    comm = pd.DataFrame([{"community_id": "C1", "name": "测试社区", "population": 10000.0, **community}])
    fac = pd.DataFrame(
        facilities or [], columns=["facility_id", "name", "type", "floor_area_m2", "community_id"]
    ).astype({"floor_area_m2": float})
    return comm, fac.join(facility_compliance(fac, BOOK))


def _check(rule_id: str, community: dict, facilities: list[dict] | None = None, covered: float = 0.0) -> pd.Series:
    comm, fac = _frames(community, facilities)
    cov = pd.DataFrame(index=pd.Index(["C1"], name="community_id"))
    for key in BOOK.types:
        cov[naming.pop_covered(key)] = covered
        cov[naming.share_covered(key)] = covered / comm["population"].iloc[0]
    return community_checks(comm, fac, cov, BOOK).set_index("rule_id").loc[rule_id]


def test_every_kind_of_the_national_rulebook_is_registered_once() -> None:
    kinds = {rule.kind for rule in BOOK.rules.values()}
    assert kinds <= set(KINDS)
    # and every registered kind is used by the national defaults, except those that only add columns
    assert kinds == {k for k, v in KINDS.items() if not v.columns_only}
    assert tuple(KINDS) == RULE_KINDS
    for key, kind in KINDS.items():
        assert isinstance(kind, RuleKind) and kind.key == key
    assert [k for k, v in KINDS.items() if v.per_type] == ["coverage"]
    for rule in BOOK.rules.values():
        assert kind_of(rule) is KINDS[rule.kind]


@pytest.mark.parametrize("kind", ["magic", "coverage"])
def test_an_unknown_kind_in_a_city_file_is_refused_by_name(tmp_path: Path, kind: str) -> None:
    city = tmp_path / "city.toml"
    city.write_text(f'[community_rules.extra]\nkind = "{kind}"\nname_en = "Extra"\n', encoding="utf-8")
    match = rf"community_rules\.extra\.kind is '{kind}'.*use one of complex_floor_area"
    with pytest.raises(RulebookError, match=match):
        load_rulebook(city)


def test_a_kind_checks_its_numbers(tmp_path: Path) -> None:
    city = tmp_path / "city.toml"
    city.write_text('[community_rules.extra]\nkind = "staff_ratio"\n', encoding="utf-8")
    with pytest.raises(RulebookError, match=r"community_rules\.extra \(kind staff_ratio\) needs per_10k_residents"):
        load_rulebook(city)


@pytest.mark.parametrize(("covered", "passed"), [(9000.0, True), (8999.0, False)])
def test_coverage_at_the_target_share(covered: float, passed: bool) -> None:
    row = _check(naming.coverage_rule("kindergarten"), {}, covered=covered)
    assert bool(row["passed"]) is passed
    assert row["threshold"] == pytest.approx(0.9)


@pytest.mark.parametrize(("population", "passed", "needed"), [(10000.0, True, 0.0), (10001.0, False, 1.0)])
def test_staff_ratio_at_18_per_10k(population: float, passed: bool, needed: float) -> None:
    community = {"population": population, "staff": 18}
    assert bool(_check("staff_ratio", community)["passed"]) is passed
    comm, fac = _frames(community)
    assert community_columns(comm, fac, BOOK)[naming.STAFF_NEEDED].iloc[0] == needed


def test_staff_needed_is_missing_when_the_rule_is_not_assessed() -> None:
    comm, fac = _frames({"staff": np.nan})
    assert pd.isna(_check("staff_ratio", {"staff": np.nan})["passed"])
    assert np.isnan(community_columns(comm, fac, BOOK)[naming.STAFF_NEEDED].iloc[0])


@pytest.mark.parametrize(
    ("households", "passed", "fit"),
    [(1200, True, (3, 4)), (2000, True, (4, 6)), (1199, False, (3, 3)), (2001, False, (5, 6))],
)
def test_grid_households_at_300_and_500_per_grid(households: int, passed: bool, fit: tuple[int, int]) -> None:
    community = {"households": households, "grid_count": 4}
    assert bool(_check("grid_households", community)["passed"]) is passed
    comm, fac = _frames(community)
    cols = community_columns(comm, fac, BOOK)
    assert (cols[naming.GRID_FIT_MIN].iloc[0], cols[naming.GRID_FIT_MAX].iloc[0]) == fit


@pytest.mark.parametrize(("area", "passed", "value"), [(150.0, True, 0.0), (149.9, False, 1.0)])
def test_facility_floor_area_at_the_minimum(area: float, passed: bool, value: float) -> None:
    fac = [{"facility_id": "F", "name": "站", "type": "health_station", "floor_area_m2": area, "community_id": "C1"}]
    row = _check("facility_floor_area", {}, fac)
    assert bool(row["passed"]) is passed
    assert row["value"] == value


def test_complex_floor_area_column_is_the_checks_value() -> None:
    fac = [
        {"facility_id": f"F{i}", "name": "站", "type": "community_service", "floor_area_m2": a, "community_id": "C1"}
        for i, a in enumerate([600.0, 400.0])
    ]
    row = _check("complex_floor_area", {"households": 3000}, fac)
    assert bool(row["passed"]) is True  # exactly the 1,000 m² minimum
    comm, frame = _frames({"households": 3000}, fac)
    cols = community_columns(comm, frame, BOOK)
    assert cols[naming.COMPLEX_FLOOR_AREA].iloc[0] == row["value"] == 1000.0
    assert cols[naming.COMPLEX_PER_100_HOUSEHOLDS].iloc[0] == pytest.approx(1000 / 3000 * 100)


def test_facts_sum_each_set_of_types_once() -> None:
    _, fac = _frames(
        {},
        [{"facility_id": "F", "name": "站", "type": "community_service", "floor_area_m2": 5.0, "community_id": "C1"}],
    )
    facts = Facts(fac, BOOK)
    assert facts.floor_area(["community_service"]) is facts.floor_area(("community_service", "community_service"))


def test_types_by_level() -> None:
    levels = BOOK.types_by_level()
    assert levels == {
        "5-minute": ("community_service", "elderly_day_care", "health_station", "kindergarten", "cultural_station"),
        "10-minute": ("primary_school",),
        "15-minute": ("junior_school",),
    }
    assert sorted(k for keys in levels.values() for k in keys) == sorted(BOOK.types)

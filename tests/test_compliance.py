"""Each community rule at its boundary, with hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from planner import load_rulebook, naming
from planner.assess.compliance import community_checks, facility_compliance, wide_results

BOOK = load_rulebook()


def _run(community: dict, facilities: list[dict] | None = None, covered: dict | None = None) -> pd.DataFrame:
    comm = pd.DataFrame([{"community_id": "C1", "name": "测试社区", "population": 10000.0, **community}])
    fac = pd.DataFrame(
        facilities or [], columns=["facility_id", "name", "type", "floor_area_m2", "community_id"]
    ).astype({"floor_area_m2": float})
    fac = fac.join(facility_compliance(fac, BOOK)) if len(fac) else fac.assign(min_floor_area_m2=[])
    cov = pd.DataFrame(index=pd.Index(["C1"], name="community_id"))
    for key in BOOK.types:
        pop = (covered or {}).get(key, 0.0)
        cov[naming.pop_covered(key)] = pop
        cov[naming.share_covered(key)] = pop / comm["population"].iloc[0]
    return community_checks(comm, fac, cov, BOOK).set_index("rule_id")


def _complex(area: float, households: float) -> pd.Series:
    fac = [
        {"facility_id": "F", "name": "服务站", "type": "community_service", "floor_area_m2": area, "community_id": "C1"}
    ]
    return _run({"households": households}, fac).loc["complex_floor_area"]


@pytest.mark.parametrize(
    ("area", "households", "passed"),
    [
        (1000.0, 3000, True),  # exactly the 1000 m² minimum
        (999.99, 3000, False),
        (1000.0, 3333, True),  # 30 × 3333 / 100 = 999.9 < 1000: the minimum governs
        (1000.0, 3334, False),  # 30 × 3334 / 100 = 1000.2
        (1000.2, 3334, True),  # exactly 30 m² per 100 households (no float division)
        (1500.0, 5000, True),
        (1499.0, 5000, False),
    ],
)
def test_complex_floor_area_boundary(area: float, households: float, passed: bool) -> None:
    row = _complex(area, households)
    assert bool(row["passed"]) is passed
    assert row["value"] == pytest.approx(area)
    assert row["threshold"] == pytest.approx(max(1000.0, 0.3 * households))


def test_complex_floor_area_sums_all_complex_facilities_of_the_community() -> None:
    fac = [
        {
            "facility_id": "F1",
            "name": "党群服务中心",
            "type": "community_service",
            "floor_area_m2": 700.0,
            "community_id": "C1",
        },
        {
            "facility_id": "F2",
            "name": "服务站",
            "type": "community_service",
            "floor_area_m2": 300.0,
            "community_id": "C1",
        },
        {"facility_id": "F3", "name": "幼儿园", "type": "kindergarten", "floor_area_m2": 3000.0, "community_id": "C1"},
    ]
    row = _run({"households": 3000}, fac).loc["complex_floor_area"]
    assert row["value"] == 1000.0
    assert bool(row["passed"])
    assert "1,000 m²" in row["reason_en"] and "1,000平方米" in row["reason_zh"]


def test_complex_floor_area_not_assessed_without_households() -> None:
    row = _complex(2000.0, float("nan"))
    assert pd.isna(row["passed"])
    assert "households" in row["reason_en"]


@pytest.mark.parametrize(("staff", "passed"), [(18, True), (17, False), (19, True)])
def test_staff_ratio_boundary_18_per_10000(staff: int, passed: bool) -> None:
    row = _run({"staff": staff}).loc["staff_ratio"]
    assert bool(row["passed"]) is passed
    assert row["value"] == pytest.approx(staff)  # population is exactly 10,000


def test_staff_ratio_exact_at_awkward_population() -> None:
    # 18 per 10k of 8,500 residents is 15.3 staff: 15 fails, 16 passes
    rows = [_run({"staff": s, "population": 8500.0}).loc["staff_ratio"] for s in (15, 16)]
    assert [bool(r["passed"]) for r in rows] == [False, True]
    assert "16 staff needed" in rows[0]["reason_en"]


@pytest.mark.parametrize(
    ("households", "grids", "passed"),
    [(3000, 10, True), (3000, 6, True), (3006, 6, False), (2990, 10, False), (4000, 8, True)],
)
def test_grid_households_boundary_300_to_500(households: int, grids: int, passed: bool) -> None:
    row = _run({"households": households, "grid_count": grids}).loc["grid_households"]
    assert bool(row["passed"]) is passed
    assert row["value"] == pytest.approx(households / grids)


def test_coverage_rule_boundary_at_the_target_share() -> None:
    target = BOOK.rules["coverage_kindergarten"].numbers["target_share"].value
    at = _run({}, covered={"kindergarten": 10000.0 * target}).loc["coverage_kindergarten"]
    short = _run({}, covered={"kindergarten": 10000.0 * target - 1}).loc["coverage_kindergarten"]
    assert bool(at["passed"]) and at["value"] == pytest.approx(target)
    assert not bool(short["passed"])
    assert f"{round(10000 * (1 - target)) + 1:,} residents are farther" in short["reason_en"]
    assert "of a kindergarten" in short["reason_en"]
    elderly = _run({}, covered={}).loc["coverage_elderly_day_care"]
    assert "of an elderly day-care centre" in elderly["reason_en"]


@pytest.mark.parametrize(("area", "passed"), [(2200.0, True), (2199.9, False)])
def test_facility_minimum_floor_area_boundary(area: float, passed: bool) -> None:
    fac = [
        {"facility_id": "K", "name": "某幼儿园", "type": "kindergarten", "floor_area_m2": area, "community_id": "C1"}
    ]
    row = _run({}, fac).loc["facility_floor_area"]
    assert bool(row["passed"]) is passed
    if not passed:
        assert "某幼儿园" in row["reason_en"] and "2,200" in row["reason_zh"]


def test_facility_compliance_marks_unknown_area_as_missing() -> None:
    fac = pd.DataFrame(
        {"type": ["kindergarten", "kindergarten", "primary_school"], "floor_area_m2": [2500, np.nan, 100]}
    )
    out = facility_compliance(fac, BOOK)
    assert out["meets_min_area"].tolist()[0] is True
    assert pd.isna(out["meets_min_area"].iloc[1])  # area unknown
    assert pd.isna(out["meets_min_area"].iloc[2])  # schools have no minimum in the rulebook
    assert math.isnan(out["min_floor_area_m2"].iloc[2])


def test_wide_results_lists_failures_in_both_languages() -> None:
    checks = _run({"staff": 5, "households": 3000, "grid_count": 2}).reset_index()
    wide = wide_results(checks, BOOK)
    row = wide.loc["C1"]
    assert row[naming.rule_pass("staff_ratio")] is np.False_ or row[naming.rule_pass("staff_ratio")] is False
    assert row["n_failed"] == int((checks["passed"] == False).sum())  # noqa: E712
    assert "Community workers per 10,000 residents" in row["failed_rules_en"]
    assert "每万常住人口社区工作者人数" in row["failed_rules_zh"]


def test_checks_name_the_basis_document_in_both_languages_beside_the_trail() -> None:
    by_rule = _run({"population": 5000, "households": 1600, "staff": 9, "grid_count": 4})
    table = by_rule.reset_index()
    book = load_rulebook()
    assert by_rule.loc["staff_ratio", "source"] == "HUBEI-14"  # the trail column is unchanged
    assert by_rule.loc["staff_ratio", "basis_zh"].startswith("省级“十四五”城乡社区服务体系建设规划")
    kg = by_rule.loc["coverage_kindergarten"]
    kg_basis = "《城市居住区规划设计标准》GB 50180-2018 附录B、附录C(幼儿园)"
    assert kg["basis_zh"] == kg_basis + "；本工具默认值(政策取值,请按本地要求设定)"
    assert kg["basis_en"].startswith("Standard for urban residential area planning and design, GB 50180-2018")
    area = by_rule.loc["facility_floor_area", "basis_zh"]
    assert "《城镇老年人设施规划规范》GB 50437" in area and "附录" not in area  # documents, without clauses
    for text in pd.concat([table["basis_zh"], table["basis_en"]]):
        assert text and not any(k in text for k in book.research_keys()), text

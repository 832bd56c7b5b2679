"""Compliance: every community checked against every rule of the rulebook.

Each check yields the measured value, the threshold, pass / fail / not assessed (missing data),
and a reason in English and Chinese, with the rule's basis (the standard or policy document, in
both languages), its source (the verification trail) and confirmation status. Every
threshold is inclusive: a value exactly at the threshold passes. Comparisons are made in
multiplied-out form (``staff × 10000 >= 18 × population``) so that a value exactly at the
threshold is not lost to floating-point division.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner import naming
from planner.rules.model import CommunityRule, Rulebook


@dataclass(frozen=True)
class Check:
    """One community's result for one rule."""

    value: float
    threshold: float
    passed: bool | None  # None: not assessed
    reason_en: str
    reason_zh: str


def facility_compliance(facilities: pd.DataFrame, rulebook: Rulebook) -> pd.DataFrame:
    """Minimum floor area per facility: ``min_floor_area_m2`` and ``meets_min_area``.

    ``meets_min_area`` is missing when the type has no minimum or the floor area is unknown.
    """
    minimum = (
        facilities["type"]
        .map({k: (t.min_floor_area_m2.value if t.min_floor_area_m2 else np.nan) for k, t in rulebook.types.items()})
        .astype(float)
    )
    area = facilities["floor_area_m2"].astype(float)
    known = minimum.notna() & area.notna()
    meets = pd.array([pd.NA] * len(facilities), dtype="boolean")
    meets[known.to_numpy()] = (area[known] >= minimum[known]).to_numpy()
    return pd.DataFrame({"min_floor_area_m2": minimum, "meets_min_area": meets}, index=facilities.index)


def community_checks(
    communities: pd.DataFrame, facilities: pd.DataFrame, coverage: pd.DataFrame, rulebook: Rulebook
) -> pd.DataFrame:
    """The long table: one row per community and rule.

    Parameters
    ----------
    communities
        ``community_id``, ``name``, ``population`` and optional ``households``, ``staff``,
        ``grid_count``.
    facilities
        ``facility_id``, ``name``, ``type``, ``floor_area_m2``, ``community_id``,
        ``min_floor_area_m2``.
    coverage
        Indexed by ``community_id`` with ``pop_covered_<type>`` and ``share_covered_<type>``.
    """
    facts = _facility_facts(facilities, rulebook)
    cov_rows = coverage.to_dict("index")
    basis = {
        lang: {rid: rule_basis(rule, lang, rulebook) for rid, rule in rulebook.rules.items()} for lang in ("zh", "en")
    }
    rows = []
    for comm in communities.itertuples(index=False):
        cid = comm.community_id
        for rule in rulebook.rules.values():
            check = _check(rule, comm, facts, cid, cov_rows[cid], rulebook)
            rows.append(
                {
                    "community_id": cid,
                    "community_name": comm.name,
                    "rule_id": rule.id,
                    "rule_en": rule.name_en,
                    "rule_zh": rule.name_zh,
                    "kind": rule.kind,
                    "value": check.value,
                    "threshold": check.threshold,
                    "passed": check.passed,
                    "reason_en": check.reason_en,
                    "reason_zh": check.reason_zh,
                    "source": ", ".join(sorted({n.source for n in rule.numbers.values()})),
                    "status": ", ".join(sorted({n.status for n in rule.numbers.values()})),
                    "basis_zh": basis["zh"][rule.id],
                    "basis_en": basis["en"][rule.id],
                }
            )
    table = pd.DataFrame(rows)
    table["passed"] = table["passed"].astype("boolean")
    return table


def rule_basis(rule: CommunityRule, lang: str, rulebook: Rulebook) -> str:
    """The standard or policy documents a rule's numbers are based on, in ``lang``, joined by ``; ``.

    Each basis once, in the order of the rule's numbers, with planner's own defaults (status
    P) last; the facility floor-area rule names the documents of the types' minimum floor
    areas. Never a research key: that is the trail in the ``source`` column.
    """
    if rule.kind == "facility_floor_area":
        mins = [t.min_floor_area_m2 for t in rulebook.types.values() if t.min_floor_area_m2 is not None]
        texts = [n.document(lang) for n in mins]
    else:
        texts = [n.basis(lang) for n in sorted(rule.numbers.values(), key=lambda n: n.status == "P")]
    return ("；" if lang == "zh" else "; ").join(dict.fromkeys(t for t in texts if t))


def _get(row: object, name: str) -> float:
    value = getattr(row, name, np.nan)
    return float(value) if value is not None and not pd.isna(value) else math.nan


@dataclass(frozen=True)
class _Facts:
    """Per-community facility aggregates, computed once for all communities."""

    complex_area: dict[tuple[str, ...], pd.Series]  # facility types -> floor area per community
    n_checked: pd.Series  # facilities with a known area and a minimum, per community
    short_en: dict[object, list[str]]  # facilities below their minimum, per community
    short_zh: dict[object, list[str]]


def _facility_facts(fac: pd.DataFrame, book: Rulebook) -> _Facts:
    by_types = {r.facility_types for r in book.rules.values() if r.kind == "complex_floor_area"}
    complex_area = {
        types: fac.loc[fac["type"].isin(types)].groupby("community_id")["floor_area_m2"].sum() for types in by_types
    }
    checked = fac.loc[fac["min_floor_area_m2"].notna() & fac["floor_area_m2"].notna()]
    short = checked.loc[checked["floor_area_m2"] < checked["min_floor_area_m2"]]
    short_en: dict[object, list[str]] = {}
    short_zh: dict[object, list[str]] = {}
    for cid, name, ftype, area, minimum in zip(
        short["community_id"],
        short["name"],
        short["type"],
        short["floor_area_m2"],
        short["min_floor_area_m2"],
        strict=True,
    ):
        t = book.types[ftype]
        short_en.setdefault(cid, []).append(f"{name} {area:,.0f} m² < {minimum:,.0f} m² ({t.name_en.lower()})")
        short_zh.setdefault(cid, []).append(f"{name}{area:,.0f}平方米,低于{t.name_zh}最低{minimum:,.0f}平方米")
    return _Facts(complex_area, checked.groupby("community_id").size(), short_en, short_zh)


def _check(rule: CommunityRule, comm: object, facts: _Facts, cid: object, cov: dict, book: Rulebook) -> Check:
    if rule.kind == "coverage":
        return _coverage(rule, comm, cov, book)
    if rule.kind == "complex_floor_area":
        return _complex(rule, comm, float(facts.complex_area[rule.facility_types].get(cid, 0.0)), book)
    if rule.kind == "staff_ratio":
        return _staff(rule, comm)
    if rule.kind == "grid_households":
        return _grids(rule, comm)
    return _facility_area(int(facts.n_checked.get(cid, 0)), facts.short_en.get(cid, []), facts.short_zh.get(cid, []))


def _na(en: str, zh: str) -> Check:
    return Check(math.nan, math.nan, None, f"not assessed: {en}", f"未评估:{zh}")


def _coverage(rule: CommunityRule, comm: object, cov: dict, book: Rulebook) -> Check:
    key = rule.facility_types[0]
    t = book.types[key]
    pop = _get(comm, "population")
    if not pop > 0:
        return _na("no residents", "无常住人口")
    covered = float(cov[naming.pop_covered(key)])
    target = rule.numbers["target_share"].value
    share = covered / pop
    passed = covered >= target * pop
    r = f"{t.radius_m.value:g}"
    article = "an" if t.name_en[:1].lower() in "aeiou" else "a"
    en = f"{share:.0%} of residents within {r} m of {article} {t.name_en.lower()} (target {target:.0%})"
    zh = f"{r}米内{t.name_zh}覆盖{share:.0%}的居民(目标{target:.0%})"
    if not passed:
        uncovered = round(pop - covered)
        en += f"; {uncovered:,} residents are farther"
        zh += f";{uncovered:,}名居民超出服务半径"
    return Check(share, target, passed, en, zh)


def _complex(rule: CommunityRule, comm: object, area: float, book: Rulebook) -> Check:
    """The required area is the larger of ``min_m2`` and ``per_100_households_m2`` per 100 households.

    Without households the per-household part is unknown, but an area below ``min_m2`` fails
    whatever the households are: the floor alone decides.
    """
    hh = _get(comm, "households")
    min_m2 = rule.numbers["min_m2"].value
    per100 = rule.numbers["per_100_households_m2"].value
    names = "/".join(book.types[k].name_en.lower() for k in rule.facility_types)
    if math.isnan(hh):
        if area >= min_m2:
            return _na(
                f"households unknown; {area:,.0f} m² meets the {min_m2:,.0f} m² minimum, but the "
                f"{per100:g} m² per 100 households cannot be checked",
                f"缺少户数;建筑面积{area:,.0f}平方米达到最低{min_m2:,.0f}平方米,但无法核对每百户{per100:g}平方米",
            )
        en = (
            f"households unknown, but {area:,.0f} m² of {names} floor area is below the {min_m2:,.0f} m² "
            f"minimum that applies whatever the households; {min_m2 - area:,.0f} m² short"
        )
        zh = (
            f"缺少户数,但社区综合服务设施建筑面积{area:,.0f}平方米低于无论户数均适用的最低{min_m2:,.0f}平方米,"
            f"缺口{min_m2 - area:,.0f}平方米"
        )
        return Check(area, min_m2, False, en, zh)
    need = max(min_m2, per100 * hh / 100)
    passed = area >= min_m2 and area * 100 >= per100 * hh
    basis_en = f"{per100:g} m² per 100 households" if per100 * hh / 100 > min_m2 else f"the {min_m2:,.0f} m² minimum"
    basis_zh = f"每百户{per100:g}平方米" if per100 * hh / 100 > min_m2 else f"最低{min_m2:,.0f}平方米"
    en = f"{area:,.0f} m² of {names} floor area; {need:,.0f} m² required ({basis_en})"
    zh = f"社区综合服务设施建筑面积{area:,.0f}平方米,应不少于{need:,.0f}平方米({basis_zh})"
    if not passed:
        en += f"; {need - area:,.0f} m² short"
        zh += f",缺口{need - area:,.0f}平方米"
    return Check(area, need, passed, en, zh)


def _staff(rule: CommunityRule, comm: object) -> Check:
    staff, pop = _get(comm, "staff"), _get(comm, "population")
    if math.isnan(staff):
        return _na("staff count unknown", "缺少工作人员数")
    if not pop > 0:
        return _na("no residents", "无常住人口")
    per10k = rule.numbers["per_10k_residents"].value
    value = staff * 10_000 / pop
    passed = staff * 10_000 >= per10k * pop
    need = math.ceil(per10k * pop / 10_000 - 1e-9)
    en = f"{staff:g} staff for {pop:,.0f} residents = {value:.1f} per 10,000 (target {per10k:g}; {need} staff needed)"
    zh = f"{staff:g}名工作人员服务{pop:,.0f}名居民,每万人{value:.1f}名(标准{per10k:g}名,需{need}名)"
    return Check(value, per10k, passed, en, zh)


def _grids(rule: CommunityRule, comm: object) -> Check:
    grids, hh = _get(comm, "grid_count"), _get(comm, "households")
    if math.isnan(grids) or math.isnan(hh):
        return _na("grid count or households unknown", "缺少网格数或户数")
    if grids <= 0:
        return Check(math.nan, math.nan, False, "no governance grids", "未划分网格")
    lo, hi = rule.numbers["min_households"].value, rule.numbers["max_households"].value
    value = hh / grids
    passed = lo * grids <= hh <= hi * grids
    en = f"{hh:,.0f} households in {grids:g} grids = {value:,.0f} per grid (standard {lo:g}-{hi:g})"
    zh = f"{hh:,.0f}户分为{grids:g}个网格,每格{value:,.0f}户(标准{lo:g}-{hi:g}户)"
    if not passed:
        fit = math.ceil(hh / hi)
        en += f"; {fit}-{max(fit, math.floor(hh / lo))} grids would fit"
        zh += f";宜划分{fit}-{max(fit, math.floor(hh / lo))}个网格"
    return Check(value, hi, passed, en, zh)


def _facility_area(n_checked: int, short_en: list[str], short_zh: list[str]) -> Check:
    if n_checked == 0:
        return _na("no facility with a known floor area and a minimum", "无可评估面积的设施")
    if not short_en:
        en = f"all {n_checked} facilities meet their minimum floor area"
        zh = f"{n_checked}处设施均达到最低建筑面积"
        return Check(0.0, 0.0, True, en, zh)
    return Check(float(len(short_en)), 0.0, False, "; ".join(short_en), ";".join(short_zh))


def wide_results(checks: pd.DataFrame, rulebook: Rulebook) -> pd.DataFrame:
    """Per community: value/threshold/pass columns per rule, failures listed in both languages."""
    out = pd.DataFrame(index=pd.Index(checks["community_id"].unique(), name="community_id"))
    for rule_id, grp in checks.groupby("rule_id", sort=False):
        g = grp.set_index("community_id")
        out[naming.rule_value(rule_id)] = g["value"]
        out[naming.rule_threshold(rule_id)] = g["threshold"]
        out[naming.rule_pass(rule_id)] = g["passed"]
    failed = checks.loc[checks["passed"].fillna(True).eq(False)]
    by = failed.groupby("community_id", sort=False)
    out["n_failed"] = by.size().reindex(out.index, fill_value=0).astype("int64")
    assessed = checks.loc[checks["passed"].notna()].groupby("community_id").size()
    out["n_assessed"] = assessed.reindex(out.index, fill_value=0).astype("int64")
    text_en = (
        (failed["rule_en"] + ": " + failed["reason_en"]).groupby(failed["community_id"], sort=False).agg(" | ".join)
    )
    text_zh = (
        (failed["rule_zh"] + ":" + failed["reason_zh"]).groupby(failed["community_id"], sort=False).agg(" | ".join)
    )
    out["failed_rules_en"] = text_en.reindex(out.index).fillna("")
    out["failed_rules_zh"] = text_zh.reindex(out.index).fillna("")
    return out

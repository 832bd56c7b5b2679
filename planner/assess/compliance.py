"""Compliance: every community checked against every rule of the rulebook.

Each check yields the measured value, the threshold, pass / fail / not assessed (missing data),
and a reason in English and Chinese, with the rule's basis (the standard or policy document, in
both languages), its source (the verification trail) and confirmation status. Every
threshold is inclusive: a value exactly at the threshold passes. Comparisons are made in
multiplied-out form (``staff × 10000 >= 18 × population``) so that a value exactly at the
threshold is not lost to floating-point division.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner import naming
from planner.rules.kinds import KINDS, Check, Facts, kind_of
from planner.rules.model import CommunityRule, Rulebook

__all__ = ["Check", "community_checks", "community_columns", "facility_compliance", "rule_basis", "wide_results"]


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
    facts = Facts(facilities, rulebook)
    cov_rows = coverage.to_dict("index")
    basis = {
        lang: {rid: rule_basis(rule, lang, rulebook) for rid, rule in rulebook.rules.items()} for lang in ("zh", "en")
    }
    rows = []
    for comm in communities.itertuples(index=False):
        cid = comm.community_id
        for rule in rulebook.rules.values():
            check = kind_of(rule).check(rule, comm, cid, cov_rows[cid], facts)
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
                    # the rule's own numbers (empty for the facility floor-area rule)
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
    texts = kind_of(rule).basis(rule, lang, rulebook)
    return ("；" if lang == "zh" else "; ").join(dict.fromkeys(t for t in texts if t))


def community_columns(communities: pd.DataFrame, facilities: pd.DataFrame, rulebook: Rulebook) -> pd.DataFrame:
    """The rule kinds' community columns (``complex_floor_area_m2``, ``staff_needed``, ...).

    Aligned to ``communities``, in the order of :data:`planner.rules.kinds.KINDS`; each kind
    computes its columns from its rules (see :meth:`planner.rules.kinds.RuleKind.columns`).
    """
    facts = Facts(facilities, rulebook)
    out = pd.DataFrame(index=communities.index)
    for key, kind in KINDS.items():
        rules = [r for r in rulebook.rules.values() if r.kind == key]
        for name, column in kind.columns(rules, communities, facts).items():
            out[name] = column
    return out


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

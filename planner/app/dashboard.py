"""At-a-glance figures and tables of an analysis, in English or Chinese.

Everything the app shows besides the map is computed here, without Streamlit: the KPI
sentences ("6 of 24 communities meet ..."), the coverage chart data, the community table
sorted by failures and one community's rule results (the download files are in
``planner.app.downloads``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyproj

from planner import naming
from planner.analysis import Analysis
from planner.assess.groups import demand_groups
from planner.i18n import LABELS, article, in_sentence, t
from planner.plan.scenario import compare
from planner.rules.kinds import KINDS, kind_of
from planner.rules.model import CommunityRule


@dataclass(frozen=True)
class Kpi:
    """One headline figure: a label, its value, an optional change and a full sentence."""

    label: str
    value: str
    delta: str | None
    sentence: str


def _rule_counts(result: Analysis, rule_id: str) -> tuple[int, int]:
    r = result.summary["rules"][rule_id]
    return int(r["communities_passing"]), int(r["communities_passing"] + r["communities_failing"])


def _all_rules(result: Analysis) -> tuple[int, int]:
    comm = result.communities
    assessed = comm["n_assessed"] > 0 if "n_assessed" in comm.columns else pd.Series(True, index=comm.index)
    return int(((comm["n_failed"] == 0) & assessed).sum()), len(comm)


def kpis(result: Analysis, focus_type: str, lang: str, *, base: Analysis | None = None) -> list[Kpi]:
    """Headline figures; with ``base``, each carries its change against the base result."""
    book = result.study.rulebook
    ftype = book.types[focus_type]
    cov = result.summary["coverage"][focus_type]
    out = []
    residents = result.summary["district"]["residents"]
    out.append(Kpi(t("kpi_residents", lang), f"{residents:,}", None, ""))
    n, total = _all_rules(result)
    delta = None
    if base is not None:
        d = n - _all_rules(base)[0]
        delta = f"{d:+d}" if d else None
    out.append(Kpi(t("kpi_communities_all", lang), t("kpi_of", lang, n=n, total=total), delta, ""))
    name = in_sentence(ftype.name(lang), lang)
    label = t("kpi_coverage", lang, radius=ftype.radius_m.value, type=name, article=article(name, lang))
    delta = None
    if base is not None:
        d = cov["residents_covered"] - base.summary["coverage"][focus_type]["residents_covered"]
        delta = f"{d:+,} {t('residents_unit', lang)}" if d else None
    sentence = t(
        "kpi_residents_sentence",
        lang,
        covered=cov["residents_covered"],
        total=cov["residents"],
        share=cov["share_covered"] if np.isfinite(cov["share_covered"]) else 0.0,
        radius=ftype.radius_m.value,
        type=name,
        article=article(name, lang),
    )
    out.append(Kpi(label, f"{_pct(cov['share_covered'])}", delta, sentence))
    unreachable = _unreachable_kpi(result, focus_type, lang, base)
    if unreachable is not None:
        out.append(unreachable)
    for rid in _headline_rules(result):
        n, total = _rule_counts(result, rid)
        delta = None
        if base is not None:
            d = n - _rule_counts(base, rid)[0]
            delta = f"{d:+d}" if d else None
        rule = book.rules[rid].name(lang)
        out.append(
            Kpi(
                short_rule_name(book.rules[rid], lang),
                t("kpi_of", lang, n=n, total=total),
                delta,
                t("kpi_rule_sentence", lang, n=n, total=total, rule=rule),
            )
        )
    return out


def _unreachable_kpi(result: Analysis, focus_type: str, lang: str, base: Analysis | None) -> Kpi | None:
    """Residents who reach no facility of the type (streets in pieces or too far), with what to do.

    None when everybody reaches one (so a connected district shows no extra card) or the
    district has no facility of the type (its 0 % coverage says it). No change is shown: the
    app colours a rise green, which would be wrong for this figure.
    """
    cov = result.summary["coverage"][focus_type]
    before = base.summary["coverage"][focus_type]["residents_unreachable"] if base is not None else 0
    has_one = result.summary["district"]["facilities"].get(focus_type, 0) > 0
    if not has_one or not (cov["residents_unreachable"] or before):
        return None
    name = in_sentence(result.study.rulebook.types[focus_type].name(lang), lang)
    sentence = t("kpi_unreachable_sentence", lang, n=cov["residents_unreachable"], type=name)
    net = result.summary.get("network") or {}
    if net.get("pieces", 1) > 1 or net.get("residents_far_from_street"):
        snap = result.summary["parameters"]["max_snap_m"]
        far = net["residents_far_from_street"]
        sentence += " " + t("kpi_unreachable_network", lang, pieces=net["pieces"], far=far, snap=snap)
    return Kpi(t("kpi_unreachable", lang, type=name), _pct(cov["share_unreachable"]), None, sentence)


def short_rule_name(rule: CommunityRule, lang: str) -> str:
    """A short label with the rule's numbers, e.g. "Complex ≥ 1,000 m²" (KPI cards)."""
    return kind_of(rule).short_name(rule, lang)


def _headline_rules(result: Analysis) -> list[str]:
    """The non-coverage rules (floor area, staff, grids...), in rulebook order."""
    return [rid for rid, r in result.study.rulebook.rules.items() if not kind_of(r).per_type]


def _pct(share: float) -> str:
    return f"{share:.0%}" if share is not None and np.isfinite(share) else "–"


def rule_sentences(result: Analysis, lang: str) -> list[str]:
    """One sentence per rule: "6 of 24 communities meet “…”"."""
    out = []
    for rid, rule in result.study.rulebook.rules.items():
        n, total = _rule_counts(result, rid)
        out.append(t("kpi_rule_sentence", lang, n=n, total=total, rule=rule.name(lang)))
    return out


def coverage_table(result: Analysis, lang: str) -> pd.DataFrame:
    """Per facility type: name, radius, residents covered and share (for the chart)."""
    rows = []
    for key, ftype in result.study.rulebook.types.items():
        c = result.summary["coverage"][key]
        rows.append(
            {
                "type": key,
                "name": ftype.name(lang),
                "radius_m": ftype.radius_m.value,
                "residents_covered": c["residents_covered"],
                "residents": c["residents"],
                "share": float(c["share_covered"]) if np.isfinite(c["share_covered"]) else 0.0,
                "facilities": result.summary["district"]["facilities"].get(key, 0),
            }
        )
    return pd.DataFrame(rows)


def group_table(result: Analysis, lang: str) -> pd.DataFrame:
    """Per type that serves a group other than all residents: the group, its residents, those
    within the type's radius, their share, and how the group was counted (``summary.json``'s
    ``group_coverage``). Empty when no type serves a group.
    """
    groups = demand_groups(result.study.rulebook)
    book = result.study.rulebook
    sep = "、" if lang == "zh" else ", "
    rows = []
    for key, g in result.summary.get("group_coverage", {}).items():
        share = g["share_group_covered"]
        rows.append(
            {
                t("col_type", lang): book.types[key].name(lang),
                t("list_group", lang): groups[g["group"]].name(lang),
                t("group_residents", lang): f"{g['group_residents']:,}",
                t("group_covered", lang): f"{g['group_covered']:,}",
                t("group_share", lang): _pct(share),
                t("list_basis", lang): sep.join(t(f"basis_{b}", lang) for b in str(g["demand_basis"]).split(";")),
            }
        )
    return pd.DataFrame(rows)


def coverage_chart(result: Analysis, lang: str) -> dict:
    """A Vega-Lite bar chart of the share of residents covered per facility type, data included.

    A plain specification (``st.vega_lite_chart(spec=...)``), so the app needs no chart
    library of its own.
    """
    data = coverage_table(result, lang)
    people = t("kpi_residents", lang)
    values = [
        {
            "label": f"{name} ({radius:g} m)",
            "name": name,
            "share": float(share),
            "residents_covered": int(covered),
            "radius_m": float(radius),
        }
        for name, radius, share, covered in zip(
            data["name"], data["radius_m"], data["share"], data["residents_covered"], strict=True
        )
    ]
    return {
        "title": t("chart_title", lang),
        "height": 34 * len(values) + 40,
        "data": {"values": values},
        "encoding": {
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": t("chart_share", lang),
                "axis": {"format": "%"},
                "scale": {"domain": [0, 1]},
            },
            "y": {"field": "label", "type": "nominal", "sort": None, "title": None, "axis": {"labelLimit": 320}},
            "tooltip": [
                {"field": "name", "type": "nominal", "title": t("col_type", lang)},
                {"field": "share", "type": "quantitative", "format": ".1%", "title": t("chart_share", lang)},
                {"field": "residents_covered", "type": "quantitative", "format": ",", "title": people},
                {"field": "radius_m", "type": "quantitative", "title": t("chart_radius", lang)},
            ],
        },
        "layer": [
            {"mark": {"type": "bar", "color": "#2c7bb6"}},
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "color": "#333"},
                "encoding": {"text": {"field": "share", "type": "quantitative", "format": ".0%"}},
            },
        ],
    }


def rules_table(result: Analysis, lang: str) -> pd.DataFrame:
    """Per rule: name and the number of communities passing, failing and not assessed."""
    book = result.study.rulebook
    rows = []
    for rid, rule in book.rules.items():
        r = result.summary["rules"][rid]
        # officials read the standard or policy document, never a research key (standards.md §6)
        bases = list(dict.fromkeys(n.basis_zh if lang == "zh" else n.basis_en for n in rule.numbers.values()))
        statuses = [book.status_name(s, lang) for s in sorted({n.status for n in rule.numbers.values()})]
        rows.append(
            {
                t("col_rule", lang): rule.name(lang),
                t("rule_passing", lang): r["communities_passing"],
                t("rule_failing", lang): r["communities_failing"],
                t("rule_na", lang): r["communities_not_assessed"],
                t("source_status", lang): f"{'; '.join(bases)} ({', '.join(statuses)})",
            }
        )
    return pd.DataFrame(rows)


def community_table(result: Analysis, focus_type: str, lang: str) -> pd.DataFrame:
    """The community table for display, sorted by rules failed (most first), indexed by id."""
    comm = result.communities
    ftype = result.study.rulebook.types[focus_type]
    cols = {
        "name": t("col_name", lang),
        "sub_district": t("col_sub_district", lang),
        "population": t("col_population", lang),
        "households": t("col_households", lang),
        "staff": t("col_staff", lang),
        "n_failed": t("col_failed", lang),
        "complex_floor_area_m2": t("col_complex", lang),
        naming.share_covered(focus_type): t("col_share", lang, radius=ftype.radius_m.value, type=ftype.name(lang)),
    }
    present = [c for c in cols if c in comm.columns]
    table = pd.DataFrame(comm[present]).copy()
    table.index = comm["community_id"].astype(str).to_numpy()
    share_col = naming.share_covered(focus_type)
    if share_col in table.columns:
        table[share_col] = (table[share_col].astype(float) * 100).round(1)
    table = table.sort_values(["n_failed", "population"], ascending=[False, False], kind="stable")
    return table.rename(columns=cols)


def community_checks(result: Analysis, community_id: str, lang: str) -> pd.DataFrame:
    """One community's result for every rule, with the reason in the chosen language."""
    checks = result.checks.loc[result.checks["community_id"].astype(str) == str(community_id)]
    book = result.study.rulebook
    state = checks["passed"].map(lambda v: t("na", lang) if pd.isna(v) else t("pass" if v else "fail", lang))
    return pd.DataFrame(
        {
            t("col_rule", lang): [book.rules[r].name(lang) for r in checks["rule_id"]],
            t("col_result", lang): state.to_numpy(),
            t("col_value", lang): [_fmt_value(v, k) for v, k in zip(checks["value"], checks["kind"], strict=True)],
            t("col_threshold", lang): [
                _fmt_value(v, k) for v, k in zip(checks["threshold"], checks["kind"], strict=True)
            ],
            t("col_reason", lang): checks["reason_zh" if lang == "zh" else "reason_en"].to_numpy(),
            t("col_source", lang): checks["basis_zh" if lang == "zh" else "basis_en"].to_numpy(),
            t("col_status", lang): [book.status_name(s, lang) for s in checks["status"]],
        }
    )


def _fmt_value(value: float, kind: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    return KINDS[kind].format_value(value)


def compare_tables(a: Analysis, b: Analysis, name_a: str, name_b: str, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison tab's two tables (coverage per type, communities passing per rule), for display.

    The rule table shows the communities passing each rule in A and in B, the change, and
    the communities assessed (in B), each under its own header.
    """
    cov, rules = compare(a, b, lang=lang)
    side_a, side_b = f"A: {name_a}", f"B: {name_b}"
    cov_show = cov.drop(columns=["type", "share_a", "share_b"]).rename(
        columns={
            "name": t("col_type", lang),
            "radius_m": t("col_radius", lang),
            "residents_a": side_a,
            "residents_b": side_b,
            "delta": t("col_delta", lang),
        }
    )
    rules_show = rules.drop(columns=["rule_id"]).rename(
        columns={
            "name": t("col_rule", lang),
            "passing_a": t("col_passing_side", lang, side=side_a),
            "passing_b": t("col_passing_side", lang, side=side_b),
            "delta": t("col_delta", lang),
            "assessed": t("col_assessed", lang),
        }
    )
    return cov_show, rules_show


def quality_table(result: Analysis, lang: str) -> pd.DataFrame:
    """The validation log for display: layer, feature id, what was done and why, in one language."""
    v = result.validation

    def label(prefix: str, value: object) -> str:
        key = f"{prefix}{value}"
        return t(key, lang) if key in LABELS else str(value)

    return pd.DataFrame(
        {
            t("q_layer", lang): [label("q_layer_", x) for x in v["layer"]],
            t("q_id", lang): v["id"].astype(str).to_numpy(),
            t("q_action", lang): [label("q_action_", x) for x in v["action"]],
            t("q_message", lang): v["message_zh" if lang == "zh" else "message_en"].to_numpy(),
        }
    )


def facility_labels(result: Analysis, lang: str) -> dict[str, str]:
    """Facility id → "name · type (id)" for pickers, sorted by type then name."""
    book = result.study.rulebook
    fac = result.facilities.sort_values(["type", "name"], kind="stable")
    return {
        str(r.facility_id): f"{r.name} · {book.types[r.type].name(lang)} ({r.facility_id})"
        for r in fac.itertuples(index=False)
    }


def to_wgs84_point(result: Analysis, facility_id: str) -> tuple[float, float]:
    """(lon, lat) of a facility."""
    fac = result.facilities
    geom = fac.loc[fac["facility_id"].astype(str) == str(facility_id)].geometry.iloc[0]
    lon, lat = pyproj.Transformer.from_crs(result.study.crs, "EPSG:4326", always_xy=True).transform(geom.x, geom.y)
    return float(lon), float(lat)


def community_labels(result: Analysis) -> dict[str, str]:
    """Community id → "name (id)" for the community picker, in the layer's order."""
    comm = result.communities
    ids = comm["community_id"].astype(str)
    return {cid: f"{name} ({cid})" for cid, name in zip(ids, comm["name"].astype(str), strict=True)}


def community_name(result: Analysis, community_id: str) -> str | None:
    """The name of a community, or None when the analysis has no community of that id."""
    comm = result.communities
    row = comm.loc[comm["community_id"].astype(str) == str(community_id)]
    return None if row.empty else str(row["name"].iloc[0])

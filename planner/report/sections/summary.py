"""Section 1, the summary page: key figures, one headline per facility type with the coverage
table, the standards in words, and the three most urgent gaps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd

from planner import naming
from planner.assess.groups import demand_groups
from planner.i18n import article, in_sentence
from planner.report.context import COMMUNITIES, FACILITIES, MEETS_MIN_AREA, POPULATION, Context
from planner.report.model import Column, Num, Ref, Section, Table
from planner.rules.kinds import kind_of


def build(ctx: Context, number: int) -> Section:
    """The summary section."""
    return Section(
        "summary",
        f"{number} {ctx.t('s_summary')}",
        key_figures=tuple(key_figures(ctx)),
        lists=(("headlines", tuple(headlines(ctx))), ("standards", tuple(standards(ctx))), ("gaps", tuple(gaps(ctx)))),
        tables=(coverage(ctx),) + ((groups(ctx),) if ctx.s.get("group_coverage") else ()),
    )


def key_figures(ctx: Context) -> list[tuple[Num, str]]:
    """District totals for the summary page."""
    d = ctx.s["district"]
    out = [
        (ctx.summary("district.communities"), ctx.t("kf_communities")),
        (ctx.summary("district.residents"), ctx.t("kf_residents")),
    ]
    if d.get("households") is not None:
        out.append((ctx.summary("district.households"), ctx.t("kf_households")))
    if d.get("staff") is not None:
        out.append((ctx.summary("district.staff"), ctx.t("kf_staff")))
    out.append((ctx.summary_sum([f"district.facilities.{k}" for k in d["facilities"]]), ctx.t("kf_facilities")))
    return out


def headlines(ctx: Context) -> list[str]:
    """One sentence per facility type: the share of residents within its radius."""
    out = []
    key = "headline_walk" if ctx.s["distance_mode"] == "walk" else "headline_euclidean"
    for t in ctx.s["coverage"]:
        name = in_sentence(ctx.type_label(t), ctx.lang)
        share = ctx.summary(f"coverage.{t}.share_covered", "share")
        radius = ctx.summary(f"coverage.{t}.radius_m", "num")
        text = ctx.t(key, share=share.text, radius=radius.text, type=name, article=article(name, ctx.lang))
        # a type with no facility at all is simply 0 % covered; the sentence is about the streets
        if ctx.s["coverage"][t].get("residents_unreachable") and ctx.s["district"]["facilities"].get(t):
            none = ctx.summary(f"coverage.{t}.share_unreachable", "share")
            text += ("" if ctx.lang == "zh" else " ") + ctx.t(
                "headline_unreachable", share=none.text, type=name, article=article(name, ctx.lang)
            )
        out.append(text)
    return out


def coverage(ctx: Context) -> Table:
    """Residents within each facility type's radius, district-wide."""
    total = ctx.summary("district.communities")
    cols = (
        Column("type", ctx.t("col_type"), width=28),
        Column("radius_m", ctx.t("col_radius"), "num", width=12),
        Column("residents_covered", ctx.t("col_covered"), "count", width=14),
        Column("share_covered", ctx.t("col_share"), "share1", width=12),
        Column("residents_not_covered", ctx.t("col_uncovered"), "count", width=14),
        Column("communities_meeting", ctx.t("col_comm_meeting", total=total.text), "count", width=16),
    )
    rows = []
    for t in ctx.s["coverage"]:
        p = f"coverage.{t}"
        rows.append(
            (
                ctx.text_cell(ctx.type_label(t)),
                ctx.cell(ctx.summary(f"{p}.radius_m", "num")),
                ctx.cell(ctx.summary(f"{p}.residents_covered")),
                ctx.cell(ctx.summary(f"{p}.share_covered", "share1")),
                ctx.cell(ctx.summary_diff(f"{p}.residents", f"{p}.residents_covered")),
                ctx.cell(ctx.summary(f"rules.{naming.coverage_rule(t)}.communities_passing")),
            )
        )
    return Table("coverage", ctx.t("t_coverage"), cols, tuple(rows), sheet=ctx.t("col_share"))


def groups(ctx: Context) -> Table:
    """Per type serving a group other than all residents: the group's residents, those covered, and the basis."""
    names = demand_groups(ctx.book)
    cols = (
        Column("type", ctx.t("col_type"), width=28),
        Column("group", ctx.t("col_served_group"), width=24),
        Column("group_residents", ctx.t("col_group_residents"), "count", width=14),
        Column("group_covered", ctx.t("col_group_covered"), "count", width=14),
        Column("share_group_covered", ctx.t("col_share"), "share1", width=12),
        Column("demand_basis", ctx.t("col_count_basis"), width=24),
    )
    rows = []
    for t, g in ctx.s["group_coverage"].items():
        p = f"group_coverage.{t}"
        basis = ctx.t("list_sep").join(ctx.t(f"basis_{b}") for b in str(g["demand_basis"]).split(";"))
        rows.append(
            (
                ctx.text_cell(ctx.type_label(t)),
                ctx.text_cell(names[g["group"]].name(ctx.lang)),
                ctx.cell(ctx.summary(f"{p}.group_residents")),
                ctx.cell(ctx.summary(f"{p}.group_covered")),
                ctx.cell(ctx.summary(f"{p}.share_group_covered", "share1")),
                ctx.text_cell(basis),
            )
        )
    return Table(
        "groups", ctx.t("t_groups"), cols, tuple(rows), sheet=ctx.t("sheet_groups"), note=ctx.t("groups_note")
    )


# -- standards ------------------------------------------------------------------------------


def standards(ctx: Context) -> list[str]:
    """One sentence per community standard (coverage standards are in the coverage table)."""
    out = []
    for rid, rule in ctx.book.rules.items():
        if kind_of(rule).per_type:
            continue
        p = f"rules.{rid}"
        total = ctx.summary_sum([f"{p}.communities_passing", f"{p}.communities_failing"])
        passing = ctx.s["rules"][rid]["communities_passing"]
        if passing == 0:
            lead = ctx.t("lead_none", total=total.text)
        elif passing == total.value:
            lead = ctx.t("lead_all", total=total.text)
        else:
            lead = ctx.t("lead_some", n=ctx.summary(f"{p}.communities_passing").text, total=total.text)
        sentence = _STANDARD_SENTENCES.get(rule.kind)
        text = sentence(ctx, rid, lead) if sentence else ctx.t("std_generic", lead=lead, rule=rule.name(ctx.lang))
        if ctx.s["rules"][rid]["communities_not_assessed"]:
            text += ctx.t("std_not_assessed", na=ctx.summary(f"{p}.communities_not_assessed").text)
        out.append(text)
    return out


def _std_complex(ctx: Context, rid: str, lead: str) -> str:
    num = f"rules.{rid}.numbers"
    text = ctx.t(
        "std_complex",
        lead=lead,
        min_m2=ctx.summary(f"{num}.min_m2.value", "area").text,
        per100=ctx.summary(f"{num}.per_100_households_m2.value", "num").text,
    )
    if len(ctx.rule_rows(rid)):
        text += ("" if ctx.lang == "zh" else " ") + ctx.t("std_complex_short", short=shortfall_total(ctx, rid).text)
    return text


def _std_staff(ctx: Context, rid: str, lead: str) -> str:
    return ctx.t(
        "std_staff",
        lead=lead,
        per10k=ctx.summary(f"rules.{rid}.numbers.per_10k_residents.value", "num").text,
        staff=ctx.summary("district.staff").text,
        residents=ctx.summary("district.residents").text,
        ratio=ctx.summary_per_10k("district.staff", "district.residents").text,
        need=staff_needed_total(ctx, rid).text,
    )


def _std_grid(ctx: Context, rid: str, lead: str) -> str:
    lo = ctx.summary(f"rules.{rid}.numbers.min_households.value", "num").text
    hi = ctx.summary(f"rules.{rid}.numbers.max_households.value", "num").text
    return ctx.t("std_grid", lead=lead, lo=lo, hi=hi)


def _std_facility_area(ctx: Context, rid: str, lead: str) -> str:
    return ctx.t("std_facility_area", lead=lead, below=facilities_below(ctx).text)


#: the summary's sentence per rule kind (:data:`planner.rules.kinds.KINDS`); other kinds get a generic one
_STANDARD_SENTENCES: dict[str, Callable[[Context, str, str], str]] = {
    "complex_floor_area": _std_complex,
    "staff_ratio": _std_staff,
    "grid_households": _std_grid,
    "facility_floor_area": _std_facility_area,
}


def shortfall_total(ctx: Context, rid: str) -> Num:
    """Complex floor area missing in all failing communities (m²)."""
    value = float(ctx.shortfall(ctx.rule_rows(rid), rid).sum())
    expr = f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}"
    return ctx.n(value, "area", Ref(COMMUNITIES, expr, agg="sum", where=((naming.rule_pass(rid), False),)))


def staff_needed_total(ctx: Context, rid: str) -> Num:
    """Workers needed across all failing communities (compliance's ``staff_needed``)."""
    value = float(ctx.rule_rows(rid)[naming.STAFF_NEEDED].sum())
    where = ((naming.rule_pass(rid), False),)
    return ctx.n(value, "count", Ref(COMMUNITIES, naming.STAFF_NEEDED, agg="sum", where=where))


def facilities_below(ctx: Context) -> Num:
    """Facilities smaller than the minimum floor area of their type."""
    value = int(ctx.result.facilities[MEETS_MIN_AREA].eq(False).fillna(False).sum())
    return ctx.n(value, "count", Ref(FACILITIES, "facility_id", agg="count", where=((MEETS_MIN_AREA, False),)))


# -- gaps -----------------------------------------------------------------------------------


def gaps(ctx: Context) -> list[str]:
    """The three shortfalls that affect the most residents, in plain words."""
    found: list[tuple[float, int, Callable[[], str]]] = []
    for i, t in enumerate(ctx.s["coverage"]):
        c = ctx.s["coverage"][t]
        uncovered = c["residents"] - c["residents_covered"]
        if uncovered > 0:
            found.append((uncovered, i, functools.partial(_coverage_gap, ctx, t)))
    for j, (rid, rule) in enumerate(ctx.book.rules.items()):
        if kind_of(rule).per_type:
            continue
        rows = ctx.rule_rows(rid)
        if len(rows):
            found.append((float(rows[POPULATION].sum()), 100 + j, functools.partial(_rule_gap, ctx, rid)))
    found.sort(key=lambda g: (-g[0], g[1]))
    return [make() for _, _, make in found[:3]]


def _top(
    ctx: Context, frame: pd.DataFrame, values: pd.Series, make: Callable[[str], Num], item: str = "where_item"
) -> str:
    """The two communities of ``frame`` with the largest ``values``, as "name (figure)"."""
    parts = []
    for idx in values.sort_values(ascending=False, kind="stable").index[:2]:
        cid = frame.loc[idx, "community_id"]
        parts.append(ctx.t(item, name=ctx.names[cid], value=make(cid).text))
    return ctx.t("list_and").join(parts)


def _coverage_gap(ctx: Context, t: str) -> str:
    p = f"coverage.{t}"
    n = ctx.summary_diff(f"{p}.residents", f"{p}.residents_covered")
    share = ctx.summary_complement(f"{p}.share_covered")
    radius = ctx.summary(f"{p}.radius_m", "num")
    name = in_sentence(ctx.type_label(t), ctx.lang)
    where = _top(
        ctx,
        ctx.comm,
        ctx.uncovered(ctx.comm, t),
        lambda cid: ctx.community_diff(cid, POPULATION, naming.pop_covered(t), "count"),
    )
    key = "gap_coverage_walk" if ctx.s["distance_mode"] == "walk" else "gap_coverage_euclidean"
    return ctx.t(
        key, n=n.text, share=share.text, radius=radius.text, type=name, article=article(name, ctx.lang), where=where
    )


def _rule_gap(ctx: Context, rid: str) -> str:
    rule = ctx.book.rules[rid]
    rows = ctx.rule_rows(rid)
    where_f = ((naming.rule_pass(rid), False),)
    k = ctx.summary(f"rules.{rid}.communities_failing").text
    n = ctx.n(float(rows[POPULATION].sum()), "count", Ref(COMMUNITIES, POPULATION, agg="sum", where=where_f))
    gap = _GAP_SENTENCES.get(rule.kind)
    if gap is not None:
        return gap(ctx, rid, rows, k, n.text)
    return ctx.t("gap_generic", k=k, n=n.text, rule=rule.name(ctx.lang), where=_names(ctx, rows))


def _gap_complex(ctx: Context, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
    short = shortfall_total(ctx, rid).text
    a, b = naming.rule_threshold(rid), naming.rule_value(rid)
    where = _top(
        ctx, rows, ctx.shortfall(rows, rid), lambda cid: ctx.community_diff(cid, a, b, "area"), "where_item_m2"
    )
    return ctx.t("gap_complex", k=k, n=n, short=short, where=where)


def _gap_staff(ctx: Context, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
    need = staff_needed_total(ctx, rid).text
    per10k = ctx.summary(f"rules.{rid}.numbers.per_10k_residents.value", "num").text
    col = naming.STAFF_NEEDED
    where = _top(ctx, rows, rows[col].astype(float), lambda cid: ctx.community(cid, col, "count"), "where_item_staff")
    return ctx.t("gap_staff", k=k, n=n, need=need, per10k=per10k, where=where)


def _gap_grid(ctx: Context, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
    lo = ctx.summary(f"rules.{rid}.numbers.min_households.value", "num").text
    hi = ctx.summary(f"rules.{rid}.numbers.max_households.value", "num").text
    return ctx.t("gap_grid", k=k, n=n, lo=lo, hi=hi, where=_names(ctx, rows))


def _gap_facility_area(ctx: Context, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
    below = facilities_below(ctx).text
    col = naming.rule_value(rid)
    make = lambda cid: ctx.community(cid, col, "count")  # noqa: E731
    where = _top(ctx, rows, rows[col].astype(float), make, "where_item_facilities")
    return ctx.t("gap_facility_area", below=below, k=k, n=n, where=where)


#: the gap sentence per rule kind; other kinds get a generic one
_GAP_SENTENCES: dict[str, Callable[[Context, str, pd.DataFrame, str, str], str]] = {
    "complex_floor_area": _gap_complex,
    "staff_ratio": _gap_staff,
    "grid_households": _gap_grid,
    "facility_floor_area": _gap_facility_area,
}


def _names(ctx: Context, rows: pd.DataFrame, k: int = 3) -> str:
    top = rows.sort_values(POPULATION, ascending=False, kind="stable").head(k)
    return ctx.t("list_sep").join(top["name"].astype(str))

"""Section 4, recommendations: communities that fail at least one standard, most standards
failed first, with what to do in each; and proposed sites given as a table.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from planner import naming
from planner.report.context import N_FAILED, POPULATION, Context
from planner.report.model import Cell, Column, Ref, Section, Table
from planner.report.sections.results import community_cells, community_columns
from planner.rules.kinds import kind_of
from planner.rules.model import CommunityRule


def build(ctx: Context, number: int, sites: pd.DataFrame | None) -> Section:
    """The recommendations section (with the proposed sites when ``sites`` is given)."""
    tables = (ranking(ctx),) + ((siting(ctx, sites),) if sites is not None else ())
    return Section("recommendations", f"{number} {ctx.t('s_recommend')}", tables=tables)


def ranking(ctx: Context) -> Table:
    """Communities that fail at least one standard, most standards failed first."""
    cols = [
        Column("rank", ctx.t("col_rank"), width=6),
        *community_columns(ctx),
        Column(POPULATION, ctx.t("col_population"), "count", width=12),
        Column(N_FAILED, ctx.t("col_n_failed"), "count", width=10),
        Column("actions", ctx.t("col_actions"), width=90),
    ]
    frame = ctx.comm.loc[ctx.comm[N_FAILED] > 0]
    frame = frame.sort_values([N_FAILED, POPULATION], ascending=[False, False], kind="stable")
    rows = []
    for rank, cid in enumerate(frame["community_id"], start=1):
        rows.append(
            (
                Cell(str(rank), rank, "text"),
                *community_cells(ctx, cid),
                ctx.cell(ctx.community(cid, POPULATION, "count")),
                ctx.cell(ctx.community(cid, N_FAILED, "count")),
                ctx.text_cell(ctx.t("clause_sep").join(_actions(ctx, cid)) or None),
            )
        )
    return Table(
        "ranking",
        ctx.t("t_recommend"),
        tuple(cols),
        tuple(rows),
        note=ctx.t("t_recommend_note"),
        sheet=ctx.t("t_recommend"),
    )


def _actions(ctx: Context, cid: str) -> list[str]:
    row = ctx.by_id.loc[cid]
    failed = [
        (rid, rule)
        for rid, rule in ctx.book.rules.items()
        if not (row[naming.rule_pass(rid)] is pd.NA or row[naming.rule_pass(rid)] is None)
        and not bool(row[naming.rule_pass(rid)])
    ]
    out = []
    items = [_coverage_item(ctx, cid, rule.facility_types[0]) for _, rule in failed if kind_of(rule).per_type]
    if items:
        out.append(ctx.t("act_coverage", items=ctx.t("list_sep").join(items)))
    out += [_action(ctx, cid, rid, rule) for rid, rule in failed if not kind_of(rule).per_type]
    return out


def _coverage_item(ctx: Context, cid: str, t: str) -> str:
    n = ctx.community_diff(cid, POPULATION, naming.pop_covered(t), "count")
    return ctx.t("act_coverage_item", type=ctx.type_label(t), n=n.text)


def _action(ctx: Context, cid: str, rid: str, rule: CommunityRule) -> str:
    action = _ACTIONS.get(rule.kind)
    text = action(ctx, cid, rid) if action is not None else None
    return text if text is not None else ctx.t("act_generic", rule=rule.name(ctx.lang))


def _act_complex(ctx: Context, cid: str, rid: str) -> str:
    short = ctx.community_diff(cid, naming.rule_threshold(rid), naming.rule_value(rid), "area")
    return ctx.t("act_complex", short=short.text)


def _act_staff(ctx: Context, cid: str, rid: str) -> str:
    return ctx.t("act_staff", need=ctx.community(cid, naming.STAFF_NEEDED, "count").text)


def _act_grid(ctx: Context, cid: str, rid: str) -> str | None:
    if pd.isna(ctx.by_id.loc[cid, naming.rule_value(rid)]):
        return None  # no grids at all: the generic action
    lo, hi = ctx.community(cid, naming.GRID_FIT_MIN, "count"), ctx.community(cid, naming.GRID_FIT_MAX, "count")
    return ctx.t("act_grid", fit=lo.text if lo.value == hi.value else f"{lo.text}–{hi.text}")


def _act_facility_area(ctx: Context, cid: str, rid: str) -> str:
    return ctx.t("act_facility_area", below=ctx.community(cid, naming.rule_value(rid), "count").text)


#: the recommended action per rule kind (None or absent: a generic one)
_ACTIONS: dict[str, Callable[[Context, str, str], str | None]] = {
    "complex_floor_area": _act_complex,
    "staff_ratio": _act_staff,
    "grid_households": _act_grid,
    "facility_floor_area": _act_facility_area,
}


def siting(ctx: Context, sites: pd.DataFrame) -> Table:
    """Proposed sites given as a table, in the order they were chosen."""
    cols = (
        Column("order", ctx.t("col_rank"), width=6),
        Column("site", ctx.t("col_site"), width=24),
        Column("type", ctx.t("col_type"), width=24),
        Column("community", ctx.t("col_community"), width=18),
        Column("residents_added", ctx.t("col_added"), "count", width=16),
    )
    rows = []
    for i, r in sites.iterrows():
        label = next((r[c] for c in ("name", "site_id", "candidate_id") if c in sites.columns and pd.notna(r[c])), i)
        cid = r.get("community_id")
        num = ctx.n(r["residents_added"], "count", Ref("siting", "residents_added", row=(("index", i),)))
        rows.append(
            (
                Cell(str(int(i) + 1), int(i) + 1),  # type: ignore[call-overload]
                ctx.text_cell(label),
                ctx.text_cell(ctx.type_label(str(r["type"]))),
                ctx.text_cell(ctx.names.get(cid) if isinstance(cid, str) else None),
                ctx.cell(num),
            )
        )
    return Table("siting", ctx.t("t_siting"), cols, tuple(rows), note=ctx.t("t_siting_note"), sheet=ctx.t("t_siting"))

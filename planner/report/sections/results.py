"""Section 3, results by community and facility: the compliance matrix, every check with its
reason, the facilities, and coverage and standards per sub-district (街道).

Every numeric cell is a recorded :class:`~planner.report.model.Num` that points at the same
value in the written results (``communities.csv``, ``compliance.csv``, ...).
"""

from __future__ import annotations

from planner import naming
from planner.report.context import COMMUNITIES, COMPLIANCE, FACILITIES, N_FAILED, SUB_DISTRICTS, Context
from planner.report.model import Cell, Column, Ref, Section, Table
from planner.rules.kinds import kind_of
from planner.rules.model import CommunityRule as Rule

SUB_DISTRICT = "sub_district"


def build(ctx: Context, number: int) -> Section:
    """The results section."""
    tables = (matrix(ctx), checks(ctx), facilities(ctx), *sub_districts(ctx))
    return Section("tables", f"{number} {ctx.t('s_tables')}", tables=tables)


def community_columns(ctx: Context) -> list[Column]:
    """The identifying columns of a per-community table."""
    cols = [
        Column("community_id", ctx.t("col_community_id"), width=10),
        Column("community", ctx.t("col_community"), width=18),
    ]
    if SUB_DISTRICT in ctx.comm.columns:
        cols.append(Column(SUB_DISTRICT, ctx.t("col_sub_district"), width=16))
    return cols


def community_cells(ctx: Context, cid: str) -> list[Cell]:
    """The identifying cells of a community's row."""
    cells = [ctx.text_cell(cid), ctx.text_cell(ctx.names[cid])]
    if SUB_DISTRICT in ctx.comm.columns:
        cells.append(ctx.text_cell(ctx.by_id.loc[cid, SUB_DISTRICT]))
    return cells


def order(ctx: Context) -> list[str]:
    """Community ids in table order (by sub-district when there are sub-districts)."""
    frame = ctx.comm
    if SUB_DISTRICT in frame.columns:
        frame = frame.sort_values(SUB_DISTRICT, kind="stable", na_position="last")
    return list(frame["community_id"])


def _rule_header(ctx: Context, rid: str) -> str:
    rule = ctx.book.rules[rid]
    return ctx.type_label(rule.facility_types[0]) if kind_of(rule).per_type else rule.name(ctx.lang)


def matrix(ctx: Context) -> Table:
    """Communities × standards, ✓ / ✗ / –, with the number of standards not met."""
    cols = community_columns(ctx)
    cols += [Column(rid, _rule_header(ctx, rid), "pass", width=11) for rid in ctx.book.rules]
    cols.append(Column(N_FAILED, ctx.t("col_n_failed"), "count", width=10))
    rows = []
    for cid in order(ctx):
        cells = community_cells(ctx, cid)
        for rid in ctx.book.rules:
            col = naming.rule_pass(rid)
            ref = Ref(COMMUNITIES, col, row=(("community_id", cid),))
            cells.append(ctx.pass_cell(ctx.by_id.loc[cid, col], ref, symbols=True))
        cells.append(ctx.cell(ctx.community(cid, N_FAILED, "count")))
        rows.append(tuple(cells))
    target = next((r.numbers["target_share"] for r in ctx.book.rules.values() if kind_of(r).per_type), None)
    note = ""
    if target is not None:
        t = ctx.n(target.value, "share", Ref("rulebook", "coverage.target_share"))
        note = ctx.t("t_matrix_note", target=t.text)
    return Table("matrix", ctx.t("t_matrix"), tuple(cols), tuple(rows), note=note, sheet=ctx.t("t_matrix"))


def checks(ctx: Context) -> Table:
    """The long table: every community against every standard, with the reason."""
    lang = ctx.lang
    cols = (
        Column("community_id", ctx.t("col_community_id"), width=14),
        Column("community", ctx.t("col_community"), width=14),
        Column("rule", ctx.t("col_rule"), width=34),
        Column("value", ctx.t("col_value"), "num", width=12),
        Column("threshold", ctx.t("col_threshold"), "num", width=12),
        Column("result", ctx.t("col_result"), "pass", width=10),
        Column("reason", ctx.t("col_reason"), width=80),
        Column("basis", ctx.t("col_basis"), width=60),
        Column("status", ctx.t("col_status"), width=20),
    )
    rank = {cid: i for i, cid in enumerate(order(ctx))}
    frame = ctx.result.checks.assign(_o=ctx.result.checks["community_id"].map(rank))
    rows = []
    for r in frame.sort_values("_o", kind="stable").itertuples(index=False):
        rule = ctx.book.rules[r.rule_id]
        key = (("community_id", r.community_id), ("rule_id", r.rule_id))
        vkind, tkind = kind_of(rule).report_formats
        value = ctx.n(r.value, vkind, Ref(COMPLIANCE, "value", row=key))
        rows.append(
            (
                ctx.text_cell(r.community_id),
                ctx.text_cell(r.community_name),
                ctx.text_cell(rule.name(lang)),
                ctx.cell(value),
                _threshold_cell(ctx, rule, r.threshold, tkind, key),
                ctx.pass_cell(r.passed, Ref(COMPLIANCE, "passed", row=key)),
                ctx.text_cell(r.reason_zh if lang == "zh" else r.reason_en),
                ctx.text_cell(r.basis_zh if lang == "zh" else r.basis_en),
                ctx.text_cell(status_names(ctx, r.status or kind_of(rule).statuses(rule, ctx.book))),
            )
        )
    return Table(
        "checks",
        ctx.t("t_checks"),
        cols,
        tuple(rows),
        note=ctx.t("t_checks_note"),
        group="community_id",
        sheet=ctx.t("t_checks"),
    )


def status_names(ctx: Context, codes: str) -> str:
    """``"P, V2"`` (compliance.csv's status column) as the statuses' names in the report's language."""
    names = [ctx.book.status_name(c.strip(), ctx.lang) for c in str(codes).split(",") if c.strip()]
    return ctx.t("list_sep").join(names)


def _threshold_cell(ctx: Context, rule: Rule, value: object, tkind: str, key: tuple) -> Cell:
    num = ctx.n(value, tkind, Ref(COMPLIANCE, "threshold", row=key))
    start = kind_of(rule).range_from
    if start is None or num.value is None:
        return ctx.cell(num)
    lo = ctx.summary(f"rules.{rule.id}.numbers.{start}.value", "num")
    return Cell(f"{lo.text}–{num.text}", num.value, tkind, num)


def facilities(ctx: Context) -> Table:
    """Every facility with its type, floor area and the minimum of its type."""
    walk = ctx.s["distance_mode"] == "walk"
    cols = [
        Column("facility_id", ctx.t("col_facility_id"), width=10),
        Column("name", ctx.t("col_facility"), width=26),
        Column("type", ctx.t("col_type"), width=24),
        Column("community", ctx.t("col_community"), width=16),
        Column("floor_area_m2", ctx.t("col_floor_area"), "area", width=14),
        Column("min_floor_area_m2", ctx.t("col_min_area"), "area", width=14),
        Column("meets_min_area", ctx.t("col_meets_area"), "pass", width=12),
    ]
    if walk:
        cols.append(Column("snap_distance_m", ctx.t("col_distance_street"), "dist", width=12))
    fac = ctx.result.facilities
    rank = {k: i for i, k in enumerate(ctx.book.types)}
    fac = fac.assign(_o=fac["type"].map(rank)).sort_values(["_o", "community_id", "facility_id"], kind="stable")
    rows = []
    for f in fac.itertuples(index=False):
        key = (("facility_id", f.facility_id),)
        cid = f.community_id
        cells = [
            ctx.text_cell(f.facility_id),
            ctx.text_cell(f.name),
            ctx.text_cell(ctx.type_label(f.type)),
            ctx.text_cell(ctx.names.get(cid) if isinstance(cid, str) else None),
            ctx.cell(ctx.n(f.floor_area_m2, "area", Ref(FACILITIES, "floor_area_m2", row=key))),
            ctx.cell(ctx.n(f.min_floor_area_m2, "area", Ref(FACILITIES, "min_floor_area_m2", row=key))),
            ctx.pass_cell(f.meets_min_area, Ref(FACILITIES, "meets_min_area", row=key)),
        ]
        if walk:
            cells.append(ctx.cell(ctx.n(f.snap_distance_m, "dist", Ref(FACILITIES, "snap_distance_m", row=key))))
        rows.append(tuple(cells))
    return Table("facilities", ctx.t("t_facilities"), tuple(cols), tuple(rows), sheet=ctx.t("t_facilities"))


def sub_districts(ctx: Context) -> list[Table]:
    """Coverage and standards per sub-district (街道), when the data has them."""
    subs = ctx.result.sub_districts
    if subs is None or subs.empty:
        return []
    names = list(subs[SUB_DISTRICT].astype(str))
    cols = (
        Column("indicator", ctx.t("col_indicator"), width=30),
        *(Column(f"sub_{i}", name, "num", width=14) for i, name in enumerate(names)),
        Column("district", ctx.t("col_district"), "num", width=14),
    )

    def sub(name: str, column: str, kind: str) -> Cell:
        ref = Ref(SUB_DISTRICTS, column, row=((SUB_DISTRICT, name),))
        value = subs.loc[subs[SUB_DISTRICT].astype(str) == name, column].iloc[0]
        return ctx.cell(ctx.n(value, kind, ref))

    head = [
        (ctx.t("col_community"), "communities", "district.communities", "count"),
        (ctx.t("col_population"), "population", "district.residents", "count"),
    ]
    first = [
        (ctx.text_cell(label), *(sub(n, col, kind) for n in names), ctx.cell(ctx.summary(path, kind)))
        for label, col, path, kind in head
    ]
    cov = [
        (
            ctx.text_cell(ctx.type_label(t)),
            *(sub(n, naming.share_covered(t), "share1") for n in names),
            ctx.cell(ctx.summary(f"coverage.{t}.share_covered", "share1")),
        )
        for t in ctx.s["coverage"]
    ]
    std = [
        (
            ctx.text_cell(ctx.book.rules[rid].name(ctx.lang)),
            *(sub(n, f"communities_passing_{rid}", "count") for n in names),
            ctx.cell(ctx.summary(f"rules.{rid}.communities_passing")),
        )
        for rid in ctx.book.rules
    ]
    return [
        Table("sub_coverage", ctx.t("t_sub_cov"), cols, tuple(first[:2] + cov), sheet=ctx.t("t_sub_cov")),
        Table("sub_standards", ctx.t("t_sub_std"), cols, tuple(first[:1] + std), sheet=ctx.t("t_sub_std")),
    ]

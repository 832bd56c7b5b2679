"""The access section (``planner report --access DIR``): supply against demand per community
(2SFCA, ``access_communities.csv`` of ``planner access``) on a map of the cells, and the
community three lists (``three_lists.csv``) when the folder has them.
"""

from __future__ import annotations

import pandas as pd

from planner.report.context import Context
from planner.report.model import Column, MapSpec, Ref, Section, Table
from planner.report.plans import AccessPlan

ACCESS_COMMUNITIES = "access_communities.csv"
THREE_LISTS = "three_lists.csv"
#: supply units of ``planner access --supply`` in words
SUPPLY_WORDS = {"floor_area_m2": ("floor area (m²)", "建筑面积(平方米)"), "count": ("facilities", "设施数")}
METHOD_WORDS = {"2sfca": "2SFCA", "e2sfca": "E2SFCA"}


def build(ctx: Context, number: int, plan: AccessPlan) -> Section:
    """The access section."""
    comm = plan.communities
    first = comm.iloc[0] if len(comm) else pd.Series(dtype=object)
    type_key = str(first.get("type", ""))
    name = ctx.type_label(type_key) if type_key in ctx.book.types else type_key
    supply = str(first.get("supply", ""))
    words = SUPPLY_WORDS.get(supply)
    zero = ctx.n(int((comm["access"] == 0).sum()), "count", Ref(ACCESS_COMMUNITIES, "access == 0", agg="count"))
    radius = ctx.n(first.get("radius_m"), "num", Ref(ACCESS_COMMUNITIES, "radius_m", row=_key(first)))
    text = ctx.t(
        "access_method",
        method=METHOD_WORDS.get(str(first.get("method", "")), str(first.get("method", ""))),
        radius=radius.text,
        supply=(words[1] if ctx.lang == "zh" else words[0]) if words else supply,
        mode=ctx.t("mode_walk" if first.get("mode") == "walk" else "mode_euclidean"),
        decay=ctx.word("decay", first.get("decay", "step")),
        zero=zero.text,
        n=ctx.n(len(comm), "count", Ref(ACCESS_COMMUNITIES, "community_id", agg="count")).text,
    )
    tables = [_communities(ctx, comm)]
    if plan.three_lists is not None:
        tables.append(three_lists_table(ctx, plan.three_lists))
    figures: tuple[MapSpec, ...] = ()
    if plan.cells is not None:
        figures = (
            MapSpec("plan_access", "access", ctx.t("m_access", type=name), ctx.t("m_access_caption"), data=plan.cells),
        )
    return Section(
        "access", f"{number} {ctx.t('s_access', type=name)}", paragraphs=(text,), tables=tuple(tables), figures=figures
    )


def _key(row: pd.Series) -> tuple[tuple[str, object], ...]:
    return (("community_id", row.get("community_id")),)


def _communities(ctx: Context, comm: pd.DataFrame) -> Table:
    cols = (
        Column("community_id", ctx.t("col_community_id"), width=14),
        Column("community", ctx.t("col_community"), width=18),
        Column("access", ctx.t("col_access"), "dec3", width=14),
        Column("access_per_100_households", ctx.t("col_access_100"), "ratio", width=16),
    )
    rows = []
    for _, r in comm.iterrows():
        key = _key(r)
        rows.append(
            (
                ctx.text_cell(r["community_id"]),
                ctx.text_cell(ctx.names.get(r["community_id"])),
                ctx.cell(ctx.n(r["access"], "dec3", Ref(ACCESS_COMMUNITIES, "access", row=key))),
                ctx.cell(
                    ctx.n(
                        r["access_per_100_households"],
                        "ratio",
                        Ref(ACCESS_COMMUNITIES, "access_per_100_households", row=key),
                    )
                ),
            )
        )
    return Table("plan_access", ctx.t("t_plan_access"), cols, tuple(rows), sheet=ctx.t("sheet_plan_access"))


#: three_lists.csv column -> (header key, number kind or None for text)
_LIST_COLUMNS = (
    ("type_key", "col_type", None),
    ("group", "col_group", None),
    ("demand_residents", "col_demand_residents", "count"),
    ("demand_households", "col_demand_households", "count"),
    ("facilities_in_reach", "col_in_reach", "count"),
    ("supply", "col_supply", "num"),
    ("supply_unit", "col_supply_unit", None),
    ("supply_per_100_households", "col_supply_100", "ratio"),
    ("standard_per_100_households", "col_standard_100", "ratio"),
    ("shortfall", "col_shortfall", "num"),
)


def three_lists_table(ctx: Context, lists: pd.DataFrame) -> Table:
    """The community three lists of ``three_lists.csv`` (``planner access --lists``, ``planner tiers``)."""
    cols = (
        Column("community_id", ctx.t("col_community_id"), width=14),
        Column("community", ctx.t("col_community"), width=18),
        *(Column(col, ctx.t(head), kind or "text", width=14) for col, head, kind in _LIST_COLUMNS),
    )
    rows = []
    for _, r in lists.iterrows():
        key = (("community_id", r["community_id"]), ("type_key", r["type_key"]))
        cells = [ctx.text_cell(r["community_id"]), ctx.text_cell(ctx.names.get(r["community_id"]))]
        for col, _, kind in _LIST_COLUMNS:
            if kind is None:
                value = r[col]
                if col == "type_key" and value in ctx.book.types:
                    value = ctx.type_label(str(value))
                cells.append(ctx.text_cell(value))
            else:
                cells.append(ctx.cell(ctx.n(r[col], kind, Ref(THREE_LISTS, col, row=key))))
        rows.append(tuple(cells))
    return Table(
        "three_lists",
        ctx.t("t_three_lists"),
        cols,
        tuple(rows),
        note=ctx.t("t_three_lists_note"),
        sheet=ctx.t("sheet_three_lists"),
    )

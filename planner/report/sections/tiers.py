"""The life-circle section (``planner report --tiers DIR``): the 5-, 10- and 15-minute circles
of GB 50180-2018 for the district (``tiers_district.csv``) and per community
(``tiers_communities.csv``) as ``planner tiers`` wrote them, and the community three lists
(``three_lists.csv``) when the folder has them and no access section shows them already.
"""

from __future__ import annotations

import pandas as pd

from planner import naming
from planner.report.context import Context
from planner.report.model import Column, Ref, Section, Table
from planner.report.plans import TiersPlan
from planner.report.sections.access import three_lists_table

TIERS_DISTRICT = "tiers_district.csv"
TIERS_COMMUNITIES = "tiers_communities.csv"
TIERS_TYPES = "tiers.csv"


def build(ctx: Context, number: int, plan: TiersPlan, *, with_lists: bool = True) -> Section:
    """The life-circle section; ``with_lists=False`` leaves out the three lists (another section has them)."""
    district = plan.district
    paragraphs: tuple[str, ...] = ()
    if len(district):
        last = district.iloc[-1]  # the widest circle, the one the policy names
        key = (("tier", last["tier"]),)
        paragraphs = (
            ctx.t(
                "tiers_method",
                mode=ctx.t("mode_walk" if ctx.s["distance_mode"] == "walk" else "mode_euclidean"),
                complete=ctx.n(
                    last["residents_complete"], "count", Ref(TIERS_DISTRICT, "residents_complete", row=key)
                ).text,
                residents=ctx.n(last["residents"], "count", Ref(TIERS_DISTRICT, "residents", row=key)).text,
                share=ctx.n(last["share_complete"], "share1", Ref(TIERS_DISTRICT, "share_complete", row=key)).text,
                tier=_tier_name(ctx, str(last["tier"])),
            ),
        )
    tables = [_district(ctx, plan), _communities(ctx, plan)]
    if with_lists and plan.three_lists is not None:
        tables.append(three_lists_table(ctx, plan.three_lists))
    return Section("tiers", f"{number} {ctx.t('s_tiers')}", paragraphs=paragraphs, tables=tuple(tables))


def _tier_name(ctx: Context, tier: str) -> str:
    return ctx.word("tier", tier)


def _types(ctx: Context, types: pd.DataFrame, tier: str) -> str:
    """The circle's facility types, each with the walking distance of the group it serves."""
    parts = []
    for _, r in types[types["tier"] == tier].iterrows():
        name = ctx.type_label(r["type_key"]) if r["type_key"] in ctx.book.types else str(r["type_key"])
        key = (("tier", tier), ("type_key", r["type_key"]))
        distance = ctx.n(float(r["type_distance_m"]), "count", Ref(TIERS_TYPES, "type_distance_m", row=key)).text
        parts.append(ctx.t("tier_type_distance", type=name, distance=distance))
    return ctx.t("list_sep").join(parts)


def _district(ctx: Context, plan: TiersPlan) -> Table:
    cols = (
        Column("tier", ctx.t("col_tier"), width=18),
        Column("minutes", ctx.t("col_minutes"), "num", width=10),
        Column("distance_m", ctx.t("col_tier_distance"), "num", width=12),
        Column("types", ctx.t("col_tier_types"), width=48),
        Column("residents_complete", ctx.t("col_tier_complete"), "count", width=14),
        Column("share_complete", ctx.t("col_tier_share_complete"), "share1", width=12),
        Column("share_types", ctx.t("col_tier_share_types"), "share1", width=12),
    )
    rows = []
    for _, r in plan.district.iterrows():
        key = (("tier", r["tier"]),)
        rows.append(
            (
                ctx.text_cell(_tier_name(ctx, str(r["tier"]))),
                *(
                    ctx.cell(ctx.n(r[col], kind, Ref(TIERS_DISTRICT, col, row=key)))
                    for col, kind in (("minutes", "num"), ("distance_m", "num"))
                ),
                ctx.text_cell(_types(ctx, plan.types, str(r["tier"]))),
                *(
                    ctx.cell(ctx.n(r[col], kind, Ref(TIERS_DISTRICT, col, row=key)))
                    for col, kind in (
                        ("residents_complete", "count"),
                        ("share_complete", "share1"),
                        ("share_types", "share1"),
                    )
                ),
            )
        )
    return Table("tiers", ctx.t("t_tiers"), cols, tuple(rows), sheet=ctx.t("sheet_tiers"))


def _communities(ctx: Context, plan: TiersPlan) -> Table:
    tiers = [str(t) for t in plan.district["tier"]]
    per_tier = [
        (fn(t), ctx.t(head, tier=_tier_name(ctx, t)))
        for t in tiers
        for fn, head in (
            (naming.tier_share_types, "col_tier_types_of"),
            (naming.tier_share_complete, "col_tier_complete_of"),
        )
    ]
    cols = (
        Column("community_id", ctx.t("col_community_id"), width=14),
        Column("community", ctx.t("col_community"), width=18),
        *(Column(col, head, "share1", width=14) for col, head in per_tier),
    )
    rows = []
    for _, r in plan.communities.iterrows():
        key = (("community_id", r["community_id"]),)
        rows.append(
            (
                ctx.text_cell(r["community_id"]),
                ctx.text_cell(ctx.names.get(r["community_id"])),
                *(ctx.cell(ctx.n(r[col], "share1", Ref(TIERS_COMMUNITIES, col, row=key))) for col, _ in per_tier),
            )
        )
    return Table(
        "tiers_communities", ctx.t("t_tiers_communities"), cols, tuple(rows), sheet=ctx.t("sheet_tiers_communities")
    )

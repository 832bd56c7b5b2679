"""Section 2, the maps: compliance per community, one panel per community standard, and one
coverage map per facility type, each with its title, caption and the figures drawn on it.
"""

from __future__ import annotations

from planner import naming
from planner.report.context import N_FAILED, POPULATION, Context
from planner.report.model import MapSpec, Ref, Section
from planner.rules.kinds import kind_of


def build(ctx: Context, number: int) -> Section:
    """The maps section."""
    return Section("maps", f"{number} {ctx.t('s_maps')}", figures=tuple(specs(ctx)))


def specs(ctx: Context) -> list[MapSpec]:
    """The compliance maps and one coverage map per facility type."""
    n_rules = ctx.n(len(ctx.book.rules), "count", Ref("rulebook", "len(rules)"))
    ids = list(ctx.comm["community_id"])
    labels = {cid: ctx.community(cid, N_FAILED, "count", drawn=True) for cid in ids}
    caption = ctx.t("m_compliance_caption", n=n_rules.text)
    out = [MapSpec("compliance", "compliance", ctx.t("m_compliance"), caption, labels=labels)]
    if any(not kind_of(r).per_type for r in ctx.book.rules.values()):
        out.append(MapSpec("rules", "rules", ctx.t("m_rules"), ctx.t("m_rules_caption")))
    for t in ctx.s["coverage"]:
        p = f"coverage.{t}"
        radius = ctx.summary(f"{p}.radius_m", "num")
        caption = ctx.t(
            "m_coverage_caption",
            share=ctx.summary(f"{p}.share_covered", "share").text,
            n=ctx.summary_diff(f"{p}.residents", f"{p}.residents_covered").text,
            radius=radius.text,
        )
        title = ctx.t("m_coverage", type=ctx.type_label(t), radius=radius.text)
        covered = naming.pop_covered(t)
        labels = {cid: ctx.community_diff(cid, POPULATION, covered, "count", drawn=True) for cid in ids}
        out.append(MapSpec(f"coverage_{t}", "coverage", title, caption, type_key=t, labels=labels))
    return out


def attribution(ctx: Context) -> str:
    """The data credit printed on every map."""
    text = ctx.t("attr_data", study=ctx.result.study.name, version=ctx.s["planner_version"])
    if ctx.result.study.streets_from_osm:
        text = ctx.t("attr_osm") + " · " + text
    return text

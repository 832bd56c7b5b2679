"""The cover: district, date, rulebook, distance, coordinate system, scenario; the data sources."""

from __future__ import annotations

from pathlib import Path

from planner.report.context import Context
from planner.report.model import Column, Fact, Section, Table
from planner.report.text import zh_punct


def build(ctx: Context, label: str | None, n_edits: int, scenario_number: int) -> Section:
    """The cover section (no number): its facts and the sources table."""
    return Section("cover", "", facts=tuple(_facts(ctx, label, n_edits, scenario_number)), tables=(_sources(ctx),))


def _facts(ctx: Context, label: str | None, n_edits: int, scenario_number: int) -> list[Fact]:
    s, rb = ctx.s, ctx.s["rulebook"]
    facts = [
        Fact(ctx.t("district"), ctx.result.study.name),
        Fact(ctx.t("analysis_date"), str(s["generated"])[:10]),
        Fact(ctx.t("rulebook"), ctx.book.name_zh if ctx.lang == "zh" else ctx.book.name_en),
        Fact(ctx.t("rulebook_id"), ctx.t("rulebook_version", id=rb["id"], version=rb["version"])),
        Fact(ctx.t("distance_mode"), ctx.mode_text()),
        Fact(ctx.t("analysis_crs"), f"{s['analysis_crs_name']} ({s['analysis_crs']})"),
    ]
    if label is not None or n_edits:
        shown = label or ctx.t("scenario")
        text = ctx.t("scenario_edits", label=shown, n=n_edits, section=scenario_number) if n_edits else shown
        facts.append(Fact(ctx.t("scenario"), text))
    facts.append(Fact(ctx.t("planner_version"), f"planner {s['planner_version']}"))
    if ctx.lang == "zh":
        facts = [Fact(f.label, zh_punct(f.value)) for f in facts]
    return facts


def _sources(ctx: Context) -> Table:
    """The input layers with their files, dates and feature counts."""
    cols = (
        Column("layer", ctx.t("layer"), width=16),
        Column("file", ctx.t("file"), width=40),
        Column("modified", ctx.t("modified"), width=14),
        Column("features", ctx.t("features"), "count", width=12),
    )
    rows = []
    for i, src in enumerate(ctx.s["sources"]):
        key = f"layer_{src['layer']}"
        rows.append(
            (
                ctx.text_cell(ctx.t(key) if ctx.has(key) else src["layer"]),
                ctx.text_cell(Path(str(src["file"])).name),
                ctx.text_cell(src["modified"]),
                ctx.cell(ctx.summary(f"sources.{i}.features")),
            )
        )
    return Table("sources", ctx.t("data_sources"), cols, tuple(rows), sheet=ctx.t("data_sources"))

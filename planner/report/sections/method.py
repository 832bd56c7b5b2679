"""The method section: method, parameters, the standards with their basis and status, the
verification trail (where each number was seen), the status codes, the trail's sources, and
the validation report.
"""

from __future__ import annotations

from pathlib import Path

from planner.report.context import VALIDATION, Context
from planner.report.model import Column, Fact, Ref, Section, Table
from planner.report.text import STRINGS
from planner.rules.kinds import kind_of

#: labels of rule numbers: number key -> (English, Chinese)
NUMBER_LABELS = {
    "radius_m": ("service radius (m)", "服务半径(米)"),
    "min_floor_area_m2": ("minimum floor area (m²)", "最低建筑面积(平方米)"),
    "target_share": ("share of residents to cover", "应覆盖居民比例"),
    "min_m2": ("minimum floor area (m²)", "最低建筑面积(平方米)"),
    "per_100_households_m2": ("floor area per 100 households (m²)", "每百户建筑面积(平方米)"),
    "per_10k_residents": ("workers per 10,000 residents", "每万人社区工作者数"),
    "min_households": ("households per grid, at least", "每格户数下限"),
    "max_households": ("households per grid, at most", "每格户数上限"),
}


def build(ctx: Context, number: int) -> Section:
    """The method section."""
    tables = [rule_numbers(ctx), statuses(ctx), rule_trail(ctx), rule_sources(ctx)]
    checked = validation(ctx)
    if checked is not None:
        tables.append(checked)
    return Section(
        "method",
        f"{number} {ctx.t('s_method')}",
        paragraphs=tuple(method(ctx)),
        facts=tuple(parameters(ctx)),
        tables=tuple(tables),
    )


def method(ctx: Context) -> list[str]:
    """The method in a few paragraphs."""
    s, p = ctx.s, ctx.s["parameters"]
    cells = ctx.summary("district.cells").text
    if p["cells_from_input"]:
        first = ctx.t("method_cells_input", cells=cells)
    else:
        first = ctx.t(
            "method_cells_generated",
            cells=cells,
            shape=ctx.t(f"shape_{p['cell_shape']}"),
            size=ctx.summary("parameters.cell_size_m", "num").text,
        )
    if s["distance_mode"] == "walk" and s.get("network"):
        second = ctx.t(
            "method_walk",
            nodes=ctx.summary("network.nodes").text,
            segments=ctx.summary("network.segments").text,
            snap=ctx.summary("parameters.max_snap_m", "num").text,
            cells_out=ctx.summary("network.cells_not_snapped").text,
            fac_out=ctx.summary("network.facilities_not_snapped").text,
        )
    else:
        second = ctx.t("method_euclidean")
    return [f"{first} {second}" if ctx.lang == "en" else first + second, ctx.t("method_gaps")]


def parameters(ctx: Context) -> list[Fact]:
    """The analysis settings as label / value pairs."""
    s, p = ctx.s, ctx.s["parameters"]
    facts = [
        Fact(ctx.t("p_mode"), ctx.mode_text()),
        Fact(ctx.t("p_crs"), f"{s['analysis_crs_name']} ({s['analysis_crs']})"),
        Fact(ctx.t("p_cells"), ctx.summary("district.cells").text),
    ]
    if p["cells_from_input"]:
        facts.append(Fact(ctx.t("p_cells_from_input"), ctx.t("yes")))
    else:
        facts.append(Fact(ctx.t("p_cell_size"), ctx.summary("parameters.cell_size_m", "num").text))
        facts.append(Fact(ctx.t("p_cell_shape"), ctx.t(f"shape_{p['cell_shape']}")))
    if s["distance_mode"] == "walk" and s.get("network"):
        facts += [
            Fact(ctx.t("p_max_snap"), ctx.summary("parameters.max_snap_m", "num").text),
            Fact(ctx.t("p_nodes"), ctx.summary("network.nodes").text),
            Fact(ctx.t("p_segments"), ctx.summary("network.segments").text),
            Fact(ctx.t("p_cells_not_snapped"), ctx.summary("network.cells_not_snapped").text),
            Fact(ctx.t("p_fac_not_snapped"), ctx.summary("network.facilities_not_snapped").text),
        ]
    files = ", ".join(Path(f).name for f in s["rulebook"]["files"])
    facts.append(Fact(ctx.t("p_rulebook_files"), files))
    return facts


def rule_numbers(ctx: Context) -> Table:
    """Every rule number: what it is, its value, its basis (document and clause) and status.

    This is what officials read as the standards applied: the basis is the standard or
    policy document, never a research key; the trail is in :meth:`rule_trail`.
    """
    cols = (
        Column("standard", ctx.t("col_rule"), width=44),
        Column("value", ctx.t("col_setting"), "num", width=10),
        Column("basis", ctx.t("col_basis"), width=60),
        Column("status", ctx.t("col_status"), width=16),
        Column("note", ctx.t("col_note"), width=60),
    )
    rows = []
    for prov, label in _numbers(ctx):
        kind = "share" if str(prov["key"]).endswith("target_share") else "num"
        num = ctx.n(prov["value"], kind, Ref("rulebook", str(prov["key"])))
        rows.append(
            (
                ctx.text_cell(label),
                ctx.cell(num),
                ctx.text_cell(prov[f"basis_{ctx.lang}"] or None),
                ctx.text_cell(ctx.book.status_name(str(prov["status"]), ctx.lang)),
                ctx.text_cell(prov[f"note_{ctx.lang}"] or None),
            )
        )
    return Table("rule_numbers", ctx.t("t_standards"), cols, tuple(rows), sheet=ctx.t("t_standards"))


def rule_trail(ctx: Context) -> Table:
    """The verification trail: for every rule number, where it was seen (source key and quote)."""
    cols = (
        Column("standard", ctx.t("col_rule"), width=44),
        Column("source", ctx.t("col_trail"), width=14),
        Column("note", ctx.t("col_trail_note"), width=80),
    )
    rows = tuple(
        (ctx.text_cell(label), ctx.text_cell(prov["source"]), ctx.text_cell(prov["note"] or None))
        for prov, label in _numbers(ctx)
    )
    return Table("rule_trail", ctx.t("t_trail"), cols, rows, note=ctx.t("t_trail_note"), sheet=ctx.t("t_trail"))


def _numbers(ctx: Context) -> list[tuple[dict[str, object], str]]:
    """Rule numbers shown in the method appendix, with their labels (the coverage target once)."""
    out = []
    seen_target = False
    for prov in ctx.book.provenance():
        label = _number_label(ctx, str(prov["key"]))
        if label is None:
            continue
        if str(prov["key"]).endswith(".target_share"):
            if seen_target:
                continue
            seen_target = True
        out.append((prov, label))
    return out


def _number_label(ctx: Context, key: str) -> str | None:
    """``facility_types.kindergarten.radius_m`` -> "Kindergarten: service radius (m)"."""
    parts = key.split(".")
    what = NUMBER_LABELS.get(parts[-1], (parts[-1], parts[-1]))[1 if ctx.lang == "zh" else 0]
    if parts[0] == "facility_types":
        owner = ctx.type_label(parts[1])
    elif parts[0] != "community_rules":
        return None  # groups, life circles, service standards, checks: cited where they are used
    else:
        rule = ctx.book.rules[parts[1]]
        if kind_of(rule).per_type:
            if parts[-1] != "target_share":
                return None  # the same number as the facility type's radius
            owner = ctx.t("coverage_standard")
        else:
            owner = rule.name(ctx.lang)
    return f"{owner}: {what}" if ctx.lang == "en" else f"{owner}:{what}"


def statuses(ctx: Context) -> Table:
    """What each confirmation status code means."""
    cols = (Column("code", ctx.t("col_code"), width=8), Column("meaning", ctx.t("col_meaning"), width=80))
    rows = tuple(
        (ctx.text_cell(code), ctx.text_cell(info.get("zh" if ctx.lang == "zh" else "en", "")))
        for code, info in ctx.book.statuses.items()
    )
    return Table("statuses", ctx.t("t_statuses"), cols, rows, sheet=ctx.t("t_statuses"))


def rule_sources(ctx: Context) -> Table:
    """The sources of the verification trail: key, title in the report's language, address."""
    cols = (
        Column("code", ctx.t("col_code"), width=14),
        Column("title", ctx.t("col_title"), width=80),
        Column("url", ctx.t("col_url"), width=50),
    )
    used = {str(p["source"]) for p, _ in _numbers(ctx)}  # the sources of the numbers the report shows
    rows = tuple(
        (
            ctx.text_cell(key),
            ctx.text_cell(info.get(f"title_{ctx.lang}", info.get("title", ""))),
            ctx.text_cell(info.get("url")),
        )
        for key, info in ctx.book.sources.items()
        if key in used
    )
    return Table("rule_sources", ctx.t("t_source_list"), cols, rows, sheet=ctx.t("t_source_list"))


def validation(ctx: Context) -> Table | None:
    """Input features repaired, dropped or flagged, counted by layer, reason and action."""
    v = ctx.result.validation
    if v.empty:
        return None
    cols = (
        Column("layer", ctx.t("layer"), width=14),
        Column("action", ctx.t("col_action"), width=12),
        Column("count", ctx.t("col_count"), "count", width=8),
        Column("message", ctx.t("col_message"), width=60),
        Column("examples", ctx.t("col_examples"), width=40),
    )
    rows = []
    for (layer, reason, action), grp in v.groupby(["layer", "reason", "action"], sort=False):
        where = (("layer", layer), ("reason", reason), ("action", action))
        count = ctx.n(len(grp), "count", Ref(VALIDATION, "id", agg="count", where=where))
        msg = grp["message_zh" if ctx.lang == "zh" else "message_en"].iloc[0]
        examples = ", ".join(grp["id"].astype(str).head(5)) + (" …" if len(grp) > 5 else "")
        layer_key = f"layer_{layer}"
        rows.append(
            (
                ctx.text_cell(ctx.t(layer_key) if layer_key in STRINGS else layer),
                ctx.text_cell(ctx.t(f"action_{action}") if f"action_{action}" in STRINGS else action),
                ctx.cell(count),
                ctx.text_cell(msg),
                ctx.text_cell(examples),
            )
        )
    return Table("validation", ctx.t("t_validation"), cols, tuple(rows), sheet=ctx.t("t_validation"))

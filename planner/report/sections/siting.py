"""The siting section (``planner report --siting DIR``): the proposed sites of ``planner site``
on a map and in a table, the method, the objective and the proven gap from ``siting.json``.
"""

from __future__ import annotations

import geopandas as gpd

from planner import i18n
from planner.report.context import Context
from planner.report.model import Cell, Column, Fact, MapSpec, Ref, Section, Table
from planner.report.plans import SitingPlan

SITING_JSON = "siting.json"
SITES_GPKG = "sites.gpkg"


def build(ctx: Context, number: int, plan: SitingPlan) -> Section:
    """The siting section."""
    info = plan.info
    type_key = str(info["type"])
    name = ctx.type_label(type_key) if type_key in ctx.book.types else type_key
    objective = str(info["objective"])
    radius = _num(ctx, info, "radius_m", "num")
    k = _num(ctx, info, "k", "count")
    candidates = _num(ctx, info, "candidates", "count")
    words = ctx.t(f"siting_objective_{objective}", k=k.text, candidates=candidates.text, radius=radius.text)
    gap = _num(ctx, info, "gap", "share1")
    method = ctx.t(
        "siting_method", objective=words, mode=_mode(ctx, info), gap=gap.text, status=ctx.word("status", info["status"])
    )
    before, after = _num(ctx, info, "before", _kind(objective)), _num(ctx, info, "after", _kind(objective))
    if objective == "coverage":
        added = ctx.n(_diff(info, "after", "before"), "count", Ref(SITING_JSON, "after - before"))
        result = ctx.t("siting_result_coverage", before=before.text, after=after.text, added=added.text)
    elif objective == "count":
        result = ctx.t("siting_result_count", k=k.text, before=before.text, after=after.text)
    else:
        result = ctx.t("siting_result_distance", before=before.text, after=after.text)
    facts = (
        Fact(ctx.t("f_objective"), ctx.t(f"objective_{objective}") if ctx.has(f"objective_{objective}") else objective),
        Fact(ctx.t("col_type"), name),
        Fact(ctx.t("col_group"), _group(ctx, info)),
        Fact(ctx.t("f_new_sites"), k.text),
        Fact(ctx.t("f_value"), _num(ctx, info, "value", _kind(objective)).text),
        Fact(ctx.t("f_bound"), _num(ctx, info, "bound", _kind(objective)).text),
        Fact(ctx.t("f_gap"), gap.text),
        Fact(ctx.t("f_status"), ctx.word("status", info["status"])),
        Fact(ctx.t("f_seconds"), _num(ctx, info, "seconds", "ratio").text),
        Fact(ctx.t("f_folder"), str(plan.folder)),
    )
    spec = MapSpec(
        "plan_siting",
        "siting",
        ctx.t("m_siting", type=name),
        ctx.t("m_siting_caption"),
        type_key=type_key,
        data=plan.sites,
    )
    return Section(
        "siting",
        f"{number} {ctx.t('s_siting', type=name)}",
        paragraphs=(method, result),
        facts=facts,
        tables=(_sites_table(ctx, plan),),
        figures=(spec,),
    )


def _group(ctx: Context, info: dict) -> str:
    """Whose residents the numbers count (``siting.json``'s ``demand``) and how they were found."""
    demand = info.get("demand") or {"group": info.get("group", "all"), "basis": info.get("demand_basis", "")}
    who = str(demand.get("name_zh" if ctx.lang == "zh" else "name_en") or demand.get("group", "all"))
    sep = "、" if ctx.lang == "zh" else ", "
    basis = sep.join(i18n.t(f"basis_{b}", ctx.lang) for b in str(demand.get("basis", "")).split(";") if b)
    return f"{who}({basis})" if ctx.lang == "zh" and basis else f"{who} ({basis})" if basis else who


def _kind(objective: str) -> str:
    return "count" if objective in ("coverage", "count") else "num"


def _num(ctx: Context, info: dict, key: str, kind: str):
    value = info.get(key)
    return ctx.n(value, kind, Ref(SITING_JSON, key))


def _diff(info: dict, a: str, b: str) -> float | None:
    va, vb = info.get(a), info.get(b)
    return None if va is None or vb is None else float(va) - float(vb)


def _mode(ctx: Context, info: dict) -> str:
    return ctx.t("mode_walk" if info.get("mode", ctx.s["distance_mode"]) == "walk" else "mode_euclidean")


def _sites_table(ctx: Context, plan: SitingPlan) -> Table:
    sites = plan.sites
    communities = _community_of(ctx, sites)
    cols = [
        Column("rank", ctx.t("col_rank"), width=6),
        Column("candidate_id", ctx.t("col_candidate"), width=26),
        Column("community", ctx.t("col_community"), width=18),
        Column("residents_added", ctx.t("col_added"), "count", width=16),
    ]
    has_area = "floor_area_m2" in sites.columns
    if has_area:
        cols.append(Column("floor_area_m2", ctx.t("col_floor_area"), "area", width=14))
    rows = []
    for i, r in sites.iterrows():
        key = (("candidate_id", r["candidate_id"]),)
        cells: list[Cell] = [
            ctx.cell(ctx.n(r["rank"], "count", Ref(SITES_GPKG, "rank", row=key))),
            ctx.text_cell(r["candidate_id"]),
            ctx.text_cell(communities[i]),
            ctx.cell(ctx.n(r["residents_added"], "count", Ref(SITES_GPKG, "residents_added", row=key))),
        ]
        if has_area:
            cells.append(ctx.cell(ctx.n(r["floor_area_m2"], "area", Ref(SITES_GPKG, "floor_area_m2", row=key))))
        rows.append(tuple(cells))
    return Table("plan_sites", ctx.t("t_plan_sites"), tuple(cols), tuple(rows), sheet=ctx.t("sheet_plan_sites"))


def _community_of(ctx: Context, sites: gpd.GeoDataFrame) -> list[str | None]:
    """The name of the community each site lies in (None outside every community)."""
    comm = ctx.result.communities
    if not len(sites):
        return []
    pts = sites.to_crs(comm.crs) if sites.crs is not None and sites.crs != comm.crs else sites
    joined = gpd.sjoin(pts[["geometry"]], comm[["community_id", "geometry"]], how="left", predicate="within")
    first = joined.loc[~joined.index.duplicated(keep="first"), "community_id"]
    return [ctx.names.get(cid) if isinstance(cid, str) else None for cid in first.reindex(sites.index)]

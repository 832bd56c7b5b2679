"""The workstations-and-grids section (``planner report --regions DIR``): the stations of
``planner workstations`` on a map with the grids of ``planner grids``, a table per station, and
per community the grid count and the staffing gap, all as those commands wrote them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.report.context import Context
from planner.report.model import Cell, Column, MapSpec, Ref, Section, Table
from planner.report.plans import GridPlan, WorkstationPlan

STATIONS = "workstations.gpkg"
GRID_COMMUNITIES = "grid_communities.csv"
#: a station's status when it is a connected group smaller than the minimum (an island)
ISLAND = "island"


def build(ctx: Context, number: int, ws: WorkstationPlan | None, grids: GridPlan | None) -> Section:
    """The workstations-and-grids section (either part may be missing)."""
    paragraphs, tables = [], []
    if ws is not None:
        paragraphs.append(_stations_text(ctx, ws))
        tables.append(_stations(ctx, ws))
    if grids is not None:
        paragraphs.append(_grids_text(ctx, grids))
        tables.append(_grids(ctx, grids))
    spec = MapSpec("plan_regions", "regions", ctx.t("m_regions"), ctx.t("m_regions_caption"), data=(ws, grids))
    return Section(
        "regions",
        f"{number} {ctx.t('s_regions')}",
        paragraphs=tuple(paragraphs),
        tables=tuple(tables),
        figures=(spec,),
    )


def _stations_text(ctx: Context, ws: WorkstationPlan) -> str:
    st = ws.stations
    lo, hi = _norm(ctx, ws, "workstation_min_communities"), _norm(ctx, ws, "workstation_max_communities")
    staff = ctx.n(float(st["staff_needed"].sum()), "count", Ref(STATIONS, "staff_needed", agg="sum"))
    where = (("status", ISLAND),)
    islands = ctx.n(int((st["status"] == ISLAND).sum()), "count", Ref(STATIONS, "station_id", agg="count", where=where))
    n = ctx.n(len(st), "count", Ref(STATIONS, "station_id", agg="count"))
    comms = ctx.n(float(st["n_communities"].sum()), "count", Ref(STATIONS, "n_communities", agg="sum"))
    balance = _balance(ctx, st)
    return ctx.t(
        "regions_stations",
        n=n.text,
        communities=comms.text,
        lo=lo,
        hi=hi,
        islands=islands.text,
        balance=balance,
        staff=staff.text,
    )


def _balance(ctx: Context, stations: pd.DataFrame) -> str:
    """The measure the stations were balanced by, read from the ``measure`` column they carry."""
    if "measure" in stations.columns:
        for column, key in (("households", "balance_households"), ("population", "balance_population")):
            if column in stations.columns and np.allclose(stations["measure"], stations[column]):
                return ctx.t(key)
        return ctx.t("balance_workload")
    return "–"


def _norm(ctx: Context, ws: WorkstationPlan, key: str) -> str:
    """A norm of the run: from ``workstation_norms.csv`` when written, else the rulebook's."""
    value = ws.norms.get(f"organisation.{key}")
    if value is None and key in ctx.book.organisation:
        value = ctx.book.organisation[key].value
    return "–" if value is None else f"{float(value):g}"


def _stations(ctx: Context, ws: WorkstationPlan) -> Table:
    members = ws.members.groupby("station_id", sort=False)["community_id"].apply(list).to_dict()
    cols = (
        Column("station_id", ctx.t("col_station"), width=10),
        Column("n_communities", ctx.t("col_n_communities"), "count", width=10),
        Column("members", ctx.t("col_members"), width=40),
        Column("households", ctx.t("col_households"), "count", width=12),
        Column("population", ctx.t("col_population"), "count", width=12),
        Column("staff_needed", ctx.t("col_staff_needed"), "count", width=12),
        Column("community_staff", ctx.t("col_community_staff"), "count", width=12),
        Column("site_facility_id", ctx.t("col_site_facility"), width=14),
        Column("status", ctx.t("col_plan_status"), width=10),
    )
    has_staff = "community_staff" in ws.stations.columns
    rows = []
    for r in ws.stations.itertuples(index=False):
        key = (("station_id", r.station_id),)
        names = ctx.t("list_sep").join(str(ctx.names.get(c, c)) for c in members.get(r.station_id, []))

        def num(col: str, r=r, key=key) -> Cell:
            return ctx.cell(ctx.n(getattr(r, col), "count", Ref(STATIONS, col, row=key)))

        rows.append(
            (
                ctx.text_cell(r.station_id),
                num("n_communities"),
                ctx.text_cell(names or None),
                num("households"),
                num("population"),
                num("staff_needed"),
                num("community_staff") if has_staff else ctx.text_cell(None),
                ctx.text_cell(r.site_facility_id),
                ctx.text_cell(ctx.word("status", r.status)),
            )
        )
    return Table("plan_stations", ctx.t("t_plan_stations"), cols, tuple(rows), sheet=ctx.t("sheet_plan_stations"))


def _grids_text(ctx: Context, grids: GridPlan) -> str:
    c = grids.communities
    agg = lambda col: ctx.n(float(c[col].sum()), "count", Ref(GRID_COMMUNITIES, col, agg="sum"))  # noqa: E731
    short = ctx.n(int((c["staff_gap"] < 0).sum()), "count", Ref(GRID_COMMUNITIES, "staff_gap < 0", agg="count"))
    return ctx.t(
        "regions_grids",
        n=agg("n_grids").text,
        communities=ctx.n(len(c), "count", Ref(GRID_COMMUNITIES, "community_id", agg="count")).text,
        needed=agg("grid_workers_needed").text,
        staff=agg("staff").text,
        short=short.text,
    )


def _grids(ctx: Context, grids: GridPlan) -> Table:
    frame = grids.communities
    has_l2 = "n_level2" in frame.columns
    cols = [
        Column("community_id", ctx.t("col_community_id"), width=14),
        Column("community", ctx.t("col_community"), width=18),
        Column("households", ctx.t("col_households"), "count", width=12),
        Column("n_grids", ctx.t("col_n_grids"), "count", width=10),
    ]
    if has_l2:
        cols.append(Column("n_level2", ctx.t("col_n_level2"), "count", width=10))
    cols += [
        Column("grid_workers_needed", ctx.t("col_grid_workers"), "count", width=12),
        Column("staff", ctx.t("col_staff"), "count", width=12),
        Column("staff_gap", ctx.t("col_staff_gap"), "count", width=14),
    ]
    rows = []
    for r in frame.itertuples(index=False):
        key = (("community_id", r.community_id),)
        cells = [ctx.text_cell(r.community_id), ctx.text_cell(ctx.names.get(r.community_id))]
        for col in [c.key for c in cols[2:]]:
            num = ctx.n(getattr(r, col), "count", Ref(GRID_COMMUNITIES, col, row=key))
            cell = ctx.cell(num)
            if col == "staff_gap" and num.value is not None:
                cell = Cell(cell.text, cell.value, cell.kind, num, "fail" if num.value < 0 else "pass")
            cells.append(cell)
        rows.append(tuple(cells))
    return Table("plan_grids", ctx.t("t_plan_grids"), tuple(cols), tuple(rows), sheet=ctx.t("sheet_plan_grids"))

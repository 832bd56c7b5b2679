"""Governance grids (网格): each community split into contiguous grids of 300-500 households.

A community's households are spread over its analysis cells in proportion to the cells'
residents (largest remainder, so they sum exactly to the community's; where buildings were
given the cells' residents follow residential floor area). Grids are unions of whole cells, so
no cell is cut and the grids partition the community exactly. Each grid is one connected piece;
the number of grids is the feasible count nearest the middle of the bounds, and where none is
feasible (501-599 households with 300-500) the nearest split, flagged. A community with fewer
households than the minimum is one grid.

Levels (GLOSSARY): level 1 is the community itself; level 3 the micro-grids proposed here;
``levels=2`` adds level-2 groups of ``grid_level2_min_grids``..``grid_level2_max_grids``
neighbouring level-3 grids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError, PlannerError
from planner.plan.regions import contiguity, partition
from planner.plan.regions.households import cell_households, refine_cells
from planner.plan.regions.log import RegionLog
from planner.plan.regions.staffing import grid_workers, norms_table, organisation_number
from planner.rules.model import Rulebook, load_rulebook

log = logging.getLogger(__name__)

__all__ = ["Grids", "split_communities"]

#: kicks of the iterated local search for a community whose plain search missed the bounds
KICKS = 30
_NORMS = ("grid_workers_per_grid", "grid_level2_min_grids", "grid_level2_max_grids")
_RULES = (("grid_households", "min_households"), ("grid_households", "max_households"))


@dataclass(frozen=True)
class Grids:
    """Proposed governance grids.

    Attributes
    ----------
    grids
        One row per grid: ``grid_id``, ``community_id``, ``level`` (3 micro-grid, 2 group),
        ``parent_id`` (the level-2 grid, or the community for level 2 and without levels),
        ``households``, ``population``, ``n_cells``, ``status`` (``ok``, ``below_minimum``,
        ``bounds_not_met``, ``no_cells``), geometry.
    communities
        Per community: ``households``, ``n_grids`` (level 3), ``n_level2``, ``grid_count_given``,
        ``grid_workers_needed``, ``staff``, ``staff_gap`` (staff − grid workers needed; negative
        is a shortfall), ``status``.
    cells
        The pieces the grids are made of: analysis cells, cut into quarters where one holds more
        than half the bounds' width of households (sharing households and residents by area):
        ``cell_id``, ``community_id``, ``grid_id``, ``households``, ``population``, geometry.
    validation, norms, summary
        Flagged communities; the rulebook numbers used; district totals and the options.
    """

    grids: gpd.GeoDataFrame
    communities: pd.DataFrame
    cells: gpd.GeoDataFrame
    validation: pd.DataFrame
    norms: pd.DataFrame
    summary: dict


def _bounds(book: Rulebook, lo: float | None, hi: float | None) -> tuple[float, float]:
    rule = book.rules.get("grid_households")
    if (lo is None or hi is None) and rule is None:
        raise PlannerError(
            "the rulebook has no community_rules.grid_households; give the fewest and most households per grid"
        )
    lo = float(lo if lo is not None else rule.numbers["min_households"].value)  # type: ignore[union-attr]
    hi = float(hi if hi is not None else rule.numbers["max_households"].value)  # type: ignore[union-attr]
    if lo <= 0 or hi <= 0:
        raise PlannerError(f"grid household bounds must be positive, got {lo:g} and {hi:g}")
    if lo > hi:
        raise PlannerError(
            f"the fewest households per grid ({lo:g}) is larger than the most ({hi:g}); give a minimum no larger "
            "than the maximum, e.g. 300 and 500"
        )
    return lo, hi


def _pick_count(total: float, lo: float, hi: float) -> tuple[list[int], bool]:
    ks, feasible = partition.region_counts(total, lo, hi)
    if feasible:  # the count nearest the middle of the bounds, and its neighbours in case it fails
        mid = total / ((lo + hi) / 2)
        return sorted(ks, key=lambda k: (abs(k - mid), k))[:3], True
    return ks, False


def _split_key(sol: partition.Solution, w: np.ndarray, lo: float, hi: float, mid: float) -> tuple[float, float, float]:
    """Least total violation, then least worst violation, then the count nearest the middle."""
    worst = max(max(0.0, lo - s) + max(0.0, s - hi) for s in sol.sums(w))
    return (sol.violation, worst, abs(sol.k - mid))


def _split_cells(geoms, hh, lo, hi, seed, restarts) -> tuple[np.ndarray, bool]:
    """Grid label of each cell of one community, and whether a split within bounds was found."""
    adj = contiguity.adjacency(geoms)
    comp = contiguity.components(adj)
    neighbours = contiguity.neighbour_lists(adj)
    labels = np.zeros(len(geoms), dtype=np.int64)
    met = True
    offset = 0
    for c in range(comp.max() + 1):
        nodes = np.flatnonzero(comp == c)
        total = float(hh[nodes].sum())
        if total < lo:  # a piece below the minimum is one grid
            labels[nodes] = offset
            offset += 1
            met &= comp.max() == 0
            continue
        ks, feasible = _pick_count(total, lo, hi)
        local = {int(v): i for i, v in enumerate(nodes)}
        nb = [[local[int(u)] for u in neighbours[v]] for v in nodes]
        w = hh[nodes].astype(float)
        # balance is not the aim here, only the bounds: kick the search only when it missed them
        sols = partition.solve_component(nb, w, w, lo, hi, ks, seed=seed + c, restarts=restarts, kicks=0)
        if all(sol.violation > 0 for sol in sols.values()):
            sols = partition.solve_component(nb, w, w, lo, hi, ks, seed=seed + c, restarts=restarts, kicks=KICKS)

        mid = total / ((lo + hi) / 2)
        best = min(sols.values(), key=lambda sol, w=w, mid=mid: _split_key(sol, w, lo, hi, mid))  # type: ignore[misc]
        met &= feasible and best.violation == 0
        labels[nodes] = best.labels + offset
        offset += best.k
    return labels, met


def split_communities(
    communities: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    min_households: float | None = None,
    max_households: float | None = None,
    levels: int = 1,
    rulebook: Rulebook | None = None,
    seed: int = 0,
    restarts: int = 3,
) -> Grids:
    """Split every community into contiguous governance grids within the household bounds.

    Parameters
    ----------
    communities
        Polygons (metric CRS) with ``community_id``, ``households``; optional ``staff``,
        ``grid_count``. Not modified.
    cells
        Analysis cells with ``cell_id``, ``community_id``, ``population``. Not modified.
    min_households, max_households
        Households per grid, inclusive; default the rulebook's ``grid_households`` rule.
    levels
        1: the level-3 grids under each community; 2: also their level-2 groups.
    rulebook
        Default: the national rulebook.
    seed, restarts
        Seed of the search and seeds tried.

    Returns
    -------
    Grids

    Raises
    ------
    PlannerError
        If the bounds are not positive or min > max, or ``levels`` is not 1 or 2.
    InputError
        If the communities have no households column.
    """
    book = rulebook or load_rulebook()
    lo, hi = _bounds(book, min_households, max_households)
    if levels not in (1, 2):
        raise PlannerError(f"grid levels are 1 or 2, got {levels}")
    if "households" not in communities.columns:
        raise InputError(
            "grids need each community's households; add a households (户数) column",
            layer="communities",
            column="households",
        )
    comm = communities.sort_values("community_id", kind="stable").reset_index(drop=True)
    hh_comm = pd.to_numeric(comm["households"], errors="coerce")
    hh_by_id = pd.Series(hh_comm.to_numpy(), index=comm["community_id"].to_numpy())
    cl = cells.sort_values(["community_id", "cell_id"], kind="stable").reset_index(drop=True)
    # pieces no heavier than half the bounds' width, so one move can always land a grid inside them
    cl = refine_cells(cl, cell_households(cl, hh_by_id), (hi - lo) / 2)
    cl_hh = cl["households"].to_numpy()
    vlog = RegionLog()
    cell_grid = np.full(len(cl), None, dtype=object)
    rows: list[dict] = []
    status_of: dict[str, str] = {}
    by_comm = {cid: idx for cid, idx in pd.Series(np.arange(len(cl))).groupby(cl["community_id"].to_numpy())}
    for i, cid in enumerate(comm["community_id"]):
        total = hh_comm.iloc[i]
        idx = by_comm.get(cid)
        if pd.isna(total):
            vlog.add("communities", cid, "grid_missing_households", "not split")
            status_of[cid] = "missing_households"
            continue
        if idx is None or len(idx) == 0:
            vlog.add("communities", cid, "grid_no_cells", "one grid")
            status_of[cid] = "no_cells"
            rows.append(
                {"community_id": cid, "label": f"{cid}#0", "geometry": comm.geometry.iloc[i], "status": "no_cells"}
            )
            continue
        idx = idx.to_numpy()
        if total < lo:
            labels, met, status = np.zeros(len(idx), dtype=np.int64), True, "below_minimum"
            vlog.add(
                "communities",
                cid,
                "grid_below_minimum",
                "one grid",
                detail=f"{total:,.0f} households, minimum {lo:,.0f}",
            )
        else:
            labels, met = _split_cells(cl.geometry.values[idx], cl_hh[idx], lo, hi, seed, restarts)
            status = "ok" if met else "bounds_not_met"
            if not met:
                sums = np.bincount(labels, weights=cl_hh[idx])
                heavy = cl_hh[idx].max()
                why = f"; one piece of an analysis cell alone has {heavy:,.0f} households" if heavy > hi else ""
                vlog.add(
                    "communities",
                    cid,
                    "grid_bounds_not_met",
                    "nearest split",
                    detail=f"{total:,.0f} households in {len(sums)} grid(s) of {', '.join(f'{s:,.0f}' for s in sums)}; "
                    f"bounds {lo:,.0f}-{hi:,.0f}{why}",
                )
        status_of[cid] = status
        cell_grid[idx] = [f"{cid}#{lab}" for lab in labels]
    grids = _grid_frame(cl, cl_hh, cell_grid, rows, comm, lo, hi, status_of)
    grids, cell_grid = _number_grids(grids, cl, cell_grid)
    if levels == 2:
        grids = _add_level2(grids, book, seed)
    table = _community_table(comm, grids, status_of, book)
    summary = {
        "min_households": lo,
        "max_households": hi,
        "levels": levels,
        "communities": len(comm),
        "grids": int((grids["level"] == 3).sum()),
        "level2": int((grids["level"] == 2).sum()),
        "communities_bounds_not_met": int((table["status"] == "bounds_not_met").sum()),
        "grid_workers_needed": int(table["grid_workers_needed"].sum()),
        "seed": seed,
    }
    out_cells = gpd.GeoDataFrame(
        {
            "cell_id": cl["cell_id"],
            "community_id": cl["community_id"],
            "grid_id": cell_grid,
            "households": cl_hh,
            "population": cl["population"],
        },
        geometry=cl.geometry.values,
        crs=cl.crs,
    )
    log.info("%d grids in %d communities", summary["grids"], len(comm))
    return Grids(
        grids=grids,
        communities=table,
        cells=out_cells,
        validation=vlog.frame(),
        norms=norms_table(book, _NORMS, _RULES),
        summary=summary,
    )


def _grid_frame(cl, cl_hh, cell_grid, rows, comm, lo, hi, status_of) -> gpd.GeoDataFrame:
    has = pd.notna(cell_grid)
    parts = gpd.GeoDataFrame(
        {
            "label": cell_grid[has],
            "community_id": cl["community_id"].to_numpy()[has],
            "households": cl_hh[has],
            "population": cl["population"].to_numpy(dtype=float)[has],
            "n_cells": 1,
        },
        geometry=cl.geometry.values[has],
        crs=cl.crs,
    )
    agg = parts.dissolve(
        by="label",
        aggfunc={"community_id": "first", "households": "sum", "population": "sum", "n_cells": "sum"},
        sort=True,
    ).reset_index()
    bad = ~agg["households"].between(lo, hi)
    agg["status"] = np.where(bad, agg["community_id"].map(status_of).replace({"ok": "bounds_not_met"}), "ok")
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs=cl.crs) if rows else None
    if extra is not None:
        hh = pd.to_numeric(comm.set_index("community_id")["households"], errors="coerce")
        pop = pd.to_numeric(comm.set_index("community_id").get("population"), errors="coerce")
        extra["households"] = extra["community_id"].map(hh).to_numpy()
        extra["population"] = extra["community_id"].map(pop).to_numpy() if pop is not None else np.nan
        extra["n_cells"] = 0
        agg = pd.concat([agg, extra], ignore_index=True)
    return gpd.GeoDataFrame(agg, geometry="geometry", crs=cl.crs)


def _number_grids(grids: gpd.GeoDataFrame, cl, cell_grid) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Grid ids ``<community>-01``.. numbered north-west first within each community."""
    pt = shapely.point_on_surface(grids.geometry.values)
    order = np.lexsort((shapely.get_x(pt).round(1), -shapely.get_y(pt).round(1), grids["community_id"].astype(str)))
    grids = grids.iloc[order].reset_index(drop=True)
    n = grids.groupby("community_id", sort=False).cumcount() + 1
    grids["grid_id"] = grids["community_id"].astype(str) + "-" + n.map("{:02d}".format)
    rename = dict(zip(grids["label"], grids["grid_id"], strict=False))
    cell_grid = np.array([rename.get(x) if x is not None else None for x in cell_grid], dtype=object)
    grids["level"] = 3
    grids["parent_id"] = grids["community_id"]
    cols = [
        "grid_id",
        "community_id",
        "level",
        "parent_id",
        "households",
        "population",
        "n_cells",
        "status",
        "geometry",
    ]
    return gpd.GeoDataFrame(grids[cols], geometry="geometry", crs=grids.crs), cell_grid


def _add_level2(grids: gpd.GeoDataFrame, book: Rulebook, seed: int) -> gpd.GeoDataFrame:
    lo = int(organisation_number(book, "grid_level2_min_grids").value)
    hi = int(organisation_number(book, "grid_level2_max_grids").value)
    grids = grids.copy()
    groups = []
    for cid, idx in grids.groupby("community_id", sort=False).groups.items():
        sub = grids.loc[idx]
        nb = [list(map(int, a)) for a in contiguity.neighbour_lists(contiguity.adjacency(sub.geometry.values))]
        labels, ok = partition.group_by_count(nb, sub["households"].to_numpy(dtype=float), lo, hi, seed=seed)
        ids = [f"{cid}-L{lab + 1}" for lab in labels]
        grids.loc[idx, "parent_id"] = ids
        for lab in range(len(ok)):
            members = sub.loc[labels == lab]
            groups.append(
                {
                    "grid_id": f"{cid}-L{lab + 1}",
                    "community_id": cid,
                    "level": 2,
                    "parent_id": cid,
                    "households": members["households"].sum(),
                    "population": members["population"].sum(),
                    "n_cells": members["n_cells"].sum(),
                    "status": "ok" if ok[lab] else "bounds_not_met",
                    "geometry": shapely.union_all(members.geometry.values),
                }
            )
    level2 = gpd.GeoDataFrame(groups, geometry="geometry", crs=grids.crs)
    return gpd.GeoDataFrame(pd.concat([level2, grids], ignore_index=True), geometry="geometry", crs=grids.crs)


def _community_table(comm, grids, status_of, book) -> pd.DataFrame:
    level3 = grids.loc[grids["level"] == 3]
    n = level3.groupby("community_id").size()
    n2 = grids.loc[grids["level"] == 2].groupby("community_id").size()
    ids = comm["community_id"]
    n_grids = ids.map(n).fillna(0).astype(int).to_numpy()
    staff = pd.to_numeric(comm["staff"], errors="coerce") if "staff" in comm else pd.Series(np.nan, index=comm.index)
    given = (
        pd.to_numeric(comm["grid_count"], errors="coerce")
        if "grid_count" in comm
        else pd.Series(np.nan, index=comm.index)
    )
    workers = grid_workers(n_grids, book)
    return pd.DataFrame(
        {
            "community_id": ids.to_numpy(),
            "households": pd.to_numeric(comm["households"], errors="coerce").to_numpy(),
            "n_grids": n_grids,
            "n_level2": ids.map(n2).fillna(0).astype(int).to_numpy(),
            "grid_count_given": given.to_numpy(),
            "grid_workers_needed": workers,
            "staff": staff.to_numpy(),
            "staff_gap": staff.to_numpy() - workers,
            "status": ids.map(status_of).to_numpy(),
        }
    )

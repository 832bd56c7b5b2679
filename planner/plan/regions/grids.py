"""Governance grids (网格): each community split into contiguous grids of 300-500 households.

Where buildings are given, grids follow them: the community is cut into one piece per
building (its footprint and the ground nearest to it, :mod:`planner.plan.regions.buildings`),
households follow residential floor area, and grids are unions of whole pieces, so no building
is ever split between grids. Elsewhere (no buildings, or none residential in a community,
flagged) a community's households are spread over its analysis cells in proportion to the
cells' residents and grids are unions of whole cells (quartered where one is too heavy).
Either way households are whole numbers by largest remainder, summing exactly to the
community's, and the grids partition the community exactly. Each grid is one connected piece;
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

from planner.errors import InputError, PlannerError
from planner.plan.regions import contiguity, partition
from planner.plan.regions.buildings import building_pieces, cell_pieces
from planner.plan.regions.grid_tables import add_level2, community_table, grid_frame, number_grids
from planner.plan.regions.households import cell_households, refine_cells
from planner.plan.regions.log import RegionLog
from planner.plan.regions.staffing import norms_table
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
        ``households``, ``population``, ``n_cells``, ``n_buildings``, ``status`` (``ok``,
        ``below_minimum``, ``bounds_not_met``, ``no_cells``), geometry.
    communities
        Per community: ``households``, ``n_grids`` (level 3), ``n_level2``, ``grid_count_given``,
        ``grid_workers_needed``, ``staff``, ``staff_gap`` (staff − grid workers needed; negative
        is a shortfall), ``status``, ``basis`` (``buildings`` or ``cells``: what the grids follow).
    cells
        The analysis cells as the grids divide them: ``cell_id``, ``community_id``, ``grid_id``,
        ``households``, ``population``, geometry. Following cells, the cells themselves, cut into
        quarters where one holds more than half the bounds' width of households (sharing
        households and residents by area); following buildings, the cells cut by the grid
        borders (residents and households shared by residential floor area). Each cell's
        residents are kept exactly.
    buildings
        Following buildings, the pieces the grids are made of (``piece_id``, ``building_id``,
        ``community_id``, ``grid_id``, ``floor_area_m2``, ``households``, ``population``,
        geometry); None without buildings.
    validation, norms, summary
        Flagged communities; the rulebook numbers used; district totals and the options.
    """

    grids: gpd.GeoDataFrame
    communities: pd.DataFrame
    cells: gpd.GeoDataFrame
    validation: pd.DataFrame
    norms: pd.DataFrame
    summary: dict
    buildings: gpd.GeoDataFrame | None = None


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
    """Counts to try, the first the one ``planner analyze`` reports (``rules.kinds.proposed_grids``)."""
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


def _cell_frame(cl: gpd.GeoDataFrame, hh_by_id: pd.Series, lo: float, hi: float) -> gpd.GeoDataFrame:
    """The analysis cells as pieces: households by residents, heavy cells quartered."""
    # pieces no heavier than half the bounds' width, so one move can always land a grid inside them
    pieces = refine_cells(cl, cell_households(cl, hh_by_id), (hi - lo) / 2)
    return pieces.assign(piece_id=None, building_id=None, floor_area_m2=np.nan, n_cells=1, n_buildings=0)


def _building_frame(atoms: dict[object, gpd.GeoDataFrame], crs) -> gpd.GeoDataFrame:
    frames = [f.assign(community_id=cid, cell_id=None, n_cells=0) for cid, f in atoms.items()]
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(
        out.assign(n_buildings=out["building_id"].notna().astype(int)), geometry="geometry", crs=crs
    )


def _pieces(comm, cl, buildings, hh_by_id, lo, hi, vlog: RegionLog) -> tuple[gpd.GeoDataFrame, dict]:
    """The pieces grids are made of (buildings where given, else cells), and each community's basis."""
    atoms: dict[object, gpd.GeoDataFrame] = {}
    if buildings is not None and len(buildings):
        pop_by_id = pd.Series(pd.to_numeric(comm.get("population"), errors="coerce").to_numpy(), index=hh_by_id.index)
        atoms = building_pieces(comm, buildings, hh_by_id, pop_by_id)
        without = [cid for cid in comm["community_id"] if cid not in atoms]
        if without:
            vlog.add("communities", without, "grid_no_buildings", "grids follow the analysis cells")
    frames = []
    rest = cl.loc[~cl["community_id"].isin(list(atoms))]
    if len(rest):
        frames.append(_cell_frame(rest, hh_by_id, lo, hi))
    if atoms:
        frames.append(_building_frame(atoms, comm.crs))
    cols = ["piece_id", "cell_id", "building_id", "community_id", "households", "population", "floor_area_m2"]
    cols += ["n_cells", "n_buildings"]
    pieces = (
        pd.concat([f[[*cols, "geometry"]] for f in frames], ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*cols, "geometry"])
    )
    pieces = gpd.GeoDataFrame(pieces, geometry="geometry", crs=comm.crs)
    basis = {cid: "buildings" if cid in atoms else "cells" for cid in comm["community_id"]}
    return pieces, basis


def _split_one(cid, total, geoms, hh, lo, hi, seed, restarts, basis, vlog) -> tuple[np.ndarray, str]:
    """Grid labels of one community's pieces and its status, flagged in ``vlog``."""
    if total < lo:
        vlog.add(
            "communities", cid, "grid_below_minimum", "one grid", detail=f"{total:,.0f} households, minimum {lo:,.0f}"
        )
        return np.zeros(len(geoms), dtype=np.int64), "below_minimum"
    labels, met = _split_cells(geoms, hh, lo, hi, seed, restarts)
    if met:
        return labels, "ok"
    sums = np.bincount(labels, weights=hh)
    heavy = hh.max()
    what = "one building" if basis == "buildings" else "one piece of an analysis cell"
    why = f"; {what} alone has {heavy:,.0f} households" if heavy > hi else ""
    vlog.add(
        "communities",
        cid,
        "grid_bounds_not_met",
        "nearest split",
        detail=f"{total:,.0f} households in {len(sums)} grid(s) of {', '.join(f'{s:,.0f}' for s in sums)}; "
        f"bounds {lo:,.0f}-{hi:,.0f}{why}",
    )
    return labels, "bounds_not_met"


def split_communities(
    communities: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
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
        Polygons (metric CRS) with ``community_id``, ``households``; optional ``population``,
        ``staff``, ``grid_count``. Not modified.
    cells
        Analysis cells with ``cell_id``, ``community_id``, ``population``. Not modified.
    buildings
        Optional footprints (same CRS): grids then follow them where a community has residential
        floor area (see :func:`planner.plan.regions.buildings.residential_floor_area`). Not modified.
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
    vlog = RegionLog()
    pieces, basis_of = _pieces(comm, cl, buildings, hh_by_id, lo, hi, vlog)
    p_hh = pieces["households"].to_numpy(dtype=float)
    label = np.full(len(pieces), None, dtype=object)
    rows: list[dict] = []
    status_of: dict[str, str] = {}
    by_comm = dict(list(pd.Series(np.arange(len(pieces))).groupby(pieces["community_id"].to_numpy())))
    for i, cid in enumerate(comm["community_id"]):
        total, idx = hh_comm.iloc[i], by_comm.get(cid)
        if pd.isna(total):
            vlog.add("communities", cid, "grid_missing_households", "not split")
            status_of[cid] = "missing_households"
        elif idx is None or len(idx) == 0:
            vlog.add("communities", cid, "grid_no_cells", "one grid")
            status_of[cid] = "no_cells"
            rows.append(
                {"community_id": cid, "label": f"{cid}#0", "geometry": comm.geometry.iloc[i], "status": "no_cells"}
            )
        else:
            idx = idx.to_numpy()
            geoms = pieces.geometry.values[idx]
            labels, status_of[cid] = _split_one(
                cid, total, geoms, p_hh[idx], lo, hi, seed, restarts, basis_of[cid], vlog
            )
            label[idx] = [f"{cid}#{lab}" for lab in labels]
    pieces = pieces.assign(label=label)
    grids = grid_frame(pieces, rows, comm, lo, hi, status_of)
    out_cells, pieces = _cells_out(cl, pieces, grids, basis_of)
    grids = _count_cells(grids, out_cells)
    grids, rename = number_grids(grids)
    out_cells["grid_id"] = out_cells["label"].map(rename)
    if levels == 2:
        grids = add_level2(grids, book, seed)
    table = community_table(comm, grids, status_of, basis_of, book)
    summary = _summary(comm, grids, table, lo, hi, levels, seed)
    log.info("%d grids in %d communities", summary["grids"], len(comm))
    built = pieces.loc[pieces["building_id"].notna() | pieces["piece_id"].notna()]
    return Grids(
        grids=grids,
        communities=table,
        cells=out_cells.drop(columns="label"),
        validation=vlog.frame(),
        norms=norms_table(book, _NORMS, _RULES),
        summary=summary,
        buildings=_buildings_out(built, rename) if len(built) else None,
    )


def _cells_out(cl, pieces, grids, basis_of) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The analysis cells as the grids divide them (see :attr:`Grids.cells`)."""
    cols = ["cell_id", "community_id", "label", "households", "population"]
    on_cells = pieces.loc[pieces["cell_id"].notna(), [*cols, "geometry"]]
    frames = [on_cells]
    for cid, basis in basis_of.items():
        if basis != "buildings":
            continue
        mine = cl.loc[cl["community_id"] == cid]
        g = grids.loc[grids["community_id"] == cid]
        if len(mine) and len(g):
            frames.append(cell_pieces(mine, g, pieces.loc[pieces["community_id"] == cid]))
    out = pd.concat([f for f in frames if len(f)] or [on_cells], ignore_index=True)
    out = out.astype({"households": np.int64, "population": np.int64})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=cl.crs), pieces


def _count_cells(grids: gpd.GeoDataFrame, out_cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``n_cells``: the analysis cells (or their pieces) each grid holds."""
    n = out_cells.groupby("label").size()
    return grids.assign(n_cells=grids["label"].map(n).fillna(0).astype(int))


def _buildings_out(built: gpd.GeoDataFrame, rename: dict) -> gpd.GeoDataFrame:
    cols = ["piece_id", "building_id", "community_id", "households", "population"]
    out = built[[*cols, "geometry"]].copy()
    out.insert(3, "grid_id", built["label"].map(rename).to_numpy())
    out.insert(4, "floor_area_m2", built["floor_area_m2"].to_numpy())
    return gpd.GeoDataFrame(out.reset_index(drop=True), geometry="geometry", crs=built.crs)


def _summary(comm, grids, table, lo, hi, levels, seed) -> dict:
    return {
        "min_households": lo,
        "max_households": hi,
        "levels": levels,
        "communities": len(comm),
        "grids": int((grids["level"] == 3).sum()),
        "level2": int((grids["level"] == 2).sum()),
        "communities_bounds_not_met": int((table["status"] == "bounds_not_met").sum()),
        "communities_on_buildings": int((table["basis"] == "buildings").sum()),
        "grid_workers_needed": int(table["grid_workers_needed"].sum()),
        "seed": seed,
    }

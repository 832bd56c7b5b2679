"""The tables of governance grids: grids dissolved from their pieces, numbered, grouped into
level-2 grids, and the per-community table of grid workers against staff."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.plan.regions import contiguity, partition
from planner.plan.regions.staffing import grid_workers, organisation_number
from planner.rules.model import Rulebook

__all__ = ["add_level2", "community_table", "grid_frame", "group_by_count", "number_grids"]


def grid_frame(pieces: gpd.GeoDataFrame, rows: list[dict], comm, lo, hi, status_of) -> gpd.GeoDataFrame:
    """One row per grid label: the union of its pieces and their sums; ``rows`` are whole communities."""
    has = pieces["label"].notna().to_numpy()
    parts = pieces.loc[has, ["label", "community_id", "households", "population", "n_cells", "n_buildings", "geometry"]]
    parts = parts.astype({"population": float})
    agg = parts.dissolve(
        by="label",
        aggfunc={
            "community_id": "first",
            "households": "sum",
            "population": "sum",
            "n_cells": "sum",
            "n_buildings": "sum",
        },
        sort=True,
    ).reset_index()
    bad = ~agg["households"].between(lo, hi)
    agg["status"] = np.where(bad, agg["community_id"].map(status_of).replace({"ok": "bounds_not_met"}), "ok")
    extra = gpd.GeoDataFrame(rows, geometry="geometry", crs=pieces.crs) if rows else None
    if extra is not None:
        hh = pd.to_numeric(comm.set_index("community_id")["households"], errors="coerce")
        pop = pd.to_numeric(comm.set_index("community_id").get("population"), errors="coerce")
        extra["households"] = extra["community_id"].map(hh).to_numpy()
        extra["population"] = extra["community_id"].map(pop).to_numpy() if pop is not None else np.nan
        extra["n_cells"] = 0
        extra["n_buildings"] = 0
        agg = pd.concat([agg, extra], ignore_index=True)
    return gpd.GeoDataFrame(agg, geometry="geometry", crs=pieces.crs)


def number_grids(grids: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """Grid ids ``<community>-01``.. numbered north-west first within each community, and the
    renaming from the labels."""
    pt = shapely.point_on_surface(grids.geometry.values)
    order = np.lexsort((shapely.get_x(pt).round(1), -shapely.get_y(pt).round(1), grids["community_id"].astype(str)))
    grids = grids.iloc[order].reset_index(drop=True)
    n = grids.groupby("community_id", sort=False).cumcount() + 1
    grids["grid_id"] = grids["community_id"].astype(str) + "-" + n.map("{:02d}".format)
    rename = dict(zip(grids["label"], grids["grid_id"], strict=False))
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
        "n_buildings",
        "status",
        "geometry",
    ]
    return gpd.GeoDataFrame(grids[cols], geometry="geometry", crs=grids.crs), rename


def add_level2(grids: gpd.GeoDataFrame, book: Rulebook, seed: int) -> gpd.GeoDataFrame:
    """Level-2 grids: groups of neighbouring level-3 grids of one community (rulebook sizes)."""
    lo = int(organisation_number(book, "grid_level2_min_grids").value)
    hi = int(organisation_number(book, "grid_level2_max_grids").value)
    grids = grids.copy()
    groups = []
    for cid, idx in grids.groupby("community_id", sort=False).groups.items():
        sub = grids.loc[idx]
        nb = [list(map(int, a)) for a in contiguity.neighbour_lists(contiguity.adjacency(sub.geometry.values))]
        labels, ok = group_by_count(nb, sub["households"].to_numpy(dtype=float), lo, hi, seed=seed)
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
                    "n_buildings": members["n_buildings"].sum(),
                    "status": "ok" if ok[lab] else "bounds_not_met",
                    "geometry": shapely.union_all(members.geometry.values),
                }
            )
    level2 = gpd.GeoDataFrame(groups, geometry="geometry", crs=grids.crs)
    return gpd.GeoDataFrame(pd.concat([level2, grids], ignore_index=True), geometry="geometry", crs=grids.crs)


def community_table(comm, grids, status_of, basis_of, book) -> pd.DataFrame:
    """Per community: the grids, the grid workers they need against the staff, the status and
    what the grids follow (``buildings`` or ``cells``)."""
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
            "basis": ids.map(basis_of).to_numpy(),
        }
    )


def group_by_count(
    neighbours: list[list[int]], measure: np.ndarray, lo: int, hi: int, *, seed: int = 0, restarts: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Connected groups of ``lo``..``hi`` nodes each, balanced by ``measure``.

    Each connected component is solved on its own; a component smaller than ``lo`` is one
    group. Returns the group of each node and, per group, whether it meets the bounds.
    """
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    m = len(neighbours)
    rows = [v for v in range(m) for _ in neighbours[v]]
    cols = [u for v in range(m) for u in neighbours[v]]
    _, comp = connected_components(coo_array((np.ones(len(rows)), (rows, cols)), shape=(m, m)), directed=False)
    labels = np.zeros(m, dtype=np.int64)
    ok: list[bool] = []
    for c in range(comp.max() + 1 if m else 0):
        nodes = np.flatnonzero(comp == c)
        if len(nodes) <= lo:
            labels[nodes] = len(ok)
            ok.append(len(nodes) == lo)  # smaller than the minimum: one group, flagged
            continue
        local = {int(v): i for i, v in enumerate(nodes)}
        nb = [[local[u] for u in neighbours[v]] for v in nodes]
        ks, _ = partition.region_counts(len(nodes), lo, hi)
        sols = partition.solve_component(
            nb, np.ones(len(nodes)), measure[nodes], lo, hi, ks, seed=seed + c, restarts=restarts, kicks=10
        )
        best = sols[min(sols, key=lambda k: (sols[k].violation, partition.cv(sols[k].sums(measure[nodes])), k))]
        sizes = np.bincount(best.labels, minlength=best.k)
        labels[nodes] = best.labels + len(ok)
        ok.extend(bool(lo <= s <= hi) for s in sizes)
    return labels, np.array(ok, dtype=bool)

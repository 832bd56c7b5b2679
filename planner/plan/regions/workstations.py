"""Community workstations (社区工作站): contiguous groups of 3-5 communities, balanced.

Every community belongs to exactly one station; a station's communities form one connected
piece of the adjacency graph (shared edge or corner, and the same sub-district with
``within``). A connected group smaller than the minimum (an *island*) is a station of its own,
flagged; every other station has ``min``..``max`` communities (inclusive) wherever a contiguous
grouping exists, and the nearest grouping, flagged, where none does. Among the groupings that
meet the bounds, the one found with the lowest coefficient of variation of the balance measure
across the non-island stations is kept (:mod:`planner.plan.regions.partition`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.errors import InputError, PlannerError
from planner.plan.regions import contiguity, partition
from planner.plan.regions.log import RegionLog
from planner.plan.regions.staffing import norms_table, organisation_number, station_staff
from planner.rules.model import Rulebook, load_rulebook

log = logging.getLogger(__name__)

__all__ = ["BALANCES", "Workstations", "balance_measure", "group_communities"]

BALANCES = ("households", "population", "workload")
#: at most this many region counts are tried per connected group (spread over the feasible range)
MAX_COUNTS_TRIED = 8
_NORMS = (
    "workstation_min_communities",
    "workstation_max_communities",
    "workload_per_household",
    "workload_per_km2",
    "workstation_staff_per_10k_residents",
)


@dataclass(frozen=True)
class Workstations:
    """Proposed community workstations.

    Attributes
    ----------
    stations
        One row per station: ``station_id``, ``n_communities``, ``households``, ``population``,
        ``area_km2``, ``workload``, ``staff_needed``, ``community_staff`` (the members' staff
        today), ``status`` (``ok``, ``island``, ``bounds_not_met``), ``site_facility_id``,
        ``site_kind``; geometry the union of its communities.
    members
        ``community_id``, ``station_id``, ``measure`` (the balance value used), ``status``.
    sites
        One point per station (``station_id``, ``site_kind``, ``site_id``, ``site_facility_id``,
        ``mean_walk_m``, ``households_unreached``), or None before sites are chosen.
    validation
        Flagged stations and communities, in the columns of planner's validation log.
    norms
        The rulebook numbers used, with source and status.
    summary
        ``balance``, ``cv`` (across non-island stations), counts and the options.
    """

    stations: gpd.GeoDataFrame
    members: pd.DataFrame
    sites: gpd.GeoDataFrame | None
    validation: pd.DataFrame
    norms: pd.DataFrame
    summary: dict


def balance_measure(communities: gpd.GeoDataFrame, balance: str, book: Rulebook) -> tuple[np.ndarray, np.ndarray]:
    """The balance value of each community and which were estimated (missing households).

    ``households`` and ``workload`` estimate missing households from residents at the district's
    residents per household; ``workload`` = households × ``workload_per_household`` + area in km²
    × ``workload_per_km2`` (rulebook ``[organisation]``).
    """
    if balance not in BALANCES:
        raise PlannerError(f"the balance measure must be one of {', '.join(BALANCES)}, got {balance!r}")
    pop = pd.to_numeric(communities.get("population"), errors="coerce") if "population" in communities else None
    hh = pd.to_numeric(communities["households"], errors="coerce") if "households" in communities else None
    if balance == "population":
        if pop is None or pop.isna().any():
            bad = communities["community_id"] if pop is None else communities.loc[pop.isna(), "community_id"]
            raise InputError(
                "residents missing: balancing by population needs every community's residents; fill them in "
                "or balance by households",
                layer="communities",
                column="population",
                rows=bad.tolist(),
            )
        return pop.to_numpy(dtype=float), np.zeros(len(communities), dtype=bool)
    if hh is None:
        hh = pd.Series(np.nan, index=communities.index)
    missing = hh.isna().to_numpy()
    values = hh.to_numpy(dtype=float).copy()
    if missing.any():
        known = ~missing & (pop.notna().to_numpy() if pop is not None else False)
        ratio = values[known].sum() / pop.to_numpy()[known].sum() if known.any() and pop is not None else math.nan
        estimate = pop.to_numpy(dtype=float) * ratio if pop is not None else np.full(len(values), np.nan)
        fallback = np.nanmedian(values) if (~missing).any() else 1.0
        values[missing] = np.where(np.isfinite(estimate[missing]), estimate[missing], fallback)
    if balance == "workload":
        per_hh = organisation_number(book, "workload_per_household").value
        per_km2 = organisation_number(book, "workload_per_km2").value
        values = values * per_hh + communities.geometry.area.to_numpy() / 1e6 * per_km2
    return values, missing


def _check_bounds(lo: int, hi: int) -> None:
    if lo < 1 or hi < 1 or int(lo) != lo or int(hi) != hi:
        raise PlannerError(
            f"the fewest and most communities per station are whole numbers, at least 1; got {lo} and {hi}"
        )
    if lo > hi:
        raise PlannerError(
            f"the fewest communities per station ({lo}) is larger than the most ({hi}); give a minimum no larger "
            "than the maximum, e.g. 3 and 5"
        )


def _restricted_adjacency(comm: gpd.GeoDataFrame, within: str | None) -> sp.csr_array:
    adj = contiguity.adjacency(comm.geometry.values)
    if within is None:
        return adj
    if within not in comm.columns:
        raise InputError(
            f"stations kept within '{within}', but the communities have no '{within}' column; add it or do not "
            "keep stations within it",
            layer="communities",
            column=within,
        )
    group = comm[within].astype(object).where(comm[within].notna(), "").to_numpy()
    coo = adj.tocoo()
    keep = group[coo.row] == group[coo.col]
    return sp.coo_array((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=adj.shape).tocsr()


def _counts_to_try(n: int, lo: int, hi: int) -> tuple[list[int], bool]:
    ks, feasible = partition.region_counts(n, lo, hi)
    if len(ks) > MAX_COUNTS_TRIED:
        ks = sorted({round(x) for x in np.linspace(ks[0], ks[-1], MAX_COUNTS_TRIED)})
    return ks, feasible


def _choose_counts(options: list[dict[int, partition.Solution]], measures: list[np.ndarray]) -> list[int]:
    """One region count per component: least violation, then least spread about the common mean."""
    picks = [
        min(o, key=lambda k: (o[k].violation, partition.cv(o[k].sums(m)), k))
        for o, m in zip(options, measures, strict=False)
    ]
    for _ in range(4):  # the common mean depends on the counts chosen: iterate to a fixed point
        total = sum(float(m.sum()) for m in measures)
        target = total / max(sum(picks), 1)
        new = [
            min(o, key=lambda k: (o[k].violation, float(((o[k].sums(m) - target) ** 2).sum()), k))
            for o, m in zip(options, measures, strict=False)
        ]
        if new == picks:
            break
        picks = new
    return picks


def group_communities(
    communities: gpd.GeoDataFrame,
    *,
    min_communities: int | None = None,
    max_communities: int | None = None,
    balance: str = "households",
    within: str | None = None,
    rulebook: Rulebook | None = None,
    seed: int = 0,
    restarts: int = 4,
) -> Workstations:
    """Group communities into contiguous, bounded, balanced workstations (no sites yet).

    Parameters
    ----------
    communities
        Polygons in a metric CRS with ``community_id`` and ``households`` and/or ``population``
        (optional ``staff`` and the ``within`` column). Not modified.
    min_communities, max_communities
        Communities per station, inclusive; default the rulebook's
        ``workstation_min_communities`` / ``workstation_max_communities``.
    balance
        ``households``, ``population`` or ``workload``.
    within
        A column (e.g. ``sub_district``) whose borders no station may cross.
    rulebook
        Default: the national rulebook.
    seed, restarts
        Seed of the search and seeds tried per region count: the result depends on these only.

    Returns
    -------
    Workstations
        With ``sites`` None; :func:`planner.plan.regions.plan_workstations` adds them.

    Raises
    ------
    PlannerError
        If the bounds are not whole numbers >= 1 or ``min > max``, or ``balance`` is unknown.
    InputError
        If the ``within`` column is missing, or population is missing with ``balance="population"``.
    """
    book = rulebook or load_rulebook()
    lo = int(min_communities if min_communities is not None else organisation_number(book, _NORMS[0]).value)
    hi = int(max_communities if max_communities is not None else organisation_number(book, _NORMS[1]).value)
    _check_bounds(lo, hi)
    comm = communities.sort_values("community_id", kind="stable").reset_index(drop=True)
    measure, imputed = balance_measure(comm, balance, book)
    vlog = RegionLog()
    ids = comm["community_id"].to_numpy()
    if imputed.any():
        vlog.add("communities", ids[imputed], "missing_households", "estimated")
    adj = _restricted_adjacency(comm, within)
    comp = contiguity.components(adj)
    neighbours = contiguity.neighbour_lists(adj)
    degree = np.diff(adj.indptr)
    labels = np.full(len(comm), -1, dtype=np.int64)
    status_of: dict[int, str] = {}
    next_label = 0
    solved: list[tuple[np.ndarray, dict[int, partition.Solution]]] = []
    for c in range(comp.max() + 1 if len(comp) else 0):
        nodes = np.flatnonzero(comp == c)
        if len(nodes) < lo:
            labels[nodes] = next_label
            status_of[next_label] = "island"
            next_label += 1
            lonely = nodes[degree[nodes] == 0]
            if len(lonely):
                vlog.add("communities", ids[lonely], "no_neighbours", "own station")
            if len(nodes) > len(lonely):
                vlog.add(
                    "communities",
                    ids[nodes[degree[nodes] > 0]],
                    "island",
                    "own station",
                    detail=f"{len(nodes)} connected communities, minimum {lo}",
                )
            continue
        local = {int(v): i for i, v in enumerate(nodes)}
        nb = [[local[int(u)] for u in neighbours[v]] for v in nodes]
        ks, _ = _counts_to_try(len(nodes), lo, hi)
        sols = partition.solve_component(
            nb, np.ones(len(nodes)), measure[nodes], lo, hi, ks, seed=seed + c, restarts=restarts
        )
        solved.append((nodes, sols))
    picks = _choose_counts([s for _, s in solved], [measure[n] for n, _ in solved])
    for (nodes, sols), k in zip(solved, picks, strict=False):
        sol = sols[k]
        labels[nodes] = sol.labels + next_label
        sizes = np.bincount(sol.labels, minlength=sol.k)
        for r in range(sol.k):
            status_of[next_label + r] = "ok" if lo <= sizes[r] <= hi else "bounds_not_met"
        next_label += sol.k
    return _assemble(comm, labels, status_of, measure, balance, lo, hi, within, seed, vlog, book)


def _assemble(comm, labels, status_of, measure, balance, lo, hi, within, seed, vlog, book) -> Workstations:
    ids = comm["community_id"].to_numpy()
    # stations numbered by their smallest community id: independent of input row order
    first = pd.Series(ids).groupby(labels).min().sort_values(kind="stable")
    number = {lab: i for i, lab in enumerate(first.index)}
    station_ids = np.array([f"WS{number[lab] + 1:03d}" for lab in labels], dtype=object)
    status = np.array([status_of[lab] for lab in labels], dtype=object)
    hh = pd.to_numeric(comm["households"], errors="coerce") if "households" in comm else pd.Series(np.nan, comm.index)
    pop = pd.to_numeric(comm["population"], errors="coerce") if "population" in comm else pd.Series(np.nan, comm.index)
    staff = pd.to_numeric(comm["staff"], errors="coerce") if "staff" in comm else pd.Series(np.nan, comm.index)
    per_hh = organisation_number(book, "workload_per_household").value
    per_km2 = organisation_number(book, "workload_per_km2").value
    area_km2 = comm.geometry.area.to_numpy() / 1e6
    frame = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "station_id": station_ids,
            "households": hh.to_numpy(),
            "population": pop.to_numpy(),
            "staff": staff.to_numpy(),
            "area_km2": area_km2,
            "workload": hh.to_numpy() * per_hh + area_km2 * per_km2,
            "measure": measure,
            "status": status,
        },
        geometry=comm.geometry.values,
        crs=comm.crs,
    )
    grouped = frame.groupby("station_id", sort=True)
    stations = grouped.agg(
        n_communities=("community_id", "size"),
        households=("households", lambda s: s.sum(min_count=1)),
        population=("population", lambda s: s.sum(min_count=1)),
        area_km2=("area_km2", "sum"),
        workload=("workload", lambda s: s.sum(min_count=1)),
        measure=("measure", "sum"),
        community_staff=("staff", lambda s: s.sum(min_count=1)),
        status=("status", "first"),
    )
    geoms = frame.dissolve(by="station_id", sort=True).geometry
    stations = gpd.GeoDataFrame(stations, geometry=geoms.reindex(stations.index).values, crs=comm.crs)
    stations["staff_needed"] = station_staff(stations["population"].to_numpy(), book)
    stations["site_facility_id"] = None
    stations["site_kind"] = None
    stations = stations.reset_index()
    bad = stations.loc[stations["status"] == "bounds_not_met"]
    for row in bad.itertuples():
        vlog.add(
            "workstations",
            row.station_id,
            "station_bounds_not_met",
            "flagged",
            detail=f"{row.n_communities} communities, bounds {lo}-{hi}",
        )
    cols = [
        "station_id",
        "n_communities",
        "households",
        "population",
        "area_km2",
        "workload",
        "measure",
        "staff_needed",
        "community_staff",
        "status",
        "site_facility_id",
        "site_kind",
        "geometry",
    ]
    stations = stations[cols]
    regular = stations.loc[stations["status"] != "island", "measure"].to_numpy(dtype=float)
    summary = {
        "balance": balance,
        "cv": partition.cv(regular),
        "stations": len(stations),
        "islands": int((stations["status"] == "island").sum()),
        "bounds_not_met": len(bad),
        "min_communities": lo,
        "max_communities": hi,
        "within": within,
        "seed": seed,
    }
    members = pd.DataFrame(frame[["community_id", "station_id", "measure", "status"]])
    log.info("%d workstations (CV of %s %.3f)", len(stations), balance, summary["cv"])
    return Workstations(
        stations=stations,
        members=members,
        sites=None,
        validation=vlog.frame(),
        norms=norms_table(book, _NORMS),
        summary=summary,
    )

"""Where to build: facility siting with proven optimality.

:func:`site` answers three questions on the analysis's own distances (walking or straight
line, exactly as ``analyze`` measures them), with the existing facilities of the type kept
open on top of the new sites:

- ``"coverage"`` (maximal covering, MCLP): ``add`` new sites covering the most residents
  within the radius;
- ``"count"`` (set covering, LSCP, and its partial form): the fewest new sites covering at
  least ``target`` (default 1.0) of the residents any candidate or existing facility reaches;
- ``"distance"`` (p-median): ``add`` new sites minimising residents × distance to the nearest
  open facility, without a radius cap.

With ``capacity=True`` the coverage question becomes capacitated maximal covering: each
facility serves at most the households its floor area allows (:mod:`.capacity`).

Every answer is re-scored from the distance matrix, independently of the solver, and comes
with the solver's proven bound and the gap between them (:class:`SitingResult`).
"""

from __future__ import annotations

import dataclasses
import logging
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.analysis import Analysis
from planner.assess.groups import cell_demand, demand_groups, group_of
from planner.plan.siting.candidates import ID, cell_candidates, study_candidates
from planner.plan.siting.capacity import cell_households, per_100_households_m2
from planner.plan.siting.count import set_covering
from planner.plan.siting.median import p_median
from planner.plan.siting.model import SitingError
from planner.plan.siting.result import SitingResult, write_siting
from planner.plan.siting.solve import maximal_covering
from planner.reach.engine import _points

__all__ = ["OBJECTIVES", "SitingError", "SitingResult", "per_100_households_m2", "site", "write_siting"]

log = logging.getLogger(__name__)

OBJECTIVES: tuple[str, ...] = ("coverage", "count", "distance")


def site(
    result: Analysis,
    *,
    type: str,
    objective: str = "coverage",
    add: int | None = None,
    target: float | None = None,
    candidates: str | gpd.GeoDataFrame = "auto",
    radius_m: float | None = None,
    time_limit_s: float = 60.0,
    capacity: bool = False,
) -> SitingResult:
    """Where to build new facilities of ``type``.

    Parameters
    ----------
    result
        An analysis (:func:`planner.analyze`): its cells, engine and distance mode are used.
    type
        Rulebook facility type key.
    objective
        ``"coverage"``, ``"count"`` or ``"distance"``.
    add
        New sites (coverage, distance); for count, the most new sites allowed (optional).
    target
        Count: share of the coverable residents to cover (default 1.0).
    candidates
        ``"auto"`` (the study's candidates layer if it has one, else the cells), ``"study"``,
        ``"cells"`` or a GeoDataFrame of points with ``candidate_id``.
    radius_m
        Overrides the rulebook radius (m).
    time_limit_s
        Solver time limit (s); the best solution and its proven gap are returned at the limit.
    capacity
        Coverage only: each facility serves at most the households its floor area allows (the
        rulebook's m² per 100 households for the type); cells are assigned fractionally
        (:mod:`planner.plan.siting.capacity`).

    Raises
    ------
    SitingError
        Unknown objective or type, no radius, K missing or larger than the candidates, a
        target outside (0, 1] or needing more than ``add`` sites; capacity with another objective,
        for a type without a floor-area standard per 100 households, or without households.
    InputError
        An empty or missing candidates layer.
    """
    t0 = time.perf_counter()
    book = result.study.rulebook
    radius = _radius(book, type, objective, radius_m)
    ftype = book.types[type]
    cand = _candidates(result, candidates)
    n_cand = len(cand)
    _check_k(objective, add, n_cand)
    weight, demand = _demand(result, type)
    engine = result.engine
    fac = result.study.facilities
    existing = _points(fac.loc[fac["type"] == type])
    cand_pts = _points(cand)
    default_area = ftype.min_floor_area_m2.value if ftype.min_floor_area_m2 is not None else 0.0
    if "floor_area_m2" in cand.columns:
        area = cand["floor_area_m2"].astype(float).fillna(default_area).to_numpy()
    else:
        area = np.full(n_cand, default_area)
    if capacity:
        answer = _capacitated(result, cand, type, radius, objective, add, area, weight, time_limit_s, t0)
        return dataclasses.replace(answer, demand=demand)
    if objective == "distance":
        answer = _distance(result, cand, cand_pts, existing, weight, add, area, type, time_limit_s, t0)
        return dataclasses.replace(answer, demand=demand)
    reach = engine.within(cand_pts, radius)
    before_mask = _any(engine.within(existing, radius), len(weight)) if len(existing) else np.zeros(len(weight), bool)
    before = float(weight[before_mask].sum())
    if objective == "coverage":
        solved = maximal_covering(reach, weight, ~before_mask, int(add or 0), time_limit_s=time_limit_s)
        share = None
    else:
        share = 1.0 if target is None else float(target)
        coverable = before_mask | _any(reach, len(weight))
        reachable = float(weight[coverable].sum())
        if not (0 < share <= 1):
            raise SitingError(
                f"the target is a share of the {reachable:,.0f} residents that a candidate or existing facility "
                f"can reach; give a number in (0, 1], got {share:g}"
            )
        need = share * reachable - before
        solved = set_covering(reach, weight, ~before_mask, need, time_limit_s=time_limit_s)
        if add is not None and len(solved.chosen) > add and solved.proven:
            raise SitingError(
                f"covering {share:.0%} of the reachable residents needs {len(solved.chosen)} new sites, more than "
                f"K = {add}; raise K, lower the target share or give more candidates"
            )
    chosen = np.asarray(solved.chosen, dtype=np.int64)
    order, added = _coverage_ranks(reach, weight, before_mask, chosen)
    after_mask = before_mask | _any(reach[chosen[order]], len(weight)) if len(chosen) else before_mask
    after = float(weight[after_mask].sum())
    if objective == "coverage":
        value, bound = after, before + solved.bound
    else:
        value, bound = float(len(chosen)), solved.bound
    if objective == "coverage" and abs(after - before - solved.value) > 1e-6 * max(after, 1.0):
        log.warning("siting: re-scored coverage %s differs from the solver's %s", after - before, solved.value)
    sites = _sites(cand, chosen[order], added, area)
    return SitingResult(
        objective=objective,
        type=type,
        mode=engine.mode,
        radius_m=radius,
        k=len(chosen),
        value=value,
        bound=bound,
        gap=_gap(value, bound, solved.proven),
        before=before,
        after=after,
        status="optimal" if solved.proven else "time_limit",
        seconds=time.perf_counter() - t0,
        sites=sites,
        target_share=share,
        candidates=n_cand,
        stats=solved.stats,
        demand=demand,
    )


def _demand(result: Analysis, type: str) -> tuple[np.ndarray, dict]:
    """The demand weight of each cell, the residents of the group ``type`` serves, and how it was found.

    :func:`planner.assess.groups.cell_demand` on the analysis's cells and communities: elderly
    residents (60+) for elderly day care, children 3-6 for kindergartens, all residents for a type
    the rulebook maps to no group. The dict is ``siting.json``'s ``demand``.
    """
    book = result.study.rulebook
    weight, basis = cell_demand(result.cells, result.communities, book, type)
    key = group_of(book, type)
    group = demand_groups(book)[key]
    return np.nan_to_num(weight, nan=0.0), {
        "group": key,
        "name_en": group.name_en,
        "name_zh": group.name_zh,
        "basis": ";".join(sorted({str(b) for b in basis})),
        "residents": float(np.nansum(weight)),
    }


def _capacitated(result, cand, type, radius, objective, add, area, weight, time_limit_s, t0) -> SitingResult:
    """Capacitated maximal covering (:mod:`planner.plan.siting.capacity`), re-scored by its own LP."""
    from planner.plan.siting import capacity as cap

    if objective != "coverage":
        raise SitingError(f"capacity applies to the coverage objective only, not {objective!r}; drop capacity")
    book = result.study.rulebook
    per100 = per_100_households_m2(book, type)
    std = book.types[type].min_floor_area_m2
    if np.isnan(area).any() or (std is None and "floor_area_m2" not in cand.columns):
        raise SitingError(
            f"facility type {type!r} has no standard floor area (min_floor_area_m2) in rulebook {book.id}: give "
            f"every candidate a floor_area_m2, or set facility_types.{type}.min_floor_area_m2 in a city rule file"
        )
    fac = result.study.facilities
    own = fac.loc[fac["type"] == type]
    fac_area = (
        pd.to_numeric(own["floor_area_m2"], errors="coerce")
        if "floor_area_m2" in own
        else pd.Series(np.nan, index=own.index)
    )
    if fac_area.isna().any() and std is None:
        raise SitingError(
            f"existing {type} facilities {', '.join(own.loc[fac_area.isna(), 'facility_id'].astype(str)[:5])} have "
            f"no floor_area_m2 and the type has no standard floor area; give their floor area in the facilities layer"
        )
    fac_area = fac_area.fillna(std.value if std is not None else 0.0).to_numpy(dtype=float)
    everyone = np.nan_to_num(pd.to_numeric(result.cells["population"], errors="coerce").to_numpy(dtype=float))
    # a facility's capacity is in households of all residents (the standard is per 100 households); a
    # cell's share z served brings z of its households and z of its group's residents
    households = cell_households(result, everyone)
    capacity = np.concatenate([fac_area, area]) / per100.value * 100.0
    engine = result.engine
    existing = _points(own)
    reach = engine.within(_points(cand), radius)
    ex_reach = engine.within(existing, radius) if len(existing) else sp.csr_array((0, len(weight)))
    pairs = cap.make_pairs(ex_reach, reach, weight)
    solved = cap.capacitated_covering(pairs, weight, households, capacity, int(add), time_limit_s=time_limit_s)
    chosen = np.asarray(solved.chosen, dtype=np.int64)
    order, added, before = cap.ranked(pairs, chosen, weight, households, capacity)
    after = before + float(added.sum())
    stats = {
        **solved.stats,
        "per_100_households_m2": per100.value,
        "capacity_households_existing": float(capacity[: len(existing)].sum()),
    }
    sites = _sites(cand, chosen[order], added, area)
    sites["capacity_households"] = capacity[len(existing) + chosen[order]]
    return SitingResult(
        objective="coverage",
        type=type,
        mode=engine.mode,
        radius_m=radius,
        k=len(chosen),
        value=after,
        bound=max(solved.bound, after),
        gap=_gap(after, max(solved.bound, after), solved.proven),
        before=before,
        after=after,
        status="optimal" if solved.proven else "time_limit",
        seconds=time.perf_counter() - t0,
        sites=sites,
        candidates=len(cand),
        capacitated=True,
        stats=stats,
    )


def _radius(book, type: str, objective: str, radius_m: float | None) -> float:
    """The service radius the question uses (m), after checking the objective and the type."""
    if objective not in OBJECTIVES:
        raise SitingError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if type not in book.types:
        raise SitingError(
            f"facility type {type!r} is not in the rulebook {book.id}; use one of {', '.join(book.types)}"
        )
    radius = float(radius_m) if radius_m is not None else float(book.types[type].radius_m.value)
    if objective != "distance" and not (np.isfinite(radius) and radius > 0):
        raise SitingError(
            f"facility type {type!r} has no service radius (radius_m = {radius:g}) in rulebook {book.id}; "
            f"give a radius in metres (radius_m), or set facility_types.{type}.radius_m in a city rule file"
        )
    return radius


def _check_k(objective: str, add: int | None, n_cand: int) -> None:
    """K (new sites) must be given where the objective needs it and fit the candidates."""
    if objective != "count" and (add is None or add < 1):
        raise SitingError(f"objective {objective!r} needs the number of new sites K (add): give K >= 1")
    if add is not None and add > n_cand:
        raise SitingError(
            f"K = {add} new sites is larger than the {n_cand} candidate sites; lower K or give more candidates"
        )


def _distance(result, cand, cand_pts, existing, weight, add, area, type, time_limit_s, t0) -> SitingResult:
    engine = result.engine
    e = engine.nearest(existing).distance if len(existing) else np.full(len(weight), np.inf)
    if len(existing) and np.isfinite(e).all():
        limit = float(e.max())
    elif engine.network is not None:
        limit = float(engine.network.seg_len.sum()) + 2 * engine.max_snap_m  # longer than any walk
    else:
        xy = np.vstack([engine._demand_xy, _xy(cand_pts)])
        limit = float(np.hypot(*(xy.max(axis=0) - xy.min(axis=0)))) + 1.0
    dist = engine.within(cand_pts, limit)
    solved = p_median(dist, weight, e, add, time_limit_s=time_limit_s)
    chosen = np.asarray(solved.chosen, dtype=np.int64)
    before = float((weight * e)[np.isfinite(e)].sum()) if len(existing) else None
    best, owner = _nearest_open(dist, chosen, e)
    reached = np.isfinite(best)
    after = float((weight * best)[reached].sum())
    unreachable = float(weight[~reached].sum())
    order = np.argsort(
        -np.bincount(owner[owner >= 0], weights=weight[owner >= 0], minlength=len(chosen)), kind="stable"
    )
    served = np.bincount(owner[owner >= 0], weights=weight[owner >= 0], minlength=len(chosen))
    bound = solved.bound if unreachable == 0 else np.nan
    sites = _sites(cand, chosen[order], served[order], area)
    return SitingResult(
        objective="distance",
        type=type,
        mode=engine.mode,
        radius_m=None,
        k=len(chosen),
        value=after,
        bound=bound,
        gap=_gap(after, bound, solved.proven),
        before=before,
        after=after,
        status="optimal" if solved.proven else "time_limit",
        seconds=time.perf_counter() - t0,
        sites=sites,
        candidates=len(cand),
        unreachable_residents=unreachable,
        stats=solved.stats,
    )


def _xy(points: np.ndarray) -> np.ndarray:
    import shapely

    return shapely.get_coordinates(points)


def _nearest_open(dist: sp.csr_array, chosen: np.ndarray, existing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to the nearest open facility and, where a new site is nearest, its position in ``chosen``."""
    best, owner = existing.copy(), np.full(len(existing), -1, dtype=np.int64)
    for pos, j in enumerate(chosen):
        cols = dist.indices[dist.indptr[j] : dist.indptr[j + 1]]
        d = dist.data[dist.indptr[j] : dist.indptr[j + 1]]
        better = d < best[cols]
        best[cols[better]], owner[cols[better]] = d[better], pos
    return best, owner


def _any(m: sp.csr_array, n: int) -> np.ndarray:
    """Columns with at least one stored entry (stored zeros count)."""
    out = np.zeros(n, dtype=bool)
    out[m.indices] = True
    return out


def _coverage_ranks(reach, weight, before_mask, chosen) -> tuple[np.ndarray, np.ndarray]:
    """Order the chosen sites greedily by the residents each adds; (order, residents added)."""
    covered = before_mask.copy()
    left = list(range(len(chosen)))
    order, added = [], []
    while left:
        gains = [float(weight[_newly(reach, chosen[p], covered)].sum()) for p in left]
        best = int(np.argmax(gains))
        p = left.pop(best)
        covered[_newly(reach, chosen[p], covered)] = True
        order.append(p)
        added.append(gains[best])
    return np.asarray(order, dtype=np.int64), np.asarray(added)


def _newly(reach: sp.csr_array, j: int, covered: np.ndarray) -> np.ndarray:
    cols = reach.indices[reach.indptr[j] : reach.indptr[j + 1]]
    return cols[~covered[cols]]


def _sites(cand: gpd.GeoDataFrame, rows: np.ndarray, added: np.ndarray, area: np.ndarray) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            ID: cand[ID].to_numpy()[rows].astype(str),
            "residents_added": np.asarray(added, dtype=float),
            "rank": np.arange(1, len(rows) + 1),
            "floor_area_m2": area[rows],
        },
        geometry=cand.geometry.to_numpy()[rows],
        crs=cand.crs,
    )


def _gap(value: float, bound: float, proven: bool) -> float:
    if proven:
        return 0.0
    scale = max(abs(value), abs(bound)) if np.isfinite(bound) else np.nan
    return float(abs(bound - value) / scale) if scale else 0.0


def _candidates(result: Analysis, candidates: str | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if isinstance(candidates, gpd.GeoDataFrame):
        if len(candidates) == 0:
            raise SitingError("the candidates given are empty; give at least one candidate site")
        return candidates.reset_index(drop=True)
    if candidates == "auto":
        candidates = "study" if result.study.candidates is not None else "cells"
    if candidates == "study":
        return study_candidates(result)
    if candidates == "cells":
        out = cell_candidates(result)
        if len(out) == 0:
            raise SitingError("no analysis cell lies within the snapping distance of a street; give a candidates layer")
        return out
    raise SitingError(f"candidates must be 'auto', 'study' or 'cells', got {candidates!r}")

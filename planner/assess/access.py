"""Supply against demand: two-step floating catchment access (2SFCA, E2SFCA).

On the analysis's own distances (walking or straight line, exactly as ``analyze`` measures
them), from one sites × cells matrix (:meth:`planner.reach.engine.ReachEngine.within`):

- step 1, per facility ``j``: ``R_j = S_j / sum_k P_k W(d_kj)`` over the cells ``k`` within the
  radius of ``j`` (inclusive, ``d_kj <= radius_m``);
- step 2, per cell ``i``: ``A_i = sum_j R_j W(d_ij)`` over the facilities ``j`` within the
  radius of ``i`` (inclusive).

``S_j`` is the facility's floor area (m², default), 1 (``count``) or its ``capacity`` column;
``P_k`` the cell's population; ``W`` the decay: 1 for ``"2sfca"`` (and ``"e2sfca"`` with the
``"step"`` decay), ``exp(-d² / (2 σ²))`` with ``σ = radius_m / 2`` for the ``"gaussian"`` decay
(PySAL ``access.weights.gaussian``), ``(max(d, d_min) / radius_m)^-β`` for the ``"gravity"``
decay (PySAL ``access.weights.gravity(radius_m, -β, d_min)``; ``β`` and ``d_min`` from the
rulebook's ``[access_decay]``). ``A_i`` is in supply units per resident, not normalised.

``P_k`` is the residents of the group the type serves by default (``demand="group"``: the
elderly for day care, children 3-6 for kindergartens, school-age children for schools, all
residents otherwise; :func:`planner.assess.groups.cell_demand`); ``demand="all"`` counts all
residents whatever the type. Every output says which group was counted (``group``) and how its
residents were found (``demand_basis``).

A cell with no facility within the radius has access 0 (not NaN); a facility with no residents
within its radius adds nothing; every cell is listed, including those without residents; a
facility or cell off the street network reaches nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.analysis import Analysis
from planner.assess.groups import cell_demand, group_of
from planner.errors import PlannerError
from planner.outputs import check_out_dir, for_file, write_atomic
from planner.reach.engine import _points

__all__ = [
    "DECAYS",
    "DEMANDS",
    "METHODS",
    "SUPPLIES",
    "AccessError",
    "AccessResult",
    "access",
    "two_step",
    "write_access",
]

log = logging.getLogger(__name__)

METHODS: tuple[str, ...] = ("2sfca", "e2sfca")
DECAYS: tuple[str, ...] = ("step", "gaussian", "gravity")
DEMANDS: tuple[str, ...] = ("all", "group")
SUPPLIES: tuple[str, ...] = ("floor_area_m2", "count", "capacity")
FILES: tuple[str, ...] = ("access_cells.csv", "access_communities.csv", "access_cells.gpkg")


class AccessError(PlannerError, ValueError):
    """An access question that cannot be answered as asked (says what to change)."""


@dataclass(frozen=True)
class AccessResult:
    """Access to one facility type.

    Attributes
    ----------
    cells
        Every analysis cell: ``cell_id``, ``community_id``, ``population``, ``access`` (supply
        units per resident) and its geometry.
    communities
        Every community: ``community_id``, ``access`` (the population-weighted mean of its
        cells' access) and ``access_per_100_households`` (its residents' supply within reach
        per 100 households; NaN without households).
    facilities
        Per facility of the type: ``facility_id``, ``supply``, ``demand`` (weighted residents
        within the radius) and ``ratio`` (``R_j``; 0 where the demand is 0).
    type, method, decay, supply, radius_m, mode
        The form computed, written in every output.
    group, exponent
        The demand group counted (``"all"`` for all residents) and the gravity exponent (NaN
        for the other decays).
    """

    cells: gpd.GeoDataFrame
    communities: pd.DataFrame
    facilities: pd.DataFrame
    type: str
    method: str
    decay: str
    supply: str
    radius_m: float
    mode: str
    group: str = "all"
    exponent: float = float("nan")
    #: the sites × cells distance matrix within the radius (m), for the three lists
    reach: sp.csr_array | None = field(default=None, repr=False, compare=False)

    def form(self) -> dict[str, object]:
        """The chosen form as columns: type, method, decay, supply, radius_m, mode, group (and exponent)."""
        out: dict[str, object] = {
            "type": self.type,
            "method": self.method,
            "decay": self.decay,
            "supply": self.supply,
            "radius_m": self.radius_m,
            "mode": self.mode,
            "group": self.group,
        }
        if self.decay == "gravity":
            out["exponent"] = self.exponent
        return out


def weights(
    distance: np.ndarray, decay: str, radius_m: float, *, exponent: float = 1.0, min_distance_m: float = 0.0
) -> np.ndarray:
    """The decay ``W(d)`` for distances within the radius (m)."""
    if decay == "step":
        return np.ones_like(distance, dtype=float)
    if decay == "gravity":
        if min_distance_m <= 0:
            raise AccessError(
                "the gravity decay needs a positive minimum distance (access_decay.gravity_min_distance_m)"
            )
        return (np.maximum(distance, min_distance_m) / radius_m) ** -exponent
    sigma = radius_m / 2.0
    return np.exp(-(distance * distance) / (2.0 * sigma * sigma))


def two_step(
    reach: sp.csr_array,
    supply: np.ndarray,
    population: np.ndarray,
    *,
    decay: str = "step",
    radius_m: float = 0.0,
    exponent: float = 1.0,
    min_distance_m: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two steps on a sites × cells distance matrix.

    Parameters
    ----------
    reach
        Sites × cells, metres, a stored entry meaning "within the radius" (zeros stored).
    supply, population
        ``S_j`` per site and ``P_k`` per cell.
    decay, radius_m
        The decay and the radius it is scaled by.
    exponent, min_distance_m
        The gravity decay's ``β`` and ``d_min`` (m).

    Returns
    -------
    access, demand, ratio
        ``A_i`` per cell, the weighted demand per site and ``R_j`` per site (0 where its
        demand is 0).
    """
    reach = sp.csr_array(reach)
    # the weights keep the matrix's structure: a stored 0 m distance stays an entry
    wd = weights(reach.data, decay, radius_m, exponent=exponent, min_distance_m=min_distance_m)
    w = sp.csr_array((wd, reach.indices, reach.indptr), shape=reach.shape)
    demand = w @ population
    ratio = np.divide(supply, demand, out=np.zeros(len(supply)), where=demand > 0)
    return w.T @ ratio, demand, ratio


def access(
    result: Analysis,
    *,
    type: str,
    method: str = "2sfca",
    supply: str = "floor_area_m2",
    radius_m: float | None = None,
    decay: str = "step",
    demand: str = "group",
    exponent: float | None = None,
) -> AccessResult:
    """Access of every cell and community to the facilities of one type (2SFCA or E2SFCA).

    Parameters
    ----------
    result
        An analysis (:func:`planner.analyze`): its cells, facilities, engine and distance mode.
    type
        Rulebook facility type key.
    method
        ``"2sfca"`` (every facility within the radius counts in full) or ``"e2sfca"`` (weighted
        by the ``decay``).
    supply
        ``"floor_area_m2"`` (m²), ``"count"`` (1 per facility) or ``"capacity"`` (the
        facilities' ``capacity`` column, places).
    radius_m
        Catchment radius (m); default the rulebook's service radius of the type.
    decay
        ``"step"``, ``"gaussian"`` (``σ = radius_m / 2``) or ``"gravity"``; 2SFCA takes only
        ``"step"``.
    demand
        ``"group"`` (the residents of the group the type serves, the default) or ``"all"`` (all
        residents, whatever the group).
    exponent
        The gravity decay's ``β``; default the rulebook's ``access_decay.gravity_exponent``.

    Raises
    ------
    AccessError
        Unknown method, decay, supply, demand or type; no radius; a supply column missing or
        with missing values for facilities of the type.
    """
    _check_form(method, decay, supply)
    if demand not in DEMANDS:
        raise AccessError(f"demand must be one of {', '.join(DEMANDS)}, got {demand!r}")
    book = result.study.rulebook
    radius = _radius(book, type, radius_m)
    beta, d_min = _gravity(book, exponent) if decay == "gravity" else (float("nan"), 0.0)
    fac = result.study.facilities
    fac = fac.loc[fac["type"] == type]
    values = _supply(fac, supply, type)
    cells = result.cells
    if demand == "group":
        population, basis = cell_demand(cells, result.communities, book, type)
        group = group_of(book, type)
    else:
        population = np.nan_to_num(cells["population"].to_numpy(dtype=float), nan=0.0)
        basis, group = np.full(len(cells), "all_residents", dtype=object), "all"
    reach = result.engine.within(_points(fac), radius)
    cell_access, fac_demand, ratio = two_step(
        reach, values, population, decay=decay, radius_m=radius, exponent=beta, min_distance_m=d_min
    )
    out_cells = gpd.GeoDataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy(),
            "community_id": cells["community_id"].to_numpy(),
            "population": cells["population"].to_numpy(),
            "access": cell_access,
            "demand": population,
            "demand_basis": basis,
        },
        geometry=cells.geometry.values,
        crs=cells.crs,
    )
    comm = _communities(result.communities, out_cells, population)
    facilities = pd.DataFrame(
        {"facility_id": fac["facility_id"].to_numpy(), "supply": values, "demand": fac_demand, "ratio": ratio}
    )
    log.info("access %s (%s, %s, %s, %g m): %d facilities", type, method, decay, supply, radius, len(fac))
    mode = result.options.mode
    return AccessResult(out_cells, comm, facilities, type, method, decay, supply, radius, mode, group, beta, reach)


def _gravity(book, exponent: float | None) -> tuple[float, float]:
    """The gravity decay's exponent and minimum distance (m), from the rulebook unless given."""
    table = book.tables.get("access_decay", {})
    for key in ("gravity_exponent", "gravity_min_distance_m"):
        if key not in table:
            raise AccessError(f"the rulebook {book.id} has no access_decay.{key}; add it to the rule file")
    beta = book.number(table["gravity_exponent"], "access_decay.gravity_exponent").value
    d_min = book.number(table["gravity_min_distance_m"], "access_decay.gravity_min_distance_m").value
    return (float(exponent) if exponent is not None else beta), d_min


def _check_form(method: str, decay: str, supply: str) -> None:
    if method not in METHODS:
        raise AccessError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if decay not in DECAYS:
        raise AccessError(f"decay must be one of {', '.join(DECAYS)}, got {decay!r}")
    if supply not in SUPPLIES:
        raise AccessError(f"supply must be one of {', '.join(SUPPLIES)}, got {supply!r}")
    if method == "2sfca" and decay != "step":
        raise AccessError(f"2SFCA counts every facility within the radius in full; for decay {decay!r} use e2sfca")


def _radius(book, type: str, radius_m: float | None) -> float:
    if type not in book.types:
        raise AccessError(
            f"facility type {type!r} is not in the rulebook {book.id}; use one of {', '.join(book.types)}"
        )
    value = book.types[type].radius_m
    radius = float(radius_m) if radius_m is not None else float(value.value) if value is not None else np.nan
    if not (np.isfinite(radius) and radius > 0):
        raise AccessError(
            f"facility type {type!r} has no service radius in rulebook {book.id}; give a radius in metres "
            f"(radius_m), or set facility_types.{type}.radius_m in a city rule file"
        )
    return radius


def _supply(fac: pd.DataFrame, supply: str, type: str) -> np.ndarray:
    """``S_j`` per facility of the type."""
    if supply == "count":
        return np.ones(len(fac))
    if supply not in fac.columns:
        raise AccessError(
            f"the facilities layer has no {supply!r} column; add it (places per facility) or use the supply "
            "floor_area_m2 or count"
        )
    values = pd.to_numeric(fac[supply], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        ids = fac.loc[bad, "facility_id"].astype(str).tolist()
        shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        raise AccessError(
            f"{len(ids)} {type} facilities have no {supply!r} value (or a negative one): {shown}; fill the "
            "column in the facilities layer or use the supply count"
        )
    return values


def _communities(comm: pd.DataFrame, cells: pd.DataFrame, population: np.ndarray) -> pd.DataFrame:
    """Per community: the population-weighted mean access and the supply within reach per 100 households."""
    frame = pd.DataFrame(
        {"community_id": cells["community_id"].to_numpy(), "p": population, "pa": population * cells["access"]}
    )
    sums = frame.groupby("community_id", sort=False)[["p", "pa"]].sum()
    ids = comm["community_id"]
    p = ids.map(sums["p"]).fillna(0.0).to_numpy(dtype=float)
    pa = ids.map(sums["pa"]).fillna(0.0).to_numpy(dtype=float)
    mean = np.divide(pa, p, out=np.full(len(p), np.nan), where=p > 0)
    if "households" in comm.columns:
        hh = pd.to_numeric(comm["households"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(hh) & (hh > 0)
        per_100 = np.divide(pa * 100.0, hh, out=np.full(len(p), np.nan), where=ok)
    else:
        per_100 = np.full(len(p), np.nan)
    basis = cells.groupby("community_id", sort=False)["demand_basis"].first()
    return pd.DataFrame(
        {
            "community_id": ids.to_numpy(),
            "access": mean,
            "access_per_100_households": per_100,
            "demand": p,
            "demand_basis": ids.map(basis).fillna(cells["demand_basis"].iloc[0] if len(cells) else "").to_numpy(),
        }
    )


def write_access(answer: AccessResult, out_dir: str | Path, study=None) -> dict[str, Path]:
    """Write ``access_cells.csv``, ``access_communities.csv`` and ``access_cells.gpkg``, atomically.

    Every file carries the form (type, method, decay, supply, radius_m, mode) as columns.

    Raises
    ------
    PlannerError
        ``out_dir`` is a file, or a target is one of the study's inputs.
    """
    out = check_out_dir(out_dir, FILES, study)
    form = answer.form()
    cells = for_file(
        answer.cells[["cell_id", "population", "access", "demand", "demand_basis", "community_id", "geometry"]].assign(
            **form
        )
    )
    table = for_file(answer.communities.assign(**form))
    flat = pd.DataFrame(cells.drop(columns=["geometry", "community_id"]))
    return {
        "access_cells.csv": write_atomic(
            out / "access_cells.csv", lambda p: flat.to_csv(p, index=False, encoding="utf-8-sig")
        ),
        "access_communities.csv": write_atomic(
            out / "access_communities.csv", lambda p: table.to_csv(p, index=False, encoding="utf-8-sig")
        ),
        "access_cells.gpkg": write_atomic(
            out / "access_cells.gpkg",
            lambda p: cells.to_file(p, layer="access_cells", driver="GPKG", engine="pyogrio"),
        ),
    }

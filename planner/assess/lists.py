"""The community's three lists (需求清单, 资源清单, 服务清单), per community and facility type.

- **Demand**: the residents of the group the type serves (:func:`planner.assess.groups.cell_demand`,
  ``demand_basis`` says how they were found) and the community's households.
- **Resources**: the facilities of the type within its service radius of at least one of the
  community's cells with residents of the group.
- **Service balance**: the community's supply, i.e. its group residents' 2SFCA share of those
  facilities' floor area (m²) or places (:func:`planner.assess.access.access` with the step
  decay and the type's radius: ``sum_i P_i A_i`` over its cells, so a facility shared with
  neighbouring communities is split between them by their residents within reach), per 100
  households, against the rulebook's standard (``[service_standards]``,
  ``per_100_households_m2`` or ``per_100_households_places``), and the shortfall
  ``max(0, standard - supply per 100 households) × households / 100`` in m² or places (NaN
  without a standard or without households). A type without a standard whose facilities
  lack the supply column is counted in facilities (``supply_unit`` = ``facilities``); a type
  with a standard needs the column (:class:`~planner.assess.access.AccessError` says so).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from planner.analysis import Analysis
from planner.assess.access import _radius, _supply, two_step
from planner.assess.groups import cell_demand, group_of
from planner.outputs import check_out_dir, for_file, write_atomic
from planner.reach.engine import _points
from planner.rules.model import Rulebook

__all__ = ["COLUMNS", "FILE", "standard", "three_lists", "write_three_lists"]

log = logging.getLogger(__name__)

FILE = "three_lists.csv"
#: the schema of three_lists.csv (read by the report; keep it)
COLUMNS: tuple[str, ...] = (
    "community_id",
    "type_key",
    "group",
    "demand_residents",
    "demand_households",
    "facilities_in_reach",
    "supply",
    "supply_unit",
    "supply_per_100_households",
    "standard_per_100_households",
    "shortfall",
)
#: standard key -> (supply column, unit written)
UNITS: dict[str, tuple[str, str]] = {
    "per_100_households_m2": ("floor_area_m2", "m2"),
    "per_100_households_places": ("capacity", "places"),
}


def standard(book: Rulebook, type_key: str) -> tuple[float, str, str]:
    """The service standard of a type: (value per 100 households or NaN, supply column, unit)."""
    table = book.tables.get("service_standards", {}).get(type_key, {})
    for key, (column, unit) in UNITS.items():
        if key in table:
            return book.number(table[key], f"service_standards.{type_key}.{key}").value, column, unit
    return float("nan"), "floor_area_m2", "m2"


def three_lists(result: Analysis, types: Iterable[str] | None = None) -> pd.DataFrame:
    """Demand, resources and service balance per community and facility type.

    Parameters
    ----------
    result
        An analysis (:func:`planner.analyze`).
    types
        Facility type keys (default every type of the rulebook).

    Returns
    -------
    DataFrame
        :data:`COLUMNS` and ``demand_basis``, one row per community and type (communities in
        the analysis's order, types in rulebook order).

    Raises
    ------
    AccessError
        A facility of a type lacks the supply column its standard needs (floor area or capacity).
    """
    book = result.study.rulebook
    comm = result.communities
    households = (
        pd.to_numeric(comm["households"], errors="coerce").to_numpy(dtype=float)
        if "households" in comm.columns
        else np.full(len(comm), np.nan)
    )
    fac = result.study.facilities
    cells = result.cells
    ids = comm["community_id"]
    code = pd.Index(ids.to_numpy()).get_indexer(cells["community_id"].to_numpy())
    demand: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per group: residents per cell, basis per cell
    frames = []
    for key in types if types is not None else book.types:
        value, column, unit = standard(book, key)
        if np.isnan(value) and not _complete(fac, key, column):
            column, unit = "count", "facilities"  # no standard to meet: count the facilities
        group = group_of(book, key)
        if group not in demand:
            demand[group] = cell_demand(cells, comm, book, key)
        weight, basis = demand[group]
        sites = fac.loc[fac["type"] == key]
        reach = result.engine.within(_points(sites), _radius(book, key, None))
        cell_access = two_step(reach, _supply(sites, column, key), weight)[0]
        frame = _one_type(code, len(ids), weight, basis, cell_access, reach, households, value)
        frames.append(frame.assign(community_id=ids.to_numpy(), type_key=key, group=group, supply_unit=unit))
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS, "demand_basis"])
    return pd.concat(frames, ignore_index=True)[[*COLUMNS, "demand_basis"]]


def _complete(fac: pd.DataFrame, key: str, column: str) -> bool:
    """Whether every facility of the type has a value in the supply column."""
    if column not in fac.columns:
        return False
    values = pd.to_numeric(fac.loc[fac["type"] == key, column], errors="coerce")
    return bool(values.notna().all())


def _one_type(
    code: np.ndarray,
    n: int,
    weight: np.ndarray,
    basis: np.ndarray,
    cell_access: np.ndarray,
    reach: sp.csr_array,
    households: np.ndarray,
    value: float,
) -> pd.DataFrame:
    """The numbers of one type per community (code: the community of each cell, -1 for none)."""
    ok = code >= 0
    residents = np.bincount(code[ok], weights=weight[ok], minlength=n)
    supply = np.bincount(code[ok], weights=(weight * cell_access)[ok], minlength=n)
    good = np.isfinite(households) & (households > 0)
    per_100 = np.divide(supply * 100.0, households, out=np.full(n, np.nan), where=good)
    shortfall = np.maximum(value - per_100, 0.0) * households / 100.0  # NaN without standard or households
    first = np.full(n, basis[0] if len(basis) else "census_share", dtype=object)
    first[code[ok][::-1]] = basis[ok][::-1]  # each community's first cell's basis (the last write wins)
    return pd.DataFrame(
        {
            "demand_residents": residents,
            "demand_households": households,
            "facilities_in_reach": _in_reach(reach, code, weight, n),
            "supply": supply,
            "supply_per_100_households": per_100,
            "standard_per_100_households": value,
            "shortfall": shortfall,
            "demand_basis": first,
        }
    )


def _in_reach(reach: sp.csr_array, code: np.ndarray, weight: np.ndarray, n: int) -> np.ndarray:
    """Per community, the facilities within the radius of at least one of its cells with demand."""
    coo = sp.coo_array(reach)
    keep = (weight[coo.col] > 0) & (code[coo.col] >= 0)
    # a facilities × communities matrix: converting to CSR sums duplicate pairs, so the stored
    # entries are the distinct (facility, community) pairs (no sort of millions of pairs)
    pairs = sp.csr_array((np.ones(int(keep.sum())), (coo.row[keep], code[coo.col[keep]])), shape=(reach.shape[0], n))
    pairs.sum_duplicates()
    return np.bincount(pairs.indices, minlength=n).astype(np.int64)


def write_three_lists(table: pd.DataFrame, out_dir: str | Path, study=None) -> Path:
    """Write ``three_lists.csv`` (UTF-8 with BOM), atomically, with exactly :data:`COLUMNS`.

    Raises
    ------
    PlannerError
        ``out_dir`` is a file, or the target is one of the study's inputs.
    """
    out = check_out_dir(out_dir, (FILE,), study)
    flat = for_file(table[list(COLUMNS)])
    return write_atomic(out / FILE, lambda p: flat.to_csv(p, index=False, encoding="utf-8-sig"))

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

from planner.analysis import Analysis
from planner.assess.access import AccessResult, access
from planner.outputs import check_out_dir, for_file, write_atomic
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
    frames = []
    fac = result.study.facilities
    for key in types if types is not None else book.types:
        value, column, unit = standard(book, key)
        if np.isnan(value) and not _complete(fac, key, column):
            column, unit = "count", "facilities"  # no standard to meet: count the facilities
        answer = access(result, type=key, supply=column, demand="group")
        frames.append(_one_type(answer, comm["community_id"], households, value, unit))
    if not frames:
        return pd.DataFrame(columns=[*COLUMNS, "demand_basis"])
    return pd.concat(frames, ignore_index=True)


def _complete(fac: pd.DataFrame, key: str, column: str) -> bool:
    """Whether every facility of the type has a value in the supply column."""
    if column not in fac.columns:
        return False
    values = pd.to_numeric(fac.loc[fac["type"] == key, column], errors="coerce")
    return bool(values.notna().all())


def _one_type(answer: AccessResult, ids: pd.Series, households: np.ndarray, value: float, unit: str) -> pd.DataFrame:
    cells = answer.cells
    comm = answer.communities.set_index("community_id").reindex(ids.to_numpy())
    supply = comm["demand"].to_numpy(dtype=float) * comm["access"].fillna(0.0).to_numpy(dtype=float)
    ok = np.isfinite(households) & (households > 0)
    per_100 = np.divide(supply * 100.0, households, out=np.full(len(ids), np.nan), where=ok)
    shortfall = np.maximum(value - per_100, 0.0) * households / 100.0  # NaN without standard or households
    return pd.DataFrame(
        {
            "community_id": ids.to_numpy(),
            "type_key": answer.type,
            "group": answer.group,
            "demand_residents": comm["demand"].fillna(0.0).to_numpy(dtype=float),
            "demand_households": households,
            "facilities_in_reach": _in_reach(answer, cells, ids),
            "supply": supply,
            "supply_unit": unit,
            "supply_per_100_households": per_100,
            "standard_per_100_households": value,
            "shortfall": shortfall,
            "demand_basis": comm["demand_basis"].to_numpy(),
        }
    )


def _in_reach(answer: AccessResult, cells: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Per community, the facilities within the radius of at least one of its cells with demand."""
    if answer.reach is None or answer.reach.nnz == 0:
        return np.zeros(len(ids), dtype=np.int64)
    coo = answer.reach.tocoo()
    code = pd.Index(ids.to_numpy()).get_indexer(cells["community_id"].to_numpy())
    keep = (cells["demand"].to_numpy(dtype=float)[coo.col] > 0) & (code[coo.col] >= 0)
    pairs = np.unique(np.stack([code[coo.col[keep]], coo.row[keep]]), axis=1)
    return np.bincount(pairs[0], minlength=len(ids)).astype(np.int64)


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

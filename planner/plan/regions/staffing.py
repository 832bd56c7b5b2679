"""Staff the organisation needs, from the rulebook's ``[organisation]`` norms.

Every number comes from the rulebook with its source and status; thresholds are multiplied
out so that an exact value needs exactly that many staff (``ceil(18 × 10000 / 10000) = 18``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.errors import RulebookError
from planner.rules.model import Number, Rulebook

__all__ = ["grid_workers", "norms_table", "organisation_number", "station_staff"]


def organisation_number(book: Rulebook, key: str) -> Number:
    """The ``[organisation]`` number ``key`` of the rulebook, or a RulebookError naming it."""
    try:
        return book.organisation[key]
    except KeyError:
        raise RulebookError(
            f"the rulebook has no organisation.{key}; add it under [organisation] with a value, source and status"
        ) from None


def _ceil_exact(numerator: np.ndarray, denominator: float) -> np.ndarray:
    """``ceil(numerator / denominator)`` without float noise turning 18.0000001 into 19."""
    q = np.asarray(numerator, dtype=float) / denominator
    return np.ceil(np.round(q, 9)).astype(np.int64)


def station_staff(population: np.ndarray, book: Rulebook) -> np.ndarray:
    """Staff a workstation needs for its residents (``workstation_staff_per_10k_residents``)."""
    per_10k = organisation_number(book, "workstation_staff_per_10k_residents").value
    pop = np.nan_to_num(np.asarray(population, dtype=float))
    return _ceil_exact(pop * per_10k, 10_000.0)


def grid_workers(n_grids: np.ndarray, book: Rulebook) -> np.ndarray:
    """Grid workers (网格员) needed for a number of level-3 grids (``grid_workers_per_grid``)."""
    per_grid = organisation_number(book, "grid_workers_per_grid").value
    return _ceil_exact(np.asarray(n_grids, dtype=float) * per_grid, 1.0)


def norms_table(book: Rulebook, keys: tuple[str, ...], rules: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    """The numbers used, one row each: key, value, source, source title, status, note.

    ``keys`` are ``[organisation]`` keys; ``rules`` are ``(rule id, number name)`` pairs of
    community rules (the grid sizes).
    """
    used = [(f"organisation.{k}", organisation_number(book, k)) for k in keys]
    used += [(f"community_rules.{r}.{n}", book.rules[r].numbers[n]) for r, n in rules if r in book.rules]
    rows = [
        {
            "key": key,
            "value": num.value,
            "source": num.source,
            "source_title": book.sources.get(num.source, {}).get("title", ""),
            "status": num.status,
            "note": num.note,
        }
        for key, num in used
    ]
    return pd.DataFrame(rows, columns=["key", "value", "source", "source_title", "status", "note"])

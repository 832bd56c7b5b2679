"""Households spread over a community's analysis cells, in whole numbers that keep the total."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cell_households", "largest_remainder"]


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that sum to ``total`` exactly.

    Each share is floored and the remaining units go to the largest remainders (ties to the
    earlier element). Zero weights everywhere spread ``total`` evenly.
    """
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(weights).all() or weights.sum() <= 0:
        weights = np.ones(n)
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    rest = int(total - out.sum())
    if rest > 0:
        order = np.lexsort((np.arange(n), -(exact - out)))
        out[order[:rest]] += 1
    return out


def cell_households(cells: pd.DataFrame, households: pd.Series) -> np.ndarray:
    """Each cell's households: its community's households in proportion to the cells' population.

    Parameters
    ----------
    cells
        ``community_id``, ``population`` and a geometry (area is the fallback weight when a
        community's cells have no residents).
    households
        Households per community id; missing (NaN) gives the cells 0.

    Returns
    -------
    numpy.ndarray
        Integer households per cell, aligned to ``cells``; each community's sum equals its
        households (rounded to a whole number).
    """
    out = np.zeros(len(cells), dtype=np.int64)
    pop = cells["population"].to_numpy(dtype=float)
    area = cells.geometry.area.to_numpy() if hasattr(cells, "geometry") else np.ones(len(cells))
    codes = cells["community_id"].to_numpy()
    for cid, idx in pd.Series(np.arange(len(cells))).groupby(codes, sort=False):
        total = households.get(cid, np.nan)
        if pd.isna(total):
            continue
        i = idx.to_numpy()
        w = pop[i] if pop[i].sum() > 0 else area[i]
        out[i] = largest_remainder(round(float(total)), w)
    return out

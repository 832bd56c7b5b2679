"""Households spread over a community's analysis cells, in whole numbers that keep the total."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["MAX_REFINE", "cell_households", "largest_remainder", "refine_cells"]


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


#: quartering rounds at most: a 100 m cell becomes pieces of 12.5 m at the finest
MAX_REFINE = 3


def refine_cells(cells: gpd.GeoDataFrame, households: np.ndarray, limit: float) -> gpd.GeoDataFrame:
    """Cells cut into quarters until no piece holds more than ``limit`` households.

    Grids are unions of pieces, so a piece heavier than the width of the household bounds can
    make them impossible to meet; a cut cell shares its households and residents by area
    (largest remainder, so each cell's totals are kept exactly). At most :data:`MAX_REFINE`
    rounds; multi-part pieces are split into their parts.

    Parameters
    ----------
    cells
        ``cell_id``, ``community_id``, ``population`` and polygons (metric CRS).
    households
        Whole households per cell, aligned to ``cells``.
    limit
        Largest households a piece may keep without being cut.

    Returns
    -------
    GeoDataFrame
        One row per piece: ``cell_id``, ``community_id``, ``households``, ``population``
        (whole numbers), geometry; uncut cells are their own single piece.
    """
    frame = gpd.GeoDataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy(),
            "community_id": cells["community_id"].to_numpy(),
            "households": np.asarray(households, dtype=np.int64),
            "population": np.round(cells["population"].to_numpy(dtype=float)).astype(np.int64),
        },
        geometry=cells.geometry.values,
        crs=cells.crs,
    )
    for _ in range(MAX_REFINE):
        heavy = (frame["households"] > limit).to_numpy()
        if not heavy.any():
            break
        parts = [frame.loc[~heavy]]
        for row in frame.loc[heavy].itertuples(index=False):
            x0, y0, x1, y1 = row.geometry.bounds
            xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
            quads = [
                shapely.box(x0, y0, xm, ym),
                shapely.box(xm, y0, x1, ym),
                shapely.box(x0, ym, xm, y1),
                shapely.box(xm, ym, x1, y1),
            ]
            pieces = [p for q in quads for p in shapely.get_parts(shapely.intersection(row.geometry, q))]
            pieces = [p for p in pieces if shapely.get_type_id(p) in (3, 6) and p.area > 0]
            area = np.array([p.area for p in pieces])
            parts.append(
                gpd.GeoDataFrame(
                    {
                        "cell_id": row.cell_id,
                        "community_id": row.community_id,
                        "households": largest_remainder(int(row.households), area),
                        "population": largest_remainder(int(row.population), area),
                    },
                    geometry=pieces,
                    crs=frame.crs,
                )
            )
        frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=cells.crs)
    return frame.sort_values(["community_id", "cell_id"], kind="stable").reset_index(drop=True)

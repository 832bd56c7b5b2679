"""Analysis cells: the population raster that coverage is measured on.

When a study has no ``cells`` layer, square cells (or H3 hexagons) are laid over the
district and clipped to the communities, so each cell belongs to exactly one community.
Each community's residents are spread over its cells by area, or by residential floor area
when buildings are given, and rounded to whole people by largest remainder so that every
community's total is preserved exactly.

These are not governance grids (网格) and not map tiles.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import PlannerError
from planner.ingest.crs import require_metric

SHAPES = ("square", "h3")


def make_cells(
    communities: gpd.GeoDataFrame,
    *,
    size_m: float = 100.0,
    shape: str = "square",
    buildings: gpd.GeoDataFrame | None = None,
    h3_resolution: int | None = None,
) -> gpd.GeoDataFrame:
    """Cells clipped to communities, with population.

    Parameters
    ----------
    communities
        Polygons with ``community_id`` and ``population`` in a metric CRS.
    size_m
        Side of square cells in metres (ignored for H3).
    shape
        ``"square"`` or ``"h3"``.
    buildings
        Optional polygons with ``residential_floor_area_m2``: population follows floor area.
    h3_resolution
        H3 resolution; default chosen so the hexagon area is close to ``size_m``².

    Returns
    -------
    GeoDataFrame
        ``cell_id``, ``community_id``, ``population`` (whole people), ``population_basis``
        (``"buildings"`` or ``"area"``) and the clipped cell polygon.
    """
    require_metric(communities, "communities")
    if shape not in SHAPES:
        raise PlannerError(f"cell shape must be one of {SHAPES}, got {shape!r}")
    if not math.isfinite(size_m) or size_m <= 0:
        raise PlannerError(f"cell size must be a positive number of metres, got {size_m}")
    if shape == "square":
        grid = _square_grid(communities.total_bounds, size_m)
    else:
        grid = _h3_grid(communities, size_m, h3_resolution)
    pieces = _clip(grid, communities)
    return allocate_population(pieces, communities, buildings)


def _square_grid(bounds: np.ndarray, size: float) -> np.ndarray:
    x0, y0 = np.floor(bounds[:2] / size) * size
    nx = int(np.ceil((bounds[2] - x0) / size))
    ny = int(np.ceil((bounds[3] - y0) / size))
    if nx * ny > 20_000_000:
        raise PlannerError(f"{nx * ny:,} cells of {size} m is too many; choose a larger cell size")
    xs, ys = np.meshgrid(x0 + size * np.arange(nx), y0 + size * np.arange(ny))
    return shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size)


def _h3_grid(communities: gpd.GeoDataFrame, size_m: float, resolution: int | None) -> np.ndarray:
    import h3

    if resolution is None:
        # average hexagon areas in m² per resolution; pick the closest to size_m²
        areas = np.array([h3.average_hexagon_area(r, unit="m^2") for r in range(16)])
        resolution = int(np.argmin(np.abs(np.log(areas / size_m**2))))
    # h3 keeps hexagons whose centres fall inside the polygon: grow it by two edge lengths (in
    # metres, before going to degrees) so every hexagon touching a community is included
    margin = 2 * h3.average_hexagon_edge_length(resolution, unit="m")
    hull = gpd.GeoSeries([communities.union_all().buffer(margin)], crs=communities.crs).to_crs("EPSG:4326")
    cells = h3.geo_to_cells(hull.iloc[0].__geo_interface__, resolution)
    polys = [shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)]) for c in sorted(cells)]
    return gpd.GeoSeries(polys, crs="EPSG:4326").to_crs(communities.crs).to_numpy()


def _clip(grid: np.ndarray, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    comm_geom = communities.geometry.values
    tree = shapely.STRtree(grid)
    comm_idx, cell_idx = tree.query(comm_geom, predicate="intersects")
    pieces = shapely.intersection(grid[cell_idx], comm_geom[comm_idx])
    area = shapely.area(pieces)
    keep = area > 1e-6
    comm_idx, cell_idx, pieces = comm_idx[keep], cell_idx[keep], pieces[keep]
    ids = communities["community_id"].to_numpy()
    frame = gpd.GeoDataFrame({"community_id": ids[comm_idx], "_grid": cell_idx}, geometry=pieces, crs=communities.crs)
    frame = frame.sort_values(["community_id", "_grid"], kind="stable").reset_index(drop=True)
    frame["cell_id"] = frame["community_id"].astype(str) + "-" + frame["_grid"].astype(str)
    return frame.drop(columns="_grid")


def allocate_population(
    pieces: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """Spread community populations over their cells, keeping each total exactly."""
    pieces = pieces.copy()
    weight = shapely.area(pieces.geometry.values)
    basis = np.full(len(pieces), "area", dtype=object)
    if buildings is not None and len(buildings):
        floor = _floor_area_per_piece(pieces, buildings)
        has = pd.Series(floor).groupby(pieces["community_id"].to_numpy()).transform("sum").to_numpy() > 0
        weight = np.where(has, floor, weight)
        basis[has] = "buildings"
    totals = communities.set_index("community_id")["population"]
    pieces["population"] = _largest_remainder(weight, pieces["community_id"].to_numpy(), totals)
    pieces["population_basis"] = basis
    return pieces[["cell_id", "community_id", "population", "population_basis", "geometry"]]


def _floor_area_per_piece(pieces: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Residential floor area of the buildings in each piece, split by footprint share."""
    res = buildings.loc[buildings["residential_floor_area_m2"] > 0]
    if res.empty:
        return np.zeros(len(pieces))
    bgeom = res.geometry.values
    b_idx, p_idx = pieces.sindex.query(bgeom, predicate="intersects")
    inter = shapely.area(shapely.intersection(bgeom[b_idx], pieces.geometry.values[p_idx]))
    share = inter / np.maximum(shapely.area(bgeom[b_idx]), 1e-9)
    floor = res["residential_floor_area_m2"].to_numpy()[b_idx] * share
    return np.bincount(p_idx, weights=floor, minlength=len(pieces))


def _largest_remainder(weight: np.ndarray, group: np.ndarray, totals: pd.Series) -> np.ndarray:
    """Integer shares of each group's total proportional to weight, summing exactly."""
    frame = pd.DataFrame({"w": weight, "g": group})
    wsum = frame.groupby("g")["w"].transform("sum").to_numpy()
    total = totals.reindex(group).to_numpy(dtype=float)
    n_in_group = frame.groupby("g")["w"].transform("size").to_numpy()
    share = np.where(wsum > 0, weight / np.where(wsum > 0, wsum, 1), 1.0 / n_in_group)
    exact = share * np.round(total)
    base = np.floor(exact)
    frame["rem"] = exact - base
    frame["base"] = base
    short = (np.round(total) - frame.groupby("g")["base"].transform("sum").to_numpy()).astype(int)
    frame["rank"] = frame.sort_values(["g", "rem"], ascending=[True, False], kind="stable").groupby("g").cumcount()
    extra = frame["rank"].to_numpy() < short
    return (base + extra).astype(np.int64)


def population_mismatch(cells: pd.DataFrame, communities: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """Communities whose given cells hold more or fewer residents than their own figure.

    Parameters
    ----------
    cells
        ``community_id`` and ``population`` of each cell (cells given by the user).
    communities
        ``community_id`` and ``population``.
    tolerance
        The largest accepted difference as a share of the community's population (the
        rulebook's ``validation.cells_population_tolerance``).

    Returns
    -------
    DataFrame
        ``community_id``, ``cells_population``, ``population``, ``difference`` (a share of the
        community's population; infinite when the community has none) and ``detail`` (a
        sentence), one row per community beyond the tolerance, in the communities' order.
    """
    held = cells.groupby("community_id")["population"].sum()
    frame = pd.DataFrame(
        {
            "community_id": communities["community_id"].to_numpy(),
            "cells_population": communities["community_id"].map(held).fillna(0.0).to_numpy(dtype=float),
            "population": communities["population"].to_numpy(dtype=float),
        }
    )
    gap = frame["cells_population"] - frame["population"]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(frame["population"] > 0, gap / frame["population"], np.where(gap == 0, 0.0, np.inf))
    frame["difference"] = share
    frame = frame.loc[np.abs(share) > tolerance].reset_index(drop=True)
    frame["detail"] = [
        f"cells hold {c:,.0f} residents, the community {p:,.0f} ("
        + (f"{d * 100:+.0f} %" if np.isfinite(d) else "the community has none")
        + ")"
        for c, p, d in zip(frame["cells_population"], frame["population"], frame["difference"], strict=True)
    ]
    return frame

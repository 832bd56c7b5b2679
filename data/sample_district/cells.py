"""Demand: residents of 100 m analysis cells, laid as ``planner analyze`` lays them.

The generator keeps its own cells on purpose. planner's :func:`planner.reach.cells.make_cells`
lays the same grid but rounds each cell to whole residents and orders the cells by id; the
sample's design (which estates become schools, where each facility goes) was fixed with
fractional residents in this order, and comparing the gains of candidate sites on rounded
figures picks other sites, which changes the committed sample. The quality checks
(:mod:`.checks`) use these cells too: a fraction of a resident either way moves the printed
shares by less than 0.1 %.
"""

from __future__ import annotations

import math

import numpy as np
import shapely

from .config import CENTER_LONLAT, CRS_METRIC, ROTATION_DEG, H, W


def local_to_metric():
    """The affine map from the local frame to UTM 48N used by ``to_lonlat_factory``."""
    import pyproj

    utm = pyproj.Transformer.from_crs("EPSG:4490", CRS_METRIC, always_xy=True)
    e0, n0 = utm.transform(*CENTER_LONLAT)
    th = math.radians(ROTATION_DEG)
    ct, st = math.cos(th), math.sin(th)
    fwd = [ct, -st, st, ct, e0 - ct * W / 2 + st * H / 2, n0 - st * W / 2 - ct * H / 2]
    inv = [ct, st, -st, ct, -(ct * fwd[4] + st * fwd[5]), -(-st * fwd[4] + ct * fwd[5])]
    return fwd, inv


def affine(geoms, m) -> np.ndarray:
    """Apply an affine map [a, b, d, e, xoff, yoff] to an array of geometries."""
    a, b, dd, e, xo, yo = m
    return shapely.transform(
        np.asarray(geoms, dtype=object),
        lambda c: np.column_stack([a * c[:, 0] + b * c[:, 1] + xo, dd * c[:, 0] + e * c[:, 1] + yo]),
    )


def demand_cells(d, comms):
    """Population of 100 m analysis cells laid as ``planner analyze`` lays them; returns each
    cell's point in the local frame, its community and its population (see cell_demand)."""
    fwd, inv = local_to_metric()
    res = [(g, g.area * st) for g, st, use, _ in d["buildings"] if use == "住宅"]
    pts, ci, weight = cell_demand(
        affine([c["poly"] for c in comms], fwd),
        np.array([c["pop"] for c in comms], dtype=float),
        affine([g for g, _ in res], fwd),
        np.array([f for _, f in res]),
    )
    return affine(pts, inv), ci, weight


def cell_demand(cpoly, pop, bgeom, bfloor, size=100.0):
    """A square grid in UTM metres clipped to the communities (polygons cpoly, residents
    pop), each community's residents spread over its cells by residential floor area
    (buildings bgeom with floor area bfloor), each cell represented by its centroid (or a
    point on it when the centroid is outside): (points, community index, residents)."""
    x0, y0, x1, y1 = shapely.total_bounds(cpoly)
    gx0, gy0 = math.floor(x0 / size) * size, math.floor(y0 / size) * size
    nx, ny = math.ceil((x1 - gx0) / size), math.ceil((y1 - gy0) / size)
    xs, ys = np.meshgrid(gx0 + size * np.arange(nx), gy0 + size * np.arange(ny))
    grid = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size)
    ci, gi = shapely.STRtree(grid).query(cpoly, predicate="intersects")
    pieces = shapely.intersection(grid[gi], cpoly[ci])
    keep = shapely.area(pieces) > 1e-6
    ci, pieces = ci[keep], pieces[keep]
    bi, pj = shapely.STRtree(pieces).query(bgeom, predicate="intersects")
    share = shapely.area(shapely.intersection(bgeom[bi], pieces[pj])) / shapely.area(bgeom[bi])
    floor = np.bincount(pj, weights=bfloor[bi] * share, minlength=len(pieces))
    cfloor = np.bincount(ci, weights=floor, minlength=len(cpoly))
    weight = pop[ci] * floor / np.maximum(cfloor[ci], 1e-9)
    cen = shapely.centroid(pieces)
    return np.where(shapely.contains(pieces, cen), cen, shapely.point_on_surface(pieces)), ci, weight

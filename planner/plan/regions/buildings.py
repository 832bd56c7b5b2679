"""Buildings as the atoms of governance grids: each building wholly inside one grid.

Where a study gives buildings, a community is cut into one piece per building (楼栋): the
building's footprint plus the open ground nearer to it than to any other building (a Voronoi
diagram of points spaced :data:`SAMPLE_STEP_M` along every footprint's outline, so that a long
slab claims the ground along all its length, not only around its centre), clipped to the
community. The pieces are made exact by construction: a piece is its building's footprint plus
its Voronoi region minus every footprint, so no footprint is ever cut between pieces and the
pieces partition the community. Grids are unions of whole pieces.

Households follow residential floor area: the community's households are spread over its
buildings in proportion to ``residential_floor_area_m2`` (footprint × storeys × residential, as
:func:`planner.ingest.study.load_study` computes it; where a layer comes without it:
storeys from ``levels``, 1 storey where that is missing, and every building residential where
no ``use`` column says otherwise), by largest remainder so that they sum exactly. A building
straddling two communities counts in each with its footprint share. Overlapping footprints are
one piece.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.ingest.study import RESIDENTIAL_USES
from planner.plan.regions.households import largest_remainder

__all__ = ["MAX_SAMPLES", "SAMPLE_STEP_M", "building_pieces", "cell_pieces", "residential_floor_area"]

#: spacing (metres) of the points along footprint outlines whose Voronoi cells share out the ground
SAMPLE_STEP_M = 2.0
#: most outline points per community; past it the spacing grows (the pieces stay exact)
MAX_SAMPLES = 20_000
#: footprints overlapping by more than this (m²) are one piece
OVERLAP_M2 = 0.01
#: far points around the community that bound every outline point's Voronoi cell
FRAME_POINTS = 32


def residential_floor_area(buildings: gpd.GeoDataFrame) -> np.ndarray:
    """Residential floor area (m²) of each building, aligned to ``buildings``.

    ``residential_floor_area_m2`` when the layer has it (a loaded study's buildings); otherwise
    footprint × ``levels`` (1 where missing) × whether ``use`` is residential (all when the
    layer has no ``use``).
    """
    if "residential_floor_area_m2" in buildings.columns:
        return pd.to_numeric(buildings["residential_floor_area_m2"], errors="coerce").fillna(0.0).to_numpy(float)
    levels = (
        pd.to_numeric(buildings["levels"], errors="coerce").fillna(1.0).clip(lower=1.0).to_numpy(float)
        if "levels" in buildings.columns
        else np.ones(len(buildings))
    )
    res = (
        buildings["use"].astype(str).str.strip().str.casefold().isin(RESIDENTIAL_USES).to_numpy()
        if "use" in buildings.columns
        else np.ones(len(buildings), dtype=bool)
    )
    return shapely.area(buildings.geometry.values) * levels * res


def _merge_overlaps(fps: np.ndarray, floor: np.ndarray, ids: np.ndarray):
    """Footprints that overlap (not merely touch) become one, with their floor areas summed."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    tree = shapely.STRtree(fps)
    a, b = tree.query(fps, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    over = shapely.area(shapely.intersection(fps[a], fps[b])) > OVERLAP_M2
    n = len(fps)
    _, comp = connected_components(coo_array((np.ones(over.sum()), (a[over], b[over])), shape=(n, n)), directed=False)
    if comp.max() + 1 == n:
        return fps, floor, [str(i) for i in ids]
    groups = pd.Series(np.arange(n)).groupby(comp)
    merged = [shapely.union_all(fps[g.to_numpy()]) for _, g in groups]
    return (
        np.array(merged, dtype=object),
        np.bincount(comp, weights=floor),
        [";".join(str(ids[i]) for i in g.to_numpy()) for _, g in groups],
    )


def _voronoi_regions(fps: np.ndarray, extent) -> np.ndarray:
    """The ground nearer to each footprint's outline than to any other (approximately: sampled)."""
    outline = shapely.boundary(fps)
    step = max(SAMPLE_STEP_M, float(shapely.length(outline).sum()) / MAX_SAMPLES)
    xy, owner = shapely.get_coordinates(shapely.segmentize(outline, step), return_index=True)
    _, first = np.unique(np.round(xy, 3), axis=0, return_index=True)
    xy, owner = xy[first], owner[first]
    if len(xy) < 2:
        return np.array([extent] * len(fps), dtype=object)
    # a ring of far points bounds every real cell: GEOS clips unbounded cells of long, nearly
    # collinear outlines to the extent wrongly (a cell wrapping the whole frame); the ring is
    # three extents away, so its own cells never reach the community
    x0, y0, x1, y1 = shapely.bounds(extent)
    r = 3.0 * float(np.hypot(x1 - x0, y1 - y0))
    t = np.linspace(0, 2 * np.pi, FRAME_POINTS, endpoint=False)
    ring = np.c_[(x0 + x1) / 2 + r * np.cos(t), (y0 + y1) / 2 + r * np.sin(t)]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(np.r_[xy, ring]), ordered=True))
    cells = shapely.make_valid(cells[: len(xy)])  # GEOS leaves a few cells of near-collinear points self-touching
    out = np.empty(len(fps), dtype=object)
    for k, idx in pd.Series(np.arange(len(xy))).groupby(owner):
        out[int(k)] = shapely.union_all(cells[idx.to_numpy()])
    for k in np.flatnonzero(pd.isna(out)):
        out[k] = shapely.Polygon()
    return out


def _pieces_of(geom, fps: np.ndarray, floor: np.ndarray, ids: list[str]) -> tuple[list, list[float], list[str]]:
    """One piece per footprint (its building plus its ground) that partition ``geom``."""
    regions = _voronoi_regions(fps, shapely.box(*shapely.buffer(geom, 10.0).bounds))
    all_fp = shapely.union_all(fps)
    open_ground = shapely.difference(shapely.intersection(regions, geom), all_fp)
    atoms = shapely.union(open_ground, fps)
    main, frags = [], []
    for i, atom in enumerate(atoms):
        parts = [p for p in shapely.get_parts(atom) if shapely.get_type_id(p) == 3 and p.area > 0]
        if not parts:
            main.append(fps[i])
            continue
        keep = int(np.argmax([shapely.area(shapely.intersection(p, fps[i])) for p in parts]))
        main.append(parts[keep])
        frags += [p for j, p in enumerate(parts) if j != keep]
    main_arr = np.array(main, dtype=object)
    # cut-off bits of ground (behind another building, across a notch) join the piece they share most border with
    loose: list = []
    if frags:
        tree = shapely.STRtree(main_arr)
        extra: dict[int, list] = {}
        for f in frags:
            near = tree.query(f, predicate="intersects")
            shared = shapely.length(shapely.intersection(main_arr[near], f)) if len(near) else np.zeros(0)
            if len(near) and shared.max() > 0:
                extra.setdefault(int(near[int(np.argmax(shared))]), []).append(f)
            else:
                loose.append(f)
        for k, fs in extra.items():
            main_arr[k] = shapely.union_all([main_arr[k], *fs])
    return (
        list(main_arr) + loose,
        list(floor) + [0.0] * len(loose),
        list(ids) + [f"open-{j}" for j in range(len(loose))],
    )


def building_pieces(
    communities: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, households: pd.Series, population: pd.Series
) -> dict[object, gpd.GeoDataFrame]:
    """Each community's building pieces, for the communities with residential floor area.

    Parameters
    ----------
    communities
        ``community_id`` and polygons (metric CRS).
    buildings
        Footprints in the same CRS, with ``building_id`` (else their row numbers) and the columns
        :func:`residential_floor_area` reads. Not modified.
    households, population
        Per community id; missing gives 0 to every piece.

    Returns
    -------
    dict
        Community id → GeoDataFrame of pieces (``piece_id`` ``<community>:<building ids>``,
        ``building_id``, ``floor_area_m2`` residential, ``households``, ``population``, geometry).
        Communities without residential floor area in their buildings are left out: their grids
        follow the analysis cells.
    """
    floor_all = residential_floor_area(buildings)
    bid = (
        buildings["building_id"].astype(str).to_numpy()
        if "building_id" in buildings.columns
        else np.array([f"b{i}" for i in range(len(buildings))])
    )
    bgeom = shapely.make_valid(buildings.geometry.values)
    c_idx, b_idx = shapely.STRtree(bgeom).query(communities.geometry.values, predicate="intersects")
    out: dict[object, gpd.GeoDataFrame] = {}
    for c, idx in pd.Series(b_idx).groupby(c_idx):
        geom = communities.geometry.values[int(c)]
        cid = communities["community_id"].iloc[int(c)]
        i = idx.to_numpy()
        fps = shapely.intersection(bgeom[i], geom)
        area = shapely.area(fps)
        ok = area > OVERLAP_M2
        if not ok.any():
            continue
        i, fps = i[ok], fps[ok]
        floor = floor_all[i] * area[ok] / np.maximum(shapely.area(bgeom[i]), 1e-9)
        if floor.sum() <= 0:
            continue
        fps, floor, ids = _merge_overlaps(np.array(fps, dtype=object), floor, bid[i])
        geoms, fl, pid = _pieces_of(geom, fps, floor, ids)
        fl_arr = np.asarray(fl, dtype=float)
        hh, pop = households.get(cid, np.nan), population.get(cid, np.nan)
        out[cid] = gpd.GeoDataFrame(
            {
                "piece_id": [f"{cid}:{p}" for p in pid],
                "building_id": [p if not p.startswith("open-") else None for p in pid],
                "floor_area_m2": fl_arr,
                "households": largest_remainder(0 if pd.isna(hh) else round(float(hh)), fl_arr),
                "population": largest_remainder(0 if pd.isna(pop) else round(float(pop)), fl_arr),
            },
            geometry=geoms,
            crs=communities.crs,
        )
    return out


def cell_pieces(cells: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A community's analysis cells cut by its grids' borders.

    Each cell's residents are shared over its pieces, and each grid's households over its
    pieces, by the residential floor area of the buildings in them (by area where there is
    none), keeping both totals exactly.

    Parameters
    ----------
    cells
        The community's cells: ``cell_id``, ``community_id``, ``population``, polygons.
    grids
        Its grids: ``label``, ``households``, polygons.
    pieces
        Its building pieces (:func:`building_pieces`), with ``floor_area_m2``.
    """
    ci, gi = shapely.STRtree(grids.geometry.values).query(cells.geometry.values, predicate="intersects")
    geom = shapely.intersection(cells.geometry.values[ci], grids.geometry.values[gi])
    area = shapely.area(geom)
    keep = area > 1e-6
    ci, gi, geom, area = ci[keep], gi[keep], geom[keep], area[keep]
    fp = pieces.loc[pieces["floor_area_m2"] > 0]
    floor: np.ndarray = np.zeros(len(geom))
    if len(fp):
        pi, qi = shapely.STRtree(fp.geometry.values).query(geom, predicate="intersects")
        share = shapely.area(shapely.intersection(geom[pi], fp.geometry.values[qi])) / np.maximum(
            shapely.area(fp.geometry.values[qi]), 1e-9
        )
        floor = np.bincount(pi, weights=fp["floor_area_m2"].to_numpy()[qi] * share, minlength=len(geom))
    pop = np.zeros(len(geom), dtype=np.int64)
    hh = np.zeros(len(geom), dtype=np.int64)
    cell_pop = np.round(cells["population"].to_numpy(dtype=float)).astype(np.int64)
    for c, idx in pd.Series(np.arange(len(geom))).groupby(ci):
        j = idx.to_numpy()
        pop[j] = largest_remainder(int(cell_pop[int(c)]), floor[j] if floor[j].sum() > 0 else area[j])
    grid_hh = grids["households"].to_numpy(dtype=float)
    for g, idx in pd.Series(np.arange(len(geom))).groupby(gi):
        j = idx.to_numpy()
        hh[j] = largest_remainder(round(grid_hh[int(g)]), floor[j] if floor[j].sum() > 0 else area[j])
    return gpd.GeoDataFrame(
        {
            "cell_id": cells["cell_id"].to_numpy()[ci],
            "community_id": cells["community_id"].to_numpy()[ci],
            "label": grids["label"].to_numpy()[gi],
            "households": hh,
            "population": pop,
        },
        geometry=geom,
        crs=cells.crs,
    )

"""Random Voronoi districts for the workstation and grid tests (seeded, no external data).

A district is the Voronoi diagram of ``n`` random points clipped to an L-shaped boundary of
3 km × 2 km (a notch cut out of one corner) in UTM zone 48N, plus, on request:

* an *enclave*: a 150 m square community cut out of the middle of one community, so that it
  touches that community only;
* *islands*: a pair of touching communities and a lone one, far from the rest (2 km east);
* a *chain* of ``chain`` 300 m squares in a row, 2 km north, touching only their neighbours.

Communities get ``community_id`` (``V000``..), households 2,000-6,000, residents 2.6 per
household, staff and a ``sub_district`` (west or east half).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
import shapely.affinity

CRS = "EPSG:32648"
X0, Y0 = 400_000.0, 3_390_000.0


def voronoi_district(
    n: int = 60, *, seed: int = 0, enclave: bool = False, islands: bool = False, chain: int = 0
) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    boundary = shapely.difference(
        shapely.box(X0, Y0, X0 + 3000, Y0 + 2000), shapely.box(X0 + 2200, Y0 + 1400, X0 + 3000, Y0 + 2000)
    )
    pts = []
    while len(pts) < n:
        p = shapely.Point(X0 + rng.uniform(0, 3000), Y0 + rng.uniform(0, 2000))
        if boundary.contains(p):
            pts.append(p)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=boundary.envelope)
    polys = [shapely.intersection(g, boundary) for g in shapely.get_parts(cells)]
    polys = [p for p in polys if not p.is_empty]
    if enclave:
        biggest = int(np.argmax([p.area for p in polys]))
        c = polys[biggest].representative_point()
        hole = shapely.box(c.x - 75, c.y - 75, c.x + 75, c.y + 75).intersection(polys[biggest])
        polys[biggest] = polys[biggest].difference(hole)
        polys.append(hole)
    if islands:
        ox = X0 + 5000
        polys += [
            shapely.box(ox, Y0, ox + 400, Y0 + 400),
            shapely.box(ox + 400, Y0, ox + 800, Y0 + 400),
            shapely.box(ox + 2000, Y0, ox + 2400, Y0 + 400),
        ]
    for i in range(chain):
        polys.append(shapely.box(X0 + 300 * i, Y0 + 4000, X0 + 300 * (i + 1), Y0 + 4300))
    k = len(polys)
    households = rng.integers(2000, 6001, k)
    x = shapely.get_x(shapely.centroid(np.array(polys, dtype=object)))
    return gpd.GeoDataFrame(
        {
            "community_id": [f"V{i:03d}" for i in range(k)],
            "households": households.astype(float),
            "population": np.round(households * 2.6),
            "staff": rng.integers(5, 15, k).astype(float),
            "sub_district": np.where(x < X0 + 1500, "west", "east"),
        },
        geometry=polys,
        crs=CRS,
    )


def district_with_buildings(
    seed: int = 0, *, tower: bool = False, n: int = 4
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A small district of ``n`` Voronoi communities over a 900 m × 500 m box, and its buildings.

    Buildings are slabs of 12-20 m × 30-60 m, slightly rotated, on a jittered 45 m lattice with
    gaps, laid out regardless of community borders (so some straddle two communities); storeys
    4-18 (a tenth missing), a sixth of them non-residential (``商业``); one pair overlaps. The
    last community gets no buildings (its grids follow the analysis cells). With ``tower``, a
    40 m × 40 m, 100-storey residential tower stands in the first community, holding more
    households than a grid may (a split within the bounds is impossible there).
    Communities: ``community_id`` ``B0``.., households 1,500-3,000, residents 2.6 per household.
    """
    rng = np.random.default_rng(seed)
    box = shapely.box(X0, Y0, X0 + 900, Y0 + 500)
    pts = shapely.MultiPoint([(X0 + rng.uniform(100, 800), Y0 + rng.uniform(80, 420)) for _ in range(n)])
    polys = [shapely.intersection(g, box) for g in shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=box))]
    households = rng.integers(1500, 3001, n).astype(float)
    comm = gpd.GeoDataFrame(
        {
            "community_id": [f"B{i}" for i in range(n)],
            "households": households,
            "population": np.round(households * 2.6),
            "staff": rng.integers(4, 10, n).astype(float),
        },
        geometry=polys,
        crs=CRS,
    )
    foot, levels, use = [], [], []
    empty = polys[-1]
    for x in np.arange(X0 + 10, X0 + 880, 45.0):
        for y in np.arange(Y0 + 10, Y0 + 470, 45.0):
            if rng.random() < 0.15:
                continue
            w, h = rng.uniform(12, 20), rng.uniform(30, 40)
            b = shapely.box(0, 0, w, h)
            b = shapely.affinity.rotate(b, rng.uniform(-10, 10), origin=(0, 0))
            b = shapely.affinity.translate(b, x + rng.uniform(0, 8), y + rng.uniform(0, 4))
            if b.intersects(empty):
                continue
            foot.append(b)
            levels.append(float(rng.integers(4, 19)) if rng.random() > 0.1 else np.nan)
            use.append("住宅" if rng.random() > 1 / 6 else "商业")
    foot.append(shapely.affinity.translate(foot[3], 5, 0))  # overlaps its neighbour
    levels.append(6.0)
    use.append("住宅")
    if tower:
        c = polys[0].representative_point()
        foot.append(shapely.box(c.x - 20, c.y - 20, c.x + 20, c.y + 20))
        levels.append(100.0)
        use.append("住宅")
    buildings = gpd.GeoDataFrame({"levels": levels, "use": use}, geometry=foot, crs=CRS)
    return comm, buildings

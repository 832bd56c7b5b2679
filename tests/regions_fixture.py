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

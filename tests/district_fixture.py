"""A small synthetic district for the app, map and scenario tests (no external data).

Twelve communities on a 4 × 3 grid of 600 m × 500 m superblocks in UTM zone 48N (near
central Chengdu, EPSG:32648), cut by a street grid every 100 m; two sub-districts; facilities
of every national type with a mix of compliant and undersized floor areas, stored in WGS84
like most real facility lists. Everything is invented: the names are placeholders.

Hand-checkable facts the tests rely on:

* community (0, 0) ``C00`` has the only kindergarten of the west half; the east half
  (x ≥ 1200 m) has no kindergarten, so adding one there raises kindergarten coverage;
* every community has 10 staff for 9,000-11,000 residents, so the staff rule fails
  everywhere (18 per 10,000 needs 17-20);
* the community-service complexes are 1,000 m² in even-numbered communities and 600 m² in
  odd-numbered ones.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

CRS = "EPSG:32648"
X0, Y0 = 400_000.0, 3_392_000.0
BLOCK_W, BLOCK_H = 600.0, 500.0
NX, NY = 4, 3
NAMES = ["锦华", "望江", "玉林", "芳草", "桐梓林", "紫荆", "双楠", "清水河", "光华", "草堂", "浣花", "金沙"]


def _communities() -> gpd.GeoDataFrame:
    rows = []
    for j in range(NY):
        for i in range(NX):
            k = j * NX + i
            x, y = X0 + i * BLOCK_W, Y0 + j * BLOCK_H
            households = 3200 + 200 * k
            rows.append(
                {
                    "社区编码": f"C{j}{i}",
                    "社区名称": f"{NAMES[k]}社区",
                    "所属街道": "西街道" if i < 2 else "东街道",
                    "户数": households,
                    "常住人口": round(households * 2.8),
                    "工作人员数": 10,
                    "网格数": 8 if k % 3 else 5,
                    "geometry": shapely.box(x, y, x + BLOCK_W, y + BLOCK_H),
                }
            )
    return gpd.GeoDataFrame(rows, crs=CRS)


def _streets() -> gpd.GeoDataFrame:
    width, height = NX * BLOCK_W, NY * BLOCK_H
    xs, ys = range(0, int(width) + 1, 100), range(0, int(height) + 1, 100)
    # a vertex at every crossing: planner's network joins lines where they share a vertex
    lines = [shapely.LineString([(X0 + x, Y0 + y) for y in ys]) for x in xs]
    lines += [shapely.LineString([(X0 + x, Y0 + y) for x in xs]) for y in ys]
    highway = ["primary" if (ln.coords[0][0] - X0) % 600 == 0 else "residential" for ln in lines]
    return gpd.GeoDataFrame(
        {"highway": highway, "name": [f"路{i}" for i in range(len(lines))]}, geometry=lines, crs=CRS
    )


def _facilities() -> gpd.GeoDataFrame:
    rows = []

    def add(name: str, kind: str, area: float, x: float, y: float) -> None:
        rows.append({"设施名称": name, "设施类型": kind, "建筑面积": area, "geometry": shapely.Point(X0 + x, Y0 + y)})

    for j in range(NY):
        for i in range(NX):
            k = j * NX + i
            cx, cy = i * BLOCK_W + 300, j * BLOCK_H + 250
            add(f"{NAMES[k]}社区党群服务中心", "党群服务中心", 1000.0 if k % 2 == 0 else 600.0, cx - 40, cy + 30)
            if k % 2 == 0:
                add(f"{NAMES[k]}日间照料中心", "老年人日间照料中心", 400.0 if k % 4 == 0 else 280.0, cx + 60, cy - 50)
            if k % 3 == 0:
                add(f"{NAMES[k]}社区卫生服务站", "社区卫生服务站", 160.0, cx + 20, cy + 120)
            add(f"{NAMES[k]}文化活动站", "文化活动站", 300.0 if k % 2 else 200.0, cx - 150, cy - 100)
    add("锦华幼儿园", "幼儿园", 2400.0, 310, 240)
    add("玉林幼儿园", "幼儿园", 1800.0, 900, 760)
    add("望江小学", "小学", 9000.0, 640, 530)
    add("金沙小学", "小学", 8000.0, 1900, 1250)
    add("草堂初级中学", "初中", 15000.0, 1200, 750)
    gdf = gpd.GeoDataFrame(rows, crs=CRS).to_crs("EPSG:4326")
    return gdf


def write_district(folder: str | Path) -> Path:
    """Write the district as ``district.gpkg`` (communities, facilities, streets) and return its path."""
    out = Path(folder) / "district.gpkg"
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    _communities().to_file(out, layer="communities", engine="pyogrio")
    _facilities().to_file(out, layer="facilities", engine="pyogrio")
    _streets().to_file(out, layer="streets", engine="pyogrio")
    return out


if __name__ == "__main__":
    import sys

    print(write_district(sys.argv[1] if len(sys.argv) > 1 else "."))

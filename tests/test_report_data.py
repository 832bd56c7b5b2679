"""A synthetic district for the report tests, built in code (no files shipped, no internet).

``make_district`` lays ``nx × ny`` square communities of ``block_m`` metres side by side in
UTM 48N (EPSG:32648), covered by a street grid every 100 m, and places facilities of every
rulebook type with floor areas chosen so that some communities pass and others fail each
standard. Columns use the Chinese names real government data has (社区名称, 户数, ...), so the
report is exercised on the same path as real data. One facility has no floor area and one has
a type the rulebook does not know, so the validation section has content.

The layout is deterministic: the same arguments give the same study.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

import planner
from planner.analysis import Analysis
from planner.report.html import HIDDEN
from planner.report.model import Num, Report

CRS = "EPSG:32648"
X0, Y0 = 400_000.0, 3_390_000.0
SUB_DISTRICTS = ("锦华街道", "桂溪街道", "双林街道", "青荷街道")
COMMUNITY_NAMES = (
    "锦城社区",
    "桂苑社区",
    "建业社区",
    "华林社区",
    "蜀兴社区",
    "双林社区",
    "青荷社区",
    "万福社区",
    "翠屏社区",
    "东篱社区",
    "蓉兴社区",
    "杏林社区",
    "南苑社区",
    "锦江社区",
    "玉林社区",
    "芳草社区",
    "紫荆社区",
    "桐梓林社区",
    "新光社区",
    "天府社区",
    "金沙社区",
    "光华社区",
    "草堂社区",
    "浣花社区",
)
TYPES = (
    "社区服务站",
    "老年人日间照料中心",
    "社区卫生服务站",
    "幼儿园",
    "文化活动站",
    "小学",
    "初中",
)


def make_district(
    path: Path,
    *,
    nx: int = 3,
    ny: int = 2,
    block_m: float = 600.0,
    sub_districts: bool = True,
) -> Path:
    """Write a synthetic study GeoPackage to ``path`` and return it."""
    comm_rows, comm_geom = [], []
    fac_rows, fac_geom = [], []
    k = 0
    for j in range(ny):
        for i in range(nx):
            x, y = X0 + i * block_m, Y0 + j * block_m
            pop = 8_000 + (k * 1_370) % 7_000
            hh = round(pop / 2.8)
            row = {
                "社区编码": f"C{k + 1:02d}",
                "社区名称": COMMUNITY_NAMES[k % len(COMMUNITY_NAMES)] + ("" if k < len(COMMUNITY_NAMES) else str(k)),
                "户数": hh,
                "常住人口": pop,
                "工作人员数": 8 + (k * 3) % 18,
                "网格数": 4 + (k * 5) % 9,
            }
            if sub_districts:
                row["所属街道"] = SUB_DISTRICTS[(i * len(SUB_DISTRICTS)) // max(nx, 1) % len(SUB_DISTRICTS)]
            comm_rows.append(row)
            comm_geom.append(shapely.box(x, y, x + block_m, y + block_m))
            # a community service station in every community, sized 500-1700 m²
            cx, cy = x + block_m / 2, y + block_m / 2
            fac_rows.append(_facility(k, 0, "社区服务站", 500 + (k * 430) % 1300))
            fac_geom.append(shapely.Point(cx - 50, cy))
            if k % 2 == 0:
                fac_rows.append(_facility(k, 1, "老年人日间照料中心", 250 + (k * 70) % 300))
                fac_geom.append(shapely.Point(cx + 100, cy + 100))
            if k % 3 != 2:
                fac_rows.append(_facility(k, 2, "社区卫生服务站", 120 + (k * 40) % 100))
                fac_geom.append(shapely.Point(x + 150, y + 150))
            if k % 3 == 0:
                fac_rows.append(_facility(k, 3, "幼儿园", 2000 + (k * 150) % 800))
                fac_geom.append(shapely.Point(x + 400, y + 300))
            if k % 4 == 1:
                fac_rows.append(_facility(k, 4, "文化活动站", 200 + (k * 60) % 300))
                fac_geom.append(shapely.Point(cx, cy - 150))
            if k % 4 == 0:
                fac_rows.append(_facility(k, 5, "小学", 9000.0))
                fac_geom.append(shapely.Point(x + 300, y + 450))
            if k % 6 == 0:
                fac_rows.append(_facility(k, 6, "初中", 12000.0))
                fac_geom.append(shapely.Point(x + 200, y + 500))
            k += 1
    # one facility without floor area, one of a type the rulebook does not know
    fac_rows.append({"设施编号": "F-NA", "设施名称": "无面积卫生站", "设施类型": "社区卫生服务站", "建筑面积": None})
    fac_geom.append(shapely.Point(X0 + 250, Y0 + 450))
    fac_rows.append({"设施编号": "F-MKT", "设施名称": "菜市场", "设施类型": "菜市场", "建筑面积": 800.0})
    fac_geom.append(shapely.Point(X0 + 350, Y0 + 250))
    comm = gpd.GeoDataFrame(comm_rows, geometry=comm_geom, crs=CRS)
    fac = gpd.GeoDataFrame(fac_rows, geometry=fac_geom, crs=CRS)
    streets = _street_grid(nx * block_m, ny * block_m)
    path.parent.mkdir(parents=True, exist_ok=True)
    comm.to_file(path, layer="communities", driver="GPKG")
    fac.to_file(path, layer="facilities", driver="GPKG")
    streets.to_file(path, layer="streets", driver="GPKG")
    return path


def _facility(k: int, t: int, type_raw: str, area: float) -> dict[str, object]:
    return {
        "设施编号": f"F{k + 1:02d}{t}",
        "设施名称": f"{COMMUNITY_NAMES[k % len(COMMUNITY_NAMES)].removesuffix('社区')}{type_raw}",
        "设施类型": type_raw,
        "建筑面积": float(area),
    }


def _street_grid(width: float, height: float, step: float = 100.0) -> gpd.GeoDataFrame:
    lines = []
    nx, ny = round(width / step), round(height / step)
    for i in range(nx + 1):
        lines.append(shapely.LineString([(X0 + i * step, Y0 + j * step) for j in range(ny + 1)]))
    for j in range(ny + 1):
        lines.append(shapely.LineString([(X0 + i * step, Y0 + j * step) for i in range(nx + 1)]))
    return gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=CRS)


@dataclass(frozen=True)
class Run:
    """One analysis of a synthetic district and the results it wrote."""

    result: Analysis
    results: Path  # the folder written by planner.write_results
    folder: Path


def run_district(folder: Path, **layout: object) -> Run:
    """Build a synthetic district in ``folder``, analyse it and write its results."""
    path = make_district(folder / "district.gpkg", **layout)  # type: ignore[arg-type]
    result = planner.analyze(planner.load_study(path))
    planner.write_results(result, folder / "results")
    return Run(result, folder / "results", folder)


def write_osm_grid(path: Path, *, nx: int = 2, ny: int = 1, block_m: float = 600.0, step: float = 100.0) -> Path:
    """The street grid of ``make_district`` as a small OpenStreetMap XML file (WGS84)."""
    import pyproj

    to_ll = pyproj.Transformer.from_crs(CRS, 4326, always_xy=True)
    cols, rows = round(nx * block_m / step), round(ny * block_m / step)
    node_id = {}
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="planner tests">']
    for i in range(cols + 1):
        for j in range(rows + 1):
            lon, lat = to_ll.transform(X0 + i * step, Y0 + j * step)
            node_id[i, j] = len(node_id) + 1
            out.append(f'<node id="{node_id[i, j]}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"/>')
    ways = [[node_id[i, j] for j in range(rows + 1)] for i in range(cols + 1)]
    ways += [[node_id[i, j] for i in range(cols + 1)] for j in range(rows + 1)]
    for k, nodes in enumerate(ways, start=1):
        refs = "".join(f'<nd ref="{n}"/>' for n in nodes)
        out.append(f'<way id="{k}" version="1">{refs}<tag k="highway" v="residential"/></way>')
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def printed_nums(report: Report) -> list[Num]:
    """The numbers of the report that HTML and PDF print (not the spreadsheet-only columns)."""
    hidden = {
        id(cell.num)
        for table in report.tables()
        for row in table.rows
        for col, cell in zip(table.columns, row, strict=True)
        if col.key in HIDDEN.get(table.key, ()) and cell.num is not None
    }
    return [n for n in report.nums if n.kind != "pass" and id(n) not in hidden]


#: standard codes that Chinese text writes in Latin letters (GB 国家标准, JGJ 行业标准, TD/T)
STANDARD_CODES = {"GB", "JGJ", "TD", "T"}


def english_words(text: str) -> list[str]:
    """Runs of two or more ASCII letters in ``text`` that are not standard codes (GB, JGJ, TD/T)."""
    import re

    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in STANDARD_CODES]


def research_keys_in(text: str, book: planner.Rulebook) -> list[str]:
    """The research keys of ``book`` (sources of kind research) that occur in ``text`` as words."""
    import re

    return [k for k in book.research_keys() if re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)]

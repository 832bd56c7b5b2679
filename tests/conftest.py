"""Shared fixtures: a hand-computable toy district and paths to the real extracts."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real"
CHENGDU = REAL / "chengdu_central_2018.osm"
SHANGHAI = REAL / "shanghai_jingan_drive_osmnx.osm"

#: origin of the toy district in UTM zone 48N (inside Chengdu's zone)
X0, Y0 = 400_000.0, 3_390_000.0
TOY_CRS = "EPSG:32648"


def real_file(path: Path) -> Path:
    """The path of a real extract, or skip saying which file is missing."""
    if not path.exists():
        pytest.skip(f"real OSM extract {path} is absent (it lives in ../shared/data/real/)")
    return path


def toy_layers() -> dict[str, gpd.GeoDataFrame]:
    """A district of two 400 m × 400 m communities side by side, with Chinese column names.

    Streets: a 100 m grid of lines (x = X0 .. X0+800, y = Y0 .. Y0+400), noded at every
    crossing. Community 甲 (A) spans x 0-400, 乙 (B) x 400-800 (offsets from X0, Y0).

    - A: 3,334 households, 9,000 residents, 18 staff, 8 grids (416.75 households per grid);
      a 1,000 m² 社区服务站 at node (100, 100): 1000 < 30 × 3334 / 100 = 1000.2, so A fails
      the complex rule by 0.2 m²; 18 staff × 10000 / 9000 = 20 per 10k passes.
    - B: 3,000 households, 8,000 residents, 10 staff (12.5 per 10k, fails), 5 grids (600 per
      grid, fails); a 1,800 m² 幼儿园 at node (500, 200), below the 2,200 m² minimum.
    - an unknown type 菜市场 at (300, 300), which validation drops.
    """
    comm = gpd.GeoDataFrame(
        {
            "社区编码": ["A", "B"],
            "社区名称": ["甲社区", "乙社区"],
            "所属街道": ["东街道", "东街道"],
            "户数": [3334, 3000],
            "人口": [9000, 8000],
            "工作人员数": [18, 10],
            "网格数": [8, 5],
        },
        geometry=[shapely.box(X0, Y0, X0 + 400, Y0 + 400), shapely.box(X0 + 400, Y0, X0 + 800, Y0 + 400)],
        crs=TOY_CRS,
    )
    lines = [shapely.LineString([(X0 + 100 * i, Y0 + 100 * j) for j in range(5)]) for i in range(9)]
    lines += [shapely.LineString([(X0 + 100 * i, Y0 + 100 * j) for i in range(9)]) for j in range(5)]
    streets = gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=lines, crs=TOY_CRS)
    fac = gpd.GeoDataFrame(
        {
            "设施编码": ["F1", "F2", "F3"],
            "设施名称": ["甲社区服务站", "乙幼儿园", "丙菜市场"],
            "设施类型": ["社区服务站", "幼儿园", "菜市场"],
            "建筑面积": [1000.0, 1800.0, 300.0],
        },
        geometry=[
            shapely.Point(X0 + 100, Y0 + 100),
            shapely.Point(X0 + 500, Y0 + 200),
            shapely.Point(X0 + 300, Y0 + 300),
        ],
        crs=TOY_CRS,
    )
    return {"communities": comm, "facilities": fac, "streets": streets}


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.fixture
def toy_gpkg(tmp_path: Path) -> Path:
    """The toy district written as one GeoPackage."""
    return write_gpkg(tmp_path / "toy.gpkg", toy_layers())


# the session's PostgreSQL + PostGIS server (tests/test_postgis*.py)
from conftest_postgis import postgis_server  # noqa: E402, F401

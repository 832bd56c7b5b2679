"""planner import-poi on synthetic AMap and Baidu exports (UTF-8, GBK, XLSX) written here.

No real AMap or Baidu data exists in the project: the tables below are made up, with WGS84
positions in central Chengdu turned into GCJ-02 / BD-09 by planner's forward conversions, so
that the import must give the WGS84 positions back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from planner.cli import main
from planner.errors import InputError
from planner.ingest.offsets import wgs84_to_bd09, wgs84_to_gcj02
from planner.ingest.poi import import_poi
from planner.ingest.study import load_study

LON0, LAT0 = 104.06, 30.66
M = 1 / 111_000  # about a metre of latitude in degrees

# name, AMap typecode, Baidu tag, north offset (m), east offset (m)
ROWS = [
    ("锦江小学", "141203", "教育培训;小学", 0, 0),
    ("锦江小学(东门)", "141203", "教育培训;小学", 0, 120 * 1.16),  # the entrance, about 120 m east
    ("星星幼儿园", "141204", "教育培训;幼儿园", 300, 0),
    ("星星幼儿园", "141204", "教育培训;幼儿园", 310, 0),  # the same kindergarten listed twice, 10 m apart
    ("星星幼儿园", "141204", "教育培训;幼儿园", 2000, 0),  # a namesake 2 km away: another one
    ("宝宝托育中心", "141204", "教育培训;幼儿园", 600, 0),  # childcare filed as a kindergarten: skipped
    ("第七中学", "141202", "教育培训;中学", 900, 0),
    ("成都市第七高级中学", "141202", "教育培训;中学", 1200, 0),  # a high school: unmapped
    ("玉林社区卫生服务中心", "090101", "医疗;综合医院", 1500, 0),
    ("好味餐厅", "050000", "美食;中餐厅", 1800, 0),  # a restaurant: unmapped
]


def _positions() -> tuple[np.ndarray, np.ndarray]:
    north = np.array([r[3] for r in ROWS], dtype=float)
    east = np.array([r[4] for r in ROWS], dtype=float)
    return LON0 + east * M, LAT0 + north * M


def _amap(path: Path, encoding: str) -> Path:
    lon, lat = wgs84_to_gcj02(*_positions())
    frame = pd.DataFrame(
        {
            "id": [f"B0{i:03d}" for i in range(len(ROWS))],
            "name": [r[0] for r in ROWS],
            "type": ["科教文化服务;学校"] * len(ROWS),
            "typecode": [r[1] for r in ROWS],
            "address": "成都市锦江区",
            "location": [f"{x:.7f},{y:.7f}" for x, y in zip(lon, lat, strict=True)],
        }
    )
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def _baidu(path: Path) -> Path:
    lon, lat = wgs84_to_bd09(*_positions())
    frame = pd.DataFrame(
        {
            "uid": [f"u{i}" for i in range(len(ROWS))],
            "名称": [r[0] for r in ROWS],
            "标签": [r[2] for r in ROWS],
            "经度": lon,
            "纬度": lat,
        }
    )
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="gbk")
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_amap_export_is_recognised_converted_and_merged(tmp_path: Path, encoding: str) -> None:
    src = _amap(tmp_path / f"amap_{encoding}.csv", encoding)
    result = import_poi(src, tmp_path / "fac.gpkg")
    assert result.source == "amap" and result.coordinates == "GCJ02"
    assert result.encoding == ("utf-8" if encoding == "utf-8" else "gb18030")
    fac = result.facilities.set_index("facility_id")
    assert sorted(fac.index) == ["B0000", "B0002", "B0004", "B0006", "B0008"]
    assert fac.loc["B0000", "type"] == "primary_school" and fac.loc["B0006", "type"] == "junior_school"
    assert fac.loc["B0008", "type"] == "health_station"
    # back to the WGS84 positions the table was made from (to 1e-7 degrees, about 1 cm)
    lon, lat = _positions()
    got = fac.loc["B0002"].geometry
    assert (got.x, got.y) == pytest.approx((lon[2], lat[2]), abs=1e-7)
    log = result.log.set_index("id")
    assert log.loc["B0001", "reason"] == "poi_merged" and "B0000" in log.loc["B0001", "message_en"]
    assert log.loc["B0003", "reason"] == "poi_merged"
    assert log.loc["B0005", "reason"] == "unmapped_type" and "托育" in log.loc["B0005", "message_en"]
    assert {"B0007", "B0009"} <= set(result.log.loc[result.log["reason"] == "unmapped_type", "id"])
    assert (result.log["reason"] == "offset_converted").sum() == 1
    assert (tmp_path / "fac_validation.csv").exists()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_baidu_export_in_gbk_or_xlsx(tmp_path: Path, suffix: str) -> None:
    result = import_poi(_baidu(tmp_path / f"baidu{suffix}"), tmp_path / "fac.gpkg")
    assert result.source == "baidu" and result.coordinates == "BD09"
    fac = result.facilities.set_index("facility_id")
    assert sorted(fac.index) == ["u0", "u2", "u4", "u6", "u8"]
    lon, lat = _positions()
    assert (fac.loc["u8"].geometry.x, fac.loc["u8"].geometry.y) == pytest.approx((lon[8], lat[8]), abs=1e-7)


def test_wgs84_columns_are_not_converted(tmp_path: Path) -> None:
    lon, lat = _positions()
    src = tmp_path / "wgs.csv"
    pd.DataFrame(
        {
            "id": range(len(ROWS)),
            "name": [r[0] for r in ROWS],
            "typecode": [r[1] for r in ROWS],
            "wgs84_lng": lon,
            "wgs84_lat": lat,
        }
    ).to_csv(src, index=False)
    result = import_poi(src, tmp_path / "fac.gpkg", source="amap")
    assert result.coordinates == "WGS84" and not (result.log["reason"] == "offset_converted").any()
    assert result.facilities.geometry.iloc[0].x == pytest.approx(lon[0], abs=1e-12)


def test_unrecognisable_table_asks_for_source(tmp_path: Path) -> None:
    src = tmp_path / "other.csv"
    pd.DataFrame({"name": ["a"], "lng": [104.0], "lat": [30.0]}).to_csv(src, index=False)
    with pytest.raises(InputError, match=r"other\.csv.*amap or baidu, explicitly"):
        import_poi(src, tmp_path / "fac.gpkg")


def test_imported_pois_are_a_facilities_layer_and_counted_in_quality(tmp_path: Path, capsys) -> None:
    out = tmp_path / "fac.gpkg"
    assert main(["import-poi", str(_amap(tmp_path / "a.csv", "utf-8")), "--out", str(out)]) == 0
    assert "2 duplicates merged" in capsys.readouterr().out
    study = load_study(facilities=out, communities=_communities(tmp_path))
    assert len(study.facilities) == 5
    assert (
        main(
            [
                "analyze",
                "--facilities",
                str(out),
                "--communities",
                str(_communities(tmp_path)),
                "--mode",
                "euclidean",
                "--out",
                str(tmp_path / "res"),
            ]
        )
        == 0
    )
    q = pd.read_csv(tmp_path / "res" / "quality.csv", encoding="utf-8-sig").set_index("check")
    assert q.loc["pois_merged", "count"] == 2
    assert q.loc["types_unmapped", "count"] == 3


def _communities(tmp_path: Path) -> Path:
    import geopandas as gpd
    import shapely

    path = tmp_path / "communities.geojson"
    if not path.exists():
        box = shapely.box(LON0 - 0.01, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.03)
        gpd.GeoDataFrame({"community_id": ["C1"], "population": [5000]}, geometry=[box], crs=4326).to_file(path)
    return path

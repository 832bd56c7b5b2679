"""Writing the GeoPackage: four layers in EPSG:4490, every shared vertex converted once.

Geometry is built in the local frame, placed in UTM 48N and converted to CGCS2000
geographic coordinates once at the end: every distinct coordinate is converted exactly once,
so vertices shared by several features stay bit-identical across layers. A fixed GeoPackage
timestamp (GDAL's ``OGR_CURRENT_DATE``) keeps the file byte-identical between runs.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from .config import CENTER_LONLAT, CRS_METRIC, CRS_OUT, ROTATION_DEG, H, W

TIMESTAMP = "2024-01-01T00:00:00.000Z"


def to_lonlat_factory():
    """A coordinate function: local frame (n, 2) -> lon/lat in EPSG:4490, each distinct point once."""
    import pyproj

    utm = pyproj.Transformer.from_crs("EPSG:4490", CRS_METRIC, always_xy=True)
    e0, n0 = utm.transform(*CENTER_LONLAT)
    back = pyproj.Transformer.from_crs(CRS_METRIC, CRS_OUT, always_xy=True)
    th = math.radians(ROTATION_DEG)
    ct, st = math.cos(th), math.sin(th)

    def fn(xy: np.ndarray) -> np.ndarray:
        uniq, inv = np.unique(xy, axis=0, return_inverse=True)
        x, y = uniq[:, 0] - W / 2, uniq[:, 1] - H / 2
        e = e0 + ct * x - st * y
        n = n0 + st * x + ct * y
        lon, lat = back.transform(e, n)
        return np.column_stack([lon, lat])[inv.ravel()]

    return fn


def streets_frame(d: dict) -> pd.DataFrame:
    """The street lines; public roads split into ways at arterial junctions, as OSM ways often are."""
    net = d["net"]
    art = {i for i in range(d["n_streets"]) if net.highway[i] in ("primary", "secondary")}
    split_at = {p for p, lines in d["junctions"].items() if lines & art}
    rows = []
    for i, pts in enumerate(net.coords):
        if i >= d["n_streets"]:
            rows.append((LineString(pts), net.highway[i], net.name[i]))
            continue
        cur = [pts[0]]
        for p in pts[1:]:
            cur.append(p)
            if p in split_at and p != pts[-1]:
                rows.append((LineString(cur), net.highway[i], net.name[i]))
                cur = [p]
        if len(cur) > 1:
            rows.append((LineString(cur), net.highway[i], net.name[i]))
    return pd.DataFrame(rows, columns=["geometry", "highway", "name"])


def communities_frame(comms: list[dict]) -> pd.DataFrame:
    """The communities with their Chinese columns, in code order."""
    return (
        pd.DataFrame(
            {
                "社区编码": [c["code"] for c in comms],
                "社区名称": [c["name"] for c in comms],
                "所属街道": [c["sub"] for c in comms],
                "户数": [c["hh"] for c in comms],
                "人口": [c["pop"] for c in comms],
                "工作人员数": [c["staff"] for c in comms],
                "网格数": [c["grids"] for c in comms],
                "geometry": [c["poly"] for c in comms],
            }
        )
        .sort_values("社区编码")
        .reset_index(drop=True)
    )


def facilities_frame(comms: list[dict], facs: list[dict]) -> pd.DataFrame:
    """The facilities, with ids in a stable order: by community code, then kind of service."""
    code = {ci: c["code"] for ci, c in enumerate(comms)}
    facs = sorted(facs, key=lambda f: (code[f["comm"]], f["type"], f["name"]))
    return pd.DataFrame(
        {
            "设施编码": [f"JC{i + 1:04d}" for i in range(len(facs))],
            "设施名称": [f["name"] for f in facs],
            "设施类型": [f["type"] for f in facs],
            "建筑面积": [f["area"] for f in facs],
            "geometry": [f["pt"] for f in facs],
        }
    )


@contextlib.contextmanager
def _fixed_timestamp():
    """GDAL's OGR_CURRENT_DATE set while writing (unless already set), then restored."""
    before = os.environ.get("OGR_CURRENT_DATE")
    os.environ.setdefault("OGR_CURRENT_DATE", TIMESTAMP)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("OGR_CURRENT_DATE", None)


def write(d: dict, comms: list[dict], facs: list[dict], out: Path) -> dict[str, pd.DataFrame]:
    """Write the four layers to ``out`` (through a temporary file renamed into place)."""
    import geopandas as gpd

    buildings = pd.DataFrame([(g, st, use) for g, st, use, _ in d["buildings"]], columns=["geometry", "楼层", "用途"])
    layers = {
        "communities": communities_frame(comms),
        "facilities": facilities_frame(comms, facs),
        "streets": streets_frame(d),
        "buildings": buildings,
    }
    # one transform of every distinct coordinate, shared by all layers
    allg = np.concatenate([np.asarray(df["geometry"].values, dtype=object) for df in layers.values()])
    allg = shapely.transform(allg, to_lonlat_factory())
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    tmp.unlink(missing_ok=True)
    k = 0
    with _fixed_timestamp():
        for name, df in layers.items():
            m = len(df)
            gdf = gpd.GeoDataFrame(df.drop(columns="geometry"), geometry=allg[k : k + m], crs=CRS_OUT)
            k += m
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    os.replace(tmp, out)
    return layers

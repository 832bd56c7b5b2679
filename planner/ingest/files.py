"""Read a study's layers from GIS files and normalise their column names.

Supported: GeoPackage, GeoJSON, Shapefile (also zipped), GeoParquet, FlatGeobuf, and
CSV/XLSX tables with longitude/latitude columns (CSV in UTF-8 or GBK/GB18030). Column names
may be English or Chinese; they are mapped to planner's names through :data:`ALIASES`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from planner.errors import InputError
from planner.naming import fold

VECTOR_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".zip", ".parquet", ".geoparquet", ".fgb"}
TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls"}
OSM_SUFFIXES = {".osm", ".pbf", ".xml"}

#: Largest zip member planner will open, and the largest expansion ratio (zip bombs).
MAX_UNZIPPED_BYTES = 2_000_000_000
MAX_ZIP_RATIO = 200

#: Column aliases per layer kind: canonical name -> names seen in real data.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "communities": {
        "community_id": (
            "community_id",
            "id",
            "code",
            "社区编码",
            "社区代码",
            "社区编号",
            "编码",
            "代码",
            "编号",
            "居委会编码",
        ),
        "name": ("name", "community", "community_name", "社区名称", "社区", "名称", "居委会", "居委会名称"),
        "sub_district": ("sub_district", "subdistrict", "street", "jiedao", "所属街道", "街道", "街道名称", "街道办"),
        "households": ("households", "hh", "户数", "总户数", "居民户数", "常住户数"),
        "population": ("population", "pop", "residents", "人口", "常住人口", "人口数", "总人口", "居民人数"),
        "staff": (
            "staff",
            "workers",
            "community_workers",
            "工作人员数",
            "工作人员",
            "社区工作者",
            "社区工作者人数",
            "工作者人数",
        ),
        "grid_count": ("grid_count", "grids", "网格数", "网格数量"),
        "elderly_population": (
            "elderly_population",
            "elderly",
            "老年人口",
            "60岁以上人口",
            "老年人数",
            "population_60_plus",
            "60岁及以上人口",
            "60周岁以上人口",
            "60周岁及以上人口",
        ),
        "child_population": ("child_population", "children", "儿童人口", "儿童数"),
        "children_3_6": (
            "children_3_6",
            "population_3_6",
            "preschool_children",
            "3-6岁人口",
            "3-6岁儿童",
            "3至6岁儿童",
            "学龄前儿童",
            "学龄前儿童人数",
        ),
        "primary_age_population": (
            "primary_age_population",
            "primary_age",
            "population_6_11",
            "6-11岁人口",
            "小学学龄人口",
            "小学适龄儿童",
            "小学学龄儿童",
        ),
        "junior_age_population": (
            "junior_age_population",
            "junior_age",
            "population_12_14",
            "12-14岁人口",
            "初中学龄人口",
            "初中适龄儿童",
            "初中学龄儿童",
        ),
    },
    "facilities": {
        "facility_id": ("facility_id", "id", "code", "设施编码", "设施编号", "编码", "编号", "代码"),
        "name": ("name", "facility_name", "设施名称", "名称"),
        "type": ("type", "facility_type", "category", "kind", "设施类型", "类型", "类别", "设施类别"),
        "floor_area_m2": (
            "floor_area_m2",
            "floor_area",
            "area_m2",
            "gfa",
            "建筑面积",
            "面积",
            "建筑面积(m2)",
            "建筑面积(平方米)",
        ),
        "capacity": ("capacity", "容量", "床位", "学位", "床位数", "学位数"),
    },
    "cells": {
        "cell_id": ("cell_id", "id", "编号", "网格编号", "单元编号"),
        "population": ("population", "pop", "人口", "人口数", "常住人口"),
    },
    "buildings": {
        "levels": ("levels", "building:levels", "floors", "storeys", "楼层", "层数", "楼层数"),
        "use": ("use", "building", "usage", "type", "用途", "功能", "建筑用途"),
        "floor_area_m2": ("floor_area_m2", "floor_area", "建筑面积"),
    },
    "streets": {
        "highway": ("highway", "fclass", "class", "道路等级", "等级"),
        "name": ("name", "道路名称", "名称"),
    },
    "candidates": {
        "candidate_id": ("candidate_id", "id", "编号", "编码"),
        "name": ("name", "名称"),
    },
}

LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "wgs84_lng", "gcj02_lng", "bd09_lng")
LAT_NAMES = ("lat", "latitude", "y", "纬度", "wgs84_lat", "gcj02_lat", "bd09_lat")

#: Longitudes and latitudes (degrees) that cover China; the two ranges do not overlap, so a
#: table whose longitude column holds values of the latitude range, and the other way
#: round, has its columns swapped.
CHINA_LON_DEG = (73.0, 135.5)
CHINA_LAT_DEG = (18.0, 53.6)


def accepted_names(kind: str, column: str) -> str:
    """The names accepted for one of planner's columns, for messages (``population, pop, 人口...``).

    Parameters
    ----------
    kind
        A layer kind of :data:`ALIASES` (``"communities"``...); unknown kinds give ``column``.
    column
        Planner's canonical column name.
    """
    return ", ".join(ALIASES.get(kind, {}).get(column, (column,)))


def normalise_columns(
    df: pd.DataFrame,
    kind: str,
    *,
    file: str | None = None,
    layer: str | None = None,
    duplicates: list[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """Rename known aliases to planner's canonical column names.

    When two columns both match one canonical name (say ``人口`` and ``population``), their
    values are compared: if they differ in any row this is an error naming both columns and
    example rows, because choosing one would be a guess; if they agree, the canonical-named
    (else the first) column is used and ``(canonical, used, other)`` is appended to
    ``duplicates`` so that the caller can record it. Unknown columns are kept unchanged.
    """
    aliases = ALIASES.get(kind, {})
    folded = {col: fold(col) for col in df.columns if col != "geometry"}
    rename: dict[str, str] = {}
    for canonical, names in aliases.items():
        wanted = {fold(n) for n in names}
        hits = [col for col, f in folded.items() if f in wanted and col not in rename]
        if not hits:
            continue
        exact = [c for c in hits if fold(c) == fold(canonical)]
        keep = exact[0] if len(exact) == 1 else hits[0]
        for other in (c for c in hits if c != keep):
            _same_or_raise(df, kind, canonical, keep, other, file=file, layer=layer)
            if duplicates is not None:
                duplicates.append((canonical, str(keep), str(other)))
        rename[keep] = canonical
    clash = [c for c in rename.values() if c in df.columns and c not in rename]
    if clash:
        raise InputError(f"columns would collide after renaming aliases: {clash}", file=file, layer=layer)
    return df.rename(columns=rename)


def _same_or_raise(
    df: pd.DataFrame, kind: str, canonical: str, keep: str, other: str, *, file: str | None, layer: str | None
) -> None:
    """Raise when two columns meaning ``canonical`` disagree in any row (numbers compared as numbers)."""
    a, b = df[keep], df[other]
    a_num, b_num = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
    a_txt = a.astype("string").str.strip().fillna("")
    b_txt = b.astype("string").str.strip().fillna("")
    numeric = a_num.notna() & b_num.notna()
    differ = np.where(numeric, a_num.to_numpy() != b_num.to_numpy(), (a_txt != b_txt).to_numpy())
    if not differ.any():
        return
    labels = _row_labels(df, kind, exclude={keep, other})
    bad = np.flatnonzero(differ)
    shown = "; ".join(f"{labels[i]}: {keep}={_show(a.iloc[i])}, {other}={_show(b.iloc[i])}" for i in bad[:3])
    raise InputError(
        f"columns '{keep}' and '{other}' both mean '{canonical}' but hold different values ({shown}); "
        f"delete the wrong one or rename it to a name planner does not read (e.g. '{other}_old')",
        file=file,
        layer=layer,
        column=f"{keep}/{other}",
        rows=[labels[i] for i in bad],
        count=len(bad),
    )


def _row_labels(df: pd.DataFrame, kind: str, *, exclude: set[str]) -> list[str]:
    """Each row's id from the layer's id column when one is recognisable, else 'row N'."""
    id_names = next(
        ({fold(n) for n in names} for c, names in ALIASES.get(kind, {}).items() if c.endswith("_id")), set()
    )
    for col in df.columns:
        if col not in exclude and col != "geometry" and fold(col) in id_names:
            return [str(v) for v in df[col]]
    return [f"row {i + 1}" for i in range(len(df))]


def _show(value: object) -> str:
    return "(empty)" if pd.isna(value) else str(value)


def list_layers(path: str | Path) -> list[str]:
    """Layer names of a multi-layer file (GeoPackage), or ``[]`` for single-layer files."""
    p = Path(path)
    if p.suffix.lower() != ".gpkg":
        return []
    try:
        return [str(name) for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # pyogrio raises DataSourceError and friends
        raise InputError(f"cannot open as a GeoPackage: {exc}", file=str(p)) from exc


def read_layer(
    path: str | Path,
    layer: str | None = None,
    *,
    kind: str | None = None,
    duplicates: list[tuple[str, str, str]] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer of a GIS file or a lon/lat table into a GeoDataFrame.

    The coordinate system is read from the file where it has one; tables of lon/lat get no
    CRS (the caller must be told it, see :func:`planner.ingest.crs.to_wgs84`).

    Parameters
    ----------
    path
        The file.
    layer
        A layer name, for GeoPackages.
    kind
        The planner layer kind (``"communities"``, ``"facilities"``, ...), used to normalise
        column names.
    duplicates
        Filled with the duplicate columns resolved, see :func:`normalise_columns`.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("file not found; check the path", file=str(p))
    suffix = p.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        gdf = _read_table(p)
    elif suffix in VECTOR_SUFFIXES or p.is_dir():
        gdf = _read_vector(p, layer)
    else:
        raise InputError(
            f"unsupported file type '{suffix}'; use GeoPackage, GeoJSON, Shapefile (.shp or .zip), "
            "GeoParquet, FlatGeobuf, or CSV/XLSX with lon/lat columns",
            file=str(p),
        )
    if kind is not None:
        gdf = normalise_columns(gdf, kind, file=str(p), layer=layer, duplicates=duplicates)
    return gdf


def _read_vector(p: Path, layer: str | None) -> gpd.GeoDataFrame:
    suffix = p.suffix.lower()
    if suffix in {".parquet", ".geoparquet"}:
        try:
            return gpd.read_parquet(p)
        except Exception as exc:
            raise InputError(f"cannot read as GeoParquet: {exc}", file=str(p)) from exc
    target = str(p)
    if suffix == ".zip":
        target = _zip_target(p)
    if layer is not None and suffix == ".gpkg" and layer not in list_layers(p):
        raise InputError(f"no layer '{layer}'; the file has {list_layers(p)}", file=str(p), layer=layer)
    # GeoPackages are UTF-8 by definition: read them through Arrow (about 1.5x faster, same frame)
    arrow = suffix == ".gpkg"
    try:
        return gpd.read_file(target, layer=layer, engine="pyogrio", use_arrow=arrow)
    except UnicodeDecodeError:
        # Chinese shapefiles are often GBK without a .cpg file saying so
        try:
            return gpd.read_file(target, layer=layer, engine="pyogrio", encoding="gb18030")
        except Exception as exc:
            raise InputError(
                f"cannot read; the text is neither UTF-8 nor GBK: {exc}", file=str(p), layer=layer
            ) from exc
    except Exception as exc:
        raise InputError(f"cannot read: {exc}", file=str(p), layer=layer) from exc


def _zip_target(p: Path) -> str:
    """Check a zip archive for traversal and bombs, and return the GDAL path to read it."""
    try:
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError("not a valid zip archive", file=str(p)) from exc
    total = 0
    shapefiles = []
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in Path(name).parts or ":" in name:
            raise InputError(f"zip member '{name}' has an unsafe path; refusing to read it", file=str(p))
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO and info.file_size > 10_000_000:
            raise InputError(
                f"zip member '{name}' expands more than {MAX_ZIP_RATIO}x; refusing a possible zip bomb", file=str(p)
            )
        if name.lower().endswith((".shp", ".gpkg", ".geojson")):
            shapefiles.append(name)
    if total > MAX_UNZIPPED_BYTES:
        raise InputError(
            f"zip expands to {total / 1e9:.1f} GB; the limit is {MAX_UNZIPPED_BYTES / 1e9:.0f} GB", file=str(p)
        )
    if not shapefiles:
        raise InputError("the zip holds no .shp, .gpkg or .geojson file", file=str(p))
    if len(shapefiles) > 1:
        raise InputError(f"the zip holds several layers {shapefiles}; zip one layer per file", file=str(p))
    return f"/vsizip/{p}/{shapefiles[0]}"


def _read_table(p: Path) -> gpd.GeoDataFrame:
    suffix = p.suffix.lower()
    try:
        df = pd.read_excel(p) if suffix in {".xlsx", ".xls"} else _read_csv(p)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read the table: {exc}", file=str(p)) from exc
    lon = _find_column(df, LON_NAMES)
    lat = _find_column(df, LAT_NAMES)
    if lon is None or lat is None:
        raise InputError(
            f"a table needs longitude and latitude columns: longitude named one of {', '.join(LON_NAMES)}; "
            f"latitude one of {', '.join(LAT_NAMES)}. Found: {', '.join(map(str, df.columns))}",
            file=str(p),
        )
    coords = df[[lon, lat]].apply(pd.to_numeric, errors="coerce")
    bad = coords.isna().any(axis=1)
    if bad.any():
        rows = (df.index[bad] + 2).tolist()  # spreadsheet row numbers (header is row 1)
        raise InputError(
            "longitude/latitude are missing or not numbers; fix or delete these rows",
            file=str(p),
            column=f"{lon}/{lat}",
            rows=rows,
            count=len(rows),
        )
    _check_not_swapped(coords, lon, lat, file=str(p))
    geometry = gpd.points_from_xy(coords[lon], coords[lat])
    return gpd.GeoDataFrame(df.drop(columns=[lon, lat]), geometry=geometry, crs=None)


def _read_csv(p: Path) -> pd.DataFrame:
    raw = p.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        from io import StringIO

        return pd.read_csv(StringIO(text), dtype=str, keep_default_na=True)
    raise InputError("the CSV is neither UTF-8 nor GBK/GB18030; save it as UTF-8", file=str(p))


def _find_column(df: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    wanted = [fold(n) for n in names]
    folded = {fold(c): c for c in df.columns}
    for w in wanted:
        if w in folded:
            return str(folded[w])
    return None


def _check_not_swapped(coords: pd.DataFrame, lon: str, lat: str, *, file: str) -> None:
    """Raise if rows hold a latitude in the longitude column and a longitude in the latitude one.

    Rows are named by spreadsheet row number (the header is row 1).
    """
    swapped = coords[lon].between(*CHINA_LAT_DEG) & coords[lat].between(*CHINA_LON_DEG)
    if not swapped.any():
        return
    rows = (coords.index[swapped] + 2).tolist()
    every = bool(swapped.all())
    raise InputError(
        f"longitude and latitude look swapped: '{lon}' holds values of {CHINA_LAT_DEG[0]:g}-{CHINA_LAT_DEG[1]:g} "
        f"(latitudes in China) and '{lat}' values of {CHINA_LON_DEG[0]:g}-{CHINA_LON_DEG[1]:g} (longitudes) "
        + (
            f"in every row; swap the names of the columns '{lon}' and '{lat}'"
            if every
            else "in these rows; swap the two values in each of them"
        ),
        file=file,
        column=f"{lon}/{lat}",
        rows=rows,
        count=len(rows),
    )

"""Coordinate systems: declare, convert to WGS84, and pick one metric CRS per run.

Chinese data arrives in four kinds of coordinates (see the glossary):

* WGS84 (EPSG:4326), e.g. GPS tracks and OpenStreetMap;
* CGCS2000 (EPSG:4490) and its 3-degree Gauss-Krüger zones (EPSG:4513-4554), used by
  government GIS data; these are ordinary CRSs and go through pyproj;
* GCJ-02, the deliberate offset of AMap (高德), Tencent and Google China maps;
* BD-09, Baidu's further offset on top of GCJ-02.

GCJ-02 and BD-09 are not CRSs pyproj knows: they are non-linear shifts of WGS84
longitude/latitude of roughly 100-700 m, implemented with exact inverses in
:mod:`planner.ingest.offsets` (re-exported here). This module funnels every layer through
:func:`to_wgs84` at ingestion. After that the
pipeline works in the single metric CRS returned by :func:`local_metric_crs`, and the engine
only checks it with :func:`require_metric`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError as PyprojCRSError

from planner.errors import CRSError, InputError
from planner.ingest.files import CHINA_LAT_DEG, CHINA_LON_DEG
from planner.ingest.offsets import (
    CoordFunc,
    Offset,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    transform_geometries,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

__all__ = [
    "CRSOption",
    "CoordFunc",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "local_metric_crs",
    "parse_crs_option",
    "require_metric",
    "to_wgs84",
    "transform_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

logger = logging.getLogger(__name__)

_WGS84 = pyproj.CRS.from_epsg(4326)
_CGCS2000 = pyproj.CRS.from_epsg(4490)
_ALIASES: dict[str, tuple[pyproj.CRS, Offset | None]] = {
    "wgs84": (_WGS84, None),
    "cgcs2000": (_CGCS2000, None),
    "gcj02": (_WGS84, "gcj02"),
    "amap": (_WGS84, "gcj02"),
    "gaode": (_WGS84, "gcj02"),
    "tencent": (_WGS84, "gcj02"),
    "高德": (_WGS84, "gcj02"),
    "腾讯": (_WGS84, "gcj02"),
    "bd09": (_WGS84, "bd09"),
    "baidu": (_WGS84, "bd09"),
    "百度": (_WGS84, "bd09"),
}
_ACCEPTED = (
    "wgs84, cgcs2000, gcj02 (also gcj-02, amap, gaode, tencent), bd09 (also bd-09, baidu), "
    "an EPSG code such as EPSG:4545, a WKT or a PROJ string"
)


# --------------------------------------------------------------------------------------
# Declared input systems and conversion of layers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CRSOption:
    """A coordinate system declared by the user for layers that lack or hide one.

    Attributes
    ----------
    crs
        The pyproj CRS. For GCJ-02 and BD-09 this is geographic EPSG:4326, because their
        coordinates are offset WGS84 longitude/latitude in degrees.
    offset
        ``"gcj02"`` or ``"bd09"`` when coordinates carry a Chinese web-map offset, else
        ``None``.
    """

    crs: pyproj.CRS
    offset: Offset | None = None


def parse_crs_option(text: str | None) -> CRSOption | None:
    """Parse a ``--input-crs`` value.

    Parameters
    ----------
    text
        ``None`` or blank (nothing declared), one of the names ``wgs84``, ``cgcs2000``,
        ``gcj02`` / ``gcj-02`` / ``amap`` / ``gaode`` / ``tencent``, ``bd09`` / ``bd-09`` /
        ``baidu`` (case-insensitive), a bare EPSG number, or anything
        :meth:`pyproj.CRS.from_user_input` accepts (``"EPSG:4545"``, a WKT, a PROJ string).

    Returns
    -------
    CRSOption or None
        ``None`` when nothing is declared.

    Raises
    ------
    CRSError
        If the text is not a known name and pyproj cannot read it; the message lists the
        accepted values.
    """
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    key = stripped.lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in _ALIASES:
        crs, offset = _ALIASES[key]
        return CRSOption(crs=crs, offset=offset)
    user_input = f"EPSG:{stripped}" if stripped.isdigit() else stripped
    try:
        return CRSOption(crs=pyproj.CRS.from_user_input(user_input))
    except PyprojCRSError as exc:
        raise CRSError(f"unknown input CRS {stripped!r}. Accepted: {_ACCEPTED}. ({exc})") from None


def to_wgs84(
    gdf: gpd.GeoDataFrame,
    *,
    declared: CRSOption | None,
    default: CRSOption | None = None,
    file: str | None = None,
    layer: str | None = None,
    kind: str | None = None,
) -> gpd.GeoDataFrame:
    """Return a new copy of a layer in WGS84 longitude/latitude (EPSG:4326).

    ``declared`` is what the user says about this layer (``--input-crs facilities=gcj02``);
    ``default`` is the bare ``--input-crs`` value, which only fills in a missing CRS. Rules,
    in order:

    1. If ``declared`` has an offset (GCJ-02 or BD-09), the coordinates are taken as offset
       longitude/latitude and converted exactly to WGS84. A CRS stored in the layer must
       then be geographic: a layer tagged EPSG:4326 whose numbers are GCJ-02 is converted,
       as the user says; a projected layer is an error.
    2. Otherwise, if the layer has its own CRS, it is used and **wins over** a different
       declared or default CRS (the conflict is logged). In particular a default offset
       never moves a layer that states its CRS.
    3. Otherwise the declared CRS, else the default, is used: an offset is converted as in
       rule 1, any other CRS is set and the layer reprojected with pyproj. CGCS2000
       (EPSG:4490) and its Gauss-Krüger zones (EPSG:4513-4554) are handled like any CRS.

    Parameters
    ----------
    gdf
        The layer as read; never modified.
    declared
        The option the user stated for this layer (see :func:`parse_crs_option`), or ``None``.
    default
        The option for layers without a CRS, or ``None``.
    file, layer
        Where the layer came from, for error messages.
    kind
        The layer's planner name (``"facilities"``...), used in the ``--input-crs KIND=...``
        a message suggests; default ``layer``.

    Returns
    -------
    GeoDataFrame
        Same index, columns and geometry types, coordinates in degrees, CRS EPSG:4326.

    Raises
    ------
    CRSError
        If the layer has no CRS and none is declared; if an offset is declared for a
        projected layer; or if any converted coordinate lies outside lon -180..180 /
        lat -90..90, which means the CRS is wrong (e.g. metres read as degrees).
    """
    option = declared if declared is not None else default
    if declared is not None and declared.offset is not None:
        out = _from_offset(gdf, declared.offset, file=file, layer=layer, kind=kind)
    elif gdf.crs is not None:
        _log_kept(gdf.crs, declared, default, file=file, layer=layer, kind=kind or layer)
        out = gdf.to_crs(_WGS84)
    elif option is not None and option.offset is not None:
        out = _from_offset(gdf, option.offset, file=file, layer=layer, kind=kind)
    elif option is not None:
        out = gdf.set_crs(option.crs).to_crs(_WGS84)
    else:
        raise CRSError(
            "the layer has no coordinate system. Pass --input-crs to say what it is "
            "(e.g. wgs84, cgcs2000, gcj02, bd09 or an EPSG code such as EPSG:4545, for every "
            f"layer without one), or --input-crs {kind or layer or 'LAYER'}=gcj02 for this layer only.",
            file=file,
            layer=layer,
        )
    _check_lonlat_range(out, file=file, layer=layer)
    return out


def _log_kept(
    stored: pyproj.CRS,
    declared: CRSOption | None,
    default: CRSOption | None,
    *,
    file: str | None,
    layer: str | None,
    kind: str | None,
) -> None:
    """Log that a layer's own CRS was kept over a different declared or default one."""
    if declared is not None and not stored.equals(declared.crs):
        logger.warning(
            "%s: layer CRS %s kept; declared input CRS %s only fills in missing CRSs",
            _where(file, layer),
            stored.to_string(),
            declared.crs.to_string(),
        )
    elif declared is None and default is not None and default.offset is not None:
        logger.warning(
            "%s: layer CRS %s kept; the bare --input-crs %s applies only to layers without a CRS. "
            "If this layer's coordinates are %s in spite of its CRS, pass --input-crs %s=%s",
            _where(file, layer),
            stored.to_string(),
            default.offset,
            default.offset,
            kind or "LAYER",
            default.offset,
        )
    elif declared is None and default is not None and not stored.equals(default.crs):
        logger.info(
            "%s: layer CRS %s kept; the input CRS %s applies only to layers without a CRS",
            _where(file, layer),
            stored.to_string(),
            default.crs.to_string(),
        )


def _where(file: str | None, layer: str | None) -> str:
    """Describe a layer's origin for log messages."""
    return " ".join(part for part in (file, f"layer '{layer}'" if layer else None) if part)


def _from_offset(
    gdf: gpd.GeoDataFrame, offset: Offset, *, file: str | None, layer: str | None, kind: str | None
) -> gpd.GeoDataFrame:
    """Convert a layer of GCJ-02 or BD-09 longitude/latitude to a new WGS84 layer."""
    if gdf.crs is not None and not gdf.crs.is_geographic:
        raise CRSError(
            f"--input-crs {offset} means longitude/latitude in degrees, but the layer is "
            f"stored in the projected CRS {gdf.crs.to_string()}. Convert it to "
            f"longitude/latitude first, or drop --input-crs {kind or layer or 'LAYER'}={offset}.",
            file=file,
            layer=layer,
        )
    func = gcj02_to_wgs84 if offset == "gcj02" else bd09_to_wgs84
    geoms = transform_geometries(gdf.geometry.values, func)
    out = gdf.copy()
    out[gdf.geometry.name] = gpd.GeoSeries(geoms, index=gdf.index, crs=_WGS84)
    return out.set_crs(_WGS84, allow_override=True)


def _check_lonlat_range(gdf: gpd.GeoDataFrame, *, file: str | None, layer: str | None) -> None:
    """Raise if any feature of a WGS84 layer has coordinates outside the valid range."""
    bounds = shapely.bounds(np.asarray(gdf.geometry.values, dtype=object))
    with np.errstate(invalid="ignore"):
        bad = (
            (bounds[:, 0] < -180.0)
            | (bounds[:, 2] > 180.0)
            | (bounds[:, 1] < -90.0)
            | (bounds[:, 3] > 90.0)
            | np.isinf(bounds).any(axis=1)
        )
    if bad.any():
        count = int(bad.sum())
        with np.errstate(invalid="ignore"):
            swapped = bool(
                np.all(
                    (bounds[bad, 0] >= CHINA_LAT_DEG[0])
                    & (bounds[bad, 2] <= CHINA_LAT_DEG[1])
                    & (bounds[bad, 1] >= CHINA_LON_DEG[0])
                    & (bounds[bad, 3] <= CHINA_LON_DEG[1])
                )
            )
        cause = (
            "their x values are latitudes and their y values longitudes of China, so longitude and "
            "latitude look swapped: write the file with x = longitude, y = latitude"
            if swapped
            else "so the declared or stored CRS is probably wrong (e.g. metres read as degrees). "
            "Check --input-crs and the file's .prj"
        )
        raise CRSError(
            f"{count} feature(s) have coordinates outside longitude -180..180 / latitude "
            f"-90..90 after conversion to WGS84; {cause}.",
            file=file,
            layer=layer,
            rows=gdf.index[bad][:5].tolist(),
            count=count,
        )


# --------------------------------------------------------------------------------------
# The metric CRS of a run
# --------------------------------------------------------------------------------------


def local_metric_crs(gdf_wgs84: gpd.GeoDataFrame, *, file: str | None = None, layer: str | None = None) -> pyproj.CRS:
    """Choose the UTM zone CRS (metres) for the area of a WGS84 layer.

    Uses :meth:`geopandas.GeoDataFrame.estimate_utm_crs` on the layer's bounds, so a city
    gets the zone of its centre. Never Web Mercator, whose scale error distorts distances.

    Parameters
    ----------
    gdf_wgs84
        A layer with a CRS, normally the output of :func:`to_wgs84`.
    file, layer
        Where the layer came from, for error messages.

    Returns
    -------
    pyproj.CRS
        A WGS84 / UTM zone CRS, e.g. EPSG:32648 for Chengdu.

    Raises
    ------
    CRSError
        If the layer has no CRS or no non-empty geometry.
    """
    if gdf_wgs84.crs is None:
        raise CRSError(
            "cannot choose a metric CRS for a layer without a CRS; convert it with to_wgs84 first.",
            file=file,
            layer=layer,
        )
    geoms = gdf_wgs84.geometry
    if len(gdf_wgs84) == 0 or bool((geoms.isna() | geoms.is_empty).all()):
        raise CRSError(
            "the layer is empty, so no local metric CRS can be chosen from it; check that the file holds features.",
            file=file,
            layer=layer,
        )
    utm: pyproj.CRS = gdf_wgs84.estimate_utm_crs()
    return utm


def require_metric(gdf: gpd.GeoDataFrame, name: str, error: type[InputError] = CRSError) -> None:
    """Check that a layer is in a projected CRS measured in metres.

    The engine measures distances in metres and never reprojects; this is its guard.

    Parameters
    ----------
    gdf
        The layer to check.
    name
        The layer's name, for the error message.
    error
        The error class to raise (the network raises :class:`~planner.errors.NetworkError`).

    Raises
    ------
    CRSError
        If the layer has no CRS, a geographic (degree) CRS, or axes not in metres.
    """
    crs = gdf.crs
    if crs is None:
        problem = "has no CRS"
    elif not crs.is_projected:
        problem = f"is in the non-projected CRS {crs.to_string()} (degrees)"
    elif any(axis.unit_name not in ("metre", "meter") for axis in crs.axis_info[:2]):
        problem = f"is in {crs.to_string()}, whose units are not metres"
    else:
        return
    raise error(
        f"the layer {problem}, but distances need a projected metric CRS (metres); "
        "convert it with to_wgs84 and reproject to local_metric_crs at ingestion.",
        layer=name,
    )

"""The Chinese web-map offsets GCJ-02 and BD-09, and their exact inverses.

GCJ-02 (AMap/高德, Tencent, Google China) and BD-09 (Baidu) are not CRSs pyproj knows: they
are non-linear shifts of WGS84 longitude/latitude of roughly 100-700 m. This module
implements them (vectorised over numpy arrays) from the published description of the
algorithms, with exact iterative inverses, and applies a conversion to every coordinate of a
geometry array. :mod:`planner.ingest.crs` re-exports the public functions; the declared
CRSs and the conversion of layers live there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely

__all__ = [
    "CoordFunc",
    "FloatArray",
    "Offset",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "transform_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

FloatArray = npt.NDArray[np.float64]
CoordFunc = Callable[[npt.ArrayLike, npt.ArrayLike], tuple[FloatArray, FloatArray]]
Offset = Literal["gcj02", "bd09"]

# GCJ-02 uses the Krasovsky 1940 ellipsoid: semi-major axis (m) and first eccentricity squared.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# The rectangle outside which GCJ-02 leaves coordinates unchanged (degrees).
_CHINA_LON_DEG = (72.004, 137.8347)
_CHINA_LAT_DEG = (0.8293, 55.8271)
# BD-09: angular factor and the constant shifts (degrees) added on top of GCJ-02.
_BD_X_PI = np.pi * 3000.0 / 180.0
_BD_LON_SHIFT_DEG = 0.0065
_BD_LAT_SHIFT_DEG = 0.006
# Iterative inverses stop when the forward residual is below this (degrees, ~0.1 mm).
_INVERSE_TOL_DEG = 1e-12
_INVERSE_MAX_ITER = 30


def _as_lonlat(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return lon and lat as broadcast float64 arrays (degrees)."""
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return lon_a, lat_a


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Whether each point lies in the rectangle where GCJ-02 applies (NaN is outside)."""
    return (
        (lon >= _CHINA_LON_DEG[0])
        & (lon <= _CHINA_LON_DEG[1])
        & (lat >= _CHINA_LAT_DEG[0])
        & (lat <= _CHINA_LAT_DEG[1])
    )


def _gcj02_delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 offset (degrees) to add to WGS84 lon/lat; zero outside China.

    The offset is a polynomial-plus-sine series in metres of the position relative to
    (105 E, 35 N), turned into degrees with the Krasovsky meridian and parallel radii.
    """
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * np.pi * x) + 20.0 * np.sin(2.0 * np.pi * x)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    d_lat += common
    d_lat += (20.0 * np.sin(np.pi * y) + 40.0 * np.sin(np.pi * y / 3.0)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(np.pi * y / 12.0) + 320.0 * np.sin(np.pi * y / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    d_lon += common
    d_lon += (20.0 * np.sin(np.pi * x) + 40.0 * np.sin(np.pi * x / 3.0)) * 2.0 / 3.0
    d_lon += (150.0 * np.sin(np.pi * x / 12.0) + 300.0 * np.sin(np.pi * x / 30.0)) * 2.0 / 3.0

    rad_lat = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    meridian_m = _KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE) / (magic * sqrt_magic)
    parallel_m = _KRASOVSKY_A_M / sqrt_magic * np.cos(rad_lat)
    d_lat = d_lat * 180.0 / (meridian_m * np.pi)
    d_lon = d_lon * 180.0 / (parallel_m * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, d_lon, 0.0), np.where(inside, d_lat, 0.0)


def _refine_inverse(
    forward: CoordFunc,
    lon: FloatArray,
    lat: FloatArray,
    lon0: FloatArray,
    lat0: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) == (lon, lat)`` by fixed-point iteration from ``(lon0, lat0)``.

    Both offsets are the identity plus a slowly varying shift, so each step
    ``x += target - forward(x)`` gains two to three digits; iteration stops when the largest
    residual is below ``_INVERSE_TOL_DEG`` (degrees).
    """
    x_lon, x_lat = lon0.copy(), lat0.copy()
    for _ in range(_INVERSE_MAX_ITER):
        f_lon, f_lat = forward(x_lon, x_lat)
        r_lon, r_lat = lon - f_lon, lat - f_lat
        x_lon, x_lat = x_lon + r_lon, x_lat + r_lat
        worst = np.nanmax(np.abs(np.concatenate([r_lon.ravel(), r_lat.ravel(), [0.0]])))
        if worst < _INVERSE_TOL_DEG:
            break
    return x_lon, x_lat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude to GCJ-02 (the AMap/Tencent offset).

    Parameters
    ----------
    lon, lat
        WGS84 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude in degrees. Points outside the China rectangle
        (lon 72.004-137.8347, lat 0.8293-55.8271) are returned unchanged.
    """
    lon_a, lat_a = _as_lonlat(lon, lat)
    d_lon, d_lat = _gcj02_delta(lon_a, lat_a)
    return lon_a + d_lon, lat_a + d_lat


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to WGS84, exactly inverting :func:`wgs84_to_gcj02`.

    The one-step approximation (subtracting the offset computed at the GCJ-02 point) is off
    by up to a few metres; it is only the starting point of a fixed-point refinement that
    stops when re-applying :func:`wgs84_to_gcj02` reproduces the input to 1e-12 degrees.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    tuple of ndarray
        WGS84 longitude and latitude in degrees. Outside China the input is returned.
    """
    lon_a, lat_a = _as_lonlat(lon, lat)
    d_lon, d_lat = _gcj02_delta(lon_a, lat_a)
    return _refine_inverse(wgs84_to_gcj02, lon_a, lat_a, lon_a - d_lon, lat_a - d_lat)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 longitude/latitude to BD-09 (Baidu).

    BD-09 perturbs the polar form of the GCJ-02 point (radius by 2e-5 * sin(lat * x_pi),
    angle by 3e-6 * cos(lon * x_pi), with x_pi = pi * 3000 / 180) and then shifts it by
    0.0065 degrees east and 0.006 degrees north. It is applied everywhere, as Baidu does.

    Parameters
    ----------
    lon, lat
        GCJ-02 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    tuple of ndarray
        BD-09 longitude and latitude in degrees.
    """
    x, y = _as_lonlat(lon, lat)
    z = np.hypot(x, y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + _BD_LON_SHIFT_DEG, z * np.sin(theta) + _BD_LAT_SHIFT_DEG


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude to GCJ-02, exactly inverting :func:`gcj02_to_bd09`.

    Starts from the usual closed-form approximation (undo the shifts, then subtract the
    perturbations evaluated at the shifted point) and refines it by fixed-point iteration.

    Parameters
    ----------
    lon, lat
        BD-09 longitude and latitude in degrees; broadcast against each other.

    Returns
    -------
    tuple of ndarray
        GCJ-02 longitude and latitude in degrees.
    """
    lon_a, lat_a = _as_lonlat(lon, lat)
    x, y = lon_a - _BD_LON_SHIFT_DEG, lat_a - _BD_LAT_SHIFT_DEG
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return _refine_inverse(gcj02_to_bd09, lon_a, lat_a, z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude (degrees) to BD-09 (degrees), via GCJ-02."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 longitude/latitude (degrees) to WGS84 (degrees), via GCJ-02."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def transform_geometries(geoms: npt.ArrayLike, func: CoordFunc) -> npt.NDArray[np.object_]:
    """Apply a lon/lat conversion to every coordinate of an array of geometries.

    Parameters
    ----------
    geoms
        Shapely geometries (array-like, e.g. ``GeoSeries.values``); missing values are
        allowed. Coordinates are longitude/latitude in degrees.
    func
        One of the conversions of this module, e.g. :func:`gcj02_to_wgs84`.

    Returns
    -------
    ndarray of object
        New geometries of the same types and shapes; ``None`` stays ``None`` and Z values
        are kept unchanged.
    """

    def apply(coords: FloatArray) -> FloatArray:
        out = coords.copy()
        out[:, 0], out[:, 1] = func(coords[:, 0], coords[:, 1])
        return out

    arr = np.asarray(geoms, dtype=object)
    return np.asarray(shapely.transform(arr, apply, include_z=None), dtype=object)

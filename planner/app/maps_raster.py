"""Layers too large to send as vector data, drawn on the server as one PNG image.

A whole city has about 255,000 street segments and 100,000 cells: as GeoJSON they are
45 MB and 22 MB of page, which the browser takes a minute to parse and draw. Above
:data:`MAX_VECTOR_SEGMENTS` segments or :data:`MAX_VECTOR_CELLS` cells the layer is drawn
here instead, in Web Mercator (the projection Leaflet stretches an image overlay in), and
sent as a PNG of a few hundred kilobytes; the colours are those of the vector layer. Small
studies (the sample) keep their vector layers, with their tooltips.
"""

from __future__ import annotations

import base64
import io
import json

import geopandas as gpd
import numpy as np
import pyproj
import shapely

#: above this many street segments the streets are drawn as an image
MAX_VECTOR_SEGMENTS = 60_000
#: above this many cells the cells are drawn as an image
MAX_VECTOR_CELLS = 20_000
#: the longer side of a drawn image, pixels
IMAGE_PX = 2048
_MERCATOR = "EPSG:3857"


def _canvas(bounds: np.ndarray, px: int) -> tuple[int, int, float]:
    """Width, height and metres per pixel of an image over Web Mercator ``bounds``."""
    width_m, height_m = bounds[2] - bounds[0], bounds[3] - bounds[1]
    scale = max(width_m, height_m, 1.0) / px
    return max(1, int(np.ceil(width_m / scale))), max(1, int(np.ceil(height_m / scale))), scale


def _pixels(xy: np.ndarray, bounds: np.ndarray, scale: float, height: int) -> np.ndarray:
    return np.column_stack([(xy[:, 0] - bounds[0]) / scale, height - (xy[:, 1] - bounds[1]) / scale])


def _content(image, bounds: np.ndarray, *, opacity: float, pixelated: bool) -> str:
    """The layer content the map runtime draws as a Leaflet image overlay."""
    buf = io.BytesIO()
    image.save(buf, format="PNG")  # optimize=True: 10x the time for 10 % fewer bytes
    to_lonlat = gpd.GeoSeries(shapely.points([bounds[:2], bounds[2:]]), crs=_MERCATOR).to_crs("EPSG:4326")
    (w, s), (e, n) = shapely.get_coordinates(to_lonlat.values)
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    spec = {"url": url, "bounds": [[s, w], [n, e]], "opacity": opacity, "pixelated": pixelated}
    return json.dumps({"image": spec}, separators=(",", ":"))


def streets_image(streets: gpd.GeoDataFrame, major: np.ndarray, *, px: int = IMAGE_PX) -> str:
    """The streets as an image overlay's content: minor streets light grey, major ones darker and wider.

    Each segment is sampled every pixel and the samples set (numpy, no drawing loop):
    255,000 segments take a fraction of a second.
    """
    from PIL import Image

    xy, line = shapely.get_coordinates(np.asarray(streets.geometry.values, dtype=object), return_index=True)
    to_mercator = pyproj.Transformer.from_crs(streets.crs, _MERCATOR, always_xy=True)
    xy = np.column_stack(to_mercator.transform(xy[:, 0], xy[:, 1]))
    bounds = np.r_[xy.min(axis=0), xy.max(axis=0)]
    width, height, scale = _canvas(bounds, px)
    pix = _pixels(xy, bounds, scale, height)
    same = line[1:] == line[:-1]  # consecutive vertices of one line: a segment
    a, b, seg_major = pix[:-1][same], pix[1:][same], np.asarray(major, dtype=bool)[line[:-1][same]]
    steps = np.maximum(1, np.ceil(np.hypot(*(b - a).T)).astype(np.int64))
    seg = np.repeat(np.arange(len(a)), steps + 1)
    frac = (np.arange(len(seg)) - np.repeat(np.cumsum(steps + 1) - (steps + 1), steps + 1)) / np.repeat(
        steps, steps + 1
    )
    points = a[seg] + (b[seg] - a[seg]) * frac[:, None]
    index = np.zeros((height, width), dtype=np.uint8)  # palette: 0 transparent, 1 minor, 2 major street
    for is_major, value, widen in ((False, 1, (0,)), (True, 2, (0, 1))):
        chosen = points[seg_major[seg] == is_major]
        for dx in widen:
            for dy in widen:
                col = np.clip(np.floor(chosen[:, 0]).astype(np.int64) + dx, 0, width - 1)
                row = np.clip(np.floor(chosen[:, 1]).astype(np.int64) + dy, 0, height - 1)
                index[row, col] = value
    image = Image.fromarray(index, mode="P")
    image.putpalette([0, 0, 0, 163, 163, 163, 122, 122, 122])
    image.info["transparency"] = 0
    return _content(image, bounds, opacity=0.85, pixelated=False)


def cells_image(cells: gpd.GeoDataFrame, fills: list[str], *, px: int = IMAGE_PX // 2) -> str:
    """The cells filled with their colours (``"#rrggbb"``), as an image overlay's content."""
    from PIL import Image, ImageDraw

    geoms = np.asarray(cells.to_crs(_MERCATOR).geometry.values, dtype=object)
    bounds = np.array(shapely.total_bounds(geoms))
    width, height, scale = _canvas(bounds, px)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    rings = shapely.get_exterior_ring(shapely.get_parts(geoms))
    parts = shapely.get_num_geometries(geoms)
    colours = np.repeat(np.asarray(fills, dtype=object), parts)
    xy, index = shapely.get_coordinates(rings, return_index=True)
    pix = _pixels(xy, bounds, scale, height)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    ends = np.r_[starts[1:], len(index)]
    for a, b, ring in zip(starts, ends, index[starts], strict=True):
        colour = colours[ring]
        draw.polygon(pix[a:b].ravel().tolist(), fill=colour, outline=colour)
    return _content(image, bounds, opacity=0.62, pixelated=True)

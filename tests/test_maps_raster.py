"""City-size map layers: streets and cells drawn as images, facility markers grouped by zoom."""

from __future__ import annotations

import base64
import io
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from planner.app import maps, maps_raster
from planner.app.maps_js import markers_content
from planner.app.maps_style import cell_colour

UTM48N = "EPSG:32648"
X0, Y0 = 395_000.0, 3_385_000.0


def _image(content: str):
    from PIL import Image

    spec = json.loads(content)["image"]
    data = base64.b64decode(spec["url"].split(",", 1)[1])
    return spec, Image.open(io.BytesIO(data))


def test_cells_image_has_each_cells_colour_where_the_cell_is():
    boxes = shapely.box([X0, X0 + 1000], [Y0, Y0], [X0 + 1000, X0 + 2000], [Y0 + 1000, Y0 + 1000])
    cells = gpd.GeoDataFrame(geometry=boxes, crs=UTM48N)
    fills = [cell_colour(100.0, 300.0), cell_colour(float("nan"), 300.0)]
    spec, image = _image(maps_raster.cells_image(cells, fills, px=200))
    (south, west), (north, east) = spec["bounds"]
    lonlat = cells.to_crs("EPSG:4326").total_bounds
    assert west == pytest.approx(lonlat[0], abs=1e-6) and east == pytest.approx(lonlat[2], abs=1e-6)
    assert south == pytest.approx(lonlat[1], abs=1e-6) and north == pytest.approx(lonlat[3], abs=1e-6)
    rgba = image.convert("RGBA")
    w, h = rgba.size
    for (x, _), fill in zip(((w // 4, h // 2), (3 * w // 4, h // 2)), fills, strict=True):
        pixel = rgba.getpixel((x, h // 2))
        assert "#{:02x}{:02x}{:02x}".format(*pixel[:3]) == fill.lower() and pixel[3] == 255


def test_streets_image_draws_the_streets_and_leaves_the_rest_clear():
    lines = shapely.linestrings([[(X0, Y0), (X0 + 2000, Y0 + 2000)], [(X0, Y0 + 2000), (X0 + 2000, Y0)]])
    streets = gpd.GeoDataFrame({"highway": ["primary", "residential"]}, geometry=lines, crs=UTM48N)
    _, image = _image(maps_raster.streets_image(streets, np.array([True, False]), px=100))
    pixels = np.asarray(image)
    assert image.mode == "P" and image.info["transparency"] == 0
    assert (pixels == 2).sum() > 100 and (pixels == 1).sum() > 50  # the major street wider than the minor
    assert pixels[0, pixels.shape[1] // 2] == 0  # top middle: no street


def test_a_city_sized_streets_layer_is_sent_as_an_image(monkeypatch):
    lines = shapely.linestrings([[(X0 + i, Y0), (X0 + i, Y0 + 100)] for i in range(0, 500, 10)])
    streets = gpd.GeoDataFrame(geometry=lines, crs=UTM48N)
    assert "geojson" in json.loads(maps._streets_content(streets))
    monkeypatch.setattr(maps_raster, "MAX_VECTOR_SEGMENTS", 10)
    assert "image" in json.loads(maps._streets_content(streets))


def test_many_markers_are_grouped_by_zoom():
    markers = [
        {"lat": 30.0, "lng": 104.0 + i * 1e-5, "html": "", "size": 10, "tip": "", "popup": None} for i in range(3)
    ]
    assert "cluster" not in json.loads(markers_content(markers))
    assert json.loads(markers_content(markers, cluster=maps.CLUSTER_MARKERS))["cluster"] == maps.CLUSTER_MARKERS

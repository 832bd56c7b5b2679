"""Colours, class breaks and symbols of planner's maps (one place, so legend and map agree).

Communities: green when every assessed rule is met, through yellow to red as more fail.
Cells: blues within the radius (covered), oranges to red beyond it (not covered), grey when
no facility is reachable. Facility types: a qualitative palette with a one-character glyph.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from planner.rules import FacilityType

#: (lowest, highest or None, colour) bins of the number of failed rules
COMMUNITY_BINS: tuple[tuple[int, int | None, str], ...] = (
    (0, 0, "#1a9850"),
    (1, 1, "#a6d96a"),
    (2, 2, "#fee08b"),
    (3, 4, "#fdae61"),
    (5, 7, "#f46d43"),
    (8, None, "#d73027"),
)
PASS_COLOURS = {True: "#1a9850", False: "#d73027", None: "#bdbdbd"}

#: (lowest, highest or None, colour) bins of distance as a multiple of the type's radius
CELL_BINS: tuple[tuple[float, float | None, str], ...] = (
    (0.0, 0.5, "#2c7bb6"),
    (0.5, 1.0, "#abd9e9"),
    (1.0, 1.5, "#fdae61"),
    (1.5, 2.0, "#f46d43"),
    (2.0, None, "#b2182b"),
)
NA_COLOUR = "#6e6e6e"

#: colours of the national facility types; other types get the fallback palette in order
TYPE_COLOURS = {
    "community_service": "#1f5fa8",
    "elderly_day_care": "#7b3294",
    "health_station": "#0f8b6e",
    "kindergarten": "#d9368b",
    "cultural_station": "#e07b00",
    "primary_school": "#5b5fc7",
    "junior_school": "#4d7a1f",
}
FALLBACK = ("#8c564b", "#17becf", "#bcbd22", "#7f7f7f", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd")

#: one-character symbols of the national types: (English, Chinese)
GLYPHS = {
    "community_service": ("S", "服"),
    "elderly_day_care": ("E", "老"),
    "health_station": ("H", "卫"),
    "kindergarten": ("K", "幼"),
    "cultural_station": ("C", "文"),
    "primary_school": ("P", "小"),
    "junior_school": ("J", "中"),
}

#: basemaps: key -> (tile URL, attribution)
BASEMAPS = {
    "osm": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    ),
    "light": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors '
        '&copy; <a href="https://carto.com/attributions">CARTO</a>',
    ),
}
BASEMAP_KEYS = ("none", "light", "osm")


def community_colour(n_failed: int) -> str:
    """Fill colour of a community with ``n_failed`` failed rules."""
    for lo, hi, colour in COMMUNITY_BINS:
        if n_failed >= lo and (hi is None or n_failed <= hi):
            return colour
    return COMMUNITY_BINS[-1][2]


def cell_colour(distance_m: float, radius_m: float) -> str:
    """Fill colour of a cell at ``distance_m`` from the nearest facility (NaN: unreachable).

    Covered (``distance_m <= radius_m``, inclusive as everywhere in planner) is always a blue.
    """
    if distance_m is None or not math.isfinite(distance_m):
        return NA_COLOUR
    ratio = distance_m / radius_m if radius_m > 0 else math.inf
    for _lo, hi, colour in CELL_BINS:
        if hi is None or ratio <= hi:
            return colour
    return CELL_BINS[-1][2]


def type_colours(types: Iterable[str]) -> dict[str, str]:
    """A colour for every facility type key."""
    out, spare = {}, iter(FALLBACK * 4)
    for key in types:
        out[key] = TYPE_COLOURS.get(key) or next(spare)
    return out


def glyph(key: str, ftype: FacilityType, lang: str) -> str:
    """The one-character symbol of a type (the first character of its name for unknown types)."""
    if key in GLYPHS:
        return GLYPHS[key][1 if lang == "zh" else 0]
    name = ftype.name(lang).strip()
    return name[:1].upper() if name else "?"


def marker_size(floor_area_m2: float, minimum_m2: float | None) -> int:
    """Icon diameter in pixels: icon area grows with floor area (16-34 px; 22 px at the minimum)."""
    if floor_area_m2 is None or not math.isfinite(floor_area_m2) or floor_area_m2 <= 0:
        return 16
    reference = minimum_m2 if minimum_m2 else 1000.0
    return int(max(16, min(34, round(22 * math.sqrt(floor_area_m2 / reference)))))

"""Colours, class breaks, symbols, legend and styles of planner's maps (one place, so legend and map agree).

Communities: green when every assessed rule is met, through yellow to red as more fail.
Cells: blues within the radius (covered), oranges to red beyond it (not covered), grey when
no facility is reachable. Facility types: a qualitative palette with a one-character glyph.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable

from planner.i18n import in_sentence, t
from planner.rules.model import FacilityType, Rulebook

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


#: the map's own styles (legend, facility icons, notices), added to the page's header
CSS = """<style>
.planner-cluster { background: rgba(38,50,56,.82); color: #fff; border: 2px solid #fff; border-radius: 50%;
  text-align: center; font-size: 11px; font-weight: 600; box-shadow: 0 1px 3px rgba(0,0,0,.4); }
.planner-pixelated { image-rendering: pixelated; }
.leaflet-container { background: #f2f1ec; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
  "Helvetica Neue", Arial, sans-serif; }
.planner-legend { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 6px; font-size: 11px;
  line-height: 1.3; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-height: 62vh; overflow-y: auto; max-width: 235px; }
.leaflet-control-layers { font-size: 12px; line-height: 1.3; }
.leaflet-control-layers-expanded { padding: 4px 8px 4px 6px; }
.leaflet-control-layers label { margin: 0; }
.planner-legend h4 { margin: 5px 0 2px; font-size: 11.5px; font-weight: 600; }
.planner-legend summary { cursor: pointer; font-size: 12px; }
.planner-legend .row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.planner-legend .sw { width: 14px; height: 11px; border: 1px solid #666; flex: none; }
.planner-legend .dot { width: 16px; height: 16px; border-radius: 50%; color: #fff; font-size: 10px; flex: none;
  display: flex; align-items: center; justify-content: center; border: 1.5px solid #fff; box-shadow: 0 0 0 1px #555; }
.planner-fac { border-radius: 50%; color: #fff; display: flex; align-items: center; justify-content: center;
  font-weight: 700; border: 2px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.55); }
.planner-fac.short { border-color: #c1121f; box-shadow: 0 0 0 2px #c1121f; }
.planner-fac.changed { outline: 2px dashed #111; outline-offset: 2px; }
.planner-fac.removed { background: #9e9e9e !important; opacity: .7; }
.planner-fac.selected { box-shadow: 0 0 0 3px #111; }
.planner-pin { font-size: 26px; line-height: 26px; color: #111; text-align: center; font-weight: 700;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.planner-notice { background: #fff3cd; border: 1px solid #e0b84c; padding: 4px 8px; border-radius: 4px;
  font-size: 12px; display: none; }
</style>"""


def _cell_legend(ftype, *, lang: str, mode: str) -> list[str]:
    """The legend rows of the cells' distance classes."""
    radius = ftype.radius_m.value
    key = "legend_cells" if mode == "walk" else "legend_cells_straight"
    parts = [f"<h4>{html.escape(t(key, lang, type=in_sentence(ftype.name(lang), lang)))}</h4>"]
    for low, high, colour in CELL_BINS:
        a, b = low * radius, (high * radius if high is not None else None)
        what = t("legend_covered" if high is not None and high <= 1 else "legend_uncovered", lang)
        rng = f"≤ {b:,.0f} m" if low == 0 else (f"{a:,.0f}–{b:,.0f} m" if b is not None else f"> {a:,.0f} m")
        parts.append(_swatch(colour, f"{rng} · {what}"))
    parts.append(_swatch(NA_COLOUR, t("legend_unreachable", lang)))
    return parts


def legend_html(
    book: Rulebook,
    focus: str,
    *,
    lang: str,
    mode: str,
    community_rule: str | None = None,
    with_areas: bool = False,
    with_changes: bool = False,
    with_cells: bool = True,
) -> str:
    """The legend's HTML: communities, cells of the ``focus`` type, service areas, facility types.

    ``mode`` is the analysis's distance mode (``"walk"`` or ``"euclidean"``); the swatches
    come from the same tables as the map's colours. The distance classes of the cells are
    listed only ``with_cells`` (the cells are drawn), and the service areas ``with_areas``.
    """
    colours = type_colours(book.types)
    ftype = book.types[focus]
    radius = ftype.radius_m.value
    parts = []
    if community_rule:
        rule = book.rules[community_rule].name(lang)
        parts.append(f"<h4>{html.escape(t('legend_rule', lang, rule=rule))}</h4>")
        for state, key in ((True, "legend_pass"), (False, "legend_fail"), (None, "legend_na")):
            parts.append(_swatch(PASS_COLOURS[state], t(key, lang)))
    else:
        parts.append(f"<h4>{t('legend_communities', lang)}</h4>")
        for lo, hi, colour in COMMUNITY_BINS:
            if lo == 0:
                label = t("legend_failed_none", lang)
            elif hi is None:
                label = t("legend_failed_more", lang, n=lo)
            else:
                label = t("legend_failed_n", lang, n=lo if lo == hi else f"{lo}–{hi}")
            parts.append(_swatch(colour, label))
    if with_cells:
        parts += _cell_legend(ftype, lang=lang, mode=mode)
    if with_areas:
        how = t("walk_word" if mode == "walk" else "straight_word", lang)
        c = colours[focus]
        parts.append(
            f"<div class='row'><span class='sw' style='background:{c}22;border:1.5px dashed {c}'></span>"
            f"{html.escape(t('legend_service_area', lang, radius=radius, how=how))}</div>"
        )
    parts.append(f"<h4>{t('legend_facilities', lang)}</h4>")
    for k, ft in book.types.items():
        parts.append(
            f"<div class='row'><span class='dot' style='background:{colours[k]}'>{glyph(k, ft, lang)}</span>"
            f"{html.escape(ft.name(lang))} ({ft.radius_m.value:g} m)</div>"
        )
    parts.append(f"<div style='color:#c1121f'>{t('legend_below_min', lang)}</div>")
    if with_changes:
        parts.append(f"<div>{t('legend_new', lang)}</div><div>{t('legend_removed', lang)}</div>")
    return "".join(parts)


def _swatch(colour: str, label: str) -> str:
    return f"<div class='row'><span class='sw' style='background:{colour}'></span>{html.escape(label)}</div>"


#: the downloaded map's heading: key -> (English, Chinese)
EXPORT_TEXT = {
    "compliance": ("Standards not met, by community", "各社区未达标项数"),
    "rule": ("{rule}: pass or fail, by community", "各社区{rule}达标情况"),
    "walk": (
        "{type}: walking distance to the nearest (radius {radius} m)",
        "{type}:到最近设施的步行距离(服务半径{radius}米)",
    ),
    "euclidean": (
        "{type}: straight-line distance to the nearest (radius {radius} m)",
        "{type}:到最近设施的直线距离(服务半径{radius}米)",
    ),
    "date": ("Analysis date", "分析日期"),
}


def _export_text(key: str, lang: str, **values: object) -> str:
    en, zh = EXPORT_TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def export_heading(result, options) -> dict[str, str]:
    """Title and date for a downloaded map, for :func:`planner.app.assets.standalone_html`.

    ``result`` is an :class:`~planner.analysis.Analysis` and ``options`` the
    :class:`~planner.app.maps.MapOptions` the map was drawn with. The title names the district and
    the figure shown (the view, the rule or the focus type); the date is the analysis date of
    the result's summary, never the time of the download.

    Returns
    -------
    dict
        ``title``, ``date`` and ``lang``, to pass on as keyword arguments.
    """
    book, lang = result.study.rulebook, options.lang
    if options.view == "coverage":
        focus = options.focus_type or next(iter(book.types))
        ftype = book.types[focus]
        mode = "walk" if result.summary.get("distance_mode") == "walk" else "euclidean"
        figure = _export_text(mode, lang, type=ftype.name(lang), radius=f"{ftype.radius_m.value:g}")
    elif options.community_rule:
        figure = _export_text("rule", lang, rule=book.rules[options.community_rule].name(lang))
    else:
        figure = _export_text("compliance", lang)
    return {"title": f"{result.study.name} · {figure}", "date": str(result.summary["generated"])[:10], "lang": lang}


def export_heading_html(title: str, date: str, lang: str) -> str:
    """The heading box drawn over a downloaded map: the title and the analysis date."""
    return (
        "<div class='planner-export-heading' style='position:fixed;top:8px;left:50%;transform:translateX(-50%);"
        "z-index:1000;background:rgba(255,255,255,.94);padding:5px 12px;border-radius:6px;"
        'box-shadow:0 1px 4px rgba(0,0,0,.3);font:13px/1.35 "Noto Sans CJK SC","Microsoft YaHei",Arial,sans-serif;'
        "text-align:center'>"
        f"<div style='font-weight:600;font-size:14px'>{html.escape(title)}</div>"
        + (
            f"<div>{html.escape(_export_text('date', lang))}{'：' if lang == 'zh' else ': '}{html.escape(date)}</div>"
            if date
            else ""
        )
        + "</div>"
    )

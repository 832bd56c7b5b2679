"""The report's maps, drawn with matplotlib in the study's metric CRS.

Every map has a legend, a scale bar, a north arrow (pointing to true north, which differs
from grid north by the meridian convergence of the projection) and the data attribution.
Maps are returned as SVG: text and lines stay sharp, and the analysis cells are rasterised
inside the SVG so that large districts stay small and fast to lay out.

No pyplot: figures are plain :class:`matplotlib.figure.Figure` objects and fonts are passed to
each text, so drawing never touches process-wide matplotlib settings.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from planner import naming
from planner.analysis import Analysis
from planner.app.maps_style import COMMUNITY_BINS, community_colour
from planner.report.cartography import (
    LEGEND_MARGIN_IN,
    MIN_FIG_IN,
    decorate,
    legend_columns,
    legend_height,
    legend_strip,
    place_labels,
    wrap_label,
)
from planner.report.fonts import cjk_font
from planner.report.layers import MapLayers
from planner.report.model import MapSpec, Report
from planner.report.text import fmt_number, tr
from planner.rules.kinds import kind_of

WIDTH_IN = 7.0  # the widest map: A4 portrait minus margins (inches)
COLORBAR_IN = 0.4  # coverage maps add a colour-bar row under the legend
#: the tallest figure of each kind (inches), so that maps print at their natural size:
#: the compliance map and the panels of the standards share a page, coverage maps go two a page
MAX_HEIGHT_IN = {"compliance": 4.2, "rules": 4.9, "coverage": 4.45, "plan": 4.6}
DPI = 200  # raster parts (cells) inside the SVG

GREEN, AMBER, ORANGE, RED, GREY = "#1a9850", "#fee08b", "#fc8d59", "#d73027", "#bdbdbd"  # GREY: not assessed
COVERED = "#d9efd3"
BOUNDARY = "#404040"
FACILITY = "#08306b"
PROPOSED = "#ff7f00"
STREET = "#c9c9c9"


def render_map(
    spec: MapSpec,
    result: Analysis,
    report: Report,
    *,
    siting: pd.DataFrame | None = None,
    layers: MapLayers | None = None,
) -> bytes:
    """The map ``spec`` of ``result`` as SVG bytes, labelled in the report's language.

    ``layers`` are the cells and streets converted once for all maps of a report (made here
    when not given).
    """
    fig = draw_map(spec, result, report, siting=siting, layers=layers)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=DPI, metadata={"Date": None})
    return buf.getvalue()


def draw_map(
    spec: MapSpec,
    result: Analysis,
    report: Report,
    *,
    siting: pd.DataFrame | None = None,
    layers: MapLayers | None = None,
) -> Figure:
    """The map ``spec`` of ``result`` as a matplotlib figure."""
    layers = layers or MapLayers(result)
    if spec.kind == "compliance":
        return _compliance(spec, result, report, layers)
    if spec.kind == "rules":
        return _rules(result, report, layers)
    return _coverage(spec, result, report, siting, layers)


# -- layout ---------------------------------------------------------------------------------


def map_fonts() -> dict[str, FontProperties]:
    """The maps' fonts (the CJK font at the report's sizes), by role."""
    family = cjk_font().mpl_family
    fonts = {size: FontProperties(family=[family], size=pt) for size, pt in (("s", 6.0), ("m", 7.5), ("l", 9.0))}
    fonts["label"] = FontProperties(family=[family], size=7.5, weight="bold")
    fonts["name"] = FontProperties(family=[family], size=6.6, weight="bold")
    fonts["t"] = FontProperties(family=[family], size=8.0)
    return fonts


def _bounds(result: Analysis) -> tuple[float, float, float, float]:
    """The map extent: the communities, with room below for the scale bar and above for the arrow."""
    x0, y0, x1, y1 = result.communities.total_bounds
    w, h = x1 - x0, y1 - y0
    side = 0.03 * max(w, h)
    return x0 - side, y0 - 0.13 * max(h, 0.5 * w), x1 + side, y1 + 0.11 * max(h, 0.5 * w)


def map_figure(
    result: Analysis, kind: str, labels: list[str], prop: FontProperties, extra: float = 0.0
) -> tuple[Figure, Axes, int]:
    """A figure with one map axes as large as fits ``MAX_HEIGHT_IN[kind]``, over a legend strip.

    The legend starts at the map's left edge; its number of columns is the most whose
    measured width fits between there and the figure's right edge (fewer columns make the
    strip taller and the map smaller, so the two are settled together). ``extra`` is room
    (inches) under the legend, e.g. for a colour bar. Returns the figure, the map axes and
    the number of legend columns.
    """
    x0, y0, x1, y1 = _bounds(result)
    aspect = (y1 - y0) / (x1 - x0)
    ncol = len(labels)
    for _ in range(len(labels)):
        legend = legend_height(len(labels), ncol) + extra
        map_w = min(WIDTH_IN, (MAX_HEIGHT_IN[kind] - legend) / aspect)
        fig_w = max(map_w, MIN_FIG_IN)
        fits = legend_columns(labels, prop=prop, width_in=fig_w - (fig_w - map_w) / 2 - LEGEND_MARGIN_IN)
        if fits >= ncol:
            break
        ncol = fits
    map_h = map_w * aspect
    fig_h = map_h + legend
    fig = Figure(figsize=(fig_w, fig_h))
    ax = fig.add_axes(((fig_w - map_w) / 2 / fig_w, legend / fig_h, map_w / fig_w, map_h / fig_h))
    _frame(ax, result)
    return fig, ax, ncol


def _frame(ax, result: Analysis) -> None:
    x0, y0, x1, y1 = _bounds(result)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box", anchor="C")
    ax.set_axis_off()


def draw_streets(ax, result: Analysis, layers: MapLayers | None = None) -> None:
    """The street network in light grey, rasterised (from ``layers`` when given)."""
    (layers or MapLayers(result)).draw_streets(ax, STREET, 0.35, zorder=1, rasterized=True)


def draw_outline(ax, result: Analysis, width: float = 0.7) -> None:
    """The community boundaries."""
    result.communities.boundary.plot(ax=ax, color=BOUNDARY, linewidth=width, zorder=4)


def failure_classes(n_failed: np.ndarray | None = None) -> list[tuple[int, int | None, str]]:
    """Classes of 'standards not met' for the compliance map: (low, high or None, colour).

    The app's classes (:data:`planner.app.maps_style.COMMUNITY_BINS`: 0, 1, 2, 3–4, 5–7, 8 or
    more), the same for every district and scenario, so that a colour means the same number on
    screen and on paper, before and after a what-if edit. ``n_failed`` is accepted for
    compatibility and does not change the classes.
    """
    return [(lo, hi, colour) for lo, hi, colour in COMMUNITY_BINS]


def class_label(lo: int, hi: int | None, lang: str) -> str:
    """The legend label of a class of 'standards not met'."""
    if lo == 0 and hi == 0:
        return tr("lg_all_met", lang)
    if hi is None:
        return tr("lg_failed_plus", lang, lo=lo)
    return tr("lg_failed_one", lang, lo=lo) if lo == hi else tr("lg_failed", lang, lo=lo, hi=hi)


def _compliance(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers) -> Figure:
    fonts, lang = map_fonts(), report.lang
    comm = result.communities
    classes = failure_classes()
    handles = [Patch(facecolor=colour, edgecolor=BOUNDARY, linewidth=0.5) for _, _, colour in classes]
    labels = [class_label(lo, hi, lang) for lo, hi, _ in classes]
    if (comm["n_assessed"] == 0).any():
        handles.append(Patch(facecolor=GREY, edgecolor=BOUNDARY, linewidth=0.5))
        labels.append(tr("lg_not_assessed", lang))
    fig, ax, ncol = map_figure(result, "compliance", labels, fonts["m"])
    colours = [community_colour(int(v)) for v in comm["n_failed"].to_numpy()]
    colours = [GREY if n == 0 else c for c, n in zip(colours, comm["n_assessed"].to_numpy(), strict=True)]
    draw_streets(ax, result, layers)
    comm.plot(ax=ax, color=colours, alpha=0.85, zorder=2)
    draw_outline(ax, result)
    place_labels(ax, result, spec, {**fonts, "label": fonts["name"]}, with_name=True)
    decorate(ax, result, fonts, lang)
    legend_strip(fig, handles, labels, fonts, report.attribution, ncol=ncol)
    return fig


def _rules(result: Analysis, report: Report, layers: MapLayers) -> Figure:
    """Small multiples: one panel per community standard (coverage standards have their own maps)."""
    fonts, lang = map_fonts(), report.lang
    rules = [r for r in result.study.rulebook.rules.values() if not kind_of(r).per_type]
    ncol = 2 if len(rules) > 1 else 1
    nrow = math.ceil(len(rules) / ncol)
    x0, y0, x1, y1 = _bounds(result)
    aspect = (y1 - y0) / (x1 - x0)
    title, gap, legend = 0.36, 0.25, 0.42
    panel_w = min((WIDTH_IN - gap) / ncol, ((MAX_HEIGHT_IN["rules"] - legend) / nrow - title) / aspect)
    panel_h = panel_w * aspect
    fig_w = max(ncol * panel_w + (ncol - 1) * gap, MIN_FIG_IN)
    fig_h = nrow * (panel_h + title) + legend
    fig = Figure(figsize=(fig_w, fig_h))
    left0 = (fig_w - ncol * panel_w - (ncol - 1) * gap) / 2
    comm = result.communities
    for i, rule in enumerate(rules):
        row, col = divmod(i, ncol)
        bottom = legend + (nrow - 1 - row) * (panel_h + title)
        ax = fig.add_axes(((left0 + col * (panel_w + gap)) / fig_w, bottom / fig_h, panel_w / fig_w, panel_h / fig_h))
        _frame(ax, result)
        passed = comm[naming.rule_pass(rule.id)]
        colours = np.where(passed.isna(), GREY, np.where(passed.fillna(False).astype(bool), GREEN, RED))
        draw_streets(ax, result, layers)
        comm.plot(ax=ax, color=list(colours), alpha=0.85, zorder=2)
        draw_outline(ax, result, width=0.5)
        decorate(ax, result, fonts, lang, small=True)
        ax.text(
            0.5,
            1.01,
            wrap_label(rule.name(lang), panel_w, 8.0),
            transform=ax.transAxes,
            ha="center",
            va="bottom",
            fontproperties=fonts["t"],
            linespacing=1.1,
        )
    handles = [Patch(facecolor=c, edgecolor=BOUNDARY, linewidth=0.5) for c in (GREEN, RED, GREY)]
    labels = [tr("lg_pass", lang), tr("lg_fail", lang), tr("lg_not_assessed", lang)]
    fig.legend(
        handles, labels, loc="lower left", bbox_to_anchor=(left0 / fig_w, 0.02), ncol=3, frameon=False, prop=fonts["m"]
    )
    right = 1 - left0 / fig_w
    fig.text(right, 0.01, report.attribution, ha="right", va="bottom", fontproperties=fonts["s"], color="#555555")
    return fig


def _coverage(
    spec: MapSpec, result: Analysis, report: Report, siting: pd.DataFrame | None, layers: MapLayers | None
) -> Figure:
    fonts, lang = map_fonts(), report.lang
    key = spec.type_key or ""
    book = result.study.rulebook
    radius = fmt_number(book.types[key].radius_m.value, "num")
    fac = result.facilities.loc[result.facilities["type"] == key]
    sites = _sites(siting, key, result)
    handles: list = [
        Patch(facecolor=COVERED, edgecolor="none"),
        Line2D([], [], marker="o", ls="", markersize=5, markerfacecolor=FACILITY, markeredgecolor="white"),
        Line2D([], [], color=BOUNDARY, lw=0.8),
    ]
    labels = [
        tr("lg_covered", lang, radius=radius),
        tr("lg_facility", lang, type=book.types[key].name(lang)),
        tr("lg_community", lang),
    ]
    if len(sites):
        handles.append(Line2D([], [], marker="*", ls="", markersize=8, markerfacecolor=PROPOSED, markeredgecolor="k"))
        labels.append(tr("lg_proposed", lang))
    fig, ax, ncol = map_figure(result, "coverage", labels, fonts["m"], extra=COLORBAR_IN)
    cells = result.cells
    covered = cells[naming.covered(key)].to_numpy(dtype=bool)
    norm = Normalize(vmin=0, vmax=max(float(cells["population"].max()), 1.0))
    cmap = _reds()
    layers = layers or MapLayers(result)
    draw_streets(ax, result, layers)
    layers.draw_cells(ax, covered, COVERED, linewidth=0, zorder=2, rasterized=True)
    colours = cmap(norm(cells.loc[~covered, "population"].to_numpy()))
    layers.draw_cells(ax, ~covered, colours, linewidth=0, zorder=2, rasterized=True)
    draw_outline(ax, result)
    ax.scatter(fac.geometry.x, fac.geometry.y, s=22, c=FACILITY, edgecolors="white", linewidths=0.7, zorder=9)
    if len(sites):
        ax.scatter(
            sites.geometry.x, sites.geometry.y, s=70, marker="*", c=PROPOSED, edgecolors="black", lw=0.5, zorder=10
        )
    avoid = np.column_stack([fac.geometry.x, fac.geometry.y]) if len(fac) else None
    place_labels(ax, result, spec, fonts, with_name=False, avoid=avoid)
    decorate(ax, result, fonts, lang)
    legend_strip(fig, handles, labels, fonts, report.attribution, ncol=ncol)
    colorbar(fig, cmap, norm, tr("lg_uncovered", lang, radius=radius), fonts)
    return fig


def _reds():
    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap

    reds = colormaps["Reds"]
    return LinearSegmentedColormap.from_list("uncovered", [reds(0.18), reds(0.55), reds(0.95)])


def colorbar(fig: Figure, cmap, norm: Normalize, label: str, fonts: dict) -> None:
    """A horizontal colour bar with its label under the legend."""
    from matplotlib.cm import ScalarMappable

    h, w = fig.get_figheight(), fig.get_figwidth()
    x0 = fig.axes[0].get_position().x0
    cax = fig.add_axes((x0 + 0.012, 0.3 / h, 1.9 / w, 0.08 / h))
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax, orientation="horizontal")
    bar.outline.set_linewidth(0.4)
    bar.ax.tick_params(labelsize=6, length=2, width=0.4, pad=1)
    for t in bar.ax.get_xticklabels():
        t.set_fontproperties(fonts["s"])
    fig.text(x0 + 2.0 / w, 0.34 / h, label, ha="left", va="center", fontproperties=fonts["m"])


def _sites(siting: pd.DataFrame | None, key: str, result: Analysis) -> gpd.GeoDataFrame:
    if siting is None or not isinstance(siting, gpd.GeoDataFrame) or siting.geometry is None:
        return gpd.GeoDataFrame(geometry=[], crs=result.study.crs)
    sites = siting.loc[siting["type"].astype(str) == key]
    if sites.crs is not None and sites.crs != result.study.crs:
        sites = sites.to_crs(result.study.crs)
    return sites.loc[sites.geometry.notna() & ~sites.geometry.is_empty]

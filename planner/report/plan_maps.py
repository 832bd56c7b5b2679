"""The planning sections' maps: proposed sites, workstations with their grids, access per cell.

Drawn like the district maps (:mod:`planner.report.figures`: same extent, fonts, legend strip,
scale bar, north arrow and attribution) from the layers the planning commands wrote, which a
:class:`~planner.report.model.MapSpec` carries in ``data``.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from planner.analysis import Analysis
from planner.report.cartography import HALO, decorate, legend_strip
from planner.report.figures import (
    BOUNDARY,
    COLORBAR_IN,
    DPI,
    FACILITY,
    GREY,
    PROPOSED,
    colorbar,
    draw_outline,
    draw_streets,
    map_figure,
    map_fonts,
)
from planner.report.layers import MapLayers
from planner.report.model import MapSpec, Report
from planner.report.plans import GridPlan, WorkstationPlan
from planner.report.text import tr

#: the map kinds drawn here
PLAN_KINDS = ("siting", "regions", "access")


def render_plan_map(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers | None = None) -> bytes:
    """The planning map ``spec`` as SVG bytes (streets from ``layers`` when given)."""
    fig = draw_plan_map(spec, result, report, layers)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", dpi=DPI, metadata={"Date": None})
    return buf.getvalue()


def draw_plan_map(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers | None = None) -> Figure:
    """The planning map ``spec`` as a matplotlib figure."""
    layers = layers or MapLayers(result)
    if spec.kind == "siting":
        return _siting(spec, result, report, layers)
    if spec.kind == "regions":
        return _regions(spec, result, report, layers)
    return _access(spec, result, report, layers)


def _in_crs(frame: gpd.GeoDataFrame, result: Analysis) -> gpd.GeoDataFrame:
    crs = result.study.crs
    return frame.to_crs(crs) if frame.crs is not None and crs is not None and frame.crs != crs else frame


def _siting(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers) -> Figure:
    fonts, lang = map_fonts(), report.lang
    key = spec.type_key or ""
    book = result.study.rulebook
    type_name = book.types[key].name(lang) if key in book.types else key
    sites = _in_crs(spec.data, result)  # type: ignore[arg-type]
    fac = result.facilities.loc[result.facilities["type"] == key]
    handles = [
        Line2D([], [], marker="o", ls="", markersize=5, markerfacecolor=FACILITY, markeredgecolor="white"),
        Line2D([], [], marker="*", ls="", markersize=8, markerfacecolor=PROPOSED, markeredgecolor="k"),
        Line2D([], [], color=BOUNDARY, lw=0.8),
    ]
    labels = [tr("lg_facility", lang, type=type_name), tr("lg_proposed", lang), tr("lg_community", lang)]
    fig, ax, ncol = map_figure(result, "plan", labels, fonts["m"])
    draw_streets(ax, result, layers)
    result.communities.plot(ax=ax, color="#f4f4f4", zorder=2)
    draw_outline(ax, result)
    ax.scatter(fac.geometry.x, fac.geometry.y, s=22, c=FACILITY, edgecolors="white", linewidths=0.7, zorder=9)
    if len(sites):
        pts = sites.geometry.representative_point()
        ax.scatter(pts.x, pts.y, s=90, marker="*", c=PROPOSED, edgecolors="black", lw=0.5, zorder=10)
        for x, y, rank in zip(pts.x, pts.y, sites["rank"], strict=True):
            ax.annotate(
                str(int(rank)),
                (x, y),
                xytext=(5, 4),
                textcoords="offset points",
                fontproperties=fonts["label"],
                path_effects=HALO,
                zorder=11,
            )
    decorate(ax, result, fonts, lang)
    legend_strip(fig, handles, labels, fonts, report.attribution, ncol=ncol)
    return fig


def _regions(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers) -> Figure:
    from matplotlib import colormaps

    fonts, lang = map_fonts(), report.lang
    ws: WorkstationPlan | None
    grids: GridPlan | None
    ws, grids = spec.data  # type: ignore[misc]
    handles: list = [
        Patch(facecolor="#8dd3c7", edgecolor=BOUNDARY, linewidth=1.2),
        Line2D([], [], color="#555555", lw=0.4),
    ]
    labels = [tr("lg_station", lang), tr("lg_grid", lang)]
    if ws is not None and ws.sites is not None:
        handles.append(
            Line2D([], [], marker="s", ls="", markersize=5, markerfacecolor=FACILITY, markeredgecolor="white")
        )
        labels.append(tr("lg_station_site", lang))
    fig, ax, ncol = map_figure(result, "plan", labels, fonts["m"])
    draw_streets(ax, result, layers)
    if ws is not None and len(ws.stations):
        stations = _in_crs(ws.stations, result)
        palette = colormaps["Set3"]
        colours = [palette(i % palette.N) for i in range(len(stations))]
        stations.plot(ax=ax, color=colours, alpha=0.8, zorder=2)
    else:
        result.communities.plot(ax=ax, color="#f4f4f4", zorder=2)
    if grids is not None and len(grids.grids):
        _in_crs(grids.grids, result).boundary.plot(ax=ax, color="#555555", linewidth=0.3, zorder=3)
    draw_outline(ax, result, width=0.5)
    if ws is not None and len(ws.stations):
        stations.boundary.plot(ax=ax, color=BOUNDARY, linewidth=1.4, zorder=5)
        centres = stations.geometry.representative_point()
        for x, y, sid in zip(centres.x, centres.y, stations["station_id"], strict=True):
            ax.text(
                x, y, str(sid), ha="center", va="center", fontproperties=fonts["label"], path_effects=HALO, zorder=11
            )
        if ws.sites is not None and len(ws.sites):
            pts = _in_crs(ws.sites, result).geometry.representative_point()
            ax.scatter(pts.x, pts.y, s=26, marker="s", c=FACILITY, edgecolors="white", linewidths=0.7, zorder=9)
    decorate(ax, result, fonts, lang)
    legend_strip(fig, handles, labels, fonts, report.attribution, ncol=ncol)
    return fig


def _access(spec: MapSpec, result: Analysis, report: Report, layers: MapLayers) -> Figure:
    from matplotlib import colormaps

    fonts, lang = map_fonts(), report.lang
    cells = _in_crs(spec.data, result)  # type: ignore[arg-type]
    handles = [Patch(facecolor=GREY, edgecolor="none"), Line2D([], [], color=BOUNDARY, lw=0.8)]
    labels = [tr("lg_access_none", lang), tr("lg_community", lang)]
    fig, ax, ncol = map_figure(result, "plan", labels, fonts["m"], extra=COLORBAR_IN)
    values = cells["access"].to_numpy(dtype=float)
    some = np.isfinite(values) & (values > 0)
    cmap = colormaps["YlGn"]
    norm = Normalize(vmin=0, vmax=float(values[some].max()) if some.any() else 1.0)
    draw_streets(ax, result, layers)
    if (~some).any():
        cells.loc[~some].plot(ax=ax, color=GREY, linewidth=0, zorder=2, rasterized=True)
    if some.any():
        cells.loc[some].plot(ax=ax, color=cmap(norm(values[some])), linewidth=0, zorder=2, rasterized=True)
    draw_outline(ax, result)
    decorate(ax, result, fonts, lang)
    legend_strip(fig, handles, labels, fonts, report.attribution, ncol=ncol)
    colorbar(fig, cmap, norm, tr("lg_access", lang), fonts)
    return fig

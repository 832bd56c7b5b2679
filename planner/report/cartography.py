"""Map furniture for the report's maps: labels placed clear of facilities, scale bar, north
arrow (true north, from the projection's meridian convergence), and legends that fit the width.
"""

from __future__ import annotations

import logging
import math
import re

import geopandas as gpd
import numpy as np
import pyproj
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Polygon, Rectangle

from planner.analysis import Analysis
from planner.report.model import MapSpec
from planner.report.text import tr

log = logging.getLogger(__name__)

MIN_FIG_IN = 5.6  # figures are at least this wide, for the legend
LEGEND_IN = 0.45  # one legend row under a map (inches)
LEGEND_MARGIN_IN = 0.08  # room kept free right of the legend (inches)
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def label_points(polygons: gpd.GeoSeries, avoid: np.ndarray | None = None) -> list[tuple[float, float]]:
    """A label position inside each polygon, away from the points in ``avoid`` (x, y rows).

    Candidates on a 7 × 7 grid inside each polygon (shrunk a little) are scored by their distance
    to the nearest point to avoid (capped at a quarter of the polygon's size) minus a third of
    their distance to the polygon's representative point; the best one wins.
    """
    import shapely

    out = []
    for geom in polygons:
        rep = geom.representative_point()
        if avoid is None or len(avoid) == 0:
            out.append((rep.x, rep.y))
            continue
        x0, y0, x1, y1 = geom.bounds
        size = math.sqrt(max(geom.area, 1.0))
        inner = geom.buffer(-0.12 * size)
        gx, gy = np.meshgrid(np.linspace(x0, x1, 7), np.linspace(y0, y1, 7))
        cand = np.column_stack([gx.ravel(), gy.ravel()])
        inside = shapely.contains_xy(inner, cand[:, 0], cand[:, 1]) if not inner.is_empty else np.zeros(len(cand), bool)
        cand = np.vstack([cand[inside], [[rep.x, rep.y]]])
        d_avoid = np.min(np.hypot(cand[:, :1] - avoid[:, 0], cand[:, 1:] - avoid[:, 1]), axis=1)
        score = np.minimum(d_avoid, 0.25 * size) - np.hypot(cand[:, 0] - rep.x, cand[:, 1] - rep.y) / 3
        best = int(np.argmax(score))
        out.append((float(cand[best, 0]), float(cand[best, 1])))
    return out


LABEL_GID = "community-label"  # the gid of every community label drawn (tests find them by it)
HALO_PX = 3.0  # the white halo around a label and a little air, added to its box when checking for collisions


def label_candidates(geom, first: tuple[float, float], n: int = 9) -> list[tuple[float, float]]:
    """Positions to try for a polygon's label: ``first``, then points of an ``n`` × ``n`` grid
    inside the polygon, nearest to ``first`` first."""
    import shapely

    x0, y0, x1, y1 = geom.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n + 2)[1:-1], np.linspace(y0, y1, n + 2)[1:-1])
    cand = np.column_stack([gx.ravel(), gy.ravel()])
    cand = cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]
    order = np.argsort(np.hypot(cand[:, 0] - first[0], cand[:, 1] - first[1]), kind="stable")
    return [first, *((float(x), float(y)) for x, y in cand[order])]


def place_labels(
    ax,
    result: Analysis,
    spec: MapSpec,
    fonts: dict[str, FontProperties],
    with_name: bool,
    avoid: np.ndarray | None = None,
) -> list:
    """Label each community with its name and/or figure, no two labels overlapping.

    Greedy placement measured with the renderer: communities are labelled smallest first
    (they have the fewest places to go); each label tries its position from
    :func:`label_points` (clear of ``avoid``), then other points inside its polygon, and takes
    the first whose drawn box (with the halo) meets no label placed before and stays inside
    the map. When none fits, the label is tried again in a smaller font, then as its figure
    alone (without the name); a label that fits nowhere is left out and logged (its figure
    is in the tables). Returns the drawn texts.
    """
    from matplotlib.transforms import Bbox

    comm = result.communities
    points = label_points(comm.geometry, avoid)
    renderer = _renderer(ax.figure)
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    small = fonts["label"].copy()
    small.set_size(fonts["label"].get_size_in_points() * 0.82)
    placed: list[Bbox] = []
    drawn = []
    for i in np.argsort(comm.geometry.area.to_numpy(), kind="stable"):
        cid, name, geom = comm["community_id"].iloc[i], comm["name"].iloc[i], comm.geometry.iloc[i]
        num = spec.labels.get(cid)
        figure = num.text if num is not None else ""
        full = (f"{name}\n{figure}" if figure else str(name)) if with_name else figure
        tries = [(full, fonts["label"]), (full, small)]
        if with_name and figure:
            tries.append((figure, fonts["label"]))
        text = ax.text(
            0, 0, "", ha="center", va="center", color="#1a1a1a", path_effects=HALO, zorder=11, linespacing=1.15
        )
        text.set_gid(LABEL_GID)
        spot = _first_free(text, tries, label_candidates(geom, points[i]), renderer, frame, placed)
        if spot is None:
            log.info("label of community %s left out: no room on the map without overlapping another", cid)
            text.remove()
            continue
        placed.append(spot)
        drawn.append(text)
    return drawn


def _first_free(text, tries, candidates, renderer, frame, placed):
    """Set ``text`` to the first (content, font, position) whose box is free; return the box or None."""
    for content, font in tries:
        text.set_text(content)
        text.set_fontproperties(font)
        for x, y in candidates:
            text.set_position((x, y))
            box = text.get_window_extent(renderer).padded(HALO_PX)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                return box
    return None


def _renderer(fig: Figure):
    """The figure's renderer for measuring text (an Agg canvas is attached when it has none)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas, made just above


def scale_length(width_m: float) -> float:
    """A round scale-bar length of about a fifth of the map width, in metres."""
    steps = [v * 10**e for e in range(1, 6) for v in (1, 2, 2.5, 5)]
    fits = [v for v in steps if v <= width_m / 5]
    return fits[-1] if fits else steps[0]


def _scale_bar(ax, fonts: dict[str, FontProperties], lang: str, small: bool = False) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, hgt = x1 - x0, y1 - y0
    length = scale_length(w * (1.6 if small else 1.0))
    bx, by = x0 + 0.035 * w, y0 + 0.035 * hgt
    h = 0.012 * hgt * (1.8 if small else 1.0)
    font = fonts["s"]
    ax.add_patch(
        Rectangle(
            (bx - 0.02 * w, by - 0.02 * hgt),
            length + (0.07 if small else 0.06) * w,
            h + (0.11 if small else 0.07) * hgt,
            facecolor="white",
            edgecolor="#999999",
            linewidth=0.4,
            alpha=0.92,
            zorder=7,
        )
    )
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 4, by),
                length / 4,
                h,
                facecolor="black" if i % 2 == 0 else "white",
                edgecolor="black",
                linewidth=0.5,
                zorder=8,
            )
        )
    km = length >= 1000
    unit = ("km" if km else "m") if lang == "en" else ("公里" if km else "米")
    for frac in (0, 1) if small else (0, 0.5, 1):
        v = length * frac / (1000 if km else 1)
        label = f"{v:g}" + (f" {unit}" if frac == 1 else "")
        ax.text(bx + frac * length, by + h * 1.4, label, ha="center", va="bottom", fontproperties=font, zorder=8)


def true_north_angle(result: Analysis) -> float:
    """Angle of true north from grid north at the district's centre, degrees counter-clockwise."""
    x0, y0, x1, y1 = result.communities.total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    to_ll = pyproj.Transformer.from_crs(result.study.crs, 4326, always_xy=True)
    to_xy = pyproj.Transformer.from_crs(4326, result.study.crs, always_xy=True)
    lon, lat = to_ll.transform(cx, cy)
    nx, ny = to_xy.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(nx - cx), ny - cy))


def _north_arrow(ax, fonts: dict[str, FontProperties], lang: str, angle: float, small: bool = False) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    size = 0.06 * (y1 - y0) * (1.4 if small else 1.0)
    cx, cy = x1 - 0.05 * (x1 - x0), y1 - 0.06 * (y1 - y0) - size / 2
    a = math.radians(angle)

    def rot(dx: float, dy: float) -> tuple[float, float]:
        return cx + dx * math.cos(a) - dy * math.sin(a), cy + dx * math.sin(a) + dy * math.cos(a)

    tip, left, right, base = rot(0, size / 2), rot(-size / 3, -size / 2), rot(size / 3, -size / 2), rot(0, -size / 4)
    ax.add_patch(Polygon([tip, left, base], closed=True, facecolor="black", edgecolor="black", lw=0.6, zorder=8))
    ax.add_patch(Polygon([tip, base, right], closed=True, facecolor="white", edgecolor="black", lw=0.6, zorder=8))
    lx, ly = rot(0, size / 2 + size * 0.12)
    ax.text(lx, ly, tr("north", lang), ha="center", va="bottom", fontproperties=fonts["m"], zorder=8, path_effects=HALO)


def text_width(text: str, pt: float) -> float:
    """Rough printed width of ``text`` in inches at ``pt`` points (CJK glyphs are one em wide)."""
    return sum(pt / 72 if ord(ch) > 0x2E80 else 0.55 * pt / 72 for ch in text)


def wrap_label(text: str, width_in: float, pt: float) -> str:
    """``text`` broken into lines no wider than ``width_in`` (at spaces, or anywhere in Chinese)."""
    lines, line = [], ""
    tokens = re.findall(r"\S+\s*", text) if " " in text else list(text)
    for tok in tokens:
        if line and text_width(line + tok.rstrip(), pt) > width_in:
            lines.append(line.rstrip())
            line = ""
        line += tok
    lines.append(line.rstrip())
    return "\n".join(lines)


def text_extent_pt(text: str, prop: FontProperties) -> tuple[float, float]:
    """Width and height of ``text`` (one or more lines) in points, as matplotlib lays it out."""
    from matplotlib.backends.backend_agg import RendererAgg

    renderer = RendererAgg(10, 10, 72)  # 72 dpi: pixels are points
    sizes = [renderer.get_text_width_height_descent(line or " ", prop, ismath=False) for line in text.split("\n")]
    return max(w for w, _, _ in sizes), sum(h for _, h, _ in sizes)


#: legend spacing (in font sizes), shared by :func:`legend_columns` and :func:`legend_strip`
LEGEND_STYLE = {"handlelength": 1.4, "handletextpad": 0.5, "columnspacing": 1.1, "borderaxespad": 0.2}


def legend_columns(labels: list[str], width_in: float = MIN_FIG_IN, prop: FontProperties | None = None) -> int:
    """The most legend columns whose rows fit ``width_in``, from the labels' measured widths.

    Widths follow matplotlib's legend layout: per column the handle, the pad and the widest
    label, columns separated by the column spacing, the whole inside the border pad and offset
    by the axes pad (all multiples of the font size). Without ``prop`` the labels are
    estimated at 7.5 pt.
    """
    pt = prop.get_size_in_points() if prop is not None else 7.5

    def label_pt(label: str) -> float:
        return text_extent_pt(label, prop)[0] if prop is not None else text_width(label, pt) * 72

    widths = [label_pt(lbl) for lbl in labels]
    item = (LEGEND_STYLE["handlelength"] + LEGEND_STYLE["handletextpad"]) * pt
    frame = (2 * 0.4 + 2 * LEGEND_STYLE["borderaxespad"]) * pt  # borderpad 0.4 on both sides
    for ncol in range(len(labels), 1, -1):
        rows = math.ceil(len(labels) / ncol)
        cols = [max(widths[r * ncol + c] for r in range(rows) if r * ncol + c < len(labels)) for c in range(ncol)]
        total = sum(item + w for w in cols) + (ncol - 1) * LEGEND_STYLE["columnspacing"] * pt + frame
        if total / 72 <= width_in:
            return ncol
    return 1


def legend_height(n_items: int, ncol: int) -> float:
    """Height of the legend rows (inches)."""
    return LEGEND_IN + 0.2 * (math.ceil(n_items / ncol) - 1)


def _row_major(items: list, ncol: int) -> list:
    """Reorder so that matplotlib's column-by-column legend reads row by row."""
    rows = math.ceil(len(items) / ncol)
    return [items[r * ncol + c] for c in range(ncol) for r in range(rows) if r * ncol + c < len(items)]


def legend_strip(fig: Figure, handles: list, labels: list[str], fonts: dict, attribution: str, ncol: int) -> None:
    """Draw the legend and the attribution in a strip under the map."""
    box = fig.axes[0].get_position()
    fig.legend(
        _row_major(handles, ncol),
        _row_major(labels, ncol),
        loc="upper left",
        bbox_to_anchor=(box.x0, box.y0),
        ncol=ncol,
        frameon=False,
        prop=fonts["m"],
        **LEGEND_STYLE,
    )
    fig.text(
        box.x1,
        0.03 / fig.get_figheight(),
        attribution,
        ha="right",
        va="bottom",
        fontproperties=fonts["s"],
        color="#555555",
    )


def decorate(ax, result: Analysis, fonts: dict, lang: str, small: bool = False) -> None:
    """Add the scale bar, north arrow and frame of a report map."""
    _scale_bar(ax, fonts, lang, small)
    _north_arrow(ax, fonts, lang, true_north_angle(result), small)


# -- maps -----------------------------------------------------------------------------------

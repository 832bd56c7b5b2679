"""The map layers of one report, converted to matplotlib paths once and drawn on every map.

A report draws the analysis cells on each coverage map and the streets on every map and panel.
Through geopandas' ``plot`` each call converts every geometry again, one patch object per
polygon; :class:`MapLayers` converts the cells and the streets once per report and draws them as
one collection per call, with the same vertices, colours and drawing order (so the maps look
the same), which is most of the time a report spends drawing.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.path import Path

from planner.analysis import Analysis


def polygon_paths(geoms: gpd.GeoSeries) -> tuple[list[Path], np.ndarray]:
    """One compound path per (multi)polygon, and the row of each.

    The same vertices and codes as geopandas' polygon patches (geometries normalised, each
    part's exterior then its holes, every ring closed); empty and missing geometries are left out.
    """
    values = shapely.normalize(np.asarray(geoms.values, dtype=object))  # as geopandas draws them
    rows = np.flatnonzero(~(shapely.is_empty(values) | shapely.is_missing(values)))
    paths = []
    for geom in values[rows]:
        rings = [
            np.asarray(ring.coords)[:, :2]
            for part in shapely.get_parts(geom)
            for ring in (part.exterior, *part.interiors)
        ]
        codes = np.full(sum(len(r) for r in rings), Path.LINETO, dtype=Path.code_type)
        end = 0
        for ring in rings:
            codes[end] = Path.MOVETO
            end += len(ring)
            codes[end - 1] = Path.CLOSEPOLY
        paths.append(Path(np.concatenate(rings), codes))
    return paths, rows


def line_segments(geoms: gpd.GeoSeries) -> list[np.ndarray]:
    """The coordinates of each line part, as geopandas' line collections take them."""
    values = shapely.normalize(np.asarray(geoms.values, dtype=object))  # as geopandas draws them
    keep = ~(shapely.is_empty(values) | shapely.is_missing(values))
    return [np.asarray(part.coords)[:, :2] for part in shapely.get_parts(values[keep])]


class MapLayers:
    """The cells and streets of an analysis as paths, converted on first use and then reused."""

    def __init__(self, result: Analysis) -> None:
        self.result = result
        self._cells: tuple[list[Path], np.ndarray] | None = None
        self._streets: list[np.ndarray] | None = None

    def cells(self) -> tuple[list[Path], np.ndarray]:
        """The cells' paths and the cell row of each."""
        if self._cells is None:
            self._cells = polygon_paths(self.result.cells.geometry)
        return self._cells

    def streets(self) -> list[np.ndarray]:
        """The streets' line coordinates (empty without streets)."""
        if self._streets is None:
            streets = self.result.study.streets
            self._streets = line_segments(streets.geometry) if streets is not None and len(streets) else []
        return self._streets

    def draw_cells(self, ax, mask: np.ndarray, colours: np.ndarray | str, **kw: object) -> None:
        """The cells where ``mask`` holds, each in its colour (one per masked cell, or one for all)."""
        paths, rows = self.cells()
        chosen = mask[rows]
        if not chosen.any():
            return
        if isinstance(colours, str):
            colour: object = colours
        else:
            position = np.cumsum(mask) - 1  # the masked cell's position among the masked cells
            colour = np.asarray(colours)[position[rows[chosen]]]
        picked = [p for p, keep in zip(paths, chosen, strict=True) if keep]
        collection = PathCollection(picked, facecolor=colour, edgecolor="none", **kw)  # type: ignore[arg-type]
        ax.add_collection(collection, autolim=True)
        ax.autoscale_view()

    def draw_streets(self, ax, colour: str, linewidth: float, **kw: object) -> None:
        """The street network as one line collection."""
        segments = self.streets()
        if segments:
            ax.add_collection(LineCollection(segments, color=colour, linewidth=linewidth, **kw), autolim=True)  # type: ignore[arg-type]
            ax.autoscale_view()

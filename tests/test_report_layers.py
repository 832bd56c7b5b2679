"""The report's map layers, converted once per report, draw exactly what geopandas' plot draws."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import planner
from planner.report.layers import MapLayers


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze(planner.load_study(None))


def _axes(result: planner.Analysis):
    fig = Figure(figsize=(4, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    x0, y0, x1, y1 = result.communities.total_bounds
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, ax


def _pixels(fig: Figure) -> np.ndarray:
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return np.asarray(Image.open(buf).convert("RGB"))


def test_cells_and_streets_draw_as_with_geopandas(sample: planner.Analysis) -> None:
    cells = sample.cells
    covered = cells["covered_kindergarten"].to_numpy(dtype=bool)
    colours = np.linspace(0, 1, int((~covered).sum()))[:, None] * np.array([[1.0, 0.0, 0.0, 0.0]]) + [0, 0, 0, 1]
    old, ax = _axes(sample)
    sample.study.streets.plot(ax=ax, color="#c9c9c9", linewidth=0.35, zorder=1)
    cells.loc[covered].plot(ax=ax, color="#d9efd3", linewidth=0, zorder=2)
    cells.loc[~covered].plot(ax=ax, color=colours, linewidth=0, zorder=2)
    gpd_paths = [p for c in ax.collections[1:] for p in c.get_paths()]
    new, ax2 = _axes(sample)
    layers = MapLayers(sample)
    layers.draw_streets(ax2, "#c9c9c9", 0.35, zorder=1)
    layers.draw_cells(ax2, covered, "#d9efd3", linewidth=0, zorder=2)
    layers.draw_cells(ax2, ~covered, colours, linewidth=0, zorder=2)
    our_paths = [p for c in ax2.collections[1:] for p in c.get_paths()]
    assert len(our_paths) == len(gpd_paths) == len(cells)
    for a, b in zip(gpd_paths, our_paths, strict=True):
        assert np.array_equal(a.vertices, b.vertices) and np.array_equal(a.codes, b.codes)
    for a, b in zip(ax.collections[0].get_segments(), ax2.collections[0].get_segments(), strict=True):
        assert np.array_equal(a, b)
    np.testing.assert_array_equal(ax.collections[2].get_facecolors(), ax2.collections[2].get_facecolors())
    assert np.array_equal(_pixels(old), _pixels(new))


def test_layers_are_converted_once(sample: planner.Analysis) -> None:
    layers = MapLayers(sample)
    assert layers.cells() is layers.cells() and layers.streets() is layers.streets()

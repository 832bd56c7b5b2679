"""Buildings: rows of slabs or towers inside a compound, and a school's teaching blocks.

All footprints are aligned with the street grid and stay inside the compound's buildable
land, so that no building touches a street line or another building.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import box


def school_blocks(poly) -> list:
    """A school's teaching blocks along the north of its ground (its sports ground is south)."""
    x0, _, x1, y1 = poly.buffer(-12).bounds
    tb = [box(x0, y1 - 18, min(x1, x0 + 75), y1), box(x0, y1 - 60, x0 + 18, y1 - 24)]
    return [t for t in tb if poly.buffer(-10).contains(t)]


def _storeys(kind: str, rng) -> tuple[int, str]:
    """Storeys and use of one building of a compound of this kind."""
    if kind == "old":
        return int(rng.choice([6, 6, 6, 6, 7, 5])), "住宅"
    if kind == "mid":
        return int(rng.choice([11, 11, 11, 12, 15, 18])), "住宅"
    if kind == "new":
        return int(rng.choice([18, 18, 24, 26, 28, 32, 33])), "住宅"
    if kind == "commercial":
        return int(rng.choice([3, 4, 5, 6, 18, 24])), "商业"
    return int(rng.choice([4, 5, 6, 8, 10])), "公建"


def _dimensions(style: str, rng) -> tuple[float, float, float, float]:
    """Length, depth, row pitch and gap of a style's buildings.

    Every style's numbers are drawn, then one is kept: the stream advances the same way
    whatever the style.
    """
    return {
        "old": (rng.uniform(44, 60), rng.uniform(11, 13), rng.uniform(35, 40), rng.uniform(9, 15)),
        "mid": (rng.uniform(50, 64), rng.uniform(14, 16), rng.uniform(52, 60), rng.uniform(15, 22)),
        "new": (rng.uniform(24, 28), rng.uniform(22, 26), rng.uniform(68, 78), rng.uniform(30, 42)),
        "new_slab": (rng.uniform(42, 54), rng.uniform(16, 19), rng.uniform(74, 84), rng.uniform(22, 30)),
        "commercial": (rng.uniform(40, 90), rng.uniform(30, 50), rng.uniform(70, 90), rng.uniform(25, 40)),
        "public": (rng.uniform(50, 80), rng.uniform(18, 28), rng.uniform(60, 80), rng.uniform(30, 45)),
    }[style]


def _row(area, x0: float, x1: float, y: float, size: tuple[float, float, float], kind: str, rng) -> list:
    """One row of footprints at y, packed greedily from the west."""
    length, depth, gap = size
    xs = np.arange(x0, x1 - length + 1e-9, 2.0)
    if not len(xs):
        return []
    ok = shapely.contains(area, shapely.box(xs, y, xs + length, y + depth))
    out = []
    last = -np.inf
    for x, good in zip(xs, ok, strict=False):
        if good and x >= last + gap:
            lj = length * rng.uniform(0.92, 1.0)
            b = box(x, y, x + lj, y + depth * rng.uniform(0.96, 1.0))
            last = x + lj
            st, use = _storeys(kind, rng)
            out.append((shapely.set_precision(b, 0.01), st, use))
    return out


def place_buildings(area, kind: str, rng) -> list:
    """Rows of slabs or towers aligned with the grid; returns [(polygon, storeys, use)].

    Each row is packed greedily from the west: a footprint is kept when it lies inside the
    buildable area and keeps the spacing to the previous one.
    """
    if area.is_empty or area.area < 600:
        return []
    shapely.prepare(area)
    x0, y0, x1, y1 = area.bounds
    style = kind
    if kind == "new" and rng.random() < 0.4:
        style = "new_slab"
    length, depth, pitch, gap = _dimensions(style, rng)
    out = []
    y = y0 + rng.uniform(0, 4)
    while y + depth <= y1:
        out += _row(area, x0, x1, y, (length, depth, gap), kind, rng)
        y += pitch * rng.uniform(0.97, 1.03)
    return out

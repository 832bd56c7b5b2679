"""The public roads: arterials and branch roads as lines noded by construction.

:class:`Net` keeps lines as lists of coordinate tuples; wherever two lines connect they share
one exact vertex (:meth:`Net.join`), so the GeoPackage needs no noding and planner's network
builder, which connects lines only at shared vertices, sees every junction and gate.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point

from .config import BRANCHES, H_ROADS, V_ROADS, XS, YS, H, W

Coord = tuple[float, float]


class Net:
    """Lines as lists of coordinate tuples; connections are inserted as exact shared vertices."""

    def __init__(self) -> None:
        self.coords: list[list[Coord]] = []
        self.highway: list[str] = []
        self.name: list[str] = []

    def add(self, coords, highway: str, name: str = "") -> int:
        """Append a line (repeated vertices dropped); return its index."""
        pts = [(float(x), float(y)) for x, y in coords]
        pts = [p for k, p in enumerate(pts) if k == 0 or p != pts[k - 1]]
        self.coords.append(pts)
        self.highway.append(highway)
        self.name.append(name)
        return len(self.coords) - 1

    def geom(self, i: int) -> LineString:
        """Line i as a shapely LineString."""
        return LineString(self.coords[i])

    def insert(self, i: int, pt, tol: float = 0.05) -> Coord:
        """Insert pt as a vertex of line i (or reuse a vertex within 1 mm); return the vertex."""
        pts = self.coords[i]
        p = (float(pt[0]), float(pt[1]))
        a = np.asarray(pts)
        near = np.hypot(a[:, 0] - p[0], a[:, 1] - p[1])
        k = int(np.argmin(near))
        if near[k] < 1e-3:
            return pts[k]
        d = a[1:] - a[:-1]
        w = np.asarray(p) - a[:-1]
        t = np.clip((w * d).sum(1) / (d * d).sum(1), 0.0, 1.0)
        proj = a[:-1] + t[:, None] * d
        dist = np.hypot(proj[:, 0] - p[0], proj[:, 1] - p[1])
        s = int(np.argmin(dist))
        if dist[s] > tol:
            raise ValueError(f"point {p} is {dist[s]:.3f} m off line {i}")
        pts.insert(s + 1, p)
        return p

    def join(self, i: int, j: int, pt) -> Coord:
        """Make pt a shared vertex of lines i and j."""
        v = self.insert(i, pt)
        w = self.insert(j, v)
        if w != v:  # j already had a vertex within 1 mm: use it in i too
            self.coords[i] = [w if q == v else q for q in self.coords[i]]
        return w

    def node_pair(self, i: int, j: int) -> list[Coord]:
        """Make every crossing of lines i and j a shared vertex of both."""
        inter = self.geom(i).intersection(self.geom(j))
        pts = [] if inter.is_empty else [(g.x, g.y) for g in getattr(inter, "geoms", [inter]) if g.geom_type == "Point"]
        return [self.join(i, j, p) for p in pts]


def _fv(i: int, y):
    """x of north-south arterial i at y."""
    x = XS[i] + 0.0 * np.asarray(y, dtype=float)
    if i == 2:  # 建业路 jogs east by 45 m between 东篱路 and 蓉兴路
        x = x + np.interp(y, [2480, 2760], [0, 45])
    if i == 6:  # 青荷路 follows an old watercourse: a gentle curve
        x = x + 32 * np.sin(np.pi * np.clip(y, 0, H) / H)
    return x


def _fh(j: int, x):
    """y of east-west arterial j at x."""
    y = YS[j] + 0.0 * np.asarray(x, dtype=float)
    if j == 6:  # 蓉兴路 runs slightly askew
        y = y + 0.018 * (np.asarray(x) - W / 2)
    if j == 2:  # 华林路 bends south near its east end
        y = y + np.interp(x, [3250, 3650], [0, -35])
    return y


def _raw_lines() -> list[tuple[list, str, str, str]]:
    """The roads before trimming, running past the district edge: (coords, highway, name, kind)."""
    raw: list[tuple[list, str, str, str]] = []
    for i, (name, hw) in enumerate(V_ROADS):
        ys = np.array([-40.0, H + 40])
        if i == 2:
            ys = np.array([-40.0, 2480, 2760, H + 40])
        if i == 6:
            ys = np.linspace(-40.0, H + 40, 21)
        raw.append((list(zip(_fv(i, ys), ys, strict=False)), hw, name, "arterial"))
    for j, (name, hw) in enumerate(H_ROADS):
        xs = np.array([-40.0, W + 40])
        if j == 2:
            xs = np.array([-40.0, 3250, 3650, W + 40])
        raw.append((list(zip(xs, _fh(j, xs), strict=False)), hw, name, "arterial"))
    for o, cell, frac, a, b, name, hw in BRANCHES:
        if o == "v":
            x = XS[cell] + frac * (XS[cell + 1] - XS[cell])
            y0, y1 = float(_fh(a, x)) - 25, float(_fh(b, x)) + 25
            raw.append(([(x, y0), (x, y1)], hw, name, "branch"))
        else:
            y = YS[cell] + frac * (YS[cell + 1] - YS[cell])
            x0, x1 = float(_fv(a, y)) - 25, float(_fv(b, y)) + 25
            raw.append(([(x0, y), (x1, y)], hw, name, "branch"))
    return raw


def _crossings(geoms: list[LineString]) -> list[tuple[int, int, tuple[float, float]]]:
    """Every crossing of two roads: (i, j, (x, y)) with i < j."""
    crossings = []
    n = len(geoms)
    for i in range(n):
        for j in range(i + 1, n):
            inter = geoms[i].intersection(geoms[j])
            if inter.is_empty:
                continue
            for g in getattr(inter, "geoms", [inter]):
                crossings.append((i, j, (g.x, g.y)))
    return crossings


def build_streets() -> tuple[Net, dict, list[str]]:
    """Arterials and branch roads, trimmed at their outermost crossings and noded at every crossing.

    Returns the lines, the junctions (vertex -> indices of the lines meeting there) and each
    line's kind ("arterial" or "branch").
    """
    raw = _raw_lines()
    geoms = [LineString(c) for c, *_ in raw]
    crossings = _crossings(geoms)
    net = Net()
    for i, (coords, hw, name, _) in enumerate(raw):
        g = geoms[i]
        mine = [p for a, b, p in crossings if i in (a, b)]
        ts = [g.project(Point(p)) for p in mine]
        start, end = mine[int(np.argmin(ts))], mine[int(np.argmax(ts))]
        s0, s1 = min(ts), max(ts)
        cum = np.concatenate([[0], np.cumsum(np.hypot(*np.diff(np.asarray(coords), axis=0).T))])
        inner = [c for c, t in zip(coords, cum, strict=False) if s0 + 1e-6 < t < s1 - 1e-6]
        net.add([start, *inner, end], hw, name)
    junctions: dict = {}
    for i, j, p in crossings:
        v = net.join(i, j, p)
        junctions.setdefault(v, set()).update({i, j})
    kinds = [k for *_, k in raw]
    return net, junctions, kinds

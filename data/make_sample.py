#!/usr/bin/env python
"""Generate the bundled sample district ``data/sample/district.gpkg``.

锦城示范区 (Jincheng Sample District) is SYNTHETIC: a fictional district laid out like an
urban Chengdu neighbourhood (arterial grid, branch roads, gated residential compounds).
No OpenStreetMap or other third-party data is used; every coordinate and attribute comes
from this script and a fixed random seed, so the output is the same on every run.

    python data/make_sample.py                      # write data/sample/district.gpkg
    python data/make_sample.py --check              # write, then run the quality checks
    python data/make_sample.py --check --preview /tmp/sample_preview.png

Layers (EPSG:4490, CGCS2000 geographic, Chinese column names as real government data has):
communities, facilities, streets, buildings. See data/README.md.

Geometry is built in a local metric frame (metres, x east, y north), rotated and placed in
UTM 48N (EPSG:32648), and converted to EPSG:4490 once at the end. Street lines are noded
by construction: wherever two lines connect they share one exact coordinate tuple, and
every distinct coordinate is converted exactly once, so shared vertices stay identical.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import math
import os
import sys
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, Point, box
from shapely.ops import polygonize

SEED = 15  # the "15-minute" life circle
HERE = Path(__file__).resolve().parent
OUT = HERE / "sample" / "district.gpkg"
RULEBOOK = HERE.parent / "planner" / "rulebooks" / "cn-national.toml"

# Placement: the district centre lands on lon 104.09, lat 30.62, rotated a little (many
# Chengdu street grids do not run north-south).
CENTER_LONLAT = (104.09, 30.62)
ROTATION_DEG = 7.0
CRS_METRIC = "EPSG:32648"
CRS_OUT = "EPSG:4490"

W, H = 4300.0, 3800.0  # district extent in the local frame (m)
XS = [0, 470, 1000, 1460, 1990, 2470, 2990, 3430, 3870, 4300]  # north-south arterials
YS = [0, 490, 950, 1470, 1930, 2380, 2900, 3350, 3800]  # east-west arterials

# name, highway; index = position in XS / YS
V_ROADS = [
    ("锦城西路", "secondary"),
    ("桂苑路", "secondary"),
    ("建业路", "secondary"),
    ("锦华路", "secondary"),
    ("蜀兴大道", "primary"),
    ("双林路", "secondary"),
    ("青荷路", "secondary"),
    ("万福路", "secondary"),
    ("翠屏路", "secondary"),
    ("锦城东环路", "primary"),
]
H_ROADS = [
    ("锦城南路", "secondary"),
    ("南苑路", "secondary"),
    ("华林路", "secondary"),
    ("建设路", "secondary"),
    ("锦江大道", "primary"),
    ("东篱路", "secondary"),
    ("蓉兴路", "secondary"),
    ("杏林路", "secondary"),
    ("锦城北路", "secondary"),
]

# Branch roads (支路): orientation, superblock column/row, offset within it, the arterial
# indices it runs between, name, highway.
BRANCHES = [
    ("v", 0, 0.50, 1, 4, "桂苑东街", "tertiary"),
    ("v", 1, 0.45, 5, 8, "建业北巷", "residential"),
    ("v", 2, 0.55, 0, 2, "锦华二街", "tertiary"),
    ("v", 3, 0.50, 4, 7, "蜀兴西街", "tertiary"),
    ("v", 5, 0.50, 1, 3, "双桥街", "tertiary"),
    ("v", 5, 0.45, 5, 8, "玉带街", "tertiary"),
    ("v", 6, 0.50, 2, 5, "青荷西街", "tertiary"),
    ("v", 7, 0.50, 0, 2, "万福支路", "tertiary"),
    ("v", 8, 0.50, 4, 7, "紫荆街", "residential"),
    ("h", 1, 0.50, 1, 4, "南苑二路", "tertiary"),
    ("h", 3, 0.50, 6, 9, "华林东街", "tertiary"),
    ("h", 5, 0.50, 0, 3, "东篱中街", "tertiary"),
    ("h", 6, 0.45, 7, 9, "蓉兴横街", "residential"),
    ("h", 7, 0.50, 2, 5, "杏林支路", "tertiary"),
    ("h", 2, 0.50, 5, 7, "梧桐巷", "residential"),
    ("h", 0, 0.50, 4, 6, "枫林街", "tertiary"),
]

# Half width of the road reservation (red line) from the centre line, m.
HALF_WIDTH = {"primary": 22.0, "secondary": 15.0, "tertiary": 9.0, "residential": 6.0}
SETBACK = 6.0  # red line to compound wall
PUBLIC = ("primary", "secondary", "tertiary", "residential")

# Special superblocks (column, row): a park, commercial and institutional land.
PARK_SB = (2, 3)
PARK_NAME = "东篱公园"
COMMERCIAL_SB = {(3, 3), (4, 4), (8, 0)}
INSTITUTIONAL_SB = {(4, 3), (6, 7)}

# Sub-districts (街道): bounded by 蜀兴大道 (x index 4), 锦江大道 (y index 4), 万福路 (x 7).
SUBDISTRICTS = ["锦华街道", "青荷街道", "蜀兴街道", "南苑街道", "万福桥街道"]
SUBDISTRICT_NAME_FIRST = ["锦华", "青荷", "蜀兴", "南苑", "万福"]
COMMUNITY_NAMES = [
    "桂苑",
    "书香",
    "玉带",
    "紫荆",
    "建业",
    "翠竹",
    "芙蓉",
    "锦绣",
    "东篱",
    "兴隆",
    "金桂",
    "蓉华",
    "杏林",
    "梧桐",
    "清源",
    "华林",
    "春晖",
    "安居",
    "泰和",
    "枫林",
    "新鸿",
    "嘉禾",
    "丽景",
    "和平",
    "长乐",
    "望江",
    "映月",
]
DISTRICT_CODE = "510199"  # fictional county-level code (not a real district)

# Households per m² of residential floor area: old walk-ups have small flats.
UNIT_GFA = {"old": 82.0, "mid": 106.0, "new": 130.0}


def sub_rng(*key: int) -> np.random.Generator:
    """An independent, reproducible random stream per generation stage."""
    return np.random.default_rng([SEED, *key])


def zone_of(col: int, row: int) -> int:
    if col >= 7:
        return 4
    if col >= 4:
        return 2 if row >= 4 else 3
    return 0 if row >= 4 else 1


# ---------------------------------------------------------------------------------------
# Street network with explicit noding
# ---------------------------------------------------------------------------------------


class Net:
    """Lines as lists of coordinate tuples; connections are inserted as exact shared vertices."""

    def __init__(self) -> None:
        self.coords: list[list[tuple[float, float]]] = []
        self.highway: list[str] = []
        self.name: list[str] = []

    def add(self, coords, highway: str, name: str = "") -> int:
        pts = [(float(x), float(y)) for x, y in coords]
        pts = [p for k, p in enumerate(pts) if k == 0 or p != pts[k - 1]]
        self.coords.append(pts)
        self.highway.append(highway)
        self.name.append(name)
        return len(self.coords) - 1

    def geom(self, i: int) -> LineString:
        return LineString(self.coords[i])

    def insert(self, i: int, pt, tol: float = 0.05) -> tuple[float, float]:
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

    def join(self, i: int, j: int, pt) -> tuple[float, float]:
        """Make pt a shared vertex of lines i and j."""
        v = self.insert(i, pt)
        w = self.insert(j, v)
        if w != v:  # j already had a vertex within 1 mm: use it in i too
            self.coords[i] = [w if q == v else q for q in self.coords[i]]
        return w

    def node_pair(self, i: int, j: int) -> list[tuple[float, float]]:
        inter = self.geom(i).intersection(self.geom(j))
        pts = [] if inter.is_empty else [(g.x, g.y) for g in getattr(inter, "geoms", [inter]) if g.geom_type == "Point"]
        return [self.join(i, j, p) for p in pts]


def build_streets():
    """Arterials and branch roads, trimmed at the district edge and noded at every crossing."""
    raw: list[tuple[list, str, str, str]] = []  # coords, highway, name, kind

    def fv(i, y):
        x = XS[i] + 0.0 * np.asarray(y, dtype=float)
        if i == 2:  # 建业路 jogs east by 45 m between 东篱路 and 蓉兴路
            x = x + np.interp(y, [2480, 2760], [0, 45])
        if i == 6:  # 青荷路 follows an old watercourse: a gentle curve
            x = x + 32 * np.sin(np.pi * np.clip(y, 0, H) / H)
        return x

    def fh(j, x):
        y = YS[j] + 0.0 * np.asarray(x, dtype=float)
        if j == 6:  # 蓉兴路 runs slightly askew
            y = y + 0.018 * (np.asarray(x) - W / 2)
        if j == 2:  # 华林路 bends south near its east end
            y = y + np.interp(x, [3250, 3650], [0, -35])
        return y

    for i, (name, hw) in enumerate(V_ROADS):
        ys = np.array([-40.0, H + 40])
        if i == 2:
            ys = np.array([-40.0, 2480, 2760, H + 40])
        if i == 6:
            ys = np.linspace(-40.0, H + 40, 21)
        raw.append((list(zip(fv(i, ys), ys, strict=False)), hw, name, "arterial"))
    for j, (name, hw) in enumerate(H_ROADS):
        xs = np.array([-40.0, W + 40])
        if j == 2:
            xs = np.array([-40.0, 3250, 3650, W + 40])
        raw.append((list(zip(xs, fh(j, xs), strict=False)), hw, name, "arterial"))
    for o, cell, frac, a, b, name, hw in BRANCHES:
        if o == "v":
            x = XS[cell] + frac * (XS[cell + 1] - XS[cell])
            y0, y1 = float(fh(a, x)) - 25, float(fh(b, x)) + 25
            raw.append(([(x, y0), (x, y1)], hw, name, "branch"))
        else:
            y = YS[cell] + frac * (YS[cell + 1] - YS[cell])
            x0, x1 = float(fv(a, y)) - 25, float(fv(b, y)) + 25
            raw.append(([(x0, y), (x1, y)], hw, name, "branch"))

    geoms = [LineString(c) for c, *_ in raw]
    n = len(raw)
    crossings = []  # (i, j, (x, y))
    for i in range(n):
        for j in range(i + 1, n):
            inter = geoms[i].intersection(geoms[j])
            if inter.is_empty:
                continue
            for g in getattr(inter, "geoms", [inter]):
                crossings.append((i, j, (g.x, g.y)))

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
    junctions = {}
    for i, j, p in crossings:
        v = net.join(i, j, p)
        junctions.setdefault(v, set()).update({i, j})
    kinds = [k for *_, k in raw]
    return net, junctions, kinds


# ---------------------------------------------------------------------------------------
# Blocks, compounds, lanes, gates, buildings
# ---------------------------------------------------------------------------------------


def superblock_index(poly) -> tuple[int, int]:
    c = poly.representative_point()
    col = int(np.searchsorted(XS, c.x) - 1)
    row = int(np.searchsorted(YS, c.y) - 1)
    return min(max(col, 0), 8), min(max(row, 0), 7)


def split_cells(avail, rng, whole=False):
    """Cut a block's buildable land into compound cells (at most 3 x 2), 8 m walls apart."""
    x0, y0, x1, y1 = avail.bounds
    w, h = x1 - x0, y1 - y0
    nx = int(np.clip(round(w / rng.uniform(170, 250)), 1, 3))
    ny = int(np.clip(round(h / rng.uniform(160, 240)), 1, 3))
    if whole:
        nx = ny = 1
    if nx == 3 and ny == 3:
        ny = 2
    xs = np.linspace(x0, x1, nx + 1)
    ys = np.linspace(y0, y1, ny + 1)
    xs[1:-1] += rng.uniform(-0.12, 0.12, nx - 1) * (w / nx)
    ys[1:-1] += rng.uniform(-0.12, 0.12, ny - 1) * (h / ny)
    cells = []
    for a in range(nx):
        for b in range(ny):
            bx = box(
                xs[a] + (4 if a else -1),
                ys[b] + (4 if b else -1),
                xs[a + 1] - (4 if a < nx - 1 else -1),
                ys[b + 1] - (4 if b < ny - 1 else -1),
            )
            c = avail.intersection(bx)
            if c.geom_type == "MultiPolygon":
                c = max(c.geoms, key=lambda g: g.area)
            if c.geom_type == "Polygon" and c.area > 4000:
                cells.append(shapely.set_precision(c, 0.01))
    return cells


def place_buildings(area, kind, rng):
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
    L, D, py, gap = {
        "old": (rng.uniform(44, 60), rng.uniform(11, 13), rng.uniform(35, 40), rng.uniform(9, 15)),
        "mid": (rng.uniform(50, 64), rng.uniform(14, 16), rng.uniform(52, 60), rng.uniform(15, 22)),
        "new": (rng.uniform(24, 28), rng.uniform(22, 26), rng.uniform(68, 78), rng.uniform(30, 42)),
        "new_slab": (rng.uniform(42, 54), rng.uniform(16, 19), rng.uniform(74, 84), rng.uniform(22, 30)),
        "commercial": (rng.uniform(40, 90), rng.uniform(30, 50), rng.uniform(70, 90), rng.uniform(25, 40)),
        "public": (rng.uniform(50, 80), rng.uniform(18, 28), rng.uniform(60, 80), rng.uniform(30, 45)),
    }[style]
    out = []
    y = y0 + rng.uniform(0, 4)
    while y + D <= y1:
        xs = np.arange(x0, x1 - L + 1e-9, 2.0)
        if len(xs):
            boxes = shapely.box(xs, y, xs + L, y + D)
            ok = shapely.contains(area, boxes)
            last = -np.inf
            for x, good in zip(xs, ok, strict=False):
                if good and x >= last + gap:
                    lj = L * rng.uniform(0.92, 1.0)
                    b = box(x, y, x + lj, y + D * rng.uniform(0.96, 1.0))
                    last = x + lj
                    if kind == "old":
                        st, use = int(rng.choice([6, 6, 6, 6, 7, 5])), "住宅"
                    elif kind == "mid":
                        st, use = int(rng.choice([11, 11, 11, 12, 15, 18])), "住宅"
                    elif kind == "new":
                        st, use = int(rng.choice([18, 18, 24, 26, 28, 32, 33])), "住宅"
                    elif kind == "commercial":
                        st, use = int(rng.choice([3, 4, 5, 6, 18, 24])), "商业"
                    else:
                        st, use = int(rng.choice([4, 5, 6, 8, 10])), "公建"
                    out.append((shapely.set_precision(b, 0.01), st, use))
        y += py * rng.uniform(0.97, 1.03)
    return out


def build_district():
    net, junctions, kinds = build_streets()
    n_streets = len(net.coords)
    arterial_ids = [i for i in range(n_streets) if kinds[i] == "arterial"]
    street_geoms = [net.geom(i) for i in range(n_streets)]
    tree = shapely.STRtree(street_geoms)

    def segments(ids):
        segs = []
        for i in ids:
            c = net.coords[i]
            segs += [LineString([c[k], c[k + 1]]) for k in range(len(c) - 1)]
        return segs

    superblocks = list(polygonize(segments(arterial_ids)))
    blocks = list(polygonize(segments(range(n_streets))))
    assert len(superblocks) == 72, len(superblocks)
    sb_index = {}
    for sb in superblocks:
        sb_index[superblock_index(sb)] = sb
    assert len(sb_index) == 72
    block_sb = [superblock_index(b) for b in blocks]

    road_buf = shapely.union_all(
        [
            g.buffer(HALF_WIDTH[net.highway[i]] + SETBACK, cap_style="flat", join_style="mitre")
            for i, g in enumerate(street_geoms)
        ]
    )

    # Residential character per superblock: old walk-ups south-west, towers north-east.
    rng = sub_rng(1)
    sb_kind = {}
    for c, r in sorted(sb_index):
        score = 0.55 * c / 8 + 0.45 * r / 7 + rng.normal(0, 0.12)
        sb_kind[(c, r)] = "old" if score < 0.36 else ("mid" if score < 0.6 else "new")

    cells = []  # dict(poly, block, sb, kind)
    rng = sub_rng(2)
    for bi, b in enumerate(blocks):
        sb = block_sb[bi]
        avail = b.difference(road_buf)
        if avail.is_empty:
            continue
        for cpoly in split_cells(avail, rng, whole=sb == PARK_SB):
            if sb == PARK_SB:
                kind = "park"
            elif sb in COMMERCIAL_SB:
                kind = "commercial" if rng.random() < 0.8 else "public"
            elif sb in INSTITUTIONAL_SB:
                kind = "public" if rng.random() < 0.8 else "commercial"
            else:
                u = rng.random()
                base = sb_kind[sb]
                if u < 0.05:
                    kind = "commercial"
                elif u < 0.10:
                    kind = "public"
                elif u < 0.16:
                    kind = "green"
                elif u < 0.34:
                    kind = {"old": "mid", "mid": rng.choice(["old", "new"]), "new": "mid"}[base]
                else:
                    kind = base
            cells.append({"poly": cpoly, "block": bi, "sb": sb, "kind": str(kind)})

    # School sites: large cells on branch roads, spread over the district.
    branch_ids = [i for i in range(n_streets) if kinds[i] == "branch"]
    branch_union = shapely.union_all([street_geoms[i] for i in branch_ids])
    cand = [
        k
        for k, c in enumerate(cells)
        if c["kind"] in ("old", "mid", "new")
        and 16000 < c["poly"].area < 60000
        and c["poly"].distance(branch_union) < 20
    ]
    rng = sub_rng(3)
    chosen: list[int] = []

    def spread_pick(n, label, start_xy):
        pts = np.array([[cells[k]["poly"].centroid.x, cells[k]["poly"].centroid.y] for k in cand])
        for _ in range(n):
            free = [q for q in range(len(cand)) if cand[q] not in chosen]
            if not chosen:
                d = -np.hypot(pts[free, 0] - start_xy[0], pts[free, 1] - start_xy[1])
            else:
                cp = np.array([[cells[k]["poly"].centroid.x, cells[k]["poly"].centroid.y] for k in chosen])
                d = np.min(
                    np.hypot(pts[free, 0][:, None] - cp[None, :, 0], pts[free, 1][:, None] - cp[None, :, 1]), axis=1
                )
            order = np.argsort(-d)[:4]
            q = free[int(order[rng.integers(0, len(order))])]
            chosen.append(cand[q])
            cells[cand[q]]["kind"] = label

    spread_pick(6, "school_j", (800, 700))
    spread_pick(14, "school_p", (3500, 3300))

    # Compounds: carve public parcels (配套公建: kindergartens, clinics), lanes, gates.
    rng = sub_rng(4)
    junction_pts = np.array(list(junctions.keys()))
    compounds, parcels, buildings, gates = [], [], [], []

    def nearest_street(p: Point) -> int:
        return int(tree.nearest(p))

    def street_facing(pt: Point, slack=3.0) -> int | None:
        i = nearest_street(pt)
        d = street_geoms[i].distance(pt)
        return i if d <= HALF_WIDTH[net.highway[i]] + SETBACK + slack else None

    for k, c in enumerate(cells):
        poly, kind = c["poly"], c["kind"]
        c["parcel"] = None
        if kind in ("old", "mid", "new") and poly.area > 26000 and rng.random() < 0.45:
            x0, y0, x1, y1 = poly.bounds
            corners = [(x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)]
            ok = [q for q in corners if street_facing(Point(q[0], q[1]), 8) is not None]
            if ok:
                cx, cy, sx, sy = ok[int(rng.integers(0, len(ok)))]
                pw, ph = rng.uniform(56, 68), rng.uniform(48, 58)
                pbox = box(min(cx, cx + sx * pw), min(cy, cy + sy * ph), max(cx, cx + sx * pw), max(cy, cy + sy * ph))
                parcel = pbox.intersection(poly)
                if parcel.geom_type == "Polygon" and parcel.area > 2000:
                    rest = poly.difference(pbox.buffer(5, join_style="mitre"))
                    if rest.geom_type == "MultiPolygon":
                        rest = max(rest.geoms, key=lambda g: g.area)
                    c["poly"] = poly = shapely.set_precision(rest, 0.01)
                    pb = parcel.buffer(-8, join_style="mitre")
                    bx = pb.centroid
                    fw, fd = rng.uniform(30, 40), rng.uniform(16, 22)
                    foot = box(bx.x - fw / 2, bx.y - fd / 2, bx.x + fw / 2, bx.y + fd / 2)
                    if pb.contains(foot):
                        buildings.append((foot, 3, "公建", k))
                    parcels.append({"poly": parcel, "cell": k, "sb": c["sb"], "block": c["block"]})
                    c["parcel"] = len(parcels) - 1

        if kind in ("school_p", "school_j"):
            # teaching blocks along the north of the site, sports ground to the south
            x0, y0, x1, y1 = poly.buffer(-12).bounds
            tb = [box(x0, y1 - 18, min(x1, x0 + 75), y1), box(x0, y1 - 60, x0 + 18, y1 - 24)]
            for t in tb:
                if poly.buffer(-10).contains(t):
                    buildings.append((t, 5 if kind == "school_j" else 4, "公建", k))
            compounds.append({"cell": k, "ring": None, "gates": []})
            continue
        if kind == "green":
            compounds.append({"cell": k, "ring": None, "gates": []})
            continue

        # Gates: on street-facing edges, away from junctions, 1-3 (a park gets 4).
        ext = poly.exterior
        samples = [ext.interpolate(d) for d in np.arange(0, ext.length, 7.0)]
        cands = []
        for clear in (40.0, 20.0):
            for q in samples:
                si = street_facing(q, 2.5)
                if si is None:
                    continue
                ps = street_geoms[si].interpolate(street_geoms[si].project(q))
                if np.min(np.hypot(junction_pts[:, 0] - ps.x, junction_pts[:, 1] - ps.y)) < clear:
                    continue
                cands.append((q, si, ps))
            if cands:
                break
        if not cands:  # land locked: leave it as open space
            c["kind"] = "green"
            compounds.append({"cell": k, "ring": None, "gates": []})
            continue
        ring_poly = poly.buffer(-8, join_style="mitre")
        if ring_poly.geom_type == "MultiPolygon":
            ring_poly = max(ring_poly.geoms, key=lambda g: g.area)
        if ring_poly.is_empty or ring_poly.area < 1500:
            compounds.append({"cell": k, "ring": None, "gates": []})
            continue
        ring_poly = shapely.set_precision(ring_poly.simplify(0.2), 0.01)
        lane = "footway" if kind == "park" else "service"
        ring = net.add(ring_poly.exterior.coords, lane)
        spines = []
        rx0, ry0, rx1, ry1 = ring_poly.bounds
        if rx1 - rx0 > 160 and kind in ("new", "park", "commercial", "public"):
            x = (rx0 + rx1) / 2 + rng.uniform(-20, 20)
            seg = ring_poly.intersection(LineString([(x, ry0 - 5), (x, ry1 + 5)]))
            if seg.geom_type == "LineString" and seg.length > 40:
                a = net.insert(ring, seg.coords[0])
                b = net.insert(ring, seg.coords[-1])
                spines.append(net.add([a, b], "footway" if kind in ("new", "park") else "service"))
        if ry1 - ry0 > 160 and kind in ("old", "mid", "park"):
            y = (ry0 + ry1) / 2 + rng.uniform(-20, 20)
            seg = ring_poly.intersection(LineString([(rx0 - 5, y), (rx1 + 5, y)]))
            if seg.geom_type == "LineString" and seg.length > 40:
                a = net.insert(ring, seg.coords[0])
                b = net.insert(ring, seg.coords[-1])
                spines.append(net.add([a, b], "footway"))
        if len(spines) == 2:
            net.node_pair(spines[0], spines[1])

        if kind == "park":
            n_gates = 4
        elif kind == "old":
            n_gates = int(rng.choice([1, 2, 2, 2, 3]))
        else:
            n_gates = int(rng.choice([1, 2, 2, 3, 3, 3]))
        # the main gate sits at the end of a central lane when one reaches a street side;
        # further gates are spread: each is the candidate farthest from those chosen
        picked = []
        for sp in spines:
            for e in (net.coords[sp][0], net.coords[sp][-1]):
                pe = Point(e)
                si = nearest_street(pe)
                reach_ = HALF_WIDTH[net.highway[si]] + SETBACK + 8 + 1.0
                ps = street_geoms[si].interpolate(street_geoms[si].project(pe))
                if (
                    street_geoms[si].distance(pe) <= reach_
                    and not picked
                    and np.min(np.hypot(junction_pts[:, 0] - ps.x, junction_pts[:, 1] - ps.y)) >= 30
                ):
                    picked.append((pe, si, ps))
        if not picked:
            picked = [cands[int(rng.integers(0, len(cands)))]]
        while len(picked) < n_gates:
            dmin = [min(q.distance(p[0]) for p in picked) for q, _, _ in cands]
            best = int(np.argmax(dmin))
            if dmin[best] < 70:
                break
            picked.append(cands[best])
        glist = []
        rg = LineString(net.coords[ring])
        for gi, (q, si, ps) in enumerate(picked):
            pr = rg.interpolate(rg.project(q))
            conn = LineString([(pr.x, pr.y), (ps.x, ps.y)])
            if conn.length > HALF_WIDTH[net.highway[si]] + SETBACK + 14:
                continue
            a = net.insert(ring, (pr.x, pr.y))
            b = net.insert(si, (ps.x, ps.y))
            htype = "footway" if (kind == "park" or gi > 0) else "service"
            gid = net.add([a, b], htype)
            glist.append({"line": gid, "street": si, "ring_pt": a, "street_pt": b})
        assert glist, f"compound {k} without a gate"
        gates += glist
        compounds.append({"cell": k, "ring": ring, "spines": spines, "gates": glist})

        if kind == "park":
            continue
        area = poly.buffer(-12, join_style="mitre")
        for s in spines:
            area = area.difference(net.geom(s).buffer(6, cap_style="flat"))
        if kind == "new" and area.area > 30000:
            cx, cy = area.centroid.x, area.centroid.y
            bx0, by0, bx1, by1 = area.bounds
            area = area.difference(
                box(cx - 0.18 * (bx1 - bx0), cy - 0.18 * (by1 - by0), cx + 0.18 * (bx1 - bx0), cy + 0.18 * (by1 - by0))
            )
        for foot, st, use in place_buildings(area, kind, rng):
            buildings.append((foot, st, use, k))

    return {
        "net": net,
        "n_streets": n_streets,
        "kinds": kinds,
        "junctions": junctions,
        "blocks": blocks,
        "block_sb": block_sb,
        "superblocks": sb_index,
        "cells": cells,
        "compounds": compounds,
        "parcels": parcels,
        "buildings": buildings,
        "gates": gates,
        "sb_kind": sb_kind,
    }


# ---------------------------------------------------------------------------------------
# Communities and sub-districts
# ---------------------------------------------------------------------------------------


def households_per_block(d):
    hh = np.zeros(len(d["blocks"]))
    for foot, st, use, k in d["buildings"]:
        if use == "住宅":
            kind = d["cells"][k]["kind"]
            hh[d["cells"][k]["block"]] += foot.area * st / UNIT_GFA[kind]
    return hh


def group_communities(d, hh):
    """Contiguous groups of blocks per sub-district: 3,100-5,800 households, <= 4 superblocks.

    Per sub-district: k seeds spread over it, then simultaneous growth (the group with the
    fewest households takes its best neighbouring block next), then a repair pass that moves
    boundary blocks from large to small groups. Retried with new seeds until valid.
    """
    blocks, bsb = d["blocks"], d["block_sb"]
    n = len(blocks)
    adj = [set() for _ in range(n)]
    tree = shapely.STRtree(blocks)
    for i, b in enumerate(blocks):
        for j in tree.query(b, predicate="intersects"):
            if j != i and b.intersection(blocks[j]).length > 1.0:
                adj[i].add(int(j))
    zone = [zone_of(*bsb[i]) for i in range(n)]
    cent = np.array([[b.centroid.x, b.centroid.y] for b in blocks])
    lo, hi = 3100, 5800
    why: dict[str, int] = {}

    def connected(g):
        if not g:
            return True
        start = next(iter(g))
        seen, todo = {start}, [start]
        while todo:
            b = todo.pop()
            for c in adj[b] & g:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return len(seen) == len(g)

    def total(g):
        return float(hh[list(g)].sum()) if g else 0.0

    def n_sb(g):
        return len({bsb[b] for b in g})

    def grow_zone(z, rng):
        members = [i for i in range(n) if zone[i] == z]
        k = max(1, round(float(total(members) / rng.uniform(4400, 4900))))
        seeds = [members[int(rng.integers(0, len(members)))]]
        while len(seeds) < k:
            dmin = np.min(
                np.hypot(
                    cent[members, 0][:, None] - cent[seeds, 0][None], cent[members, 1][:, None] - cent[seeds, 1][None]
                ),
                axis=1,
            )
            top = np.argsort(-dmin)[:3]
            seeds.append(members[int(top[rng.integers(0, len(top))])])
        groups = [{s} for s in seeds]
        free = set(members) - set(seeds)
        closed = set()
        while free:
            open_g = [q for q in range(k) if q not in closed]
            if not open_g:
                return None
            q = min(open_g, key=lambda q: total(groups[q]))
            g = groups[q]
            front = set().union(*(adj[b] for b in g)) & free
            sbs = {bsb[b] for b in g}
            opts = [c for c in front if n_sb(g | {c}) <= 4]
            if not opts:
                closed.add(q)
                continue
            c = max(opts, key=lambda c: (bsb[c] in sbs, len(adj[c] & g), -np.hypot(*(cent[c] - cent[seeds[q]]))))
            g.add(c)
            free.discard(c)
        # repair: move boundary blocks from neighbours into groups that are too small/large
        for _ in range(200):
            bad = [q for q in range(k) if not lo <= total(groups[q]) <= hi]
            if not bad:
                break
            q = bad[int(rng.integers(0, len(bad)))]
            g = groups[q]
            moves = []
            for r in range(k):
                if r == q:
                    continue
                h = groups[r]
                if total(g) < lo:  # take a block from h
                    for c in h:
                        if adj[c] & g and connected(h - {c}) and len(h) > 1 and n_sb(g | {c}) <= 4:
                            moves.append((abs(total(g) + hh[c] - 4500) + abs(total(h) - hh[c] - 4500), c, r, q))
                else:  # give a block to h
                    for c in g:
                        if (
                            adj[c] & h
                            and connected(g - {c})
                            and len(g) > 1
                            and n_sb(h | {c}) <= 4
                            and total(h) + hh[c] <= hi
                        ):
                            moves.append((abs(total(g) - hh[c] - 4500) + abs(total(h) + hh[c] - 4500), c, q, r))
            if not moves:
                return None
            moves.sort(key=lambda m: m[0])
            _, c, src, dst = moves[int(rng.integers(0, min(2, len(moves))))]
            groups[src].discard(c)
            groups[dst].add(c)
        return groups

    for attempt in range(300):
        rng = sub_rng(5, attempt)
        out, ok = [], True
        for z in range(5):
            gs = grow_zone(z, rng)
            if gs is None:
                why["grow"] = why.get("grow", 0) + 1
                ok = False
                break
            for g in gs:
                u = shapely.union_all([blocks[b] for b in g])
                if not (lo <= total(g) <= hi) or n_sb(g) > 4:
                    why["range"] = why.get("range", 0) + 1
                    ok = False
                if u.geom_type != "Polygon" or len(u.interiors):
                    why["shape"] = why.get("shape", 0) + 1
                    ok = False
                out.append((z, g, u))
            if not ok:
                break
        if ok and 24 <= len(out) <= 28:
            return out, attempt
        if ok:
            why[f"n={len(out)}"] = why.get(f"n={len(out)}", 0) + 1
    raise RuntimeError(f"no valid community partition found: {why}")


# ---------------------------------------------------------------------------------------
# Attributes: communities and facilities
# ---------------------------------------------------------------------------------------


def make_communities(d, groups, hh_block):
    rng = sub_rng(6)
    comms = []
    by_zone: dict[int, list] = {}
    for z, g, u in groups:
        by_zone.setdefault(z, []).append((g, u))
    names = iter(COMMUNITY_NAMES)
    for z in range(5):
        zg = by_zone[z]
        # number communities north-west to south-east, as code lists usually run
        zg.sort(key=lambda t: (-round(t[1].centroid.y / 300), t[1].centroid.x))
        first = rng.integers(0, len(zg))
        for k, (g, u) in enumerate(zg):
            short = SUBDISTRICT_NAME_FIRST[z] if k == first else next(names)
            hh = round(float(hh_block[list(g)].sum() * rng.uniform(0.98, 1.02)))
            comms.append(
                {
                    "zone": z,
                    "blocks": sorted(g),
                    "poly": u,
                    "short": short,
                    "name": f"{short}社区",
                    "sub": SUBDISTRICTS[z],
                    "code": f"{DISTRICT_CODE}{z + 1:03d}{k + 1:03d}",
                    "hh": hh,
                }
            )
    for c in comms:
        c["pop"] = round(float(c["hh"] * rng.uniform(2.5, 2.9)))
        c["staff"] = int(rng.integers(7, 11))
    # governance grids: mostly 300-500 households per grid, a few outliers on purpose:
    # three communities with too few grids (~540-600 households each), two with too many
    # (~260-295 each)
    idx = [int(i) for i in rng.permutation(len(comms))]
    outliers = {}
    for band, want in (((530, 600), 3), ((260, 295), 2)):
        for i in idx:
            if i in outliers:
                continue
            g = max(1, round(float(comms[i]["hh"] / np.mean(band))))
            if band[0] <= comms[i]["hh"] / g <= band[1]:
                outliers[i] = g
                want -= 1
            if want == 0:
                break
    for i, c in enumerate(comms):
        if i in outliers:
            c["grids"] = outliers[i]
            continue
        g = max(1, round(float(c["hh"] / rng.uniform(340, 470))))
        while c["hh"] / g > 490:
            g += 1
        while c["hh"] / g < 310:
            g -= 1
        c["grids"] = g
    return comms


def facility_plan(d, comms):
    """Decide which community gets which facility, with the designed gaps."""
    rng = sub_rng(7)
    n = len(comms)
    perm = rng.permutation(n)
    pass_cs = set(perm[: max(1, round(0.27 * n))].tolist())
    perm = rng.permutation(n)
    no_elderly = set(perm[:9].tolist())
    two_elderly = set(perm[9:14].tolist())
    perm = rng.permutation(n)
    no_health = set(perm[:10].tolist())
    perm = rng.permutation(n)
    kg_count = {int(i): 0 for i in perm[:5]}
    kg_count.update({int(i): 2 for i in perm[5:15]})
    kg_count.update({int(i): 3 for i in perm[15:18]})
    perm = rng.permutation(n)
    no_culture = set(perm[:7].tolist())
    return pass_cs, no_elderly, two_elderly, no_health, kg_count, no_culture


def build_facilities(d, comms):
    net = d["net"]
    cells, parcels = d["cells"], d["parcels"]
    rng = sub_rng(8)
    block_comm = {}
    for ci, c in enumerate(comms):
        for b in c["blocks"]:
            block_comm[b] = ci
    comm_polys = [c["poly"] for c in comms]

    # frontage spots beside compound gates (on the pavement of the street side)
    spots = {ci: [] for ci in range(len(comms))}
    for comp in d["compounds"]:
        cell = cells[comp["cell"]]
        if cell["kind"] not in ("old", "mid", "new", "commercial"):
            continue
        ci = block_comm[cell["block"]]
        for g in comp["gates"]:
            hw = HALF_WIDTH[net.highway[g["street"]]]
            a, b = np.asarray(g["ring_pt"]), np.asarray(g["street_pt"])
            nvec = (a - b) / np.linalg.norm(a - b)
            t = np.array([-nvec[1], nvec[0]])
            for side in (1, -1):
                p = b + nvec * (hw + 3.0) + t * side * rng.uniform(10, 18)
                pt = Point(p)
                if comm_polys[ci].contains(pt) and not cell["poly"].contains(pt):
                    spots[ci].append((pt, cell["kind"]))
    parcel_spots = {ci: [] for ci in range(len(comms))}
    stree = shapely.STRtree([net.geom(i) for i in range(d["n_streets"])])
    for pi, p in enumerate(parcels):
        ci = block_comm[p["block"]]
        poly = p["poly"]
        si = int(stree.nearest(poly))
        s = net.geom(si)
        near = shapely.ops.nearest_points(poly.boundary, s)[0]
        cen = poly.centroid
        v = np.array([cen.x - near.x, cen.y - near.y])
        v /= np.linalg.norm(v)
        pt = Point(near.x + 3 * v[0], near.y + 3 * v[1])
        parcel_spots[ci].append((pt, pi))
    for ci in spots:
        order = rng.permutation(len(spots[ci]))
        spots[ci] = [spots[ci][o] for o in order]
        order = rng.permutation(len(parcel_spots[ci]))
        parcel_spots[ci] = [parcel_spots[ci][o] for o in order]

    pass_cs, no_elderly, two_elderly, no_health, kg_count, no_culture = facility_plan(d, comms)
    facs = []

    def add(ci, name, ftype, area, pt):
        facs.append({"comm": ci, "name": name, "type": ftype, "area": float(round(area, 1)), "pt": pt})

    def take_spot(ci, avoid=(), min_sep=120.0):
        """A frontage spot far from the given points (spread facilities over the community)."""
        best, best_d = None, -1.0
        for k, (pt, _) in enumerate(spots[ci]):
            dmin = min([pt.distance(a) for a in avoid] or [1e9])
            if dmin >= min_sep:
                best = k
                break
            if dmin > best_d:
                best, best_d = k, dmin
        pt, _ = spots[ci].pop(best)
        return pt

    def take_parcel(ci):
        return parcel_spots[ci].pop(0)[0] if parcel_spots[ci] else None

    def take_central(ci):
        """One of the three frontage spots nearest the community's centre (where service
        centres usually are)."""
        c0 = comms[ci]["poly"].centroid
        order = sorted(range(len(spots[ci])), key=lambda k: spots[ci][k][0].distance(c0))[:3]
        pt, _ = spots[ci].pop(order[int(rng.integers(0, len(order)))])
        return pt

    below_min_done = {"cs": False, "kg": 0, "hs": 0, "ed": 0, "cu": 0}
    n = len(comms)
    order = list(range(n))
    for ci in order:
        c = comms[ci]
        cname, short, sub = c["name"], c["short"], c["sub"]
        thr = max(1000.0, 30.0 * c["hh"] / 100.0)
        two = rng.random() < 0.35 or (ci not in pass_cs and not below_min_done["cs"])
        total = thr * (rng.uniform(1.04, 1.35) if ci in pass_cs else rng.uniform(0.5, 0.9))
        main_t = str(
            rng.choice(
                [
                    "党群服务中心",
                    "党群服务中心",
                    "社区党群服务中心",
                    "社区综合服务设施",
                    "社区综合服务设施",
                    "社区服务站",
                    "邻里中心",
                ]
            )
        )
        main_name = {
            "党群服务中心": f"{cname}党群服务中心",
            "社区党群服务中心": f"锦城示范区{cname}党群服务中心",
            "社区综合服务设施": f"{cname}综合服务中心",
            "社区服务站": f"{cname}服务站",
            "邻里中心": f"{short}邻里中心",
        }[main_t]
        placed = []
        cs_pt = take_central(ci)
        if two:
            if ci not in pass_cs and not below_min_done["cs"]:
                second = 420.0
                below_min_done["cs"] = True
                total = max(total, second + 450)
            else:
                second = max(300.0, total * rng.uniform(0.25, 0.4))
            add(ci, main_name, main_t, total - second, cs_pt)
            p2 = take_spot(ci, [cs_pt], 250)
            add(ci, f"{cname}居民服务站", "社区服务站", second, p2)
            placed += [cs_pt, p2]
        else:
            add(ci, main_name, main_t, total, cs_pt)
            placed.append(cs_pt)

        if ci not in no_culture:
            if rng.random() < 0.5:  # in the same building as the service centre
                p = Point(cs_pt.x + rng.uniform(-6, 6), cs_pt.y + rng.uniform(-6, 6))
                if not c["poly"].contains(p):
                    p = cs_pt
            else:
                p = take_central(ci)
            if below_min_done["cu"] < 2 and rng.random() < 0.3:
                area = float(rng.choice([180.0, 220.0]))
                below_min_done["cu"] += 1
            else:
                area = rng.uniform(260, 900)
            t = str(rng.choice(["文化活动站", "文化活动站", "社区综合文化服务中心", "文化活动室"]))
            nm = f"{cname}综合文化服务中心" if t == "社区综合文化服务中心" else f"{cname}文化活动站"
            add(ci, nm, t, area, p)

        n_eld = 0 if ci in no_elderly else (2 if ci in two_elderly else 1)
        for m in range(n_eld):
            p = take_spot(ci, placed, 200)
            placed.append(p)
            t = (
                str(rng.choice(["老年人日间照料中心", "老年人日间照料中心", "日间照料中心", "社区养老服务站"]))
                if m == 0
                else "托老所"
            )
            if below_min_done["ed"] < 2 and rng.random() < 0.25:
                area = float(rng.choice([260.0, 320.0]))
                below_min_done["ed"] += 1
            else:
                area = rng.uniform(360, 760)
            nm = {
                "老年人日间照料中心": f"{cname}老年人日间照料中心",
                "日间照料中心": f"{cname}日间照料中心",
                "托老所": f"{short}{rng.choice(['康乐', '颐和', '福寿', '安康'])}托老所",
                "社区养老服务站": f"{cname}养老服务站",
            }[t]
            add(ci, nm, t, area, p)

        if ci not in no_health:
            p = take_spot(ci, placed)
            placed.append(p)
            t = str(rng.choice(["社区卫生服务站", "社区卫生服务站", "卫生服务站"]))
            if below_min_done["hs"] < 2 and rng.random() < 0.3:
                area = float(rng.choice([120.0, 135.0]))
                below_min_done["hs"] += 1
            else:
                area = rng.uniform(160, 320)
            add(ci, f"{sub}{short}社区卫生服务站", t, area, p)

        private = list(rng.permutation(["小天使", "金色童年", "蓓蕾", "启明星", "阳光"]))
        public_no = 0
        for _ in range(kg_count.get(ci, 1)):
            p = take_parcel(ci) or take_spot(ci, placed, 200)
            placed.append(p)
            t = str(rng.choice(["幼儿园", "幼儿园", "公办幼儿园", "民办幼儿园"]))
            if t == "民办幼儿园":
                nm = f"{short}{private.pop()}幼儿园"
            else:
                public_no += 1
                nm = {1: f"锦城示范区{short}幼儿园", 2: f"{short}第二幼儿园", 3: f"{short}第三幼儿园"}[public_no]
            if below_min_done["kg"] < 3 and rng.random() < 0.3:
                area = float([1800.0, 1650.0, 2050.0][below_min_done["kg"]])
                below_min_done["kg"] += 1
            else:
                area = rng.uniform(2300, 4300)
            add(ci, nm, t, area, p)
    # guarantee the designed below-minimum examples exist
    for key, ftypes, values in (
        ("kg", {"幼儿园", "公办幼儿园", "民办幼儿园"}, [1800.0, 1650.0]),
        ("hs", {"社区卫生服务站", "卫生服务站"}, [120.0]),
        ("ed", {"老年人日间照料中心", "日间照料中心", "托老所", "社区养老服务站"}, [280.0]),
    ):
        if below_min_done[key] == 0:
            hits = [f for f in facs if f["type"] in ftypes]
            for f, v in zip(hits, values, strict=False):
                f["area"] = v

    # schools: one facility point at the gate side of each school site
    road_names = {}
    sch = [k for k, c in enumerate(cells) if c["kind"] in ("school_p", "school_j")]
    p_no, j_no = 0, 0
    j_names = [
        "锦城示范区第一中学",
        "锦城示范区第三中学",
        "锦城示范区实验中学",
        "锦城示范区华林中学",
        "锦城示范区第七中学",
        "锦城示范区蜀兴中学",
    ]
    j_types = ["初级中学", "初中", "中学", "初级中学", "初中", "初级中学"]
    for k in sch:
        cell = cells[k]
        poly = cell["poly"]
        bid = [i for i in range(d["n_streets"]) if d["kinds"][i] == "branch"]
        si = min(bid, key=lambda i: net.geom(i).distance(poly))
        s = net.geom(si)
        near = shapely.ops.nearest_points(poly.boundary, s)[0]
        cen = poly.centroid
        v = np.array([cen.x - near.x, cen.y - near.y])
        v /= np.linalg.norm(v)
        pt = Point(near.x + 4 * v[0], near.y + 4 * v[1])
        ci = block_comm[cell["block"]]
        road = net.name[si]
        if cell["kind"] == "school_j":
            add(ci, j_names[j_no], j_types[j_no], rng.uniform(14000, 24000), pt)
            j_no += 1
        else:
            p_no += 1
            if p_no == 5:
                add(ci, f"锦城示范区{comms[ci]['short']}学校", "九年一贯制学校", rng.uniform(18000, 26000), pt)
            else:
                base = road_names.get(road)
                nm = f"锦城示范区{road}小学" if base is None else f"锦城示范区{comms[ci]['short']}小学"
                if p_no == 2:
                    nm = "锦城示范区实验小学"
                road_names[road] = nm
                add(ci, nm, "完全小学" if p_no in (3, 9) else "小学", rng.uniform(8000, 16000), pt)

    # exactly one facility whose type is not in the rulebook
    wz = [ci for ci, c in enumerate(comms) if c["zone"] == 4]
    ci = wz[0]
    p = take_spot(ci)
    add(ci, "万福菜市场", "菜市场", 1200.0, p)
    return facs


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------


def to_lonlat_factory():
    import pyproj

    utm = pyproj.Transformer.from_crs("EPSG:4490", CRS_METRIC, always_xy=True)
    e0, n0 = utm.transform(*CENTER_LONLAT)
    back = pyproj.Transformer.from_crs(CRS_METRIC, CRS_OUT, always_xy=True)
    th = math.radians(ROTATION_DEG)
    ct, st = math.cos(th), math.sin(th)

    def fn(xy: np.ndarray) -> np.ndarray:
        uniq, inv = np.unique(xy, axis=0, return_inverse=True)
        x, y = uniq[:, 0] - W / 2, uniq[:, 1] - H / 2
        e = e0 + ct * x - st * y
        n = n0 + st * x + ct * y
        lon, lat = back.transform(e, n)
        return np.column_stack([lon, lat])[inv.ravel()]

    return fn


def write(d, comms, facs, out: Path):
    import geopandas as gpd
    import pandas as pd

    net = d["net"]
    # streets: public roads split into ways at arterial junctions (as OSM ways often are)
    art = {i for i in range(d["n_streets"]) if net.highway[i] in ("primary", "secondary")}
    split_at = {p for p, lines in d["junctions"].items() if lines & art}
    rows = []
    for i, pts in enumerate(net.coords):
        if i < d["n_streets"]:
            cur = [pts[0]]
            for p in pts[1:]:
                cur.append(p)
                if p in split_at and p != pts[-1]:
                    rows.append((LineString(cur), net.highway[i], net.name[i]))
                    cur = [p]
            if len(cur) > 1:
                rows.append((LineString(cur), net.highway[i], net.name[i]))
        else:
            rows.append((LineString(pts), net.highway[i], ""))
    streets = pd.DataFrame(rows, columns=["geometry", "highway", "name"])

    buildings = pd.DataFrame([(g, st, use) for g, st, use, _ in d["buildings"]], columns=["geometry", "楼层", "用途"])
    communities = (
        pd.DataFrame(
            {
                "社区编码": [c["code"] for c in comms],
                "社区名称": [c["name"] for c in comms],
                "所属街道": [c["sub"] for c in comms],
                "户数": [c["hh"] for c in comms],
                "人口": [c["pop"] for c in comms],
                "工作人员数": [c["staff"] for c in comms],
                "网格数": [c["grids"] for c in comms],
                "geometry": [c["poly"] for c in comms],
            }
        )
        .sort_values("社区编码")
        .reset_index(drop=True)
    )
    # facility ids in a stable order: by community code, then kind of service
    code = {ci: c["code"] for ci, c in enumerate(comms)}
    facs = sorted(facs, key=lambda f: (code[f["comm"]], f["type"], f["name"]))
    facilities = pd.DataFrame(
        {
            "设施编码": [f"JC{i + 1:04d}" for i in range(len(facs))],
            "设施名称": [f["name"] for f in facs],
            "设施类型": [f["type"] for f in facs],
            "建筑面积": [f["area"] for f in facs],
            "geometry": [f["pt"] for f in facs],
        }
    )

    layers = {"communities": communities, "facilities": facilities, "streets": streets, "buildings": buildings}
    # one transform of every distinct coordinate, shared by all layers
    allg = np.concatenate([np.asarray(df["geometry"].values, dtype=object) for df in layers.values()])
    allg = shapely.transform(allg, to_lonlat_factory())
    out.parent.mkdir(parents=True, exist_ok=True)
    # a fixed timestamp in gpkg_contents keeps the file byte-identical between runs
    os.environ.setdefault("OGR_CURRENT_DATE", "2024-01-01T00:00:00.000Z")
    if out.exists():
        out.unlink()
    k = 0
    for name, df in layers.items():
        m = len(df)
        gdf = gpd.GeoDataFrame(df.drop(columns="geometry"), geometry=allg[k : k + m], crs=CRS_OUT)
        k += m
        gdf.to_file(out, layer=name, driver="GPKG", engine="pyogrio")
    return layers


def generate(out: Path = OUT, verbose: bool = True):
    d = build_district()
    hh_block = households_per_block(d)
    groups, attempt = group_communities(d, hh_block)
    comms = make_communities(d, groups, hh_block)
    facs = build_facilities(d, comms)
    names = [f["name"] for f in facs]
    assert len(set(names)) == len(names), "duplicate facility names"
    check_rulebook_types(facs)
    write(d, comms, facs, out)
    if verbose:
        nsb = [len({d["block_sb"][b] for b in c["blocks"]}) for c in comms]
        print(
            "superblocks per community:",
            dict(sorted(collections.Counter(nsb).items())),
        )
        print(
            f"wrote {out}  communities={len(comms)} facilities={len(facs)} "
            f"street lines={len(d['net'].coords)} buildings={len(d['buildings'])} "
            f"households={sum(c['hh'] for c in comms)} (partition attempt {attempt})"
        )
    return d, comms, facs


def load_aliases():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        return None
    if not RULEBOOK.exists():
        return None
    rb = tomllib.loads(RULEBOOK.read_text(encoding="utf-8"))
    out = {}
    for key, ft in rb["facility_types"].items():
        for a in [key, ft.get("name_zh", ""), *ft.get("aliases", [])]:
            out[a.strip().casefold()] = key
    return rb, out


def check_rulebook_types(facs):
    loaded = load_aliases()
    if loaded is None:
        return
    rb, alias = loaded
    unknown = {f["type"] for f in facs if f["type"].strip().casefold() not in alias}
    seen = {alias[f["type"].casefold()] for f in facs if f["type"].casefold() in alias}
    missing = set(rb["facility_types"]) - seen
    if unknown != {"菜市场"} or missing:
        raise AssertionError(f"facility types: unknown={unknown} missing={missing}")


# ---------------------------------------------------------------------------------------
# Quality checks and preview (read back from the GeoPackage)
# ---------------------------------------------------------------------------------------


def run_checks(path: Path) -> None:
    import geopandas as gpd
    import networkx as nx
    import pyogrio

    print("== layers")
    for name, gtype in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        print(
            f"  {name:12s} {gtype:12s} {info['features']:6d} features  crs={info['crs']}  fields={list(info['fields'])}"
        )
    L = {n: gpd.read_file(path, layer=n) for n in ("communities", "facilities", "streets", "buildings")}
    for n, g in L.items():
        assert g.crs.to_epsg() == 4490, n
    cm = {n: g.to_crs(CRS_METRIC) for n, g in L.items()}
    com, fac, st, bld = cm["communities"], cm["facilities"], cm["streets"], cm["buildings"]

    print("== communities")
    s, u = com.area.sum(), shapely.union_all(com.geometry.values).area
    print(
        f"  {len(com)} communities, {com['所属街道'].nunique()} sub-districts; district "
        f"{u / 1e6:.2f} km²; sum of areas / union = {s / u:.6f} (diff {abs(s - u) / u:.2e})"
    )
    ov = 0.0
    tree = shapely.STRtree(com.geometry.values)
    for i, g in enumerate(com.geometry.values):
        for j in tree.query(g, predicate="intersects"):
            if j > i:
                ov += g.intersection(com.geometry.values[j]).area
    print(
        f"  pairwise overlap area {ov:.4f} m²; all single polygons: "
        f"{set(com.geom_type)}; holes: {sum(len(p.interiors) for p in com.geometry)}"
    )
    hh = com["户数"]
    print(
        f"  households {hh.sum()} total, {hh.min()}-{hh.max()} per community; residents "
        f"{com['人口'].sum()}; persons/household {(com['人口'] / hh).min():.2f}-"
        f"{(com['人口'] / hh).max():.2f}; staff {com['工作人员数'].min()}-{com['工作人员数'].max()}"
    )
    per = hh / com["网格数"]
    print(
        f"  households per grid: {per.min():.0f}-{per.max():.0f}; outside 300-500: "
        f"{[(r['社区名称'], round(p)) for (_, r), p in zip(com.iterrows(), per, strict=False) if not 300 <= p <= 500]}"
    )
    staff_ok = (com["工作人员数"] / com["人口"] * 1e4 >= 18).sum()
    print(f"  staff >= 18 per 10,000 residents: {staff_ok}/{len(com)}")

    print("== facilities")
    j = gpd.sjoin(fac, com[["社区名称", "户数", "geometry"]], predicate="within", how="left")
    print(
        f"  {len(fac)} facilities; inside a community: {j['社区名称'].notna().sum()}; in more "
        f"than one: {int(j.index.duplicated().sum())}"
    )
    loaded = load_aliases()
    rb, alias = loaded
    j["ftype"] = [alias.get(t.strip().casefold(), "UNKNOWN") for t in j["设施类型"]]
    print(f"  raw type names: {sorted(j['设施类型'].unique())}")
    print(f"  by rulebook type: {j['ftype'].value_counts().to_dict()}")
    print(f"  not in rulebook: {j.loc[j.ftype == 'UNKNOWN', ['设施名称', '设施类型']].values.tolist()}")
    mins = {k: v["min_floor_area_m2"]["value"] for k, v in rb["facility_types"].items() if "min_floor_area_m2" in v}
    low = j[[m is not None and a < m for m, a in zip(j.ftype.map(mins), j["建筑面积"], strict=False)]]
    print(f"  below the type's minimum floor area: {len(low)}")
    for _, r in low.sort_values("ftype").iterrows():
        print(f"     {r['设施名称']} ({r['设施类型']}) {r['建筑面积']:.0f} < {mins[r.ftype]}")
    cs = j[j.ftype == "community_service"].groupby("社区名称")["建筑面积"].sum()
    com["cs_area"] = com["社区名称"].map(cs).fillna(0)
    com["cs_need"] = np.maximum(1000, 30 * com["户数"] / 100)
    passed = com.cs_area >= com.cs_need
    print(
        f"  community-service complex rule (>= max(1000, 30 m²/100 households)): "
        f"{passed.sum()}/{len(com)} pass = {passed.mean():.0%}"
    )
    n_cs = j[j.ftype == "community_service"].groupby("社区名称").size()
    print(
        f"  community-service facilities per community: {n_cs.value_counts().sort_index().to_dict()}"
        f"; communities without: {len(com) - len(n_cs)}"
    )
    for t in ("elderly_day_care", "health_station", "kindergarten", "cultural_station"):
        have = j[j.ftype == t]["社区名称"].nunique()
        print(f"  communities without {t}: {len(com) - have}")

    print("== streets")
    print(f"  {len(st)} lines: {st.highway.value_counts().to_dict()}")
    named = st[st.highway.isin(PUBLIC)]
    print(
        f"  named public roads: {named['name'].nunique()}; public lines without a name: "
        f"{int((named['name'].fillna('') == '').sum())}; lanes with a name: "
        f"{int((st[~st.highway.isin(PUBLIC)]['name'].fillna('') != '').sum())}"
    )
    G, Gx = nx.Graph(), nx.Graph()
    raw = L["streets"].geometry.values
    for g, hwy in zip(raw, L["streets"].highway, strict=False):
        c = shapely.get_coordinates(g)
        r = [tuple(x) for x in np.round(c, 7)]
        e = [tuple(x) for x in c]
        for a, b in itertools.pairwise(r):
            G.add_edge(a, b)
        for a, b in itertools.pairwise(e):
            Gx.add_edge(a, b, hwy=hwy)
    print(
        f"  graph on 1e-7° rounded vertices: {G.number_of_nodes()} nodes, "
        f"{G.number_of_edges()} edges, {nx.number_connected_components(G)} component(s)"
    )
    print(f"  graph on exact vertices: {Gx.number_of_nodes()} nodes, {nx.number_connected_components(Gx)} component(s)")
    # every point where two lines meet must be a vertex of both
    verts = [set(map(tuple, shapely.get_coordinates(g))) for g in raw]
    tree = shapely.STRtree(raw)
    bad = 0
    a_idx, b_idx = tree.query(raw, predicate="intersects")
    for a, b in zip(a_idx, b_idx, strict=False):
        if a >= b:
            continue
        inter = raw[a].intersection(raw[b])
        if inter.geom_type not in ("Point", "MultiPoint"):
            bad += 1
            continue
        shared = verts[a] & verts[b]
        bad += sum(tuple(p) not in shared for p in shapely.get_coordinates(inter))
    print(f"  meeting points that are not a shared vertex of both lines: {bad}")
    seg0 = sum(int((np.hypot(*np.diff(shapely.get_coordinates(g), axis=0).T) == 0).sum()) for g in raw)
    print(f"  zero-length segments: {seg0}")
    # compounds: lane components and the gates joining them to public roads
    public_nodes = set()
    for g, hwy in zip(raw, L["streets"].highway, strict=False):
        if hwy in PUBLIC:
            public_nodes |= set(map(tuple, shapely.get_coordinates(g)))
    lane = nx.Graph()
    for g, hwy in zip(raw, L["streets"].highway, strict=False):
        if hwy not in PUBLIC:
            c = [tuple(x) for x in shapely.get_coordinates(g)]
            lane.add_edges_from(itertools.pairwise(c))
    counts = []
    for comp in nx.connected_components(lane):
        counts.append(len(comp & public_nodes))
    print(
        f"  compound lane networks: {len(counts)}; gates per compound: "
        f"{dict(sorted(collections.Counter(counts).items()))}"
    )
    # walking network in metres; points are snapped onto the nearest edge (access leg + along-edge)
    Wg = nx.Graph()
    segs = []
    for g in st.geometry.values:
        c = [tuple(x) for x in shapely.get_coordinates(g)]
        for a, b in itertools.pairwise(c):
            Wg.add_edge(a, b, w=math.dist(a, b))
            segs.append((a, b))
    seg_geoms = shapely.linestrings([[a, b] for a, b in segs])
    seg_tree = shapely.STRtree(seg_geoms)

    def snap(pts):
        """(segment start, segment end, access leg, distance to start, distance to end)"""
        idx = seg_tree.nearest(shapely.points(pts))
        out = []
        for p, k in zip(pts, idx, strict=False):
            a, b = segs[k]
            g = seg_geoms[k]
            t = g.project(Point(p))
            out.append((a, b, g.distance(Point(p)), t, g.length - t))
        return out

    def reach(src_pts, cutoff):
        src = {}
        for a, b, leg, ta, tb in snap(src_pts):
            src[a] = min(src.get(a, 1e18), leg + ta)
            src[b] = min(src.get(b, 1e18), leg + tb)
        return multi_source(Wg, src, cutoff)

    def walk_to(dist, snapped):
        return np.array(
            [min(dist.get(a, np.inf) + ta, dist.get(b, np.inf) + tb) + leg for a, b, leg, ta, tb in snapped]
        )

    rng = np.random.default_rng(0)
    cen = np.column_stack([bld.centroid.x, bld.centroid.y])
    ratios = []
    for _ in range(800):
        a, b = cen[rng.integers(0, len(cen), 2)]
        if 200 < math.dist(a, b) < 1200:
            dist = reach([a], 5000)
            ratios.append(walk_to(dist, snap([b]))[0] / math.dist(a, b))
    print(
        f"  walking / straight-line distance between buildings 200-1200 m apart "
        f"(n={len(ratios)}): median {np.median(ratios):.2f}, 90th percentile "
        f"{np.percentile(ratios, 90):.2f}"
    )
    res = bld[bld["用途"] == "住宅"]
    rc = np.column_stack([res.centroid.x, res.centroid.y])
    rgfa = (res.area * res["楼层"]).values
    rsnap = snap(rc)
    radii = {k: v["radius_m"]["value"] for k, v in rb["facility_types"].items()}
    fm = fac.copy()
    fm["ftype"] = [alias.get(t.strip().casefold(), "UNKNOWN") for t in fm["设施类型"]]
    from scipy.spatial import cKDTree

    print("  residential floor area within the radius (walking, with access legs | straight line):")
    for t, rad in radii.items():
        f = fm[fm.ftype == t]
        fc = np.column_stack([f.geometry.x, f.geometry.y])
        walk = walk_to(reach(fc, rad), rsnap)
        straight = cKDTree(fc).query(rc)[0]
        print(
            f"     {t:18s} r={rad:5.0f} m  walking {rgfa[walk <= rad].sum() / rgfa.sum():5.1%}"
            f"   straight {rgfa[straight <= rad].sum() / rgfa.sum():5.1%}   ({len(f)} facilities)"
        )
    # facilities: distance to the nearest public road or gate line
    pub = st[st.highway.isin(PUBLIC)]
    fd = [pub.distance(p).min() for p in fac.geometry]
    print(
        f"  facility distance to the nearest public road centre line: median {np.median(fd):.0f} m,"
        f" max {np.max(fd):.0f} m"
    )
    sch = fm[fm.ftype.isin(["primary_school", "junior_school"])]
    br = st[st.highway.isin(["tertiary", "residential"])]
    print(
        f"  schools: distance to the nearest branch road {min(br.distance(p).min() for p in sch.geometry):.0f}-"
        f"{max(br.distance(p).min() for p in sch.geometry):.0f} m"
    )

    print("== buildings")
    print(
        f"  {len(bld)} buildings: {bld['用途'].value_counts().to_dict()}; storeys "
        f"{bld['楼层'].min()}-{bld['楼层'].max()}; footprint {bld.area.min():.0f}-{bld.area.max():.0f} m²"
    )
    hits = shapely.STRtree(bld.geometry.values).query(st.geometry.values, predicate="intersects")
    print(f"  buildings crossed by a street line: {len(set(hits[1]))}")
    bb = shapely.STRtree(bld.geometry.values).query(bld.geometry.values, predicate="overlaps")
    print(f"  overlapping building pairs: {int((bb[0] < bb[1]).sum())}")
    jb = gpd.sjoin(bld.set_geometry(bld.centroid), com[["户数", "geometry"]], predicate="within")
    g = (
        jb[jb["用途"] == "住宅"]
        .groupby("index_right")
        .apply(lambda x: (x.geometry.x * 0 + 1).sum(), include_groups=False)
    )
    print(f"  residential buildings per community: {int(g.min())}-{int(g.max())}")
    print(f"== file: {path} {path.stat().st_size / 1e6:.2f} MB")


def multi_source(G, sources: dict, cutoff: float) -> dict:
    """Bounded multi-source Dijkstra with initial distances (the access legs)."""
    import heapq

    dist = {}
    heap = [(d0, n) for n, d0 in sources.items()]
    heapq.heapify(heap)
    while heap:
        dd, n = heapq.heappop(heap)
        if n in dist:
            continue
        dist[n] = dd
        for m, e in G[n].items():
            nd = dd + e["w"]
            if nd <= cutoff and m not in dist:
                heapq.heappush(heap, (nd, m))
    return dist


def render_preview(path: Path, png: Path) -> None:
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    for f in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    ):
        if Path(f).exists():
            font_manager.fontManager.addfont(f)
            plt.rcParams["font.family"] = font_manager.FontProperties(fname=f).get_name()
            break
    L = {n: gpd.read_file(path, layer=n) for n in ("communities", "facilities", "streets", "buildings")}
    fig, ax = plt.subplots(figsize=(16, 14.5), dpi=110)
    ax.set_aspect(1 / math.cos(math.radians(CENTER_LONLAT[1])))
    pastel = ["#fbe3c8", "#d9ecd0", "#d6e4f5", "#f3d9ea", "#eeeac4", "#d8f0ee"]
    com = L["communities"]
    subs = sorted(com["所属街道"].unique())
    com.plot(ax=ax, color=com["所属街道"].map(dict(zip(subs, pastel, strict=False))), linewidth=0, zorder=0)
    L["buildings"].plot(
        ax=ax, color=L["buildings"]["用途"].map({"住宅": "#9a9a9a", "商业": "#c9a27a", "公建": "#8fa8c8"}), linewidth=0
    )
    style = {
        "primary": ("#d9534f", 3.2),
        "secondary": ("#f0ad4e", 2.4),
        "tertiary": ("#e8d26a", 1.6),
        "residential": ("#bbbbbb", 1.3),
        "service": ("#cfcfcf", 0.6),
        "footway": ("#8fbf8f", 0.5),
    }
    st = L["streets"]
    for hwy in ["footway", "service", "residential", "tertiary", "secondary", "primary"]:
        s = st[st.highway == hwy]
        if len(s):
            s.plot(ax=ax, color=style[hwy][0], linewidth=style[hwy][1], label=hwy, zorder=2)
    L["communities"].boundary.plot(ax=ax, color="#3a3a8a", linewidth=1.4, linestyle=(0, (5, 2)), zorder=3)
    from matplotlib.patches import Patch

    sub_handles = [Patch(color=pastel[k], label=sd) for k, sd in enumerate(subs)]
    # label each community near its centre, but where no facility marker is hidden by it
    fxy = shapely.get_coordinates(L["facilities"].geometry.values)
    kx = math.cos(math.radians(CENTER_LONLAT[1])) * 111320.0  # metres per degree of longitude
    for _, r in L["communities"].iterrows():
        g, c0 = r.geometry, r.geometry.centroid
        inner = g.buffer(-0.0006)
        best, best_key = g.representative_point(), None
        for dx in np.linspace(-220, 220, 12):
            for dy in np.linspace(-160, 160, 9):
                q = Point(c0.x + dx / kx, c0.y + dy / 110950.0)
                if not inner.contains(q):
                    continue
                clear = np.min(np.hypot((fxy[:, 0] - q.x) * kx, (fxy[:, 1] - q.y) * 110950.0))
                key = (min(clear, 70.0), -math.hypot(dx, dy))
                if best_key is None or key > best_key:
                    best, best_key = q, key
        p = best
        ax.annotate(
            f"{r['社区名称']}\n{r['户数']}户",
            (p.x, p.y),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#20206a",
            zorder=6,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.65),
        )
    _, alias = load_aliases()
    fac = L["facilities"].copy()
    fac["ftype"] = [alias.get(t.strip().casefold(), "unknown") for t in fac["设施类型"]]
    colours = {
        "community_service": ("#1f77b4", "s", "社区综合服务设施"),
        "elderly_day_care": ("#9467bd", "o", "老年人日间照料"),
        "health_station": ("#d62728", "P", "社区卫生服务站"),
        "kindergarten": ("#ff7f0e", "o", "幼儿园"),
        "cultural_station": ("#17becf", "D", "文化活动站"),
        "primary_school": ("#2ca02c", "^", "小学"),
        "junior_school": ("#006400", "^", "初中"),
        "unknown": ("#000000", "X", "未识别类型 (菜市场)"),
    }
    for t, (col, mk, lab) in colours.items():
        f = fac[fac.ftype == t]
        if len(f):
            ax.scatter(
                f.geometry.x,
                f.geometry.y,
                c=col,
                marker=mk,
                s=60 if "school" in t else 38,
                edgecolors="white",
                linewidths=0.6,
                zorder=7,
                label=lab,
            )
    h, lab = ax.get_legend_handles_labels()
    ax.legend(
        h + sub_handles,
        lab + [p.get_label() for p in sub_handles],
        loc="upper left",
        fontsize=8.5,
        framealpha=0.92,
        ncol=3,
    )
    ax.set_title("锦城示范区 (Jincheng Sample District) — 合成数据 SYNTHETIC — EPSG:4490", fontsize=14)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(png)
    print(f"preview: {png}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="run the quality checks after writing")
    ap.add_argument("--preview", type=Path, help="render a PNG preview to this path")
    ap.add_argument("--no-write", action="store_true", help="check/preview an existing file")
    a = ap.parse_args(argv)
    if not a.no_write:
        generate(a.out)
    if a.check:
        run_checks(a.out)
    if a.preview:
        render_preview(a.out, a.preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())

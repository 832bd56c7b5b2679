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

The mix of good and poor service is designed, and measured the way ``planner analyze``
measures it (residents of 100 m cells within a walking radius, through the compound
gates): the district is built once without schools, which fixes the communities and
where the schools go (site_schools); it is built again with the school grounds, and the
5-minute facilities are sited community by community (site_facilities, LEVELS), so that
three model communities (示范社区) meet nearly every standard, three old-town communities
(老旧小区) meet almost none, one sub-district is short of elderly care and a new-build area
in the north-east has no primary school yet.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import math
import os
import sys
import types
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
PASSAGE_HALF = 4.0  # a public passage runs in the 8 m gap between two compound walls
# Share of the lines between compounds that are open public passages, by residential character
PASSAGE_P = {"old": 0.15, "mid": 0.85, "new": 1.0}

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
N_COMMUNITIES = 27
DISTRICT_CODE = "510199"  # fictional county-level code (not a real district)

# Households per m² of residential floor area: old walk-ups have small flats.
UNIT_GFA = {"old": 69.0, "mid": 90.0, "new": 110.0}


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
    # the lines between neighbouring cells (the middle of the 8 m gap between their walls)
    splits = [("v", float(x)) for x in xs[1:-1]] + [("h", float(y)) for y in ys[1:-1]]
    return cells, splits


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


def build_district(schools: dict | None = None):
    """Streets, blocks, compounds (lanes, gates, buildings) and public passages; schools:
    {cell index: ("school_p" | "school_j", road line)} of the cells that are school grounds."""
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
        sb_kind[(c, r)] = "old" if score < 0.24 else ("mid" if score < 0.6 else "new")

    cells = []  # dict(poly, block, sb, kind)
    block_splits = {}
    rng = sub_rng(2)
    for bi, b in enumerate(blocks):
        sb = block_sb[bi]
        avail = b.difference(road_buf)
        if avail.is_empty:
            continue
        cell_polys, block_splits[bi] = split_cells(avail, rng, whole=sb == PARK_SB)
        for cpoly in cell_polys:
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
                    kind = {"old": "mid", "mid": rng.choice(["old", "new", "new"]), "new": "mid"}[base]
                else:
                    kind = base
            cells.append({"poly": cpoly, "block": bi, "sb": sb, "kind": str(kind)})

    # School sites (chosen by site_schools on a first build without schools): the cell
    # becomes a walled school ground with its gate on the road given.
    for k, (label, _road) in (schools or {}).items():
        cells[k]["kind"] = label

    # Public passages (公共通道, 巷): footways through a block along the gap between two
    # rows of compounds, from street to street, so that residents can cut through; compounds
    # open side gates onto them. Common in the newer areas, rare in the old town.
    rng = sub_rng(9)
    passages = []
    jpts = np.array(list(junctions.keys()))
    for bi in sorted(block_splits):
        sb = block_sb[bi]
        if sb == PARK_SB:
            continue
        p_keep = 0.8 if sb in COMMERCIAL_SB else 0.5 if sb in INSTITUTIONAL_SB else PASSAGE_P[sb_kind[sb]]
        x0, y0, x1, y1 = blocks[bi].bounds
        mine = []
        for o, v in block_splits[bi]:
            if rng.random() >= p_keep:
                continue
            ln = LineString([(v, y0 - 10), (v, y1 + 10)]) if o == "v" else LineString([(x0 - 10, v), (x1 + 10, v)])
            seg = blocks[bi].intersection(ln)
            if seg.geom_type != "LineString" or seg.length < 120:
                continue
            e0, e1 = seg.coords[0], seg.coords[-1]
            if min(np.min(np.hypot(jpts[:, 0] - e[0], jpts[:, 1] - e[1])) for e in (e0, e1)) < 25:
                continue
            si0, si1 = int(tree.nearest(Point(e0))), int(tree.nearest(Point(e1)))
            a, b = net.insert(si0, e0), net.insert(si1, e1)
            pid = net.add([a, b], "footway")
            junctions.setdefault(a, set()).update({si0, pid})
            junctions.setdefault(b, set()).update({si1, pid})
            mine.append(pid)
            passages.append(pid)
        for i, j in itertools.combinations(mine, 2):
            net.node_pair(i, j)
    # name them after the street they leave from, as 巷 usually are: 桂苑路一巷, 桂苑路二巷, ...
    numerals = "一二三四五六七八九十"
    per_road: collections.Counter = collections.Counter()
    for pid in sorted(passages, key=lambda i: net.coords[i][0]):
        e = Point(net.coords[pid][0])
        road = net.name[int(tree.nearest(e))]
        per_road[road] += 1
        k = per_road[road]
        net.name[pid] = f"{road}{numerals[k - 1] if k <= 10 else k}巷"

    # Compounds: carve public parcels (配套公建: kindergartens, clinics), lanes, gates.
    junction_pts = np.array(list(junctions.keys()))
    compounds, parcels, buildings, gates = [], [], [], []
    front_ids = list(range(n_streets)) + passages  # lines a compound may open a gate onto
    front_geom = {i: net.geom(i) for i in front_ids}
    ftree = shapely.STRtree([front_geom[i] for i in front_ids])

    def front_reach(i: int) -> float:
        """Distance from a line's centre to the compound walls facing it."""
        return PASSAGE_HALF if i >= n_streets else HALF_WIDTH[net.highway[i]] + SETBACK

    def nearest_street(p: Point) -> int:
        return front_ids[int(ftree.nearest(p))]

    def street_facing(pt: Point, slack=3.0) -> int | None:
        i = nearest_street(pt)
        d = front_geom[i].distance(pt)
        return i if d <= front_reach(i) + slack else None

    for k, c in enumerate(cells):
        rng = sub_rng(4, k)  # one stream per compound: a school elsewhere changes nothing here
        poly, kind = c["poly"], c["kind"]
        c["parcel"] = None
        if (
            kind in ("old", "mid", "new")
            and poly.area > 22000
            and rng.random() < {"old": 0.3, "mid": 0.6, "new": 0.8}[kind]
        ):
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

        # Gates: on edges facing a street or a passage, away from junctions.
        ext = poly.exterior
        samples = [ext.interpolate(d) for d in np.arange(0, ext.length, 7.0)]
        cands = []
        for clear in (25.0, 15.0):
            for q in samples:
                si = street_facing(q, 2.5)
                if si is None:
                    continue
                ps = front_geom[si].interpolate(front_geom[si].project(q))
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
        if rx1 - rx0 > 150 and kind in ("new", "mid", "park", "commercial", "public"):
            x = (rx0 + rx1) / 2 + rng.uniform(-20, 20)
            seg = ring_poly.intersection(LineString([(x, ry0 - 5), (x, ry1 + 5)]))
            if seg.geom_type == "LineString" and seg.length > 40:
                a = net.insert(ring, seg.coords[0])
                b = net.insert(ring, seg.coords[-1])
                spines.append(net.add([a, b], "footway" if kind in ("new", "park") else "service"))
        if ry1 - ry0 > 150 and kind in ("old", "mid", "new", "park"):
            y = (ry0 + ry1) / 2 + rng.uniform(-20, 20)
            seg = ring_poly.intersection(LineString([(rx0 - 5, y), (rx1 + 5, y)]))
            if seg.geom_type == "LineString" and seg.length > 40:
                a = net.insert(ring, seg.coords[0])
                b = net.insert(ring, seg.coords[-1])
                spines.append(net.add([a, b], "footway"))
        if len(spines) == 2:
            net.node_pair(spines[0], spines[1])

        # Old walk-up estates have one gate; newer estates two to four (a park has four).
        if kind == "park":
            n_gates = 4
        elif kind == "old":
            n_gates = 1
        elif kind == "new":
            n_gates = int(rng.choice([3, 4, 4]))
        elif kind == "mid":
            n_gates = int(rng.choice([2, 3, 3, 4]))
        else:
            n_gates = int(rng.choice([2, 3]))
        # the main gate sits at the end of a central lane when one reaches a street side, and
        # so do further gates where possible (a lane straight through the estate); the rest
        # are spread: each is the candidate farthest from those chosen
        ends = []
        for sp in spines:
            for e in (net.coords[sp][0], net.coords[sp][-1]):
                pe = Point(e)
                si = nearest_street(pe)
                reach_ = front_reach(si) + 8 + 1.0
                ps = front_geom[si].interpolate(front_geom[si].project(pe))
                if (
                    front_geom[si].distance(pe) <= reach_
                    and np.min(np.hypot(junction_pts[:, 0] - ps.x, junction_pts[:, 1] - ps.y)) >= 30
                ):
                    ends.append((pe, si, ps))
        picked = ends[:1]
        if not picked:
            picked = [cands[int(rng.integers(0, len(cands)))]]
        for e in ends[1:]:
            if len(picked) < n_gates and min(e[0].distance(p[0]) for p in picked) >= 55:
                picked.append(e)
        while len(picked) < n_gates:
            dmin = [min(q.distance(p[0]) for p in picked) for q, _, _ in cands]
            best = int(np.argmax(dmin))
            if dmin[best] < 55:
                break
            picked.append(cands[best])
        glist = []
        rg = LineString(net.coords[ring])
        for gi, (q, si, ps) in enumerate(picked):
            pr = rg.interpolate(rg.project(q))
            conn = LineString([(pr.x, pr.y), (ps.x, ps.y)])
            if conn.length > front_reach(si) + 14:
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
            area = area.difference(net.geom(s).buffer(4, cap_style="flat"))
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
        "schools": dict(schools or {}),
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
    lo, hi, mid = 3300, 5950, 5000  # before the school grounds take their share
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

    # communities per sub-district: 27 in all, in proportion to households
    zone_hh = np.array([total([i for i in range(n) if zone[i] == z]) for z in range(5)])
    quota = N_COMMUNITIES * zone_hh / zone_hh.sum()
    n_comm = np.floor(quota).astype(int)
    n_comm[np.argsort(-(quota - n_comm))[: N_COMMUNITIES - n_comm.sum()]] += 1

    def grow_zone(z, rng):
        members = [i for i in range(n) if zone[i] == z]
        k = int(n_comm[z])
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
                            moves.append((abs(total(g) + hh[c] - mid) + abs(total(h) - hh[c] - mid), c, r, q))
                else:  # give a block to h
                    for c in g:
                        if (
                            adj[c] & h
                            and connected(g - {c})
                            and len(g) > 1
                            and n_sb(h | {c}) <= 4
                            and total(h) + hh[c] <= hi
                        ):
                            moves.append((abs(total(g) - hh[c] - mid) + abs(total(h) + hh[c] - mid), c, q, r))
            if not moves:
                return None
            moves.sort(key=lambda m: m[0])
            _, c, src, dst = moves[int(rng.integers(0, min(2, len(moves))))]
            groups[src].discard(c)
            groups[dst].add(c)
        return groups

    out, tries = [], []
    for z in range(5):  # each sub-district on its own, retried with new seeds until valid
        for attempt in range(500):
            gs = grow_zone(z, sub_rng(5, z, attempt))
            if gs is None:
                why["grow"] = why.get("grow", 0) + 1
                continue
            us = [shapely.union_all([blocks[b] for b in g]) for g in gs]
            if not all(lo <= total(g) <= hi and n_sb(g) <= 4 for g in gs):
                why["range"] = why.get("range", 0) + 1
                continue
            if not all(u.geom_type == "Polygon" and not len(u.interiors) for u in us):
                why["shape"] = why.get("shape", 0) + 1
                continue
            out += [(z, g, u) for g, u in zip(gs, us, strict=True)]
            tries.append(attempt)
            break
        else:
            raise RuntimeError(f"no valid community partition found for sub-district {z}: {why}")
    return out, tries


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


# ---------------------------------------------------------------------------------------
# Walking reach, for siting facilities (the same measure `planner analyze` reports)
# ---------------------------------------------------------------------------------------


def local_to_metric():
    """The affine map from the local frame to UTM 48N used by ``to_lonlat_factory``."""
    import pyproj

    utm = pyproj.Transformer.from_crs("EPSG:4490", CRS_METRIC, always_xy=True)
    e0, n0 = utm.transform(*CENTER_LONLAT)
    th = math.radians(ROTATION_DEG)
    ct, st = math.cos(th), math.sin(th)
    fwd = [ct, -st, st, ct, e0 - ct * W / 2 + st * H / 2, n0 - st * W / 2 - ct * H / 2]
    inv = [ct, st, -st, ct, -(ct * fwd[4] + st * fwd[5]), -(-st * fwd[4] + ct * fwd[5])]
    return fwd, inv


class Walk:
    """Walking distances over the generated network, measured like ``planner analyze``.

    Nodes are the lines' vertices, edges the segments between consecutive vertices; a point
    is located on its nearest segment and its access leg (perpendicular distance) plus the
    distance along the segment to either end is part of every walking distance. Demand is
    the population of 100 m analysis cells laid on the UTM grid and clipped to communities,
    spread by residential floor area, each represented by its centroid.
    """

    def __init__(self, net: Net, skip=()):
        import scipy.sparse as sp

        idx: dict = {}
        u, v, ln = [], [], []
        skip = set(skip)
        for i, pts in enumerate(net.coords):
            if i in skip:
                continue
            ids = [idx.setdefault(p, len(idx)) for p in pts]
            for a, b, pa, pb in zip(ids[:-1], ids[1:], pts[:-1], pts[1:], strict=False):
                if a != b:
                    u.append(min(a, b))
                    v.append(max(a, b))
                    ln.append(math.dist(pa, pb))
        u, v, ln = np.array(u), np.array(v), np.array(ln)
        order = np.lexsort((ln, v, u))
        u, v, ln = u[order], v[order], ln[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self.u, self.v, self.len = u[first], v[first], ln[first]
        self.xy = np.zeros((len(idx), 2))
        for p, i in idx.items():
            self.xy[i] = p
        n = len(idx)
        self.graph = sp.csr_matrix(
            (
                np.concatenate([self.len, self.len]),
                (np.concatenate([self.u, self.v]), np.concatenate([self.v, self.u])),
            ),
            shape=(n, n),
        )
        self.segs = shapely.linestrings(np.stack([self.xy[self.u], self.xy[self.v]], axis=1))
        self.tree = shapely.STRtree(self.segs)

    def snap(self, pts: np.ndarray):
        """(segment, cost to its u end, cost to its v end, offset, along) per point."""
        pi, si = self.tree.query_nearest(pts, max_distance=300.0, all_matches=False)
        assert len(pi) == len(pts), "a point is more than 300 m from the network"
        seg = np.empty(len(pts), dtype=np.int64)
        seg[pi] = si
        p = shapely.get_coordinates(pts)
        a, b = self.xy[self.u[seg]], self.xy[self.v[seg]]
        dd = b - a
        t = np.clip(np.einsum("ij,ij->i", p - a, dd) / np.einsum("ij,ij->i", dd, dd), 0, 1)
        off = np.hypot(*(p - (a + t[:, None] * dd)).T)
        along = t * self.len[seg]
        return seg, off + along, off + self.len[seg] - along, off, along

    def site_reach(self, site_snap, demand_snap, radius: float, batch: int = 400, legs=None) -> list[np.ndarray]:
        """For each site, the demand points within ``radius`` walking metres (less the site's
        extra access leg, when ``legs`` are given)."""
        from scipy.sparse.csgraph import dijkstra

        seg, cu, cv, off, along = site_snap
        dseg, dcu, dcv, doff, dalong = demand_snap
        du, dv = self.u[dseg], self.v[dseg]
        by_seg = collections.defaultdict(list)
        for k, s in enumerate(dseg):
            by_seg[int(s)].append(k)
        out = []
        for s0 in range(0, len(seg), batch):
            sl = slice(s0, s0 + batch)
            nodes = np.unique(np.concatenate([self.u[seg[sl]], self.v[seg[sl]]]))
            pos = {int(x): i for i, x in enumerate(nodes)}
            D = dijkstra(self.graph, directed=False, indices=nodes, limit=radius)
            for k in range(sl.start, min(sl.stop, len(seg))):
                du_row = D[pos[int(self.u[seg[k]])]] + cu[k]
                dv_row = D[pos[int(self.v[seg[k]])]] + cv[k]
                node_d = np.minimum(du_row, dv_row)
                dist = np.minimum(node_d[du] + dcu, node_d[dv] + dcv)
                same = by_seg.get(int(seg[k]), [])
                if same:
                    same = np.array(same)
                    direct = doff[same] + off[k] + np.abs(dalong[same] - along[k])
                    dist[same] = np.minimum(dist[same], direct)
                out.append(np.flatnonzero(dist <= radius - (0.0 if legs is None else legs[k])))
        return out


def affine(geoms, m):
    """Apply an affine map [a, b, d, e, xoff, yoff] to an array of geometries."""
    a, b, dd, e, xo, yo = m
    return shapely.transform(
        np.asarray(geoms, dtype=object),
        lambda c: np.column_stack([a * c[:, 0] + b * c[:, 1] + xo, dd * c[:, 0] + e * c[:, 1] + yo]),
    )


def demand_cells(d, comms):
    """Population of 100 m analysis cells laid as ``planner analyze`` lays them; returns each
    cell's point in the local frame, its community and its population (see cell_demand)."""
    fwd, inv = local_to_metric()
    res = [(g, g.area * st) for g, st, use, _ in d["buildings"] if use == "住宅"]
    pts, ci, weight = cell_demand(
        affine([c["poly"] for c in comms], fwd),
        np.array([c["pop"] for c in comms], dtype=float),
        affine([g for g, _ in res], fwd),
        np.array([f for _, f in res]),
    )
    return affine(pts, inv), ci, weight


def cell_demand(cpoly, pop, bgeom, bfloor, size=100.0):
    """A square grid in UTM metres clipped to the communities (polygons cpoly, residents
    pop), each community's residents spread over its cells by residential floor area
    (buildings bgeom with floor area bfloor), each cell represented by its centroid (or a
    point on it when the centroid is outside): (points, community index, residents)."""
    x0, y0, x1, y1 = shapely.total_bounds(cpoly)
    gx0, gy0 = math.floor(x0 / size) * size, math.floor(y0 / size) * size
    nx, ny = math.ceil((x1 - gx0) / size), math.ceil((y1 - gy0) / size)
    xs, ys = np.meshgrid(gx0 + size * np.arange(nx), gy0 + size * np.arange(ny))
    grid = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + size, ys.ravel() + size)
    ci, gi = shapely.STRtree(grid).query(cpoly, predicate="intersects")
    pieces = shapely.intersection(grid[gi], cpoly[ci])
    keep = shapely.area(pieces) > 1e-6
    ci, pieces = ci[keep], pieces[keep]
    bi, pj = shapely.STRtree(pieces).query(bgeom, predicate="intersects")
    share = shapely.area(shapely.intersection(bgeom[bi], pieces[pj])) / shapely.area(bgeom[bi])
    floor = np.bincount(pj, weights=bfloor[bi] * share, minlength=len(pieces))
    cfloor = np.bincount(ci, weights=floor, minlength=len(cpoly))
    weight = pop[ci] * floor / np.maximum(cfloor[ci], 1e-9)
    cen = shapely.centroid(pieces)
    return np.where(shapely.contains(pieces, cen), cen, shapely.point_on_surface(pieces)), ci, weight


# Designed service levels of the 5-minute facilities (see site_type). Per type: the model
# communities and a few others get facilities until 93 % of their residents are within
# the walking radius (the coverage rule asks 90 %); the designed gaps get none (or, in the
# old town, one near the centre); every other community gets one where it serves the most
# of its residents, and the rest of the budget goes where it serves the most residents not
# yet served, up to a ceiling drawn per community, so that coverage varies from place to
# place instead of being spread evenly.
LEVELS = {
    # type: (facilities in the district, at least; communities meant to pass besides the
    #        model ones; communities without one; range of the ceilings; most per community)
    "community_service": (62, 3, 0, 0.45, 0.85, 4),
    "kindergarten": (45, 0, 2, 0.30, 0.80, 3),
    "elderly_day_care": (40, 1, 3, 0.25, 0.70, 3),
    "health_station": (32, 0, 3, 0.20, 0.65, 3),
    "cultural_station": (30, 4, 3, 0.45, 0.85, 2),
}
RADIUS = {
    "community_service": 300.0,
    "kindergarten": 300.0,
    "elderly_day_care": 300.0,
    "health_station": 300.0,
    "cultural_station": 500.0,
    "primary_school": 500.0,
    "junior_school": 1000.0,
}
ESTATE_FIRST = [
    "翠",
    "金",
    "锦",
    "蓝",
    "紫",
    "银",
    "嘉",
    "和",
    "康",
    "御",
    "碧",
    "蓉",
    "祥",
    "瑞",
    "雅",
    "颐",
    "馨",
    "盛",
]
ESTATE_LAST = ["苑", "园", "庭", "居", "府", "湾", "城", "轩", "邸", "苑小区", "花园", "家园", "雅居", "新村"]
PRIVATE_KG = [
    "小天使",
    "金色童年",
    "蓓蕾",
    "启明星",
    "阳光",
    "七彩",
    "童心",
    "未来星",
    "彩虹",
    "小树苗",
    "博雅",
    "育才",
]
PRIVATE_KG += ["爱弥儿", "贝贝", "蒲公英", "小橡树", "智慧树", "快乐宝贝", "星辰", "小海豚", "向日葵", "蓝天"]


def school_sites(d, comms, block_comm):
    """One facility point per school site: its gate, in the middle of the side facing its road."""
    out = []
    for k, (label, road) in sorted(d["schools"].items()):
        pt, _ = school_gate(d, k, road)
        cell = d["cells"][k]
        out.append({"cell": k, "kind": label, "pt": pt, "comm": block_comm[cell["block"]], "road": d["net"].name[road]})
    return out


# Schools: how many, and the area left without a primary school (a new-build area in the
# north-east whose school is still being planned).
N_SCHOOLS = {"school_j": 11, "school_p": 32}
SCHOOL_AREA = (14000.0, 45000.0)  # m², a school ground
N_PRIMARY_PASS = 4  # communities served first by primary schools
NO_PRIMARY = {(c, r) for c in (7, 8) for r in (6, 7)}  # superblocks (column, row)


def school_gate(d, k, road):
    """A school's gate: the middle of its side facing the road, 4 m inside its wall."""
    poly = d["cells"][k]["poly"]
    g = d["net"].geom(road)
    cen = poly.centroid
    foot = g.interpolate(g.project(cen))
    ray = LineString([(cen.x, cen.y), (foot.x, foot.y)])
    hit = ray.intersection(poly.boundary)
    hit = min(getattr(hit, "geoms", [hit]), key=lambda p: p.distance(foot))
    v = np.array([cen.x - hit.x, cen.y - hit.y])
    v /= np.linalg.norm(v)
    return Point(hit.x + 4 * v[0], hit.y + 4 * v[1]), foot


def old_shares(d, comms, kind="old"):
    """Share of each community's residential floor area in estates of a kind (old walk-ups)."""
    old = np.zeros(len(comms))
    tot = np.zeros(len(comms))
    bc = {b: ci for ci, c in enumerate(comms) for b in c["blocks"]}
    for foot, st, use, k in d["buildings"]:
        if use == "住宅":
            ci = bc[d["cells"][k]["block"]]
            tot[ci] += foot.area * st
            if d["cells"][k]["kind"] == kind:
                old[ci] += foot.area * st
    return old / np.maximum(tot, 1)


def school_lanes(d, cells):
    """The lanes and gates of the estates on the given cells."""
    out = set()
    for c in d["compounds"]:
        if c["cell"] in cells and c["ring"] is not None:
            out |= {c["ring"], *c.get("spines", []), *(g["line"] for g in c["gates"])}
    return out


def site_schools(d, comms, closed=frozenset()):
    """Choose the design on a district built without schools: the model and old-town
    communities, and the school sites (large estates on a branch road or, failing that, a
    secondary road; the school ground replaces the estate).

    The model communities are the newest ones that two junior and four primary schools can
    serve (93 % of their residents within the radius), and get those schools first; primary
    schools then serve a few more communities that two schools can serve best; the rest go
    one at a time where they reach the most residents not yet served. No primary school in
    the new-build area NO_PRIMARY; no community left below 3,200 households.
    """
    net, cells = d["net"], d["cells"]
    roads = [i for i in range(d["n_streets"]) if d["kinds"][i] == "branch" or net.highway[i] == "secondary"]
    branch = [i for i in roads if d["kinds"][i] == "branch"]
    cand = []
    for k, c in enumerate(cells):
        if c["kind"] not in ("old", "mid", "new") or not SCHOOL_AREA[0] < c["poly"].area < SCHOOL_AREA[1]:
            continue
        for pool in (branch, roads):
            near = [i for i in pool if net.geom(i).distance(c["poly"]) < 25]
            if near:
                road = min(near, key=lambda i: net.geom(i).distance(c["poly"]))
                gate, foot = school_gate(d, k, road)
                cand.append((k, road, gate, foot))
                break
    # a school ground is walled: nobody walks through it (closed: the school grounds of
    # earlier rounds of this choice)
    walk = Walk(net, skip=school_lanes(d, closed))
    pts, dci, w = demand_cells(d, comms)
    n = len(comms)
    own_w = np.bincount(dci, weights=w, minlength=n)
    shapely.prepare(pts)
    dsnap = walk.snap(pts)
    fsnap = walk.snap(np.array([f for *_, f in cand], dtype=object))
    legs = np.array([g.distance(f) for _, _, g, f in cand])  # gate to road: an extra leg
    rng = sub_rng(3)
    # a school ground replaces an estate: keep every community above 3,200 households
    hh_left = np.array([float(c["hh"]) for c in comms])
    cell_hh = collections.Counter()
    for foot, st, use, k in d["buildings"]:
        if use == "住宅":
            cell_hh[k] += foot.area * st / UNIT_GFA[cells[k]["kind"]]
    cand_comm = [next(ci for ci, c in enumerate(comms) if cells[k]["block"] in c["blocks"]) for k, *_ in cand]

    # the design: three old-town communities (most old walk-ups) and three model communities
    # (newest estates), the model ones in different sub-districts and outside NO_PRIMARY
    old = old_shares(d, comms)
    new = old_shares(d, comms, kind="new")
    old_town = [int(i) for i in np.argsort(-old)[:3]]
    no_primary = {
        ci
        for ci, c in enumerate(comms)
        if sum(d["block_sb"][b] in NO_PRIMARY for b in c["blocks"]) * 2 > len(c["blocks"])
    }
    reaches = {
        r: walk.site_reach(fsnap, dsnap, r, legs=legs) for r in (RADIUS["primary_school"], RADIUS["junior_school"])
    }

    spec = {"school_j": (RADIUS["junior_school"], 700.0), "school_p": (RADIUS["primary_school"], 350.0)}

    def trial(c, label, k, prior):
        """Up to k school sites, chosen one at a time for community c after those in prior
        (both kinds); returns the share of c's residents within reach, and the sites."""
        radius, sep = spec[label]
        reach = reaches[radius]
        mask, got = dci == c, np.zeros(len(pts), dtype=bool)
        left = hh_left.copy()
        for lab, q in prior:
            left[cand_comm[q]] -= cell_hh[cand[q][0]]
            if lab == label:
                got[reach[q]] = True
        used = {q for _, q in prior}
        picks: list[int] = []
        for _ in range(k):
            same = [q for lab, q in prior if lab == label] + picks
            qs = [
                q
                for q in range(len(cand))
                if q not in used
                and left[cand_comm[q]] - cell_hh[cand[q][0]] >= 3200
                and (label == "school_j" or cells[cand[q][0]]["sb"] not in NO_PRIMARY)
                and all(cand[q][2].distance(cand[p][2]) >= sep for p in same)
            ]
            g = [w[reach[q][mask[reach[q]] & ~got[reach[q]]]].sum() for q in qs]
            if not qs or max(g) <= 0:
                break
            q = qs[int(np.argmax(g))]
            picks.append(q)
            used.add(q)
            left[cand_comm[q]] -= cell_hh[cand[q][0]]
            got[reach[q]] = True
        gone = np.zeros(len(pts), dtype=bool)
        for q in [q for _, q in prior] + picks:
            gone |= shapely.contains(cells[cand[q][0]]["poly"], pts)
        return w[mask & got & ~gone].sum() / max(w[mask & ~gone].sum(), 1e-9), picks

    # the model communities: the newest estates that a few schools can serve well (two
    # junior, four primary at most), in different sub-districts where possible
    models: list[int] = []
    prior: list[tuple[str, int]] = []
    order = [int(i) for i in np.argsort(-(new - old)) if int(i) not in old_town and int(i) not in no_primary]
    for distinct in (True, False):
        for i in order:
            if len(models) == 3 or i in models:
                continue
            if distinct and any(comms[m]["zone"] == comms[i]["zone"] for m in models):
                continue
            sj, pj = trial(i, "school_j", 2, prior)
            sp, pp = trial(i, "school_p", 4, prior + [("school_j", q) for q in pj])
            if min(sj, sp) >= 0.93:
                models.append(i)
                prior += [("school_j", q) for q in pj] + [("school_p", q) for q in pp]

    chosen: dict[int, tuple[str, int]] = {}
    for label, radius, sep in (
        ("school_j", RADIUS["junior_school"], 700.0),
        ("school_p", RADIUS["primary_school"], 350.0),
    ):
        reach = reaches[radius]
        cov = np.zeros(len(pts), dtype=bool)
        mine: list[int] = []

        def ok(q, label=label, sep=sep, mine=mine):
            k, _, gate, _ = cand[q]
            if k in chosen or any(gate.distance(cand[m][2]) < sep for m in mine):
                return False
            if hh_left[cand_comm[q]] - cell_hh[k] < 3200:
                return False
            return label == "school_j" or cells[k]["sb"] not in NO_PRIMARY

        def take(q, label=label, reach=reach, cov=cov, mine=mine):
            mine.append(q)
            cov[reach[q]] = True
            chosen[cand[q][0]] = (label, cand[q][1])
            hh_left[cand_comm[q]] -= cell_hh[cand[q][0]]
            gone = shapely.contains(cells[cand[q][0]]["poly"], pts)  # nobody lives on a school ground
            own_w[:] = own_w - np.bincount(dci[gone], weights=w[gone], minlength=n)
            w[gone] = 0.0

        def serve(c, most, target, reach=reach, cov=cov, mine=mine, label=label):
            for _ in range(most):
                if w[(dci == c) & cov].sum() / own_w[c] >= target or len(mine) >= N_SCHOOLS[label]:
                    return
                qs = [q for q in range(len(cand)) if ok(q)]
                g = [w[reach[q][(dci[reach[q]] == c) & ~cov[reach[q]]]].sum() for q in qs]
                if not qs or max(g) <= 0:
                    return
                take(qs[int(np.argmax(g))])

        for q in [q for lab, q in prior if lab == label]:
            take(q)
        if label == "school_p":
            # then the communities that two schools can serve best, two per sub-district at most
            two = {}
            for c in range(n):
                if c in old_town or c in no_primary or c in models:
                    continue
                mask = dci == c
                got = cov.copy()
                for _ in range(2):
                    qs = [q for q in range(len(cand)) if ok(q)]
                    g = [w[reach[q][mask[reach[q]] & ~got[reach[q]]]].sum() for q in qs]
                    got[reach[qs[int(np.argmax(g))]]] = True
                two[c] = w[mask & got].sum() / own_w[c]
            served = list(models)
            for c in sorted(two, key=lambda c: (-round(two[c], 2), float(rng.random()))):
                if len(served) >= N_PRIMARY_PASS:
                    break
                if sum(comms[x]["zone"] == comms[c]["zone"] for x in served) < 2:
                    serve(c, 3, 0.95)
                    served.append(c)
        while len(mine) < N_SCHOOLS[label]:
            qs = [q for q in range(len(cand)) if ok(q)]
            if not qs:
                break
            g = [w[reach[q][~cov[reach[q]]]].sum() for q in qs]
            take(qs[int(np.argmax(g))])
    return chosen, {"models": models, "old_town": old_town}


def candidate_sites(d, comms, block_comm, rng):
    """Where a community facility can stand: on the pavement beside a compound gate (street
    frontage, often the ground floor of the estate's shop row), just inside a gate that opens
    onto a passage, or on a public lot (配套公建用地) carved out of an estate corner."""
    net, cells = d["net"], d["cells"]
    comm_polys = [c["poly"] for c in comms]
    sites = []
    names: dict[int, str] = {}
    used_names: set[str] = set()

    def estate_name(k):
        if k not in names:
            while True:
                nm = str(rng.choice(ESTATE_FIRST)) + str(rng.choice(ESTATE_FIRST)) + str(rng.choice(ESTATE_LAST))
                if nm[0] != nm[1] and nm not in used_names:
                    break
            used_names.add(nm)
            names[k] = nm
        return names[k]

    for comp in d["compounds"]:
        cell = cells[comp["cell"]]
        if cell["kind"] not in ("old", "mid", "new", "commercial"):
            continue
        ci = block_comm[cell["block"]]
        for g in comp["gates"]:
            a, b = np.asarray(g["ring_pt"]), np.asarray(g["street_pt"])
            nvec = (a - b) / np.linalg.norm(a - b)  # from the street into the estate
            t = np.array([-nvec[1], nvec[0]])
            base = {"comm": ci, "cell": comp["cell"], "ekind": cell["kind"], "gate": g["line"]}
            if g["street"] < d["n_streets"]:
                hw = HALF_WIDTH[net.highway[g["street"]]]
                for side in (1, -1):
                    pt = Point(b + nvec * (hw + 3.0) + t * side * rng.uniform(10, 18))
                    if comm_polys[ci].contains(pt) and not cell["poly"].contains(pt):
                        sites.append({**base, "pt": pt, "where": "front", "road": net.name[g["street"]]})
            side = 1 if rng.random() < 0.5 else -1
            pt = Point(a - nvec * 3.0 + t * side * rng.uniform(9, 14))
            if cell["poly"].buffer(-2).contains(pt):
                sites.append({**base, "pt": pt, "where": "inside", "road": estate_name(comp["cell"])})
    stree = shapely.STRtree([net.geom(i) for i in range(d["n_streets"])])
    for pi, p in enumerate(d["parcels"]):
        poly = p["poly"]
        si = int(stree.nearest(poly))
        near = shapely.ops.nearest_points(poly.boundary, net.geom(si))[0]
        cen = poly.centroid
        v = np.array([cen.x - near.x, cen.y - near.y])
        v /= np.linalg.norm(v)
        pt = Point(near.x + 3 * v[0], near.y + 3 * v[1])
        cell = cells[p["cell"]]
        sites.append(
            {
                "comm": block_comm[p["block"]],
                "cell": p["cell"],
                "ekind": cell["kind"],
                "gate": None,
                "pt": pt,
                "where": "parcel",
                "road": estate_name(p["cell"]),
                "parcel": pi,
            }
        )
    return sites


def site_facilities(d, comms, walk, dem, sites, models, old_town, gap_zone, rng):
    """Pick the sites of the 5-minute facilities (see LEVELS); returns, per type, the list of
    (community served, site index) and the role each community played."""
    pts = dem[0]
    spt = np.array([s["pt"] for s in sites], dtype=object)
    ssnap = walk.snap(spt)
    dsnap = walk.snap(pts)
    reach = {r: walk.site_reach(ssnap, dsnap, r) for r in sorted({RADIUS[t] for t in LEVELS})}
    chosen, plan = {}, {}
    for t, levels in LEVELS.items():
        chosen[t], plan[t] = site_type(t, levels, reach[RADIUS[t]], comms, dem, sites, models, old_town, gap_zone, rng)
    return chosen, plan


def site_type(t, levels, rr, comms, dem, sites, models, old_town, gap_zone, rng):
    """The sites of one 5-minute type.

    The model communities, and a few others, get facilities until at least 93 % of their
    residents are within the radius; every other community (except the designed gaps) gets
    one facility where it serves the most of its residents; the old-town communities get at
    most one, near their centre; the rest of the type's budget goes, one facility at a time,
    wherever it serves the most residents not yet served, in communities still below their
    own ceiling.
    """
    budget, n_pass, n_none, lo, hi, most = levels
    pts, dci, w = dem
    n = len(comms)
    own = [np.flatnonzero(dci == c) for c in range(n)]
    own_w = np.array([w[o].sum() for o in own])
    xy = shapely.get_coordinates(np.array([s["pt"] for s in sites], dtype=object))
    others = [c for c in range(n) if c not in models and c not in old_town]
    perm = [int(i) for i in rng.permutation(others)]
    ceiling = {c: float(rng.uniform(lo, hi)) for c in perm}
    role = {c: "open" for c in perm}
    for c in perm[:n_pass]:
        role[c] = "pass"
    if t == "elderly_day_care":  # a whole sub-district short of elderly care
        for c in perm:
            if comms[c]["zone"] == gap_zone:
                role[c] = "none" if rng.random() < 0.5 else "one"
    for c in [c for c in perm[n_pass:] if role[c] == "open"][:n_none]:
        role[c] = "none"
    for c in models:
        role[c] = "pass"
    for c in old_town:
        role[c] = "none" if (t != "community_service" and rng.random() < 0.4) else "one"

    def allowed(s):
        if t == "kindergarten":  # on its own lot, or a street-front building of a newer estate
            return s["where"] == "parcel" or (s["where"] == "front" and s["ekind"] in ("mid", "new"))
        if t == "health_station":
            return s["where"] == "front"
        return s["where"] != "parcel"

    by_comm = collections.defaultdict(list)
    for k, s in enumerate(sites):
        by_comm[s["comm"]].append(k)
    cand = {c: [k for k in by_comm[c] if allowed(sites[k])] for c in range(n)}
    for c in models:
        # a model community also has the service in its estates, just inside their gates,
        # and shares some with the neighbours across its boundary roads
        poly = comms[c]["poly"]
        cand[c] = [
            k
            for k in range(len(sites))
            if (allowed(sites[k]) or sites[k]["where"] == "inside")
            and (sites[k]["comm"] == c or (role.get(sites[k]["comm"]) == "open" and sites[k]["pt"].distance(poly) < 60))
        ]
    count: collections.Counter = collections.Counter()
    cov = np.zeros(len(pts), dtype=bool)
    out: list[tuple[int, int]] = []

    def share(c):
        o = own[c]
        return w[o[cov[o]]].sum() / own_w[c]

    def gain(k, c, own_only):
        new = rr[k][~cov[rr[k]]]
        g = w[new[dci[new] == c]].sum() if own_only else w[new].sum()
        return g * 1.2 if (t == "kindergarten" and sites[k]["where"] == "parcel") else g

    def place(c, k):
        cov[rr[k]] = True
        out.append((c, k))
        count[c] += 1
        cand[c] = [q for q in cand[c] if math.dist(xy[q], xy[k]) > (50 if c in models else 80)]

    # A: the communities meant to pass
    for c in models + [c for c in perm if role[c] == "pass"]:
        while cand[c] and share(c) < 0.93 and count[c] < most + (5 if c in models else 2):
            place(c, max(cand[c], key=lambda k, c=c: gain(k, c, True)))
    # B: one facility in every other community that has one
    for c in perm:
        if role[c] in ("open", "one") and cand[c] and not count[c]:
            place(c, max(cand[c], key=lambda k, c=c: gain(k, c, True)))
    for c in old_town:
        if role[c] == "one" and cand[c]:
            c0 = comms[c]["poly"].centroid
            place(c, min(cand[c], key=lambda k, c0=c0: sites[k]["pt"].distance(c0)))
    # C: the rest of the budget where it serves the most
    while len(out) < budget:
        best, best_g = None, 0.0
        for c in perm:
            if role[c] != "open" or count[c] >= most or share(c) >= ceiling[c]:
                continue
            for k in cand[c]:
                g = gain(k, c, False)
                if g > best_g:
                    best, best_g = (c, k), g
        if best is None:
            break
        place(*best)
    return out, role


def fix_grids(comms, models, rng):
    """Model communities keep 300-500 households per grid; the designed outliers move elsewhere."""
    for m in models:
        c = comms[m]
        per = c["hh"] / c["grids"]
        if 300 <= per <= 500:
            continue
        band = (530, 600) if per > 500 else (260, 295)
        c["grids"] = max(1, round(c["hh"] / 420))
        for i in [int(i) for i in rng.permutation(len(comms))]:
            o = comms[i]
            if i in models or not 300 <= o["hh"] / o["grids"] <= 500:
                continue
            g = max(1, round(float(o["hh"] / np.mean(band))))
            if band[0] <= o["hh"] / g <= band[1]:
                o["grids"] = g
                break


def build_facilities(d, comms, design):
    """All facilities: the schools chosen before, the 5-minute facilities sited here (see
    LEVELS), their names, raw type names and floor areas with the designed gaps."""
    rng = sub_rng(8)
    block_comm = {b: ci for ci, c in enumerate(comms) for b in c["blocks"]}
    n = len(comms)
    walk = Walk(d["net"])
    dem = demand_cells(d, comms)
    pts, dci, w = dem
    dsnap = walk.snap(pts)
    own_w = np.bincount(dci, weights=w, minlength=n)
    schools = school_sites(d, comms, block_comm)
    share_school = {}
    for t, kind in (("primary_school", "school_p"), ("junior_school", "school_j")):
        sp = np.array([s["pt"] for s in schools if s["kind"] == kind], dtype=object)
        cov = np.zeros(len(pts), dtype=bool)
        for r in walk.site_reach(walk.snap(sp), dsnap, RADIUS[t]):
            cov[r] = True
        share_school[t] = np.bincount(dci, weights=w * cov, minlength=n) / own_w
    # the model communities: those the schools serve well (as intended where they do), in
    # different sub-districts where possible
    old_town = design["old_town"]
    fit = np.minimum(share_school["primary_school"], share_school["junior_school"])
    ranked = [i for i in design["models"] if fit[i] >= 0.9]
    ranked += [int(i) for i in np.argsort(-fit) if fit[i] >= 0.9 and int(i) not in ranked and int(i) not in old_town]
    models: list[int] = []
    for distinct in (True, False):
        for i in ranked:
            clash = distinct and any(comms[m]["zone"] == comms[i]["zone"] for m in models)
            if len(models) < 3 and i not in models and not clash:
                models.append(i)
    zones = [z for z in range(5) if not any(comms[i]["zone"] == z for i in models + old_town)]
    gap_zone = zones[0] if zones else 3  # the sub-district short of elderly care
    old_share = old_shares(d, comms)
    fix_grids(comms, models, sub_rng(13))
    sites = candidate_sites(d, comms, block_comm, sub_rng(10))
    chosen, d["roles"] = site_facilities(d, comms, walk, dem, sites, models, old_town, gap_zone, sub_rng(11))
    for i, c in enumerate(comms):
        c["profile"] = "model" if i in models else "old_town" if i in old_town else ""
        c["no_primary"] = sum(d["block_sb"][b] in NO_PRIMARY for b in c["blocks"]) * 2 > len(c["blocks"])
    d["design"] = {"models": models, "old_town": old_town, "elderly_gap_zone": gap_zone, "old_share": old_share}

    facs = []
    names: set[str] = set()

    def add(ci, name, ftype, area, pt):
        assert name not in names, name
        names.add(name)
        facs.append({"comm": ci, "name": name, "type": ftype, "area": float(round(area, 1)), "pt": pt})

    def unique(name, alt):
        """The name, or the alternative when the name is taken (then a second site: (二))."""
        for nm in [name, alt] + [f"{alt}({x})" for x in "二三四五六七八九"]:
            if nm not in names:
                return nm
        raise AssertionError(name)

    def spot(k):
        """A site's point. Facilities sharing a site share the building and its address
        point, as geocoded data has them."""
        return sites[k]["pt"]

    per = {t: collections.defaultdict(list) for t in LEVELS}
    for t, lst in chosen.items():
        for _, k in lst:  # a facility belongs to the community it stands in
            per[t][sites[k]["comm"]].append(k)

    others = [i for i in range(n) if i not in models and i not in old_town]
    perm = [int(i) for i in rng.permutation(others)]
    pass_cs = set(models) | set(perm[:4])
    # the designed below-minimum examples, in ordinary communities only
    low = {"kg": [1800.0, 1650.0, 2050.0], "hs": [135.0, 120.0], "ed": [260.0, 320.0], "cu": [180.0, 220.0]}
    low_comm = {key: set(int(i) for i in rng.permutation(others)[: len(v) + 2]) for key, v in low.items()}

    for ci, c in enumerate(comms):
        cname, short, sub = c["name"], c["short"], c["sub"]
        is_model = ci in models
        # community service: the service centre first, then smaller stations
        ks = per["community_service"][ci]
        thr = max(1000.0, 30.0 * c["hh"] / 100.0)
        n_cs = len(ks)
        if ci in pass_cs:  # every facility at least 600 m², together above the standard
            rest = list(rng.uniform(600, 820, n_cs - 1))
            main = max(thr * rng.uniform(1.04, 1.3) - sum(rest), rng.uniform(700, 1000))
        else:  # together below the standard: one centre and, where needed, small stations
            total = thr * rng.uniform(0.6, 0.93)
            if n_cs == 1:
                main, rest = total, []
            elif total >= 640.0 * n_cs:
                rest = list(rng.uniform(600, 660, n_cs - 1))
                main = max(600.0, total - sum(rest))
            else:
                rest = list(rng.uniform(120, 420, n_cs - 1))
                main = max(600.0, total - sum(rest))
                if main + sum(rest) >= 0.95 * thr:
                    rest = list(np.array(rest) * (0.95 * thr - main) / sum(rest))
        main_t = str(
            rng.choice(["党群服务中心", "党群服务中心", "社区党群服务中心", "社区综合服务设施", "社区综合服务设施"])
        )
        main_name = {
            "党群服务中心": f"{cname}党群服务中心",
            "社区党群服务中心": f"锦城示范区{cname}党群服务中心",
            "社区综合服务设施": f"{cname}综合服务中心",
        }[main_t]
        for j, k in enumerate(ks):
            p = spot(k)
            if j == 0:
                add(ci, main_name, main_t, main, p)
            else:
                road = sites[k]["road"]
                t = str(rng.choice(["社区服务站", "社区服务站", "邻里中心"]))
                nm = f"{road}邻里中心" if t == "邻里中心" else f"{cname}{road}服务站"
                add(ci, unique(nm, f"{cname}{road}服务站"), t, rest[j - 1], p)

        for j, k in enumerate(per["cultural_station"][ci]):
            p = spot(k)
            if is_model or ci not in low_comm["cu"] or not low["cu"]:
                area = rng.uniform(300, 900) if j == 0 else rng.uniform(260, 420)
            else:
                area = low["cu"].pop()
            t = str(rng.choice(["文化活动站", "文化活动站", "社区综合文化服务中心", "文化活动室"]))
            if j == 0:
                nm = f"{cname}综合文化服务中心" if t == "社区综合文化服务中心" else f"{cname}文化活动站"
            else:
                t = "文化活动室"
                nm = f"{cname}{sites[k]['road']}文化活动室"
            add(ci, unique(nm, f"{cname}{sites[k]['road']}文化活动站"), t, area, p)

        for j, k in enumerate(per["elderly_day_care"][ci]):
            p = spot(k)
            road = sites[k]["road"]
            if j == 0:
                t = str(rng.choice(["老年人日间照料中心", "老年人日间照料中心", "日间照料中心"]))
                nm = f"{cname}{'老年人' if t == '老年人日间照料中心' else ''}日间照料中心"
                area = rng.uniform(450, 1200)
            else:
                t = str(rng.choice(["社区养老服务站", "社区养老服务站", "养老服务站", "托老所"]))
                nm = {
                    "社区养老服务站": f"{cname}{road}养老服务站",
                    "养老服务站": f"{road}养老服务站",
                    "托老所": f"{road}{rng.choice(['康乐', '颐和', '福寿', '安康', '夕阳红'])}托老所",
                }[t]
                area = rng.uniform(352, 520)
            if not is_model and ci in low_comm["ed"] and low["ed"]:
                area = low["ed"].pop()
            add(ci, unique(nm, f"{cname}{road}养老服务站"), t, area, p)

        for j, k in enumerate(per["health_station"][ci]):
            p = spot(k)
            road = sites[k]["road"]
            if j == 0:
                t = str(rng.choice(["社区卫生服务站", "社区卫生服务站", "卫生服务站"]))
                nm = f"{sub}{short}社区卫生服务站"
            else:
                t = str(rng.choice(["社区卫生服务站", "卫生服务站", "卫生站"]))
                nm = f"{short}社区{road}卫生服务站" if t != "卫生站" else f"{road}卫生站"
            area = rng.uniform(160, 360)
            if not is_model and ci in low_comm["hs"] and low["hs"]:
                area = low["hs"].pop()
            add(ci, unique(nm, f"{short}社区{road}卫生服务站"), t, area, p)

        private = [str(x) for x in rng.permutation(PRIVATE_KG)]
        public_no = 0
        for k in per["kindergarten"][ci]:
            p = spot(k)
            t = str(rng.choice(["幼儿园", "幼儿园", "公办幼儿园", "民办幼儿园"]))
            if t == "民办幼儿园":
                nm = f"{sites[k]['road']}{private.pop()}幼儿园"
            else:
                public_no += 1
                nm = (
                    f"锦城示范区{short}幼儿园"
                    if public_no == 1
                    else f"{short}第{'一二三四五六七八九'[public_no - 1]}幼儿园"
                )
            area = rng.uniform(2300, 4300)
            if not is_model and ci in low_comm["kg"] and low["kg"]:
                area = low["kg"].pop()
            add(ci, unique(nm, f"{sites[k]['road']}{private.pop()}幼儿园"), t, area, p)

    # schools
    j_names = [
        "锦城示范区第一中学",
        "锦城示范区第三中学",
        "锦城示范区实验中学",
        "锦城示范区华林中学",
        "锦城示范区第七中学",
        "锦城示范区蜀兴中学",
        "锦城示范区第十二中学",
        "锦城示范区育英中学",
        "锦城示范区桂苑中学",
        "锦城示范区第九中学",
        "锦城示范区青荷中学",
        "锦城示范区万福中学",
    ]
    j_types = [
        "初级中学",
        "初中",
        "中学",
        "初级中学",
        "初中",
        "初级中学",
        "初级中学",
        "初中",
        "初级中学",
        "中学",
        "初中",
        "初级中学",
    ]
    p_no, j_no = 0, 0
    for s in schools:
        ci, road = s["comm"], s["road"]
        if s["kind"] == "school_j":
            add(ci, j_names[j_no], j_types[j_no], rng.uniform(14000, 24000), s["pt"])
            j_no += 1
            continue
        p_no += 1
        if p_no == 5:
            add(ci, f"锦城示范区{comms[ci]['short']}学校", "九年一贯制学校", rng.uniform(18000, 26000), s["pt"])
            continue
        short = comms[ci]["short"]
        options = [f"锦城示范区{road}小学", f"锦城示范区{short}小学"] + [
            f"锦城示范区{short}第{x}小学" for x in "二三四五"
        ]
        nm = "锦城示范区实验小学" if p_no == 2 else next(o for o in options if o not in names)
        add(ci, nm, "完全小学" if p_no in (3, 9) else "小学", rng.uniform(8000, 16000), s["pt"])

    taken = {k for lst in chosen.values() for _, k in lst}
    # exactly one facility whose type is not in the rulebook: a market by a gate, off 万福路's side
    wz = [i for i, c in enumerate(comms) if c["zone"] == 4]
    free = [
        k for k in range(len(sites)) if sites[k]["comm"] == wz[0] and sites[k]["where"] == "front" and k not in taken
    ]
    add(wz[0], "万福菜市场", "菜市场", 1200.0, sites[free[0]]["pt"])
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
            rows.append((LineString(pts), net.highway[i], net.name[i]))
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
    # a first build without schools fixes the communities and where the schools go; the
    # second build, with the schools, keeps the same communities (blocks do not change)
    d0 = build_district()
    hh0 = households_per_block(d0)
    groups, attempt = group_communities(d0, hh0)
    comms0 = make_communities(d0, groups, hh0)
    # school grounds are walled, so where they are changes the walks: choose again with the
    # grounds of the earlier rounds closed (erring on the safe side for those left open)
    closed: set[int] = set()
    for _ in range(3):
        schools, design = site_schools(d0, comms0, frozenset(closed))
        closed |= set(schools)
    d = build_district(schools)
    hh_block = households_per_block(d)
    comms = make_communities(d, groups, hh_block)
    assert all(3000 <= c["hh"] <= 6000 for c in comms), [c["hh"] for c in comms]
    facs = build_facilities(d, comms, design)
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
            f"households={sum(c['hh'] for c in comms)} (partition attempts {attempt})"
        )
        des = d["design"]
        print(
            f"model communities (示范社区): {[comms[i]['name'] for i in des['models']]}; old town "
            f"(老旧小区): {[comms[i]['name'] for i in des['old_town']]}; short of elderly care: "
            f"{SUBDISTRICTS[des['elderly_gap_zone']]}; no primary school yet: "
            f"{[c['name'] for c in comms if c['no_primary']]}"
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
    is_public = st.highway.isin(PUBLIC) | (st["name"].fillna("") != "")  # roads and the named passages (巷)
    passages = st[~st.highway.isin(PUBLIC) & is_public]
    print(
        f"  named public roads: {named['name'].nunique()}; public lines without a name: "
        f"{int((named['name'].fillna('') == '').sum())}; public passages (named footways): "
        f"{len(passages)} ({passages['name'].nunique()} names, {passages.length.sum() / 1000:.1f} km, "
        f"highway {sorted(set(passages.highway))})"
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
    for g, pub in zip(raw, is_public, strict=True):
        if pub:
            public_nodes |= set(map(tuple, shapely.get_coordinates(g)))
    # (a gate is a lane segment ending on a public line; two estates' gates may meet the
    # same point of a road, so public points are not nodes of the lane graph)
    lane = nx.Graph()
    gate_of = collections.defaultdict(set)
    for g, pub in zip(raw, is_public, strict=True):
        if not pub:
            for a, b in itertools.pairwise([tuple(x) for x in shapely.get_coordinates(g)]):
                if a in public_nodes or b in public_nodes:
                    inner, outer = (b, a) if a in public_nodes else (a, b)
                    lane.add_node(inner)
                    gate_of[inner].add(outer)
                else:
                    lane.add_edge(a, b)
    counts = []
    for comp in nx.connected_components(lane):
        counts.append(sum(len(gate_of[v]) for v in comp))
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
    radii = {k: v["radius_m"]["value"] for k, v in rb["facility_types"].items()}
    fm = fac.copy()
    fm["ftype"] = [alias.get(t.strip().casefold(), "UNKNOWN") for t in fm["设施类型"]]
    from scipy.spatial import cKDTree

    # coverage as `planner analyze` measures it: the residents of 100 m cells (spread by
    # residential floor area) within the radius, walking through the gates | in a straight
    # line, and the communities with at least 90 % of their residents within it
    walk = Walk(
        types.SimpleNamespace(coords=[[tuple(x) for x in shapely.get_coordinates(g)] for g in st.geometry.values])
    )
    res = bld[bld["用途"] == "住宅"]
    dpts, dci, dw = cell_demand(
        com.geometry.values,
        com["人口"].to_numpy(dtype=float),
        res.geometry.values,
        (res.area * res["楼层"]).to_numpy(),
    )
    dsnap = walk.snap(dpts)
    dxy = shapely.get_coordinates(dpts)
    own = np.bincount(dci, weights=dw, minlength=len(com))
    print("  residents within the radius, walking | straight line, and communities with >= 90 % walking:")
    for t, rad in radii.items():
        f = fm[fm.ftype == t]
        cov = np.zeros(len(dpts), dtype=bool)
        for r in walk.site_reach(walk.snap(f.geometry.values), dsnap, rad):
            cov[r] = True
        straight = cKDTree(shapely.get_coordinates(f.geometry.values)).query(dxy)[0] <= rad
        passing = int((np.bincount(dci, weights=dw * cov, minlength=len(com)) / own >= 0.9).sum())
        print(
            f"     {t:18s} r={rad:5.0f} m  walking {dw[cov].sum() / dw.sum():5.1%}   straight "
            f"{dw[straight].sum() / dw.sum():5.1%}   communities {passing:2d}/{len(com)}   ({len(f)} facilities)"
        )
    # facilities: distance to the nearest public line (road or passage)
    pub = st[is_public]
    fd = np.array([pub.distance(p).min() for p in fac.geometry])
    print(
        f"  facility distance to the nearest road or passage centre line: median {np.median(fd):.0f} m,"
        f" max {np.max(fd):.0f} m; within 30 m: {(fd <= 30).sum()}/{len(fd)}"
    )
    sch = fm[fm.ftype.isin(["primary_school", "junior_school"])]
    br = st[st.highway.isin(["tertiary", "residential"])]
    on_branch = sum(br.distance(p).min() < 30 for p in sch.geometry)
    print(f"  schools with their gate on a branch road: {on_branch}/{len(sch)} (the others on a secondary road)")

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
    passage = (st.highway == "footway") & (st["name"].fillna("") != "")
    for hwy in ["footway", "service", "residential", "tertiary", "secondary", "primary"]:
        s = st[(st.highway == hwy) & ~passage]
        if len(s):
            s.plot(ax=ax, color=style[hwy][0], linewidth=style[hwy][1], label=hwy, zorder=2)
    st[passage].plot(ax=ax, color="#3f9f6f", linewidth=1.1, label="footway: 公共通道 (巷)", zorder=2)
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
    # facilities sharing a building share a point: draw each type a little apart
    kx = math.cos(math.radians(CENTER_LONLAT[1])) * 111320.0
    for j, (t, (col, mk, lab)) in enumerate(colours.items()):
        f = fac[fac.ftype == t]
        ang = 2 * math.pi * j / len(colours)
        dx, dy = 9 * math.cos(ang) / kx, 9 * math.sin(ang) / 110950.0
        if len(f):
            ax.scatter(
                f.geometry.x + dx,
                f.geometry.y + dy,
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

"""Compounds (小区 and walled sites): public lots, lane rings, central lanes, gates, buildings.

A compound connects to the public roads and passages only through its gates: short lines from
its lane ring to a vertex inserted into the road. Each compound draws from its own random
stream (``sub_rng(4, k)``), so a school ground elsewhere changes nothing here.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, Point, box

from .buildings import place_buildings, school_blocks
from .config import HALF_WIDTH, PASSAGE_HALF, SETBACK, sub_rng
from .streets import Net


class Fronts:
    """The lines a compound may open a gate onto: the public roads and the passages."""

    def __init__(self, net: Net, n_streets: int, passages: list[int]) -> None:
        self.net, self.n_streets = net, n_streets
        self.ids = list(range(n_streets)) + passages
        self.geom = {i: net.geom(i) for i in self.ids}
        self.tree = shapely.STRtree([self.geom[i] for i in self.ids])

    def reach(self, i: int) -> float:
        """Distance from a line's centre to the compound walls facing it."""
        return PASSAGE_HALF if i >= self.n_streets else HALF_WIDTH[self.net.highway[i]] + SETBACK

    def nearest(self, p: Point) -> int:
        """The front line nearest to p."""
        return self.ids[int(self.tree.nearest(p))]

    def facing(self, pt: Point, slack: float = 3.0) -> int | None:
        """The front line pt faces (within the wall distance plus slack), or None."""
        i = self.nearest(pt)
        d = self.geom[i].distance(pt)
        return i if d <= self.reach(i) + slack else None

    def foot(self, i: int, q: Point) -> Point:
        """The point of line i nearest to q."""
        return self.geom[i].interpolate(self.geom[i].project(q))


def _clear_of(junction_pts: np.ndarray, p: Point) -> float:
    return float(np.min(np.hypot(junction_pts[:, 0] - p.x, junction_pts[:, 1] - p.y)))


def _carve_parcel(c: dict, k: int, fronts: Fronts, rng, buildings: list, parcels: list) -> None:
    """Carve a public lot (配套公建: kindergartens, clinics) out of an estate corner on a street."""
    poly = c["poly"]
    x0, y0, x1, y1 = poly.bounds
    corners = [(x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)]
    ok = [q for q in corners if fronts.facing(Point(q[0], q[1]), 8) is not None]
    if not ok:
        return
    cx, cy, sx, sy = ok[int(rng.integers(0, len(ok)))]
    pw, ph = rng.uniform(56, 68), rng.uniform(48, 58)
    pbox = box(min(cx, cx + sx * pw), min(cy, cy + sy * ph), max(cx, cx + sx * pw), max(cy, cy + sy * ph))
    parcel = pbox.intersection(poly)
    if not (parcel.geom_type == "Polygon" and parcel.area > 2000):
        return
    rest = poly.difference(pbox.buffer(5, join_style="mitre"))
    if rest.geom_type == "MultiPolygon":
        rest = max(rest.geoms, key=lambda g: g.area)
    c["poly"] = shapely.set_precision(rest, 0.01)
    pb = parcel.buffer(-8, join_style="mitre")
    bx = pb.centroid
    fw, fd = rng.uniform(30, 40), rng.uniform(16, 22)
    foot = box(bx.x - fw / 2, bx.y - fd / 2, bx.x + fw / 2, bx.y + fd / 2)
    if pb.contains(foot):
        buildings.append((foot, 3, "公建", k))
    parcels.append({"poly": parcel, "cell": k, "sb": c["sb"], "block": c["block"]})
    c["parcel"] = len(parcels) - 1


def _gate_candidates(poly, fronts: Fronts, junction_pts: np.ndarray) -> list[tuple[Point, int, Point]]:
    """Points of the wall facing a street or a passage, away from junctions: (wall, line, foot)."""
    ext = poly.exterior
    samples = [ext.interpolate(d) for d in np.arange(0, ext.length, 7.0)]
    cands = []
    for clear in (25.0, 15.0):
        for q in samples:
            si = fronts.facing(q, 2.5)
            if si is None:
                continue
            ps = fronts.foot(si, q)
            if _clear_of(junction_pts, ps) < clear:
                continue
            cands.append((q, si, ps))
        if cands:
            break
    return cands


def _ring_polygon(poly):
    """The lane ring's outline, 8 m inside the wall, or None when too small for one."""
    ring_poly = poly.buffer(-8, join_style="mitre")
    if ring_poly.geom_type == "MultiPolygon":
        ring_poly = max(ring_poly.geoms, key=lambda g: g.area)
    if ring_poly.is_empty or ring_poly.area < 1500:
        return None
    return shapely.set_precision(ring_poly.simplify(0.2), 0.01)


def _spine(net: Net, ring: int, ring_poly, line: LineString, highway: str) -> list[int]:
    """A central lane across the ring along ``line``, when it crosses far enough."""
    seg = ring_poly.intersection(line)
    if not (seg.geom_type == "LineString" and seg.length > 40):
        return []
    a = net.insert(ring, seg.coords[0])
    b = net.insert(ring, seg.coords[-1])
    return [net.add([a, b], highway)]


def _lanes(net: Net, ring_poly, kind: str, rng) -> tuple[int, list[int]]:
    """The lane ring and the central lanes through larger compounds."""
    ring = net.add(ring_poly.exterior.coords, "footway" if kind == "park" else "service")
    spines = []
    rx0, ry0, rx1, ry1 = ring_poly.bounds
    if rx1 - rx0 > 150 and kind in ("new", "mid", "park", "commercial", "public"):
        x = (rx0 + rx1) / 2 + rng.uniform(-20, 20)
        hw = "footway" if kind in ("new", "park") else "service"
        spines += _spine(net, ring, ring_poly, LineString([(x, ry0 - 5), (x, ry1 + 5)]), hw)
    if ry1 - ry0 > 150 and kind in ("old", "mid", "new", "park"):
        y = (ry0 + ry1) / 2 + rng.uniform(-20, 20)
        spines += _spine(net, ring, ring_poly, LineString([(rx0 - 5, y), (rx1 + 5, y)]), "footway")
    if len(spines) == 2:
        net.node_pair(spines[0], spines[1])
    return ring, spines


def _n_gates(kind: str, rng) -> int:
    """Old walk-up estates have one gate; newer estates two to four (a park has four)."""
    if kind == "park":
        return 4
    if kind == "old":
        return 1
    if kind == "new":
        return int(rng.choice([3, 4, 4]))
    if kind == "mid":
        return int(rng.choice([2, 3, 3, 4]))
    return int(rng.choice([2, 3]))


def _pick_gates(net: Net, spines, cands, n_gates: int, fronts: Fronts, junction_pts, rng) -> list:
    """Where the gates go.

    The main gate sits at the end of a central lane when one reaches a street side, and so do
    further gates where possible (a lane straight through the estate); the rest are spread:
    each is the candidate farthest from those chosen.
    """
    ends = []
    for sp in spines:
        for e in (net.coords[sp][0], net.coords[sp][-1]):
            pe = Point(e)
            si = fronts.nearest(pe)
            ps = fronts.foot(si, pe)
            if fronts.geom[si].distance(pe) <= fronts.reach(si) + 8 + 1.0 and _clear_of(junction_pts, ps) >= 30:
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
    return picked


def _connect_gates(net: Net, ring: int, picked, kind: str, fronts: Fronts) -> list[dict]:
    """Gate lines from the ring to the road or passage, each end a vertex of both."""
    glist = []
    rg = LineString(net.coords[ring])
    for gi, (q, si, ps) in enumerate(picked):
        pr = rg.interpolate(rg.project(q))
        conn = LineString([(pr.x, pr.y), (ps.x, ps.y)])
        if conn.length > fronts.reach(si) + 14:
            continue
        a = net.insert(ring, (pr.x, pr.y))
        b = net.insert(si, (ps.x, ps.y))
        htype = "footway" if (kind == "park" or gi > 0) else "service"
        gid = net.add([a, b], htype)
        glist.append({"line": gid, "street": si, "ring_pt": a, "street_pt": b})
    return glist


def _estate_area(net: Net, poly, kind: str, spines: list[int]):
    """Buildable land of an estate: 12 m inside its wall, off its lanes (a garden in large towers)."""
    area = poly.buffer(-12, join_style="mitre")
    for s in spines:
        area = area.difference(net.geom(s).buffer(4, cap_style="flat"))
    if kind == "new" and area.area > 30000:
        cx, cy = area.centroid.x, area.centroid.y
        bx0, by0, bx1, by1 = area.bounds
        area = area.difference(
            box(cx - 0.18 * (bx1 - bx0), cy - 0.18 * (by1 - by0), cx + 0.18 * (bx1 - bx0), cy + 0.18 * (by1 - by0))
        )
    return area


def _compound(net: Net, k: int, c: dict, fronts: Fronts, junction_pts, out: dict) -> None:
    """Lay out compound k (cell c): lot, lanes, gates and buildings, appended to ``out``."""
    rng = sub_rng(4, k)  # one stream per compound: a school elsewhere changes nothing here
    kind = c["kind"]
    c["parcel"] = None
    if (
        kind in ("old", "mid", "new")
        and c["poly"].area > 22000
        and rng.random() < {"old": 0.3, "mid": 0.6, "new": 0.8}[kind]
    ):
        _carve_parcel(c, k, fronts, rng, out["buildings"], out["parcels"])
    poly = c["poly"]
    bare = {"cell": k, "ring": None, "gates": []}
    if kind in ("school_p", "school_j"):  # teaching blocks along the north, sports ground south
        out["buildings"] += [(t, 5 if kind == "school_j" else 4, "公建", k) for t in school_blocks(poly)]
        out["compounds"].append(bare)
        return
    cands = [] if kind == "green" else _gate_candidates(poly, fronts, junction_pts)
    if kind != "green" and not cands:  # land locked: leave it as open space
        c["kind"] = "green"
    ring_poly = _ring_polygon(poly) if cands else None
    if ring_poly is None:
        out["compounds"].append(bare)
        return
    ring, spines = _lanes(net, ring_poly, kind, rng)
    n_gates = _n_gates(kind, rng)
    picked = _pick_gates(net, spines, cands, n_gates, fronts, junction_pts, rng)
    glist = _connect_gates(net, ring, picked, kind, fronts)
    assert glist, f"compound {k} without a gate"
    out["gates"] += glist
    out["compounds"].append({"cell": k, "ring": ring, "spines": spines, "gates": glist})
    if kind != "park":
        area = _estate_area(net, poly, kind, spines)
        out["buildings"] += [(foot, st, use, k) for foot, st, use in place_buildings(area, kind, rng)]


def build_compounds(net: Net, junctions: dict, cells: list[dict], n_streets: int, passages: list[int]):
    """Every cell's compound; returns (compounds, parcels, buildings, gates).

    ``buildings`` are (footprint, storeys, use, cell index); the cells' ``poly``, ``kind``
    and ``parcel`` are updated in place (a lot carved out, a land-locked cell made green).
    """
    junction_pts = np.array(list(junctions.keys()))
    fronts = Fronts(net, n_streets, passages)
    out: dict = {"compounds": [], "parcels": [], "buildings": [], "gates": []}
    for k, c in enumerate(cells):
        _compound(net, k, c, fronts, junction_pts, out)
    return out["compounds"], out["parcels"], out["buildings"], out["gates"]

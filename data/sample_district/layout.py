"""The district's land: superblocks, street blocks, compound cells and public passages.

:func:`build_district` is the whole physical layout in the local frame (metres, x east,
y north): the public roads (:mod:`.streets`), the blocks they enclose, each block's land cut
into compound cells, the public passages (巷) between the cells, and the compounds with their
lanes, gates and buildings (:mod:`.compounds`).
"""

from __future__ import annotations

import collections
import itertools

import numpy as np
import shapely
from shapely.geometry import LineString, Point, box
from shapely.ops import polygonize

from .compounds import build_compounds
from .config import (
    COMMERCIAL_SB,
    HALF_WIDTH,
    INSTITUTIONAL_SB,
    PARK_SB,
    PASSAGE_P,
    SETBACK,
    XS,
    YS,
    sub_rng,
)
from .streets import Net, build_streets

NUMERALS = "一二三四五六七八九十"


def superblock_index(poly) -> tuple[int, int]:
    """(column, row) of the superblock (between arterials) that a polygon lies in."""
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


def _segments(net: Net, ids) -> list[LineString]:
    segs = []
    for i in ids:
        c = net.coords[i]
        segs += [LineString([c[k], c[k + 1]]) for k in range(len(c) - 1)]
    return segs


def _blocks(net: Net, kinds: list[str]) -> tuple[list, list, dict]:
    """Street blocks, the superblock of each, and the 72 superblocks by (column, row)."""
    n_streets = len(net.coords)
    arterial_ids = [i for i in range(n_streets) if kinds[i] == "arterial"]
    superblocks = list(polygonize(_segments(net, arterial_ids)))
    blocks = list(polygonize(_segments(net, range(n_streets))))
    assert len(superblocks) == 72, len(superblocks)
    sb_index = {superblock_index(sb): sb for sb in superblocks}
    assert len(sb_index) == 72
    return blocks, [superblock_index(b) for b in blocks], sb_index


def _characters(sb_index: dict) -> dict:
    """Residential character per superblock: old walk-ups south-west, towers north-east."""
    rng = sub_rng(1)
    sb_kind = {}
    for c, r in sorted(sb_index):
        score = 0.55 * c / 8 + 0.45 * r / 7 + rng.normal(0, 0.12)
        sb_kind[(c, r)] = "old" if score < 0.24 else ("mid" if score < 0.6 else "new")
    return sb_kind


def _cell_kind(sb: tuple[int, int], sb_kind: dict, rng: np.random.Generator) -> str:
    """What a compound cell in superblock sb becomes (a draw from the block's stream)."""
    if sb == PARK_SB:
        return "park"
    if sb in COMMERCIAL_SB:
        return "commercial" if rng.random() < 0.8 else "public"
    if sb in INSTITUTIONAL_SB:
        return "public" if rng.random() < 0.8 else "commercial"
    u = rng.random()
    base = sb_kind[sb]
    if u < 0.05:
        return "commercial"
    if u < 0.10:
        return "public"
    if u < 0.16:
        return "green"
    if u < 0.34:
        return str({"old": "mid", "mid": rng.choice(["old", "new", "new"]), "new": "mid"}[base])
    return str(base)


def _compound_cells(blocks, block_sb, road_buf, sb_kind) -> tuple[list[dict], dict]:
    """Each block's land outside the road reservations, cut into compound cells."""
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
            kind = _cell_kind(sb, sb_kind, rng)
            cells.append({"poly": cpoly, "block": bi, "sb": sb, "kind": str(kind)})
    return cells, block_splits


def _passages(net: Net, junctions: dict, tree, blocks, block_sb, block_splits, sb_kind) -> list[int]:
    """Public passages (公共通道, 巷): footways along the gaps between two rows of compounds.

    They run through a block from street to street, so that residents can cut through, and
    compounds open side gates onto them. Common in the newer areas, rare in the old town.
    """
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
    return passages


def _name_passages(net: Net, tree, passages: list[int]) -> None:
    """Name passages after the street they leave from, as 巷 usually are: 桂苑路一巷, 桂苑路二巷, ..."""
    per_road: collections.Counter = collections.Counter()
    for pid in sorted(passages, key=lambda i: net.coords[i][0]):
        e = Point(net.coords[pid][0])
        road = net.name[int(tree.nearest(e))]
        per_road[road] += 1
        k = per_road[road]
        net.name[pid] = f"{road}{NUMERALS[k - 1] if k <= 10 else k}巷"


def build_district(schools: dict | None = None) -> dict:
    """Streets, blocks, compounds (lanes, gates, buildings) and public passages.

    Parameters
    ----------
    schools
        ``{cell index: ("school_p" | "school_j", road line)}``: the cells that become walled
        school grounds (chosen by :func:`.schools.site_schools` on a first build without them).

    Returns
    -------
    dict
        The layout: ``net``, ``n_streets``, ``kinds``, ``junctions``, ``blocks``, ``block_sb``,
        ``superblocks``, ``cells``, ``compounds``, ``parcels``, ``buildings``, ``gates``,
        ``sb_kind``, ``schools``.
    """
    net, junctions, kinds = build_streets()
    n_streets = len(net.coords)
    street_geoms = [net.geom(i) for i in range(n_streets)]
    tree = shapely.STRtree(street_geoms)
    blocks, block_sb, sb_index = _blocks(net, kinds)
    road_buf = shapely.union_all(
        [
            g.buffer(HALF_WIDTH[net.highway[i]] + SETBACK, cap_style="flat", join_style="mitre")
            for i, g in enumerate(street_geoms)
        ]
    )
    sb_kind = _characters(sb_index)
    cells, block_splits = _compound_cells(blocks, block_sb, road_buf, sb_kind)
    for k, (label, _road) in (schools or {}).items():  # the cell becomes a walled school ground
        cells[k]["kind"] = label
    passages = _passages(net, junctions, tree, blocks, block_sb, block_splits, sb_kind)
    _name_passages(net, tree, passages)
    compounds, parcels, buildings, gates = build_compounds(net, junctions, cells, n_streets, passages)
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

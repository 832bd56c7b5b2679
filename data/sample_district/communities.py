"""Communities (社区): contiguous groups of street blocks per sub-district, and their attributes.

Communities tile the district exactly: they are unions of street blocks, whose edges are the
street centre lines. Their households follow the residential floor area of their buildings.
"""

from __future__ import annotations

import numpy as np
import shapely

from .config import (
    COMMUNITY_NAMES,
    DISTRICT_CODE,
    N_COMMUNITIES,
    SUBDISTRICT_NAME_FIRST,
    SUBDISTRICTS,
    UNIT_GFA,
    sub_rng,
    zone_of,
)

HH_LO, HH_HI, HH_MID = 3300, 5950, 5000  # households per community, before the school grounds take their share
MAX_SUPERBLOCKS = 4


def households_per_block(d: dict) -> np.ndarray:
    """Households per street block: residential floor area / floor area per household."""
    hh = np.zeros(len(d["blocks"]))
    for foot, st, use, k in d["buildings"]:
        if use == "住宅":
            kind = d["cells"][k]["kind"]
            hh[d["cells"][k]["block"]] += foot.area * st / UNIT_GFA[kind]
    return hh


class _Partition:
    """Block adjacency and household counts, for growing communities out of blocks."""

    def __init__(self, d: dict, hh: np.ndarray) -> None:
        blocks, self.bsb, self.hh = d["blocks"], d["block_sb"], hh
        self.n = n = len(blocks)
        self.adj: list[set[int]] = [set() for _ in range(n)]
        tree = shapely.STRtree(blocks)
        for i, b in enumerate(blocks):
            for j in tree.query(b, predicate="intersects"):
                if j != i and b.intersection(blocks[j]).length > 1.0:
                    self.adj[i].add(int(j))
        self.zone = [zone_of(*self.bsb[i]) for i in range(n)]
        self.cent = np.array([[b.centroid.x, b.centroid.y] for b in blocks])
        # communities per sub-district: 27 in all, in proportion to households
        zone_hh = np.array([self.total([i for i in range(n) if self.zone[i] == z]) for z in range(5)])
        quota = N_COMMUNITIES * zone_hh / zone_hh.sum()
        self.n_comm = np.floor(quota).astype(int)
        self.n_comm[np.argsort(-(quota - self.n_comm))[: N_COMMUNITIES - self.n_comm.sum()]] += 1

    def connected(self, g: set[int]) -> bool:
        if not g:
            return True
        start = next(iter(g))
        seen, todo = {start}, [start]
        while todo:
            b = todo.pop()
            for c in self.adj[b] & g:
                if c not in seen:
                    seen.add(c)
                    todo.append(c)
        return len(seen) == len(g)

    def total(self, g) -> float:
        return float(self.hh[list(g)].sum()) if g else 0.0

    def n_sb(self, g) -> int:
        return len({self.bsb[b] for b in g})

    def seeds(self, members: list[int], k: int, rng) -> list[int]:
        """k seed blocks spread over a sub-district: each among the 3 farthest from the others."""
        cent = self.cent
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
        return seeds

    def grow(self, members: list[int], seeds: list[int]) -> list[set[int]] | None:
        """Simultaneous growth: the group with the fewest households takes its best neighbour next."""
        k = len(seeds)
        groups = [{s} for s in seeds]
        free = set(members) - set(seeds)
        closed: set[int] = set()
        while free:
            open_g = [q for q in range(k) if q not in closed]
            if not open_g:
                return None
            q = min(open_g, key=lambda q: self.total(groups[q]))
            g = groups[q]
            front = set().union(*(self.adj[b] for b in g)) & free
            sbs = {self.bsb[b] for b in g}
            opts = [c for c in front if self.n_sb(g | {c}) <= MAX_SUPERBLOCKS]
            if not opts:
                closed.add(q)
                continue
            c = max(
                opts,
                key=lambda c: (
                    self.bsb[c] in sbs,
                    len(self.adj[c] & g),
                    -np.hypot(*(self.cent[c] - self.cent[seeds[q]])),
                ),
            )
            g.add(c)
            free.discard(c)
        return groups

    def _moves(self, groups: list[set[int]], q: int) -> list[tuple]:
        """Boundary blocks group q could take (too small) or give (too large): (cost, block, src, dst)."""
        g, hh, moves = groups[q], self.hh, []
        for r in range(len(groups)):
            if r == q:
                continue
            h = groups[r]
            if self.total(g) < HH_LO:  # take a block from h
                for c in h:
                    if self.adj[c] & g and self.connected(h - {c}) and len(h) > 1 and self.n_sb(g | {c}) <= 4:
                        cost = abs(self.total(g) + hh[c] - HH_MID) + abs(self.total(h) - hh[c] - HH_MID)
                        moves.append((cost, c, r, q))
            else:  # give a block to h
                for c in g:
                    if (
                        self.adj[c] & h
                        and self.connected(g - {c})
                        and len(g) > 1
                        and self.n_sb(h | {c}) <= 4
                        and self.total(h) + hh[c] <= HH_HI
                    ):
                        cost = abs(self.total(g) - hh[c] - HH_MID) + abs(self.total(h) + hh[c] - HH_MID)
                        moves.append((cost, c, q, r))
        return moves

    def repair(self, groups: list[set[int]], rng) -> list[set[int]] | None:
        """Move boundary blocks from neighbours into groups that are too small or too large."""
        for _ in range(200):
            bad = [q for q in range(len(groups)) if not HH_LO <= self.total(groups[q]) <= HH_HI]
            if not bad:
                break
            q = bad[int(rng.integers(0, len(bad)))]
            moves = self._moves(groups, q)
            if not moves:
                return None
            moves.sort(key=lambda m: m[0])
            _, c, src, dst = moves[int(rng.integers(0, min(2, len(moves))))]
            groups[src].discard(c)
            groups[dst].add(c)
        return groups

    def zone_groups(self, z: int, rng) -> list[set[int]] | None:
        members = [i for i in range(self.n) if self.zone[i] == z]
        groups = self.grow(members, self.seeds(members, int(self.n_comm[z]), rng))
        return None if groups is None else self.repair(groups, rng)


def group_communities(d: dict, hh: np.ndarray) -> tuple[list, list[int]]:
    """Contiguous groups of blocks per sub-district: 3,100-5,800 households, <= 4 superblocks.

    Per sub-district: k seeds spread over it, then simultaneous growth (the group with the
    fewest households takes its best neighbouring block next), then a repair pass that moves
    boundary blocks from large to small groups. Retried with new seeds until valid.

    Returns
    -------
    tuple
        ``[(sub-district, blocks, polygon)]`` and the attempt that succeeded per sub-district.
    """
    part, blocks = _Partition(d, hh), d["blocks"]
    why: dict[str, int] = {}
    out, tries = [], []
    for z in range(5):  # each sub-district on its own, retried with new seeds until valid
        for attempt in range(500):
            gs = part.zone_groups(z, sub_rng(5, z, attempt))
            if gs is None:
                why["grow"] = why.get("grow", 0) + 1
                continue
            us = [shapely.union_all([blocks[b] for b in g]) for g in gs]
            if not all(HH_LO <= part.total(g) <= HH_HI and part.n_sb(g) <= MAX_SUPERBLOCKS for g in gs):
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


def _outlier_grids(comms: list[dict], rng) -> dict[int, int]:
    """Designed governance-grid outliers: three communities with too few grids (~540-600
    households each), two with too many (~260-295 each)."""
    idx = [int(i) for i in rng.permutation(len(comms))]
    outliers: dict[int, int] = {}
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
    return outliers


def _grids(comms: list[dict], rng) -> None:
    """Governance grids: mostly 300-500 households per grid, a few outliers on purpose."""
    outliers = _outlier_grids(comms, rng)
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


def make_communities(d: dict, groups: list, hh_block: np.ndarray) -> list[dict]:
    """Names, codes, households, residents, staff and grids of the grouped communities."""
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
    _grids(comms, rng)
    return comms

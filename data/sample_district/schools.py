"""The design and the schools: model and old-town communities, and where the schools go.

Chosen on a district built without schools (:func:`site_schools`); the school grounds then
replace estates in the second build. Walking reach is planner's own (:mod:`.walking`).
"""

from __future__ import annotations

import collections

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from .cells import demand_cells
from .config import N_PRIMARY_PASS, N_SCHOOLS, NO_PRIMARY, RADIUS, SCHOOL_AREA, UNIT_GFA, sub_rng
from .walking import Walk

MIN_HOUSEHOLDS = 3200  # a school ground replaces an estate: no community left below this
MODEL_SHARE = 0.93  # residents within reach of a model community's schools
SPEC = {"school_j": (RADIUS["junior_school"], 700.0), "school_p": (RADIUS["primary_school"], 350.0)}  # radius, spacing


def school_gate(d: dict, k: int, road: int) -> tuple[Point, Point]:
    """A school's gate: the middle of its side facing the road, 4 m inside its wall; and its foot on the road."""
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


def school_sites(d: dict, block_comm: dict) -> list[dict]:
    """One facility point per school site: its gate, in the middle of the side facing its road."""
    out = []
    for k, (label, road) in sorted(d["schools"].items()):
        pt, _ = school_gate(d, k, road)
        cell = d["cells"][k]
        out.append({"cell": k, "kind": label, "pt": pt, "comm": block_comm[cell["block"]], "road": d["net"].name[road]})
    return out


def old_shares(d: dict, comms: list[dict], kind: str = "old") -> np.ndarray:
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


def school_lanes(d: dict, cells) -> set[int]:
    """The lanes and gates of the estates on the given cells."""
    out = set()
    for c in d["compounds"]:
        if c["cell"] in cells and c["ring"] is not None:
            out |= {c["ring"], *c.get("spines", []), *(g["line"] for g in c["gates"])}
    return out


def no_primary(d: dict, c: dict) -> bool:
    """Whether most of a community's blocks are in the area without a primary school."""
    return sum(d["block_sb"][b] in NO_PRIMARY for b in c["blocks"]) * 2 > len(c["blocks"])


def _candidates(d: dict) -> list[tuple]:
    """Large estates on a branch road or, failing that, a secondary road: (cell, road, gate, foot)."""
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
    return cand


class _Schools:
    """The candidate sites, the demand they reach and the households each would displace."""

    def __init__(self, d: dict, comms: list[dict], closed) -> None:
        self.d, self.comms, self.cells = d, comms, d["cells"]
        self.cand = cand = _candidates(d)
        self.pts, self.dci, self.w = demand_cells(d, comms)
        self.n = n = len(comms)
        self.own_w = np.bincount(self.dci, weights=self.w, minlength=n)
        shapely.prepare(self.pts)
        # a school ground is walled: nobody walks through it (closed: the school grounds of
        # earlier rounds of this choice)
        walk = Walk(d["net"], self.pts, skip=school_lanes(d, closed))
        feet = np.array([f for *_, f in cand], dtype=object)
        legs = np.array([g.distance(f) for _, _, g, f in cand])  # gate to road: an extra leg
        self.reaches = {r: walk.reach(feet, r, legs=legs) for r in (RADIUS["primary_school"], RADIUS["junior_school"])}
        self.hh_left = np.array([float(c["hh"]) for c in comms])
        self.cell_hh: collections.Counter = collections.Counter()
        for foot, st, use, k in d["buildings"]:
            if use == "住宅":
                self.cell_hh[k] += foot.area * st / UNIT_GFA[self.cells[k]["kind"]]
        self.cand_comm = [
            next(ci for ci, c in enumerate(comms) if self.cells[k]["block"] in c["blocks"]) for k, *_ in cand
        ]
        self.chosen: dict[int, tuple[str, int]] = {}

    def allowed(self, q: int, label: str, left: np.ndarray) -> bool:
        """Site q keeps its community above MIN_HOUSEHOLDS; no primary school in NO_PRIMARY."""
        k = self.cand[q][0]
        if left[self.cand_comm[q]] - self.cell_hh[k] < MIN_HOUSEHOLDS:
            return False
        return label == "school_j" or self.cells[k]["sb"] not in NO_PRIMARY

    def gone(self, qs: list[int]) -> np.ndarray:
        """Demand points on the grounds of sites qs (nobody lives on a school ground)."""
        gone = np.zeros(len(self.pts), dtype=bool)
        for q in qs:
            gone |= shapely.contains(self.cells[self.cand[q][0]]["poly"], self.pts)
        return gone

    def trial(self, c: int, label: str, k: int, prior: list[tuple[str, int]]) -> tuple[float, list[int]]:
        """Up to k school sites, chosen one at a time for community c after those in prior
        (both kinds); returns the share of c's residents within reach, and the sites."""
        radius, sep = SPEC[label]
        reach, w, cand = self.reaches[radius], self.w, self.cand
        mask, got = self.dci == c, np.zeros(len(self.pts), dtype=bool)
        left = self.hh_left.copy()
        for lab, q in prior:
            left[self.cand_comm[q]] -= self.cell_hh[cand[q][0]]
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
                and self.allowed(q, label, left)
                and all(cand[q][2].distance(cand[p][2]) >= sep for p in same)
            ]
            g = [w[reach[q][mask[reach[q]] & ~got[reach[q]]]].sum() for q in qs]
            if not qs or max(g) <= 0:
                break
            q = qs[int(np.argmax(g))]
            picks.append(q)
            used.add(q)
            left[self.cand_comm[q]] -= self.cell_hh[cand[q][0]]
            got[reach[q]] = True
        gone = self.gone([q for _, q in prior] + picks)
        return w[mask & got & ~gone].sum() / max(w[mask & ~gone].sum(), 1e-9), picks

    def models(self, order: list[int]) -> tuple[list[int], list[tuple[str, int]]]:
        """The model communities: the first in ``order`` that two junior and four primary schools
        serve to MODEL_SHARE, in different sub-districts where possible; and those schools."""
        models: list[int] = []
        prior: list[tuple[str, int]] = []
        for distinct in (True, False):
            for i in order:
                if len(models) == 3 or i in models:
                    continue
                if distinct and any(self.comms[m]["zone"] == self.comms[i]["zone"] for m in models):
                    continue
                sj, pj = self.trial(i, "school_j", 2, prior)
                sp, pp = self.trial(i, "school_p", 4, prior + [("school_j", q) for q in pj])
                if min(sj, sp) >= MODEL_SHARE:
                    models.append(i)
                    prior += [("school_j", q) for q in pj] + [("school_p", q) for q in pp]
        return models, prior


class _Round:
    """Placing the schools of one kind, one at a time."""

    def __init__(self, s: _Schools, label: str) -> None:
        self.s, self.label = s, label
        radius, self.sep = SPEC[label]
        self.reach = s.reaches[radius]
        self.cov = np.zeros(len(s.pts), dtype=bool)
        self.mine: list[int] = []

    def ok(self, q: int) -> bool:
        s = self.s
        k, _, gate, _ = s.cand[q]
        if k in s.chosen or any(gate.distance(s.cand[m][2]) < self.sep for m in self.mine):
            return False
        return s.allowed(q, self.label, s.hh_left)

    def open_sites(self) -> list[int]:
        return [q for q in range(len(self.s.cand)) if self.ok(q)]

    def take(self, q: int) -> None:
        s = self.s
        self.mine.append(q)
        self.cov[self.reach[q]] = True
        s.chosen[s.cand[q][0]] = (self.label, s.cand[q][1])
        s.hh_left[s.cand_comm[q]] -= s.cell_hh[s.cand[q][0]]
        gone = shapely.contains(s.cells[s.cand[q][0]]["poly"], s.pts)  # nobody lives on a school ground
        s.own_w[:] = s.own_w - np.bincount(s.dci[gone], weights=s.w[gone], minlength=s.n)
        s.w[gone] = 0.0

    def best(self, qs: list[int], mask: np.ndarray | None, got: np.ndarray) -> tuple[int, float]:
        """Position in qs of the site that reaches most residents (of mask) not yet in got, and how many."""
        reach, w = self.reach, self.s.w
        if mask is None:
            g = [w[reach[q][~got[reach[q]]]].sum() for q in qs]
        else:
            g = [w[reach[q][mask[reach[q]] & ~got[reach[q]]]].sum() for q in qs]
        return int(np.argmax(g)), max(g)

    def serve(self, c: int, most: int, target: float) -> None:
        """Up to ``most`` schools for community c, until ``target`` of its residents are in reach."""
        s = self.s
        for _ in range(most):
            if s.w[(s.dci == c) & self.cov].sum() / s.own_w[c] >= target or len(self.mine) >= N_SCHOOLS[self.label]:
                return
            qs = self.open_sites()
            if not qs:
                return
            i, g = self.best(qs, s.dci == c, self.cov)
            if g <= 0:
                return
            self.take(qs[i])

    def two_school_share(self, c: int) -> float:
        """The share of c's residents that two more schools could reach."""
        s = self.s
        mask, got = s.dci == c, self.cov.copy()
        for _ in range(2):
            qs = self.open_sites()
            got[self.reach[qs[self.best(qs, mask, got)[0]]]] = True
        return s.w[mask & got].sum() / s.own_w[c]

    def fill(self) -> None:
        """The rest, one at a time where they reach the most residents not yet served."""
        while len(self.mine) < N_SCHOOLS[self.label]:
            qs = self.open_sites()
            if not qs:
                break
            self.take(qs[self.best(qs, None, self.cov)[0]])


def _primary_pass(r: _Round, skip: set[int], models: list[int], rng) -> None:
    """Primary schools for the communities that two schools can serve best, two per sub-district at most."""
    comms = r.s.comms
    two = {c: r.two_school_share(c) for c in range(r.s.n) if c not in skip}
    served = list(models)
    for c in sorted(two, key=lambda c: (-round(two[c], 2), float(rng.random()))):
        if len(served) >= N_PRIMARY_PASS:
            break
        if sum(comms[x]["zone"] == comms[c]["zone"] for x in served) < 2:
            r.serve(c, 3, 0.95)
            served.append(c)


def site_schools(d: dict, comms: list[dict], closed=frozenset()) -> tuple[dict, dict]:
    """Choose the design on a district built without schools: the model and old-town
    communities, and the school sites (large estates on a branch road or, failing that, a
    secondary road; the school ground replaces the estate).

    The model communities are the newest ones that two junior and four primary schools can
    serve (93 % of their residents within the radius), and get those schools first; primary
    schools then serve a few more communities that two schools can serve best; the rest go
    one at a time where they reach the most residents not yet served. No primary school in
    the new-build area NO_PRIMARY; no community left below 3,200 households.

    Returns
    -------
    tuple
        ``{cell: (label, road line)}`` of the school grounds, and the design
        ``{"models": [...], "old_town": [...]}`` (community indices).
    """
    s = _Schools(d, comms, closed)
    rng = sub_rng(3)
    # the design: three old-town communities (most old walk-ups) and three model communities
    # (newest estates), the model ones in different sub-districts and outside NO_PRIMARY
    old, new = old_shares(d, comms), old_shares(d, comms, kind="new")
    old_town = [int(i) for i in np.argsort(-old)[:3]]
    none = {ci for ci, c in enumerate(comms) if no_primary(d, c)}
    order = [int(i) for i in np.argsort(-(new - old)) if int(i) not in old_town and int(i) not in none]
    models, prior = s.models(order)
    for label in ("school_j", "school_p"):
        r = _Round(s, label)
        for q in [q for lab, q in prior if lab == label]:
            r.take(q)
        if label == "school_p":
            _primary_pass(r, set(old_town) | none | set(models), models, rng)
        r.fill()
    return s.chosen, {"models": models, "old_town": old_town}

"""Where the 5-minute facilities go: candidate sites, and the sites chosen per type.

Community-level facilities stand where a real one would (:func:`candidate_sites`); per type
(:data:`.config.LEVELS`) the model communities get facilities until 93 % of their residents
are within the walking radius, the designed gaps get none or one, every other community one
where it serves the most of its residents, and the rest of the budget goes where it serves
the most residents not yet served (:func:`site_type`). Walking reach is planner's own.
"""

from __future__ import annotations

import collections
import math

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import Point

from .config import ESTATE_FIRST, ESTATE_LAST, HALF_WIDTH, LEVELS, RADIUS
from .walking import Walk

TARGET = 0.93  # share of residents within the radius for the communities meant to pass


class _EstateNames:
    """An invented estate name per compound (翠金苑, 御蓉湾, ...), drawn when first asked for."""

    def __init__(self, rng) -> None:
        self.rng, self.names, self.used = rng, {}, set()

    def __call__(self, k: int) -> str:
        if k not in self.names:
            rng = self.rng
            while True:
                nm = str(rng.choice(ESTATE_FIRST)) + str(rng.choice(ESTATE_FIRST)) + str(rng.choice(ESTATE_LAST))
                if nm[0] != nm[1] and nm not in self.used:
                    break
            self.used.add(nm)
            self.names[k] = nm
        return self.names[k]


def _gate_sites(d: dict, comp: dict, ci: int, comm_poly, estate_name, rng) -> list[dict]:
    """Sites at one compound's gates: the pavement beside each street gate, just inside each gate."""
    net, cell, sites = d["net"], d["cells"][comp["cell"]], []
    for g in comp["gates"]:
        a, b = np.asarray(g["ring_pt"]), np.asarray(g["street_pt"])
        nvec = (a - b) / np.linalg.norm(a - b)  # from the street into the estate
        t = np.array([-nvec[1], nvec[0]])
        base = {"comm": ci, "cell": comp["cell"], "ekind": cell["kind"], "gate": g["line"]}
        if g["street"] < d["n_streets"]:
            hw = HALF_WIDTH[net.highway[g["street"]]]
            for side in (1, -1):
                pt = Point(b + nvec * (hw + 3.0) + t * side * rng.uniform(10, 18))
                if comm_poly.contains(pt) and not cell["poly"].contains(pt):
                    sites.append({**base, "pt": pt, "where": "front", "road": net.name[g["street"]]})
        side = 1 if rng.random() < 0.5 else -1
        pt = Point(a - nvec * 3.0 + t * side * rng.uniform(9, 14))
        if cell["poly"].buffer(-2).contains(pt):
            sites.append({**base, "pt": pt, "where": "inside", "road": estate_name(comp["cell"])})
    return sites


def _parcel_site(d: dict, pi: int, block_comm: dict, stree, estate_name) -> dict:
    """The site of a public lot: 3 m inside its side nearest to a street."""
    net, p = d["net"], d["parcels"][pi]
    poly = p["poly"]
    si = int(stree.nearest(poly))
    near = shapely.ops.nearest_points(poly.boundary, net.geom(si))[0]
    cen = poly.centroid
    v = np.array([cen.x - near.x, cen.y - near.y])
    v /= np.linalg.norm(v)
    return {
        "comm": block_comm[p["block"]],
        "cell": p["cell"],
        "ekind": d["cells"][p["cell"]]["kind"],
        "gate": None,
        "pt": Point(near.x + 3 * v[0], near.y + 3 * v[1]),
        "where": "parcel",
        "road": estate_name(p["cell"]),
        "parcel": pi,
    }


def candidate_sites(d: dict, comms: list[dict], block_comm: dict, rng) -> list[dict]:
    """Where a community facility can stand: on the pavement beside a compound gate (street
    frontage, often the ground floor of the estate's shop row), just inside a gate that opens
    onto a passage, or on a public lot (配套公建用地) carved out of an estate corner."""
    estate_name = _EstateNames(rng)
    sites = []
    for comp in d["compounds"]:
        cell = d["cells"][comp["cell"]]
        if cell["kind"] not in ("old", "mid", "new", "commercial"):
            continue
        ci = block_comm[cell["block"]]
        sites += _gate_sites(d, comp, ci, comms[ci]["poly"], estate_name, rng)
    stree = shapely.STRtree([d["net"].geom(i) for i in range(d["n_streets"])])
    sites += [_parcel_site(d, pi, block_comm, stree, estate_name) for pi in range(len(d["parcels"]))]
    return sites


def site_facilities(d, comms, walk: Walk, dem, sites, models, old_town, gap_zone, rng):
    """Pick the sites of the 5-minute facilities (see LEVELS); returns, per type, the list of
    (community served, site index) and the role each community played."""
    spt = np.array([s["pt"] for s in sites], dtype=object)
    reach = {r: walk.reach(spt, r) for r in sorted({RADIUS[t] for t in LEVELS})}
    chosen, plan = {}, {}
    for t, levels in LEVELS.items():
        chosen[t], plan[t] = site_type(t, levels, reach[RADIUS[t]], comms, dem, sites, models, old_town, gap_zone, rng)
    return chosen, plan


def _roles(t: str, levels: tuple, comms, models, old_town, gap_zone, rng) -> tuple[list[int], dict, dict]:
    """The other communities in a random order, their ceilings and every community's role:
    "pass" (served to TARGET), "open" (one facility, then more up to its ceiling), "one" or "none"."""
    _, n_pass, n_none, lo, hi, _ = levels
    others = [c for c in range(len(comms)) if c not in models and c not in old_town]
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
    return perm, ceiling, role


def _allowed(t: str, s: dict) -> bool:
    """Which sites suit a type."""
    if t == "kindergarten":  # on its own lot, or a street-front building of a newer estate
        return s["where"] == "parcel" or (s["where"] == "front" and s["ekind"] in ("mid", "new"))
    if t == "health_station":
        return s["where"] == "front"
    return s["where"] != "parcel"


def _type_candidates(t: str, sites, comms, models, role) -> dict[int, list[int]]:
    """The candidate sites of each community for type t."""
    by_comm = collections.defaultdict(list)
    for k, s in enumerate(sites):
        by_comm[s["comm"]].append(k)
    cand = {c: [k for k in by_comm[c] if _allowed(t, sites[k])] for c in range(len(comms))}
    for c in models:
        # a model community also has the service in its estates, just inside their gates,
        # and shares some with the neighbours across its boundary roads
        poly = comms[c]["poly"]
        cand[c] = [
            k
            for k in range(len(sites))
            if (_allowed(t, sites[k]) or sites[k]["where"] == "inside")
            and (sites[k]["comm"] == c or (role.get(sites[k]["comm"]) == "open" and sites[k]["pt"].distance(poly) < 60))
        ]
    return cand


class _Placement:
    """The facilities of one type placed so far and the residents they reach."""

    def __init__(self, t: str, rr: list[np.ndarray], dem, sites, cand, models) -> None:
        self.t, self.rr, self.sites, self.cand, self.models = t, rr, sites, cand, models
        pts, self.dci, self.w = dem
        self.own = [np.flatnonzero(self.dci == c) for c in range(len(cand))]
        self.own_w = np.array([self.w[o].sum() for o in self.own])
        self.xy = shapely.get_coordinates(np.array([s["pt"] for s in sites], dtype=object))
        self.count: collections.Counter = collections.Counter()
        self.cov = np.zeros(len(pts), dtype=bool)
        self.out: list[tuple[int, int]] = []

    def share(self, c: int) -> float:
        o = self.own[c]
        return self.w[o[self.cov[o]]].sum() / self.own_w[c]

    def gain(self, k: int, c: int, own_only: bool) -> float:
        new = self.rr[k][~self.cov[self.rr[k]]]
        g = self.w[new[self.dci[new] == c]].sum() if own_only else self.w[new].sum()
        return g * 1.2 if (self.t == "kindergarten" and self.sites[k]["where"] == "parcel") else g

    def best_own(self, c: int) -> int:
        return max(self.cand[c], key=lambda k: self.gain(k, c, True))

    def place(self, c: int, k: int) -> None:
        self.cov[self.rr[k]] = True
        self.out.append((c, k))
        self.count[c] += 1
        spacing = 50 if c in self.models else 80
        self.cand[c] = [q for q in self.cand[c] if math.dist(self.xy[q], self.xy[k]) > spacing]

    def best_anywhere(self, perm, role, ceiling, most: int):
        """(community, site) that serves the most residents not yet served, or None."""
        best, best_g = None, 0.0
        for c in perm:
            if role[c] != "open" or self.count[c] >= most or self.share(c) >= ceiling[c]:
                continue
            for k in self.cand[c]:
                g = self.gain(k, c, False)
                if g > best_g:
                    best, best_g = (c, k), g
        return best


def site_type(t, levels, rr, comms, dem, sites, models, old_town, gap_zone, rng):
    """The sites of one 5-minute type.

    The model communities, and a few others, get facilities until at least 93 % of their
    residents are within the radius; every other community (except the designed gaps) gets
    one facility where it serves the most of its residents; the old-town communities get at
    most one, near their centre; the rest of the type's budget goes, one facility at a time,
    wherever it serves the most residents not yet served, in communities still below their
    own ceiling.
    """
    budget, most = levels[0], levels[5]
    perm, ceiling, role = _roles(t, levels, comms, models, old_town, gap_zone, rng)
    p = _Placement(t, rr, dem, sites, _type_candidates(t, sites, comms, models, role), models)
    # A: the communities meant to pass
    for c in models + [c for c in perm if role[c] == "pass"]:
        while p.cand[c] and p.share(c) < TARGET and p.count[c] < most + (5 if c in models else 2):
            p.place(c, p.best_own(c))
    # B: one facility in every other community that has one
    for c in perm:
        if role[c] in ("open", "one") and p.cand[c] and not p.count[c]:
            p.place(c, p.best_own(c))
    for c in old_town:
        if role[c] == "one" and p.cand[c]:
            c0 = comms[c]["poly"].centroid
            p.place(c, min(p.cand[c], key=lambda k, c0=c0: sites[k]["pt"].distance(c0)))
    # C: the rest of the budget where it serves the most
    while len(p.out) < budget:
        best = p.best_anywhere(perm, role, ceiling, most)
        if best is None:
            break
        p.place(*best)
    return p.out, role

"""All facilities: the schools chosen before and the 5-minute facilities sited in the final build.

:func:`build_facilities` fixes the model communities (those the schools serve well), the
sub-district short of elderly care and the governance-grid outliers, sites the 5-minute
facilities (:mod:`.siting`) and names them with their floor areas (:mod:`.facility_names`).
"""

from __future__ import annotations

import numpy as np

from .cells import demand_cells
from .config import RADIUS, sub_rng
from .facility_names import Names, community_facilities, market, schools_named
from .schools import no_primary, old_shares, school_sites
from .siting import candidate_sites, site_facilities
from .walking import Walk

MODEL_FIT = 0.9  # share of a model community's residents within reach of both kinds of school


def _school_shares(walk: Walk, schools: list[dict], dem, n: int) -> dict[str, np.ndarray]:
    """Per community, the share of residents within reach of a primary and of a junior school."""
    pts, dci, w = dem
    own_w = np.bincount(dci, weights=w, minlength=n)
    out = {}
    for t, kind in (("primary_school", "school_p"), ("junior_school", "school_j")):
        sp = np.array([s["pt"] for s in schools if s["kind"] == kind], dtype=object)
        cov = np.zeros(len(pts), dtype=bool)
        for r in walk.reach(sp, RADIUS[t]):
            cov[r] = True
        out[t] = np.bincount(dci, weights=w * cov, minlength=n) / own_w
    return out


def _models(comms: list[dict], design: dict, fit: np.ndarray) -> list[int]:
    """The model communities: those the schools serve well (as intended where they do), in
    different sub-districts where possible."""
    old_town = design["old_town"]
    ranked = [i for i in design["models"] if fit[i] >= MODEL_FIT]
    ranked += [
        int(i) for i in np.argsort(-fit) if fit[i] >= MODEL_FIT and int(i) not in ranked and int(i) not in old_town
    ]
    models: list[int] = []
    for distinct in (True, False):
        for i in ranked:
            clash = distinct and any(comms[m]["zone"] == comms[i]["zone"] for m in models)
            if len(models) < 3 and i not in models and not clash:
                models.append(i)
    return models


def fix_grids(comms: list[dict], models: list[int], rng) -> None:
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


def _design(d: dict, comms: list[dict], design: dict, walk: Walk, dem, schools) -> tuple[list[int], int]:
    """The model communities and the sub-district short of elderly care; records d["design"]."""
    old_town = design["old_town"]
    share = _school_shares(walk, schools, dem, len(comms))
    models = _models(comms, design, np.minimum(share["primary_school"], share["junior_school"]))
    zones = [z for z in range(5) if not any(comms[i]["zone"] == z for i in models + old_town)]
    gap_zone = zones[0] if zones else 3  # the sub-district short of elderly care
    old_share = old_shares(d, comms)
    fix_grids(comms, models, sub_rng(13))
    for i, c in enumerate(comms):
        c["profile"] = "model" if i in models else "old_town" if i in old_town else ""
        c["no_primary"] = no_primary(d, c)
    d["design"] = {"models": models, "old_town": old_town, "elderly_gap_zone": gap_zone, "old_share": old_share}
    return models, gap_zone


def build_facilities(d: dict, comms: list[dict], design: dict) -> list[dict]:
    """All facilities: the schools chosen before, the 5-minute facilities sited here (see
    LEVELS), their names, raw type names and floor areas with the designed gaps.

    Returns
    -------
    list of dict
        ``comm`` (community index), ``name``, ``type`` (raw type name), ``area`` (m²), ``pt``.
    """
    rng = sub_rng(8)
    block_comm = {b: ci for ci, c in enumerate(comms) for b in c["blocks"]}
    dem = demand_cells(d, comms)
    walk = Walk(d["net"], dem[0])
    schools = school_sites(d, block_comm)
    models, gap_zone = _design(d, comms, design, walk, dem, schools)
    old_town = design["old_town"]
    sites = candidate_sites(d, comms, block_comm, sub_rng(10))
    chosen, d["roles"] = site_facilities(d, comms, walk, dem, sites, models, old_town, gap_zone, sub_rng(11))
    names = Names()
    community_facilities(names, comms, sites, chosen, models, old_town, rng)
    schools_named(names, comms, schools, rng)
    market(names, comms, sites, chosen)
    return names.facilities

"""The generator's two builds: the first fixes communities and schools, the second is written."""

from __future__ import annotations

import collections
import logging
from pathlib import Path

from .communities import group_communities, households_per_block, make_communities
from .config import OUT, SUBDISTRICTS
from .facilities import build_facilities
from .layout import build_district
from .rulebook import check_rulebook_types
from .schools import site_schools
from .write import write

log = logging.getLogger(__name__)

SCHOOL_ROUNDS = 3


def _choose(d0: dict, comms0: list[dict]) -> tuple[dict, dict]:
    """Where the schools go, and the design (model and old-town communities).

    School grounds are walled, so where they are changes the walks: choose again with the
    grounds of the earlier rounds closed (erring on the safe side for those left open).
    """
    closed: set[int] = set()
    for _ in range(SCHOOL_ROUNDS):
        schools, design = site_schools(d0, comms0, frozenset(closed))
        closed |= set(schools)
    return schools, design


def generate(out: Path = OUT, verbose: bool = True) -> tuple[dict, list[dict], list[dict]]:
    """Build the district and write it to ``out``; returns (layout, communities, facilities).

    A first build without schools fixes the communities and where the schools go; the second
    build, with the schools, keeps the same communities (the blocks do not change).
    """
    d0 = build_district()
    hh0 = households_per_block(d0)
    groups, attempt = group_communities(d0, hh0)
    schools, design = _choose(d0, make_communities(d0, groups, hh0))
    d = build_district(schools)
    comms = make_communities(d, groups, households_per_block(d))
    assert all(3000 <= c["hh"] <= 6000 for c in comms), [c["hh"] for c in comms]
    facs = build_facilities(d, comms, design)
    names = [f["name"] for f in facs]
    assert len(set(names)) == len(names), "duplicate facility names"
    check_rulebook_types(facs)
    write(d, comms, facs, out)
    if verbose:
        _print_summary(d, comms, facs, out, attempt)
    return d, comms, facs


def _print_summary(d: dict, comms: list[dict], facs: list[dict], out: Path, attempt: list[int]) -> None:
    nsb = [len({d["block_sb"][b] for b in c["blocks"]}) for c in comms]
    print("superblocks per community:", dict(sorted(collections.Counter(nsb).items())))
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

"""Who a service is for: demand groups, their residents per cell and their walking speed.

The rulebook maps each facility type to the group it serves (``[demand_types]``: elderly 60+
for elderly day care, children 3-6 for kindergartens, school-age children for primary and
junior schools, all residents otherwise) and gives each group (``[demand_groups]``) its share
of all residents (the national 2020 census by default; a city file may override it), the
column holding its count in the communities layer, and its walking speed.

A cell's group residents are its residents times its community's group share: the count
column of the community over the residents of the community's cells when the communities
layer has that count, else the rulebook's census share. Every result says which was used
(:data:`BASES`), per cell.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.errors import RulebookError
from planner.rules.model import Number, Rulebook

__all__ = [
    "ALL",
    "BASES",
    "DemandGroup",
    "cell_demand",
    "demand_groups",
    "group_of",
    "tier_distance_m",
    "walk_distance_m",
]

log = logging.getLogger(__name__)

#: the group of every resident
ALL = "all"
#: how a cell's group residents were found: all residents (the type serves everyone), the
#: community's own count of the group, or the rulebook's census share
BASES: tuple[str, ...] = ("all_residents", "community_counts", "census_share")


@dataclass(frozen=True)
class DemandGroup:
    """A group of residents a facility type serves."""

    key: str
    name_en: str
    name_zh: str
    column: str  # planner's name of the count column in the communities layer ("" for all residents)
    share: Number  # share of all residents (0-1)
    walk_speed_kmh: Number

    def name(self, lang: str) -> str:
        """The display name in ``"en"`` or ``"zh"``."""
        return self.name_zh if lang == "zh" else self.name_en


def demand_groups(book: Rulebook) -> dict[str, DemandGroup]:
    """The rulebook's demand groups (``[demand_groups]``), checked.

    Raises
    ------
    RulebookError
        A group without a name, a share or a walking speed, a share above 1, or no ``all`` group.
    """
    raw = book.tables.get("demand_groups", {})
    out: dict[str, DemandGroup] = {}
    for key, g in raw.items():
        where = f"demand_groups.{key}"
        for required in ("name_en", "name_zh", "share", "walk_speed_kmh"):
            if required not in g:
                raise RulebookError(f"{where} has no '{required}'; give it in the rule file")
        share = book.number(g["share"], f"{where}.share")
        if share.value > 1:
            raise RulebookError(f"{where}.share.value is a share between 0 and 1, got {share.value:g}")
        speed = book.number(g["walk_speed_kmh"], f"{where}.walk_speed_kmh")
        if speed.value <= 0:
            raise RulebookError(f"{where}.walk_speed_kmh.value must be positive, got {speed.value:g}")
        out[key] = DemandGroup(key, str(g["name_en"]), str(g["name_zh"]), str(g.get("column", "")), share, speed)
    if ALL not in out:
        raise RulebookError("the rulebook has no [demand_groups.all] (the walking speed of all residents); add it")
    return out


def group_of(book: Rulebook, type_key: str) -> str:
    """The demand group a facility type serves (``[demand_types]``; all residents when unlisted).

    Raises
    ------
    RulebookError
        The type names a group that ``[demand_groups]`` does not define.
    """
    group = str(book.tables.get("demand_types", {}).get(type_key, ALL))
    if group not in book.tables.get("demand_groups", {}):
        raise RulebookError(f"demand_types.{type_key} is {group!r}, which is not defined under [demand_groups]")
    return group


def cell_demand(
    cells: pd.DataFrame, communities: pd.DataFrame, rulebook: Rulebook, type_key: str
) -> tuple[np.ndarray, np.ndarray]:
    """The residents of the group a facility type serves, per cell.

    Parameters
    ----------
    cells
        ``community_id`` and ``population`` per cell (missing population counts as 0).
    communities
        ``community_id``, and the group's count column (e.g. ``elderly_population``) when known.
    rulebook
        Its ``[demand_types]`` and ``[demand_groups]``.
    type_key
        A facility type key.

    Returns
    -------
    weights, basis
        Group residents per cell (float, aligned to ``cells``) and per cell one of
        :data:`BASES`: a community with a count gets ``community_counts`` (its cells' residents
        scaled so that they sum to the count), one without (column absent or value missing)
        ``census_share``; a type for all residents gets ``all_residents``.
    """
    population = np.nan_to_num(pd.to_numeric(cells["population"], errors="coerce").to_numpy(dtype=float), nan=0.0)
    group = demand_groups(rulebook)[group_of(rulebook, type_key)]
    if group.key == ALL:
        return population, np.full(len(cells), BASES[0], dtype=object)
    share = np.full(len(cells), group.share.value)
    basis = np.full(len(cells), BASES[2], dtype=object)
    if group.column and group.column in communities.columns:
        # integer codes, not a groupby on the id strings: this runs once per type and per what-if
        codes, uniques = pd.factorize(cells["community_id"].to_numpy())
        ok = codes >= 0
        resident = np.bincount(codes[ok], weights=population[ok], minlength=len(uniques))
        counts = pd.to_numeric(communities[group.column], errors="coerce").to_numpy(dtype=float)
        where = pd.Index(communities["community_id"].to_numpy()).get_indexer(uniques)
        per_code = np.full(len(uniques), np.nan)
        per_code[where >= 0] = counts[where[where >= 0]]
        count = np.full(len(cells), np.nan)
        count[ok] = per_code[codes[ok]]
        total = np.zeros(len(cells))
        total[ok] = resident[codes[ok]]
        known = np.isfinite(count)
        share[known] = np.divide(count[known], total[known], out=np.zeros(int(known.sum())), where=total[known] > 0)
        basis[known] = BASES[1]
        log.debug(
            "demand of %s (%s): %d of %d cells from community counts", type_key, group.key, known.sum(), len(cells)
        )
    return population * share, basis


def walk_distance_m(book: Rulebook, minutes: float, group: str = ALL) -> float:
    """The distance (m) a member of the group walks in ``minutes`` at the group's speed."""
    speed = demand_groups(book)[group].walk_speed_kmh.value
    return float(minutes) * speed * 1000.0 / 60.0


def tier_distance_m(book: Rulebook, tier: str, group: str = ALL) -> float:
    """A life circle's walking distance (m) for a group.

    The tier's ``distance_m`` (GB 50180-2018, for all residents) scaled by the group's walking
    speed over that of all residents: the same minutes, the group's own distance.

    Raises
    ------
    RulebookError
        The tier is not under ``[life_circles]``.
    """
    tiers = book.tables.get("life_circles", {})
    if tier not in tiers:
        raise RulebookError(f"life circle {tier!r} is not under [life_circles]; use one of {', '.join(tiers)}")
    distance = book.number(tiers[tier]["distance_m"], f"life_circles.{tier}.distance_m").value
    groups = demand_groups(book)
    return distance * groups[group].walk_speed_kmh.value / groups[ALL].walk_speed_kmh.value

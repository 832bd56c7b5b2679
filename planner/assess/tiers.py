"""Life-circle tiers (GB 50180-2018): the 5-, 10- and 15-minute circles at once.

A tier (``[life_circles]`` of the rulebook) has a walking time, a distance for all residents
and a facility list: the types whose ``level`` is the tier's key (:meth:`Rulebook.types_by_level`).
A facility type is *within reach* of a cell for a tier when the distance to its nearest
facility (the analysis's ``dist_<type>_m``) is at most the tier's distance for the group the
type serves (:func:`planner.assess.groups.tier_distance_m`: slower walkers, shorter distance;
inclusive, unreachable is not within reach). A cell is *complete* for a tier when every type
of the tier is within reach. Per community: the population-weighted share of the tier's types
within reach, and the residents living in a complete circle and their share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from planner import naming
from planner.analysis import Analysis
from planner.assess.groups import group_of, tier_distance_m
from planner.outputs import check_out_dir, for_file, write_atomic
from planner.rules.model import Rulebook

__all__ = ["Tier", "TiersResult", "life_circles", "tiers", "write_tiers"]

log = logging.getLogger(__name__)

FILES: tuple[str, ...] = ("tiers_cells.csv", "tiers_communities.csv", "tiers.csv", "tiers_district.csv")


@dataclass(frozen=True)
class Tier:
    """One life circle: its key, minutes, distance for all residents (m) and facility types."""

    key: str
    minutes: float
    distance_m: float
    types: tuple[str, ...]
    #: per type, the walking distance (m) of the group it serves
    type_distance_m: dict[str, float]
    #: per type, the group it serves (:func:`planner.assess.groups.group_of`)
    type_group: dict[str, str]


@dataclass(frozen=True)
class TiersResult:
    """Life-circle completeness per cell and per community.

    Attributes
    ----------
    tiers
        The tiers with at least one facility type, smallest first.
    cells
        Per cell: ``cell_id``, ``community_id``, ``population``, per tier ``share_types_<tier>``
        and ``complete_<tier>``, and ``tiers`` (the complete tiers, ``;``-joined).
    communities
        Per community: ``community_id``, per tier ``share_types_<tier>`` (population-weighted;
        NaN without residents), ``pop_complete_<tier>`` and ``share_complete_<tier>``.
    """

    tiers: tuple[Tier, ...]
    cells: pd.DataFrame
    communities: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """One row per tier and type: tier, minutes, distance_m, type_key, group, type_distance_m."""
        rows = [
            {
                "tier": t.key,
                "minutes": t.minutes,
                "distance_m": t.distance_m,
                "type_key": k,
                "group": t.type_group[k],
                "type_distance_m": t.type_distance_m[k],
            }
            for t in self.tiers
            for k in t.types
        ]
        return pd.DataFrame(rows, columns=["tier", "minutes", "distance_m", "type_key", "group", "type_distance_m"])

    def district(self) -> pd.DataFrame:
        """One row per tier for the whole study: tier, minutes, distance_m, n_types, residents,
        residents_complete (in a complete circle, rounded), share_complete and share_types (the
        population-weighted share of the tier's types within reach; NaN without residents).
        """
        pop = self.cells["population"].to_numpy(dtype=float)
        total = float(pop.sum())
        rows = []
        for t in self.tiers:
            done = float(pop[self.cells[naming.tier_complete(t.key)].to_numpy(dtype=bool)].sum())
            share_types = float((pop * self.cells[naming.tier_share_types(t.key)].to_numpy(dtype=float)).sum())
            rows.append(
                {
                    "tier": t.key,
                    "minutes": t.minutes,
                    "distance_m": t.distance_m,
                    "n_types": len(t.types),
                    "residents": round(total),
                    "residents_complete": round(done),
                    "share_complete": done / total if total > 0 else float("nan"),
                    "share_types": share_types / total if total > 0 else float("nan"),
                }
            )
        return pd.DataFrame(rows, columns=DISTRICT_COLUMNS)


#: the columns of ``tiers_district.csv`` (:meth:`TiersResult.district`), read by the report
DISTRICT_COLUMNS: tuple[str, ...] = (
    "tier",
    "minutes",
    "distance_m",
    "n_types",
    "residents",
    "residents_complete",
    "share_complete",
    "share_types",
)


def life_circles(book: Rulebook) -> tuple[Tier, ...]:
    """The rulebook's life circles that have facility types, by walking time."""
    by_level = book.types_by_level()
    out = []
    for key, raw in book.tables.get("life_circles", {}).items():
        types = by_level.get(key, ())
        if not types:
            log.info("life circle %s has no facility types (no type has level %r); left out", key, key)
            continue
        minutes = book.number(raw["minutes"], f"life_circles.{key}.minutes").value
        distance = book.number(raw["distance_m"], f"life_circles.{key}.distance_m").value
        groups = {t: group_of(book, t) for t in types}
        per_type = {t: tier_distance_m(book, key, groups[t]) for t in types}
        out.append(Tier(key, minutes, distance, types, per_type, groups))
    return tuple(sorted(out, key=lambda t: t.minutes))


def tiers(result: Analysis) -> TiersResult:
    """Life-circle completeness of every cell and community of an analysis.

    Parameters
    ----------
    result
        An analysis (:func:`planner.analyze`) with ``dist_<type>_m`` for every type.
    """
    book = result.study.rulebook
    circles = life_circles(book)
    cells = result.cells
    pop = np.nan_to_num(pd.to_numeric(cells["population"], errors="coerce").to_numpy(dtype=float), nan=0.0)
    out = pd.DataFrame(
        {"cell_id": cells["cell_id"].to_numpy(), "community_id": cells["community_id"].to_numpy(), "population": pop}
    )
    complete_names = np.full(len(cells), "", dtype=object)
    for tier in circles:
        within = np.zeros((len(cells), len(tier.types)), dtype=bool)
        for j, key in enumerate(tier.types):
            dist = cells[naming.dist(key)].to_numpy(dtype=float)
            within[:, j] = np.isfinite(dist) & (dist <= tier.type_distance_m[key])
        done = within.all(axis=1)
        out[naming.tier_share_types(tier.key)] = within.mean(axis=1)
        out[naming.tier_complete(tier.key)] = done
        complete_names = np.where(
            done, np.where(complete_names == "", tier.key, complete_names + ";" + tier.key), complete_names
        )
    out["tiers"] = complete_names
    comm = _communities(result.communities["community_id"], out, circles)
    return TiersResult(circles, out, comm)


def _communities(ids: pd.Series, cells: pd.DataFrame, circles: tuple[Tier, ...]) -> pd.DataFrame:
    pop = cells["population"].to_numpy(dtype=float)
    frame = pd.DataFrame({"community_id": cells["community_id"].to_numpy(), "p": pop})
    for tier in circles:
        frame[f"s{tier.key}"] = pop * cells[naming.tier_share_types(tier.key)].to_numpy()
        frame[f"c{tier.key}"] = pop * cells[naming.tier_complete(tier.key)].to_numpy()
    sums = frame.groupby("community_id").sum().reindex(ids.to_numpy(), fill_value=0.0)
    total = sums["p"].where(sums["p"] > 0)
    out = pd.DataFrame({"community_id": ids.to_numpy()})
    for tier in circles:
        out[naming.tier_share_types(tier.key)] = (sums[f"s{tier.key}"] / total).to_numpy()
        out[naming.tier_pop_complete(tier.key)] = sums[f"c{tier.key}"].round().astype("int64").to_numpy()
        out[naming.tier_share_complete(tier.key)] = (sums[f"c{tier.key}"] / total).to_numpy()
    return out


def write_tiers(answer: TiersResult, out_dir: str | Path, study=None) -> dict[str, Path]:
    """Write ``tiers_cells.csv``, ``tiers_communities.csv``, ``tiers.csv`` (the tier table) and
    ``tiers_district.csv`` (the study's totals per tier), atomically.

    Raises
    ------
    PlannerError
        ``out_dir`` is a file, or a target is one of the study's inputs.
    """
    out = check_out_dir(out_dir, FILES, study)
    tables = {
        "tiers_cells.csv": for_file(answer.cells),
        "tiers_communities.csv": for_file(answer.communities),
        "tiers.csv": answer.table(),
        "tiers_district.csv": answer.district(),
    }
    return {name: write_atomic(out / name, _csv_writer(table)) for name, table in tables.items()}


def _csv_writer(table: pd.DataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        table.to_csv(path, index=False, encoding="utf-8-sig")

    return write

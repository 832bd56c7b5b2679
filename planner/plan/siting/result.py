"""The answer of a siting question and its files: ``sites.gpkg``, ``siting.json``, ``scenario.json``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

from planner.ingest.study import Study
from planner.outputs import check_out_dir, for_file, json_ready, write_atomic
from planner.plan.scenario import Edit, Scenario

#: the files :func:`write_siting` writes
FILES = ("sites.gpkg", "siting.json", "scenario.json")


@dataclass(frozen=True)
class SitingResult:
    """The answer of :func:`site`.

    Attributes
    ----------
    objective, type, mode, radius_m
        The question: objective, facility type, distance mode, radius (m; None for distance).
    k
        Number of new sites proposed (rows of ``sites``).
    value
        Re-scored objective: residents covered after (coverage), number of new sites (count),
        residents × metres after (distance).
    bound
        The solver's proven bound on the objective (upper for coverage, lower otherwise).
    gap
        ``|bound - value| / max(|bound|, |value|)``; 0 when proven optimal.
    before, after
        Residents covered before and after (coverage, count); residents × metres before and
        after (distance; before is None when no facility of the type exists).
    status
        ``"optimal"`` (proven) or ``"time_limit"`` (best found, with its gap).
    seconds
        Wall time of matrix and solve.
    sites
        The new sites, in the order they add most: ``candidate_id``, ``residents_added``,
        ``rank``, ``floor_area_m2``, geometry (study CRS); with capacity also
        ``capacity_households``.
    capacitated
        Whether each facility served at most its capacity (:mod:`planner.plan.siting.capacity`):
        then ``before``/``after`` are the residents served, not merely within the radius.
    demand
        Whose residents count (issue 12): ``group`` (the rulebook's demand group of the type,
        ``"all"`` for everyone), its names, ``basis`` (how the group residents were found: the
        communities' own counts or the census share, ``;``-joined when mixed) and ``residents``
        (the group's residents in all cells). ``value``, ``bound``, ``before``, ``after`` and
        the sites' ``residents_added`` count these residents, not all residents.
    """

    objective: str
    type: str
    mode: str
    radius_m: float | None
    k: int
    value: float
    bound: float
    gap: float
    before: float | None
    after: float
    status: str
    seconds: float
    sites: gpd.GeoDataFrame
    target_share: float | None = None
    candidates: int = 0
    unreachable_residents: float = 0.0
    capacitated: bool = False
    stats: dict = field(default_factory=dict)
    demand: dict = field(default_factory=lambda: {"group": "all", "basis": "all_residents"})

    def summary(self) -> dict:
        """The content of ``siting.json``."""
        return json_ready(  # type: ignore[return-value]  # a dict in, a dict out
            {
                "objective": self.objective,
                "type": self.type,
                "k": self.k,
                "value": self.value,
                "bound": self.bound,
                "gap": self.gap,
                "before": self.before,
                "after": self.after,
                "status": self.status,
                "seconds": round(self.seconds, 3),
                "mode": self.mode,
                "radius_m": self.radius_m,
                "target_share": self.target_share,
                "candidates": self.candidates,
                "unreachable_residents": self.unreachable_residents,
                "capacity": self.capacitated,
                "group": self.demand.get("group", "all"),
                "demand_basis": self.demand.get("basis", "all_residents"),
                "demand": {
                    **self.demand,
                    "counts": "value, bound, before, after and residents_added are residents of the group"
                    + ("" if self.objective != "distance" else " × metres (value, bound, before, after)"),
                },
                "solver": {k: v for k, v in self.stats.items() if not isinstance(v, float) or np.isfinite(v)},
            }
        )

    def scenario(
        self, study_name: str = "", *, name: str | None = None, existing_ids: tuple[str, ...] = ()
    ) -> Scenario:
        """The new sites as a what-if scenario (``add`` edits in rank order, WGS84 positions)."""
        scen = Scenario(name=name or f"siting: {self.type}, {self.objective}, {self.k} new", study=study_name)
        if len(self.sites):
            to_wgs = pyproj.Transformer.from_crs(self.sites.crs, "EPSG:4326", always_xy=True)
            lon, lat = to_wgs.transform(self.sites.geometry.x.to_numpy(), self.sites.geometry.y.to_numpy())
            for row, x, y in zip(self.sites.itertuples(index=False), lon, lat, strict=True):
                fid = scen.new_id(existing_ids)
                scen = scen.with_edit(
                    Edit(
                        op="add",
                        facility_id=fid,
                        type=self.type,
                        name=f"{fid} ({row.candidate_id})",
                        floor_area_m2=float(row.floor_area_m2),
                        lon=float(x),
                        lat=float(y),
                    )
                )
        return scen


def write_siting(result: SitingResult, out_dir: str | Path, study: Study | None = None) -> dict[str, Path]:
    """Write ``sites.gpkg`` (layer ``sites``), ``siting.json`` and ``scenario.json``, each atomically.

    With the ``study``, the scenario names it, its new ids clash with no facility id, and no
    file is written onto one of the study's input files.

    Raises
    ------
    PlannerError
        ``out_dir`` is a file, or a target is one of the study's inputs.
    """
    out = check_out_dir(out_dir, FILES, study)
    ids = tuple(study.facilities["facility_id"].astype(str)) if study is not None else ()
    data = for_file(result.sites)
    text = json.dumps(result.summary(), ensure_ascii=False, indent=2)
    scen = result.scenario(study.name if study is not None else "", existing_ids=ids).to_json()
    return {
        "sites.gpkg": write_atomic(out / "sites.gpkg", lambda p: data.to_file(p, layer="sites", driver="GPKG")),
        "siting.json": write_atomic(out / "siting.json", lambda p: p.write_text(text, encoding="utf-8")),
        "scenario.json": write_atomic(out / "scenario.json", lambda p: p.write_text(scen, encoding="utf-8")),
    }

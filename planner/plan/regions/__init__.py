"""Organising the district: community workstations and governance grids.

- :func:`plan_workstations`: contiguous groups of 3-5 communities (社区工作站), balanced by
  households, residents or workload, each with a proposed site and its staff need.
- :func:`plan_grids`: each community split into contiguous governance grids (网格) of 300-500
  households, optionally grouped into level-2 grids, with the grid workers needed against the
  community's staff.
- :func:`write_workstations`, :func:`write_grids`: the results as files, written atomically.

The results are frozen dataclasses of GeoDataFrames and tables that the CLI, the app and the
report all read.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.analysis import Analysis
from planner.errors import PlannerError
from planner.outputs import for_file, write_atomic
from planner.plan.regions.grids import Grids, split_communities
from planner.plan.regions.households import cell_households
from planner.plan.regions.log import RegionLog
from planner.plan.regions.workstations import BALANCES, Workstations, group_communities

__all__ = [
    "BALANCES",
    "Grids",
    "Workstations",
    "grid_staff",
    "group_communities",
    "plan_grids",
    "plan_workstations",
    "split_communities",
    "station_sites",
    "write_grids",
    "write_workstations",
]

#: the site search reaches this many times the largest station's bounding-box diagonal: walking
#: routes in a city rarely exceed twice the straight line; it only bounds the search
DETOUR = 2.0


def plan_workstations(
    result: Analysis,
    *,
    min_communities: int | None = None,
    max_communities: int | None = None,
    balance: str = "households",
    within: str | None = None,
    seed: int = 0,
    restarts: int = 4,
) -> Workstations:
    """Workstations for an analysed district, each with its proposed site.

    See :func:`group_communities` for the grouping; the site of each station is chosen by
    :func:`station_sites` on the analysis' reach engine (walking or straight-line, as analysed).
    """
    ws = group_communities(
        result.communities,
        min_communities=min_communities,
        max_communities=max_communities,
        balance=balance,
        within=within,
        rulebook=result.study.rulebook,
        seed=seed,
        restarts=restarts,
    )
    return station_sites(ws, result)


def _site_types(result: Analysis) -> tuple[str, ...]:
    rules = [r for r in result.study.rulebook.rules.values() if r.kind == "complex_floor_area"]
    return tuple(t for r in rules for t in r.facility_types)


def station_sites(ws: Workstations, result: Analysis) -> Workstations:
    """Choose each station's site: the least total walking distance for its households.

    Candidates are the community-service facilities (the types of the rulebook's
    ``complex_floor_area`` rule) in the station's communities; without any, the study's
    ``candidates`` inside the station, else the station's analysis cells. The cost of a
    candidate is the sum over the station's cells of households × distance (``ReachEngine.within``);
    households it cannot reach are minimised first.
    """
    cells = result.cells
    station_of = dict(zip(ws.members["community_id"], ws.members["station_id"], strict=False))
    hh = (
        pd.Series(
            pd.to_numeric(result.communities["households"], errors="coerce").to_numpy(),
            index=result.communities["community_id"].to_numpy(),
        )
        if "households" in result.communities
        else pd.Series(dtype=float)
    )
    cell_hh = cell_households(cells, hh).astype(float)
    cell_station = cells["community_id"].map(station_of).to_numpy(dtype=object)
    fac = result.facilities
    fac = fac.loc[fac["type"].isin(_site_types(result)) & fac["community_id"].isin(station_of)]
    cand_rows: list[tuple[str, str, str, object]] = []  # station, kind, id, point
    vlog = RegionLog()
    vlog.records.extend(ws.validation.to_dict("records"))
    fac_points = shapely.point_on_surface(fac.geometry.values)
    fac_station = fac["community_id"].map(station_of).to_numpy(dtype=object)
    extra = result.study.candidates
    for sid, geom in zip(ws.stations["station_id"], ws.stations.geometry.values, strict=False):
        own = np.flatnonzero(fac_station == sid)
        if len(own):
            cand_rows += [(sid, "facility", str(fac["facility_id"].iloc[i]), fac_points[i]) for i in own]
            continue
        vlog.add("workstations", sid, "no_site", "best cell")
        inside = (
            np.zeros(0, dtype=np.int64)
            if extra is None
            else np.flatnonzero(shapely.intersects(extra.geometry.values, geom))
        )
        if extra is not None and len(inside):
            pts = shapely.point_on_surface(extra.geometry.values[inside])
            cand_rows += [
                (sid, "candidate", str(extra["candidate_id"].iloc[i]), p) for i, p in zip(inside, pts, strict=False)
            ]
        else:
            idx = np.flatnonzero(cell_station == sid)
            pts = shapely.point_on_surface(cells.geometry.values[idx])
            cand_rows += [(sid, "cell", str(cells["cell_id"].iloc[i]), p) for i, p in zip(idx, pts, strict=False)]
    if not cand_rows:
        return ws
    b = shapely.bounds(ws.stations.geometry.values)
    limit = DETOUR * float(np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]).max())
    points = np.array([r[3] for r in cand_rows], dtype=object)
    mat = result.engine.within(points, limit).tocsr()
    total_hh = pd.Series(cell_hh).groupby(cell_station).sum()
    best: dict[str, tuple] = {}
    for i, (sid, kind, cid, pt) in enumerate(cand_rows):
        cols = mat.indices[mat.indptr[i] : mat.indptr[i + 1]]
        dist = mat.data[mat.indptr[i] : mat.indptr[i + 1]]
        mine = cell_station[cols] == sid
        reached = float(cell_hh[cols[mine]].sum())
        cost = float((cell_hh[cols[mine]] * dist[mine]).sum())
        key = (float(total_hh.get(sid, 0.0)) - reached, cost, cid)
        if sid not in best or key < best[sid][0]:
            best[sid] = (key, kind, cid, pt, reached)
    rows = []
    for sid, (key, kind, cid, pt, reached) in sorted(best.items()):
        rows.append(
            {
                "station_id": sid,
                "site_kind": kind,
                "site_id": cid,
                "site_facility_id": cid if kind == "facility" else None,
                "mean_walk_m": key[1] / reached if reached > 0 else np.nan,
                "households_unreached": key[0],
                "geometry": pt,
            }
        )
    sites = gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs)
    stations = ws.stations.copy()
    by = sites.set_index("station_id")
    stations["site_facility_id"] = stations["station_id"].map(by["site_facility_id"])
    stations["site_kind"] = stations["station_id"].map(by["site_kind"])
    return Workstations(
        stations=stations,
        members=ws.members,
        sites=sites,
        validation=vlog.frame(),
        norms=ws.norms,
        summary={**ws.summary, "distance_mode": result.options.mode},
    )


def plan_grids(
    result: Analysis,
    *,
    min_households: float | None = None,
    max_households: float | None = None,
    levels: int = 1,
    seed: int = 0,
    restarts: int = 3,
) -> Grids:
    """Governance grids for an analysed district, following its buildings where the study has them,
    else its analysis cells (see :func:`split_communities`)."""
    return split_communities(
        result.communities,
        result.cells,
        buildings=result.study.buildings,
        min_households=min_households,
        max_households=max_households,
        levels=levels,
        rulebook=result.study.rulebook,
        seed=seed,
        restarts=restarts,
    )


def _writer(out_dir: str | Path, inputs: set[Path]):
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PlannerError(f"output path {out} exists and is not a folder; choose another --out")
    written: dict[str, Path] = {}

    def target(name: str) -> Path:
        path = out / name
        if path.resolve() in inputs:
            raise PlannerError(f"refusing to overwrite the input file {path}; choose another --out folder")
        return path

    def gpkg(name: str, layers: dict[str, gpd.GeoDataFrame]) -> None:
        data = {layer: for_file(frame) for layer, frame in layers.items()}

        def write(p: Path) -> None:  # every layer into the temporary file, then one rename
            for layer, frame in data.items():
                frame.to_file(p, layer=layer, driver="GPKG", engine="pyogrio", mode="a" if p.exists() else "w")

        written[name] = write_atomic(target(name), write)

    def csv(frame: pd.DataFrame, name: str) -> None:
        data = for_file(frame.drop(columns="geometry", errors="ignore"))
        written[name] = write_atomic(target(name), lambda p: data.to_csv(p, index=False, encoding="utf-8-sig"))

    return gpkg, csv, written


def _inputs(result: Analysis | None) -> set[Path]:
    return set() if result is None else {Path(s.file).resolve() for s in result.study.sources}


def _validation(result: Analysis | None, own: pd.DataFrame) -> pd.DataFrame:
    """The study's validation log followed by this command's records."""
    frames = [result.validation, own] if result is not None else [own]
    return pd.concat([f for f in frames if len(f)] or [own], ignore_index=True)


def write_workstations(ws: Workstations, out_dir: str | Path, result: Analysis | None = None) -> dict[str, Path]:
    """Write ``workstations.gpkg`` (layers ``workstations`` and ``station_sites``),
    ``workstation_members.csv``, ``workstations.csv``, ``workstation_norms.csv`` and
    ``validation.csv`` (the study's log and the flagged stations), each atomically."""
    gpkg, csv, written = _writer(out_dir, _inputs(result))
    layers = {"workstations": ws.stations}
    if ws.sites is not None:
        layers["station_sites"] = ws.sites
    gpkg("workstations.gpkg", layers)
    csv(ws.members[["community_id", "station_id"]], "workstation_members.csv")
    csv(ws.stations, "workstations.csv")
    csv(ws.norms, "workstation_norms.csv")
    csv(_validation(result, ws.validation), "validation.csv")
    return written


def grid_staff(grids: Grids) -> pd.DataFrame:
    """Per community: ``community_id``, ``grids`` (level 3), ``grid_workers_needed``, ``staff``,
    ``gap`` (staff − grid workers needed; negative is a shortfall)."""
    t = grids.communities
    return pd.DataFrame(
        {
            "community_id": t["community_id"],
            "grids": t["n_grids"],
            "grid_workers_needed": t["grid_workers_needed"],
            "staff": t["staff"],
            "gap": t["staff_gap"],
        }
    )


def write_grids(grids: Grids, out_dir: str | Path, result: Analysis | None = None) -> dict[str, Path]:
    """Write ``grids.gpkg`` (layers ``grids`` and, following buildings, ``grid_buildings``),
    ``grid_communities.csv``, ``grid_staff.csv`` (grid workers needed against staff),
    ``grid_norms.csv`` and ``validation.csv``, each atomically."""
    gpkg, csv, written = _writer(out_dir, _inputs(result))
    layers = {"grids": grids.grids}
    if grids.buildings is not None:
        layers["grid_buildings"] = grids.buildings
    gpkg("grids.gpkg", layers)
    csv(grids.communities, "grid_communities.csv")
    csv(grid_staff(grids), "grid_staff.csv")
    csv(grids.norms, "grid_norms.csv")
    csv(_validation(result, grids.validation), "validation.csv")
    return written

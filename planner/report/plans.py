"""The planning commands' outputs, read back for the report.

``planner report --siting DIR --regions DIR --access DIR --tiers DIR`` reads the ``--out``
folders of ``planner site``, ``planner workstations`` / ``planner grids``, ``planner access``
and ``planner tiers``.
:func:`read_plans` checks each folder for the files the report needs and says which one is
missing; everything is read as written (identifiers as text), nothing is recomputed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from planner import naming
from planner.assess.lists import COLUMNS as THREE_LISTS_COLUMNS  # the schema planner access writes
from planner.assess.tiers import DISTRICT_COLUMNS as TIERS_DISTRICT_COLUMNS  # the schema planner tiers writes
from planner.errors import InputError

log = logging.getLogger(__name__)

#: identifier columns, read as text
_IDS = {c: str for c in ("community_id", "station_id", "grid_id", "parent_id", "site_facility_id", "candidate_id")}


@dataclass(frozen=True)
class SitingPlan:
    """``planner site``'s output: ``siting.json`` (``info``) and the new sites (``sites.gpkg``)."""

    folder: Path
    info: dict
    sites: gpd.GeoDataFrame


@dataclass(frozen=True)
class WorkstationPlan:
    """``planner workstations``' output: the stations (``workstations.gpkg``) and their sites."""

    folder: Path
    stations: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame | None
    members: pd.DataFrame
    norms: dict[str, float]


@dataclass(frozen=True)
class GridPlan:
    """``planner grids``' output: the grids (``grids.gpkg``) and ``grid_communities.csv``."""

    folder: Path
    grids: gpd.GeoDataFrame
    communities: pd.DataFrame


@dataclass(frozen=True)
class AccessPlan:
    """``planner access``' output: ``access_communities.csv``, the cells and the three lists."""

    folder: Path
    communities: pd.DataFrame
    cells: gpd.GeoDataFrame | None
    three_lists: pd.DataFrame | None


@dataclass(frozen=True)
class TiersPlan:
    """``planner tiers``' output: the study's totals per tier (``tiers_district.csv``), the
    tiers' facility types (``tiers.csv``), per community (``tiers_communities.csv``) and the
    three lists (``three_lists.csv``, when present)."""

    folder: Path
    district: pd.DataFrame
    types: pd.DataFrame
    communities: pd.DataFrame
    three_lists: pd.DataFrame | None


@dataclass(frozen=True)
class Plans:
    """The planning results a report shows (each optional)."""

    siting: SitingPlan | None = None
    workstations: WorkstationPlan | None = None
    grids: GridPlan | None = None
    access: AccessPlan | None = None
    tiers: TiersPlan | None = None


def read_plans(
    siting: str | Path | None = None,
    regions: str | Path | None = None,
    access: str | Path | None = None,
    tiers: str | Path | None = None,
) -> Plans:
    """Read the output folders of the planning commands.

    Parameters
    ----------
    siting
        ``planner site --out DIR``: needs ``siting.json`` and ``sites.gpkg``.
    regions
        ``planner workstations --out DIR`` and/or ``planner grids --out DIR``: needs
        ``workstations.gpkg`` (with ``workstation_members.csv``) or ``grids.gpkg`` (with
        ``grid_communities.csv``), or both.
    access
        ``planner access --out DIR``: needs ``access_communities.csv``; ``access_cells.gpkg``
        (for the map) and ``three_lists.csv`` (the community three lists) are read when present.
    tiers
        ``planner tiers --out DIR``: needs ``tiers_district.csv``, ``tiers.csv`` and
        ``tiers_communities.csv``; ``three_lists.csv`` is read when present.

    Raises
    ------
    InputError
        When a folder is missing or lacks a file or column; the message names both.
    """
    ws, grids = (None, None) if regions is None else _regions(_folder(regions, "--regions"))
    return Plans(
        siting=None if siting is None else _siting(_folder(siting, "--siting")),
        workstations=ws,
        grids=grids,
        access=None if access is None else _access(_folder(access, "--access")),
        tiers=None if tiers is None else _tiers(_folder(tiers, "--tiers")),
    )


def _folder(path: str | Path, option: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise InputError(
            f"{option} {folder}: no such folder; give the --out folder of the planning command", file=str(folder)
        )
    return folder


def _need(folder: Path, name: str, command: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise InputError(
            f"{folder} is not an output folder of '{command}': {name} is missing; run '{command} ... --out {folder}' "
            "or give the folder it wrote",
            file=str(path),
        )
    return path


def _columns(frame: pd.DataFrame, path: Path, columns: tuple[str, ...], layer: str | None = None) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path} lacks column(s) {', '.join(missing)}; it was not written by this version of planner: "
            "run the planning command again",
            file=str(path),
            layer=layer,
            column=missing[0],
        )


def _layer(path: Path, layer: str, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    import pyogrio

    layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    if layer not in layers:
        raise InputError(f"{path} has no layer {layer!r} (layers: {', '.join(layers)})", file=str(path), layer=layer)
    frame = gpd.read_file(path, layer=layer)
    for col in set(_IDS) & set(frame.columns):
        frame[col] = frame[col].astype("string").astype(object)
    _columns(frame, path, columns, layer)
    return frame


def _csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=_IDS, encoding="utf-8-sig")
    _columns(frame, path, columns)
    return frame


def _siting(folder: Path) -> SitingPlan:
    info_path = _need(folder, "siting.json", "planner site")
    sites_path = _need(folder, "sites.gpkg", "planner site")
    try:
        info = json.loads(info_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{info_path} cannot be read as JSON ({exc})", file=str(info_path)) from exc
    missing = [
        k for k in ("objective", "type", "k", "value", "bound", "gap", "before", "after", "status") if k not in info
    ]
    if missing:
        raise InputError(
            f"{info_path} lacks key(s) {', '.join(missing)}; run 'planner site' again", file=str(info_path)
        )
    sites = _layer(sites_path, "sites", ("candidate_id", "residents_added", "rank"))
    return SitingPlan(folder, info, sites.sort_values("rank", kind="stable").reset_index(drop=True))


def _regions(folder: Path) -> tuple[WorkstationPlan | None, GridPlan | None]:
    has_ws, has_grids = (folder / "workstations.gpkg").is_file(), (folder / "grids.gpkg").is_file()
    if not has_ws and not has_grids:
        raise InputError(
            f"{folder} is not an output folder of 'planner workstations' or 'planner grids': workstations.gpkg and "
            "grids.gpkg are both missing; give the --out folder of either command",
            file=str(folder),
        )
    ws = grids = None
    if has_ws:
        path = folder / "workstations.gpkg"
        stations = _layer(
            path,
            "workstations",
            ("station_id", "n_communities", "households", "population", "staff_needed", "site_facility_id", "status"),
        )
        import pyogrio

        has_sites = "station_sites" in [str(n) for n, _ in pyogrio.list_layers(path)]
        sites = _layer(path, "station_sites", ("station_id",)) if has_sites else None
        members = _csv(_need(folder, "workstation_members.csv", "planner workstations"), ("community_id", "station_id"))
        ws = WorkstationPlan(folder, stations, sites, members, _norms(folder / "workstation_norms.csv"))
    if has_grids:
        cols = ("grid_id", "community_id", "level", "households")
        grid_frame = _layer(folder / "grids.gpkg", "grids", cols)
        per_comm = _csv(
            _need(folder, "grid_communities.csv", "planner grids"),
            ("community_id", "households", "n_grids", "grid_workers_needed", "staff", "staff_gap"),
        )
        grids = GridPlan(folder, grid_frame, per_comm)
    return ws, grids


def _norms(path: Path) -> dict[str, float]:
    """``key -> value`` of a norms table written next to the results (empty when absent)."""
    if not path.is_file():
        return {}
    frame = pd.read_csv(path, encoding="utf-8-sig")
    if not {"key", "value"} <= set(frame.columns):
        return {}
    return {str(k): float(v) for k, v in zip(frame["key"], frame["value"], strict=True) if pd.notna(v)}


def _access(folder: Path) -> AccessPlan:
    comm = _csv(
        _need(folder, "access_communities.csv", "planner access"),
        ("community_id", "access", "access_per_100_households", "type", "method", "supply", "radius_m", "mode"),
    )
    cells_path = folder / "access_cells.gpkg"
    cells = _layer(cells_path, "access_cells", ("cell_id", "access")) if cells_path.is_file() else None
    lists_path = folder / "three_lists.csv"
    lists = _csv(lists_path, THREE_LISTS_COLUMNS) if lists_path.is_file() else None
    if lists is None:
        log.info("%s has no three_lists.csv: the report leaves out the community three lists", folder)
    return AccessPlan(folder, comm, cells, lists)


def _tiers(folder: Path) -> TiersPlan:
    district = _csv(_need(folder, "tiers_district.csv", "planner tiers"), TIERS_DISTRICT_COLUMNS)
    types = _csv(_need(folder, "tiers.csv", "planner tiers"), ("tier", "type_key", "group", "type_distance_m"))
    per_tier = [col(t) for t in district["tier"] for col in (naming.tier_share_types, naming.tier_share_complete)]
    communities = _csv(_need(folder, "tiers_communities.csv", "planner tiers"), ("community_id", *per_tier))
    lists_path = folder / "three_lists.csv"
    lists = _csv(lists_path, THREE_LISTS_COLUMNS) if lists_path.is_file() else None
    return TiersPlan(folder, district, types, communities, lists)

"""Split a study into pieces by a communities' column, each with a halo, and compute a piece.

A piece is the cells of the communities sharing one value of the column (a sub-district, a
district), plus everything a cell's nearest facility can be reached through: every street
line and facility within the *halo*. A walk over the streets is never shorter than the
straight line, so a straight-line buffer of the margin ``M`` around the piece holds every
walk of length at most ``M``; streets are taken ``M + max_snap_m`` out so that every
facility within ``M`` snaps to the segment it snaps to in the whole network. Hence a cell
whose distance in the piece is at most ``M`` has exactly the whole run's distance; a cell
beyond ``M`` (or unreachable) for some type is not final and is computed again with a wider
halo (:mod:`planner.scale.run`). The first margin is the largest radius plus the snapping
distance.

:func:`compute_piece` is what a Dask worker runs; it only sees its piece's data.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import naming
from planner.assess import coverage
from planner.errors import NetworkError, PlannerError
from planner.reach.engine import make_engine
from planner.reach.network import build_network
from planner.rules.model import Rulebook

#: a piece's name for communities with no value in the partition column
MISSING = "(none)"
#: the per-cell snapping columns a walking piece returns (the segment by its two end nodes)
#: segments per quarter circle of the halo's buffer
QUAD_SEGS = 8
SNAP_COLUMNS = ("snap_ok", "snap_along", "snap_offset", "snap_ux", "snap_uy", "snap_vx", "snap_vy")


@dataclass(frozen=True)
class Piece:
    """One value of the partition column: its name, folder name and the cells it owns."""

    name: str
    folder: str
    positions: np.ndarray  # positions of its cells in the study's cell table
    communities: np.ndarray  # positions of its communities


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to compute some cells of a piece within one margin."""

    piece: str
    pass_no: int
    margin_m: float  # inf: the whole study
    positions: np.ndarray
    demand: np.ndarray  # shapely Points
    facilities: gpd.GeoDataFrame  # facility_id, type, geometry
    streets: gpd.GeoDataFrame | None
    rulebook: Rulebook
    mode: str
    max_snap_m: float

    def fingerprint(self) -> str:
        """A digest of the job's inputs: a stored result is reused only for the same inputs."""
        h = hashlib.sha256()
        h.update(f"{self.piece}|{self.pass_no}|{self.margin_m}|{self.mode}|{self.max_snap_m}".encode())
        h.update(repr(sorted((k, t.radius_m.value) for k, t in self.rulebook.types.items())).encode())
        h.update(np.ascontiguousarray(self.positions, dtype=np.int64).tobytes())
        h.update(shapely.get_coordinates(self.demand).tobytes())
        h.update("|".join(self.facilities["facility_id"].astype(str)).encode())
        h.update("|".join(self.facilities["type"].astype(str)).encode())
        h.update(shapely.get_coordinates(self.facilities.geometry.values).tobytes())
        if self.streets is not None:
            h.update(shapely.get_coordinates(self.streets.geometry.values).tobytes())
        return h.hexdigest()[:20]


def first_margin(rulebook: Rulebook, max_snap_m: float) -> float:
    """The first halo: the largest radius of the rulebook plus the snapping distance (metres)."""
    return max((t.radius_m.value for t in rulebook.types.values()), default=0.0) + max_snap_m


def split(communities: gpd.GeoDataFrame, cells: pd.DataFrame, column: str | None) -> list[Piece]:
    """The pieces of a study: one per value of ``column`` of the communities, in sorted order.

    ``column`` None gives one piece, ``all``: the whole study.

    Raises
    ------
    PlannerError
        When the communities have no such column.
    """
    if column is None:
        return [Piece("all", "0000-all", np.arange(len(cells)), np.arange(len(communities)))]
    if column not in communities.columns:
        shown = ", ".join(c for c in communities.columns if c != "geometry")
        raise PlannerError(f"the communities have no column {column!r} to partition by; columns present: {shown}")
    values = communities[column].astype("string").fillna(MISSING).to_numpy()
    comm_pos = pd.Series(np.arange(len(communities)), index=communities["community_id"].to_numpy())
    cell_comm = cells["community_id"].map(comm_pos).to_numpy()
    cell_value = np.where(pd.isna(cell_comm), MISSING, values[np.nan_to_num(cell_comm, nan=0).astype(np.int64)])
    pieces = []
    for i, value in enumerate(sorted(set(values))):
        slug = re.sub(r"[^\w.-]+", "_", str(value)).strip("._") or "piece"
        pieces.append(
            Piece(
                name=str(value),
                folder=f"{i:04d}-{slug}"[:80],
                positions=np.flatnonzero(cell_value == value),
                communities=np.flatnonzero(values == value),
            )
        )
    return [p for p in pieces if len(p.positions)]


def halo_region(piece: Piece, communities: gpd.GeoDataFrame, demand: np.ndarray, cell_comm: np.ndarray) -> np.ndarray:
    """Geometries whose buffer is the piece's halo: its communities and any of its points outside them."""
    polys = communities.geometry.values[piece.communities]
    points = demand[piece.positions]
    own = cell_comm[piece.positions]
    inside = np.zeros(len(points), dtype=bool)
    known = own >= 0
    inside[known] = shapely.covers(communities.geometry.values[own[known]], points[known])
    return np.concatenate([np.asarray(polys, dtype=object), points[~inside]])


def within(frame: gpd.GeoDataFrame | None, region: np.ndarray, distance: float) -> np.ndarray:
    """Positions of the rows of ``frame`` within ``distance`` of any of ``region`` (all when infinite)."""
    if frame is None or len(frame) == 0:
        return np.zeros(0, dtype=np.int64)
    if not math.isfinite(distance):
        return np.arange(len(frame))
    # one buffered outline, then "intersects": far faster than "dwithin" on polygons. The
    # buffer's polygon is drawn out to circumscribe the true round buffer, so it holds at
    # least everything within ``distance`` (a superset keeps the halo exact)
    outline = shapely.union_all(shapely.buffer(region, distance / math.cos(math.pi / (4 * QUAD_SEGS)) + 1e-6,
                                               quad_segs=QUAD_SEGS))  # fmt: skip
    return np.unique(frame.sindex.query(outline, predicate="intersects"))


def make_job(
    piece: str,
    pass_no: int,
    margin_m: float,
    positions: np.ndarray,
    region: np.ndarray,
    demand: np.ndarray,
    facilities: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame | None,
    rulebook: Rulebook,
    mode: str,
    max_snap_m: float,
) -> Job:
    """The job of some cells of a piece: the facilities within the margin, streets a snap beyond."""
    fac = facilities.iloc[within(facilities, region, margin_m)][["facility_id", "type", "geometry"]]
    sub_streets = None
    if mode == "walk" and streets is not None:
        sub_streets = streets.iloc[within(streets, region, margin_m + max_snap_m)][["geometry"]]
    return Job(
        piece=piece,
        pass_no=pass_no,
        margin_m=margin_m,
        positions=positions,
        demand=demand[positions],
        facilities=fac.reset_index(drop=True),
        streets=None if sub_streets is None else sub_streets.reset_index(drop=True),
        rulebook=rulebook,
        mode=mode,
        max_snap_m=max_snap_m,
    )


def compute_piece(job: Job) -> pd.DataFrame:
    """Distances, nearest facilities and coverage of a job's cells; runs on a worker.

    Returns
    -------
    DataFrame
        One row per cell of the job: ``position`` (in the study's cell table), per type
        ``dist_/nearest_/covered_<type>``, and in walk mode the cells' snapping
        (:data:`SNAP_COLUMNS`).
    """
    n = len(job.demand)
    net = None
    if job.mode == "walk":
        try:
            net = build_network(job.streets) if job.streets is not None and len(job.streets) else None
        except NetworkError:  # no line at all within the halo
            net = None
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    if job.mode == "walk" and net is None:
        out = _unreachable(frame, job.rulebook)
        out["snap_ok"] = False
        for col in SNAP_COLUMNS[1:]:
            out[col] = np.nan
    else:
        engine = make_engine(job.demand, mode=job.mode, network=net, max_snap_m=job.max_snap_m, workers=1)
        out = coverage.cell_coverage(frame, job.facilities, job.rulebook, engine)
        if net is not None and engine.demand_snap is not None:
            snap = engine.demand_snap
            seg = np.where(snap.ok, snap.segment, 0)
            u, v = net.xy[net.seg_u[seg]], net.xy[net.seg_v[seg]]
            out["snap_ok"] = snap.ok
            out["snap_along"], out["snap_offset"] = snap.along, snap.offset
            out["snap_ux"], out["snap_uy"], out["snap_vx"], out["snap_vy"] = u[:, 0], u[:, 1], v[:, 0], v[:, 1]
    out.insert(0, "position", np.asarray(job.positions, dtype=np.int64))
    return out


def _unreachable(frame: pd.DataFrame, rulebook: Rulebook) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for key in rulebook.types:
        out[naming.dist(key)] = np.nan
        out[naming.nearest(key)] = pd.array([pd.NA] * len(frame), dtype="string")
        out[naming.covered(key)] = False
    return out

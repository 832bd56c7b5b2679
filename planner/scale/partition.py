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
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import naming
from planner.assess import coverage
from planner.errors import PlannerError
from planner.reach.engine import ReachEngine
from planner.reach.network import Network, Snap
from planner.rules.model import Rulebook
from planner.scale import halo

#: a piece's name for communities with no value in the partition column
MISSING = "(none)"


@dataclass(frozen=True)
class Piece:
    """One value of the partition column: its name, folder name and the cells it owns."""

    name: str
    folder: str
    positions: np.ndarray  # positions of its cells in the study's cell table
    communities: np.ndarray  # positions of its communities


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to compute some facility types for some cells within one margin.

    All of it is arrays (cheap to send): the cells' points and snapping, the facilities within
    the margin with their snapping, and the network cut to the margin (:mod:`planner.scale.halo`).
    """

    piece: str
    pass_no: int
    margin_m: float  # inf: the whole study
    positions: np.ndarray  # the cells, by position in the study's cell table
    types: tuple[str, ...]
    demand_xy: np.ndarray
    demand_snap: Snap | None
    fac_xy: np.ndarray
    fac_id: np.ndarray
    fac_type: np.ndarray
    fac_snap: Snap | None
    network: Network | None
    rulebook: Rulebook
    mode: str
    max_snap_m: float
    part: int = 0  # the job's number among its piece's jobs of the pass

    def fingerprint(self) -> str:
        """A digest of the job's inputs: a stored result is reused only for the same inputs."""
        h = hashlib.sha256()
        h.update(f"{self.piece}|{self.pass_no}|{self.part}|{self.margin_m}|{self.mode}|{self.max_snap_m}".encode())
        h.update(repr(self.types).encode())
        h.update(repr(sorted((k, t.radius_m.value) for k, t in self.rulebook.types.items())).encode())
        h.update("|".join(self.fac_id).encode())
        h.update("|".join(map(str, self.fac_type)).encode())
        arrays = [self.positions, self.demand_xy, self.fac_xy]
        for snap in (self.demand_snap, self.fac_snap):
            if snap is not None:
                arrays += [snap.segment, snap.along, snap.offset]
        if self.network is not None:
            arrays += [self.network.xy, self.network.seg_u, self.network.seg_v, self.network.seg_len]
        for a in arrays:
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:20]

    @property
    def key(self) -> str:
        """The job's name in messages and in ``RunInfo``: piece, pass and part."""
        return f"{self.piece}#{self.pass_no}" + (f".{self.part}" if self.part else "")


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


def make_job(
    whole: halo.Whole,
    piece: str,
    pass_no: int,
    margin_m: float,
    positions: np.ndarray,
    types: list[str],
    rulebook: Rulebook,
    max_snap_m: float,
    part: int = 0,
) -> Job:
    """The job of some cells and types of a piece: what lies within ``margin_m`` of the cells."""
    c = halo.cut(whole, positions, margin_m, max_snap_m)
    return Job(
        piece=piece,
        pass_no=pass_no,
        margin_m=margin_m,
        positions=positions,
        types=tuple(types),
        demand_xy=whole.demand_xy[positions],
        demand_snap=c.demand_snap,
        fac_xy=whole.fac_xy[c.facilities],
        fac_id=whole.fac_id[c.facilities],
        fac_type=whole.fac_type[c.facilities],
        fac_snap=c.fac_snap,
        network=c.network,
        rulebook=rulebook,
        mode=whole.mode,
        max_snap_m=max_snap_m,
        part=part,
    )


def compute_piece(job: Job) -> pd.DataFrame:
    """Distances, nearest facilities and coverage of a job's cells for its types; runs on a worker.

    Returns
    -------
    DataFrame
        One row per cell of the job: ``position`` (in the study's cell table) and per type of
        the job ``dist_/nearest_/covered_<type>``.
    """
    n = len(job.positions)
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    if job.mode == "walk" and job.network is None:  # no street within the halo
        out = _unreachable(frame, job.types)
    else:
        demand = shapely.points(job.demand_xy) if n else np.zeros(0, dtype=object)
        fac = gpd.GeoDataFrame(
            {"facility_id": job.fac_id, "type": job.fac_type},
            geometry=shapely.points(job.fac_xy) if len(job.fac_xy) else np.zeros(0, dtype=object),
        )
        engine = ReachEngine(
            mode=job.mode,
            demand=demand,
            network=job.network,
            demand_snap=job.demand_snap,
            max_snap_m=job.max_snap_m,
            workers=1,
        )
        out = coverage.cell_coverage(frame, fac, job.rulebook, engine, types=job.types, facility_snap=job.fac_snap)
    out.insert(0, "position", np.asarray(job.positions, dtype=np.int64))
    return out


def _unreachable(frame: pd.DataFrame, types: tuple[str, ...]) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for key in types:
        out[naming.dist(key)] = np.nan
        out[naming.nearest(key)] = pd.array([pd.NA] * len(frame), dtype="string")
        out[naming.covered(key)] = False
    return out

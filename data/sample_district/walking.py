"""Walking reach for siting facilities: planner's own engine, so the design is what planner reports.

The generator places schools and 5-minute facilities where they serve the residents it means
them to serve. That is not a check of planner but a use of it: the designed figures in
data/README.md are the figures ``planner analyze`` prints, so the siting measures walking
distances with planner's network builder (:func:`planner.reach.network.build_network`), snapping
and bounded searches (:meth:`planner.reach.engine.ReachEngine.within`), including its rule for a
site and a demand point on the same segment. Only :mod:`.checks` measures independently.

All of planner that the generator uses is imported here.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString

from planner.reach.engine import make_engine
from planner.reach.network import build_network

from .config import CRS_METRIC
from .streets import Net


class Walk:
    """Walking distances from sites to fixed demand points over the generated lines.

    Parameters
    ----------
    net
        The generated lines (local frame, metres).
    demand
        Shapely Points: the demand cells' points (:func:`.cells.demand_cells`).
    skip
        Indices of lines nobody walks along (the lanes of walled school grounds).
    """

    def __init__(self, net: Net, demand: np.ndarray, skip=()) -> None:
        skip = set(skip)
        lines = [LineString(c) for i, c in enumerate(net.coords) if i not in skip]
        # the local frame is in metres, which is all the network builder asks of the CRS label
        network = build_network(gpd.GeoDataFrame(geometry=lines, crs=CRS_METRIC))
        self.engine = make_engine(np.asarray(demand, dtype=object), mode="walk", network=network)
        assert self.engine.demand_snap.ok.all(), "a demand point is more than 300 m from the network"

    def reach(self, sites, radius: float, legs: np.ndarray | None = None) -> list[np.ndarray]:
        """For each site, the (sorted) demand points within ``radius`` walking metres.

        ``legs``: per site an extra walk that the radius must also cover (a school's gate to
        its road), taken off the radius.
        """
        within = self.engine.within(np.asarray(sites, dtype=object), radius)
        out = []
        for k in range(within.shape[0]):
            cols = within.indices[within.indptr[k] : within.indptr[k + 1]]
            dist = within.data[within.indptr[k] : within.indptr[k + 1]]
            out.append(cols[dist <= radius - (0.0 if legs is None else legs[k])])
        return out

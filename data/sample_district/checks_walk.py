"""Independent walking distances for the quality checks: networkx, not planner.

The checks re-measure what planner measures with code that shares nothing with planner's
engine: a networkx graph on the file's exact vertices, a plain heap Dijkstra from several
sources with their access legs (:func:`multi_source`), snapping by shapely's ``project``, and
the straight walk along a segment that a site and a demand point share. Where the printed
figures agree with ``planner analyze``, the two implementations agree.
"""

from __future__ import annotations

import collections
import heapq
import itertools
import math

import numpy as np
import shapely
from shapely.geometry import Point

Snapped = tuple  # (segment end a, end b, access leg, distance from a, distance to b, segment index)


def multi_source(G, sources: dict, cutoff: float) -> dict:
    """Bounded multi-source Dijkstra with initial distances (the access legs)."""
    dist: dict = {}
    heap = [(d0, n) for n, d0 in sources.items()]
    heapq.heapify(heap)
    while heap:
        dd, n = heapq.heappop(heap)
        if n in dist:
            continue
        dist[n] = dd
        for m, e in G[n].items():
            nd = dd + e["w"]
            if nd <= cutoff and m not in dist:
                heapq.heappush(heap, (nd, m))
    return dist


class NxWalk:
    """The street lines as a networkx graph in metres; points are located on their nearest segment.

    Segments are the lines' consecutive vertex pairs, one per unordered pair (a segment two
    lines share is one segment), each oriented from its smaller end.
    """

    def __init__(self, lines) -> None:
        import networkx as nx

        self.graph = nx.Graph()
        segs = set()
        for g in lines:
            c = [tuple(x) for x in shapely.get_coordinates(g)]
            for a, b in itertools.pairwise(c):
                if a != b:
                    self.graph.add_edge(a, b, w=math.dist(a, b))
                    segs.add((min(a, b), max(a, b)))
        self.segs = sorted(segs)
        self.seg_geoms = shapely.linestrings([[a, b] for a, b in self.segs])
        self.seg_tree = shapely.STRtree(self.seg_geoms)

    def snap(self, pts) -> list[Snapped]:
        """Per point: (segment start, segment end, access leg, distance to start, to end, segment)."""
        idx = self.seg_tree.nearest(shapely.points(pts))
        out = []
        for p, k in zip(pts, idx, strict=False):
            a, b = self.segs[k]
            g = self.seg_geoms[k]
            t = g.project(Point(p))
            out.append((a, b, g.distance(Point(p)), t, g.length - t, int(k)))
        return out

    def reach(self, snapped: list[Snapped], cutoff: float) -> dict:
        """Walking distance to every node within cutoff of the nearest of the snapped sources."""
        src: dict = {}
        for a, b, leg, ta, tb, _ in snapped:
            src[a] = min(src.get(a, 1e18), leg + ta)
            src[b] = min(src.get(b, 1e18), leg + tb)
        return multi_source(self.graph, src, cutoff)

    @staticmethod
    def walk_to(dist: dict, snapped: list[Snapped]) -> np.ndarray:
        """Distance of each snapped point through either end of its segment."""
        return np.array(
            [min(dist.get(a, np.inf) + ta, dist.get(b, np.inf) + tb) + leg for a, b, leg, ta, tb, _ in snapped]
        )

    def nearest(self, sites: list[Snapped], demand: list[Snapped], cutoff: float) -> np.ndarray:
        """Each demand point's walking distance to the nearest site (inf beyond cutoff).

        Through the street nodes, or straight along the segment when a site and the point
        share one.
        """
        best = self.walk_to(self.reach(sites, cutoff), demand)
        by_seg = collections.defaultdict(list)
        for i, s in enumerate(demand):
            by_seg[s[5]].append(i)
        for _, _, leg, ta, _, k in sites:
            for i in by_seg.get(k, []):
                best[i] = min(best[i], leg + demand[i][2] + abs(ta - demand[i][3]))
        return best

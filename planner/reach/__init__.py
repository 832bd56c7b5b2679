"""Reach: who can get where. The walking network, the analysis cells and the one engine.

``network`` builds the CSR street graph and snaps points to it; ``cells`` makes the analysis
cells; ``engine`` answers both questions every later stage asks: the nearest site of each type
for every demand point, and every demand point within a distance of each site (a sparse
matrix). ``_dijkstra`` and ``_bounded`` are its numba kernels.
"""

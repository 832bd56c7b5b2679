"""The sites × demand matrix (``ReachEngine.within``) against scipy and networkx per site.

Every demand point within ``--limit-m`` walking metres of each of ``--sites`` sites, with its
distance, as a sparse matrix: what service areas, siting, 2SFCA and tiers need. Compared, on
the synthetic jittered grid city of ``_common.py`` (planner's nodes and segments), with the
sites and the demand points exactly on street nodes (every node is a demand point) so that
snapping adds no distance:

- planner: ``engine.within(sites, limit)`` (sites snapped, one bounded search per site on
  planner's numba kernel, demand points mapped, CSR built), on 1 thread and on 2;
- scipy: ``dijkstra(graph, indices=chunk, limit=limit)`` per chunk of 64 sites, each dense
  chunk turned into CSR rows (scipy cannot start a search part-way along a segment, so it
  gets the easier on-node case only);
- networkx: ``single_source_dijkstra_path_length(cutoff=limit)`` per site, on a random subset
  of ``--nx-sites`` sites, the time extrapolated linearly to all sites (the table says so).

Every reference is checked against planner: the same (site, node) pairs, except pairs within
0.01 m of the limit, and the same distances within 0.01 m. A second table times ``within`` for
demand points off the nodes (``--cells`` random points, with access legs and same-segment
walks) and checks that each column's minimum equals ``engine.nearest`` within the limit.

Run ``python bench/bench_catchments.py --size full`` (add ``--markdown`` for markdown tables).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp
import shapely
from _common import SIZES, Measure, Table, log, measure, nx_graph, print_header, synthetic_streets
from scipy.sparse.csgraph import dijkstra

import planner.reach._bounded  # noqa: F401 (imports numba up front, so no step below pays for it)
from planner.reach.engine import ReachEngine, make_engine
from planner.reach.network import Network, build_network

TOLERANCE_M = 0.01
#: the target: the full matrix on 2 cores in under this many seconds
TARGET_S = 2.0
#: (sites, networkx subset, off-node demand points) per size
BENCH_SIZES = {"small": (500, 50, 5_000), "full": (5_000, 100, 100_000)}
SCIPY_CHUNK = 64  # sites per scipy call: a dense chunk × n_nodes float64 block (130 MB on the full city)


def best(fn, repeats: int) -> Measure:
    """Best time and worst peak over ``repeats`` runs (the result of the last)."""
    out: Measure | None = None
    for _ in range(repeats):
        if out is not None:
            out.result = None
        m = measure(fn)
        out = m if out is None else out.merge(m)
    assert out is not None
    return out


def scipy_matrix(net: Network, site_nodes: np.ndarray, limit: float) -> sp.csr_array:
    """Per chunk of sites, scipy's bounded Dijkstra as dense rows, kept as CSR."""
    blocks = []
    for start in range(0, len(site_nodes), SCIPY_CHUNK):
        dist = dijkstra(net.graph, directed=True, indices=site_nodes[start : start + SCIPY_CHUNK], limit=limit)
        dist[dist > limit] = np.inf  # scipy's limit is inclusive; be explicit
        rows, cols = np.nonzero(np.isfinite(dist))
        blocks.append(sp.csr_array((dist[rows, cols], (rows, cols)), shape=dist.shape))
    return sp.vstack(blocks, format="csr")


def nx_rows(graph, site_nodes: np.ndarray, limit: float) -> list[dict[int, float]]:
    import networkx as nx

    return [nx.single_source_dijkstra_path_length(graph, int(s), cutoff=limit, weight="length") for s in site_nodes]


def compare(planner: sp.csr_array, ref: sp.csr_array, limit: float) -> tuple[float, int, int]:
    """(max abs diff, pairs both found, pairs that disagree) of two matrices of the same shape.

    A pair only one side found must lie within TOLERANCE_M of the limit.
    """

    def keys(m: sp.csr_array) -> np.ndarray:
        return np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)) * m.shape[1] + m.indices

    ka, kb = keys(planner), keys(ref)
    _, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    diff = np.abs(planner.data[ia] - ref.data[ib])
    only_a = np.setdiff1d(np.arange(len(ka)), ia)
    only_b = np.setdiff1d(np.arange(len(kb)), ib)
    lone = np.concatenate([planner.data[only_a], ref.data[only_b]])
    bad = int((diff > TOLERANCE_M).sum()) + int((np.abs(lone - limit) > TOLERANCE_M).sum())
    return float(diff.max(initial=0.0)), len(ia), bad


def dicts_to_csr(rows: list[dict[int, float]], n: int) -> sp.csr_array:
    cols = [np.fromiter(d.keys(), np.int64, len(d)) for d in rows]
    vals = [np.fromiter(d.values(), float, len(d)) for d in rows]
    r = np.repeat(np.arange(len(rows)), [len(c) for c in cols])
    return sp.csr_array((np.concatenate(vals), (r, np.concatenate(cols))), shape=(len(rows), n))


def on_nodes(net: Network, n_sites: int, n_nx: int, limit: float, repeats: int, seed: int) -> tuple[Table, dict]:
    rng = np.random.default_rng(seed)
    site_nodes = rng.choice(net.n_nodes, n_sites, replace=False)
    sites = shapely.points(net.xy[site_nodes])
    log(f"engine: {net.n_nodes:,} demand points (every node), snapped once")
    t0 = time.perf_counter()
    engine = make_engine(shapely.points(net.xy), mode="walk", network=net, workers=1)
    engine_s = time.perf_counter() - t0
    prep = measure(lambda: engine._demand_targets)
    engine.within(sites[:10], limit)  # compile the kernel (cached on disk after the first run)

    def planner_within(workers: int) -> sp.csr_array:
        engine.workers = workers
        return engine.within(sites, limit)

    log(f"planner within: {n_sites:,} sites, {limit:g} m, 1 and 2 threads")
    one = best(lambda: planner_within(1), repeats)
    two = best(lambda: planner_within(2), repeats)
    ours = two.result
    assert all(np.array_equal(getattr(one.result, a), getattr(ours, a)) for a in ("indptr", "indices", "data"))
    log(f"scipy dijkstra(limit) in chunks of {SCIPY_CHUNK}")
    sc = measure(scipy_matrix, net, site_nodes, limit)
    sc_check = compare(ours, sc.result, limit)
    sc.result = None
    log("networkx graph")
    graph_m = measure(nx_graph, net)
    subset = np.sort(rng.choice(n_sites, min(n_nx, n_sites), replace=False))
    log(f"networkx per site on {len(subset)} of {n_sites:,} sites")
    nxm = measure(nx_rows, graph_m.result, site_nodes[subset], limit)
    nx_check = compare(ours[subset], dicts_to_csr(nxm.result, net.n_nodes), limit)
    scale = n_sites / len(subset)
    title = (
        f"Sites × demand matrix, on nodes: {net.n_nodes:,} nodes, {len(net.seg_len):,} segments, {n_sites:,} sites, "
        f"limit {limit:g} m, {ours.nnz:,} entries ({ours.nnz / n_sites:,.0f} per site)"
    )
    columns = ["step", "wall s", "cpu s", "x planner 1 thread (cpu)", "x planner 2 threads (wall)", "peak MB"]
    table = Table(title, [*columns, "max abs diff m", "note"])
    rows = [
        ("planner within(), 1 thread", one, None, ""),
        ("planner within(), 2 threads", two, None, "identical to 1 thread"),
        (f"scipy dijkstra(limit=, indices=) x{SCIPY_CHUNK} + CSR", sc, sc_check, "1 thread (holds the GIL)"),
        ("networkx per site, cutoff", nxm, nx_check, f"{len(subset)} sites timed, x{scale:.0f} extrapolated"),
    ]
    figures = {"one_s": one.seconds, "two_s": two.seconds, "nnz": ours.nnz}
    failures = 0
    for label, m, check, note in rows:
        k = scale if label.startswith("networkx") else 1.0
        failures += check is not None and check[2] > 0
        table.add(
            label,
            m.seconds * k,
            m.cpu_seconds * k,
            m.cpu_seconds * k / one.cpu_seconds,
            m.seconds * k / two.seconds,
            m.peak_mb,
            check[0] if check else None,
            ("CHECK FAILED; " if check and check[2] else "")
            + note
            + (f"; {check[1]:,} pairs compared" if check else ""),
        )
        figures[label] = m.seconds * k
    table.add("networkx graph (once)", graph_m.seconds, graph_m.cpu_seconds, None, None, graph_m.peak_mb, None, "")
    table.add("planner engine: snap demand (once)", engine_s, None, None, None, None, None, "")
    table.add(
        "planner demand by node (once per engine)", prep.seconds, prep.cpu_seconds, None, None, prep.peak_mb, None, ""
    )
    table.notes.append(
        f"times: best of {repeats} for planner, one run for scipy and networkx; x = reference time / planner time; "
        "peak MB: RSS high-water mark above the step's start (planner's includes its output matrix); "
        "max abs diff over every pair both found; pairs only one side found must be within "
        f"{TOLERANCE_M} m of the limit"
    )
    figures["failures"] = failures
    return table, figures


def off_nodes(net: Network, n_sites: int, n_cells: int, limit: float, repeats: int, seed: int) -> tuple[Table, int]:
    rng = np.random.default_rng(seed + 1)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    cells = shapely.points(rng.uniform(lo, hi, (n_cells, 2)))
    sites = shapely.points(rng.uniform(lo, hi, (n_sites, 2)))
    log(f"off the nodes: {n_cells:,} demand points, {n_sites:,} sites")
    engine: ReachEngine = make_engine(cells, mode="walk", network=net, workers=1)
    engine.within(sites[:10], limit)
    one = best(lambda: engine.within(sites, limit), repeats)
    engine.workers = 2
    two = best(lambda: engine.within(sites, limit), repeats)
    m = two.result
    near = engine.nearest(sites).distance
    inside = near <= limit
    col_min = np.full(n_cells, np.inf)
    np.minimum.at(col_min, m.indices, m.data)
    bad = int((col_min[inside] != near[inside]).sum()) + int(np.isfinite(col_min[~inside]).sum())
    table = Table(
        f"Sites × demand matrix, off the nodes: {n_cells:,} demand points, {n_sites:,} sites, limit {limit:g} m, "
        f"{m.nnz:,} entries",
        ["step", "wall s", "cpu s", "peak MB", "note"],
    )
    table.add("planner within(), 1 thread", one.seconds, one.cpu_seconds, one.peak_mb, "")
    ok = "column minimum == nearest() within the limit for every demand point" if bad == 0 else f"CHECK FAILED ({bad})"
    table.add("planner within(), 2 threads", two.seconds, two.cpu_seconds, two.peak_mb, ok)
    return table, bad


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=["small", "full"], default="small")
    p.add_argument("--limit-m", type=float, default=1000.0)
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    p.add_argument("--repeat", type=int, default=3, help="runs of planner's steps, best kept (default 3)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print_header(
        "python bench/bench_catchments.py " + " ".join(sys.argv[1:] if argv is None else argv), markdown=args.markdown
    )
    n_sites, n_nx, n_cells = BENCH_SIZES[args.size]
    side = SIZES[args.size].grid_side
    log(f"generating a {side} x {side} synthetic street grid")
    net = build_network(synthetic_streets(side, spacing_m=SIZES[args.size].spacing_m, seed=args.seed))
    table, fig = on_nodes(net, n_sites, n_nx, args.limit_m, args.repeat, args.seed)
    print(table.render(markdown=args.markdown))
    table2, bad = off_nodes(net, n_sites, n_cells, args.limit_m, args.repeat, args.seed)
    print(table2.render(markdown=args.markdown))
    verdict = "met" if fig["two_s"] < TARGET_S else "NOT met"
    target = f"{n_sites:,} sites x {args.limit_m:g} m on 2 threads under {TARGET_S:g} s"
    print(f"target: {target}: {verdict} ({fig['two_s']:.2f} s)")
    failures = fig["failures"] + (bad > 0)
    if failures:
        print("FAILED: a distance check failed (see the tables)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

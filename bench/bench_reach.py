"""Walking coverage of every facility type: planner's engine against networkx references.

Compared, on the same graph (planner's nodes and segments) with facilities and cells placed
exactly on street nodes, so that snapping plays no part:

- planner: ``make_engine`` (spatial index and snapping of the cells) and ``cell_coverage``
  (one multi-source Dijkstra per facility type with planner's numba kernel, distance to the
  nearest facility of the type for every cell), once on one thread and once with planner's
  default of a thread per CPU;
- scipy's ``dijkstra(min_only=True)`` per type, the kernel planner used before its own (no
  snapping, no output table), with and without ``limit`` = the radius;
- (a) the osmnx-examples approach: one ``nx.single_source_dijkstra_path_length`` per facility
  with ``cutoff`` = the type's radius, keeping the minimum per node. When that would take
  longer than ``--nx-budget`` seconds, a random subset of facilities is timed and the time is
  extrapolated linearly (the table says so);
- (b) ``nx.multi_source_dijkstra_path_length`` per type with ``cutoff`` = the radius (the
  covered nodes only);
- (b') the same without a cutoff: the distance to the nearest facility for every node, which
  is what planner computes (its ``dist_<type>_m`` columns are not limited to the radius).

Every networkx result is checked against planner: equal distances within 0.01 m where
networkx reached a cell, and planner's distance beyond the radius where networkx (with a
cutoff) did not. The script exits with status 1 if a check fails.

Scenarios: (i) the real central Chengdu OSM extract in ../shared/data/real (skipped with a
message when absent); (ii) a synthetic jittered grid city.

Run ``python bench/bench_reach.py --size full`` (add ``--markdown`` for markdown tables).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from _common import (
    CRS,
    SIZES,
    Measure,
    Table,
    assign_types,
    lengths_to_array,
    log,
    measure,
    nx_graph,
    print_header,
    sequence_peak_mb,
    synthetic_streets,
)
from scipy.sparse.csgraph import dijkstra

import planner
from planner import naming
from planner.assess.coverage import cell_coverage
from planner.reach.engine import make_engine
from planner.reach.network import NOT_WALKABLE, Network, build_network, read_osm_streets

CHENGDU = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "chengdu_central_2018.osm"
TOLERANCE_M = 0.01
#: the coverage step should be at least this many times faster than networkx multi-source
TARGET_RATIO = 20.0
#: (cells, facilities) per size for the Chengdu extract; cells None means every street node
CHENGDU_SIZES = {"small": (5_000, 70), "full": (None, 200)}


@dataclass
class Scenario:
    name: str
    streets: gpd.GeoDataFrame
    n_cells: int | None  # None: every node with a street
    n_facilities: int


@dataclass
class Check:
    max_abs_diff_m: float
    compared: int  # cell × type pairs with a networkx distance
    violations: int  # pairs that disagree (beyond TOLERANCE_M)

    @property
    def ok(self) -> bool:
        return self.violations == 0 and (np.isnan(self.max_abs_diff_m) or self.max_abs_diff_m <= TOLERANCE_M)


def compare(planner_dist: np.ndarray, nx_dist: np.ndarray, radius: float | None, *, partial: bool = False) -> Check:
    """Check planner's distances (NaN unreachable) against networkx's (inf when not reached).

    ``radius`` is networkx's cutoff (None: none). With ``partial`` networkx ran for a subset
    of the facilities only, so its distances are upper bounds of planner's.
    """
    p = np.where(np.isnan(planner_dist), np.inf, planner_dist)
    reached = np.isfinite(nx_dist)
    diff = p[reached] - nx_dist[reached]
    if partial:
        bad = int((diff > TOLERANCE_M).sum())
        return Check(float("nan"), int(reached.sum()), bad)
    bad = int((np.abs(diff) > TOLERANCE_M).sum()) + int(np.isnan(diff).sum())
    limit = np.inf if radius is None else radius
    # not reached by networkx: planner must find nothing within the cutoff (nothing at all without one)
    bad += (
        int((~reached & (p <= limit - TOLERANCE_M)).sum())
        if radius is not None
        else int(np.isfinite(p[~reached]).sum())
    )
    finite = diff[np.isfinite(diff)]
    return Check(float(np.abs(finite).max()) if len(finite) else float("nan"), int(reached.sum()), bad)


def merge_checks(checks: list[Check]) -> Check:
    diffs = [c.max_abs_diff_m for c in checks if not np.isnan(c.max_abs_diff_m)]
    return Check(
        max(diffs) if diffs else float("nan"), sum(c.compared for c in checks), sum(c.violations for c in checks)
    )


# --- the approaches ----------------------------------------------------------------------------


def planner_coverage(cells: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, book, engine):
    return cell_coverage(cells, facilities, book, engine)


def nx_multi_source(graph, fac_nodes: np.ndarray, fac_types: np.ndarray, book, *, cutoff: bool) -> dict:
    import networkx as nx

    out = {}
    for key, ftype in book.types.items():
        sources = set(fac_nodes[fac_types == key].tolist())
        if not sources:
            out[key] = {}
            continue
        out[key] = nx.multi_source_dijkstra_path_length(
            graph, sources, cutoff=ftype.radius_m.value if cutoff else None, weight="length"
        )
    return out


def scipy_multi_source(net: Network, fac_nodes: np.ndarray, fac_types: np.ndarray, book, *, limit: bool) -> dict:
    """scipy's multi-source Dijkstra from the facility nodes, per type: the kernel alone.

    No snapping, no output table. With ``limit`` the search stops at the type's radius.
    """
    out = {}
    for key, ftype in book.types.items():
        sources = fac_nodes[fac_types == key]
        if len(sources) == 0:
            out[key] = np.full(net.n_nodes, np.inf)
            continue
        out[key] = dijkstra(
            net.graph, directed=True, indices=sources, min_only=True, limit=ftype.radius_m.value if limit else np.inf
        )
    return out


def planner_kernel(net: Network, fac_nodes: np.ndarray, fac_types: np.ndarray, book) -> dict:
    """planner's kernel from the facility nodes, per type, on one thread: the same work as scipy's row."""
    from planner.reach._dijkstra import nearest_seeds

    keys = [key for key in book.types if (fac_types == key).any()]
    seeds = [
        (fac_nodes[fac_types == key], np.zeros((fac_types == key).sum()), np.arange((fac_types == key).sum()))
        for key in keys
    ]
    found = nearest_seeds(net.graph, seeds, workers=1)
    out = {key: np.full(net.n_nodes, np.inf) for key in book.types}
    out.update({key: dist for key, (dist, _) in zip(keys, found, strict=True)})
    return out


def nx_per_facility(graph, fac_nodes: np.ndarray, fac_types: np.ndarray, book, order: np.ndarray, budget_s: float):
    """The osmnx-examples loop: a bounded Dijkstra per facility, minimum per node and type.

    Facilities are taken in ``order`` until all are done or ``budget_s`` has passed. Returns
    (per-type {node: distance}, number of facilities done).
    """
    import networkx as nx

    best: dict[str, dict[int, float]] = {key: {} for key in book.types}
    t0 = time.perf_counter()
    done = 0
    for i in order:
        key = fac_types[i]
        lengths = nx.single_source_dijkstra_path_length(
            graph, int(fac_nodes[i]), cutoff=book.types[key].radius_m.value, weight="length"
        )
        nearest = best[key]
        for node, d in lengths.items():
            if d < nearest.get(node, np.inf):
                nearest[node] = d
        done += 1
        if time.perf_counter() - t0 > budget_s:
            break
    return best, done


# --- one scenario --------------------------------------------------------------------------------


@dataclass
class Layout:
    """A scenario's network with cells and facilities placed on its street nodes."""

    net: Network
    cell_nodes: np.ndarray
    fac_nodes: np.ndarray
    fac_types: np.ndarray
    cells: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame


@dataclass
class Row:
    """One approach's line in the table."""

    label: str
    m: Measure
    check: Check | None = None
    note: str = ""
    ratio: bool = True  # show cpu seconds / planner coverage cpu seconds
    key: str = ""  # for the targets table
    scale: float = 1.0  # extrapolation factor (per-facility loop timed on a subset)

    @property
    def seconds(self) -> float:
        return self.m.seconds * self.scale

    @property
    def cpu_seconds(self) -> float:
        return self.m.cpu_seconds * self.scale


def place(scenario: Scenario, net: Network, book, rng: np.random.Generator) -> Layout:
    has_street = np.flatnonzero(np.diff(net.graph.indptr) > 0)
    if scenario.n_cells is None:
        cell_nodes = has_street
    else:
        cell_nodes = np.sort(rng.choice(has_street, min(scenario.n_cells, len(has_street)), replace=False))
    fac_nodes = rng.choice(has_street, scenario.n_facilities, replace=False)
    fac_types = assign_types(scenario.n_facilities, book, rng)
    crs = scenario.streets.crs
    cells = gpd.GeoDataFrame(
        {"cell_id": np.arange(len(cell_nodes))}, geometry=shapely.points(net.xy[cell_nodes]), crs=crs
    )
    facilities = gpd.GeoDataFrame(
        {"facility_id": np.char.add("F", np.arange(len(fac_nodes)).astype(str)), "type": fac_types.astype(str)},
        geometry=shapely.points(net.xy[fac_nodes]),
        crs=crs,
    )
    return Layout(net, cell_nodes, fac_nodes, fac_types, cells, facilities)


def check_all(lay: Layout, book, planner_dist: dict, per_type: dict, *, cutoff: bool, partial: bool = False) -> Check:
    """Compare per-type distances (dense arrays or networkx dicts over all nodes) with planner's."""
    checks = []
    for key, ftype in book.types.items():
        d = per_type[key]
        d = lengths_to_array(d, lay.net.n_nodes) if isinstance(d, dict) else d
        checks.append(
            compare(planner_dist[key], d[lay.cell_nodes], ftype.radius_m.value if cutoff else None, partial=partial)
        )
    return merge_checks(checks)


class Rounds:
    """Measures merged over rounds: every step runs once per round, in a fixed order.

    Interleaving planner and the references round by round exposes them to the same load when
    other processes share the CPUs; each step keeps its best time over the rounds.
    """

    def __init__(self) -> None:
        self.m: dict[str, Measure] = {}

    def __call__(self, key: str, fn, *args, **kwargs):
        """Measure ``fn`` once under ``key``; returns its result (not kept in the Measure)."""
        m = measure(fn, *args, **kwargs)
        result, m.result = m.result, None
        self.m[key] = m if key not in self.m else self.m[key].merge(m)
        return result


def one_round(
    t: Rounds, scenario: Scenario, lay: Layout, book, budget_s: float, order: np.ndarray, *, skip_a: bool
) -> dict:
    """Run every step once; returns the per-type distances of each approach and (a)'s progress.

    ``skip_a``: do not run the per-facility loop again (it was cut short by its budget).
    """
    out: dict = {}
    log(f"{scenario.name}: planner")
    t("net", build_network, scenario.streets)
    engine = t("engine", make_engine, lay.cells.geometry.values, mode="walk", network=lay.net, workers=1)
    cov = t("cov", planner_coverage, lay.cells, lay.facilities, book, engine)
    out["planner"] = {key: cov[naming.dist(key)].to_numpy(dtype=float) for key in book.types}
    engine.workers = None  # planner's default: the types' searches on one thread per CPU
    cov = t("cov_threads", planner_coverage, lay.cells, lay.facilities, book, engine)
    out["planner_threads"] = {key: cov[naming.dist(key)].to_numpy(dtype=float) for key in book.types}
    del cov, engine
    log(f"{scenario.name}: kernels alone (planner's, scipy's)")
    out["kernel"] = t("kernel", planner_kernel, lay.net, lay.fac_nodes, lay.fac_types, book)
    out["scipy"] = t("scipy", scipy_multi_source, lay.net, lay.fac_nodes, lay.fac_types, book, limit=False)
    out["scipy_limit"] = t("scipy_limit", scipy_multi_source, lay.net, lay.fac_nodes, lay.fac_types, book, limit=True)
    log(f"{scenario.name}: networkx graph")
    graph = t("graph", nx_graph, lay.net)
    assert graph.number_of_nodes() == lay.net.n_nodes and graph.number_of_edges() == len(lay.net.seg_len)
    if not skip_a:
        log(f"{scenario.name}: networkx (a) per-facility Dijkstra (budget {budget_s:g} s)")
        out["a"], out["a_done"] = t("a", nx_per_facility, graph, lay.fac_nodes, lay.fac_types, book, order, budget_s)
    for key, cutoff in (("b", True), ("b_nocutoff", False)):
        log(f"{scenario.name}: networkx ({key}) multi-source")
        out[key] = t(key, nx_multi_source, graph, lay.fac_nodes, lay.fac_types, book, cutoff=cutoff)
    return out


def profile_coverage(lay: Layout, book) -> str:
    engine = make_engine(lay.cells.geometry.values, mode="walk", network=lay.net, workers=1)
    prof = cProfile.Profile()
    prof.enable()
    planner_coverage(lay.cells, lay.facilities, book, engine)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("tottime").print_stats(12)
    return out.getvalue()


_STARTUP = """
import json, time
import numpy as np, scipy.sparse as sp
t1 = time.perf_counter()
from planner.reach._dijkstra import nearest_seeds
t2 = time.perf_counter()
nearest_seeds(sp.csr_matrix(([1.0], ([0], [1])), shape=(2, 2)), [(np.array([0]), np.array([0.0]), np.array([0]))])
t3 = time.perf_counter()
print(json.dumps({"import_s": t2 - t1, "first_call_s": t3 - t2}))
"""


def kernel_startup() -> str:
    """What planner's walking kernel costs a fresh process once: importing numba, loading the kernel.

    Measured in a subprocess (best of 3), after one run that compiles the kernel if its cache
    is missing. Also warms this process, so that no step below pays for it.
    """
    import json
    import subprocess

    runs = [
        json.loads(subprocess.run([sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True).stdout)
        for _ in range(4)
    ][1:]
    import scipy.sparse as sp

    from planner.reach._dijkstra import nearest_seeds

    nearest_seeds(sp.csr_matrix(([1.0], ([0], [1])), shape=(2, 2)), [(np.array([0]), np.array([0.0]), np.array([0]))])
    imp = min(r["import_s"] for r in runs)
    first = min(r["first_call_s"] for r in runs)
    return (
        f"kernel start-up, once per process (fresh subprocess, best of 3): import numba and planner.reach._dijkstra "
        f"{imp:.2f} s, first search (loads the cached compiled kernel) {first:.2f} s; excluded from the steps below"
    )


def run(
    scenario: Scenario, *, repeats: int, budget_s: float, seed: int, profile: bool = False
) -> tuple[Table, dict, list[str], str]:
    """Measure one scenario: its table, key figures, failed checks and optional profile."""
    book = planner.load_rulebook()
    rng = np.random.default_rng(seed)
    lay = place(scenario, build_network(scenario.streets), book, rng)
    order = rng.permutation(len(lay.fac_nodes))
    t = Rounds()
    checks: dict[str, Check] = {}
    done = len(lay.fac_nodes)
    for i in range(repeats):
        log(f"{scenario.name}: round {i + 1} of {repeats}")
        out = one_round(t, scenario, lay, book, budget_s, order, skip_a=done < len(lay.fac_nodes))
        if i == 0:  # the results are the same every round: check them once
            ref = out["planner"]
            done = out["a_done"]
            checks = {
                "threads": merge_checks([compare(ref[k], out["planner_threads"][k], None) for k in book.types]),
                "kernel": check_all(lay, book, ref, out["kernel"], cutoff=False),
                "scipy": check_all(lay, book, ref, out["scipy"], cutoff=False),
                "scipy_limit": check_all(lay, book, ref, out["scipy_limit"], cutoff=True),
                "a": check_all(lay, book, ref, out["a"], cutoff=True, partial=done < len(lay.fac_nodes)),
                "b": check_all(lay, book, ref, out["b"], cutoff=True),
                "b_nocutoff": check_all(lay, book, ref, out["b_nocutoff"], cutoff=False),
            }
        del out
    profile_text = profile_coverage(lay, book) if profile else ""
    rows = table_rows(t.m, checks, n_fac=len(lay.fac_nodes), done=done)
    return (*scenario_table(scenario, lay, book, rows, repeats), profile_text)


def table_rows(m: dict[str, Measure], checks: dict[str, Check], *, n_fac: int, done: int) -> list[Row]:
    steps = [m["net"], m["engine"], m["cov"]]
    total = Measure(
        sum(x.seconds for x in steps), sum(x.cpu_seconds for x in steps), sequence_peak_mb(steps), 0.0, None
    )
    nx_total = Measure(
        m["graph"].seconds + m["b_nocutoff"].seconds,
        m["graph"].cpu_seconds + m["b_nocutoff"].cpu_seconds,
        m["graph"].retained_mb + m["b_nocutoff"].peak_mb,
        0.0,
        None,
    )
    a_note = f"extrapolated from {done:,} of {n_fac:,} facilities" if done < n_fac else "osmnx-examples approach"
    return [
        Row("planner build_network (lines to CSR)", m["net"], ratio=False),
        Row("planner make_engine (index, snap cells)", m["engine"], ratio=False),
        Row("planner cell_coverage, all types, 1 thread", m["cov"], note="the coverage step, on one core"),
        Row(
            f"planner cell_coverage, all types, {os.cpu_count()} threads",
            m["cov_threads"],
            checks["threads"],
            "planner's default: a thread per CPU (compare wall s)",
            ratio=False,
        ),
        Row("planner total", total, note="network + engine + coverage", ratio=False),
        Row("planner kernel alone, per type, 1 thread", m["kernel"], checks["kernel"], "kernel only, no output table"),
        Row("scipy dijkstra alone, per type, no limit", m["scipy"], checks["scipy"], "kernel only, no output table"),
        Row(
            "scipy dijkstra alone, per type, limit=radius",
            m["scipy_limit"],
            checks["scipy_limit"],
            "bounded search (not in planner)",
        ),
        Row("networkx graph from the same segments", m["graph"], ratio=False),
        Row("nx (a) per-facility Dijkstra, cutoff", m["a"], checks["a"], a_note, key="a", scale=n_fac / done),
        Row("nx (b) multi-source per type, cutoff", m["b"], checks["b"], "covered nodes only", key="b"),
        Row(
            "nx (b') multi-source per type, no cutoff",
            m["b_nocutoff"],
            checks["b_nocutoff"],
            "same output as planner",
            key="b_nocutoff",
        ),
        Row(
            "nx total: graph + (b')",
            nx_total,
            note=f"{nx_total.cpu_seconds / total.cpu_seconds:.1f}x planner total (cpu)",
            ratio=False,
        ),
    ]


def scenario_table(
    scenario: Scenario, lay: Layout, book, rows: list[Row], repeats: int
) -> tuple[Table, dict, list[str]]:
    net = lay.net
    cov, threads = rows[2].m, rows[3].m
    title = (
        f"{scenario.name}: {net.n_nodes:,} nodes, {len(net.seg_len):,} segments, {len(lay.cell_nodes):,} cells, "
        f"{len(lay.fac_nodes):,} facilities, {len(book.types)} types"
    )
    columns = ["step", "wall s", "cpu s", "x planner coverage", "peak MB", "max abs diff m", "note"]
    table = Table(title, columns)
    for r in rows:
        failed = r.check is not None and not r.check.ok
        table.add(
            r.label,
            r.seconds,
            r.cpu_seconds,
            r.cpu_seconds / cov.cpu_seconds if r.ratio else None,
            r.m.peak_mb,
            r.check.max_abs_diff_m if r.check else None,
            (f"CHECK FAILED ({r.check.violations:,} pairs); " if failed else "") + r.note,
        )
    table.notes.append(
        f"times: best of {repeats} interleaved round(s); x planner coverage = step CPU time / planner cell_coverage "
        "CPU time; peak MB: RSS high-water mark above the step's start; max abs diff: planner vs the reference over "
        "every cell and type the reference reached"
    )
    failures = [
        f"{scenario.name}: {r.label} differs from planner in {r.check.violations:,} cell-type pairs "
        f"(max abs diff {r.check.max_abs_diff_m:.4g} m)"
        for r in rows
        if r.check is not None and not r.check.ok
    ]
    by_key = {r.key: r for r in rows if r.key}
    diffs = [r.check.max_abs_diff_m for r in rows if r.check and not np.isnan(r.check.max_abs_diff_m)]
    figures = {
        "coverage_s": cov.seconds,
        "coverage_cpu_s": cov.cpu_seconds,
        "threads_s": threads.seconds,
        "ratio_b_nocutoff_threads": by_key["b_nocutoff"].seconds / threads.seconds,
        "ratio_a": by_key["a"].cpu_seconds / cov.cpu_seconds,
        "ratio_b": by_key["b"].cpu_seconds / cov.cpu_seconds,
        "ratio_b_nocutoff": by_key["b_nocutoff"].cpu_seconds / cov.cpu_seconds,
        "ratio_b_nocutoff_wall": by_key["b_nocutoff"].seconds / cov.seconds,
        "max_abs_diff_m": max(diffs, default=float("nan")),
    }
    return table, figures, failures


def chengdu_scenario(size: str) -> Scenario | None:
    if not CHENGDU.exists():
        return None
    log(f"reading {CHENGDU.name}")
    streets = read_osm_streets(CHENGDU)
    # as planner.load_study does: drop ways pedestrians cannot use
    streets = streets.loc[~streets["highway"].isin(NOT_WALKABLE)]
    streets = streets.to_crs(streets.estimate_utm_crs())
    n_cells, n_fac = CHENGDU_SIZES[size]
    return Scenario("(i) central Chengdu OSM 2018", streets.reset_index(drop=True), n_cells, n_fac)


def synthetic_scenario(size: str, seed: int) -> Scenario:
    s = SIZES[size]
    log(f"generating a {s.grid_side} x {s.grid_side} synthetic street grid")
    streets = synthetic_streets(s.grid_side, spacing_m=s.spacing_m, seed=seed)
    assert streets.crs == CRS
    return Scenario(f"(ii) synthetic {s.grid_side}x{s.grid_side} grid", streets, s.n_cells, s.n_facilities)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=["small", "full"], default="small")
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    p.add_argument(
        "--repeat", type=int, default=None, help="interleaved rounds, best time per step kept (default 5 full, 1 small)"
    )
    p.add_argument(
        "--nx-budget", type=float, default=300.0, help="seconds for the per-facility loop before extrapolating"
    )
    p.add_argument("--scenario", choices=["chengdu", "synthetic", "both"], default="both")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--profile", action="store_true", help="print a cProfile of planner's cell_coverage per scenario")
    args = p.parse_args(argv)
    repeats = args.repeat or (5 if args.size == "full" else 1)
    print_header(
        "python bench/bench_reach.py " + " ".join(sys.argv[1:] if argv is None else argv), markdown=args.markdown
    )
    startup = kernel_startup()
    print(("- " if args.markdown else "") + startup + "\n")
    log(startup)
    failures: list[str] = []
    summary = Table(
        "Coverage step vs networkx (target: at least 20x faster than networkx multi-source)",
        [
            "scenario",
            "planner 1 thread cpu s",
            "(a) x",
            "(b) x",
            "(b') x",
            f"planner {os.cpu_count()} threads wall s",
            "(b') x wall",
            "max abs diff m",
            "20x vs (b'), 1 thread",
            f"20x vs (b'), {os.cpu_count()} threads",
        ],
    )
    scenarios: list[Scenario] = []
    if args.scenario in ("chengdu", "both"):
        sc = chengdu_scenario(args.size)
        if sc is None:
            msg = f"SKIPPED (i) central Chengdu: {CHENGDU} not found (the real extracts live in ../shared/data/real)"
            print(msg + "\n")
            log(msg)
        else:
            scenarios.append(sc)
    if args.scenario in ("synthetic", "both"):
        scenarios.append(synthetic_scenario(args.size, args.seed))
    for sc in scenarios:
        table, fig, fails, prof = run(
            sc, repeats=repeats, budget_s=args.nx_budget, seed=args.seed, profile=args.profile
        )
        failures += fails
        print(table.render(markdown=args.markdown))
        if prof:
            print("```text\n" + prof + "```\n" if args.markdown else prof)
        summary.add(
            sc.name,
            fig["coverage_cpu_s"],
            fig["ratio_a"],
            fig["ratio_b"],
            fig["ratio_b_nocutoff"],
            fig["threads_s"],
            fig["ratio_b_nocutoff_threads"],
            fig["max_abs_diff_m"],
            "met" if fig["ratio_b_nocutoff"] >= TARGET_RATIO else "NOT met",
            "met" if fig["ratio_b_nocutoff_threads"] >= TARGET_RATIO else "NOT met",
        )
    summary.notes.append(
        "x = networkx CPU time / planner cell_coverage CPU time on one thread (higher is better for planner); "
        "'(b') x wall' = networkx wall time / planner wall time with its default threads (networkx runs on one); "
        "(a) per-facility with cutoff, (b) multi-source with cutoff, (b') multi-source without cutoff: the same "
        "output as planner"
    )
    summary.notes.append(f"distance check: planner == networkx within {TOLERANCE_M} m on every compared cell and type")
    print(summary.render(markdown=args.markdown))
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

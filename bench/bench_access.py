"""2SFCA access (``planner.assess.access.two_step``) against PySAL ``access`` on the same cost matrix.

On the synthetic jittered grid city of ``_common.py`` (255k street nodes at ``--size full``):
``--cells`` random demand points with random populations (seeded) and ``--sites`` facilities
with random floor areas, walking distances. Both sides get the same sites × demand matrix
from ``ReachEngine.within`` (timed on its own, on 2 threads: the catchments); then

- planner: ``two_step(matrix, supply, population)`` (two sparse products);
- PySAL: ``access.Access(...).two_stage_fca(max_cost=radius)`` on the matrix as a long
  (origin, dest, cost) table, facilities without residents within the radius left out (they
  add nothing by planner's definition; PySAL would give inf), missing cells read as 0.

The results are compared cell by cell (max relative difference). Also the Gaussian E2SFCA
(``σ = radius / 2``, PySAL ``weights.gaussian``) and the gravity E2SFCA (``β`` and ``d_min`` of
the rulebook, PySAL ``weights.gravity(radius, -β, d_min)``).

Then issue 12 end to end on the synthetic study of ``_common.py`` (same city, its 2,000
facilities over every type), after ``analyze`` (not timed here, see ``bench_analyze.py``):
group demand for each type, the three lists of every community and type (one ``within()``
per type: the catchments, and a 2SFCA on the group's residents) and the life-circle tiers.

Run ``python bench/bench_access.py --size full`` (add ``--markdown`` for markdown tables).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
import shapely
from _common import SIZES, Table, log, measure, print_header, repeat, synthetic_streets, synthetic_study

import planner
import planner.reach._bounded  # imports numba up front, so no step below pays for it
from planner.assess.access import _gravity, two_step
from planner.assess.lists import three_lists
from planner.assess.tiers import tiers
from planner.reach.engine import make_engine
from planner.reach.network import build_network

#: (facilities, demand points) per size
BENCH_SIZES = {"small": (200, 5_000), "full": (2_000, 100_000)}
#: the target of issue 12: everything on the full city on 2 cores under this many seconds
TARGET_S = 3.0


def pysal_2sfca(matrix, supply: np.ndarray, pop: np.ndarray, radius: float, weight_fn=None) -> np.ndarray:
    """PySAL's 2SFCA on the matrix as a cost table (cells it leaves out: 0)."""
    import access

    coo = matrix.tocoo()
    nobody = np.flatnonzero(np.bincount(coo.row, weights=pop[coo.col], minlength=len(supply)) == 0)
    keep = ~np.isin(coo.row, nobody)
    cost = pd.DataFrame({"origin": coo.col[keep], "dest": coo.row[keep], "cost": coo.data[keep]})
    acc = access.Access(
        demand_df=pd.DataFrame({"cell": np.arange(len(pop)), "pop": pop}),
        demand_index="cell",
        demand_value="pop",
        supply_df=pd.DataFrame({"fac": np.arange(len(supply)), "supply": supply}),
        supply_index="fac",
        supply_value="supply",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = acc.two_stage_fca(name="a", max_cost=radius, weight_fn=weight_fn)
    return out.iloc[:, 0].reindex(range(len(pop))).fillna(0.0).to_numpy()


def rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    scale = np.maximum(np.abs(b), 1e-300)
    return float(np.max(np.where((a == 0) & (b == 0), 0.0, np.abs(a - b) / scale)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=["small", "full"], default="small")
    p.add_argument("--radius-m", type=float, default=500.0)
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    p.add_argument("--repeat", type=int, default=3, help="runs of planner's steps, best kept (default 3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-pipeline", action="store_true", help="skip the end-to-end tiers and three lists")
    args = p.parse_args(argv)
    import warnings

    warnings.filterwarnings("ignore", module="access")  # PySAL's pandas deprecation warnings
    print_header(
        "python bench/bench_access.py " + " ".join(sys.argv[1:] if argv is None else argv), markdown=args.markdown
    )
    n_sites, n_cells = BENCH_SIZES[args.size]
    side = SIZES[args.size].grid_side
    log(f"generating a {side} x {side} synthetic street grid")
    net = build_network(synthetic_streets(side, spacing_m=SIZES[args.size].spacing_m, seed=args.seed))
    rng = np.random.default_rng(args.seed + 2)
    lo, hi = net.xy.min(axis=0), net.xy.max(axis=0)
    cells = shapely.points(rng.uniform(lo, hi, (n_cells, 2)))
    sites = shapely.points(rng.uniform(lo, hi, (n_sites, 2)))
    pop = rng.integers(0, 200, n_cells).astype(float)
    supply = rng.uniform(200, 2_000, n_sites).round()
    engine = make_engine(cells, mode="walk", network=net, workers=2)
    engine.within(sites[:10], args.radius_m)
    r = args.radius_m
    m_within = repeat(lambda: engine.within(sites, r), args.repeat)
    matrix = m_within.result
    log(f"matrix: {matrix.nnz:,} entries")
    m_two = repeat(lambda: two_step(matrix, supply, pop)[0], args.repeat)
    m_gauss = repeat(lambda: two_step(matrix, supply, pop, decay="gaussian", radius_m=r)[0], args.repeat)
    log("PySAL access (2SFCA)")
    m_ref = measure(pysal_2sfca, matrix, supply, pop, r)
    log("PySAL access (Gaussian E2SFCA)")
    import access

    m_ref_g = measure(pysal_2sfca, matrix, supply, pop, r, access.weights.gaussian(r / 2))
    beta, d_min = _gravity(planner.load_rulebook(), None)
    m_grav = repeat(
        lambda: two_step(matrix, supply, pop, decay="gravity", radius_m=r, exponent=beta, min_distance_m=d_min)[0],
        args.repeat,
    )
    log("PySAL access (gravity E2SFCA)")
    m_ref_v = measure(pysal_2sfca, matrix, supply, pop, r, access.weights.gravity(r, -beta, d_min))
    d2, dg = rel_diff(m_two.result, m_ref.result), rel_diff(m_gauss.result, m_ref_g.result)
    dv = rel_diff(m_grav.result, m_ref_v.result)
    table = Table(
        f"2SFCA: {n_cells:,} demand points, {n_sites:,} facilities, {net.n_nodes:,} street nodes, walking "
        f"{r:g} m, {matrix.nnz:,} pairs",
        ["step", "wall s", "cpu s", "peak MB", "vs PySAL", "max rel diff"],
    )
    table.add(
        "planner within() (catchments), 2 threads", m_within.seconds, m_within.cpu_seconds, m_within.peak_mb, "", ""
    )
    table.add(
        "planner two_step, 2SFCA",
        m_two.seconds,
        m_two.cpu_seconds,
        m_two.peak_mb,
        f"{m_ref.cpu_seconds / m_two.cpu_seconds:,.0f}x faster",
        d2,
    )
    table.add("PySAL access two_stage_fca, 2SFCA", m_ref.seconds, m_ref.cpu_seconds, m_ref.peak_mb, "", "")
    table.add(
        "planner two_step, Gaussian E2SFCA",
        m_gauss.seconds,
        m_gauss.cpu_seconds,
        m_gauss.peak_mb,
        f"{m_ref_g.cpu_seconds / m_gauss.cpu_seconds:,.0f}x faster",
        dg,
    )
    table.add("PySAL access two_stage_fca, Gaussian", m_ref_g.seconds, m_ref_g.cpu_seconds, m_ref_g.peak_mb, "", "")
    table.add(
        f"planner two_step, gravity E2SFCA (β = {beta:g}, d_min = {d_min:g} m)",
        m_grav.seconds,
        m_grav.cpu_seconds,
        m_grav.peak_mb,
        f"{m_ref_v.cpu_seconds / m_grav.cpu_seconds:,.0f}x faster",
        dv,
    )
    table.add("PySAL access two_stage_fca, gravity", m_ref_v.seconds, m_ref_v.cpu_seconds, m_ref_v.peak_mb, "", "")
    table.notes.append("times best of --repeat for planner, one run for PySAL; ratios from CPU seconds")
    table.notes.append("both sides on the same within() matrix; PySAL's cost table built from it is not timed")
    print(table.render(markdown=args.markdown))
    total = m_within.seconds + m_two.seconds
    verdict = "met" if total < TARGET_S else "NOT met"
    print(f"target: within() + 2SFCA under {TARGET_S:g} s on 2 threads: {verdict} ({total:.2f} s)")
    if not args.no_pipeline:
        pipeline(args)
    ok = d2 < 1e-9 and dg < 1e-9 and dv < 1e-9
    if not ok:
        print("FAILED: planner and PySAL differ")
    return 0 if ok else 1


def pipeline(args: argparse.Namespace) -> None:
    """Group demand, the three lists (catchments included) and the tiers on the synthetic study."""
    from planner.assess.groups import cell_demand

    size = SIZES[args.size]
    log("building and analysing the synthetic study (not timed)")
    result = planner.analyze(synthetic_study(size, seed=args.seed), mode="walk", workers=2)
    book = result.study.rulebook
    result.engine.within(_sites(result)[:10], 300.0)  # warm the kernels
    m_groups = repeat(lambda: [cell_demand(result.cells, result.communities, book, t) for t in book.types], args.repeat)
    m_lists = repeat(lambda: three_lists(result), args.repeat)
    m_tiers = repeat(lambda: tiers(result), args.repeat)
    table = Table(
        f"issue 12 end to end: {len(result.cells):,} cells, {len(result.communities):,} communities, "
        f"{len(result.study.facilities):,} facilities of {len(book.types)} types, "
        f"{result.network.n_nodes if result.network else 0:,} street nodes, walking",
        ["step", "wall s", "cpu s", "peak MB"],
    )
    table.add("group demand per cell, every type", m_groups.seconds, m_groups.cpu_seconds, m_groups.peak_mb)
    table.add(
        "three lists: within() + group 2SFCA per type, every community",
        m_lists.seconds,
        m_lists.cpu_seconds,
        m_lists.peak_mb,
    )
    table.add("life-circle tiers, every cell and community", m_tiers.seconds, m_tiers.cpu_seconds, m_tiers.peak_mb)
    table.notes.append("best of --repeat; analyze() (coverage, the nearest distances the tiers read) not included")
    print(table.render(markdown=args.markdown))
    total = m_groups.seconds + m_lists.seconds + m_tiers.seconds
    verdict = "met" if total < TARGET_S else "NOT met"
    print(f"target: groups + three lists + tiers under {TARGET_S:g} s on 2 threads: {verdict} ({total:.2f} s)")


def _sites(result) -> np.ndarray:
    from planner.reach.engine import _points

    return _points(result.study.facilities)


if __name__ == "__main__":
    raise SystemExit(main())

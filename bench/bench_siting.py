"""Siting (maximal covering with HiGHS) against spopt (PuLP + its default CBC), same cost matrix.

Instances: ``n`` candidates and ``10 n`` demand points uniformly random in a 10 km square
(seeded), integer weights 1-99, radius 500 m, ``k = n / 83`` new sites (k = 60 at 5,000 ×
50,000), straight-line distances. planner's time includes building the sparse matrix
(``ReachEngine.within`` on a KD-tree) and the whole solve (reduction, greedy + swaps,
Lagrangian bound and fixing, HiGHS); spopt gets the same distances as the dense demand ×
candidate matrix it needs (building it is not timed) and is timed from ``MCLP.from_cost_matrix``
to the end of ``solve``. spopt runs only where its dense matrix fits (``--spopt-max``
candidates), with a time limit (``--spopt-limit``).

Every planner answer is re-scored here from the matrix (residents covered by the chosen
sites), and the table gives the proven bound and gap. Run
``python bench/bench_siting.py --size small`` (about 1 min) or ``--size full`` (the 5,000 ×
50,000 instance twice: a 10 s limit and a 60 s limit; about 3 min); ``--markdown`` for tables;
``--capacity --candidates 500 1000`` for capacitated maximal covering on the same instances
(``--no-merge`` also solves each without merging cells, for the comparison).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import shapely
from _common import ORIGIN, Table, log, measure, print_header, synthetic_streets

from planner.plan.siting.solve import maximal_covering
from planner.reach.engine import make_engine
from planner.reach.network import build_network

RADIUS_M = 500.0
SIDE_M = 10_000.0
#: candidates per size; demand points are ten times as many
SIZES = {"small": (500, 1_000), "full": (500, 1_000, 2_000, 5_000)}
#: planner's time limits on the largest instance: the fast answer and the exact one
LIMITS_S = (10.0, 60.0)


#: street spacing of the synthetic city (``--mode walk``): a 250 × 250 jittered grid fills the square
SPACING_M = 40.0


def instance(n_cand: int, seed: int, origin: tuple[float, float] = (0.0, 0.0)):
    rng = np.random.default_rng(seed)
    n_dem = 10 * n_cand
    cand = shapely.points(rng.uniform(0, SIDE_M, (n_cand, 2)) + origin)
    dem = shapely.points(rng.uniform(0, SIDE_M, (n_dem, 2)) + origin)
    w = rng.integers(1, 100, n_dem).astype(float)
    return cand, dem, w, max(n_cand // 83, 1)


def run_planner(cand, dem, w, k, limit_s, streets=None):
    """Matrix (walking: network, snapping and bounded searches) and solve, as a user would run them."""
    if streets is None:
        engine = make_engine(dem, mode="euclidean")
    else:
        engine = make_engine(dem, mode="walk", network=build_network(streets))
    reach = engine.within(cand, RADIUS_M)
    solved = maximal_covering(reach, w, np.ones(len(w), bool), k, time_limit_s=limit_s)
    return reach, solved


def rescore(reach, w, chosen) -> float:
    hit = np.zeros(reach.shape[1], dtype=bool)
    for j in chosen:
        hit[reach.indices[reach.indptr[j] : reach.indptr[j + 1]]] = True
    return float(w[hit].sum())


def run_spopt(reach, w, k, limit_s):
    import pulp
    from spopt.locate import MCLP

    cost = np.full(reach.shape[::-1], 2 * RADIUS_M)
    coo = reach.tocoo()
    cost[coo.col, coo.row] = coo.data

    def solve():
        model = MCLP.from_cost_matrix(cost, w, RADIUS_M, k)
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=limit_s))
        return model

    m = measure(solve)
    model = m.result
    return m.seconds, float(pulp.value(model.problem.objective)), pulp.LpStatus[model.problem.status]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", choices=list(SIZES), default="small")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--mode", choices=["euclidean", "walk"], default="euclidean", help="distance mode")
    p.add_argument("--candidates", type=int, nargs="+", help="candidate counts to run (default: those of --size)")
    p.add_argument("--spopt-max", type=int, default=1_000, help="largest candidate count given to spopt")
    p.add_argument("--spopt-limit", type=float, default=600.0, help="CBC time limit, seconds")
    p.add_argument("--capacity", action="store_true", help="capacitated maximal covering instead (no spopt)")
    p.add_argument(
        "--no-merge", action="store_true", help="capacitated: also solve without merging cells (the unmerged model)"
    )
    args = p.parse_args(argv)
    if args.capacity:
        return capacitated(args, argv)
    print_header(
        "python bench/bench_siting.py " + " ".join(argv if argv is not None else sys.argv[1:]), markdown=args.markdown
    )
    table = Table(
        f"Maximal covering, {RADIUS_M:g} m, random points in a {SIDE_M / 1000:g} km square (seed {args.seed})",
        [
            "candidates × demand",
            "k",
            "planner limit s",
            "planner s",
            "covered",
            "bound",
            "gap",
            "status",
            "spopt s",
            "spopt covered",
            "spopt status",
            "ratio",
        ],
    )
    ok = True
    sizes = args.candidates or SIZES[args.size]
    streets = None
    if args.mode == "walk":
        streets = synthetic_streets(int(SIDE_M / SPACING_M), spacing_m=SPACING_M, seed=args.seed)
        table.title = table.title.replace("random points", "walking on a synthetic street grid, random points")
    for n in sizes:
        cand, dem, w, k = instance(n, args.seed, ORIGIN if streets is not None else (0.0, 0.0))
        limits = LIMITS_S if n == max(SIZES["full"]) else (LIMITS_S[1],)
        spopt = None
        for limit in limits:
            log(f"planner {n} × {10 * n}, k = {k}, limit {limit:g} s")
            m = measure(run_planner, cand, dem, w, k, limit, streets)
            reach, solved = m.result
            value = rescore(reach, w, solved.chosen)
            ok &= abs(value - solved.value) < 1e-6 * value and len(solved.chosen) <= k
            gap = (solved.bound - value) / solved.bound
            if spopt is None and n <= args.spopt_max:
                log(f"spopt {n} × {10 * n}")
                spopt = run_spopt(reach, w, k, args.spopt_limit)
                if spopt[2] == "Optimal" and solved.proven:
                    ok &= abs(spopt[1] - value) < 1e-6 * value
            s_sec, s_val, s_status = spopt if spopt else (None, None, "not run")
            ratio = f"{s_sec / m.seconds:.0f}×" if spopt and abs(s_val - value) < 1e-6 * value else ""
            table.add(
                f"{n:,} × {10 * n:,}",
                k,
                f"{limit:g}",
                f"{m.seconds:.2f}",
                f"{value:,.0f}",
                f"{solved.bound:,.0f}",
                f"{gap:.3%}",
                "optimal" if solved.proven else "time limit",
                None if s_sec is None else f"{s_sec:.1f}",
                None if s_val is None else f"{s_val:,.0f}",
                s_status,
                ratio,
            )
    table.notes.append(
        "planner's seconds include building the sparse matrix (walking: the network, snapping and one bounded "
        "search per candidate); the value is re-scored from it"
    )
    table.notes.append(
        f"spopt: dense cost matrix (not timed), CBC via PuLP, not run above {args.spopt_max:,} candidates"
    )
    print(table.render(markdown=args.markdown))
    if not ok:
        print("CHECK FAILED: a re-scored value differs from the solver's, or from spopt's optimum", file=sys.stderr)
    return 0 if ok else 1


#: capacitated instances: households = weight / HOUSEHOLD_SIZE, each site's capacity half the
#: median households within a candidate's radius (so capacity binds at most sites)
HOUSEHOLD_SIZE = 2.6
CAPACITY_SHARE = 0.5


def capacitated(args: argparse.Namespace, argv: list[str] | None) -> int:
    """Capacitated maximal covering on the same instances (no existing facility), re-scored by an LP."""
    import scipy.sparse as sp

    from planner.plan.siting.capacity import capacitated_covering, make_pairs, served

    print_header(
        "python bench/bench_siting.py " + " ".join(argv if argv is not None else sys.argv[1:]), markdown=args.markdown
    )
    table = Table(
        f"Capacitated maximal covering, {RADIUS_M:g} m, random points in a {SIDE_M / 1000:g} km square "
        f"(seed {args.seed}), capacity {CAPACITY_SHARE:g} × the median households in reach",
        ["candidates × demand", "k", "cells merged", "pairs", "model", "planner s", "served", "bound", "gap", "status"],
    )
    ok = True
    runs = [
        (n, merge)
        for n in args.candidates or SIZES[args.size]
        for merge in ((True, False) if args.no_merge else (True,))
    ]
    for n, merge in runs:
        cand, dem, w, k = instance(n, args.seed)
        log(f"capacitated {n} × {10 * n}, k = {k}, {'merged' if merge else 'unmerged'}")

        def run(cand=cand, dem=dem, w=w, k=k, merge=merge):
            reach = make_engine(dem, mode="euclidean").within(cand, RADIUS_M)
            hh = w / HOUSEHOLD_SIZE
            cap = np.full(
                len(cand), CAPACITY_SHARE * float(np.median(sp.csr_array(reach).astype(bool).astype(float) @ hh))
            )
            pairs = make_pairs(sp.csr_array((0, len(w))), reach, w)
            return pairs, hh, cap, capacitated_covering(pairs, w, hh, cap, k, time_limit_s=LIMITS_S[1], merge=merge)

        m = measure(run)
        pairs, hh, cap, solved = m.result
        value = served(pairs, solved.chosen, w, hh, cap)
        ok &= abs(value - solved.value) < 1e-6 * max(value, 1.0)
        gap = (solved.bound - value) / solved.bound if solved.bound else 0.0
        table.add(
            f"{n:,} × {10 * n:,}",
            k,
            f"{len(np.unique(pairs.cell)):,} → {solved.stats['merged_cells']:,}" if merge else "",
            f"{len(pairs.fac):,}" + (f" → {solved.stats['merged_pairs']:,}" if merge else ""),
            "merged cells" if merge else "every cell",
            f"{m.seconds:.2f}",
            f"{value:,.0f}",
            f"{solved.bound:,.0f}",
            f"{gap:.3%}",
            "optimal" if solved.proven else "time limit",
        )
    table.notes.append("planner's seconds include the sparse matrix and the MILP; the value is re-scored by an LP")
    print(table.render(markdown=args.markdown))
    return 0 if ok else 1


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    log(f"done in {time.perf_counter() - t0:.0f} s")
    sys.exit(code)

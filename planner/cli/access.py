"""``planner access``: supply against demand."""

from __future__ import annotations

import argparse
import time

from planner.cli._common import _HelpFormatter, _progress_bar, _study_and_analysis, _study_args


def _access_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "access",
        help="supply against demand: 2SFCA access of every cell and community to a facility type",
        description=(
            "Two-step floating catchment access (2SFCA, or E2SFCA with a distance decay) to one facility type: "
            "each facility's supply (floor area, count or capacity) divided by the residents within its radius, "
            "summed per cell over the facilities within the radius. Demand is the group the type serves "
            "(the rulebook's demand_types; --demand all for every resident). Writes access_cells.csv, "
            "access_communities.csv (population-weighted mean and per 100 households) and access_cells.gpkg."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--type", required=True, metavar="TYPE", help="rulebook facility type key, e.g. elderly_day_care")
    p.add_argument("--method", choices=["2sfca", "e2sfca"], default="2sfca", help="access measure")
    p.add_argument(
        "--supply", choices=["floor_area_m2", "count", "capacity"], default="floor_area_m2", help="supply per facility"
    )
    p.add_argument("--radius", type=float, metavar="M", help="catchment radius in metres (default: the rulebook's)")
    p.add_argument("--decay", choices=["step", "gaussian", "gravity"], default="step", help="distance decay (e2sfca)")
    p.add_argument(
        "--exponent",
        type=float,
        metavar="BETA",
        help="gravity decay exponent (default: the rulebook's access_decay.gravity_exponent)",
    )
    p.add_argument(
        "--demand",
        choices=["all", "group"],
        default="group",
        help="count the residents of the group the type serves (elderly, children 3-6, school age; all "
        "residents for the other types), or all residents whatever the type",
    )
    p.add_argument(
        "--lists",
        action="store_true",
        help="also write three_lists.csv (demand, resources, service balance per community and type)",
    )
    p.add_argument("--out", metavar="DIR", default="access", help="output folder (created if needed)")
    p.set_defaults(func=_run_access)


def _run_access(args: argparse.Namespace) -> int:
    from planner.assess.access import access, write_access

    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar)
        bar("access", 0.95)
        answer = access(
            result,
            type=args.type,
            method=args.method,
            supply=args.supply,
            radius_m=args.radius,
            decay=args.decay,
            demand=args.demand,
            exponent=args.exponent,
        )
        written = write_access(answer, args.out, result.study)
        if args.lists:
            from planner.assess.lists import three_lists, write_three_lists

            written["three_lists.csv"] = write_three_lists(three_lists(result), args.out, result.study)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        pop = answer.cells["demand"].to_numpy(dtype=float)
        reached = float(pop[answer.cells["access"].to_numpy() > 0].sum())
        basis = ", ".join(sorted(set(answer.cells["demand_basis"])))
        print(
            f"{answer.method} ({answer.decay}, {answer.supply}, {answer.radius_m:g} m, {answer.mode}) "
            f"to {answer.type}, demand {answer.group} ({basis}): "
            f"{reached:,.0f} of {pop.sum():,.0f} residents of the group reach some supply"
        )
        print(f"wrote {', '.join(str(p) for p in written.values())} in {time.perf_counter() - started:.1f} s")
    return 0

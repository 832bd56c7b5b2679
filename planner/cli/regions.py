"""``planner workstations`` and ``planner grids``: organising the district."""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.cli._common import _HelpFormatter, _progress_bar, _study_and_analysis, _study_args


def _workstations_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "workstations",
        help="group communities into community workstations (社区工作站) of 3-5 communities",
        description=(
            "Group the communities into contiguous community workstations of --min to --max communities each "
            "(a connected group of fewer than --min communities is a station of its own, flagged), balanced by "
            "households, residents or workload; propose each station's site (the community-service facility with "
            "the least total walking distance for its households) and its staff need from the rulebook. Writes "
            "workstations.gpkg, workstation_members.csv, workstations.csv and validation.csv to --out."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument(
        "--min",
        dest="min_communities",
        type=int,
        default=None,
        metavar="N",
        help="fewest communities per station (default: the rulebook's, 3)",
    )
    p.add_argument(
        "--max",
        dest="max_communities",
        type=int,
        default=None,
        metavar="N",
        help="most communities per station (default: the rulebook's, 5)",
    )
    p.add_argument(
        "--balance",
        choices=["households", "population", "workload"],
        default="households",
        help="what to balance across stations (workload: households plus an area term from the rulebook)",
    )
    p.add_argument(
        "--within", metavar="COLUMN", help="keep stations inside the borders of this column, e.g. sub_district"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the search; the result depends only on it and the data")
    p.add_argument("--out", metavar="DIR", default="results", help="output folder (created if needed)")
    p.set_defaults(func=_run_workstations)


def _run_workstations(args: argparse.Namespace) -> int:
    from planner.plan.regions import plan_workstations, write_workstations

    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar)
        bar("grouping communities into workstations", 0.9)
        ws = plan_workstations(
            result,
            min_communities=args.min_communities,
            max_communities=args.max_communities,
            balance=args.balance,
            within=args.within,
            seed=args.seed,
        )
        written = write_workstations(ws, args.out, result)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        s = ws.summary
        print(
            f"{s['stations']} workstations of {s['min_communities']}-{s['max_communities']} communities "
            f"({s['islands']} island(s), {s['bounds_not_met']} outside the bounds); CV of {s['balance']} "
            f"{s['cv']:.3f}; {int(ws.stations['staff_needed'].sum())} staff needed"
        )
        print(f"Wrote {len(written)} files to {Path(args.out)}/")
    return 0


def _grids_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "grids",
        help="split each community into governance grids (网格) of 300-500 households",
        description=(
            "Split each community into contiguous governance grids whose households lie within the bounds (a "
            "community below the minimum is one grid; where no split meets the bounds, the nearest split, flagged "
            "in validation.csv), following the study's buildings where it has them (no building split between grids, "
            "households by residential floor area), else the analysis cells; --levels 2 adds level-2 groups of "
            "neighbouring grids. Writes grids.gpkg, grid_communities.csv, grid_staff.csv (grid workers needed "
            "against staff) and validation.csv."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument(
        "--min-households",
        type=float,
        default=None,
        metavar="N",
        help="fewest households per grid (default: the rulebook's, 300)",
    )
    p.add_argument(
        "--max-households",
        type=float,
        default=None,
        metavar="N",
        help="most households per grid (default: the rulebook's, 500)",
    )
    p.add_argument("--levels", type=int, choices=[1, 2], default=1, help="2 adds the level-2 grouping of grids")
    p.add_argument("--seed", type=int, default=0, help="seed of the search; the result depends only on it and the data")
    p.add_argument("--out", metavar="DIR", default="results", help="output folder (created if needed)")
    p.set_defaults(func=_run_grids)


def _run_grids(args: argparse.Namespace) -> int:
    from planner.plan.regions import plan_grids, write_grids

    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar)
        bar("splitting communities into grids", 0.9)
        grids = plan_grids(
            result,
            min_households=args.min_households,
            max_households=args.max_households,
            levels=args.levels,
            seed=args.seed,
        )
        written = write_grids(grids, args.out, result)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        s, t = grids.summary, grids.communities
        short = int((t["staff_gap"] < 0).sum())
        print(
            f"{s['grids']} grids of {s['min_households']:,.0f}-{s['max_households']:,.0f} households in "
            f"{s['communities']} communities ({s['communities_bounds_not_met']} with the nearest split); "
            f"{s['grid_workers_needed']} grid workers needed, {short} communities with fewer staff"
        )
        print(f"Wrote {len(written)} files to {Path(args.out)}/")
    return 0

"""``planner tiers``: the 5-, 10- and 15-minute life circles and the communities' three lists.

A command of its own rather than an option of ``planner access``: access answers one facility
type at a time, the life circles and the three lists are about every type at once.
"""

from __future__ import annotations

import argparse
import time

from planner.cli._common import _HelpFormatter, _progress_bar, _study_and_analysis, _study_args


def _tiers_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tiers",
        help="life-circle completeness (GB 50180-2018 5/10/15-minute circles) and the three lists",
        description=(
            "Per cell the life circles it is complete for (every facility type of the tier within the tier's "
            "walking distance for the group the type serves), per community the share of each tier's types "
            "within reach and the residents living in a complete circle; and per community and type the three "
            "lists (demand, resources, service balance). Writes tiers_cells.csv, tiers_communities.csv, "
            "tiers.csv, tiers_district.csv and three_lists.csv."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--out", metavar="DIR", default="tiers", help="output folder (created if needed)")
    p.set_defaults(func=_run_tiers)


def _run_tiers(args: argparse.Namespace) -> int:
    from planner.assess.lists import three_lists, write_three_lists
    from planner.assess.tiers import tiers, write_tiers

    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar)
        bar("tiers", 0.9)
        answer = tiers(result)
        written = write_tiers(answer, args.out, result.study)
        bar("three lists", 0.95)
        written["three_lists.csv"] = write_three_lists(three_lists(result), args.out, result.study)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        for _, row in answer.district().iterrows():
            n = row["n_types"]
            head = f"{row['tier']} ({row['distance_m']:g} m, {n} type{'' if n == 1 else 's'})"
            print(f"{head}: {row['residents_complete']:,} of {row['residents']:,} residents complete")
        print(f"wrote {', '.join(str(p) for p in written.values())} in {time.perf_counter() - started:.1f} s")
    return 0

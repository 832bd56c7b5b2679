"""``planner site``: where to build."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator

from planner.cli._common import _HelpFormatter, _progress_bar, _study_and_analysis, _study_args


def _site_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "site",
        help="where to build new facilities of a type (proven optimal siting)",
        description=(
            "Choose sites for new facilities of one type among candidate sites, keeping the existing facilities "
            "open: the most residents covered by K new sites (coverage), the fewest new sites covering a share of "
            "the reachable residents (count), or the least residents x distance with K new sites (distance). "
            "Exact (HiGHS) with a time limit; siting.json states the proven gap."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--type", required=True, metavar="TYPE", help="rulebook facility type key, e.g. elderly_day_care")
    p.add_argument(
        "--objective", choices=["coverage", "count", "distance"], default="coverage", help="what to optimise"
    )
    p.add_argument("--add", type=int, metavar="K", help="new sites (coverage, distance); for count, the most allowed")
    p.add_argument(
        "--target", type=float, metavar="SHARE", help="count: share of the reachable residents (default 1.0)"
    )
    p.add_argument(
        "--candidates",
        default="auto",
        metavar="LAYER",
        help="'study' (the study's candidates layer), 'cells' (one per analysis cell near a street), or a file of "
        "candidate points/polygons; default: the study's layer if it has one, else cells",
    )
    p.add_argument("--radius", type=float, metavar="M", help="service radius in metres (default: the rulebook's)")
    p.add_argument(
        "--capacity",
        action="store_true",
        help="coverage only: each facility serves at most the households its floor area allows (the rulebook's "
        "m² per 100 households; candidates get the type's standard floor area unless the candidates layer has "
        "floor_area_m2); a cell's residents may be split between facilities in reach",
    )
    p.add_argument("--time-limit", type=float, default=60.0, metavar="S", help="solver time limit in seconds")
    p.add_argument("--out", metavar="DIR", default="siting", help="output folder (created if needed)")
    p.set_defaults(func=_run_site)


@contextlib.contextmanager
def _no_c_stdout() -> Iterator[None]:
    """Send what C libraries print on file descriptor 1 to the null device (the CLI is single-threaded)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (embedded): nothing to protect
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _run_site(args: argparse.Namespace) -> int:
    from planner.plan.siting import site, write_siting

    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    kind = args.candidates if args.candidates in ("auto", "study", "cells") else "study"
    try:
        result = _study_and_analysis(args, bar, candidates=None if kind == args.candidates else args.candidates)
        study = result.study
        bar("siting", 0.95)
        with _no_c_stdout():  # HiGHS prints a banner on the C-level stdout when it starts
            answer = site(
                result,
                type=args.type,
                objective=args.objective,
                add=args.add,
                target=args.target,
                candidates=kind,
                radius_m=args.radius,
                time_limit_s=args.time_limit,
                capacity=args.capacity,
            )
        written = write_siting(answer, args.out, study)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        s = answer.summary()
        before = "n/a" if s["before"] is None else f"{s['before']:,.0f}"
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        print(
            f"{s['objective']}{' (capacitated)' if s['capacity'] else ''}: "
            f"{s['k']} new {s['type']} site(s), value {s['value']:,.0f} (before {before}; residents of group "
            f"{s['group']}, {s['demand_basis']}), {s['status']}, proven gap {gap}"
        )
        print(f"wrote {', '.join(str(p) for p in written.values())} in {time.perf_counter() - started:.1f} s")
    return 0

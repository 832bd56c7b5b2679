"""Scale-out commands: ``planner analyze --partition COLUMN`` and ``planner analyze-many``, on Dask."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from planner.cli._common import _HelpFormatter


def _cluster_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scheduler",
        metavar="local|tcp://HOST:PORT",
        default=None,
        help="the Dask scheduler to run on; 'local' (default) starts a local cluster of processes",
    )
    p.add_argument("--n-workers", type=int, default=2, metavar="N", help="worker processes of a local cluster")
    p.add_argument(
        "--memory-limit",
        default="auto",
        metavar="SIZE",
        help="memory limit per local worker ('2GiB'; 'auto' shares out the machine's memory)",
    )


def add_partition_args(p: argparse.ArgumentParser) -> None:
    """Add ``--partition`` and the cluster options to ``analyze``; with them it runs on Dask.

    Call it after ``p.set_defaults(func=...)``: the command's function is wrapped so that
    without ``--partition`` (and without ``--scheduler``) nothing changes.
    """
    p.add_argument(
        "--partition",
        metavar="COLUMN",
        help="split the study by this communities' column (sub_district, district) and run the pieces on Dask; "
        "the outputs equal the unpartitioned run's",
    )
    _cluster_args(p)
    plain: Callable[[argparse.Namespace], int] = p.get_default("func")

    def run(args: argparse.Namespace) -> int:
        if args.partition is None and args.scheduler is None:
            return plain(args)
        return run_partitioned(args)

    p.set_defaults(func=run)


def run_partitioned(args: argparse.Namespace) -> int:
    """``planner analyze STUDY --partition COLUMN``: the pieces on Dask, merged and written to --out."""
    from planner.ingest.study import load_study
    from planner.scale import RunInfo, analyze_partitioned

    started = time.perf_counter()
    study = load_study(
        args.study,
        communities=args.communities,
        facilities=args.facilities,
        cells=args.cells,
        streets=args.streets,
        buildings=args.buildings,
        input_crs=args.input_crs,
        crs=args.crs,
        rules=args.rules,
    )
    info = RunInfo()
    result = analyze_partitioned(
        study,
        args.partition,
        args.out,
        scheduler=args.scheduler,
        n_workers=args.n_workers,
        memory_limit=args.memory_limit,
        mode=args.mode,
        cell_size_m=args.cell_size,
        cell_shape=args.cell_shape,
        max_snap_m=args.max_snap,
        show_progress=not args.quiet,
        info=info,
    )
    if not args.quiet:
        from planner.cli.district import _print_summary

        written = {"summary.json": f"{args.out}/summary.json"}
        _print_summary(result.summary, written, time.perf_counter() - started, result.study.rulebook)
        print(
            f"Pieces: {len(info.computed)} computed, {len(info.reused)} reused from {args.out}/.pieces; "
            f"cells per pass {info.cells_per_pass}"
        )
    return 0


def analyze_many_args(sub: argparse._SubParsersAction) -> None:
    """Register ``planner analyze-many``."""
    p = sub.add_parser(
        "analyze-many",
        help="analyse many studies on Dask: one output folder each and a merged summary",
        description=(
            "Analyse every study of a folder (its .gpkg files and its sub-folders of layer files) or of a text file "
            "listing one study path per line, one Dask task per study. Writes OUT/<study>/ (the files of 'planner "
            "analyze') and OUT/summary.csv (one row per study). Studies already done with the same input are not "
            "redone; a study that fails twice is named and the command exits with an error."
        ),
        formatter_class=_HelpFormatter,
    )
    p.add_argument("studies", metavar="STUDY_DIR_OR_LIST", help="a folder of studies, or a text file of study paths")
    p.add_argument("--out", metavar="DIR", default="results", help="output folder (one sub-folder per study)")
    p.add_argument("--mode", choices=["walk", "euclidean"], default="walk", help="distance mode")
    p.add_argument("--cell-size", type=float, default=100.0, metavar="M", help="side of generated square cells, metres")
    p.add_argument("--max-snap", type=float, default=300.0, metavar="M", help="maximum snapping distance, metres")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _cluster_args(p)
    p.set_defaults(func=run_many)


def run_many(args: argparse.Namespace) -> int:
    """``planner analyze-many``."""
    from planner.scale import client_for
    from planner.scale.many import SUMMARY, analyze_many

    options = {"mode": args.mode, "cell_size_m": args.cell_size, "max_snap_m": args.max_snap, "workers": 1}
    with client_for(args.scheduler, n_workers=args.n_workers, memory_limit=args.memory_limit) as client:
        if not args.quiet:
            print(f"planner: Dask dashboard: {client.dashboard_link}")
        table = analyze_many(args.studies, args.out, client=client, options=options, show_progress=not args.quiet)
    if not args.quiet:
        print(f"Wrote {len(table)} studies to {args.out}/ and the merged summary {args.out}/{SUMMARY}")
    return 0

"""The ``planner`` command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from planner.cli._common import EXIT_INPUT, _display_width, _pad
from planner.cli.access import _access_args
from planner.cli.district import _analyze_args, _app_args, _report_args
from planner.cli.ingest import _ingest_args
from planner.cli.regions import _grids_args, _workstations_args
from planner.cli.scale import analyze_many_args
from planner.cli.siting import _site_args
from planner.cli.tiers import _tiers_args
from planner.errors import PlannerError


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``planner`` command."""
    from planner import __version__

    parser = argparse.ArgumentParser(
        prog="planner",
        description="Service coverage and standards compliance for urban community services (15-minute life circles).",
    )
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each step does")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _analyze_args(sub)
    _report_args(sub)
    _site_args(sub)
    _app_args(sub)
    _workstations_args(sub)
    _grids_args(sub)
    _access_args(sub)
    _ingest_args(sub)
    _tiers_args(sub)
    analyze_many_args(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``planner`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    try:
        return int(args.func(args))
    except PlannerError as exc:
        print(f"planner: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("planner: interrupted", file=sys.stderr)
        return 130


__all__ = ["_display_width", "_pad", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())

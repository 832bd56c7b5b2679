"""What every subcommand shares: help formatting, the study options, the progress bar, terminal widths."""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import unicodedata
from collections.abc import Iterator
from typing import Any

from planner.cli.db import _db_args, _db_write_back, _study_loader

EXIT_INPUT = 2


class _HelpFormatter(argparse.HelpFormatter):
    """Append an option's default to its help, once, and only where it says something.

    ``argparse.ArgumentDefaultsHelpFormatter`` appends "(default: None)" to options without a
    default and repeats a default the help already explains ("(default: generated) (default:
    None)"); this one leaves both of those alone.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)"


def _study_args(p: argparse.ArgumentParser) -> None:
    """The options that say which study to read and how to analyse it (shared by analyze and report)."""
    p.add_argument(
        "study",
        nargs="?",
        help="a GeoPackage with layers communities, facilities [, cells, streets, "
        "buildings], or a folder of files named after those layers; default: the sample district",
    )
    p.add_argument("--communities", metavar="FILE", help="community boundaries (polygons), overriding STUDY's layer")
    p.add_argument("--facilities", metavar="FILE", help="facility sites (points/polygons or a lon/lat CSV/XLSX)")
    p.add_argument("--cells", metavar="FILE", help="analysis cells with a population column (default: generated)")
    p.add_argument("--streets", metavar="FILE", help="walking network: an OSM file (.osm XML or .pbf) or a line layer")
    p.add_argument(
        "--buildings", metavar="FILE", help="building footprints with storeys, to spread population by floor area"
    )
    p.add_argument("--mode", choices=["walk", "euclidean"], default="walk", help="distance mode")
    p.add_argument("--rules", metavar="TOML", help="a city rule file merged over the national defaults")
    p.add_argument(
        "--input-crs",
        metavar="[LAYER=]CRS",
        action="append",
        help="coordinates of one layer (facilities=gcj02; repeatable), or bare, of every layer that has "
        "no CRS of its own: wgs84, cgcs2000, gcj02 (AMap/Tencent), bd09 (Baidu) or an EPSG code. "
        "GCJ-02/BD-09 are converted to WGS84; OSM files are always WGS84",
    )
    p.add_argument("--crs", metavar="CRS", help="metric analysis CRS (default: the district's UTM zone)")
    p.add_argument("--cell-size", type=float, default=100.0, metavar="M", help="side of generated square cells, metres")
    p.add_argument("--cell-shape", choices=["square", "h3"], default="square", help="shape of generated cells")
    p.add_argument(
        "--max-snap",
        type=float,
        default=300.0,
        metavar="M",
        help="points farther than this from any street get no walking distance and are reported",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="threads for the walking searches (default: one per CPU); results do not depend on it",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _db_args(p)


def _study_and_analysis(args: argparse.Namespace, bar: Any, name: str | None = None, candidates: str | None = None):
    """Read the study named by the shared options (and a candidates file, if given) and analyse it."""
    import planner
    from planner.ingest.study import load_study

    bar("reading the study", 0.0)
    study = _study_loader(args, load_study)(
        args.study,
        communities=args.communities,
        facilities=args.facilities,
        cells=args.cells,
        streets=args.streets,
        buildings=args.buildings,
        candidates=candidates,
        input_crs=args.input_crs,
        crs=args.crs,
        rules=args.rules,
        name=name,
    )
    result = planner.analyze(
        study,
        mode=args.mode,
        cell_size_m=args.cell_size,
        cell_shape=args.cell_shape,
        max_snap_m=args.max_snap,
        workers=args.workers,
        progress=bar,
    )
    _db_write_back(args, result)
    return result


@contextlib.contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Run a one-shot command without the cyclic garbage collector's full passes.

    A city holds millions of objects (shapely geometries, pandas blocks); every full pass of
    the collector walks them all, and an analysis triggers 15 of them: 1.3 s of a 9 s run
    (``bench/bench_city.py``). The analysis makes almost no reference cycles, so the
    collector is off inside the block (reference counting still frees everything) and back
    as it was afterwards. Objects made before the block (imports) are frozen out of its
    passes too.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _progress_bar(quiet: bool):
    from tqdm import tqdm

    state: dict[str, Any] = {"bar": None}

    def update(stage: str, fraction: float) -> None:
        if quiet or not sys.stderr.isatty():
            return
        if state["bar"] is None:
            state["bar"] = tqdm(
                total=100,
                desc="planner",
                bar_format="{desc}: {percentage:3.0f}%|{bar:30}| {postfix}",
                file=sys.stderr,
                leave=False,
            )
        bar = state["bar"]
        bar.n = round(100 * min(max(fraction, 0.0), 1.0))
        bar.set_postfix_str(stage)
        bar.refresh()

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()

    update.close = close  # type: ignore[attr-defined]
    return update


def _display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for wide and full-width (CJK) characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (``str.ljust`` counts characters)."""
    return text + " " * max(width - _display_width(text), 0)

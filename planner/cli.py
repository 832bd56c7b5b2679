"""The ``planner`` command line: a thin shell over the library."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from planner.errors import PlannerError

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


def _analyze_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="coverage and standards compliance of a district",
        description=(
            "Compute, for every analysis cell, the walking (or straight-line) distance to the nearest facility of "
            "each type in the rulebook, and check every community against the rulebook's standards. Without STUDY, "
            "the bundled synthetic sample district is analysed."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--out", metavar="DIR", default="results", help="output folder (created if needed)")
    p.set_defaults(func=_run_analyze)


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


def _study_and_analysis(args: argparse.Namespace, bar: Any, name: str | None = None):
    """Read the study named by the shared options and analyse it."""
    import planner
    from planner.ingest.study import load_study

    bar("reading the study", 0.0)
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
        name=name,
    )
    return planner.analyze(
        study,
        mode=args.mode,
        cell_size_m=args.cell_size,
        cell_shape=args.cell_shape,
        max_snap_m=args.max_snap,
        workers=args.workers,
        progress=bar,
    )


def _run_analyze(args: argparse.Namespace) -> int:
    import planner

    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar)
        written = planner.write_results(result, args.out)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        _print_summary(result.summary, written, time.perf_counter() - started, result.study.rulebook)
    return 0


def _report_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="a report for officials: PDF, HTML or XLSX, in Chinese or English",
        description=(
            "Analyse a district as 'planner analyze' does and write a report for officials: a summary with the "
            "headline figures and the most urgent gaps, maps, tables per community and facility, recommendations, "
            "and the method with every standard's source. Without STUDY, the bundled synthetic sample district."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--format", choices=["pdf", "html", "xlsx"], default="pdf", help="report format")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="report language (简体中文 or English)")
    p.add_argument("--out", metavar="FILE", help="report file (default: report_<lang>.<format>)")
    p.add_argument("--name", metavar="TEXT", help="district name shown in the report (default: the study file name)")
    p.add_argument(
        "--results", metavar="DIR", help="also write the analysis results (the figures the report shows) to DIR"
    )
    p.set_defaults(func=_run_report)


def _run_report(args: argparse.Namespace) -> int:
    import planner
    from planner.report import build_report

    started = time.perf_counter()
    out = Path(args.out) if args.out else Path(f"report_{args.lang}.{args.format}")
    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar, name=args.name)
        if args.results:
            planner.write_results(result, args.results)
        bar(f"writing the {args.format.upper()} report", 0.95)
        path = build_report(result, args.format, args.lang, out)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        print(f"Wrote {path} in {time.perf_counter() - started:.1f} s")
    return 0


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


def _print_summary(summary: dict, written: dict, seconds: float, book) -> None:
    d = summary["district"]
    print(
        f"{summary['study']}: {d['communities']} communities, {d['residents']:,} residents, {d['cells']:,} cells; "
        f"{summary['distance_mode']} distances in {summary['analysis_crs_name']}"
    )
    print("\nResidents within the service radius:")
    for key, c in summary["coverage"].items():
        t = book.types[key]
        # residents who reach none although the district has one (streets in pieces or too far)
        cut_off = c.get("residents_unreachable") and summary["district"]["facilities"].get(key)
        none = f"  {c['share_unreachable']:.1%} reach none" if cut_off else ""
        print(
            f"  {_pad(t.name_en, 28)} {_pad(t.name_zh, 20)} {c['radius_m']:>6.0f} m  {c['share_covered']:>6.1%}  "
            f"({c['residents_covered']:,} of {c['residents']:,}){none}"
        )
    _print_unreachable(summary, book)
    print("\nCommunities meeting each standard:")
    for _rid, r in summary["rules"].items():
        assessed = r["communities_passing"] + r["communities_failing"]
        extra = f", {r['communities_not_assessed']} not assessed" if r["communities_not_assessed"] else ""
        print(f"  {r['name_en']:<48} {r['communities_passing']:>3} of {assessed}{extra}")
    v = summary["validation"]
    if v["records"]:
        print(
            f"\nValidation: {v['records']} input feature(s) repaired, dropped or flagged (see validation.csv): "
            + ", ".join(f"{k} {n}" for k, n in v["by_reason"].items())
        )
    folder = Path(next(iter(written.values()))).parent
    print(f"\nWrote {len(written)} files to {folder}/ in {seconds:.1f} s")


def _print_unreachable(summary: dict, book) -> None:
    """Say who reaches nothing because the streets are in pieces or too far, and what to do."""
    net = summary.get("network")
    if not net or (net["pieces"] <= 1 and not net["residents_far_from_street"]):
        return
    present = [k for k, n in summary["district"]["facilities"].items() if n]  # a type with none is just 0 %
    if not present:
        return
    worst_key = max(present, key=lambda k: summary["coverage"][k]["residents_unreachable"])
    worst = summary["coverage"][worst_key]
    if not worst["residents_unreachable"]:
        return
    print(
        f"\n{worst['residents_unreachable']:,} residents ({worst['share_unreachable']:.1%}) reach no "
        f"{book.types[worst_key].name_en.lower()} over the streets (see 'reach none' for each type); they are "
        "counted as not covered above:"
    )
    if net["residents_far_from_street"]:
        print(
            f"  {net['residents_far_from_street']:,} live in {net['cells_not_snapped']:,} cell(s) farther than "
            f"{summary['parameters']['max_snap_m']:g} m from any street (validation.csv: far_from_street)"
        )
    if net["pieces"] > 1:
        print(
            f"  the street network is in {net['pieces']:,} pieces (the largest has {net['main_piece_nodes']:,} of "
            f"{net['nodes']:,} nodes); {net['residents_off_main_piece']:,} residents live on the "
            "smaller ones (validation.csv: street_piece_cut_off)"
        )
    if net["residents_reaching_nothing"]:
        print(f"  {net['residents_reaching_nothing']:,} residents reach no facility of any type")
    print(
        "  What to do: use a street extract wider than the district, raise --max-snap for cells just beyond the "
        "streets, or add the missing links that join the pieces."
    )


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
    return parser


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
    p.add_argument("--capacity", action="store_true", help="capacitated coverage (not available yet)")
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
    import planner
    from planner.ingest.study import load_study
    from planner.plan.siting import SitingError, site, write_siting

    if args.capacity:
        raise SitingError("--capacity (capacitated coverage) is not available yet; run without --capacity")
    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    kind = args.candidates if args.candidates in ("auto", "study", "cells") else "study"
    try:
        bar("reading the study", 0.0)
        study = load_study(
            args.study,
            communities=args.communities,
            facilities=args.facilities,
            cells=args.cells,
            streets=args.streets,
            buildings=args.buildings,
            candidates=None if kind == args.candidates else args.candidates,
            input_crs=args.input_crs,
            crs=args.crs,
            rules=args.rules,
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
            )
        written = write_siting(answer, args.out, study)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        s = answer.summary()
        before = "n/a" if s["before"] is None else f"{s['before']:,.0f}"
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        print(
            f"{s['objective']}: {s['k']} new {s['type']} site(s), value {s['value']:,.0f} (before {before}), "
            f"{s['status']}, proven gap {gap}"
        )
        print(f"wrote {', '.join(str(p) for p in written.values())} in {time.perf_counter() - started:.1f} s")
    return 0


def _app_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "app",
        help="open the map app (Streamlit) on a study or the sample district",
        description="Offer to install the app's offline Leaflet files if they are missing, then start the "
        "Streamlit app (app.py, from the clone or the installed package) on STUDY (default: the sample district). "
        "Open the address it prints in a browser. Stopping planner (Ctrl-C, SIGTERM) stops the server.",
        formatter_class=_HelpFormatter,
    )
    p.add_argument(
        "study",
        nargs="?",
        help="a GeoPackage with layers communities, facilities [, cells, streets, buildings], or a folder of "
        "files named after those layers; default: the sample district",
    )
    p.add_argument("--port", type=int, default=8501, help="port to serve on")
    p.add_argument("--headless", action="store_true", help="do not open a browser window")
    p.set_defaults(func=_run_app)


def _run_app(args: argparse.Namespace) -> int:
    from planner.app import server as appserver
    from planner.app import shell

    app = shell.prepare()  # the clone's app.py, or the installed package's copy in the user's data folder
    env = dict(os.environ)
    if args.study:
        study = Path(args.study).expanduser().resolve()
        if not study.exists():
            raise PlannerError(f"{args.study}: no such file or folder; give a GeoPackage or a folder of layer files")
        env["PLANNER_STUDY"] = str(study)  # app.py opens it instead of the sample
    _offer_leaflet()
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), *shell.streamlit_flags(app)]
    cmd += ["--server.port", str(args.port)]
    if args.headless:
        cmd += ["--server.headless", "true"]
    return appserver.run_child(cmd, cwd=app.parent, env=env)


def _offer_leaflet() -> None:
    """Leaflet for offline maps: copied from this machine, else downloaded if the user agrees."""
    from planner.app import assets

    if assets.ensure_installed():  # already there, or copied from a local package (no network)
        return
    where = assets.leaflet_dir()
    if sys.stdin.isatty():
        answer = input(f"planner: the map needs Leaflet {assets.LEAFLET_VERSION} in {where}; download it now? [Y/n] ")
        if answer.strip().lower() in ("", "y", "yes"):
            try:
                assets.install()
                return
            except PlannerError as exc:
                print(f"planner: {exc}", file=sys.stderr)
    print(
        f"planner: Leaflet is not installed in {where}: the map loads it from a public CDN (not offline, "
        "often blocked); install it with: python -m planner.app.assets install",
        file=sys.stderr,
    )


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
            "in validation.csv), on the analysis cells; --levels 2 adds level-2 groups of neighbouring grids. "
            "Writes grids.gpkg, grid_communities.csv (grid workers needed against staff) and validation.csv."
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


def _access_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "access",
        help="supply against demand: 2SFCA access of every cell and community to a facility type",
        description=(
            "Two-step floating catchment access (2SFCA, or E2SFCA with a distance decay) to one facility type: "
            "each facility's supply (floor area, count or capacity) divided by the residents within its radius, "
            "summed per cell over the facilities within the radius. Writes access_cells.csv, "
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
    p.add_argument("--decay", choices=["step", "gaussian"], default="step", help="distance decay (e2sfca)")
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
            result, type=args.type, method=args.method, supply=args.supply, radius_m=args.radius, decay=args.decay
        )
        written = write_access(answer, args.out, result.study)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        pop = answer.cells["population"].to_numpy(dtype=float)
        reached = float(pop[answer.cells["access"].to_numpy() > 0].sum())
        print(
            f"{answer.method} ({answer.decay}, {answer.supply}, {answer.radius_m:g} m, {answer.mode}) "
            f"to {answer.type}: "
            f"{reached:,.0f} of {pop.sum():,.0f} residents reach some supply"
        )
        print(f"wrote {', '.join(str(p) for p in written.values())} in {time.perf_counter() - started:.1f} s")
    return 0


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


if __name__ == "__main__":
    sys.exit(main())

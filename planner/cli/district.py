"""The district's own commands: ``planner analyze``, ``planner report``, ``planner app``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from planner.cli._common import (
    _HelpFormatter,
    _no_gc_pauses,
    _pad,
    _progress_bar,
    _study_and_analysis,
    _study_args,
)
from planner.cli.scale import add_partition_args
from planner.errors import PlannerError


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
    add_partition_args(p)  # --partition/--scheduler: the same analysis on Dask (planner.cli.scale)


def _run_analyze(args: argparse.Namespace) -> int:
    import planner
    from planner.ingest import quality

    started = time.perf_counter()
    bar = _progress_bar(args.quiet)
    try:
        with _no_gc_pauses():
            result = _study_and_analysis(args, bar)
            written = planner.write_results(result, args.out)
            quality_table = quality.quality_summary(result)
            written["quality.csv"] = quality.write_quality(quality_table, args.out)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        print(quality.format_quality(quality_table) or "Data quality: no problem found (quality.csv)", end="\n\n")
        _print_summary(result.summary, written, time.perf_counter() - started, result.study.rulebook)
    return 0


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


def _report_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="a report for officials: PDF, HTML or XLSX, in Chinese or English",
        description=(
            "Analyse a district as 'planner analyze' does and write a report for officials: a summary with the "
            "headline figures and the most urgent gaps, maps, tables per community and facility, recommendations, "
            "and the method with every standard's source; with --siting, --regions, --access or --tiers, a section "
            "on each planning result. Without STUDY, the bundled synthetic sample district."
        ),
        formatter_class=_HelpFormatter,
    )
    _study_args(p)
    p.add_argument("--format", choices=["pdf", "html", "xlsx"], default="pdf", help="report format")
    p.add_argument(
        "--siting",
        metavar="DIR",
        help="add a siting section: the --out folder of 'planner site' (siting.json, sites.gpkg)",
    )
    p.add_argument(
        "--regions",
        metavar="DIR",
        help="add a workstations-and-grids section: the --out folder of 'planner workstations' and/or 'planner grids'",
    )
    p.add_argument(
        "--access",
        metavar="DIR",
        help="add an access section: the --out folder of 'planner access' (access_communities.csv[, three_lists.csv])",
    )
    p.add_argument(
        "--tiers",
        metavar="DIR",
        help="add a life-circle section: the --out folder of 'planner tiers' (tiers_district.csv, tiers.csv, "
        "tiers_communities.csv[, three_lists.csv])",
    )
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
    from planner.report.plans import read_plans

    started = time.perf_counter()
    out = Path(args.out) if args.out else Path(f"report_{args.lang}.{args.format}")
    # a bad folder fails first
    plans = read_plans(siting=args.siting, regions=args.regions, access=args.access, tiers=args.tiers)
    bar = _progress_bar(args.quiet)
    try:
        result = _study_and_analysis(args, bar, name=args.name)
        if args.results:
            planner.write_results(result, args.results)
        bar(f"writing the {args.format.upper()} report", 0.95)
        path = build_report(result, args.format, args.lang, out, plans=plans)
    finally:
        bar.close()  # type: ignore[attr-defined]
    if not args.quiet:
        print(f"Wrote {path} in {time.perf_counter() - started:.1f} s")
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
    p.add_argument(
        "--max-upload",
        type=int,
        default=None,
        metavar="MB",
        help="largest study the upload panel accepts, in MB (Streamlit's default: 200; a whole city's "
        "GeoPackage can be larger)",
    )
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
    if args.max_upload is not None:
        if args.max_upload <= 0:
            raise PlannerError(f"--max-upload must be a positive number of MB, got {args.max_upload}")
        cmd += ["--server.maxUploadSize", str(args.max_upload)]
        env["PLANNER_MAX_UPLOAD_MB"] = str(args.max_upload)  # planner's own check of uploads
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

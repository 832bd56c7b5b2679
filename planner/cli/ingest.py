"""The import commands: ``planner import-osm`` and ``planner import-poi``."""

from __future__ import annotations

import argparse
import sys
import time

from planner.cli._common import _HelpFormatter


def _ingest_args(sub: argparse._SubParsersAction) -> None:
    """Register import-osm and import-poi."""
    p = sub.add_parser(
        "import-osm",
        help="an OpenStreetMap extract (.osm/.pbf) or place as a study GeoPackage",
        description=(
            "Read an OSM file in one streaming pass and write a study planner analyze reads: the walking "
            "network, facilities from OSM tags mapped to the rulebook's types (mappings/osm.toml, extended by "
            "--mapping), buildings with floor area, and the communities (given, or provisional street blocks). "
            "Writes STUDY_validation.csv and STUDY_osm_tags.csv (every reported tag: mapped, skipped, unmapped) "
            "beside STUDY."
        ),
        formatter_class=_HelpFormatter,
    )
    p.add_argument("file", nargs="?", help="the OSM file (.osm XML, .osm.pbf)")
    p.add_argument("--place", metavar="TEXT", help='instead of FILE, download a place through osmnx ("湖里区, 厦门市")')
    p.add_argument("--out", metavar="STUDY.gpkg", required=True, help="the study GeoPackage to write")
    p.add_argument("--communities", metavar="FILE", help="community boundaries (default: provisional street blocks)")
    p.add_argument("--clip", metavar="FILE", help="a polygon layer: keep only what lies inside it")
    p.add_argument(
        "--mapping", metavar="TOML", help="your own tag rules, tried before planner's (see mappings/osm.toml)"
    )
    p.add_argument("--rules", metavar="TOML", help="a city rule file whose facility types the mapping may name")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_run_import_osm)

    q = sub.add_parser(
        "import-poi",
        help="an AMap (高德) or Baidu POI export (CSV/XLSX) as a facilities layer",
        description=(
            "Read a POI table, recognise AMap or Baidu columns and type codes (mappings/poi.toml), convert GCJ-02 "
            "or BD-09 coordinates to WGS84, merge duplicates and write a facilities GeoPackage (use it with "
            "planner analyze --facilities). Writes OUT_validation.csv beside it."
        ),
        formatter_class=_HelpFormatter,
    )
    q.add_argument("file", help="the POI table (.csv in UTF-8 or GBK, .xlsx)")
    q.add_argument("--source", choices=["auto", "amap", "baidu"], default="auto", help="whose export it is")
    q.add_argument("--out", metavar="FACILITIES.gpkg", required=True, help="the facilities GeoPackage to write")
    q.add_argument("--mapping", metavar="TOML", help="your own type-code rules, tried before planner's")
    q.add_argument("--rules", metavar="TOML", help="a city rule file whose facility types the mapping may name")
    q.add_argument("--quiet", action="store_true", help="no summary")
    q.set_defaults(func=_run_import_poi)


def _run_import_osm(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from planner.errors import InputError
    from planner.ingest import osm_study

    if (args.file is None) == (args.place is None):
        raise InputError("give either an OSM FILE or --place, not both and not neither")
    started = time.perf_counter()
    bar = tqdm(desc="reading OSM", unit=" objects", file=sys.stderr, disable=args.quiet or not sys.stderr.isatty())

    def tick(count: int) -> None:
        bar.update(count - bar.n)

    try:
        opts = dict(communities=args.communities, clip=args.clip, mapping=args.mapping, rules=args.rules)
        if args.place:
            from planner.ingest import osm_place

            result = osm_place.import_place(args.place, args.out, **opts)
        else:
            result = osm_study.import_osm(args.file, args.out, progress=tick, **opts)
    finally:
        bar.close()
    if not args.quiet:
        counts = ", ".join(f"{n:,} {k}" for k, n in result.counts().items())
        unmapped = int(result.tags.loc[result.tags["status"] == "unmapped", "objects"].sum())
        provisional = bool(result.layers["communities"]["provisional"].any())
        print(f"Wrote {args.out}: {counts} in {time.perf_counter() - started:.1f} s")
        print(f"  {unmapped:,} tagged object(s) not mapped to a facility type (see the _osm_tags.csv beside it)")
        if provisional:
            print("  communities are PROVISIONAL street blocks with estimated residents; give --communities")
    return 0


def _run_import_poi(args: argparse.Namespace) -> int:
    from planner.ingest import poi

    result = poi.import_poi(args.file, args.out, source=args.source, mapping=args.mapping, rules=args.rules)
    if not args.quiet:
        print(
            f"Wrote {args.out}: {len(result.facilities):,} facilities from {result.rows:,} {result.source} rows "
            f"({result.coordinates} converted to WGS84); {result.merged:,} duplicates merged, "
            f"{result.unmapped:,} rows of unmapped types (see the _validation.csv beside it)"
        )
    return 0

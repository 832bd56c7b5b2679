"""The PostGIS options of the study commands: ``--db``, a table or query per layer, ``--db-out-schema``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.errors import InputError, PlannerError
from planner.ingest.study import LAYERS


def _db_args(p: argparse.ArgumentParser) -> None:
    """Add the PostGIS options to a study command's parser."""
    g = p.add_argument_group(
        "PostGIS",
        "read the layers from a PostGIS database instead of files (read-only), and optionally write the results "
        "back; put the password in PGPASSWORD or ~/.pgpass rather than on the command line",
    )
    g.add_argument("--db", metavar="URL", help="postgresql://user@host:port/database (replaces STUDY and layer files)")
    g.add_argument(
        "--db-schema",
        metavar="NAME",
        help="read layers given neither as a table nor as a query from tables named after them in this schema "
        "(default: the search path)",
    )
    for kind in LAYERS:
        g.add_argument(f"--{kind}-table", metavar="[SCHEMA.]TABLE", help=f"the {kind} layer's table")
        g.add_argument(
            f"--{kind}-sql",
            metavar="QUERY",
            help=f"a SELECT returning the {kind} layer (one geometry column); @FILE reads it from a file",
        )
    g.add_argument(
        "--db-out-schema",
        metavar="NAME",
        help="also write the results as tables of this schema (created if needed; never over an input table)",
    )


def _study_loader(args: argparse.Namespace, load_study: Callable[..., Any]) -> Callable[..., Any]:
    """``load_study``, or with ``--db`` a function taking its arguments that reads the database instead."""
    _check_db_args(args)
    if not args.db:
        return load_study

    def from_db(path: str | None, **options: Any) -> Any:
        from planner.ingest.postgis import load_study_from_db

        files = {"study": path} | {k: options.pop(k, None) for k in LAYERS}
        given = [_option(k) for k, v in files.items() if v]
        if given:
            raise PlannerError(
                f"--db reads the layers from the database: leave out {', '.join(given)} (use --LAYER-table or "
                "--LAYER-sql), or leave out --db to read files"
            )
        tables = {k: getattr(args, f"{k}_table") for k in LAYERS if getattr(args, f"{k}_table", None)}
        queries = {k: _query(getattr(args, f"{k}_sql")) for k in LAYERS if getattr(args, f"{k}_sql", None)}
        return load_study_from_db(args.db, tables=tables, queries=queries, schema=args.db_schema, **options)

    return from_db


def _check_db_args(args: argparse.Namespace) -> None:
    """Refuse PostGIS options given without ``--db``."""
    if args.db:
        return
    orphans = ["--db-schema", "--db-out-schema"] if args.db_schema or args.db_out_schema else []
    orphans += [f"--{k}-{w}" for k in LAYERS for w in ("table", "sql") if getattr(args, f"{k}_{w}", None)]
    if orphans:
        raise PlannerError(f"{', '.join(orphans)} need --db URL (the database to read)")


def _db_write_back(args: argparse.Namespace, result) -> None:
    """Write the results into ``--db-out-schema`` when it is given."""
    if not getattr(args, "db_out_schema", None):
        return
    from planner.outputs_postgis import write_results_to_db

    written = write_results_to_db(result, args.db, args.db_out_schema)
    if not args.quiet:
        print(f"Wrote {len(written)} tables to schema {args.db_out_schema}: {', '.join(written)}")


def _option(dest: str) -> str:
    return "STUDY" if dest == "study" else f"--{dest}"


def _query(text: str) -> str:
    """A query given on the command line, or read from ``@FILE``."""
    if not text.startswith("@"):
        return text
    path = Path(text[1:])
    if not path.is_file():
        raise InputError("query file not found; check the path after '@'", file=str(path))
    return path.read_text(encoding="utf-8")

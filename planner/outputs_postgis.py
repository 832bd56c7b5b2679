"""Write an analysis's results into a PostGIS schema, atomically, never over an input.

:func:`write_results_to_db` writes the tables that :func:`planner.outputs.write_results`
writes as files (cells, communities, facilities with their geometries; compliance,
validation, sub_districts; the summary as one JSON row) into the schema the user names. All
tables are written in one transaction: each into a new table, then the old one dropped and
the new one renamed into place, so a failure leaves the previous results as they were.

It refuses a table that is one of the study's inputs, and any existing table planner did
not write (planner marks its tables with a comment), so it can never overwrite a user's data.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.analysis import Analysis
from planner.errors import InputError
from planner.ingest import postgis
from planner.outputs import for_file, json_ready

log = logging.getLogger(__name__)

#: the comment that marks a table written by planner (only such tables are ever replaced)
MARK = "written by planner"
_NEW_SUFFIX = "__planner_new"

__all__ = ["MARK", "result_tables", "write_results_to_db", "write_tables"]


def result_tables(result: Analysis) -> dict[str, pd.DataFrame]:
    """The analysis's output tables by name, as :func:`planner.outputs.write_results` writes them."""
    tables: dict[str, pd.DataFrame] = {
        "cells": result.cells,
        "communities": result.communities,
        "facilities": result.facilities,
        "compliance": result.checks,
        "validation": result.validation,
    }
    if result.sub_districts is not None:
        tables["sub_districts"] = result.sub_districts
    text = json.dumps(json_ready(result.summary), ensure_ascii=False)
    tables["summary"] = pd.DataFrame({"summary": [text]})
    return tables


def write_results_to_db(result: Analysis, dsn: str, schema: str) -> list[str]:
    """Write the results into ``schema`` (created if needed); the ``schema.table`` names written.

    Raises
    ------
    InputError
        The schema name is not a plain identifier, a target table is an input of the study or
        was not written by planner, or the database refuses the write.
    """
    inputs = {s.file.rsplit(" table ", 1)[-1] for s in result.study.sources if " table " in s.file}
    return write_tables(dsn, schema, result_tables(result), inputs=inputs)


def write_tables(
    dsn: str,
    schema: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    inputs: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[str]:
    """Write data frames (GeoDataFrames with their geometry) as tables of ``schema``, in one transaction.

    ``inputs`` are ``schema.table`` names that must not be written over.
    """
    import psycopg
    from psycopg import sql

    postgis.parse_table_name(schema)
    for name in tables:
        postgis.parse_table_name(name)
        if f"{schema}.{name}" in inputs:
            raise InputError(
                f"refusing to write {schema}.{name}: it is an input of this study; choose another schema for the "
                "results",
                file=postgis.redact(dsn),
            )
    written = []
    with postgis.connect(dsn, read_only=False) as conn:
        try:
            with conn.transaction():
                conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
                for name, frame in tables.items():
                    _refuse_foreign(conn, schema, name, dsn)
                    _create_and_fill(conn, schema, name + _NEW_SUFFIX, frame)
                for name in tables:
                    target, new = sql.Identifier(schema, name), sql.Identifier(schema, name + _NEW_SUFFIX)
                    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
                    conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(new, sql.Identifier(name)))
                    conn.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(target, sql.Literal(MARK)))
                    written.append(f"{schema}.{name}")
        except psycopg.Error as exc:
            raise InputError(
                f"the database refused to write the results: {str(exc).strip()}; check that the user may create "
                f"tables in schema '{schema}'",
                file=postgis.redact(dsn),
            ) from None
    log.info("wrote %d tables to schema %s", len(written), schema)
    return written


def _refuse_foreign(conn: Any, schema: str, name: str, dsn: str) -> None:
    """Raise if ``schema.name`` exists and is not a table planner wrote."""
    row = conn.execute(
        "SELECT c.relkind, obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
        (schema, name),
    ).fetchone()
    if row is not None and (row[0] != "r" or row[1] != MARK):
        raise InputError(
            f"refusing to replace {schema}.{name}: it exists and was not written by planner (it may be someone's "
            "data); choose another schema for the results, or drop it yourself",
            file=postgis.redact(dsn),
        )


def _column_type(series: pd.Series) -> str:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double precision"
    return "text"


def _create_and_fill(conn: Any, schema: str, table: str, frame: pd.DataFrame) -> None:
    from psycopg import sql

    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    data = for_file(frame.drop(columns=[geometry]) if geometry else frame)
    columns = [str(c) for c in data.columns]
    types = [_column_type(frame[c]) for c in data.columns]
    defs = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in zip(columns, types, strict=True)]
    values = [_cells(data[c], t) for c, t in zip(data.columns, types, strict=True)]
    if geometry is not None:
        epsg = frame.crs.to_epsg() if frame.crs is not None else None
        srid = int(epsg or 0)
        defs.append(sql.SQL("{} geometry(Geometry, {})").format(sql.Identifier("geom"), sql.Literal(srid)))
        geoms = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), srid)
        values.append(list(shapely.to_wkb(geoms, hex=True, include_srid=True)))
        columns.append("geom")
    target = sql.Identifier(schema, table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(target))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(defs)))
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor().copy(copy_sql) as copy:
        for row in zip(*values, strict=True) if values else ():
            copy.write_row(row)


def _cells(series: pd.Series, kind: str) -> list[object]:
    """A column's values as Python objects for COPY: missing and NaN as NULL."""
    out: list[object] = []
    for v in series.tolist():
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif kind == "boolean":
            out.append(bool(v))
        elif kind == "bigint":
            out.append(int(v))
        elif kind == "double precision":
            out.append(float(v))
        else:
            out.append(str(v))
    return out

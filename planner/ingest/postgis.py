"""Read a study's layers from a PostGIS database, read-only.

:func:`load_study_from_db` reads each layer from a table (``schema.table``) or from a SQL query
the user gives, then sends the layers through the same funnel as files
(:func:`planner.ingest.study.prepare_layer` and :func:`~planner.ingest.study.assemble_study`):
the same column aliases, checks, repairs and validation log, the same Study.

Safety, in the order it applies:

- the connection opens with ``default_transaction_read_only=on`` and every transaction is
  begun ``READ ONLY`` (psycopg's ``read_only``), so nothing planner runs can write;
- table names are checked to be plain identifiers (``schema.table``, letters, digits and
  ``_``) and reach SQL only through :class:`psycopg.sql.Identifier`; lookups pass values as
  parameters; no SQL is built from user text;
- a user's query is run as given, never formatted with other input, as one prepared statement
  (PostgreSQL refuses several statements in one, so ``SELECT 1; DROP ...`` fails);
- the password is never logged nor put in a message: addresses are shown without it.

For a real guarantee give planner a role that may only ``SELECT`` (see docs/postgis.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.errors import InputError
from planner.ingest import files as io
from planner.ingest import layer_crs, validate
from planner.ingest import study as study_mod
from planner.rules.model import Rulebook, load_rulebook

log = logging.getLogger(__name__)

LAYERS = study_mod.LAYERS
#: an unquoted PostgreSQL identifier (letters of any script, digits, ``_``), at most 63 bytes
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_MAX_IDENTIFIER_BYTES = 63
#: geometry column names preferred when a layer has several
_GEOMETRY_NAMES = ("geometry", "geom", "the_geom", "wkb_geometry", "shape")
CONNECT_TIMEOUT_S = 10

__all__ = ["LayerSource", "connect", "load_study_from_db", "parse_table_name", "read_layer", "redact"]


@dataclass(frozen=True)
class LayerSource:
    """Where one layer comes from: a table (``schema.table`` or ``table``) or a SQL query."""

    kind: str
    table: str | None = None
    sql: str | None = None

    def __post_init__(self) -> None:
        if (self.table is None) == (self.sql is None):
            raise InputError(f"give the {self.kind} layer as a table or as a query, not both or neither")

    @property
    def label(self) -> str:
        """How messages name the source: ``table public.communities`` or ``query for facilities``."""
        return f"table {self.table}" if self.table is not None else f"query for {self.kind}"


def parse_table_name(text: str) -> tuple[str | None, str]:
    """``(schema, table)`` of ``"schema.table"`` or ``(None, table)``, refusing anything else.

    Raises
    ------
    InputError
        A part is not a plain identifier (quotes, spaces, semicolons, more than one dot ...).
    """
    parts = text.strip().split(".")
    ok = len(parts) in (1, 2) and all(
        _IDENTIFIER.fullmatch(p) and len(p.encode()) <= _MAX_IDENTIFIER_BYTES for p in parts
    )
    if not ok:
        raise InputError(
            f"'{text}' is not a table name: give TABLE or SCHEMA.TABLE made of letters, digits and '_' "
            "(for anything else, such as a quoted name, give a SELECT query instead)",
            layer=text,
        )
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


def redact(dsn: str) -> str:
    """The address without its password: ``postgresql://user@host:port/db``."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(dsn)
    except Exception:
        return "postgresql://(address not readable)"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    port = f":{info['port']}" if info.get("port") else ""
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{host}{port}/{info.get('dbname', '')}"


def _scrub(text: str, dsn: str) -> str:
    """``text`` with the password of ``dsn`` (if any) replaced by ``***``."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        password = conninfo_to_dict(dsn).get("password")
    except Exception:
        password = None
        match = re.search(r"://[^:/@]*:([^@]*)@", dsn) or re.search(r"password\s*=\s*(\S+)", dsn)
        if match:
            password = match.group(1)
    text = text.replace(dsn, redact(dsn))
    return text.replace(str(password), "***") if password else text


@contextmanager
def connect(dsn: str, *, read_only: bool = True) -> Iterator[Any]:
    """A psycopg connection, read-only unless asked; connection failures as :class:`InputError`."""
    import psycopg

    options = "-c default_transaction_read_only=on" if read_only else None
    try:
        conn = psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_S, application_name="planner", options=options)
    except (psycopg.Error, ValueError) as exc:
        reason = _scrub(" ".join(str(exc).split()), dsn)
        raise InputError(
            f"cannot connect to the database: {reason}; check the host, port, database "
            "name, user and password (and that the server accepts connections from this machine)",
            file=redact(dsn),
        ) from None
    conn.read_only = read_only
    try:
        yield conn
    finally:
        conn.close()


def load_study_from_db(
    dsn: str,
    *,
    tables: Mapping[str, str] | None = None,
    queries: Mapping[str, str] | None = None,
    schema: str | None = None,
    input_crs: str | Sequence[str] | None = None,
    crs: str | None = None,
    rules: Rulebook | str | None = None,
    name: str | None = None,
) -> study_mod.Study:
    """Read, validate and reproject a study from PostGIS, as :func:`~planner.ingest.study.load_study` does files.

    Parameters
    ----------
    dsn
        A libpq address: ``postgresql://user:password@host:port/database`` or ``key=value`` pairs.
    tables
        Layer kind → ``table`` or ``schema.table`` (``{"communities": "gis.shequ"}``).
    queries
        Layer kind → a SQL query returning one geometry column and the layer's columns; run as
        given, read-only, as one statement.
    schema
        Layers given neither way are read from tables named after them (``communities``,
        ``facilities``, ...) in this schema, where they exist; default the search path.
    input_crs, crs, rules, name
        As for :func:`~planner.ingest.study.load_study`; a geometry column's SRID is its
        CRS, SRID 0 counts as none.

    Raises
    ------
    InputError
        The database cannot be reached, a table or column is missing, a query fails or writes,
        or a layer fails validation; the message names the table or query, the column and rows.
    """
    rulebook = rules if isinstance(rules, Rulebook) else load_rulebook(rules)
    declared = layer_crs.parse_input_crs(input_crs, LAYERS)
    given = _sources(tables or {}, queries or {})
    address = redact(dsn)
    with connect(dsn) as conn:
        if schema is not None:
            parse_table_name(schema)  # a schema name follows the same rule
        for kind in LAYERS:
            if kind not in given:
                found = _table_named(conn, schema, kind)
                if found is not None:
                    given[kind] = LayerSource(kind, table=found)
        for required in ("communities", "facilities"):
            if required not in given:
                raise InputError(
                    f"no '{required}' layer: name its table or give a query (on the command line --{required}-table "
                    f"or --{required}-sql), or keep a table named '{required}' in "
                    f"{'schema ' + schema if schema else 'the search path'}",
                    file=address,
                )
        vlog = validate.ValidationLog()
        raw: dict[str, gpd.GeoDataFrame] = {}
        converted: dict[str, str | None] = {}
        where: dict[str, tuple[str, str]] = {}
        sources = []
        today = dt.datetime.now(tz=dt.UTC).date().isoformat()
        for kind, source in sorted(given.items(), key=lambda item: LAYERS.index(item[0])):
            where[kind] = (address, source.label)
            gdf = read_layer(conn, source, file=address, vlog=vlog)
            stated = declared.for_layer(kind)
            raw[kind], converted[kind] = study_mod.prepare_layer(
                kind, gdf, stated=stated, default=declared.default, where=where[kind]
            )
            sources.append(study_mod.SourceInfo(kind, f"{address} {source.label}", today, len(gdf)))
            log.info("read %d rows of %s from %s", len(gdf), kind, address)
    return study_mod.assemble_study(
        raw,
        converted=converted,
        where=where,
        sources=sources,
        rulebook=rulebook,
        crs=crs,
        name=name or address.rsplit("/", 1)[-1] or "PostGIS",
        streets_from_osm=False,
        vlog=vlog,
    )


def _sources(tables: Mapping[str, str], queries: Mapping[str, str]) -> dict[str, LayerSource]:
    out: dict[str, LayerSource] = {}
    for kind in set(tables) | set(queries):
        if kind not in LAYERS:
            raise InputError(f"unknown layer '{kind}'; the layers are {', '.join(LAYERS)}")
        if kind in tables and kind in queries:
            raise InputError(f"the {kind} layer is given both as a table and as a query; give one")
        if kind in tables:
            parse_table_name(tables[kind])
        out[kind] = LayerSource(kind, table=tables.get(kind), sql=queries.get(kind))
    return out


def _table_named(conn: Any, schema: str | None, table: str) -> str | None:
    """``schema.table`` of the table named ``table`` in ``schema`` or the search path, else None."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND c.relkind IN ('r', 'v', 'm', 'p', 'f') "
        "AND (n.nspname = %s OR (%s::text IS NULL AND n.nspname = ANY(current_schemas(false)))) "
        "ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1",
        (table, schema, schema),
    ).fetchone()
    conn.rollback()
    return f"{row[0]}.{table}" if row else None


def read_layer(conn: Any, source: LayerSource, *, file: str, vlog: validate.ValidationLog) -> gpd.GeoDataFrame:
    """One layer from a table or query, with planner's column names and the CRS of its SRID."""
    import psycopg
    from psycopg import sql

    label = source.label
    try:
        geo_oids = _geometry_oids(conn, file)
        if source.table is not None:
            schema, table = _existing_table(conn, source.table, file=file)
            query: Any = sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        else:
            query = source.sql
        cur = conn.cursor()
        cur.execute(query, prepare=True)  # one statement: PostgreSQL refuses several in a prepared one
        if cur.description is None:
            raise InputError("the query returns no rows; give a SELECT", file=file, layer=label)
        columns = [c.name for c in cur.description]
        kinds = [c.type_code for c in cur.description]
        rows = cur.fetchall()
    except psycopg.errors.ReadOnlySqlTransaction as exc:
        raise InputError(
            f"the query tries to write ({exc.diag.message_primary}); planner reads the database read-only: give a "
            "SELECT",
            file=file,
            layer=label,
        ) from None
    except psycopg.Error as exc:
        raise InputError(
            f"the database refused the {label}: {str(exc).strip()}; fix the query (one SELECT statement)",
            file=file,
            layer=label,
        ) from None
    finally:
        conn.rollback()
    return _frame(rows, columns, [k in geo_oids for k in kinds], source, file=file, conn=conn, vlog=vlog)


def _geometry_oids(conn: Any, file: str) -> set[int]:
    rows = conn.execute("SELECT oid FROM pg_type WHERE typname IN ('geometry', 'geography')").fetchall()
    if not rows:
        raise InputError(
            "the database has no PostGIS (no geometry type); run CREATE EXTENSION postgis, or connect to the "
            "database that holds the layers",
            file=file,
        )
    return {int(r[0]) for r in rows}


def _existing_table(conn: Any, text: str, *, file: str) -> tuple[str, str]:
    schema, table = parse_table_name(text)
    found = _table_named(conn, schema, table)
    if found is None:
        listed = conn.execute(
            "SELECT f_table_schema || '.' || f_table_name FROM geometry_columns ORDER BY 1 LIMIT 20"
        ).fetchall()
        raise InputError(
            f"no table '{text}' in {'schema ' + schema if schema else 'the search path'}; tables with geometry: "
            f"{', '.join(r[0] for r in listed) or 'none'}. Check the name, or give SCHEMA.TABLE",
            file=file,
            layer=f"table {text}",
        )
    found_schema, found_table = found.split(".", 1)
    return found_schema, found_table


def _frame(
    rows: list[tuple],
    columns: list[str],
    is_geometry: list[bool],
    source: LayerSource,
    *,
    file: str,
    conn: Any,
    vlog: validate.ValidationLog,
) -> gpd.GeoDataFrame:
    """The rows as a GeoDataFrame with canonical column names and the geometry's CRS."""
    label = source.label
    geometry = _geometry_column(columns, is_geometry, label, file=file)
    df = pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
    for col in df.columns:
        if df[col].dtype == object and df[col].map(lambda v: isinstance(v, Decimal)).any():
            df[col] = pd.to_numeric(df[col].map(lambda v: float(v) if isinstance(v, Decimal) else v))
    values = df[geometry].to_numpy(dtype=object)
    geoms = shapely.from_wkb(np.where(pd.isna(values), None, values))
    srids = shapely.get_srid(geoms)
    srids = srids[~shapely.is_missing(geoms)]
    distinct = sorted({int(s) for s in srids})
    if len(distinct) > 1:
        first = int(srids[0])
        bad = np.flatnonzero(shapely.get_srid(geoms) != first) + 1
        raise InputError(
            f"the geometries have several SRIDs {distinct}; transform them to one (ST_Transform(geom, SRID)) in "
            "the table or with a query",
            file=file,
            layer=label,
            column=geometry,
            rows=[f"row {i}" for i in bad],
            count=len(bad),
        )
    crs = _crs_of(conn, distinct[0], label=label, file=file) if distinct and distinct[0] != 0 else None
    gdf = gpd.GeoDataFrame(df.drop(columns=[geometry]), geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    duplicates: list[tuple[str, str, str]] = []
    gdf = io.normalise_columns(gdf, source.kind, file=file, layer=label, duplicates=duplicates)
    for canonical, used, other in duplicates:
        vlog.add(source.kind, [other], "duplicate_column", "flagged", detail=f"'{used}' used as {canonical}")
    return gdf


def _geometry_column(columns: list[str], is_geometry: list[bool], label: str, *, file: str) -> str:
    found = [c for c, g in zip(columns, is_geometry, strict=True) if g]
    if len(set(columns)) != len(columns):
        twice = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"the result has columns named twice {twice}; rename them (AS ...)", file=file, layer=label)
    if not found:
        raise InputError(
            f"no geometry column (columns: {', '.join(columns)}); select one of type geometry, e.g. "
            "ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom",
            file=file,
            layer=label,
        )
    if len(found) == 1:
        return found[0]
    preferred = [c for c in found if c.lower() in _GEOMETRY_NAMES]
    if len(preferred) == 1:
        return preferred[0]
    raise InputError(
        f"several geometry columns {found}; select only the one to use (or name it 'geom')", file=file, layer=label
    )


def _crs_of(conn: Any, srid: int, *, label: str, file: str) -> pyproj.CRS:
    """The CRS of a PostGIS SRID: its authority code in spatial_ref_sys, else its WKT."""
    row = conn.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", (srid,)).fetchone()
    conn.rollback()
    try:
        if row and row[0] and row[1]:
            return pyproj.CRS.from_authority(row[0], row[1])
        if row and row[2]:
            return pyproj.CRS.from_wkt(row[2])
        return pyproj.CRS.from_epsg(srid)
    except pyproj.exceptions.CRSError:
        raise InputError(
            f"SRID {srid} is not a coordinate system planner knows (not in spatial_ref_sys); transform the "
            "geometries (ST_Transform) to a known SRID such as 4326 or 4490",
            file=file,
            layer=label,
        ) from None

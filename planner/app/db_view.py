"""The app's PostGIS connection form, without Streamlit: what it holds, its labels, and the study it loads.

:class:`DbForm` holds the form's fields. The password is kept out of its ``repr`` and of every
key and message: :meth:`DbForm.key` names the study by the address, the layers and a salted
hash of the password (so that another session with another password never gets this
session's cached analysis), and the address shown is :func:`planner.ingest.postgis.redact`'s.
Each layer's field takes a table (``schema.table``) or a query (text starting with SELECT or
WITH).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

from planner.ingest import postgis
from planner.ingest.study import Study

#: the layers the form offers, in its order (the first two are required)
FORM_LAYERS = ("communities", "facilities", "streets", "buildings", "cells", "candidates")
#: a per-process salt for the password's hash in cache keys (never stored, never shown)
_SALT = secrets.token_bytes(16)
_QUERY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)

LABELS: dict[str, tuple[str, str]] = {
    "db_title": ("…or a PostGIS database", "……或PostGIS数据库"),
    "db_help": (
        "Read-only: planner never writes to this database. Give each layer a table (schema.table) or a "
        "SELECT query; empty layers are read from tables named after them in the schema.",
        "只读:planner不会写入该数据库。每个图层填写表名(模式.表)或SELECT查询;留空的图层从该模式中同名的表读取。",
    ),
    "db_host": ("Host", "主机"),
    "db_port": ("Port", "端口"),
    "db_database": ("Database", "数据库"),
    "db_user": ("User", "用户名"),
    "db_password": ("Password", "密码"),
    "db_schema": ("Schema (optional)", "模式(可选)"),
    "db_layer": ("{layer}: table or SELECT query", "{layer}:表名或SELECT查询"),
    "db_connect": ("Connect and analyse", "连接并分析"),
    "db_needed": ("Fill in the host, database and user.", "请填写主机、数据库和用户名。"),
    "db_source": ("Database {address}", "数据库 {address}"),
}


def label(key: str, lang: str, /, **values: object) -> str:
    """The form's label ``key`` in ``lang`` (``"en"`` or ``"zh"``)."""
    pair = LABELS[key]
    text = pair[1] if lang == "zh" else pair[0]
    return text.format(**values) if values else text


@dataclass(frozen=True)
class DbForm:
    """The connection form's fields; ``layers`` maps a layer to its table or query (blank: by name)."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)
    schema: str = ""
    layers: tuple[tuple[str, str], ...] = ()

    @property
    def complete(self) -> bool:
        """Whether the fields needed to connect are filled."""
        return bool(self.host.strip() and self.database.strip() and self.user.strip())

    def dsn(self) -> str:
        """The libpq connection string (values quoted by psycopg, never formatted by hand)."""
        from psycopg.conninfo import make_conninfo

        options: dict[str, str | int] = {"host": self.host.strip(), "port": int(self.port)}
        options["dbname"] = self.database.strip()
        options["user"] = self.user.strip()
        if self.password:
            options["password"] = self.password
        return make_conninfo("", **options)

    def address(self) -> str:
        """The address as shown: without the password."""
        return postgis.redact(self.dsn())

    def split(self) -> tuple[dict[str, str], dict[str, str]]:
        """``(tables, queries)`` from the layer fields: text starting with SELECT or WITH is a query."""
        tables, queries = {}, {}
        for kind, text in self.layers:
            if not text.strip():
                continue
            if _QUERY.match(text):
                queries[kind] = text
            else:
                tables[kind] = text.strip()
        return tables, queries

    def key(self) -> str:
        """A stable name of this connection and its layers for caches; the password only as a salted hash."""
        secret = hashlib.sha256(_SALT + self.password.encode()).hexdigest()
        text = repr((self.address(), self.schema.strip(), self.layers, secret))
        return hashlib.sha256(text.encode()).hexdigest()


def load(form: DbForm, *, rules: object = None) -> Study:
    """The study the form names, read-only, through :func:`planner.ingest.postgis.load_study_from_db`."""
    tables, queries = form.split()
    return postgis.load_study_from_db(
        form.dsn(),
        tables=tables,
        queries=queries,
        schema=form.schema.strip() or None,
        rules=rules,  # type: ignore[arg-type]
        name=form.database.strip(),
    )

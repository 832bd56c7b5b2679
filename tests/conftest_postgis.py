"""A throw-away PostgreSQL + PostGIS server for the tests, started once per session.

``setup.sh`` installs Debian's postgresql-15, postgresql-15-postgis-3 and
postgresql-15-pgrouting. The fixture :func:`postgis_server` runs ``initdb`` into a temporary
folder and ``pg_ctl start`` on a free localhost port, creates the database ``planner_test``
with PostGIS and pgRouting, and stops the server at the end of the session. PostgreSQL
refuses to run as root: as root the server runs as the ``postgres`` user the package creates.

Without the binaries (a developer machine that never ran ``setup.sh``) the tests skip saying
so; in CI (``CI=true``) they fail instead, so that they can never be skipped there silently.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("PLANNER_PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "planner_test"
SUPERUSER = "postgres"
#: the superuser's password on this throw-away server (host connections use scram-sha-256)
PASSWORD = "planner-test-pw"
READER = "planner_reader"
READER_PASSWORD = "reader-pw"


@dataclass(frozen=True)
class PostgisServer:
    """A running test server: where it listens and how to reach its database."""

    port: int
    data_dir: Path

    def dsn(self, *, user: str = SUPERUSER, password: str = PASSWORD, database: str = DATABASE) -> str:
        """A ``postgresql://`` address of the test database."""
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"


def _missing(reason: str) -> None:
    """Skip, or in CI fail, because the server cannot be started."""
    text = f"{reason}; run ./setup.sh (it installs postgresql-15, postgresql-15-postgis-3, postgresql-15-pgrouting)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the PostGIS tests cannot run: {text}")
    pytest.skip(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(cmd: list[str]) -> list[str]:
    """``cmd`` run as the ``postgres`` OS user when we are root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


def _run(cmd: list[str]) -> None:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stdout}\n{done.stderr}")


def _start(root: Path) -> PostgisServer:
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    pwfile = root / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        for p in (root, sockets, pwfile):
            shutil.chown(p, user="postgres")
    _run(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]
    )
    port = _free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "server.log"), "-w", "start"])
    server = PostgisServer(port=port, data_dir=data)
    _create_database(server)
    return server


def _create_database(server: PostgisServer) -> None:
    import psycopg

    with psycopg.connect(server.dsn(database="postgres"), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE EXTENSION pgrouting")
        conn.execute(f"CREATE ROLE {READER} LOGIN PASSWORD '{READER_PASSWORD}'")


@pytest.fixture(scope="session")
def postgis_server() -> Iterator[PostgisServer]:
    """A PostgreSQL 15 server with PostGIS and pgRouting in database ``planner_test``."""
    if not (PG_BIN / "initdb").exists():
        _missing(f"PostgreSQL binaries not found in {PG_BIN}")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _missing("psycopg is not installed (pip install -r requirements.txt)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        _missing("running as root needs runuser (util-linux) to start PostgreSQL as the postgres user")
    root = Path(tempfile.mkdtemp(prefix="planner-pg-"))
    try:
        server = _start(root)
    except Exception:
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        subprocess.run(
            _as_server_user([str(PG_BIN / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            timeout=120,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)

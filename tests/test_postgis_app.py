"""The app's PostGIS connection form (ui/db.py, planner/app/db_view.py), driven by AppTest.

The small district of ``district_fixture`` is put into schema ``appdist`` of the session's test
server; the app opens on the same district from its GeoPackage, so that the figures read from
the database can be compared with the file's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pytest
from conftest_postgis import PASSWORD, SUPERUSER, PostgisServer

from planner.app.db_view import DbForm

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    return write_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def district_db(postgis_server: PostgisServer, district: Path) -> PostgisServer:
    from planner.outputs_postgis import write_tables

    layers = {name: gpd.read_file(district, layer=name) for name in ("communities", "facilities", "streets")}
    write_tables(postgis_server.dsn(), "appdist", layers)
    return postgis_server


@pytest.fixture
def app(district, monkeypatch):
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _fill(at, server: PostgisServer, password: str) -> None:
    at.radio(key="source_en").set_value("upload").run()
    at.text_input(key="db_host").set_value("127.0.0.1")
    at.number_input(key="db_port").set_value(server.port)
    at.text_input(key="db_database").set_value("planner_test")
    at.text_input(key="db_user").set_value(SUPERUSER)
    at.text_input(key="db_password").set_value(password)
    at.text_input(key="db_schema").set_value("appdist")
    at.button(key="db_connect").click().run()


def _shown(at) -> str:
    """Every text the page shows (messages, captions, markdown, KPI values)."""
    parts = [e.value for e in (*at.error, *at.warning, *at.info, *at.caption, *at.markdown)]
    return " ".join(str(p) for p in parts)


def test_the_connection_form_analyses_the_database_study(app, district_db) -> None:
    residents = {m.label: m.value for m in app.metric}["Residents"]  # the district from its GeoPackage
    _fill(app, district_db, PASSWORD)
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert {m.label: m.value for m in app.metric}["Residents"] == residents
    assert "planner_test" in _shown(app)
    assert PASSWORD not in _shown(app)
    base = app.session_state["_base"]
    assert base.study.sources[0].file.endswith("table appdist.communities")
    app.radio(key="mode_en").set_value("euclidean").run()  # the connection is kept for another analysis
    assert not app.exception and not app.error
    assert "planner_test" in app.session_state["_base"].study.sources[0].file


def test_a_wrong_password_is_an_error_message_without_it(app, district_db) -> None:
    wrong = "Wrong-Secret-77"
    _fill(app, district_db, wrong)
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "cannot connect to the database" in errors and "password authentication failed" in errors
    assert wrong not in _shown(app)


def test_the_form_never_puts_the_password_in_its_repr_address_or_key() -> None:
    a = DbForm("db.example", 5432, "city", "planner", "s3cret", "gis", (("communities", "gis.shequ"),))
    b = DbForm("db.example", 5432, "city", "planner", "other", "gis", (("communities", "gis.shequ"),))
    assert "s3cret" not in repr(a) and "s3cret" not in a.address() and "s3cret" not in a.key()
    assert a.key() != b.key()  # another password never shares a cached analysis
    assert a.split() == ({"communities": "gis.shequ"}, {})
    q = DbForm("h", 5432, "d", "u", layers=(("facilities", "  select * from f"),))
    assert q.split() == ({}, {"facilities": "  select * from f"})

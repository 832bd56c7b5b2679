"""Tests for planner.ingest.postgis and planner.outputs_postgis against a real PostGIS server.

The server is started by ``postgis_server`` (tests/conftest_postgis.py). The bundled sample
district is loaded into schema ``dump`` the way a GIS department loads its data: GDAL's
PGDump driver (what ``ogr2ogr -f PGDump`` writes), an independent writer, then its SQL run
on the server. ``ogc_fid`` (the key GDAL adds) is dropped except from ``facilities``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from conftest_postgis import PASSWORD, PostgisServer

import planner
from planner.cli import main
from planner.errors import InputError
from planner.ingest.postgis import load_study_from_db, parse_table_name, redact
from planner.ingest.study import SAMPLE_NAME, load_study, sample_path
from planner.outputs_postgis import write_results_to_db, write_tables

SAMPLE_LAYERS = ("communities", "facilities", "streets", "buildings")
FACILITIES_SQL = (
    'SELECT "设施编码", "设施名称", "设施类型", "建筑面积", wkb_geometry FROM dump.facilities ORDER BY ogc_fid'
)


@pytest.fixture(scope="session")
def sample_db(postgis_server: PostgisServer, tmp_path_factory) -> str:
    """The DSN of the test database with the sample district in schema ``dump``."""
    import psycopg

    folder = tmp_path_factory.mktemp("pgdump")
    dsn = postgis_server.dsn()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS dump CASCADE")
        conn.execute("CREATE SCHEMA dump")
        for layer in SAMPLE_LAYERS:
            dump = folder / f"{layer}.sql"
            gdf = gpd.read_file(sample_path(), layer=layer)
            pyogrio.write_dataframe(
                gdf, dump, driver="PGDUMP", layer=layer, layer_options={"SCHEMA": "dump", "CREATE_SCHEMA": "OFF"}
            )
            conn.execute(dump.read_text(encoding="utf-8"))  # several statements: the simple protocol
            if layer != "facilities":
                conn.execute(f"ALTER TABLE dump.{layer} DROP COLUMN ogc_fid")
    return dsn


@pytest.fixture(scope="session")
def both(sample_db: str) -> tuple[planner.Analysis, planner.Analysis]:
    """The sample analysed from its GeoPackage and from PostGIS (tables, and a query for facilities)."""
    from_file = planner.analyze(load_study(sample_path()))
    study = load_study_from_db(sample_db, schema="dump", queries={"facilities": FACILITIES_SQL}, name=SAMPLE_NAME)
    return from_file, planner.analyze(study)


def _count(dsn: str, table: str) -> int:
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


def test_sample_from_postgis_gives_the_same_outputs_as_from_the_geopackage(both, tmp_path: Path) -> None:
    from_file, from_db = both
    a = planner.write_results(from_file, tmp_path / "file")
    b = planner.write_results(from_db, tmp_path / "db")
    assert sorted(a) == sorted(b)
    for name in a:
        if name.endswith(".csv"):
            assert a[name].read_bytes() == b[name].read_bytes(), name
        elif name.endswith(".gpkg"):  # the files hold timestamps: compare the layers
            pd.testing.assert_frame_equal(gpd.read_file(a[name]), gpd.read_file(b[name]), check_exact=True)
    sa, sb = (json.loads(p["summary.json"].read_text(encoding="utf-8")) for p in (a, b))
    assert sb["sources"][0]["file"].endswith("table dump.communities")
    for s in (sa, sb):
        s.pop("generated")
        s.pop("sources")
    assert sa == sb


def test_the_sources_name_the_tables_and_query_without_the_password(both) -> None:
    files = {s.layer: s.file for s in both[1].study.sources}
    assert files["facilities"].endswith("query for facilities")
    assert files["streets"].endswith("table dump.streets")
    assert all(PASSWORD not in f for f in files.values())


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM dump.facilities RETURNING *",
        "WITH gone AS (DELETE FROM dump.facilities RETURNING *) SELECT * FROM gone",
        "SELECT * FROM dump.facilities; DROP TABLE dump.facilities",
        "SELECT 1 AS x; COMMIT; DROP TABLE dump.facilities",
        "CREATE TABLE dump.evil AS SELECT * FROM dump.facilities",
        "SELECT *, nextval('dump.facilities_ogc_fid_seq') FROM dump.facilities",
        'UPDATE dump.facilities SET "建筑面积" = 0 RETURNING *',
    ],
)
def test_a_query_that_writes_fails_and_the_data_is_untouched(sample_db: str, query: str) -> None:
    with pytest.raises(InputError, match="query for facilities") as err:
        load_study_from_db(sample_db, schema="dump", queries={"facilities": query})
    assert "read-only" in str(err.value) or "one SELECT" in str(err.value)
    assert _count(sample_db, "dump.facilities") == 256
    assert _count(sample_db, "pg_tables WHERE tablename = 'evil'") == 0


@pytest.mark.parametrize(
    "name",
    [
        "communities; DROP TABLE dump.facilities",
        'dump."communities"',
        "dump.communities --",
        "x' OR '1'='1",
        "a.b.c",
        "dump.communities/*",
        "",
    ],
)
def test_an_injection_attempt_in_a_table_name_is_rejected(sample_db: str, name: str) -> None:
    with pytest.raises(InputError, match="is not a table name"):
        parse_table_name(name)
    with pytest.raises(InputError, match="is not a table name"):
        load_study_from_db(sample_db, schema="dump", tables={"communities": name})
    assert _count(sample_db, "dump.facilities") == 256


def test_a_schema_name_is_checked_like_a_table_name(sample_db: str) -> None:
    with pytest.raises(InputError, match="is not a table name"):
        load_study_from_db(sample_db, schema="dump; DROP SCHEMA dump CASCADE")


def test_a_missing_table_is_named_with_the_tables_there(sample_db: str) -> None:
    with pytest.raises(InputError, match=r"no table 'dump\.shequ'.*dump\.communities"):
        load_study_from_db(sample_db, schema="dump", tables={"communities": "dump.shequ"})


def test_without_a_communities_layer_it_says_which_options_to_give(sample_db: str) -> None:
    with pytest.raises(InputError, match="--communities-table or --communities-sql"):
        load_study_from_db(sample_db, schema="public")


def test_a_bad_password_is_a_clear_error_that_never_shows_it(postgis_server: PostgisServer) -> None:
    wrong = "not-the-Password-42"
    with pytest.raises(InputError, match=r"cannot connect to the database.*password authentication failed") as err:
        load_study_from_db(postgis_server.dsn(password=wrong))
    assert wrong not in str(err.value)
    assert f"postgresql://postgres@127.0.0.1:{postgis_server.port}/planner_test" in str(err.value)


def test_an_unreachable_server_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match=r"cannot connect to the database.*check the host, port"):
        load_study_from_db(f"postgresql://u:secret@127.0.0.1:{port}/db")


def test_a_malformed_address_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(InputError, match="cannot connect") as err:
        load_study_from_db("host=localhost password=hunter2 nonsense")
    assert "hunter2" not in str(err.value)


def test_redact_drops_the_password() -> None:
    assert redact("postgresql://me:pw@db.example:5433/city") == "postgresql://me@db.example:5433/city"
    assert "pw" not in redact("host=h user=me password=pw dbname=city")


def test_the_crs_comes_from_the_srid_and_srid_0_needs_input_crs(sample_db: str) -> None:
    query = 'SELECT "社区编码", "社区名称", "人口", "户数", ST_SetSRID(wkb_geometry, 0) AS geom FROM dump.communities'
    with pytest.raises(InputError, match="query for communities"):
        load_study_from_db(sample_db, schema="dump", queries={"communities": query})
    study = load_study_from_db(sample_db, schema="dump", queries={"communities": query}, input_crs="cgcs2000")
    assert len(study.communities) == 27


def test_several_srids_in_one_column_name_the_rows(sample_db: str) -> None:
    query = (
        'SELECT "社区编码", "人口", CASE WHEN "社区编码" = \'510199001003\' '
        "THEN ST_Transform(wkb_geometry, 4326) ELSE wkb_geometry END AS geom FROM dump.communities"
    )
    with pytest.raises(InputError, match=r"several SRIDs \[4326, 4490\].*ST_Transform") as err:
        load_study_from_db(sample_db, schema="dump", queries={"communities": query})
    assert err.value.column == "geom" and err.value.rows == ["row 3"]


def test_a_null_geometry_is_dropped_and_logged_as_for_files(sample_db: str) -> None:
    query = (
        'SELECT "设施编码", "设施名称", "设施类型", "建筑面积", CASE WHEN ogc_fid = 1 THEN NULL ELSE wkb_geometry END '
        "AS geom FROM dump.facilities ORDER BY ogc_fid"
    )
    study = load_study_from_db(sample_db, schema="dump", queries={"facilities": query})
    null = study.validation[study.validation["reason"] == "null_geometry"]
    assert null["layer"].tolist() == ["facilities"] and len(null) == 1


def test_a_query_without_geometry_says_how_to_make_one(sample_db: str) -> None:
    with pytest.raises(InputError, match=r"no geometry column.*ST_MakePoint"):
        load_study_from_db(sample_db, schema="dump", queries={"facilities": 'SELECT "设施编码" FROM dump.facilities'})


def _table(dsn: str, table: str) -> pd.DataFrame:
    """A table as a data frame, its geometry column ``geom`` as shapely (read with psycopg, not planner)."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        cur = conn.execute(f"SELECT * FROM {table}")
        frame = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description or ()])
    if "geom" in frame.columns:
        frame["geom"] = shapely.from_wkb(frame["geom"].to_numpy())
    return frame


def test_write_back_round_trip(both, sample_db: str) -> None:
    result = both[1]
    written = write_results_to_db(result, sample_db, "results")
    assert "results.cells" in written and "results.summary" in written
    cells = _table(sample_db, "results.cells")
    assert set(shapely.get_srid(cells["geom"].to_numpy())) == {result.cells.crs.to_epsg()}
    expected = result.cells.drop(columns="geometry")
    pd.testing.assert_frame_equal(cells.drop(columns="geom"), expected.astype(cells.drop(columns="geom").dtypes))
    assert shapely.equals_exact(cells["geom"].to_numpy(), result.cells.geometry.to_numpy(), 0).all()
    checks = _table(sample_db, "results.compliance")
    assert checks["rule_id"].tolist() == result.checks["rule_id"].tolist()
    summary = json.loads(_table(sample_db, "results.summary")["summary"][0])
    assert summary["district"]["residents"] == result.summary["district"]["residents"]
    again = write_results_to_db(result, sample_db, "results")  # planner's own tables are replaced
    assert again == written


def test_write_back_refuses_an_input_table(both, sample_db: str) -> None:
    with pytest.raises(InputError, match=r"refusing to write dump\.communities: it is an input"):
        write_results_to_db(both[1], sample_db, "dump")
    assert _count(sample_db, "dump.communities") == 27


def test_write_back_is_all_or_nothing_and_never_replaces_other_data(both, sample_db: str) -> None:
    import psycopg

    write_tables(sample_db, "atomic", {"cells": pd.DataFrame({"a": [1, 2]})})
    with psycopg.connect(sample_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE atomic.summary (note text)")  # someone's table, not planner's
    with pytest.raises(InputError, match=r"refusing to replace atomic\.summary: it exists and was not written"):
        write_results_to_db(both[1], sample_db, "atomic")
    assert _count(sample_db, "atomic.cells") == 2  # the earlier results are as they were
    assert _count(sample_db, "pg_tables WHERE schemaname = 'atomic'") == 2


def test_cli_analyze_from_db_writes_files_and_the_schema(sample_db: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    code = main(["analyze", "--db", sample_db, "--db-schema", "dump", "--out", str(out), "--db-out-schema", "cli"])
    assert code == 0, capsys.readouterr().err
    assert (out / "compliance.csv").exists()
    assert "Wrote 7 tables to schema cli" in capsys.readouterr().out
    assert _count(sample_db, "cli.communities") == 27


def test_cli_refuses_db_with_a_study_file_and_db_options_without_db(sample_db: str, capsys) -> None:
    assert main(["analyze", str(sample_path()), "--db", sample_db]) == 2
    assert "leave out STUDY" in capsys.readouterr().err
    assert main(["analyze", "--facilities-sql", "SELECT 1"]) == 2
    assert "--facilities-sql need --db URL" in capsys.readouterr().err


def test_cli_reads_a_query_from_a_file(sample_db: str, tmp_path: Path, capsys) -> None:
    query = tmp_path / "facilities.sql"
    query.write_text(FACILITIES_SQL, encoding="utf-8")
    args = ["analyze", "--db", sample_db, "--db-schema", "dump", "--facilities-sql", f"@{query}"]
    assert main([*args, "--quiet", "--out", str(tmp_path / "r")]) == 0
    assert "query for facilities" in (tmp_path / "r" / "summary.json").read_text(encoding="utf-8")


def test_the_password_is_never_logged(sample_db: str, caplog) -> None:
    caplog.set_level("DEBUG")
    load_study_from_db(sample_db, schema="dump")
    assert PASSWORD not in caplog.text


def test_without_the_server_binaries_tests_skip_but_fail_in_ci(monkeypatch) -> None:
    from conftest_postgis import _missing

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"run \./setup\.sh"):
        _missing("PostgreSQL binaries not found")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the PostGIS tests cannot run"):
        _missing("PostgreSQL binaries not found")

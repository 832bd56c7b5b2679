"""The Streamlit app's flows, driven by ``streamlit.testing.v1.AppTest`` (widgets by key).

Most tests open the small synthetic district of ``district_fixture`` (through the
``PLANNER_STUDY`` setting) so that their numbers do not depend on the bundled sample; one
test opens the bundled sample itself.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pyproj
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import CRS, X0, Y0, write_district

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    return write_district(tmp_path_factory.mktemp("district"))


@pytest.fixture
def app(district, monkeypatch):
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, tuple[str, str]]:
    """The KPI cards (the first metric of each label; the compare tab repeats some)."""
    out: dict[str, tuple[str, str]] = {}
    for m in at.metric:
        out.setdefault(m.label, (m.value, m.delta))
    return out


def lonlat(x: float, y: float) -> tuple[float, float]:
    return pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)


def test_default_load_shows_kpis_map_and_tables(app):
    m = metrics(app)
    assert m["Residents"][0] == "144,480"
    assert m["Communities meeting every rule"][0] == "0 of 12"
    assert m["Service complex ≥ 1,000 m²"][0] == "1 of 12"
    assert not app.error
    # the map component was rendered, and the community table and rule table are there
    assert any(d.value.shape[0] == 12 for d in app.dataframe)
    assert any("communities meet" in c.value for c in app.caption)
    # the coverage chart: bars of the share covered, labelled with their percentage
    chart = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    assert chart["title"] == "Residents within the service radius, by facility type"
    assert [layer["mark"]["type"] for layer in chart["layer"]] == ["bar", "text"]


def test_switch_type_and_mode(app):
    app.selectbox(key="focus_en").set_value("kindergarten").run()
    assert "Within 300 m of a kindergarten" in metrics(app)
    walk = metrics(app)["Within 300 m of a kindergarten"][0]
    app.radio(key="mode_en").set_value("euclidean").run()
    assert not app.exception
    straight = metrics(app)["Within 300 m of a kindergarten"][0]
    assert "Straight line" in " ".join(c.value for c in app.caption)
    # straight-line distances are never longer than walking distances
    assert int(straight.rstrip("%")) >= int(walk.rstrip("%"))
    app.radio(key="view_en").set_value("coverage").run()
    assert not app.exception
    # who each service is for: the elderly for day care, counted from the rulebook's census share
    served = next(d.value for d in app.dataframe if "Served group" in d.value.columns).set_index("Facility type")
    assert served.loc["Elderly day-care centre", "Served group"] == "Elderly residents (60+)"
    assert served.loc["Elderly day-care centre", "How counted"] == "census share"


def test_add_move_remove_a_facility_changes_the_kpis(app):
    app.selectbox(key="focus_en").set_value("kindergarten").run()
    before = metrics(app)["Within 300 m of a kindergarten"][0]
    # the east half has no kindergarten: put one in the middle of community C02
    lon, lat = lonlat(1500, 250)
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat)
    app.selectbox(key="new_type_en").set_value("kindergarten").run()
    app.button(key="add").click().run()
    assert not app.exception, [e.value for e in app.exception]
    value, delta = metrics(app)["Within 300 m of a kindergarten"]
    assert value != before and delta.startswith("+")
    change = " ".join(s.value for s in app.success)
    assert "residents within 300 m of a kindergarten" in change
    assert app.session_state["scenario"].edits[0].op == "add"

    # move it to the far north-east corner: fewer residents gained
    gained = int(delta.split()[0].replace(",", "").lstrip("+"))
    lon, lat = lonlat(2390, 1490)
    app.selectbox(key="edit_facility_en").set_value("new-1").run()
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat).run()
    app.button(key="move").click().run()
    assert not app.exception
    _, delta = metrics(app)["Within 300 m of a kindergarten"]
    assert int(delta.split()[0].replace(",", "").lstrip("+")) < gained

    # remove an existing kindergarten: coverage falls below the starting figure
    app.selectbox(key="edit_facility_en").set_value("F0035").run()
    app.button(key="remove").click().run()
    assert not app.exception
    ops = [e.op for e in app.session_state["scenario"].edits]
    assert ops == ["add", "move", "remove"]
    assert "fewer" in " ".join(s.value for s in app.success) or "-" in metrics(app)["Within 300 m of a kindergarten"][1]

    app.button(key="undo").click().run()
    assert [e.op for e in app.session_state["scenario"].edits] == ["add", "move"]
    app.button(key="reset").click().run()
    assert metrics(app)["Within 300 m of a kindergarten"] == (before, "")


def test_resize_changes_compliance(app):
    # C01's complex is 600 m²; 1,000 m² meets the minimum and the per-household area (3,400 hh → 1,020 m²)
    app.selectbox(key="edit_facility_en").set_value("F0005").run()
    app.number_input(key="resize_F0005").set_value(1100.0)
    app.button(key="resize").click().run()
    assert not app.exception
    value, delta = metrics(app)["Service complex ≥ 1,000 m²"]
    assert (value, delta) == ("2 of 12", "+1")


def test_language_switch_translates_labels(app):
    app.selectbox(key="focus_en").set_value("kindergarten").run()
    app.segmented_control(key="lang").set_value("zh").run()
    assert app.selectbox(key="focus_zh").value == "kindergarten"  # choices survive the switch
    assert not app.exception
    labels = set(metrics(app))
    assert "常住人口" in labels and "全部达标的社区" in labels
    assert any("社区服务设施覆盖规划" in m.value for m in app.markdown)
    assert app.selectbox(key="focus_zh").format_func("kindergarten") == "幼儿园"
    app.segmented_control(key="lang").set_value("en").run()
    assert "Residents" in metrics(app)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


BAD_UPLOADS = [
    (
        "wrong format",
        "up_communities",
        ("notes.docx", b"PK\x03\x04 not a map", "application/octet-stream"),
        "cannot be used",
    ),
    ("path traversal", "up_communities", ("c.zip", _zip([("../../etc/evil.shp", b"x")]), "application/zip"), "unsafe"),
    ("zip bomb", "up_communities", ("c.zip", _zip([("c.shp", b"\0" * 30_000_000)]), "application/zip"), "zip bomb"),
    ("missing columns", "up_communities", ("c.csv", b"name,pop\nA,1\n", "text/csv"), "longitude and latitude"),
]


@pytest.mark.parametrize(("what", "slot", "upload", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_upload_shows_a_message_and_the_app_keeps_working(app, what, slot, upload, message):
    app.radio(key="source_en").set_value("upload").run()
    facilities = ("f.csv", "name,type,lon,lat\nA,幼儿园,104.0,30.6\n".encode(), "text/csv")
    app.file_uploader(key="up_facilities").set_value(facilities)
    app.file_uploader(key=slot).set_value(upload).run()
    app.button(key="analyse").click().run()
    assert not app.exception, [e.value for e in app.exception]
    errors = " ".join(e.value for e in app.error)
    assert message in errors, errors
    # the app still works: back to the sample
    app.radio(key="source_en").set_value("sample").run()
    assert not app.exception and metrics(app)["Residents"][0] == "144,480"


def test_bad_upload_without_crs_and_too_large(app, tmp_path):
    import geopandas as gpd
    import shapely

    app.radio(key="source_en").set_value("upload").run()
    # a zipped Shapefile without its .prj: the coordinate system must be declared, never guessed
    comm = gpd.GeoDataFrame({"name": ["A"], "population": [100]}, geometry=[shapely.box(0, 0, 1000, 1000)])
    comm.to_file(tmp_path / "c.shp", engine="pyogrio")
    members = [(f"c{ext}", (tmp_path / f"c{ext}").read_bytes()) for ext in (".shp", ".shx", ".dbf")]
    app.file_uploader(key="up_communities").set_value(("c.zip", _zip(members), "application/zip"))
    facilities = ("f.csv", b"name,type,lon,lat\nA,kindergarten,104.0,30.6\n", "text/csv")
    app.file_uploader(key="up_facilities").set_value(facilities)
    app.button(key="analyse").click().run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "coordinate" in errors.lower() or "crs" in errors.lower(), errors
    # the app names its own control, not the command-line option
    assert "--input-crs" not in errors and "Coordinates of files without a CRS" in errors, errors
    big = b"SQLite format 3\x00" + b"\0" * (101 * 1024 * 1024)
    app.file_uploader(key="up_study").set_value(("big.gpkg", big, "application/geopackage+sqlite3"))
    app.button(key="analyse").click().run()
    assert not app.exception
    assert "the limit is 100 MB" in " ".join(e.value for e in app.error)


def test_uploaded_layer_states_its_own_crs(app, district, tmp_path):
    """Issue 14: a GCJ-02 facility table among layers that state their CRS, chosen per file."""
    import geopandas as gpd
    import shapely

    from planner.ingest.crs import transform_geometries, wgs84_to_gcj02

    comm = tmp_path / "c.gpkg"
    gpd.read_file(district, layer="communities").to_crs(4326).to_file(comm, layer="communities")
    streets = tmp_path / "s.gpkg"
    gpd.read_file(district, layer="streets").to_crs(4326).to_file(streets, layer="streets")
    fac = gpd.read_file(district, layer="facilities").to_crs(4326)
    xy = shapely.get_coordinates(transform_geometries(fac.geometry.values, wgs84_to_gcj02))
    table = fac.drop(columns="geometry").assign(lon=xy[:, 0], lat=xy[:, 1])
    app.radio(key="source_en").set_value("upload").run()
    assert not [s for s in app.selectbox if s.key == "crs_facilities_en"]  # only once a file is uploaded
    app.file_uploader(key="up_communities").set_value(("c.gpkg", comm.read_bytes(), "application/geopackage+sqlite3"))
    app.file_uploader(key="up_streets").set_value(("s.gpkg", streets.read_bytes(), "application/geopackage+sqlite3"))
    csv = table.to_csv(index=False).encode()
    app.file_uploader(key="up_facilities").set_value(("f.csv", csv, "text/csv")).run()
    app.selectbox(key="crs_facilities_en").set_value("gcj02")
    app.selectbox(key="input_crs_en").set_value("wgs84").run()
    app.button(key="analyse").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    got = app.session_state["_base"].facilities
    want = gpd.read_file(district, layer="facilities").to_crs(got.crs)
    offsets = got.geometry.distance(want.geometry.reset_index(drop=True)).max()
    assert offsets < 0.05, offsets  # metres: converted back, while the other layers stayed put


def test_good_upload_is_analysed(app, district):
    app.radio(key="source_en").set_value("upload").run()
    app.file_uploader(key="up_study").set_value(("my.gpkg", district.read_bytes(), "application/geopackage+sqlite3"))
    app.button(key="analyse").click().run()
    assert not app.exception and not app.error
    assert metrics(app)["Residents"][0] == "144,480"
    assert "my" in " ".join(c.value for c in app.caption)


def test_scenario_saved_and_compared(app):
    lon, lat = lonlat(1500, 250)
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat)
    app.selectbox(key="new_type_en").set_value("kindergarten").run()
    app.button(key="add").click().run()
    text = app.session_state["scenario"].to_json()
    assert '"op": "add"' in text
    # compare the existing situation (A) with the current scenario (B)
    app.selectbox(key="cmp_a_en").set_value("existing")
    app.selectbox(key="cmp_b_en").set_value("current").run()
    assert not app.exception
    assert any("A → B: +" in c.value for c in app.caption)


def test_bundled_sample_opens(monkeypatch):
    sample = ROOT / "data" / "sample" / "district.gpkg"
    if not sample.exists():
        pytest.skip("data/sample/district.gpkg is not generated (python data/make_sample.py)")
    monkeypatch.delenv("PLANNER_STUDY", raising=False)
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error
    assert "Sample district" in " ".join(i.value for i in at.info)
    assert int(metrics(at)["Residents"][0].replace(",", "")) > 0


def test_report_download_for_officials(app):
    """The downloads tab offers the officials' report of the scenario shown, in a chosen format."""

    def report_button():
        buttons = [b for b in app.get("download_button") if "report" in b.proto.label.lower()]
        assert len(buttons) == 1
        return buttons[0].proto.label

    assert report_button() == "Download the report (PDF)"
    app.selectbox(key="report_format").set_value("xlsx").run()
    app.selectbox(key="report_lang").set_value("zh").run()
    assert not app.exception
    assert report_button() == "Download the report (XLSX)"


def test_library_messages_name_app_controls_not_cli_options():
    """Every command-line option a library error can mention is reworded for the app."""
    import ast
    import re

    import planner
    from planner.i18n import app_message

    # options the app cannot trigger: it writes its outputs itself and uses automatic UTM
    cannot_happen = {"--out", "--crs"}
    root = Path(planner.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        if path.name in ("assets.py", "__main__.py") or path.relative_to(root).parts[0] == "cli":  # the CLI speaks CLI
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise):
                continue
            text = " ".join(c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str))
            if re.search(r"--[a-z]", text):
                found.add(text)
                for lang in ("en", "zh"):
                    left = set(re.findall(r"--[a-z][a-z-]*", app_message(text, lang))) - cannot_happen
                    assert not left, (path.name, lang, left, text)
    assert len(found) >= 4  # the scan does see the messages it checks


@pytest.fixture(scope="module")
def plain_district(district, tmp_path_factory) -> Path:
    """The district with a streets layer without ``highway`` and a facility of a type not in the rulebook."""
    import geopandas as gpd

    out = tmp_path_factory.mktemp("plain") / "plain.gpkg"
    streets = gpd.read_file(district, layer="streets", engine="pyogrio").drop(columns="highway")
    facilities = gpd.read_file(district, layer="facilities", engine="pyogrio")
    market = facilities.iloc[:1].copy()
    market["设施名称"], market["设施类型"] = "锦华菜市场", "菜市场"
    gpd.read_file(district, layer="communities", engine="pyogrio").to_file(out, layer="communities", engine="pyogrio")
    gpd.pd.concat([facilities, market]).to_file(out, layer="facilities", engine="pyogrio")
    streets.to_file(out, layer="streets", engine="pyogrio")
    return out


def test_streets_without_a_class_and_translated_quality_table(plain_district, monkeypatch):
    """Issue 14.6 and 14.11: a streets layer without ``highway`` is drawn; the data-quality table
    speaks the chosen language."""
    monkeypatch.setenv("PLANNER_STUDY", str(plain_district))
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    quality = next(d.value for d in at.dataframe if "Feature id" in d.value.columns)
    assert list(quality.columns) == ["Layer", "Feature id", "What was done", "Details"]
    assert "dropped" in set(quality["What was done"]) and "facilities" in set(quality["Layer"])
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception and not at.error
    quality = next(d.value for d in at.dataframe if "要素编号" in d.value.columns)
    assert list(quality.columns) == ["图层", "要素编号", "处理方式", "说明"]
    assert "已剔除" in set(quality["处理方式"]) and "设施类型不在规则库中" in quality["说明"].iloc[0]


def test_compare_tab_says_passing_and_assessed_apart(app):
    """Issue 14.4: the rule table of the comparison does not show the communities assessed as passing."""
    app.selectbox(key="edit_facility_en").set_value("F0005").run()
    app.number_input(key="resize_F0005").set_value(1100.0)
    app.button(key="resize").click().run()
    app.selectbox(key="cmp_a_en").set_value("existing")
    app.selectbox(key="cmp_b_en").set_value("current").run()
    assert not app.exception
    rules = next(d.value for d in app.dataframe if "Communities assessed" in d.value.columns)
    a, b = "Passing · A: Existing situation", "Passing · B: Current scenario (1 edits)"
    assert list(rules.columns) == ["Rule", a, b, "B − A", "Communities assessed"]
    row = rules.loc[rules["Rule"] == "Community-service complex floor area"].iloc[0]
    assert (row[a], row[b], row["B − A"]) == (1, 2, 1)
    assert row["Communities assessed"] == 12
    assert "Communities passing" not in rules.columns


def test_edit_list_names_facility_and_type(app):
    app.selectbox(key="edit_facility_en").set_value("F0035").run()
    app.button(key="remove").click().run()
    assert not app.exception
    listed = " ".join(m.value for m in app.markdown)
    assert "remove F0035 锦华幼儿园 (Kindergarten)" in listed
    app.segmented_control(key="lang").set_value("zh").run()
    assert "移除 F0035 锦华幼儿园 (幼儿园)" in " ".join(m.value for m in app.markdown)


def test_adding_outside_the_district_asks_first(app):
    """Issue 14.11: a facility placed outside every community is not accepted silently."""
    lon, lat = lonlat(3000, 500)  # east of the district
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat)
    app.selectbox(key="new_type_en").set_value("kindergarten").run()
    app.button(key="add").click().run()
    assert not app.exception
    assert app.session_state["scenario"].edits == ()
    warning = " ".join(w.value for w in app.warning)
    assert "outside every community" in warning and "New kindergarten" in warning
    app.button(key="cancel_outside").click().run()
    assert app.session_state["scenario"].edits == () and not app.warning
    # asked again, and kept when confirmed
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat).run()
    app.button(key="add").click().run()
    app.button(key="confirm_outside").click().run()
    assert not app.exception
    assert [e.op for e in app.session_state["scenario"].edits] == ["add"]
    # moving an existing facility out asks too
    app.selectbox(key="edit_facility_en").set_value("F0035").run()
    app.number_input(key="pt_lon").set_value(lon)
    app.number_input(key="pt_lat").set_value(lat).run()
    app.button(key="move").click().run()
    assert [e.op for e in app.session_state["scenario"].edits] == ["add"]
    assert "move F0035 锦华幼儿园 (Kindergarten)" in " ".join(w.value for w in app.warning)


def test_several_facilities_at_a_click_the_person_chooses(app):
    """Issue 14.3: where several drawn facilities are at the spot clicked, the app asks which."""
    app.session_state["_pick_candidates"] = ["F0035", "F0005"]
    app.run()
    pick = app.selectbox(key="pick_here")
    assert pick.label == "2 facilities at the spot clicked: which one?"
    assert pick.format_func("F0035").startswith("锦华幼儿园 · Kindergarten")
    pick.set_value("F0035").run()
    assert not app.exception
    assert app.selectbox(key="edit_facility_en").value == "F0035"
    assert app.session_state["selected_facility"] == "F0035"


def test_sidebar_names_the_study_opened(app, district):
    """Issue 14.11: a study opened with the app is named in the sidebar, not called the sample."""
    source = app.radio(key="source_en")
    assert source.format_func("sample") == f"Study opened: {district.name}"
    assert not any("Sample district" in i.value for i in app.info)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        out += [int(c) for c in task.read_text().split()]
    return out


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie waits for its new parent to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until(check, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_planner_app_opens_the_study_and_its_server_stops_with_it(district, stop):
    """Issue 14.8 and 14.11: ``planner app STUDY`` opens STUDY, and stopping planner (SIGTERM, Ctrl-C,
    or killed outright) stops its Streamlit server."""
    import os
    import signal
    import subprocess
    import urllib.request

    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    entry = "import sys; from planner.cli import main; sys.exit(main(sys.argv[1:]))"  # the `planner` script
    cmd = [sys.executable, "-c", entry, "app", str(district), "--headless", "--port", str(port)]
    planner_proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: list[int] = []
    try:

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        assert _wait_until(healthy, 90), "the app's server did not start within 90 s"
        children = _children(planner_proc.pid)
        assert len(children) == 1, children
        server = children[0]
        environ = Path(f"/proc/{server}/environ").read_bytes().split(b"\0")
        assert f"PLANNER_STUDY={district}".encode() in environ
        os.kill(planner_proc.pid, getattr(signal, stop))
        planner_proc.wait(timeout=60)
        assert _wait_until(lambda: not _running(server), 60), f"the server (pid {server}) outlived planner"
        assert _wait_until(lambda: not _port_open(port), 30), f"port {port} still open"
    finally:
        if planner_proc.poll() is None:
            planner_proc.kill()
            planner_proc.wait()
        for pid in children:  # never leave a server behind, even when the test fails
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def test_planner_app_refuses_a_missing_study(tmp_path):
    from planner import cli

    assert cli.main(["app", str(tmp_path / "nowhere.gpkg"), "--headless"]) == cli.EXIT_INPUT


def test_a_failing_map_shows_a_message_not_a_traceback(district, monkeypatch):
    """Issue 14.6: whatever goes wrong in one part of the page, the app shows a message there."""
    from planner.app import maps

    def broken(*args, **kwargs):
        raise KeyError("['highway'] not in index")

    monkeypatch.setattr(maps, "base_map", broken)
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(e.value for e in at.error)
    assert "The map could not be drawn" in errors and "KeyError" in errors
    assert metrics(at)["Residents"][0] == "144,480"  # the rest of the page is there


def test_two_sessions_keep_their_own_scenarios(district, monkeypatch):
    """Two visitors of one server: an edit in one session is not seen in the other."""
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", "en")
    first, second = (AppTest.from_file(APP, default_timeout=TIMEOUT) for _ in range(2))
    for at in (first, second):
        at.run()
        at.selectbox(key="focus_en").set_value("kindergarten").run()
    before = metrics(second)["Within 300 m of a kindergarten"]
    lon, lat = lonlat(1500, 250)
    first.number_input(key="pt_lon").set_value(lon)
    first.number_input(key="pt_lat").set_value(lat)
    first.selectbox(key="new_type_en").set_value("kindergarten").run()
    first.button(key="add").click().run()
    assert not first.exception
    assert metrics(first)["Within 300 m of a kindergarten"][1].startswith("+")
    second.run()
    assert not second.exception
    assert metrics(second)["Within 300 m of a kindergarten"] == before
    # and the other way round: the second one's removal stays its own
    second.selectbox(key="edit_facility_en").set_value("F0035").run()
    second.button(key="remove").click().run()
    first.run()
    assert [e.op for e in first.session_state["scenario"].edits] == ["add"]
    assert [e.op for e in second.session_state["scenario"].edits] == ["remove"]


def test_planner_app_raises_the_upload_limit(monkeypatch):
    """``planner app --max-upload MB`` sets Streamlit's limit and planner's own check of uploads."""
    from planner.app import server as appserver
    from planner.cli import district as cli_district
    from planner.cli import main

    seen = {}
    monkeypatch.setattr(appserver, "run_child", lambda cmd, cwd, env: seen.update(cmd=cmd, env=env) or 0)
    monkeypatch.setattr(cli_district, "_offer_leaflet", lambda: None)
    assert main(["app", "--headless", "--max-upload", "800"]) == 0
    cmd = seen["cmd"]
    # after the config file's flags: the last value of a repeated option is the one Streamlit uses
    last = len(cmd) - 1 - cmd[::-1].index("--server.maxUploadSize")
    assert cmd[last + 1] == "800"
    assert seen["env"]["PLANNER_MAX_UPLOAD_MB"] == "800"
    with pytest.raises(SystemExit):
        main(["app", "--max-upload", "many"])

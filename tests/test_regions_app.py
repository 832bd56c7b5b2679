"""The app's "workstations and grids" tab (ui/regions.py, planner/app/regions_view.py).

The view's logic on the bundled sample (tables in both languages, the map's layers, the
downloads) and the tab in ``streamlit.testing.v1.AppTest`` on the 12-community test district:
nothing runs until the person asks, then the map, the tables and the downloads; bad
parameters give the library's message, never a traceback; Chinese throughout after a switch.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

import planner
from planner.app import regions_view as rv

sys.path.insert(0, str(Path(__file__).resolve().parent))
from district_fixture import write_district

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture(scope="module")
def sample_regions() -> tuple[planner.Analysis, rv.Regions]:
    result = planner.analyze(None, mode="euclidean")
    return result, rv.compute(result, rv.Params())


def test_tables_in_both_languages_match_the_results(sample_regions) -> None:
    result, got = sample_regions
    en, zh = rv.station_table(got, "en"), rv.station_table(got, "zh")
    assert len(en) == len(got.workstations.stations) and list(zh.columns)[:2] == ["工作站", "社区数"]
    assert en["Households"].sum() == got.workstations.stations["households"].round().sum()
    comm = rv.community_table(result, got, "zh")
    assert len(comm) == len(result.communities)
    assert (comm["网格依据"] == "楼栋").all()  # the sample has buildings
    assert (comm["工作人员−网格员"] == comm["工作人员"] - comm["所需网格员"]).all()
    assert not comm.isna().any().any()


def test_map_draws_stations_members_grids_with_households_and_sites(sample_regions) -> None:
    result, got = sample_regions
    html = rv.regions_map(result, got, "zh").get_root().render()
    for name in ("工作站", "社区", "网格(户数)", "建议站址"):  # folium writes layer names \u-escaped
        assert name in html or json.dumps(name)[1:-1] in html
    level3 = got.grids.grids.loc[got.grids.grids["level"] == 3]
    labels = [json.dumps(f'<div class="rg-hh">{hh:,}</div>')[1:-1] for hh in level3["households"].astype(int)]
    assert html.count("rg-hh") == len(level3) + 1  # one label per grid, and the style
    escaped = html.replace("\\u003c", "<").replace("\\u003e", ">")
    assert all(label in escaped for label in labels)


def test_downloads_hold_the_stations_and_grids(sample_regions) -> None:
    _, got = sample_regions
    data = rv.regions_gpkg(got)
    layers = {name for name, _ in pyogrio.list_layers(io.BytesIO(data))}
    assert {"workstations", "station_sites", "grids", "grid_buildings"} <= layers
    grids = gpd.read_file(io.BytesIO(data), layer="grids")
    assert len(grids) == len(got.grids.grids)
    staff = pd.read_csv(io.BytesIO(rv.grid_staff_csv(got)), encoding="utf-8-sig")
    assert staff.columns.tolist() == ["community_id", "grids", "grid_workers_needed", "staff", "gap"]
    stations = pd.read_csv(io.BytesIO(rv.stations_csv(got)), encoding="utf-8-sig")
    assert len(stations) == len(got.workstations.members)


AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_STUDY", str(write_district(tmp_path)))
    monkeypatch.setenv("PLANNER_LANG", "en")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tables(at) -> list[set[str]]:
    return [set(d.value.columns) for d in at.dataframe]


@pytest.mark.slow
def test_the_tab_computes_on_request_shows_map_tables_downloads_and_messages(app) -> None:
    assert not any("Staff of its communities" in cols for cols in _tables(app))  # nothing runs until asked
    app.toggle(key="rg_show").set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error
    assert any({"Workstation", "Staff needed", "Proposed site"} <= cols for cols in _tables(app))
    assert any({"Community", "Grids", "Grid workers needed", "Staff − grid workers"} <= cols for cols in _tables(app))
    assert any("workstations (" in m.value and "grid workers needed" in m.value for m in app.markdown)
    labels = [b.proto.label for b in app.get("download_button")]
    assert "Stations and grids (GeoPackage)" in labels and "Grid workers against staff (CSV)" in labels
    # a minimum above the maximum: the library's message, the app keeps working
    app.number_input(key="rg_min_comm").set_value(6)
    app.number_input(key="rg_max_comm").set_value(5)
    app.button[[b.proto.label for b in app.button].index("Apply")].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("larger than the most" in e.value for e in app.error)
    app.number_input(key="rg_min_comm").set_value(2)
    app.number_input(key="rg_max_comm").set_value(4)
    app.button[[b.proto.label for b in app.button].index("Apply")].click().run()
    assert not app.exception and not app.error
    app.segmented_control(key="lang").set_value("zh").run()
    assert not app.exception
    assert any("个工作站" in m.value and "需网格员" in m.value for m in app.markdown)
    assert app.selectbox(key="rg_balance_zh").format_func("households") == "户数"

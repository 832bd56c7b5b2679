"""The app's access and life-circle tab (``ui/access.py`` over ``planner.app.access_view``).

The flow through ``streamlit.testing.v1.AppTest`` on the synthetic district of
``district_fixture`` (widgets by key): the tab is there, the access choropleth and table, the
tier view, the three lists of a chosen community, in English and Chinese. The library side
(maps as HTML, tables) is tested without streamlit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district

import planner
from planner.app import access_view
from planner.assess.tiers import tiers

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    return write_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def result(district):
    return planner.analyze(planner.load_study(district))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_maps_and_tables(result, lang):
    answer = access_view.access_of(result, "elderly_day_care")
    html = access_view.access_map(result, answer, lang).get_root().render()
    assert "planner-access-legend" in html
    assert ("m² per 100 households" if lang == "en" else "每百户平方米") in html
    table = access_view.access_table(result, answer, lang)
    assert len(table) == len(result.communities)
    tiered = tiers(result)
    html = access_view.tier_map(result, tiered, "5-minute", lang).get_root().render()
    assert ("5-minute life circle" if lang == "en" else "五分钟生活圈") in html
    assert len(access_view.tier_table(result, tiered, lang)) == len(result.communities)
    first = str(result.communities["community_id"].iloc[0])
    lists = access_view.community_lists(result, first, lang)
    assert len(lists) == len(result.study.rulebook.types)
    assert ("Shortfall" if lang == "en" else "缺口") in lists.columns


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tab_flow(district, monkeypatch, lang):
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", lang)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    title = "Access and life circles" if lang == "en" else "可达性与生活圈"
    assert title in [tab.label for tab in at.tabs]
    assert at.radio(key="access_view").value == "access"
    assert any("2SFCA" in c.value or "两步移动搜寻法" in c.value for c in at.caption)
    at.radio(key="access_view").set_value("tiers").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="access_tier").value == "5-minute"
    community = str(planner.load_study(district).communities["community_id"].iloc[0])
    at.selectbox(key=f"community_{lang}").set_value(community).run()
    assert not at.exception, [e.value for e in at.exception]
    heading = "Three lists of" if lang == "en" else "三张清单"
    assert any(heading in m.value for m in at.markdown)
    shortfall = "Shortfall" if lang == "en" else "缺口"
    assert any(shortfall in df.value.columns for df in at.dataframe)

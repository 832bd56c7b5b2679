"""The app's "where to build" tab: ``planner.app.siting_view`` and ``ui/siting.py`` (AppTest).

The build plan's residents added are re-computed here from the distances (cells within the
radius of a site not covered before it), never read back from the solver; the tab is driven
by widget key on the small synthetic district of ``district_fixture``, in both languages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

import planner
from planner.app import siting_view as view
from planner.cli import main
from planner.plan.scenario import Scenario, evaluate

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120
TYPE = "elderly_day_care"

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


# ------------------------------------------------------------------------------- the logic


@pytest.mark.parametrize(
    ("n", "phases"),
    [(1, [0]), (2, [0, 1]), (3, [0, 1, 2]), (5, [0, 0, 1, 1, 2]), (6, [0, 0, 1, 1, 2, 2]), (7, [0, 0, 0, 1, 1, 2, 2])],
)
def test_phases_split_the_ranked_list_into_thirds(n, phases):
    assert [view.phase_of(r, n) for r in range(1, n + 1)] == phases


@pytest.fixture(scope="module")
def sample():
    return planner.analyze(mode="euclidean", cell_size_m=250)


def added_by_hand(result, scenario) -> list[float]:
    """Residents within the radius of each added site, not covered by an existing facility or an earlier site."""
    radius = result.study.rulebook.types[TYPE].radius_m.value
    to_study = pyproj.Transformer.from_crs("EPSG:4326", result.study.crs, always_xy=True)
    pts = result.engine.demand
    covered = result.cells[f"covered_{TYPE}"].to_numpy(bool).copy()
    # the residents of the group elderly day care serves (60+): the sample's communities give no count,
    # so the rulebook's census share of every cell's residents
    share = float(result.study.rulebook.tables["demand_groups"]["elderly"]["share"]["value"])
    pop = result.cells["population"].to_numpy(float) * share
    out = []
    for e in scenario.edits:
        x, y = to_study.transform(e.lon, e.lat)
        near = shapely.distance(np.asarray(pts, dtype=object), shapely.Point(x, y)) <= radius
        out.append(float(pop[near & ~covered].sum()))
        covered |= near
    return out


def test_plan_of_an_answer(sample):
    answer = view.run(sample, view.SitingForm(type=TYPE, objective="coverage", k=4))
    scenario = view.answer_scenario(sample, answer, "en")
    assert [e.op for e in scenario.edits] == ["add"] * 4 and {e.type for e in scenario.edits} == {TYPE}
    plan = view.build_plan(sample, scenario, "en", answer)
    by_hand = added_by_hand(sample, scenario)
    assert list(plan.sites["Residents added"]) == [round(a) for a in by_hand]
    assert plan.added == pytest.approx(answer.after - answer.before)
    assert list(plan.sites["Phase"]) == ["Near-term", "Near-term", "Mid-term", "Long-term"]
    assert list(plan.phases["Sites"]) == [2, 1, 1]
    assert plan.phases["Residents added"].sum() == pytest.approx(sum(by_hand), abs=2)
    # without the answer (a scenario edited since, or opened from a file): the same figures
    again = view.build_plan(sample, scenario, "zh")
    assert list(again.sites["新增服务居民"]) == list(plan.sites["Residents added"])
    assert list(again.sites["建设期"]) == ["近期", "近期", "中期", "远期"]
    line = view.summary_line(sample, answer, "zh")
    assert "老年人日间照料中心新增4处" in line and "已证明最优" in line
    assert "老年人(60岁及以上):普查比例估算" in line  # whose residents the numbers count
    assert "[Elderly residents (60+): census share]" in view.summary_line(sample, answer, "en")


def test_plan_of_a_scenario_written_by_planner_site(sample, tmp_path):
    argv = ["site", "--type", TYPE, "--add", "3", "--mode", "euclidean", "--cell-size", "250", "--out", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 0
    scenario = Scenario.from_json((tmp_path / "scenario.json").read_text("utf-8"))
    plan = view.build_plan(sample, scenario, "en")
    summary = json.loads((tmp_path / "siting.json").read_text("utf-8"))
    assert plan.added == pytest.approx(summary["after"] - summary["before"])
    assert list(plan.sites["Residents added"]) == [round(a) for a in added_by_hand(sample, scenario)]


def test_passing_communities_are_named(sample):
    """Enough new sites that some community newly passes the coverage rule: named in its phase."""
    answer = view.run(sample, view.SitingForm(type=TYPE, objective="count", target=1.0))
    scenario = view.answer_scenario(sample, answer, "en")
    plan = view.build_plan(sample, scenario, "en")
    before = sample.communities[f"pass_coverage_{TYPE}"].fillna(False).astype(bool)
    after = evaluate(sample, scenario).communities[f"pass_coverage_{TYPE}"]
    newly = set(sample.communities.loc[after.fillna(False).astype(bool) & ~before, "name"])
    assert newly, "the instance should make some community pass"
    named = {n for cell in plan.phases["Communities that then pass"] for n in cell.split(", ") if n != "—"}
    assert named == newly


# ------------------------------------------------------------------------------- the tab (AppTest)


@pytest.fixture(scope="module")
def district(tmp_path_factory) -> Path:
    return write_district(tmp_path_factory.mktemp("district"))


def open_app(district, monkeypatch, lang):
    monkeypatch.setenv("PLANNER_STUDY", str(district))
    monkeypatch.setenv("PLANNER_LANG", lang)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
def test_tab_runs_a_question_and_the_sites_become_the_scenario(district, monkeypatch):
    at = open_app(district, monkeypatch, "en")
    at.selectbox(key="site_type_en").set_value(TYPE)
    at.number_input(key="site_k").set_value(2)
    at.button(key="site_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    scenario = at.session_state["scenario"]
    assert [e.op for e in scenario.edits] == ["add", "add"] and {e.type for e in scenario.edits} == {TYPE}
    assert any("2 new site(s) for Elderly day-care centre" in i.value for i in at.info)
    plans = [d.value for d in at.dataframe if "Phase" in d.value.columns]
    assert plans and list(plans[0]["Phase"]) == ["Near-term", "Mid-term"]
    # the sites are edits like any other: undo drops the last one, and the plan follows
    at.button(key="undo").click().run()
    assert len(at.session_state["scenario"].edits) == 1
    plans = [d.value for d in at.dataframe if "Rank" in d.value.columns]
    assert len(plans[0]) == 1


@pytest.mark.slow
def test_tab_bad_question_is_a_message(district, monkeypatch):
    at = open_app(district, monkeypatch, "en")
    at.selectbox(key="site_type_en").set_value(TYPE)
    at.number_input(key="site_k").set_value(400)
    at.button(key="site_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("larger than the" in e.value for e in at.error), [e.value for e in at.error]
    # capacity for a type the rulebook does not size
    at.radio(key="site_objective_en").set_value("coverage").run()
    at.number_input(key="site_k").set_value(1)
    at.checkbox(key="site_capacity").check()
    at.button(key="site_run").click().run()
    assert not at.exception
    assert any("per 100 households" in e.value for e in at.error), [e.value for e in at.error]


@pytest.mark.slow
def test_tab_in_chinese_opens_a_scenario_json(district, monkeypatch, tmp_path):
    argv = ["site", str(district), "--type", TYPE, "--add", "3", "--mode", "walk", "--out", str(tmp_path)]
    assert main([*argv, "--quiet"]) == 0
    at = open_app(district, monkeypatch, "zh")
    text = (tmp_path / "scenario.json").read_bytes()
    at.file_uploader(key="site_load").set_value(("scenario.json", text, "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.session_state["scenario"].edits) == 3
    plans = [d.value for d in at.dataframe if "建设期" in d.value.columns and "序号" in d.value.columns]
    assert plans and list(plans[0]["建设期"]) == ["近期", "中期", "远期"]
    assert any("分期建设计划" in m.value for m in at.markdown)


# ------------------------------------------------------------------------------- the report


@pytest.mark.parametrize(
    ("lang", "group"), [("en", "Elderly residents (60+) (census share)"), ("zh", "老年人(60岁及以上)(普查比例估算)")]
)
def test_report_siting_section_names_the_group(sample, tmp_path, lang, group):
    """The report's siting section says whose residents its numbers count (siting.json's demand)."""
    from planner.plan.siting import write_siting
    from planner.report import build_content, read_plans

    answer = view.run(sample, view.SitingForm(type=TYPE, objective="coverage", k=2))
    write_siting(answer, tmp_path, sample.study)
    section = build_content(sample, lang, plans=read_plans(siting=tmp_path)).section("siting")
    assert group in [f.value for f in section.facts]

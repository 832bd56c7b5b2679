"""The map styles shared by the app and the report, and the downloaded map's heading."""

from __future__ import annotations

import html as html_lib
import re
import sys
from pathlib import Path

import pytest

import planner
from planner.app import assets, maps, maps_style
from planner.report.figures import failure_classes

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    study = planner.load_study(write_district(tmp_path_factory.mktemp("district")))
    return planner.analyze(study, mode="walk")


def test_one_class_table_for_the_app_and_the_report() -> None:
    classes = [(lo, hi) for lo, hi, _ in failure_classes()]
    assert classes == [(lo, hi) for lo, hi, _ in maps_style.COMMUNITY_BINS]
    for lo, hi, colour in failure_classes():
        for n in range(lo, (hi if hi is not None else lo + 3) + 1):
            assert maps_style.community_colour(n) == colour


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_heading_names_district_figure_and_analysis_date(result, lang: str) -> None:
    district = result.study.name
    date = str(result.summary["generated"])[:10]
    heading = maps_style.export_heading(result, maps.MapOptions(lang=lang))
    figure = "各社区未达标项数" if lang == "zh" else "Standards not met, by community"
    assert heading == {"title": f"{district} · {figure}", "date": date, "lang": lang}
    cover = maps_style.export_heading(result, maps.MapOptions(lang=lang, view="coverage", focus_type="kindergarten"))
    assert cover["title"].startswith(f"{district} · {result.study.rulebook.types['kindergarten'].name(lang)}")
    assert ("步行距离" if lang == "zh" else "walking distance") in cover["title"] and "300" in cover["title"]
    rule = maps_style.export_heading(result, maps.MapOptions(lang=lang, community_rule="staff_ratio"))
    assert result.study.rulebook.rules["staff_ratio"].name(lang) in rule["title"]


def test_downloaded_map_has_a_title_and_the_date_passed_in(result) -> None:
    if not assets.is_installed():
        pytest.skip("Leaflet not installed in static/: python -m planner.app.assets install")
    m = maps.build_map(result, maps.MapOptions(lang="zh"))
    args = maps_style.export_heading(result, maps.MapOptions(lang="zh")) | {"date": "2026-01-02"}
    page = assets.standalone_html(m, **args)
    assert re.search(r"<title>([^<]*)</title>", page)[1] == html_lib.escape(args["title"])
    box = re.search(r"<div class='planner-export-heading'.*?</div></div>", page, re.S)[0]
    assert html_lib.escape(args["title"]) in box and "分析日期：2026-01-02" in box
    # without a title the page is as before
    assert "planner-export-heading" not in assets.standalone_html(maps.build_map(result, maps.MapOptions()))

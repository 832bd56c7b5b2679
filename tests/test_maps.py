"""planner.app.maps: the folium map's rendered HTML, without Streamlit."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import folium
import pytest

import planner
from planner.app import assets, catchments, maps
from planner.app.maps_style import CELL_BINS, NA_COLOUR, cell_colour, community_colour, marker_size
from planner.plan import scenario as sc

sys.path.insert(0, str(Path(__file__).parent))
from district_fixture import write_district


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    study = planner.load_study(write_district(tmp_path_factory.mktemp("district")))
    return planner.analyze(study, mode="walk")


def spec(layers) -> dict:
    """The description ``map_layers`` hands to the browser's ``plannerSync``, as rendered."""
    m = folium.Map(tiles=None)
    layers.add_to(m)
    found = re.search(r"plannerSync\(\w+, (.*)\);", m.get_root().render())
    assert found, "no plannerSync call in the rendered map"
    return json.loads(found.group(1))


def layer(description: dict, layer_id: str) -> dict:
    return next(x for x in description["layers"] if x["id"] == layer_id)


def render(m) -> str:
    html = m.get_root().render()
    # folium writes layer names as JSON with \\u escapes; decode them to compare text
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), html)


def test_map_loads_only_local_leaflet(result):
    html = render(maps.build_map(result, maps.MapOptions()))
    urls = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert urls == {"../../app/static/vendor/leaflet/leaflet.js", "../../app/static/vendor/leaflet/leaflet.css"}
    for cdn in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "d3js"):
        assert cdn not in html
    assert "$(" not in html, "folium's jQuery-based popups must not be used: jQuery is not loaded"


def test_layers_legend_and_names_in_both_languages(result):
    html = render(maps.build_map(result, maps.MapOptions(lang="en", focus_type="kindergarten", view="coverage")))
    for text in ("Communities", "Cells: distance to kindergarten", "Streets", "Facilities: Kindergarten"):
        assert text in html
    assert "PlannerLegend" not in html or "planner-legend" in html
    assert "Walk to nearest kindergarten" in html and "not covered" in html
    assert "锦华社区" in html  # community names on hover
    zh = render(maps.build_map(result, maps.MapOptions(lang="zh", focus_type="kindergarten", view="coverage")))
    for text in ("图例", "社区:未达标规则数", "步行到最近幼儿园", "设施:幼儿园", "道路"):
        assert text in zh
    assert "L.control.layers" in zh


def test_no_basemap_by_default_and_optional_tiles(result):
    none = render(maps.build_map(result, maps.MapOptions()))
    assert "tile.openstreetmap.org" not in none and "cartocdn" not in none
    assert spec(maps.map_layers(result, maps.MapOptions()))["tiles"] is None
    osm = render(maps.build_map(result, maps.MapOptions(basemap="osm")))
    assert "tile.openstreetmap.org" in osm and "tileerror" in osm
    light = render(maps.build_map(result, maps.MapOptions(basemap="light")))
    assert "basemaps.cartocdn.com" in light


def test_facility_popups_state_the_standard(result):
    html = render(maps.build_map(result, maps.MapOptions(lang="en", focus_type="community_service")))
    # 600 m² complexes meet the 600 m² minimum; the popups say so with the minimum
    assert "meets the minimum floor area (minimum 600 m²)" in html
    # undersized cultural stations (200 m² < 250 m²) get a red ring and say why
    html = render(maps.build_map(result, maps.MapOptions(lang="en", focus_type="cultural_station")))
    assert "below the minimum floor area (minimum 250 m²)" in html
    assert "planner-fac short" in html


def test_cells_coloured_by_distance_with_uncovered_marked(result):
    html = render(maps.build_map(result, maps.MapOptions(focus_type="kindergarten", view="coverage")))
    covered, uncovered = CELL_BINS[0][2], CELL_BINS[-1][2]
    assert covered in html and uncovered in html


def test_selection_zoom_service_areas_and_scenario_marks(result):
    areas = catchments.service_areas(result, "kindergarten")
    scenario = sc.Scenario().with_edit(sc.Edit("remove", "F0035"))
    after = sc.evaluate(result, scenario)
    m = maps.build_map(
        after,
        maps.MapOptions(focus_type="kindergarten", selected_community="C11", changed=sc.changed_facility_ids(scenario)),
        service_areas=areas,
        removed=sc.removed_facilities(result.study, scenario),
    )
    html = render(m)
    assert "Service areas: Kindergarten" in html and "Residents within 300 m" in html
    assert "Selection" in html and "#0b3d91" in html
    assert "removed in the scenario" in html or "removed in this scenario" in html
    layers = maps.map_layers(after, maps.MapOptions(pending_point=(103.98, 30.66), selected_facility="F0036"))
    pointer = layer(spec(layers), "pointer")
    assert "planner-pin" in pointer["markers"][0]["html"] and pointer["rings"][0]["style"]["radius"] == 24
    assert not pointer["control"]


def test_standalone_html_inlines_leaflet(result):
    if not assets.is_installed():
        pytest.skip("Leaflet not installed in static/: python -m planner.app.assets install")
    html = assets.standalone_html(maps.build_map(result, maps.MapOptions()))
    assert "../../app/static" not in html and "leaflet.js" not in re.findall(r'src="([^"]+)"', html)
    assert "Leaflet" in html and "data:image/png;base64" in html


def test_style_breaks():
    assert cell_colour(300.0, 300.0) == CELL_BINS[1][2]  # inclusive: at the radius is covered
    assert cell_colour(300.1, 300.0) == CELL_BINS[2][2]
    assert cell_colour(float("nan"), 300.0) == NA_COLOUR
    assert community_colour(0) != community_colour(1) != community_colour(9)
    assert marker_size(2200, 2200) == 22 and marker_size(1e9, 100) == 34 and marker_size(float("nan"), 10) == 16


def test_base_map_stays_the_same_while_the_layers_change(result):
    """The app keeps the drawn base map (no reload, zoom kept) as long as its script is unchanged."""

    def script(m) -> str:
        return re.sub(r"_[0-9a-f]{32}", "", m.get_root().render())

    first = script(maps.base_map(result))
    assert first == script(maps.base_map(result))
    assert "plannerStatic" in first and "plannerSync" not in first.split("window.plannerSync = ")[-1]
    en = spec(maps.map_layers(result, maps.MapOptions(lang="en", focus_type="kindergarten")))
    zh = spec(maps.map_layers(result, maps.MapOptions(lang="zh", focus_type="kindergarten")))
    assert layer(en, "streets") == {**layer(zh, "streets"), "name": "Streets"}
    assert layer(en, "streets")["static"] and "geojson" not in layer(en, "streets")
    # only the focus type's facilities show at first; the others are listed in the layer control
    shown = {x["id"] for x in en["layers"] if x["show"] and x["id"].startswith("facilities:")}
    assert shown == {"facilities:kindergarten"}
    assert en["fit"]["key"] == "" and en["legend"]["title"] == "Legend" and zh["legend"]["title"] == "图例"


def test_an_edit_changes_only_the_layers_it_touches(result):
    """Each layer carries a content hash; the browser rebuilds a layer only when its hash changes."""
    areas = catchments.service_areas(result, "kindergarten")
    options = maps.MapOptions(focus_type="kindergarten")
    before = spec(maps.map_layers(result, options, service_areas=areas))
    scenario = sc.Scenario().with_edit(sc.Edit("resize", "F0035", floor_area_m2=5000.0))
    after = sc.evaluate(result, scenario)
    changed = maps.MapOptions(focus_type="kindergarten", changed=sc.changed_facility_ids(scenario))
    edited = spec(maps.map_layers(after, changed, service_areas=areas))
    hashes = {x["id"]: x["hash"] for x in before["layers"]}
    rebuilt = {x["id"] for x in edited["layers"] if hashes.get(x["id"]) != x["hash"]}
    assert rebuilt == {"facilities:kindergarten"}
    # choosing a community adds its outline and a new place to zoom to, nothing else
    chosen = spec(
        maps.map_layers(
            result, maps.MapOptions(focus_type="kindergarten", selected_community="C11"), service_areas=areas
        )
    )
    assert chosen["fit"]["key"] == "C11" and chosen["fit"]["bounds"] != before["fit"]["bounds"]
    assert {x["id"] for x in chosen["layers"]} - set(hashes) == {"selection"}


def test_streets_without_a_street_class_are_drawn_alike(result):
    """A streets layer without ``highway`` (accepted by ``planner analyze``) is drawn in the default style."""
    from dataclasses import replace

    streets = result.study.streets.drop(columns="highway")
    plain = replace(result, study=replace(result.study, streets=streets))
    html = render(maps.build_map(plain, maps.MapOptions()))
    assert "plannerStatic(" in html and '"streets"' in html
    widths = json.loads(re.search(r'"w":(\[[^\]]*\])', html).group(1))
    assert len(widths) == len(streets) and set(widths) == {1.0}


def test_scale_bar_is_metric_only(result):
    html = render(maps.build_map(result, maps.MapOptions()))
    assert "L.control.scale({imperial: false, metric: true})" in html
    assert "L.control.scale()" not in html  # folium's own bar shows feet and miles


def test_legend_lists_distance_classes_only_when_cells_are_drawn(result):
    for view, drawn in (("compliance", False), ("coverage", True)):
        opts = maps.MapOptions(lang="en", focus_type="kindergarten", view=view)
        described = spec(maps.map_layers(result, opts))
        assert any(x["id"] == "cells" for x in described["layers"]) is drawn
        legend = described["legend"]["html"]
        assert ("Walk to nearest kindergarten" in legend) is drawn, view
        assert ("150–300 m · covered" in legend) is drawn, view
        assert "Facilities" in legend


def test_the_app_chooses_the_facility_types_shown(result):
    """In the app, the facility layers shown are the app's choice (not the layer control's), so it
    knows which facilities a click can pick."""
    opts = maps.MapOptions(focus_type="kindergarten", shown_types=frozenset({"health_station"}), facility_control=False)
    described = spec(maps.map_layers(result, opts))
    facilities = {x["id"]: x for x in described["layers"] if x["id"].startswith("facilities:")}
    shown = {k.split(":")[1] for k, x in facilities.items() if x["show"]}
    assert shown == {"kindergarten", "health_station"}
    assert not any(x["control"] for x in facilities.values())
    assert set(opts.facility_types_shown(result.study.rulebook.types)) == {"kindergarten", "health_station"}
    # a downloaded map keeps them in the layer control
    described = spec(maps.map_layers(result, maps.MapOptions(focus_type="kindergarten")))
    assert all(x["control"] for x in described["layers"] if x["id"].startswith("facilities:"))

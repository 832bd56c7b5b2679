"""The map, its options above it and its clicks: a base that stays drawn, layers updated in place."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit_folium import st_folium

import planner
from planner.app import assets, dashboard, maps, whatif
from planner.app.maps_style import BASEMAP_KEYS
from planner.i18n import in_sentence, t
from planner.plan import scenario as sc
from ui.loading import focus_service_areas, leaflet_assets
from ui.panel import View
from ui.state import Key, k, state


@dataclass(frozen=True)
class MapChoice:
    """The options above the map: the type in focus, the view, the rule coloured, the layers."""

    focus: str
    view: str
    rule: str | None
    areas: bool
    basemap: str
    shown: frozenset[str]


def kpi_row(result: planner.Analysis, base: planner.Analysis | None, focus: str, lang: str) -> None:
    """The headline figures, with their change against ``base`` (the existing situation) when given."""
    figures = dashboard.kpis(result, focus, lang, base=base)
    for col, fig in zip(st.columns(len(figures)), figures, strict=True):
        col.metric(fig.label, fig.value, fig.delta, help=fig.sentence or None, border=True)


def map_options(result: planner.Analysis, lang: str) -> MapChoice:
    """Draw the map's options and return them."""
    book = result.study.rulebook
    types = list(book.types)
    c1, c2, c3, c4 = st.columns([1.3, 1.5, 1.6, 1])
    focus = c1.selectbox(t("focus_type", lang), types, format_func=lambda x: book.types[x].name(lang), key=k(Key.FOCUS))
    fname = in_sentence(book.types[focus].name(lang), lang)
    view_labels = {"compliance": t("view_compliance", lang), "coverage": t("view_coverage", lang, type=fname)}
    view = c2.radio(t("view", lang), maps.VIEWS, format_func=view_labels.get, key=k("view"))
    rule = None
    if view == "compliance":
        rule = c3.selectbox(
            t("colour_rule", lang),
            ["", *book.rules],
            format_func=lambda r: book.rules[r].name(lang) if r else t("all_rules", lang),
            key=k("colour_rule"),
        )
    # a whole city's hundreds of overlapping areas take seconds to draw and hide the map: off at first there
    few = len(result.facilities) <= maps.MAX_FACILITIES_AREAS_SHOWN
    areas = c3.checkbox(t("layer_service_areas", lang, type=fname), value=few, key="show_areas")
    also = c2.multiselect(
        t("also_shown", lang),
        types,  # all of them: the options must not change with the focus type (it is always shown)
        format_func=lambda x: book.types[x].name(lang),
        key=k("shown_types"),
        placeholder=t("also_shown_none", lang),
    )
    basemap = c4.selectbox(
        t("basemap", lang),
        BASEMAP_KEYS,
        index=BASEMAP_KEYS.index("none"),
        format_func=lambda b: t(f"basemap_{b}", lang),
        key=k("basemap"),
    )
    shown = frozenset(x for x in also if x != focus)
    return MapChoice(focus, view, rule or None, areas, basemap, shown)


def draw_map(view: View, opts: MapChoice, community: str | None) -> None:
    """The map: a base that stays drawn (Leaflet, streets) and the layers, updated in place."""
    lang, base, result, scenario = view.lang, view.base, view.result, view.scenario
    local = leaflet_assets()
    if local is None:
        st.warning(t("assets_missing", lang))
    areas = focus_service_areas(base, result, opts.focus) if opts.areas else None
    options = maps.MapOptions(
        lang=lang,
        focus_type=opts.focus,
        view=opts.view,
        community_rule=opts.rule,
        basemap=opts.basemap,
        selected_community=community,
        selected_facility=state.selected_facility,
        pending_point=state.point(),
        changed=sc.changed_facility_ids(scenario),
        assets=local or assets.CDN_ASSETS,
        shown_types=opts.shown,
        facility_control=False,  # the app chooses the types shown, so it knows what a click picks
    )
    state.shown_types = options.facility_types_shown(result.study.rulebook.types)
    removed = sc.removed_facilities(base.study, scenario) if scenario.edits else None
    state.map_args = (result, options, areas, removed)  # for the map download
    # the base map's script is the same on every run, so streamlit-folium keeps the drawn map
    # (and its zoom) and only hands it the new layers
    st_folium(
        maps.base_map(base, assets=options.assets),
        key=Key.MAP,
        height=680,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=maps.map_layers(result, options, service_areas=areas, removed=removed),
        on_change=on_map_event,
    )
    st.caption(t("map_hint", lang))


def on_map_event() -> None:
    """A click on the map: select the facility clicked, or remember the point for a new one."""
    click = (state.widget(Key.MAP) or {}).get("last_clicked")
    if not click or click == state.last_click or state.base is None:
        return
    state.last_click = click
    state.pick_candidates = None
    # a click on a facility's icon arrives at the facility's own position; only the types
    # drawn can be picked, and where several drawn facilities are, the person chooses
    found = whatif.facilities_at(state.base_or_scenario(), click["lng"], click["lat"], state.shown_types or ())
    if len(found) == 1:
        select_facility(found[0])
        return
    if found:
        state.pick_candidates = found
        state.forget(Key.PICK_HERE)
        return
    state.set_widget(Key.PT_LON, round(float(click["lng"]), 6))
    state.set_widget(Key.PT_LAT, round(float(click["lat"]), 6))


def select_facility(fid: str) -> None:
    """Choose a facility for editing (a click on its icon, or a choice among several there)."""
    state.selected_facility = fid
    state.set_widget(k(Key.EDIT_FACILITY), fid)


def on_pick_here() -> None:
    """The person chose one of several facilities at the spot clicked."""
    fid = state.widget(Key.PICK_HERE)
    if fid is not None:
        select_facility(fid)
        state.pick_candidates = None

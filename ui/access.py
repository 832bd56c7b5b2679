"""The access and life-circle tab: a choropleth of supply within reach or of a life circle, and the three lists."""

from __future__ import annotations

import streamlit as st
import streamlit.components.v1 as components

import planner
from planner.app import access_view, dashboard
from planner.assess.groups import demand_groups
from planner.assess.tiers import tiers
from planner.i18n import t
from ui.loading import leaflet_assets
from ui.panel import View
from ui.state import Key, k, state

TITLE = "tab_access"
#: the tab's map, a plain HTML component (the page's one streamlit-folium map is the main map)
MAP_HEIGHT = 520


@st.cache_resource(max_entries=8, show_spinner=False)
def _access(digest: str, focus: str, _result: planner.Analysis):
    return access_view.access_of(_result, focus)


@st.cache_resource(max_entries=8, show_spinner=False)
def _tiers(digest: str, _result: planner.Analysis):
    return tiers(_result)


@st.cache_resource(max_entries=8, show_spinner=False)
def _lists(digest: str, _result: planner.Analysis):
    from planner.assess.lists import three_lists

    return three_lists(_result)


def render(view: View) -> None:
    """The map of the view chosen, its table, and the three lists of the community chosen."""
    result, lang = view.result, view.lang
    digest = state.result_key.digest() if state.result_key is not None else "base"
    choice = st.radio(
        t("access_view", lang),
        ["access", "tiers"],
        format_func=lambda v: t(f"access_view_{v}", lang),
        horizontal=True,
        key="access_view",
    )
    assets = leaflet_assets()
    if choice == "access":
        answer = _access(digest, view.focus, result)
        book = result.study.rulebook
        group = demand_groups(book)[answer.group].name(lang)
        st.caption(
            t("access_caption", lang, type=book.types[view.focus].name(lang), group=group, radius=answer.radius_m)
        )
        components.html(
            access_view.access_map(result, answer, lang, assets=assets).get_root().render(), height=MAP_HEIGHT
        )
        st.dataframe(access_view.access_table(result, answer, lang), width="stretch")
    else:
        answer_t = _tiers(digest, result)
        tier = st.selectbox(
            t("tier_choose", lang),
            [c.key for c in answer_t.tiers],
            format_func=lambda c: access_view.tier_name(c, lang),
            key="access_tier",
        )
        st.caption(t("tier_caption", lang))
        components.html(
            access_view.tier_map(result, answer_t, tier, lang, assets=assets).get_root().render(), height=MAP_HEIGHT
        )
        st.dataframe(access_view.tier_table(result, answer_t, lang), width="stretch")
    community = state.widget(k(Key.COMMUNITY))
    if not community:
        st.caption(t("lists_hint", lang))
        return
    name = dashboard.community_name(result, community) or community
    st.markdown(f"**{t('lists_title', lang, name=name)}**")
    table = access_view.community_lists(result, str(community), lang, _lists(digest, result))
    st.dataframe(table, hide_index=True, width="stretch")

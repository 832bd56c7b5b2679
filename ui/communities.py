"""The communities tab (the table, sorted by rules failed; a row chooses the community) and one community's rules."""

from __future__ import annotations

import streamlit as st

import planner
from planner.app import dashboard
from planner.i18n import t
from ui.panel import View
from ui.state import Key, k, state

TITLE = "tab_communities"


def render(view: View) -> None:
    """The community table; choosing a row chooses the community (the map and the detail follow)."""
    table = dashboard.community_table(view.result, view.focus, view.lang)
    st.caption(t("table_hint", view.lang))
    event = st.dataframe(table, key="community_table", on_select="rerun", selection_mode="single-row", width="stretch")
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        picked = str(table.index[rows[0]])
        if state.table_pick != picked:
            state.table_pick = picked
            state.set_widget(k(Key.COMMUNITY), picked)
            st.rerun()


def picker(result: planner.Analysis, lang: str) -> str | None:
    """The community chooser beside the map: the id chosen, or None."""
    labels = dashboard.community_labels(result)
    return st.selectbox(
        t("choose_community", lang),
        [None, *labels],
        format_func=lambda c: t("none_selected", lang) if c is None else labels[c],
        key=k(Key.COMMUNITY),
        placeholder=t("none_selected", lang),
    )


def detail(result: planner.Analysis, community: str | None, lang: str) -> None:
    """The rules of the community chosen, under the map."""
    name = dashboard.community_name(result, community) if community else None
    if name is None:
        return
    st.markdown(f"**{t('community_rules', lang, name=name)}**")
    st.dataframe(dashboard.community_checks(result, str(community), lang), hide_index=True, width="stretch")

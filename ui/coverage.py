"""The coverage tab: the share of residents covered per facility type, and every rule's result."""

from __future__ import annotations

import streamlit as st

from planner.app import dashboard
from planner.i18n import t
from ui.panel import View

TITLE = "tab_coverage"


def render(view: View) -> None:
    """The coverage chart, who each service is for, the rule table and one sentence per rule."""
    result, lang = view.result, view.lang
    st.vega_lite_chart(spec=dashboard.coverage_chart(result, lang), width="stretch")
    groups = dashboard.group_table(result, lang)
    if len(groups):
        st.markdown(f"**{t('group_title', lang)}**")
        st.dataframe(groups, hide_index=True, width="stretch")
        st.caption(t("group_caption", lang))
    st.markdown(f"**{t('rules_title', lang)}**")
    st.dataframe(dashboard.rules_table(result, lang), hide_index=True, width="stretch")
    for line in dashboard.rule_sentences(result, lang):
        st.caption(line)

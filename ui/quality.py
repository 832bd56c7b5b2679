"""The data-quality tab: what was done to the input features and why."""

from __future__ import annotations

import streamlit as st

from planner.app import dashboard
from planner.i18n import t
from ui.panel import View

TITLE = "tab_quality"


def render(view: View) -> None:
    """The validation log, or a note that nothing was changed."""
    st.caption(t("quality_intro", view.lang))
    if view.result.validation.empty:
        st.success(t("quality_none", view.lang))
        return
    st.dataframe(dashboard.quality_table(view.result, view.lang), hide_index=True, width="stretch", key="quality_table")

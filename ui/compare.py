"""The comparison tab: two situations side by side (the existing one, the current scenario, a saved one)."""

from __future__ import annotations

import streamlit as st

import planner
from planner.app import dashboard
from planner.i18n import app_message, t
from planner.plan import scenario as sc
from ui.panel import View
from ui.state import k

TITLE = "tab_compare"
CHOICES = ("existing", "current", "file")


def render(view: View) -> None:
    """Choose A and B; show their figures, the coverage and rule tables and what changes from A to B."""
    lang = view.lang
    st.caption(t("compare_intro", lang))
    labels = {
        "existing": t("existing", lang),
        "current": t("current", lang, n=len(view.scenario.edits)),
        "file": t("from_file", lang),
    }
    picked = {}
    cols = st.columns(2)
    for col, side, default in ((cols[0], "a", 0), (cols[1], "b", 1)):
        with col:
            which = st.selectbox(
                t(f"scenario_{side}", lang), CHOICES, index=default, format_func=labels.get, key=k(f"cmp_{side}")
            )
            if which == "existing":
                picked[side] = (labels["existing"], view.base)
            elif which == "current":
                picked[side] = (labels["current"], view.result)
            else:
                got = _from_file(view, side)
                if got is None:
                    return
                picked[side] = got
    (name_a, a), (name_b, b) = picked["a"], picked["b"]
    cov_show, rules_show = dashboard.compare_tables(a, b, name_a, name_b, lang)
    for (name, res), col in ((picked["a"], cols[0]), (picked["b"], cols[1])):
        with col:
            st.markdown(f"**{name}**")
            for fig in dashboard.kpis(res, view.focus, lang)[1:3]:
                st.metric(fig.label, fig.value, border=True)
    st.dataframe(cov_show, hide_index=True, width="stretch")
    st.dataframe(rules_show, hide_index=True, width="stretch", key="compare_rules")
    for line in sc.describe_change(a, b, lang=lang):
        st.caption(f"A → B: {line}")


def _from_file(view: View, side: str) -> tuple[str, planner.Analysis] | None:
    """A scenario saved earlier, evaluated on this study; None until a file is chosen or when it is refused."""
    f = st.file_uploader(t("load_scenario", view.lang), type=["json"], key=f"cmp_file_{side}")
    if f is None:
        return None
    try:
        other = sc.Scenario.from_json(f.getvalue())
        return other.name or f.name, sc.evaluate(view.base, other)
    except planner.PlannerError as exc:
        st.error(app_message(str(exc), view.lang))
        return None

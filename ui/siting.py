"""The "where to build" tab: a siting question, its sites as the what-if scenario, a phased build plan.

The question is answered in the run button's callback (before the script runs), so the map
of that same run already shows the sites; they are then the current scenario's ``add``
edits, editable in the what-if panel. The logic is in ``planner.app.siting_view``.
"""

from __future__ import annotations

import streamlit as st

import planner
from planner.app import siting_view
from planner.i18n import app_message, t
from planner.plan import scenario as sc
from ui.panel import View
from ui.state import Key, default_lang, k, state

TITLE = "tab_siting"


def render(view: View) -> None:
    """The question's boxes, the run button, the answer and the build plan."""
    lang, book = view.lang, view.base.study.rulebook
    st.caption(t("siting_intro", lang, seconds=siting_view.APP_TIME_LIMIT_S))
    c1, c2, c3 = st.columns([2, 3, 2])
    c1.selectbox(
        t("siting_type", lang), list(book.types), format_func=lambda x: book.types[x].name(lang), key=k(Key.SITE_TYPE)
    )
    objective = c2.radio(
        t("siting_objective", lang),
        siting_view.objectives(),
        format_func=lambda x: t(f"objective_{x}", lang),
        key=k(Key.SITE_OBJECTIVE),
    )
    if objective == "count":
        c3.slider(t("siting_target", lang), 0.05, 1.0, 1.0, 0.05, key=Key.SITE_TARGET)
    else:
        c3.number_input(t("siting_k", lang), min_value=1, max_value=5000, value=3, step=1, key=Key.SITE_K)
    if objective == "coverage":
        c3.checkbox(t("siting_capacity_box", lang), key=Key.SITE_CAPACITY, help=t("siting_capacity_help", lang))
    st.button(
        t("siting_run", lang), key="site_run", type="primary", help=t("siting_run_help", lang), on_click=run_siting
    )
    if state.siting_error:
        st.error(state.siting_error)
        del state.siting_error
    answer = state.siting
    if answer is not None:
        st.info(siting_view.summary_line(view.base, answer, lang))
    load_siting_scenario(view)
    plan(view)


def run_siting() -> None:
    """The run button's callback: answer the question and make its sites the current scenario."""
    base, lang = state.base, state.lang or default_lang()
    assert base is not None
    objective = state.widget(k(Key.SITE_OBJECTIVE)) or "coverage"
    form = siting_view.SitingForm(
        type=state.widget(k(Key.SITE_TYPE)),
        objective=objective,
        k=int(state.widget(Key.SITE_K) or 3),
        target=float(state.widget(Key.SITE_TARGET) or 1.0),
        capacity=bool(state.widget(Key.SITE_CAPACITY)),
    )
    try:
        answer = siting_view.run(base, form)
    except planner.PlannerError as exc:
        state.siting_error = app_message(str(exc), lang)
        return
    state.siting = answer
    state.scenario = siting_view.answer_scenario(base, answer, lang)
    state.confirm_edit = None


def load_siting_scenario(view: View) -> None:
    """A ``scenario.json`` written by ``planner site`` becomes the current scenario."""
    lang = view.lang
    loaded = st.file_uploader(t("siting_load", lang), type=["json"], key=Key.SITE_LOAD)
    if loaded is None or state.siting_loaded_id == loaded.file_id:
        return
    try:
        other = sc.Scenario.from_json(loaded.getvalue())
        sc.apply_edits(view.base.study, other)
    except planner.PlannerError as exc:
        st.error(app_message(str(exc), lang))
        return
    state.siting_loaded_id = loaded.file_id
    state.scenario = other
    del state.siting  # the plan is read from the file's edits
    st.success(t("siting_loaded", lang, name=other.name, n=sum(e.op == "add" for e in other.edits)))
    st.rerun()


def plan(view: View) -> None:
    """The phased build plan of the current scenario's new facilities (rebuilt when the scenario changes)."""
    lang = view.lang
    st.markdown(f"**{t('plan_title', lang)}**")
    key = f"{lang}:{view.scenario.to_json()}"
    kept = state.siting_plan
    if kept is None or kept[0] != key:
        kept = (key, siting_view.build_plan(view.base, view.scenario, lang, state.siting))
        state.siting_plan = kept
    built = kept[1]
    if built is None:
        st.caption(t("plan_none", lang))
        return
    st.caption(t("plan_rule", lang))
    st.dataframe(built.sites, hide_index=True, width="stretch")
    st.markdown(f"**{t('plan_phases', lang)}**")
    st.dataframe(built.phases, hide_index=True, width="stretch")

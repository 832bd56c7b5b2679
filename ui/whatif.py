"""The what-if panel: a position, a new facility, an existing one to move, resize or remove, and the edit list.

Edits are button callbacks: run before the script, the edit is in the scenario when the page
is drawn, so an edit costs one run. The edits are built and checked by ``planner.app.whatif``.
"""

from __future__ import annotations

import streamlit as st

import planner
from planner.app import dashboard, whatif
from planner.i18n import app_message, t
from planner.plan import scenario as sc
from ui.mapview import on_pick_here
from ui.panel import View
from ui.state import Key, default_lang, k, state


def whatif_panel(view: View) -> None:
    """Draw the panel on the right of the map."""
    lang, base, result = view.lang, view.base, view.result
    book = base.study.rulebook
    st.markdown(f"**{t('tab_whatif', lang)}**")
    c1, c2 = st.columns(2)
    lon = c1.number_input(t("lon", lang), format="%.6f", key=Key.PT_LON, step=0.0005, **state.initial(Key.PT_LON, None))
    lat = c2.number_input(t("lat", lang), format="%.6f", key=Key.PT_LAT, step=0.0005, **state.initial(Key.PT_LAT, None))
    no_point = lon is None or lat is None
    if no_point:
        st.caption(t("click_first", lang))
    with st.container(border=True):
        st.markdown(f"**{t('add_title', lang)}**")
        ftype = st.selectbox(
            t("focus_type", lang), list(book.types), format_func=lambda x: book.types[x].name(lang), key=k(Key.NEW_TYPE)
        )
        minimum = book.types[ftype].min_floor_area_m2
        st.number_input(
            f"{t('floor_area', lang)} (m²)",
            min_value=0.0,
            value=float(minimum.value) if minimum else 500.0,
            step=50.0,
            key=Key.new_area(ftype),
        )
        st.text_input(t("new_name", lang), value="", key=Key.NEW_NAME)
        st.button(t("add", lang), key="add", type="primary", disabled=no_point, on_click=push_edit, args=("add",))
    with st.container(border=True):
        st.markdown(f"**{t('edit_title', lang)}**")
        existing_panel(result, lang, no_point)
    if state.edit_error:
        st.error(state.edit_error)
        del state.edit_error
    outside_warning(view)
    edits_summary(view)


def existing_panel(result: planner.Analysis, lang: str, no_point: bool) -> None:
    """Choose a facility (or one of several at the spot clicked) and move, resize or remove it."""
    labels = dashboard.facility_labels(result, lang)
    here = [fid for fid in state.pick_candidates or () if fid in labels]
    if here:
        st.selectbox(
            t("several_here", lang, n=len(here)),
            here,
            index=None,
            format_func=labels.get,
            key=Key.PICK_HERE,
            placeholder=t("choose_one", lang),
            on_change=on_pick_here,
        )
    key = k(Key.EDIT_FACILITY)
    if state.has(key) and state.widget(key) not in labels:
        state.set_widget(key, None)
    fid = st.selectbox(
        t("choose_facility", lang),
        list(labels),
        format_func=labels.get,
        key=key,
        placeholder=t("choose_facility", lang) + "…",
        **state.initial(key, None, name="index"),
    )
    if fid is None:
        return
    state.selected_facility = fid
    current = whatif.floor_area(result, fid)
    st.number_input(f"{t('floor_area', lang)} (m²)", min_value=0.0, value=current, step=50.0, key=Key.resize(fid))
    # one under the other, full width: three side by side in this narrow column cut their labels
    st.button(
        t("move_here", lang), key="move", disabled=no_point, on_click=push_edit, args=("move", fid), width="stretch"
    )
    st.button(t("resize", lang), key="resize", on_click=push_edit, args=("resize", fid), width="stretch")
    st.button(t("remove", lang), key="remove", on_click=push_edit, args=("remove", fid), width="stretch")


def push_edit(op: sc.Op, fid: str | None = None) -> None:
    """A what-if button's callback: build the edit from the boxes, check it and keep it.

    Run as a callback, the edit is in the scenario when the script runs, so the page is
    drawn once, with the new figures and map (not once more after an ``st.rerun``).
    """
    base, scenario, lang = state.base, state.scenario, state.lang or default_lang()
    assert base is not None and scenario is not None
    new_type = state.widget(k(Key.NEW_TYPE))
    form = whatif.EditForm(
        lon=state.widget(Key.PT_LON),
        lat=state.widget(Key.PT_LAT),
        new_type=new_type,
        new_name=state.widget(Key.NEW_NAME) or "",
        new_floor_area_m2=state.widget(Key.new_area(new_type)) if new_type else None,
        floor_area_m2=state.widget(Key.resize(fid)) if fid else None,
    )
    try:
        edit = whatif.build_edit(base.study, scenario, op, fid, form, lang)
    except planner.PlannerError as exc:
        state.edit_error = app_message(str(exc), lang)
        return
    keep_edit(edit)


def keep_edit(edit: sc.Edit, *, confirmed: bool = False) -> None:
    """Check an edit and add it to the scenario; one outside the district waits for a confirmation."""
    base, scenario, lang = state.base, state.scenario, state.lang or default_lang()
    assert base is not None and scenario is not None
    state.confirm_edit = None
    try:
        kept = whatif.checked_scenario(base.study, scenario, edit, confirmed=confirmed)
    except planner.PlannerError as exc:
        state.edit_error = app_message(str(exc), lang)
        return
    if kept is None:
        state.confirm_edit = edit
        return
    state.scenario = kept
    state.set_widget(Key.PT_LON, None)  # the point was used
    state.set_widget(Key.PT_LAT, None)
    if edit.op == "remove":
        state.selected_facility = None
        state.forget(k(Key.EDIT_FACILITY))


def confirm_edit() -> None:
    """Keep the edit outside the district the person was warned about."""
    edit = state.confirm_edit
    if edit is not None:
        keep_edit(edit, confirmed=True)


def cancel_edit() -> None:
    """Drop the edit outside the district the person was warned about."""
    state.confirm_edit = None


def undo_edit() -> None:
    """Drop the last edit."""
    state.scenario = (state.scenario or sc.Scenario()).without_last()


def reset_scenario() -> None:
    """Drop every edit."""
    state.scenario = sc.Scenario()


def outside_warning(view: View) -> None:
    """The warning for an edit outside the district, with buttons to keep or drop it."""
    edit = state.confirm_edit
    if edit is None:
        return
    pending = view.scenario.with_edit(edit)
    label = whatif.edit_label(view.base.study, pending, len(pending.edits) - 1, view.lang)
    st.warning(t("outside_district", view.lang, edit=label, lon=edit.lon, lat=edit.lat), icon="⚠️")
    c1, c2 = st.columns(2)
    c1.button(t("keep_anyway", view.lang), key="confirm_outside", on_click=confirm_edit)
    c2.button(t("cancel", view.lang), key="cancel_outside", on_click=cancel_edit)


def edits_summary(view: View) -> None:
    """The edits made, with undo and reset, and what they change against the existing situation."""
    lang, scenario = view.lang, view.scenario
    st.markdown(f"**{t('edits', lang)}**")
    if not scenario.edits:
        st.caption(t("no_edits", lang))
        return
    st.markdown("\n".join(whatif.edit_lines(view.base.study, scenario, lang)))
    c1, c2 = st.columns(2)
    c1.button(t("undo", lang), key="undo", on_click=undo_edit)
    c2.button(t("reset", lang), key="reset", on_click=reset_scenario)
    st.markdown(f"**{t('change_title', lang)}**")
    lines = sc.describe_change(view.base, view.result, lang=lang)
    if lines:
        st.success("\n".join(f"- {line}" for line in lines))
    else:
        st.info(t("no_change", lang))
    if state.update_ms is not None:
        st.caption(t("update_time", lang, ms=state.update_ms))

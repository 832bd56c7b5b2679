"""The upload panel's PostGIS connection form, and the cached analysis of the study it names.

The logic (fields, keys, labels, the read-only load) is in :mod:`planner.app.db_view`; this
module only draws. The password box is a password field; the password is never shown, logged
or part of a cache key (only a salted hash of it is).
"""

from __future__ import annotations

import time

import streamlit as st

import planner
from planner.app.db_view import FORM_LAYERS, DbForm, label, load
from planner.app.session import StudyKey
from ui.guard import guarded
from ui.state import state


def form(lang: str) -> DbForm | None:
    """Draw the connection form (in an expander); the form's fields when its button was pressed."""
    with st.expander(label("db_title", lang)), st.form("db_form", border=False):
        st.caption(label("db_help", lang))
        host = st.text_input(label("db_host", lang), value="localhost", key="db_host")
        port = st.number_input(label("db_port", lang), 1, 65535, 5432, key="db_port")
        database = st.text_input(label("db_database", lang), key="db_database")
        user = st.text_input(label("db_user", lang), key="db_user")
        password = st.text_input(label("db_password", lang), type="password", key="db_password")
        schema = st.text_input(label("db_schema", lang), key="db_schema")
        layers = tuple(
            (kind, st.text_area(label("db_layer", lang, layer=kind), key=f"db_layer_{kind}", height=68))
            for kind in FORM_LAYERS
        )
        pressed = st.form_submit_button(label("db_connect", lang), type="primary", key="db_connect")
    if not pressed:
        return None
    return DbForm(host, int(port), database, user, password, schema, layers)


@st.cache_resource(max_entries=4, show_spinner=False)
def db_analysis(key: str, mode: str, cell_size: int, _form: DbForm) -> tuple[planner.Analysis, float]:
    """The analysis of the database study (``key``: :meth:`DbForm.key`), and the seconds it took."""
    start = time.perf_counter()
    result = planner.analyze(load(_form), mode=mode, cell_size_m=cell_size)
    return result, time.perf_counter() - start


def analysis(
    submitted: DbForm | None, mode: str, cell: int, lang: str
) -> tuple[planner.Analysis, float, StudyKey] | None:
    """The database study's analysis: the form just submitted, else the one connected earlier; None if neither."""
    if submitted is not None:
        if not submitted.complete:
            st.warning(label("db_needed", lang))
        else:
            with st.spinner(label("db_source", lang, address=submitted.address())):
                got = guarded(lambda: db_analysis(submitted.key(), mode, cell, submitted), lang)
            if got[0] is not None:
                state.db_form = submitted
                return got[0], got[1], StudyKey("upload", f"db:{submitted.key()}", mode, cell)
    earlier = state.db_form
    if earlier is None:
        return None
    got = guarded(lambda: db_analysis(earlier.key(), mode, cell, earlier), lang)
    return None if got[0] is None else (got[0], got[1], StudyKey("upload", f"db:{earlier.key()}", mode, cell))

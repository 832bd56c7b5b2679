"""The cached library calls and the study chosen in the sidebar.

Heavy steps are cached per study (``st.cache_resource``, keyed by the study's content hash
and settings) and treated as read-only, shared across sessions; each session keeps its
own scenario, whose result is kept in the session until the scenario or the study changes.
"""

from __future__ import annotations

import time

import streamlit as st

import planner
from planner.app import assets, catchments, uploads
from planner.app.session import ResultKey, StudyKey
from planner.i18n import t
from planner.plan import scenario as sc
from ui import db
from ui.guard import guarded
from ui.sidebar import Choice
from ui.state import default_study, state


@st.cache_resource(max_entries=6, show_spinner=False)
def sample_analysis(path: str | None, mode: str, cell_size: int) -> tuple[planner.Analysis, float]:
    """The analysis of the bundled sample (``path`` None) or a study file, and the seconds it took."""
    start = time.perf_counter()
    study = planner.load_study(path)
    result = planner.analyze(study, mode=mode, cell_size_m=cell_size)
    return result, time.perf_counter() - start


@st.cache_resource(max_entries=6, show_spinner=False)
def upload_analysis(
    key: str, mode: str, cell_size: int, input_crs: tuple[str, ...], _files: dict, _rules
) -> tuple[planner.Analysis, float]:
    """The analysis of an upload (``key`` is its content hash), and the seconds it took."""
    start = time.perf_counter()
    study = uploads.load_uploaded_study(_files, input_crs=input_crs, rules=_rules)
    result = planner.analyze(study, mode=mode, cell_size_m=cell_size)
    return result, time.perf_counter() - start


@st.cache_resource(max_entries=32, show_spinner=False)
def service_areas(key: str, focus: str, _result: planner.Analysis):
    """Service areas of one facility type in a study's existing situation (``key`` names the study)."""
    return catchments.service_areas(_result, focus)


@st.cache_resource(max_entries=32, show_spinner=False)
def scenario_service_areas(key: str, focus: str, _areas, _base: planner.Analysis, _result: planner.Analysis):
    """Service areas in a scenario (``key`` names the study and scenario): only moved and added ones are new."""
    return catchments.update_service_areas(_areas, _base, _result, focus)


@st.cache_resource(show_spinner=False)
def leaflet_assets() -> assets.MapAssets | None:
    """Leaflet served from the app's static folder, installed on first use; None when it cannot be."""
    return assets.local_assets() if assets.ensure_installed() else None


def as_upload(f) -> uploads.Upload | None:
    """A Streamlit uploaded file as the library's ``Upload`` (name and bytes)."""
    return None if f is None else uploads.Upload(f.name, f.getvalue())


def load(choice: Choice) -> tuple[planner.Analysis, float, StudyKey] | None:
    """The base analysis for the chosen study, or None after showing why there is none."""
    lang = choice.lang
    if choice.source == "sample":
        path = default_study()
        with st.spinner(t("loading", lang)):
            result, seconds = guarded(lambda: sample_analysis(path, choice.mode, choice.cell), lang)
        return None if result is None else (result, seconds, StudyKey("sample", path, choice.mode, choice.cell))
    if choice.analyse:
        state.db_form = None  # the files asked for replace the database study
    elif (from_db := db.analysis(choice.db, choice.mode, choice.cell, lang)) is not None:
        return from_db
    files = {name: as_upload(f) for name, f in choice.files.items()}
    rules = as_upload(choice.rules)
    if choice.analyse:
        if not files["study"] and not (files["communities"] and files["facilities"]):
            st.warning(t("upload_needed", lang))
        else:
            key = uploads.uploads_key({**files, "rules": rules}, choice.input_crs)
            with st.spinner(t("loading", lang)):
                got = guarded(
                    lambda: upload_analysis(key, choice.mode, choice.cell, choice.input_crs, files, rules), lang
                )
            if got[0] is not None:
                state.upload_key = (key, choice.input_crs)
                state.upload_files = (files, rules)
                return got[0], got[1], StudyKey("upload", key, choice.mode, choice.cell)
            if state.upload_key:
                st.info(t("error_using_previous", lang))
    if state.upload_key and state.upload_files:
        key, crs = state.upload_key
        files, rules = state.upload_files
        got = guarded(lambda: upload_analysis(key, choice.mode, choice.cell, crs, files, rules), lang)
        if got[0] is not None:
            return got[0], got[1], StudyKey("upload", key, choice.mode, choice.cell)
        return None
    st.info(t("upload_needed", lang))
    return None


def evaluate_scenario(base: planner.Analysis, scenario: sc.Scenario, key: StudyKey) -> planner.Analysis:
    """The scenario's result, recomputed only when the scenario or the study changed."""
    result_key = ResultKey.of(key, scenario)
    if state.result_key == result_key and state.result is not None:
        return state.result
    start = time.perf_counter()
    result = sc.evaluate(base, scenario)
    if scenario.edits:
        state.update_ms = (time.perf_counter() - start) * 1000
    state.result_key = result_key
    state.result = result
    return result


def focus_service_areas(base: planner.Analysis, result: planner.Analysis, focus: str):
    """The service areas of the focus type: the study's, updated for the scenario's edits."""
    key = state.result_key
    assert key is not None, "the scenario is evaluated before the map is drawn"
    areas = service_areas(key.study.digest(), focus, base)
    if result is base or key.is_existing:
        return areas
    return scenario_service_areas(key.digest(), focus, areas, base, result)

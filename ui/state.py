"""The app's session state, through one typed accessor: :data:`state`.

Every key the app keeps in ``st.session_state`` is named here once. Program state (the
scenario, the base analysis, the pending edit ...) is an attribute of :data:`state`; the
keys of the widgets that callbacks read or set are in :class:`Key`. Widgets whose option
labels change with the language carry the language in their key (:func:`k`): Streamlit
keeps the labels of a widget for as long as its key lives, so after a switch their values
move to the new keys (:func:`carry_over_language`).

The deployment's settings (``PLANNER_LANG``, ``PLANNER_STUDY``) are read on every run, as
``app.py`` did, so that a test can change them between runs of the app in one process.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import streamlit as st

import planner
from planner.app import uploads
from planner.app.session import ResultKey, StudyKey
from planner.i18n import LANGS
from planner.plan import scenario as sc

T = TypeVar("T")


def default_lang() -> str:
    """The language the app opens in: ``PLANNER_LANG`` when it names one, else Chinese."""
    lang = os.environ.get("PLANNER_LANG")
    return lang if lang in LANGS else "zh"


def default_study() -> str | None:
    """A study to open instead of the bundled sample (``PLANNER_STUDY``: deployments, tests)."""
    return os.environ.get("PLANNER_STUDY") or None


class Key:
    """Keys of the widgets whose values the app reads or sets outside the widget call."""

    LANG = "lang"
    MAP = "map"
    PT_LON = "pt_lon"
    PT_LAT = "pt_lat"
    PICK_HERE = "pick_here"
    NEW_NAME = "new_name"
    SCENARIO_NAME = "scenario_name"
    LOAD_SCENARIO = "load_scenario"
    #: the where-to-build tab (type and objective are language-dependent)
    SITE_TYPE = "site_type"
    SITE_OBJECTIVE = "site_objective"
    SITE_K = "site_k"
    SITE_TARGET = "site_target"
    SITE_CAPACITY = "site_capacity"
    SITE_LOAD = "site_load"
    #: language-dependent (see :func:`k`)
    NEW_TYPE = "new_type"
    EDIT_FACILITY = "edit_facility"
    COMMUNITY = "community"
    FOCUS = "focus"

    @staticmethod
    def new_area(ftype: str) -> str:
        """The floor area box of a new facility of ``ftype``."""
        return f"new_area_{ftype}"

    @staticmethod
    def resize(facility_id: str) -> str:
        """The floor area box of the facility chosen."""
        return f"resize_{facility_id}"


#: widgets whose option labels change with the language: their keys carry the language
LOCALIZED = (
    "source",
    "mode",
    "input_crs",
    *(f"crs_{kind}" for kind in uploads.UPLOAD_LAYERS),
    Key.FOCUS,
    "view",
    "colour_rule",
    "basemap",
    Key.NEW_TYPE,
    Key.EDIT_FACILITY,
    Key.COMMUNITY,
    "shown_types",
    "cmp_a",
    "cmp_b",
    Key.SITE_TYPE,
    Key.SITE_OBJECTIVE,
)


def k(base: str) -> str:
    """The session key of a language-dependent widget."""
    return f"{base}_{st.session_state.get(Key.LANG, default_lang())}"


class _Slot(Generic[T]):
    """One session-state entry as an attribute: read (None when absent), set, deleted."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, obj: object, owner: type | None = None) -> T | None:
        return st.session_state.get(self.key)

    def __set__(self, obj: object, value: T | None) -> None:
        st.session_state[self.key] = value

    def __delete__(self, obj: object) -> None:
        st.session_state.pop(self.key, None)


class _State:
    """The app's program state in ``st.session_state`` (widget values: :class:`Key`)."""

    lang = _Slot[str](Key.LANG)
    scenario = _Slot[sc.Scenario]("scenario")
    #: the last map click handled (a rerun repeats the component's value)
    last_click = _Slot[dict]("last_click")
    selected_facility = _Slot[str]("selected_facility")
    #: the analysed upload: its key and stated coordinate systems, and its files
    upload_key = _Slot[tuple[str, tuple[str, ...]]]("upload_key")
    upload_files = _Slot[tuple[dict, Any]]("upload_files")
    #: the PostGIS connection form last analysed (ui/db.py; its password never leaves the server)
    db_form = _Slot[Any]("db_connection")
    #: how long the last scenario update took (ms)
    update_ms = _Slot[float]("update_ms")
    base = _Slot[planner.Analysis]("_base")
    result = _Slot[planner.Analysis]("_result")
    result_key = _Slot[ResultKey]("_result_key")
    study = _Slot[tuple]("_study_key")
    #: several drawn facilities at the spot clicked: the person chooses
    pick_candidates = _Slot[list[str]]("_pick_candidates")
    #: the facility types drawn (a click picks only among them)
    shown_types = _Slot[frozenset[str]]("_shown_types")
    #: what the map was drawn from, for the map download
    map_args = _Slot[tuple]("_map_args")
    table_pick = _Slot[str]("_table_pick")
    edit_error = _Slot[str]("_edit_error")
    #: an edit outside the district, waiting for the person's confirmation
    confirm_edit = _Slot[sc.Edit]("_confirm_edit")
    loaded_id = _Slot[str]("_loaded_id")
    loaded_notes = _Slot[list[str]]("_loaded_notes")
    #: the where-to-build panel: its last answer, an error of its run, the scenario.json opened
    siting = _Slot[Any]("_siting")
    siting_error = _Slot[str]("_siting_error")
    siting_loaded_id = _Slot[str]("_siting_loaded_id")
    #: the build plan drawn last, with the scenario (JSON) it was built from
    siting_plan = _Slot[tuple[str, Any]]("_siting_plan")

    def widget(self, key: str) -> Any:
        """A widget's current value (None before it is drawn)."""
        return st.session_state.get(key)

    def has(self, key: str) -> bool:
        """Whether Session State holds a value for a widget (a callback or an earlier run set it)."""
        return key in st.session_state

    def set_widget(self, key: str, value: object) -> None:
        """Give a widget a value for the next run (callbacks, or before the widget is drawn)."""
        st.session_state[key] = value

    def forget(self, *keys: str) -> None:
        """Drop widget values (the widgets start afresh)."""
        for key in keys:
            st.session_state.pop(key, None)

    def initial(self, key: str, value: object, *, name: str = "value") -> dict:
        """A widget's initial value, unless Session State already holds one (set by a callback)."""
        return {} if self.has(key) else {name: value}

    def base_or_scenario(self) -> planner.Analysis:
        """The result shown: the scenario's, or the base analysis before the first evaluation."""
        shown = self.result or self.base
        assert shown is not None, "no analysis yet"
        return shown

    def point(self) -> tuple[float, float] | None:
        """The position in the what-if boxes (lon, lat), or None while one is empty."""
        lon, lat = self.widget(Key.PT_LON), self.widget(Key.PT_LAT)
        return None if lon is None or lat is None else (float(lon), float(lat))

    def start(self) -> None:
        """The first run of a session: defaults; a language switch: carry the widgets' values over."""
        carry_over_language()
        st.session_state.setdefault(Key.LANG, default_lang())
        if self.scenario is None:
            self.scenario = sc.Scenario()

    def open_study(self, key: StudyKey) -> None:
        """Note the study shown; another study's scenario, selection and clicks do not carry over."""
        if self.study == key.study:
            return
        self.study = key.study
        self.scenario = sc.Scenario()
        del self.selected_facility, self.result, self.result_key, self.pick_candidates, self.confirm_edit
        del self.siting, self.siting_plan
        self.forget(k(Key.EDIT_FACILITY), k(Key.COMMUNITY))


def carry_over_language(bases: Sequence[str] = LOCALIZED) -> None:
    """After a language switch, give the new widgets the values the old ones had."""
    lang = st.session_state.get(Key.LANG, default_lang())
    for base in bases:
        for other in LANGS:
            old = f"{base}_{other}"
            if other != lang and old in st.session_state:
                st.session_state.setdefault(f"{base}_{lang}", st.session_state[old])
                del st.session_state[old]


#: the one accessor of the app's session state
state = _State()

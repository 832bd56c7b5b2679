"""planner's map for urban planners: ``streamlit run app.py``.

A thin shell: it reads the widgets, calls the planner library and renders what it returns.
All analysis, map building, scenario and table logic lives in ``planner/`` (testable
without Streamlit). Heavy steps are cached per study (``st.cache_resource``, keyed by the
study's content hash and settings) and treated as read-only; each browser session keeps
its own scenario in ``st.session_state``. What-if edits are button callbacks, so an edit
costs one script run; the map's base (Leaflet, streets) stays drawn in the browser and only
the layers that changed are rebuilt there (``planner.app.maps``), keeping the zoom.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

import planner
from planner import report
from planner.app import assets, catchments, dashboard, maps, uploads, whatif
from planner.app.maps_style import BASEMAP_KEYS
from planner.i18n import LANG_NAMES, LANGS, app_message, in_sentence, mode_name, t
from planner.plan import scenario as sc

log = logging.getLogger("planner.app")

CELL_SIZES = (50, 100, 200, 250)
CRS_CHOICES = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09")
DEFAULT_LANG = os.environ.get("PLANNER_LANG", "zh") if os.environ.get("PLANNER_LANG") in LANGS else "zh"
#: a study to open instead of the bundled sample (deployments, tests)
DEFAULT_STUDY = os.environ.get("PLANNER_STUDY") or None

st.set_page_config(page_title="planner", page_icon="🗺️", layout="wide")

PAGE_CSS = """<style>
.block-container { padding-top: 3.2rem; padding-bottom: 2rem; }
[data-testid="stMetricValue"] { font-size: 1.5rem; }
[data-testid="stMetricLabel"] { min-height: 2.3em; height: auto; align-items: flex-start; }
[data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; font-size: 0.78rem; line-height: 1.15; }
[data-testid="stMetric"] { padding: 0.4rem 0.65rem; }
</style>"""


# --- cached library calls (shared read-only across sessions) ---------------------------------


@st.cache_resource(max_entries=6, show_spinner=False)
def sample_analysis(path: str | None, mode: str, cell_size: int) -> tuple[planner.Analysis, float]:
    start = time.perf_counter()
    study = planner.load_study(path)
    result = planner.analyze(study, mode=mode, cell_size_m=cell_size)
    return result, time.perf_counter() - start


@st.cache_resource(max_entries=6, show_spinner=False)
def upload_analysis(
    key: str, mode: str, cell_size: int, input_crs: tuple[str, ...], _files: dict, _rules
) -> tuple[planner.Analysis, float]:
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
    return assets.local_assets() if assets.ensure_installed() else None


# --- session state ------------------------------------------------------------------------


def init_state() -> None:
    carry_over_language()
    defaults = {
        "lang": DEFAULT_LANG,
        "scenario": sc.Scenario(),
        "last_click": None,
        "selected_facility": None,
        "upload_key": None,
        "update_ms": None,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def on_map_event() -> None:
    """A click on the map: select the facility clicked, or remember the point for a new one."""
    click = (st.session_state.get("map") or {}).get("last_clicked")
    if not click or click == st.session_state.get("last_click") or st.session_state.get("_base") is None:
        return
    st.session_state["last_click"] = click
    st.session_state["_pick_candidates"] = None
    # a click on a facility's icon arrives at the facility's own position; only the types
    # drawn can be picked, and where several drawn facilities are, the person chooses
    shown = st.session_state.get("_shown_types") or ()
    found = whatif.facilities_at(base_or_scenario(), click["lng"], click["lat"], shown)
    if len(found) == 1:
        select_facility(found[0])
        return
    if found:
        st.session_state["_pick_candidates"] = found
        st.session_state.pop("pick_here", None)
        return
    st.session_state["pt_lon"] = round(float(click["lng"]), 6)
    st.session_state["pt_lat"] = round(float(click["lat"]), 6)


def select_facility(fid: str) -> None:
    """Choose a facility for editing (a click on its icon, or a choice among several there)."""
    st.session_state["selected_facility"] = fid
    st.session_state[k("edit_facility")] = fid


def on_pick_here() -> None:
    """The person chose one of several facilities at the spot clicked."""
    fid = st.session_state.get("pick_here")
    if fid is not None:
        select_facility(fid)
        st.session_state["_pick_candidates"] = None


#: widgets whose option labels change with the language: their keys carry the language, and
#: their values move to the new key on a switch (Streamlit keeps the labels of the old one)
LOCALIZED = (
    *(
        "source",
        "mode",
        "input_crs",
        *(f"crs_{kind}" for kind in uploads.UPLOAD_LAYERS),
        "focus",
        "view",
        "colour_rule",
        "basemap",
        "new_type",
        "edit_facility",
        "community",
        "shown_types",
    ),
    "cmp_a",
    "cmp_b",
)


def k(base: str) -> str:
    """The session key of a language-dependent widget."""
    return f"{base}_{st.session_state.get('lang', DEFAULT_LANG)}"


def carry_over_language() -> None:
    """After a language switch, give the new widgets the values the old ones had."""
    lang = st.session_state.get("lang", DEFAULT_LANG)
    for base in LOCALIZED:
        for other in LANGS:
            old = f"{base}_{other}"
            if other != lang and old in st.session_state:
                st.session_state.setdefault(f"{base}_{lang}", st.session_state[old])
                del st.session_state[old]


def initial(key: str, value: object, *, name: str = "value") -> dict:
    """A widget's initial value, unless Session State already holds one (set by a callback)."""
    return {} if key in st.session_state else {name: value}


def base_or_scenario() -> planner.Analysis:
    return st.session_state.get("_result") or st.session_state["_base"]


# --- sidebar --------------------------------------------------------------------------------


def sidebar() -> dict:
    with st.sidebar:
        lang = st.segmented_control(
            "🌐", LANGS, format_func=LANG_NAMES.get, key="lang", required=True, label_visibility="collapsed"
        )
        st.subheader(t("data", lang))
        source = st.radio(
            t("source", lang),
            ("sample", "upload"),
            format_func=lambda s: source_label(s, lang),
            key=k("source"),
            horizontal=True,
        )
        mode = st.radio(t("mode", lang), ("walk", "euclidean"), format_func=lambda m: mode_name(m, lang), key=k("mode"))
        cell = st.select_slider(t("cell_size", lang), CELL_SIZES, value=100, key="cell_size")
        config = {"lang": lang, "source": source, "mode": mode, "cell": int(cell)}
        if source == "upload":
            config.update(upload_widgets(lang))
    return config


def source_label(source: str, lang: str) -> str:
    """The study choices: the study opened with the app (``planner app STUDY``) or the sample, or an upload."""
    if source == "sample" and DEFAULT_STUDY is not None:
        return t("source_file", lang, name=Path(DEFAULT_STUDY).name)
    return t(f"source_{source}", lang)


def upload_widgets(lang: str) -> dict:
    st.caption(t("upload_formats", lang, mb=uploads.MAX_UPLOAD_MB))
    files = {"study": st.file_uploader(t("upload_gpkg", lang), type=["gpkg"], key="up_study")}
    st.caption(t("upload_or_layers", lang))
    stated = []
    for kind in ("communities", "facilities", "streets", "cells"):
        files[kind] = st.file_uploader(t(f"upload_{kind}", lang), key=f"up_{kind}")
        if files[kind] is not None:  # an offset is a property of one layer: say it per uploaded file
            choice = st.selectbox(
                t("layer_crs", lang), CRS_CHOICES, format_func=lambda c: t(f"crs_file_{c}", lang), key=k(f"crs_{kind}")
            )
            stated += [] if choice == "auto" else [f"{kind}={choice}"]
    rules = st.file_uploader(t("rulebook", lang), type=["toml"], key="up_rules")
    crs = st.selectbox(t("input_crs", lang), CRS_CHOICES, format_func=lambda c: t(f"crs_{c}", lang), key=k("input_crs"))
    clicked = st.button(t("analyse", lang), type="primary", key="analyse", width="stretch")
    input_crs = tuple(stated) + (() if crs == "auto" else (crs,))
    return {"files": files, "rules": rules, "input_crs": input_crs, "analyse": clicked}


def as_upload(f) -> uploads.Upload | None:
    return None if f is None else uploads.Upload(f.name, f.getvalue())


# --- loading --------------------------------------------------------------------------------


def load(config: dict) -> tuple[planner.Analysis, float, str] | None:
    """The base analysis for the chosen study, or None after showing why there is none."""
    lang = config["lang"]
    if config["source"] == "sample":
        with st.spinner(t("loading", lang)):
            result, seconds = guarded(lambda: sample_analysis(DEFAULT_STUDY, config["mode"], config["cell"]), lang)
        return (
            None if result is None else (result, seconds, f"sample:{DEFAULT_STUDY}:{config['mode']}:{config['cell']}")
        )
    files = {k: as_upload(v) for k, v in config["files"].items()}
    rules = as_upload(config["rules"])
    if config["analyse"]:
        if not files["study"] and not (files["communities"] and files["facilities"]):
            st.warning(t("upload_needed", lang))
        else:
            key = uploads.uploads_key({**files, "rules": rules}, config["input_crs"])
            with st.spinner(t("loading", lang)):
                got = guarded(
                    lambda: upload_analysis(key, config["mode"], config["cell"], config["input_crs"], files, rules),
                    lang,
                )
            if got[0] is not None:
                st.session_state["upload_key"] = (key, config["input_crs"])
                st.session_state["upload_files"] = (files, rules)
                return got[0], got[1], f"upload:{key}:{config['mode']}:{config['cell']}"
            if st.session_state.get("upload_key"):
                st.info(t("error_using_previous", lang))
    if st.session_state.get("upload_key"):
        key, crs = st.session_state["upload_key"]
        files, rules = st.session_state["upload_files"]
        got = guarded(lambda: upload_analysis(key, config["mode"], config["cell"], crs, files, rules), lang)
        if got[0] is not None:
            return got[0], got[1], f"upload:{key}:{config['mode']}:{config['cell']}"
        return None
    st.info(t("upload_needed", lang))
    return None


def guarded(call, lang: str):
    """Run a library call; show a PlannerError's message (or a bug notice) instead of a traceback."""
    try:
        return call()
    except planner.PlannerError as exc:
        st.error(f"**{t('error_title', lang)}**\n\n{app_message(str(exc), lang)}")
    except Exception as exc:  # a bug in planner: say so, log it, keep the app alive
        log.exception("unexpected error")
        st.error(f"**{t('error_title', lang)}**\n\n{t('error_bug', lang, kind=type(exc).__name__)}\n\n{exc}")
    return None, None


@contextlib.contextmanager
def shown_safely(lang: str, title: str = "error_part"):
    """Show an error in one part of the page (the map, a tab) as a message, never a traceback."""
    try:
        yield
    except planner.PlannerError as exc:
        st.error(f"**{t(title, lang)}**\n\n{app_message(str(exc), lang)}")
    except Exception as exc:  # a bug in planner: say so, log it, keep the rest of the page
        log.exception("unexpected error")
        st.error(f"**{t(title, lang)}**\n\n{t('error_bug', lang, kind=type(exc).__name__)}\n\n{exc}")


# --- main page ------------------------------------------------------------------------------


def kpi_row(result: planner.Analysis, base: planner.Analysis | None, focus: str, lang: str) -> None:
    figures = dashboard.kpis(result, focus, lang, base=base)
    cols = st.columns(len(figures))
    for col, k in zip(cols, figures, strict=True):
        col.metric(k.label, k.value, k.delta, help=k.sentence or None, border=True)


def map_options(result: planner.Analysis, lang: str) -> dict:
    book = result.study.rulebook
    types = list(book.types)
    c1, c2, c3, c4 = st.columns([1.3, 1.5, 1.6, 1])
    focus = c1.selectbox(t("focus_type", lang), types, format_func=lambda k: book.types[k].name(lang), key=k("focus"))
    fname = in_sentence(book.types[focus].name(lang), lang)
    view_labels = {"compliance": t("view_compliance", lang), "coverage": t("view_coverage", lang, type=fname)}
    view = c2.radio(t("view", lang), maps.VIEWS, format_func=view_labels.get, key=k("view"))
    rule = None
    if view == "compliance":
        rules = ["", *book.rules]
        rule = c3.selectbox(
            t("colour_rule", lang),
            rules,
            format_func=lambda r: book.rules[r].name(lang) if r else t("all_rules", lang),
            key=k("colour_rule"),
        )
    areas = c3.checkbox(t("layer_service_areas", lang, type=fname), value=True, key="show_areas")
    also = c2.multiselect(
        t("also_shown", lang),
        types,  # all of them: the options must not change with the focus type (it is always shown)
        format_func=lambda k: book.types[k].name(lang),
        key=k("shown_types"),
        placeholder=t("also_shown_none", lang),
    )
    default_basemap = "none"
    basemap = c4.selectbox(
        t("basemap", lang),
        BASEMAP_KEYS,
        index=BASEMAP_KEYS.index(default_basemap),
        format_func=lambda b: t(f"basemap_{b}", lang),
        key=k("basemap"),
    )
    shown = frozenset(key for key in also if key != focus)
    return {"focus": focus, "view": view, "rule": rule or None, "areas": areas, "basemap": basemap, "shown": shown}


def focus_service_areas(base: planner.Analysis, result: planner.Analysis, focus: str):
    """The service areas of the focus type: the study's, updated for the scenario's edits."""
    study_key, scenario_json = st.session_state["_result_key"]
    areas = service_areas(digest(study_key), focus, base)
    if result is base or not scenario_json:
        return areas
    return scenario_service_areas(digest(f"{study_key}\n{scenario_json}"), focus, areas, base, result)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def draw_map(result: planner.Analysis, scenario: sc.Scenario, opts: dict, lang: str, community: str | None) -> None:
    """The map: a base that stays drawn (Leaflet, streets) and the layers, updated in place."""
    local = leaflet_assets()
    if local is None:
        st.warning(t("assets_missing", lang))
    base = st.session_state["_base"]
    areas = focus_service_areas(base, result, opts["focus"]) if opts["areas"] else None
    point = None
    if st.session_state.get("pt_lon") is not None and st.session_state.get("pt_lat") is not None:
        point = (float(st.session_state["pt_lon"]), float(st.session_state["pt_lat"]))
    options = maps.MapOptions(
        lang=lang,
        focus_type=opts["focus"],
        view=opts["view"],
        community_rule=opts["rule"],
        basemap=opts["basemap"],
        selected_community=community,
        selected_facility=st.session_state.get("selected_facility"),
        pending_point=point,
        changed=sc.changed_facility_ids(scenario),
        assets=local or assets.CDN_ASSETS,
        shown_types=opts["shown"],
        facility_control=False,  # the app chooses the types shown, so it knows what a click picks
    )
    st.session_state["_shown_types"] = options.facility_types_shown(result.study.rulebook.types)
    removed = sc.removed_facilities(base.study, scenario) if scenario.edits else None
    st.session_state["_map_args"] = (result, options, areas, removed)  # for the map download
    # the base map's script is the same on every run, so streamlit-folium keeps the drawn map
    # (and its zoom) and only hands it the new layers
    st_folium(
        maps.base_map(base, assets=options.assets),
        key="map",
        height=680,
        use_container_width=True,
        returned_objects=["last_clicked"],
        feature_group_to_add=maps.map_layers(result, options, service_areas=areas, removed=removed),
        on_change=on_map_event,
    )
    st.caption(t("map_hint", lang))


def whatif_panel(base: planner.Analysis, result: planner.Analysis, scenario: sc.Scenario, lang: str) -> None:
    book = base.study.rulebook
    st.markdown(f"**{t('tab_whatif', lang)}**")
    c1, c2 = st.columns(2)
    lon = c1.number_input(t("lon", lang), format="%.6f", key="pt_lon", step=0.0005, **initial("pt_lon", None))
    lat = c2.number_input(t("lat", lang), format="%.6f", key="pt_lat", step=0.0005, **initial("pt_lat", None))
    if lon is None or lat is None:
        st.caption(t("click_first", lang))
    with st.container(border=True):
        st.markdown(f"**{t('add_title', lang)}**")
        ftype = st.selectbox(
            t("focus_type", lang),
            list(book.types),
            format_func=lambda k: book.types[k].name(lang),
            key=k("new_type"),
        )
        minimum = book.types[ftype].min_floor_area_m2
        st.number_input(
            f"{t('floor_area', lang)} (m²)",
            min_value=0.0,
            value=float(minimum.value) if minimum else 500.0,
            step=50.0,
            key=f"new_area_{ftype}",
        )
        st.text_input(t("new_name", lang), value="", key="new_name")
        st.button(
            t("add", lang),
            key="add",
            type="primary",
            disabled=lon is None or lat is None,
            on_click=push_edit,
            args=("add",),
        )
    with st.container(border=True):
        st.markdown(f"**{t('edit_title', lang)}**")
        labels = dashboard.facility_labels(result, lang)
        here = [fid for fid in st.session_state.get("_pick_candidates") or () if fid in labels]
        if here:
            st.selectbox(
                t("several_here", lang, n=len(here)),
                here,
                index=None,
                format_func=labels.get,
                key="pick_here",
                placeholder=t("choose_one", lang),
                on_change=on_pick_here,
            )
        if k("edit_facility") in st.session_state and st.session_state[k("edit_facility")] not in labels:
            st.session_state[k("edit_facility")] = None
        fid = st.selectbox(
            t("choose_facility", lang),
            list(labels),
            format_func=labels.get,
            key=k("edit_facility"),
            placeholder=t("choose_facility", lang) + "…",
            **initial(k("edit_facility"), None, name="index"),
        )
        if fid is not None:
            st.session_state["selected_facility"] = fid
            row = result.facilities.loc[result.facilities["facility_id"].astype(str) == fid].iloc[0]
            current = float(row["floor_area_m2"]) if row["floor_area_m2"] == row["floor_area_m2"] else 0.0
            st.number_input(
                f"{t('floor_area', lang)} (m²)", min_value=0.0, value=current, step=50.0, key=f"resize_{fid}"
            )
            b1, b2, b3 = st.columns(3)
            no_point = lon is None or lat is None
            b1.button(t("move_here", lang), key="move", disabled=no_point, on_click=push_edit, args=("move", fid))
            b2.button(t("resize", lang), key="resize", on_click=push_edit, args=("resize", fid))
            b3.button(t("remove", lang), key="remove", on_click=push_edit, args=("remove", fid))
    if st.session_state.get("_edit_error"):
        st.error(st.session_state.pop("_edit_error"))
    outside_warning(base, scenario, lang)
    edits_summary(base, result, scenario, lang)


def push_edit(op: str, fid: str | None = None) -> None:
    """A what-if button's callback: check the edit and keep it, before the page is drawn again.

    Run as a callback, the edit is in the scenario when the script runs, so the page is
    drawn once, with the new figures and map (not once more after an ``st.rerun``). The
    values come from the widgets' current state: the position from the longitude and
    latitude boxes, the new facility's type, floor area and name from the add form, a new
    floor area from the chosen facility's box.
    """
    state = st.session_state
    scenario = state["scenario"]
    fields: dict = {}
    if op in ("add", "move"):
        fields.update(lon=state.get("pt_lon"), lat=state.get("pt_lat"))
    if op == "add":
        lang = state.get("lang", DEFAULT_LANG)
        book = state["_base"].study.rulebook
        ftype = state[k("new_type")]
        default = t("new_name_default", lang, type=in_sentence(book.types[ftype].name(lang), lang))
        fid = scenario.new_id(state["_base"].study.facilities["facility_id"])
        name = (state.get("new_name") or "").strip() or default
        fields.update(type=ftype, name=name, floor_area_m2=state.get(f"new_area_{ftype}"))
    if op == "resize":
        fields["floor_area_m2"] = state.get(f"resize_{fid}")
    try:
        edit = sc.Edit(op, str(fid), **fields)
    except planner.PlannerError as exc:
        state["_edit_error"] = app_message(str(exc), state.get("lang", DEFAULT_LANG))
        return
    keep_edit(edit)


def keep_edit(edit: sc.Edit, *, confirmed: bool = False) -> None:
    """Check an edit and add it to the scenario; one outside the district waits for a confirmation."""
    state = st.session_state
    lang = state.get("lang", DEFAULT_LANG)
    study = state["_base"].study
    state["_confirm_edit"] = None
    try:
        scenario = state["scenario"].with_edit(edit)
        sc.apply_edits(study, scenario)  # checks the edit before keeping it
    except planner.PlannerError as exc:
        state["_edit_error"] = app_message(str(exc), lang)
        return
    if not confirmed and sc.outside_district(study, sc.Scenario(edits=(edit,))):
        state["_confirm_edit"] = edit
        return
    state["scenario"] = scenario
    state["pt_lon"] = state["pt_lat"] = None  # the point was used
    if edit.op == "remove":
        state["selected_facility"] = None
        state.pop(k("edit_facility"), None)


def confirm_edit() -> None:
    """Keep the edit outside the district the person was warned about."""
    edit = st.session_state.get("_confirm_edit")
    if edit is not None:
        keep_edit(edit, confirmed=True)


def cancel_edit() -> None:
    st.session_state["_confirm_edit"] = None


def outside_warning(base: planner.Analysis, scenario: sc.Scenario, lang: str) -> None:
    """The warning for an edit outside the district, with buttons to keep or drop it."""
    edit = st.session_state.get("_confirm_edit")
    if edit is None:
        return
    pending = scenario.with_edit(edit)
    label = whatif.edit_label(base.study, pending, len(pending.edits) - 1, lang)
    st.warning(t("outside_district", lang, edit=label, lon=edit.lon, lat=edit.lat), icon="⚠️")
    c1, c2 = st.columns(2)
    c1.button(t("keep_anyway", lang), key="confirm_outside", on_click=confirm_edit)
    c2.button(t("cancel", lang), key="cancel_outside", on_click=cancel_edit)


def undo_edit() -> None:
    st.session_state["scenario"] = st.session_state["scenario"].without_last()


def reset_scenario() -> None:
    st.session_state["scenario"] = sc.Scenario()


def edits_summary(base: planner.Analysis, result: planner.Analysis, scenario: sc.Scenario, lang: str) -> None:
    st.markdown(f"**{t('edits', lang)}**")
    if not scenario.edits:
        st.caption(t("no_edits", lang))
        return
    lines = []
    for i, e in enumerate(scenario.edits):
        extra = f" · {e.floor_area_m2:,.0f} m²" if e.floor_area_m2 is not None else ""
        lines.append(f"1. {whatif.edit_label(base.study, scenario, i, lang)}{extra}")
    st.markdown("\n".join(lines))
    c1, c2 = st.columns(2)
    c1.button(t("undo", lang), key="undo", on_click=undo_edit)
    c2.button(t("reset", lang), key="reset", on_click=reset_scenario)
    st.markdown(f"**{t('change_title', lang)}**")
    lines = sc.describe_change(base, result, lang=lang)
    if lines:
        st.success("\n".join(f"- {line}" for line in lines))
    else:
        st.info(t("no_change", lang))
    if st.session_state.get("update_ms") is not None:
        st.caption(t("update_time", lang, ms=st.session_state["update_ms"]))


def communities_tab(result: planner.Analysis, focus: str, lang: str) -> None:
    table = dashboard.community_table(result, focus, lang)
    st.caption(t("table_hint", lang))
    event = st.dataframe(table, key="community_table", on_select="rerun", selection_mode="single-row", width="stretch")
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        picked = str(table.index[rows[0]])
        if st.session_state.get("_table_pick") != picked:
            st.session_state["_table_pick"] = picked
            st.session_state[k("community")] = picked
            st.rerun()


def community_detail(result: planner.Analysis, community: str | None, lang: str) -> None:
    if not community:
        return
    row = result.communities.loc[result.communities["community_id"].astype(str) == community]
    if row.empty:
        return
    st.markdown(f"**{t('community_rules', lang, name=row['name'].iloc[0])}**")
    st.dataframe(dashboard.community_checks(result, community, lang), hide_index=True, width="stretch")


def coverage_tab(result: planner.Analysis, lang: str) -> None:
    st.vega_lite_chart(spec=dashboard.coverage_chart(result, lang), width="stretch")
    st.markdown(f"**{t('rules_title', lang)}**")
    st.dataframe(dashboard.rules_table(result, lang), hide_index=True, width="stretch")
    for line in dashboard.rule_sentences(result, lang):
        st.caption(line)


def compare_tab(base: planner.Analysis, scenario: sc.Scenario, result: planner.Analysis, lang: str) -> None:
    st.caption(t("compare_intro", lang))
    choices = ("existing", "current", "file")
    labels = {"existing": t("existing", lang), "current": t("current", lang, n=len(scenario.edits))}
    labels["file"] = t("from_file", lang)
    picked = {}
    cols = st.columns(2)
    for col, side, default in ((cols[0], "a", 0), (cols[1], "b", 1)):
        with col:
            which = st.selectbox(
                t(f"scenario_{side}", lang), choices, index=default, format_func=labels.get, key=k(f"cmp_{side}")
            )
            if which == "existing":
                picked[side] = (labels["existing"], base)
            elif which == "current":
                picked[side] = (labels["current"], result)
            else:
                f = st.file_uploader(t("load_scenario", lang), type=["json"], key=f"cmp_file_{side}")
                if f is None:
                    return
                try:
                    other = sc.Scenario.from_json(f.getvalue())
                    picked[side] = (other.name or f.name, sc.evaluate(base, other))
                except planner.PlannerError as exc:
                    st.error(app_message(str(exc), lang))
                    return
    (name_a, a), (name_b, b) = picked["a"], picked["b"]
    cov_show, rules_show = dashboard.compare_tables(a, b, name_a, name_b, lang)
    for (name, res), col in ((picked["a"], cols[0]), (picked["b"], cols[1])):
        with col:
            st.markdown(f"**{name}**")
            for fig in dashboard.kpis(
                res, st.session_state.get(k("focus")) or next(iter(res.study.rulebook.types)), lang
            )[1:3]:
                st.metric(fig.label, fig.value, border=True)
    st.dataframe(cov_show, hide_index=True, width="stretch")
    st.dataframe(rules_show, hide_index=True, width="stretch", key="compare_rules")
    for line in sc.describe_change(a, b, lang=lang):
        st.caption(f"A → B: {line}")


def downloads_tab(result: planner.Analysis, scenario: sc.Scenario, lang: str) -> None:
    st.caption(t("dl_intro", lang))
    stem = result.study.name + (f"-{scenario.name or 'scenario'}" if scenario.edits else "")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        t("dl_gpkg", lang), lambda: dashboard.layers_gpkg(result), f"{stem}.gpkg", "application/geopackage+sqlite3"
    )
    c1.download_button(
        t("dl_csv", lang), lambda: dashboard.communities_csv(result), f"{stem}-communities.csv", "text/csv"
    )
    c2.download_button(t("dl_checks", lang), lambda: dashboard.checks_csv(result), f"{stem}-checks.csv", "text/csv")
    c2.download_button(
        t("dl_xlsx", lang),
        lambda: dashboard.tables_xlsx(result, lang),
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    if assets.is_installed() and st.session_state.get("_map_args") is not None:
        shown, options, areas, removed = st.session_state["_map_args"]

        def map_html() -> str:
            m = maps.build_map(shown, options, service_areas=areas, removed=removed)
            return assets.standalone_html(m, **planner.app.maps_style.export_heading(shown, options))

        c3.download_button(t("dl_map", lang), map_html, f"{stem}-map.html", "text/html")
    report_download(result, scenario, stem, lang)
    name = c3.text_input(t("scenario_name", lang), key="scenario_name", **initial("scenario_name", scenario.name))
    named = sc.Scenario(name=name, edits=scenario.edits, study=result.study.name)
    c3.download_button(t("save_scenario", lang), named.to_json(), f"{name or 'scenario'}.json", "application/json")
    loaded = st.file_uploader(t("load_scenario", lang), type=["json"], key="load_scenario")
    if loaded is not None and st.session_state.get("_loaded_id") != loaded.file_id:
        try:
            other = sc.Scenario.from_json(loaded.getvalue())
            sc.apply_edits(st.session_state["_base"].study, other)
        except planner.PlannerError as exc:
            st.error(app_message(str(exc), lang))
        else:
            st.session_state["_loaded_id"] = loaded.file_id
            st.session_state["scenario"] = other
            st.session_state["scenario_name"] = other.name
            notes = []  # shown after the rerun below
            if other.study and other.study != result.study.name:
                notes.append(t("other_study", lang, other=other.study, this=result.study.name))
            study = st.session_state["_base"].study
            outside = [i for i, e in enumerate(other.edits) if e in sc.outside_district(study, other)]
            if outside:
                edits = "; ".join(whatif.edit_label(study, other, i, lang) for i in outside)
                notes.append(t("outside_in_file", lang, edits=edits))
            st.session_state["_loaded_notes"] = notes
            st.success(t("loaded_scenario", lang, name=other.name, n=len(other.edits)))
            st.rerun()
    for note in st.session_state.pop("_loaded_notes", None) or ():
        st.warning(note)


def report_download(result: planner.Analysis, scenario: sc.Scenario, stem: str, lang: str) -> None:
    """The officials' report of the scenario shown, built on click (planner.report)."""
    st.markdown(f"**{t('report_heading', lang)}**")
    r1, r2, r3 = st.columns([1, 1, 2])
    fmt = r1.selectbox(t("report_format", lang), report.FORMATS, key="report_format", format_func=str.upper)
    report_lang = r2.selectbox(
        t("report_lang", lang), LANGS, index=LANGS.index(lang), key="report_lang", format_func=LANG_NAMES.get
    )
    r3.download_button(
        t("dl_report", lang, fmt=fmt.upper()),
        lambda: report.report_bytes(result, fmt, report_lang, scenario=scenario if scenario.edits else None),
        f"{stem}-report-{report_lang}.{fmt}",
        report.MEDIA_TYPES[fmt],
        key="dl_report",
    )
    st.caption(t("report_hint", lang))


def quality_tab(result: planner.Analysis, lang: str) -> None:
    st.caption(t("quality_intro", lang))
    v = result.validation
    if v.empty:
        st.success(t("quality_none", lang))
        return
    st.dataframe(dashboard.quality_table(result, lang), hide_index=True, width="stretch", key="quality_table")


def evaluate_scenario(base: planner.Analysis, scenario: sc.Scenario, key: str) -> planner.Analysis:
    """The scenario's result, recomputed only when the scenario or the study changed."""
    cache_key = (key, scenario.to_json() if scenario.edits else "")
    if st.session_state.get("_result_key") == cache_key and st.session_state.get("_result") is not None:
        return st.session_state["_result"]
    start = time.perf_counter()
    result = sc.evaluate(base, scenario)
    if scenario.edits:
        st.session_state["update_ms"] = (time.perf_counter() - start) * 1000
    st.session_state["_result_key"] = cache_key
    st.session_state["_result"] = result
    return result


def main() -> None:
    init_state()
    config = sidebar()
    lang = config["lang"]
    st.html(PAGE_CSS)
    st.markdown(f"### {t('title', lang)}")
    st.caption(t("subtitle", lang))
    loaded = load(config)
    if loaded is None:
        return
    base, seconds, key = loaded
    if st.session_state.get("_study_key") != key.rsplit(":", 2)[0]:
        # another study: its scenario, selection and clicks do not carry over
        st.session_state["_study_key"] = key.rsplit(":", 2)[0]
        st.session_state["scenario"] = sc.Scenario()
        forget = ("selected_facility", k("edit_facility"), k("community"), "_result", "_result_key")
        for name in (*forget, "_pick_candidates", "_confirm_edit"):
            st.session_state.pop(name, None)
    st.session_state["_base"] = base
    scenario = st.session_state["scenario"]
    try:
        result = evaluate_scenario(base, scenario, key)
    except planner.PlannerError as exc:
        st.error(app_message(str(exc), lang))
        st.session_state["scenario"] = scenario = sc.Scenario()
        result = base
    summary = result.summary
    st.caption(
        t(
            "study_caption",
            lang,
            study=result.study.name,
            communities=summary["district"]["communities"],
            residents=summary["district"]["residents"],
            mode=mode_name(result.options.mode, lang),
            cell=f"{result.options.cell_size_m:g}",
            crs=result.study.crs.name,
        )
        + " · "
        + t("load_time", lang, seconds=seconds)
    )
    if config["source"] == "sample" and DEFAULT_STUDY is None:
        st.info(t("synthetic_notice", lang), icon="ℹ️")
    kpi_slot = st.container()
    opts = map_options(base, lang)
    with kpi_slot:
        kpi_row(result, base if scenario.edits else None, opts["focus"], lang)
    comm_ids = list(result.communities["community_id"].astype(str))
    names = dict(zip(comm_ids, result.communities["name"].astype(str), strict=True))
    left, right = st.columns([3, 1])
    with right:
        community = st.selectbox(
            t("choose_community", lang),
            [None, *comm_ids],
            format_func=lambda c: t("none_selected", lang) if c is None else f"{names[c]} ({c})",
            key=k("community"),
            placeholder=t("none_selected", lang),
        )
        with shown_safely(lang):
            whatif_panel(base, result, scenario, lang)
    with left, shown_safely(lang, "map_failed"):
        draw_map(result, scenario, opts, lang, community)
        community_detail(result, community, lang)
    tabs = st.tabs(
        [t(k, lang) for k in ("tab_communities", "tab_coverage", "tab_compare", "tab_downloads", "tab_quality")]
    )
    with tabs[0], shown_safely(lang):
        communities_tab(result, opts["focus"], lang)
    with tabs[1], shown_safely(lang):
        coverage_tab(result, lang)
    with tabs[2], shown_safely(lang):
        compare_tab(base, scenario, result, lang)
    with tabs[3], shown_safely(lang):
        downloads_tab(result, scenario, lang)
    with tabs[4], shown_safely(lang):
        quality_tab(result, lang)


if __name__ == "__main__":
    main()

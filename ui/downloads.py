"""The downloads tab: the result files, the map, the officials' report, and the scenario saved or loaded."""

from __future__ import annotations

import streamlit as st

import planner
from planner import report
from planner.app import assets, downloads, maps, maps_style, whatif
from planner.i18n import LANG_NAMES, LANGS, app_message, t
from planner.plan import scenario as sc
from ui.panel import View
from ui.state import Key, state

TITLE = "tab_downloads"
GPKG = "application/geopackage+sqlite3"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render(view: View) -> None:
    """The download buttons, the report, and saving or loading the scenario."""
    result, scenario, lang = view.result, view.scenario, view.lang
    st.caption(t("dl_intro", lang))
    stem = downloads.file_stem(result, scenario)
    c1, c2, c3 = st.columns(3)
    c1.download_button(t("dl_gpkg", lang), lambda: downloads.layers_gpkg(result), f"{stem}.gpkg", GPKG)
    c1.download_button(
        t("dl_csv", lang), lambda: downloads.communities_csv(result), f"{stem}-communities.csv", "text/csv"
    )
    c2.download_button(t("dl_checks", lang), lambda: downloads.checks_csv(result), f"{stem}-checks.csv", "text/csv")
    c2.download_button(t("dl_xlsx", lang), lambda: downloads.tables_xlsx(result, lang), f"{stem}.xlsx", XLSX)
    if assets.is_installed() and state.map_args is not None:
        shown, options, areas, removed = state.map_args

        def map_html() -> str:
            m = maps.build_map(shown, options, service_areas=areas, removed=removed)
            return assets.standalone_html(m, **maps_style.export_heading(shown, options))

        c3.download_button(t("dl_map", lang), map_html, f"{stem}-map.html", "text/html")
    report_download(result, scenario, stem, lang)
    name = c3.text_input(
        t("scenario_name", lang), key=Key.SCENARIO_NAME, **state.initial(Key.SCENARIO_NAME, scenario.name)
    )
    named = sc.Scenario(name=name, edits=scenario.edits, study=result.study.name)
    c3.download_button(t("save_scenario", lang), named.to_json(), f"{name or 'scenario'}.json", "application/json")
    load_scenario(view)


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


def load_scenario(view: View) -> None:
    """A scenario saved earlier becomes the current one, with notes on what does not fit this study."""
    lang = view.lang
    loaded = st.file_uploader(t("load_scenario", lang), type=["json"], key=Key.LOAD_SCENARIO)
    if loaded is not None and state.loaded_id != loaded.file_id:
        study = view.base.study
        try:
            other = sc.Scenario.from_json(loaded.getvalue())
            sc.apply_edits(study, other)
        except planner.PlannerError as exc:
            st.error(app_message(str(exc), lang))
        else:
            state.loaded_id = loaded.file_id
            state.scenario = other
            state.set_widget(Key.SCENARIO_NAME, other.name)
            state.loaded_notes = whatif.loaded_notes(study, other, lang)  # shown after the rerun below
            st.success(t("loaded_scenario", lang, name=other.name, n=len(other.edits)))
            st.rerun()
    for note in state.loaded_notes or ():
        st.warning(note)
    del state.loaded_notes

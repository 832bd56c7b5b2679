"""The "workstations and grids" tab: stations and governance grids, their numbers and downloads.

The work (``planner.app.regions_view``) runs only once the person asks for it (a toggle) and is
cached per study, scenario and parameters; a bad parameter shows the library's message.
"""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

import planner
from planner.app import assets
from planner.app import regions_view as rv
from planner.i18n import app_message, t
from planner.plan.regions import BALANCES
from ui.loading import leaflet_assets
from ui.panel import View
from ui.state import k, state

TITLE = "tab_regions"
GPKG = "application/geopackage+sqlite3"


@st.cache_resource(max_entries=16, show_spinner=False)
def regions(key: str, params: tuple, _result: planner.Analysis) -> rv.Regions:
    """Stations and grids of one study and scenario (``key``) for one set of parameters."""
    return rv.compute(_result, rv.Params(*params))


def _params(view: View) -> rv.Params:
    """The parameters form; the rulebook's defaults until the person changes them."""
    lang, book = view.lang, view.result.study.rulebook
    org = book.organisation
    sizes = book.rules.get("grid_households")
    lo_hh = int(sizes.numbers["min_households"].value) if sizes else 300
    hi_hh = int(sizes.numbers["max_households"].value) if sizes else 500
    with st.form("regions_form", border=True):
        c1, c2, c3, c4, c5 = st.columns([1, 1, 1.3, 1, 1])
        lo = c1.number_input(
            t("rg_min_comm", lang), 1, 50, int(org["workstation_min_communities"].value), key="rg_min_comm"
        )
        hi = c2.number_input(
            t("rg_max_comm", lang), 1, 50, int(org["workstation_max_communities"].value), key="rg_max_comm"
        )
        balance = c3.selectbox(
            t("rg_balance", lang), BALANCES, format_func=lambda b: t(f"rg_balance_{b}", lang), key=k("rg_balance")
        )
        hh_lo = c4.number_input(t("rg_min_hh", lang), 1, 100_000, lo_hh, step=50, key="rg_min_hh")
        hh_hi = c5.number_input(t("rg_max_hh", lang), 1, 100_000, hi_hh, step=50, key="rg_max_hh")
        st.form_submit_button(t("rg_apply", lang))
    return rv.Params(int(lo), int(hi), str(balance), float(hh_lo), float(hh_hi))


def render(view: View) -> None:
    """The form, then (when asked) the map, the two tables and the downloads."""
    lang, result = view.lang, view.result
    st.caption(t("rg_intro", lang))
    params = _params(view)
    if not st.toggle(t("rg_show", lang), key="rg_show"):
        return
    key = state.result_key.digest() if state.result_key is not None else result.study.name
    try:
        with st.spinner(t("rg_computing", lang)):
            got = regions(key, params.key(), result)
    except planner.PlannerError as exc:
        st.error(app_message(str(exc), lang))
        return
    ws, grids = got.workstations, got.grids
    s = ws.summary
    short = int((grids.communities["staff_gap"] < 0).sum())
    st.markdown(
        t(
            "rg_summary",
            lang,
            stations=s["stations"],
            islands=s["islands"],
            balance=t(f"rg_balance_{s['balance']}", lang),
            cv=s["cv"],
            grids=grids.summary["grids"],
            workers=grids.summary["grid_workers_needed"],
            short=short,
        )
    )
    local = leaflet_assets()
    st_folium(
        rv.regions_map(result, got, lang, assets=local or assets.CDN_ASSETS),
        key=f"regions_map_{lang}",
        height=560,
        use_container_width=True,
        returned_objects=[],
    )
    # one table under the other, each the page's width: side by side they cut their last columns
    st.markdown(f"**{t('rg_stations_heading', lang)}**")
    st.dataframe(rv.station_table(got, lang), hide_index=True, width="stretch", key="rg_stations")
    st.markdown(f"**{t('rg_communities_heading', lang)}**")
    st.dataframe(rv.community_table(result, got, lang), hide_index=True, width="stretch", key="rg_communities")
    d1, d2, d3, d4 = st.columns(4)
    d1.download_button(t("rg_dl_gpkg", lang), lambda: rv.regions_gpkg(got), "workstations-grids.gpkg", GPKG)
    d2.download_button(t("rg_dl_stations", lang), lambda: rv.stations_csv(got), "workstations.csv", "text/csv")
    d3.download_button(t("rg_dl_grids", lang), lambda: rv.grids_csv(got), "grids.csv", "text/csv")
    d4.download_button(t("rg_dl_staff", lang), lambda: rv.grid_staff_csv(got), "grid_staff.csv", "text/csv")

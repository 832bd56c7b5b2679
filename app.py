"""planner's map for urban planners: ``streamlit run app.py``.

A thin shell: it reads the widgets, calls the planner library and renders what it returns.
All analysis, map building, scenario and table logic lives in ``planner/`` (testable
without Streamlit); the panels of the page are the modules of ``ui/`` (Streamlit's script
runner puts this file's folder on ``sys.path``, so ``ui`` is imported from beside it). Heavy
steps are cached per study (``ui.loading``) and treated as read-only; each browser session
keeps its own scenario in the session state (``ui.state``, the one accessor of it). What-if
edits are button callbacks, so an edit costs one script run; the map's base (Leaflet,
streets) stays drawn in the browser and only the layers that changed are rebuilt there
(``planner.app.maps``), keeping the zoom.

The tabs are :data:`TABS`: modules with a ``TITLE`` and ``render(view)`` (``ui.panel``); a
new panel is one new module added there.
"""

from __future__ import annotations

import streamlit as st

import planner
from planner.i18n import app_message, mode_name, t
from planner.plan import scenario as sc
from ui import access, communities, compare, coverage, downloads, quality, regions, siting
from ui.guard import shown_safely
from ui.loading import evaluate_scenario, load
from ui.mapview import draw_map, kpi_row, map_options
from ui.panel import Panel, View
from ui.sidebar import sidebar
from ui.state import default_study, state
from ui.whatif import whatif_panel

st.set_page_config(page_title="planner", page_icon="🗺️", layout="wide")

PAGE_CSS = """<style>
.block-container { padding-top: 3.2rem; padding-bottom: 2rem; }
[data-testid="stMetricValue"] { font-size: clamp(1.0rem, 1.35vw, 1.5rem); }
[data-testid="stMetricValue"] * { overflow: visible !important; text-overflow: clip !important; }
[data-testid="stMetricLabel"] { min-height: 2.3em; height: auto; align-items: flex-start; }
[data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important;
  text-overflow: clip !important; font-size: 0.78rem; line-height: 1.15; word-break: keep-all;
  overflow-wrap: normal; hyphens: manual; }
[data-testid="stMetric"] { padding: 0.4rem 0.5rem; }
[data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) { gap: 0.45rem; }
button p { white-space: normal; }
</style>"""

#: the tabs under the map, in order
TABS: tuple[Panel, ...] = (communities, coverage, access, siting, regions, compare, downloads, quality)  # type: ignore[assignment]


def study_caption(result: planner.Analysis, seconds: float, lang: str) -> str:
    """The line under the title: the study, its size, the settings and how long the analysis took."""
    district = result.summary["district"]
    about = t(
        "study_caption",
        lang,
        study=result.study.name,
        communities=district["communities"],
        residents=district["residents"],
        mode=mode_name(result.options.mode, lang),
        cell=f"{result.options.cell_size_m:g}",
        crs=result.study.crs.name,
    )
    return about + " · " + t("load_time", lang, seconds=seconds)


def main() -> None:
    state.start()
    choice = sidebar()
    lang = choice.lang
    st.html(PAGE_CSS)
    st.markdown(f"### {t('title', lang)}")
    st.caption(t("subtitle", lang))
    loaded = load(choice)
    if loaded is None:
        return
    base, seconds, key = loaded
    state.open_study(key)
    state.base = base
    scenario = state.scenario or sc.Scenario()
    try:
        result = evaluate_scenario(base, scenario, key)
    except planner.PlannerError as exc:
        st.error(app_message(str(exc), lang))
        state.scenario = scenario = sc.Scenario()
        result = base
    st.caption(study_caption(result, seconds, lang))
    if choice.source == "sample" and default_study() is None:
        st.info(t("synthetic_notice", lang), icon="ℹ️")
    kpi_slot = st.container()
    opts = map_options(base, lang)
    with kpi_slot:
        kpi_row(result, base if scenario.edits else None, opts.focus, lang)
    view = View(base, result, scenario, opts.focus, lang)
    left, right = st.columns([3, 1])
    with right:
        community = communities.picker(result, lang)
        with shown_safely(lang):
            whatif_panel(view)
    with left, shown_safely(lang, "map_failed"):
        draw_map(view, opts, community)
        communities.detail(result, community, lang)
    for tab, panel in zip(st.tabs([t(p.TITLE, lang) for p in TABS]), TABS, strict=True):
        with tab, shown_safely(lang):
            panel.render(view)


if __name__ == "__main__":
    main()

"""The sidebar: language, the study (the sample, the study opened, or an upload) and the analysis settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from planner.app import uploads
from planner.i18n import LANG_NAMES, LANGS, mode_name, t
from ui import db
from ui.state import Key, default_study, k

CELL_SIZES = (50, 100, 200, 250)
CRS_CHOICES = ("auto", "wgs84", "cgcs2000", "gcj02", "bd09")


@dataclass(frozen=True)
class Choice:
    """What the sidebar holds on this run.

    ``files`` and ``rules`` are Streamlit's uploaded files (None where nothing was uploaded),
    ``input_crs`` the coordinate systems stated (``"facilities=gcj02"`` per layer, a bare one
    for every file without a CRS), ``analyse`` whether the upload's button was pressed.
    """

    lang: str
    source: str
    mode: str
    cell: int
    files: dict[str, Any] = field(default_factory=dict)
    rules: Any = None
    input_crs: tuple[str, ...] = ()
    analyse: bool = False
    db: Any = None  # the PostGIS form's fields when its button was pressed (ui/db.py)


def sidebar() -> Choice:
    """Draw the sidebar and return what it holds."""
    with st.sidebar:
        lang = st.segmented_control(
            "🌐", LANGS, format_func=LANG_NAMES.get, key=Key.LANG, required=True, label_visibility="collapsed"
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
        choice = Choice(lang, source, mode, int(cell))
        if source == "upload":
            choice = upload_widgets(choice)
    return choice


def source_label(source: str, lang: str) -> str:
    """The study choices: the study opened with the app (``planner app STUDY``) or the sample, or an upload."""
    study = default_study()
    if source == "sample" and study is not None:
        return t("source_file", lang, name=Path(study).name)
    return t(f"source_{source}", lang)


def upload_widgets(choice: Choice) -> Choice:
    """The upload panel: a GeoPackage or one file per layer, each layer's CRS, a rulebook."""
    lang = choice.lang
    st.caption(t("upload_formats", lang, mb=uploads.MAX_UPLOAD_MB))
    files = {"study": st.file_uploader(t("upload_gpkg", lang), type=["gpkg"], key="up_study")}
    st.caption(t("upload_or_layers", lang))
    stated: list[str] = []
    for kind in ("communities", "facilities", "streets", "cells"):
        files[kind] = st.file_uploader(t(f"upload_{kind}", lang), key=f"up_{kind}")
        if files[kind] is not None:  # an offset is a property of one layer: say it per uploaded file
            picked = st.selectbox(
                t("layer_crs", lang), CRS_CHOICES, format_func=lambda c: t(f"crs_file_{c}", lang), key=k(f"crs_{kind}")
            )
            stated += [] if picked == "auto" else [f"{kind}={picked}"]
    rules = st.file_uploader(t("rulebook", lang), type=["toml"], key="up_rules")
    crs = st.selectbox(t("input_crs", lang), CRS_CHOICES, format_func=lambda c: t(f"crs_{c}", lang), key=k("input_crs"))
    clicked = st.button(t("analyse", lang), type="primary", key="analyse", width="stretch")
    input_crs = tuple(stated) + (() if crs == "auto" else (crs,))
    db_fields = db.form(lang)
    return Choice(choice.lang, choice.source, choice.mode, choice.cell, files, rules, input_crs, clicked, db_fields)

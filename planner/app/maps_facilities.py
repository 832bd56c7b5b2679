"""A facility's marker and popup, and the selection, on the map (for :mod:`planner.app.maps`)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import geopandas as gpd
import pandas as pd

from planner.app.maps_js import LayerSpec, features, geojson_content, markers_content
from planner.app.maps_style import marker_size
from planner.i18n import t


def facility_marker(row, colour: str, symbol: str, minimum: float | None, changed: Mapping[str, str]) -> dict:
    """A facility's icon: sized by floor area, ringed red when too small, dashed when edited."""
    fid = str(row.facility_id)
    area = float(row.floor_area_m2) if pd.notna(row.floor_area_m2) else float("nan")
    size = marker_size(area, minimum)
    classes = ["planner-fac"]
    if pd.notna(row.meets_min_area) and not bool(row.meets_min_area):
        classes.append("short")
    if fid in changed:
        classes.append("changed")
    return {
        "lat": round(row.geometry.y, 6),
        "lng": round(row.geometry.x, 6),
        "size": size,
        "html": f'<div class="{" ".join(classes)}" style="width:{size}px;height:{size}px;'
        f'background:{colour};font-size:{max(9, size // 2)}px">{symbol}</div>',
        "tip": html.escape(f"{row.name} ({fid})"),
    }


def facility_popup(row, ftype, lang: str, changed: Mapping[str, str], served, comm_area: pd.Series, comm_name) -> str:
    """The popup of a facility: name, type, floor area and its check, community, residents served."""
    fid = str(row.facility_id)
    area = row.floor_area_m2
    minimum = ftype.min_floor_area_m2.value if ftype.min_floor_area_m2 else None
    area_txt = f"{area:,.0f} m²" if pd.notna(area) else t("unknown", lang)
    if minimum is None:
        check = t("no_min", lang)
    elif pd.isna(row.meets_min_area):
        check = f"{t('minimum', lang)} {minimum:,.0f} m²"
    else:
        ok = bool(row.meets_min_area)
        mark = '<span style="color:#1a7f37">✔</span>' if ok else '<span style="color:#c1121f">✘</span>'
        check = f"{mark} {t('meets_min' if ok else 'below_min', lang)} ({t('minimum', lang)} {minimum:,.0f} m²)"
    comm = row.community_id if pd.notna(row.community_id) else None
    comm_txt = f"{comm_name.get(comm, comm)} ({comm})" if comm else t("outside", lang)
    lines = [
        f"<b>{html.escape(str(row.name))}</b> <span style='color:#666'>{html.escape(fid)}</span>",
        f"{t('type', lang)}: {html.escape(ftype.name(lang))}",
        f"{t('floor_area', lang)}: {area_txt}",
        check,
        f"{t('community', lang)}: {html.escape(str(comm_txt))}",
    ]
    if served is not None and fid in served.index:
        lines.append(f"{t('served', lang, radius=ftype.radius_m.value)}: {int(served[fid]):,}")
    if comm and ftype.key == "community_service" and comm in comm_area.index:
        lines.append(f"{t('complex_total', lang)}: {comm_area[comm]:,.0f} m²")
    op = changed.get(fid)
    if op:
        key = {"add": "scenario_added", "move": "scenario_moved"}.get(op, "scenario_resized")
        lines.append(f"<i>{t(key, lang)}</i>")
    return "<div style='font-size:12.5px;line-height:1.45'>" + "<br>".join(lines) + "</div>"


def selection_layers(result, comm: gpd.GeoDataFrame, options, to_wgs84: Callable) -> list[LayerSpec]:
    """The chosen community's outline; the clicked point and the chosen facility's ring.

    ``result`` is an Analysis, ``options`` the MapOptions, ``to_wgs84`` how the map converts
    a layer to draw it (``comm`` is already converted).
    """
    layers = []
    sel = comm.loc[comm["community_id"] == options.selected_community] if options.selected_community else comm.iloc[:0]
    if len(sel):
        content = geojson_content(
            features(sel.geometry.values, {}),
            style={"fillOpacity": 0, "color": "#0b3d91", "weight": 4},
            interactive=False,
        )
        layers.append(LayerSpec("selection", t("layer_selection", options.lang), content))
    rings, markers = [], []
    if options.selected_facility:
        fac = result.facilities.loc[result.facilities["facility_id"].astype(str) == options.selected_facility]
        if len(fac):
            p = to_wgs84(fac).geometry.iloc[0]
            style = {"radius": 24, "color": "#111", "weight": 3, "fill": False, "dashArray": "4 3"}
            rings.append({"lat": round(p.y, 6), "lng": round(p.x, 6), "style": style})
    if options.pending_point:
        lon, lat = options.pending_point
        markers.append(
            {
                "lat": round(lat, 6),
                "lng": round(lon, 6),
                "size": 26,
                "html": '<div class="planner-pin">✚</div>',
                "tip": html.escape(t("pending_point", options.lang)),
                "popup": None,
            }
        )
    if rings or markers:
        layers.append(
            LayerSpec("pointer", t("layer_selection", options.lang), markers_content(markers, rings), control=False)
        )
    return layers

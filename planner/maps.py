"""Interactive folium maps of an analysis: communities, cells, facilities, service areas.

:func:`build_map` draws one result (the existing situation or a what-if scenario) with every
layer switchable and a legend in English or Chinese. Geometries are converted to EPSG:4326
only here, to draw. The map loads Leaflet alone (no plugins, no icon fonts), from the URLs
in :class:`planner.assets.MapAssets`, so it works offline when those are local.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element

from planner import naming
from planner.analysis import Analysis
from planner.assets import MapAssets, local_assets, use_assets
from planner.i18n import in_sentence, t
from planner.maps_js import GeoJsonLayer, Legend, MarkerLayer, TileErrorNotice, feature_collection
from planner.maps_style import (
    BASEMAPS,
    CELL_BINS,
    COMMUNITY_BINS,
    NA_COLOUR,
    PASS_COLOURS,
    cell_colour,
    community_colour,
    glyph,
    marker_size,
    type_colours,
)

VIEWS = ("compliance", "coverage")


@dataclass(frozen=True)
class MapOptions:
    """What to draw.

    Attributes
    ----------
    lang
        ``"en"`` or ``"zh"``.
    focus_type
        The facility type whose distances colour the cells and whose service areas are drawn.
    view
        ``"compliance"`` (communities coloured; the cells are left out, which halves the
        page on large districts) or ``"coverage"`` (cells coloured by distance,
        communities as outlines). Every drawn layer is switchable in the layer control.
    community_rule
        Colour communities by pass/fail of this rule; None: by the number of rules failed.
    basemap
        ``"none"``, ``"osm"`` or ``"light"``.
    selected_community
        A community id to outline and zoom to.
    show_all_facilities
        Show every facility type at first (default: only the focus type; the others are
        listed in the layer control).
    selected_facility
        A facility id to highlight.
    pending_point
        (lon, lat) of the point the user clicked, shown as the new facility's position.
    changed
        Facility id → edit operation, for facilities the scenario added or changed.
    assets
        Where the map loads Leaflet from (default: the app's static folder).
    """

    lang: str = "en"
    focus_type: str | None = None
    view: str = "compliance"
    community_rule: str | None = None
    basemap: str = "none"
    selected_community: str | None = None
    selected_facility: str | None = None
    pending_point: tuple[float, float] | None = None
    changed: Mapping[str, str] = field(default_factory=dict)
    assets: MapAssets | None = None
    show_streets: bool = True
    show_all_facilities: bool = False


def build_map(
    result: Analysis,
    options: MapOptions = MapOptions(),
    *,
    service_areas: gpd.GeoDataFrame | None = None,
    removed: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A folium map of ``result``; see :class:`MapOptions`.

    ``service_areas`` (from :func:`planner.catchments.service_areas`) are drawn for the focus
    type; ``removed`` facilities are drawn faded with a cross.
    """
    lang = options.lang
    book = result.study.rulebook
    focus = options.focus_type or next(iter(book.types))
    if focus not in book.types:
        raise KeyError(f"unknown facility type {focus!r}")
    comm = _to_wgs84(result.communities)
    bounds = comm.total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=14,
        tiles=None,
        control_scale=True,
        prefer_canvas=True,
        zoom_snap=0.25,
    )
    use_assets(m, options.assets or local_assets())
    m.get_root().header.add_child(Element(_CSS))
    _basemap(m, options.basemap, lang)
    colours = type_colours(book.types)
    _communities_layer(m, result, comm, options)
    if options.view == "coverage":
        _cells_layer(m, result, focus, options)
    if service_areas is not None and len(service_areas):
        _service_area_layer(m, service_areas, colours[focus], book.types[focus].name(lang), lang)
    if options.show_streets and result.study.streets is not None:
        _streets_layer(m, result.study.streets, lang)
    served = None
    if service_areas is not None and len(service_areas):
        served = service_areas.set_index("facility_id")["residents_served"]
    _facility_layers(m, result, colours, options, served, removed, focus)
    _selection_layer(m, comm, options)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(Legend(_legend_html(result, focus, colours, options, service_areas is not None), t("legend", lang)))
    if options.basemap != "none":
        m.add_child(TileErrorNotice(t("basemap_failed", lang)))
    target = comm.loc[comm["community_id"] == options.selected_community] if options.selected_community else comm
    b = target.total_bounds if len(target) else bounds
    # leave room for the legend on the left
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]], padding_top_left=(215, 15), padding_bottom_right=(40, 15))
    return m


_CSS = """<style>
.leaflet-container { background: #f2f1ec; font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC",
  "Helvetica Neue", Arial, sans-serif; }
.planner-legend { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 6px; font-size: 11px;
  line-height: 1.3; box-shadow: 0 1px 4px rgba(0,0,0,.3); max-height: 62vh; overflow-y: auto; max-width: 235px; }
.leaflet-control-layers { font-size: 12px; line-height: 1.3; }
.leaflet-control-layers-expanded { padding: 4px 8px 4px 6px; }
.leaflet-control-layers label { margin: 0; }
.planner-legend h4 { margin: 5px 0 2px; font-size: 11.5px; font-weight: 600; }
.planner-legend summary { cursor: pointer; font-size: 12px; }
.planner-legend .row { display: flex; align-items: center; gap: 6px; margin: 1px 0; }
.planner-legend .sw { width: 14px; height: 11px; border: 1px solid #666; flex: none; }
.planner-legend .dot { width: 16px; height: 16px; border-radius: 50%; color: #fff; font-size: 10px; flex: none;
  display: flex; align-items: center; justify-content: center; border: 1.5px solid #fff; box-shadow: 0 0 0 1px #555; }
.planner-fac { border-radius: 50%; color: #fff; display: flex; align-items: center; justify-content: center;
  font-weight: 700; border: 2px solid #fff; box-shadow: 0 0 0 1px rgba(0,0,0,.55); }
.planner-fac.short { border-color: #c1121f; box-shadow: 0 0 0 2px #c1121f; }
.planner-fac.changed { outline: 2px dashed #111; outline-offset: 2px; }
.planner-fac.removed { background: #9e9e9e !important; opacity: .7; }
.planner-fac.selected { box-shadow: 0 0 0 3px #111; }
.planner-pin { font-size: 26px; line-height: 26px; color: #111; text-align: center; font-weight: 700;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.planner-notice { background: #fff3cd; border: 1px solid #e0b84c; padding: 4px 8px; border-radius: 4px;
  font-size: 12px; display: none; }
</style>"""


def _to_wgs84(gdf: gpd.GeoDataFrame, *, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 to draw, simplified (in metres, before reprojecting) and rounded to ~1 m."""
    geom = gdf.geometry.values
    if simplify_m > 0:
        geom = shapely.simplify(geom, simplify_m, preserve_topology=True)
    out = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geom, crs=gdf.crs).to_crs("EPSG:4326")
    return out.set_geometry(shapely.set_precision(out.geometry.values, 1e-5))


def _basemap(m: folium.Map, basemap: str, lang: str) -> None:
    if basemap == "none":
        return
    url, attribution = BASEMAPS[basemap]
    folium.TileLayer(url, attr=attribution, name=t(f"basemap_{basemap}", lang), control=False, max_zoom=19).add_to(m)


def _group(m: folium.Map, name: str, *, show: bool = True) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=name, show=show)
    group.add_to(m)
    return group


def _communities_layer(m: folium.Map, result: Analysis, comm: gpd.GeoDataFrame, options: MapOptions) -> None:
    lang = options.lang
    book = result.study.rulebook
    assessed = comm["n_assessed"].to_numpy() if "n_assessed" in comm.columns else np.full(len(comm), len(book.rules))
    failed = comm["n_failed"].to_numpy()
    names = [html.escape(str(n)) for n in comm["name"]]
    if options.community_rule:
        state = comm[naming.rule_pass(options.community_rule)].astype("boolean")
        fills = [PASS_COLOURS[None if pd.isna(v) else bool(v)] for v in state]
        rule_name = html.escape(book.rules[options.community_rule].name(lang))
        status = [t("na" if pd.isna(v) else ("pass" if v else "fail"), lang) for v in state]
        tips = [f"<b>{n}</b><br>{rule_name}: {s}" for n, s in zip(names, status, strict=True)]
    else:
        fills = [community_colour(int(f)) for f in failed]
        tips = [
            f"<b>{n}</b><br>"
            + (t("rules_failed_tip", lang, n=int(f), m=int(a)) if f else t("all_rules_met_tip", lang, m=int(a)))
            for n, f, a in zip(names, failed, assessed, strict=True)
        ]
    filled = options.view == "compliance"
    data = feature_collection(comm.geometry.values, {"tip": tips, "fill": fills})
    group = _group(m, t("layer_communities", lang))
    group.add_child(
        GeoJsonLayer(
            data,
            style={"color": "#37474f", "weight": 1.6, "fillOpacity": 0.45 if filled else 0.0},
            style_props={"fillColor": "fill"},
            tooltip="tip",
            highlight={"weight": 3.5, "color": "#111"},
        )
    )


def _cells_layer(m: folium.Map, result: Analysis, focus: str, options: MapOptions) -> None:
    lang = options.lang
    ftype = result.study.rulebook.types[focus]
    radius = ftype.radius_m.value
    cells = _to_wgs84(result.cells[["population", naming.dist(focus), "geometry"]])
    dist = cells[naming.dist(focus)].to_numpy(dtype=float)
    pop = cells["population"].to_numpy(dtype=float)
    name = in_sentence(ftype.name(lang), lang)
    tips = [
        t(
            "cell_tip",
            lang,
            dist=t("metres", lang, m=d) if np.isfinite(d) else t("no_route", lang),
            type=name,
            pop=round(p),
        )
        for d, p in zip(dist, pop, strict=True)
    ]
    data = feature_collection(cells.geometry.values, {"tip": tips, "fill": [cell_colour(d, radius) for d in dist]})
    group = _group(m, t("layer_cells", lang, type=name))
    group.add_child(
        GeoJsonLayer(data, style={"weight": 0, "fillOpacity": 0.62}, style_props={"fillColor": "fill"}, tooltip="tip")
    )


def _service_area_layer(m: folium.Map, areas: gpd.GeoDataFrame, colour: str, type_name: str, lang: str) -> None:
    areas = _to_wgs84(areas.loc[~areas.geometry.is_empty], simplify_m=2.0)
    tips = [
        f"{html.escape(str(n))}<br>{t('served', lang, radius=r)}: {s:,}"
        for n, r, s in zip(areas["name"], areas["radius_m"], areas["residents_served"], strict=True)
    ]
    group = _group(m, t("layer_service_areas", lang, type=type_name))
    group.add_child(
        GeoJsonLayer(
            feature_collection(areas.geometry.values, {"tip": tips}),
            style={"color": colour, "fillColor": colour, "fillOpacity": 0.10, "weight": 1.4, "dashArray": "5 4"},
            tooltip="tip",
        )
    )


def _streets_layer(m: folium.Map, streets: gpd.GeoDataFrame, lang: str) -> None:
    st = _to_wgs84(streets[["highway", "geometry"]], simplify_m=1.0)
    major = st["highway"].astype(str).isin({"primary", "secondary", "trunk", "tertiary"}).to_numpy()
    data = feature_collection(
        st.geometry.values,
        {"c": np.where(major, "#7a7a7a", "#a3a3a3").tolist(), "w": np.where(major, 2.2, 1.0).tolist()},
    )
    group = _group(m, t("layer_streets", lang))
    group.add_child(
        GeoJsonLayer(data, style={"opacity": 0.85}, style_props={"color": "c", "weight": "w"}, interactive=False)
    )


def _facility_layers(
    m: folium.Map,
    result: Analysis,
    colours: Mapping[str, str],
    options: MapOptions,
    served: pd.Series | None,
    removed: gpd.GeoDataFrame | None,
    focus: str,
) -> None:
    lang = options.lang
    book = result.study.rulebook
    fac = _to_wgs84(result.facilities)
    comm_area = result.communities.set_index("community_id")["complex_floor_area_m2"]
    comm_name = result.communities.set_index("community_id")["name"]
    for key, ftype in book.types.items():
        sub = fac.loc[fac["type"] == key]
        if sub.empty:
            continue
        minimum = ftype.min_floor_area_m2.value if ftype.min_floor_area_m2 else None
        markers = []
        for row in sub.itertuples(index=False):
            fid = str(row.facility_id)
            area = float(row.floor_area_m2) if pd.notna(row.floor_area_m2) else float("nan")
            size = marker_size(area, minimum)
            classes = ["planner-fac"]
            if pd.notna(row.meets_min_area) and not bool(row.meets_min_area):
                classes.append("short")
            if fid in options.changed:
                classes.append("changed")
            markers.append(
                {
                    "lat": round(row.geometry.y, 6),
                    "lng": round(row.geometry.x, 6),
                    "size": size,
                    "html": f'<div class="{" ".join(classes)}" style="width:{size}px;height:{size}px;'
                    f'background:{colours[key]};font-size:{max(9, size // 2)}px">{glyph(key, ftype, lang)}</div>',
                    "tip": f"{row.name} ({fid})",
                    "popup": _facility_popup(row, ftype, lang, options, served, comm_area, comm_name),
                }
            )
        # the chosen type is shown; the others are one click away in the layer control
        group = _group(
            m, t("layer_facilities", lang, type=ftype.name(lang)), show=key == focus or options.show_all_facilities
        )
        group.add_child(MarkerLayer(markers))
    if removed is not None and len(removed):
        gone = _to_wgs84(removed)
        markers = [
            {
                "lat": round(r.geometry.y, 6),
                "lng": round(r.geometry.x, 6),
                "size": 18,
                "html": '<div class="planner-fac removed" style="width:18px;height:18px;font-size:12px">×</div>',
                "tip": f"{r.name} ({r.facility_id}): {t('scenario_removed', lang)}",
                "popup": None,
            }
            for r in gone.itertuples(index=False)
        ]
        _group(m, t("layer_changes", lang)).add_child(MarkerLayer(markers))


def _facility_popup(row, ftype, lang: str, options: MapOptions, served, comm_area: pd.Series, comm_name) -> str:
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
    op = options.changed.get(fid)
    if op:
        key = {"add": "scenario_added", "move": "scenario_moved"}.get(op, "scenario_resized")
        lines.append(f"<i>{t(key, lang)}</i>")
    return "<div style='font-size:12.5px;line-height:1.45'>" + "<br>".join(lines) + "</div>"


def _selection_layer(m: folium.Map, comm: gpd.GeoDataFrame, options: MapOptions) -> None:
    if not options.selected_community:
        return
    sel = comm.loc[comm["community_id"] == options.selected_community]
    if sel.empty:
        return
    group = _group(m, t("layer_selection", options.lang))
    group.add_child(
        GeoJsonLayer(
            feature_collection(sel.geometry.values, {}),
            style={"fillOpacity": 0, "color": "#0b3d91", "weight": 4},
            interactive=False,
        )
    )


def click_overlay(result: Analysis, options: MapOptions) -> folium.FeatureGroup:
    """The clicked point and the selected facility, as a layer that changes without redrawing the map.

    Pass it to streamlit-folium's ``feature_group_to_add`` (or add it to the map).
    """
    group = folium.FeatureGroup(name=t("layer_selection", options.lang), show=True, control=False)
    if options.selected_facility:
        fac = result.facilities.loc[result.facilities["facility_id"].astype(str) == options.selected_facility]
        if len(fac):
            p = _to_wgs84(fac).geometry.iloc[0]
            folium.CircleMarker(
                [p.y, p.x], radius=24, color="#111", weight=3, fill=False, dash_array="4 3", interactive=False
            ).add_to(group)
    if options.pending_point:
        lon, lat = options.pending_point
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(html='<div class="planner-pin">✚</div>', icon_size=(26, 26), icon_anchor=(13, 13)),
            tooltip=t("pending_point", options.lang),
        ).add_to(group)
    return group


def _legend_html(result: Analysis, focus: str, colours, options: MapOptions, with_areas: bool) -> str:
    lang = options.lang
    book = result.study.rulebook
    ftype = book.types[focus]
    radius = ftype.radius_m.value
    parts = []
    if options.community_rule:
        rule = book.rules[options.community_rule].name(lang)
        parts.append(f"<h4>{html.escape(t('legend_rule', lang, rule=rule))}</h4>")
        for state, key in ((True, "legend_pass"), (False, "legend_fail"), (None, "legend_na")):
            parts.append(_swatch(PASS_COLOURS[state], t(key, lang)))
    else:
        parts.append(f"<h4>{t('legend_communities', lang)}</h4>")
        for lo, hi, colour in COMMUNITY_BINS:
            if lo == 0:
                label = t("legend_failed_none", lang)
            elif hi is None:
                label = t("legend_failed_more", lang, n=lo)
            else:
                label = t("legend_failed_n", lang, n=lo if lo == hi else f"{lo}–{hi}")
            parts.append(_swatch(colour, label))
    key = "legend_cells" if result.engine.mode == "walk" else "legend_cells_straight"
    parts.append(f"<h4>{html.escape(t(key, lang, type=in_sentence(ftype.name(lang), lang)))}</h4>")
    for lo, hi, colour in CELL_BINS:
        a, b = lo * radius, (hi * radius if hi is not None else None)
        what = t("legend_covered" if hi is not None and hi <= 1 else "legend_uncovered", lang)
        rng = f"≤ {b:,.0f} m" if lo == 0 else (f"{a:,.0f}–{b:,.0f} m" if b is not None else f"> {a:,.0f} m")
        parts.append(_swatch(colour, f"{rng} · {what}"))
    parts.append(_swatch(NA_COLOUR, t("legend_unreachable", lang)))
    if with_areas:
        how = t("walk_word" if result.engine.mode == "walk" else "straight_word", lang)
        c = colours[focus]
        parts.append(
            f"<div class='row'><span class='sw' style='background:{c}22;border:1.5px dashed {c}'></span>"
            f"{html.escape(t('legend_service_area', lang, radius=radius, how=how))}</div>"
        )
    parts.append(f"<h4>{t('legend_facilities', lang)}</h4>")
    for k, ft in book.types.items():
        parts.append(
            f"<div class='row'><span class='dot' style='background:{colours[k]}'>{glyph(k, ft, lang)}</span>"
            f"{html.escape(ft.name(lang))} ({ft.radius_m.value:g} m)</div>"
        )
    parts.append(f"<div style='color:#c1121f'>{t('legend_below_min', lang)}</div>")
    if options.changed:
        parts.append(f"<div>{t('legend_new', lang)}</div><div>{t('legend_removed', lang)}</div>")
    return "".join(parts)


def _swatch(colour: str, label: str) -> str:
    return f"<div class='row'><span class='sw' style='background:{colour}'></span>{html.escape(label)}</div>"

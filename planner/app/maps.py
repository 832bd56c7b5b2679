"""Interactive folium maps of an analysis: communities, cells, facilities, service areas.

A map is a *base* that stays put while a person works (Leaflet, the styles, the streets;
:func:`base_map`) and *layers* that follow every choice and edit (:func:`map_layers`):
communities coloured by compliance, cells by distance, service areas, facilities by type,
the selection, the legend and the basemap. In the app the base is drawn once and the
layers are sent on each change, and only the layers whose content changed are rebuilt in
the browser (see :mod:`planner.app.maps_js`), so a what-if edit does not reload the map or
lose the zoom. :func:`build_map` puts both together as one map (tests, downloads).

Every layer is switchable, with a legend in English or Chinese. Geometries are converted to
EPSG:4326 only here, to draw. The map loads Leaflet alone (no plugins, no icon fonts), from
the URLs in :class:`planner.app.assets.MapAssets`, so it works offline when those are local.
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element

from planner import naming
from planner.analysis import Analysis
from planner.app import maps_raster as raster
from planner.app.assets import MapAssets, local_assets, use_assets
from planner.app.maps_facilities import facility_marker, facility_popup, selection_layers
from planner.app.maps_js import (
    LayerSpec,
    MapLayers,
    Runtime,
    StaticLayer,
    features,
    geojson_content,
    markers_content,
    spec_json,
)
from planner.app.maps_style import (
    BASEMAPS,
    CSS,
    PASS_COLOURS,
    cell_colour,
    community_colour,
    glyph,
    legend_html,
    type_colours,
)
from planner.i18n import in_sentence, t

VIEWS = ("compliance", "coverage")
#: street classes drawn wider and darker
MAJOR_STREETS = frozenset({"primary", "secondary", "trunk", "tertiary"})
#: room left for the legend (left) and the layer control (right) when zooming to a place, px
FIT_PADDING = {"paddingTopLeft": [215, 15], "paddingBottomRight": [40, 15]}
#: above this many facilities the app does not draw service areas until asked (a city's take seconds)
MAX_FACILITIES_AREAS_SHOWN = 1000
#: a facility layer with more markers than this groups those close on screen into numbered circles
CLUSTER_MARKERS = 150


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
    show_streets
        List and show the streets (they are part of the base map).
    shown_types
        Facility types shown besides the focus type.
    facility_control
        List the facility layers in the layer control, to switch them on and off there.
        The app does not (False): it chooses the types shown itself, so that it knows what
        a click on the map can pick (:func:`planner.app.whatif.facilities_at`).
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
    shown_types: frozenset[str] = frozenset()
    facility_control: bool = True

    def facility_types_shown(self, types: Iterable[str]) -> list[str]:
        """The facility types drawn at first, of ``types`` (the rulebook's, in order)."""
        types = list(types)
        focus = self.focus_type or (types[0] if types else None)
        return [k for k in types if self.show_all_facilities or k == focus or k in self.shown_types]


def build_map(
    result: Analysis,
    options: MapOptions = MapOptions(),
    *,
    service_areas: gpd.GeoDataFrame | None = None,
    removed: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A folium map of ``result``: :func:`base_map` with :func:`map_layers` on it.

    ``service_areas`` (from :func:`planner.app.catchments.service_areas`) are drawn for the focus
    type; ``removed`` facilities are drawn faded with a cross.
    """
    m = base_map(result, assets=options.assets)
    map_layers(result, options, service_areas=service_areas, removed=removed).add_to(m)
    return m


def base_map(result: Analysis, *, assets: MapAssets | None = None) -> folium.Map:
    """The part of the map that stays put for a study: Leaflet, styles, the runtime, the streets.

    It depends on the study's communities (the first view) and streets only, not on the
    language, the scenario or any choice, so the app can keep it while the layers change.
    """
    bounds = _to_wgs84(result.communities[["geometry"]]).total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=14,
        tiles=None,
        control_scale=False,  # the runtime adds a metric-only scale bar (Leaflet's default also shows feet)
        prefer_canvas=True,
        zoom_snap=0.25,
    )
    use_assets(m, assets or local_assets())
    m.get_root().header.add_child(Element(CSS))  # type: ignore[attr-defined]  # the root of a Map is a Figure
    m.add_child(Runtime())
    if result.study.streets is not None and len(result.study.streets):
        m.add_child(StaticLayer("streets", _streets_cached(result.study.streets)))
    return m


def map_layers(
    result: Analysis,
    options: MapOptions = MapOptions(),
    *,
    service_areas: gpd.GeoDataFrame | None = None,
    removed: gpd.GeoDataFrame | None = None,
) -> folium.FeatureGroup:
    """Everything on the map that follows the choices and the scenario, for :func:`base_map`.

    Returns a feature group to add to the base map, or to pass to streamlit-folium's
    ``feature_group_to_add`` (which updates a drawn map without reloading it). See
    :func:`build_map` for the arguments.
    """
    lang = options.lang
    book = result.study.rulebook
    focus = options.focus_type or next(iter(book.types))
    if focus not in book.types:
        raise ValueError(f"unknown facility type {focus!r}: choose one of {', '.join(book.types)}")
    areas = service_areas if service_areas is not None and len(service_areas) else None
    comm = _to_wgs84(result.communities)
    layers = [_communities_layer(result, comm, options)]
    if options.view == "coverage":
        layers.append(_cells_layer(result, focus, options))
    if areas is not None:
        layers.append(_service_area_layer(areas, type_colours(book.types)[focus], book.types[focus].name(lang), lang))
    if options.show_streets and result.study.streets is not None and len(result.study.streets):
        layers.append(LayerSpec("streets", t("layer_streets", lang), static=True))
    served = areas.set_index("facility_id")["residents_served"] if areas is not None else None
    layers += _facility_layers(result, options, served, removed, focus)
    layers += selection_layers(result, comm, options, _to_wgs84)
    legend = {
        "title": html.escape(t("legend", lang)),
        "html": legend_html(
            book,
            focus,
            lang=lang,
            mode=result.engine.mode,
            community_rule=options.community_rule,
            with_areas=areas is not None,
            with_changes=bool(options.changed),
            with_cells=options.view == "coverage",
        ),
    }
    target = comm.loc[comm["community_id"] == options.selected_community] if options.selected_community else comm
    b = (target if len(target) else comm).total_bounds
    fit = {"key": options.selected_community or "", "bounds": [[b[1], b[0]], [b[3], b[2]]], **FIT_PADDING}
    group = folium.FeatureGroup(name="planner", control=False)
    group.add_child(MapLayers(spec_json(layers, legend=legend, tiles=_tiles(options.basemap, lang), fit=fit)))
    return group


def _to_wgs84(gdf: gpd.GeoDataFrame, *, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 to draw, simplified (in metres, before reprojecting) and rounded to ~1 m."""
    geom = gdf.geometry.values
    if simplify_m > 0:
        geom = shapely.simplify(geom, simplify_m, preserve_topology=True)
    out = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geom, crs=gdf.crs).to_crs("EPSG:4326")
    # rounding the coordinates is enough to draw (set_precision would also re-node: 50x slower)
    return out.set_geometry(shapely.transform(np.asarray(out.geometry.values), lambda xy: np.round(xy, 5)))


def _tiles(basemap: str, lang: str) -> dict | None:
    if basemap == "none":
        return None
    url, attribution = BASEMAPS[basemap]
    return {"url": url, "attribution": attribution, "maxZoom": 19, "error": html.escape(t("basemap_failed", lang))}


def _communities_layer(result: Analysis, comm: gpd.GeoDataFrame, options: MapOptions) -> LayerSpec:
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
    content = geojson_content(
        features(comm.geometry.values, {"tip": tips, "fill": fills}),
        style={"color": "#37474f", "weight": 1.6, "fillOpacity": 0.45 if filled else 0.0},
        style_props={"fillColor": "fill"},
        tooltip="tip",
        highlight={"weight": 3.5, "color": "#111"},
    )
    return LayerSpec("communities", t("layer_communities", lang), content)


def _cells_layer(result: Analysis, focus: str, options: MapOptions) -> LayerSpec:
    lang = options.lang
    ftype = result.study.rulebook.types[focus]
    radius = ftype.radius_m.value
    name = in_sentence(ftype.name(lang), lang)
    if len(result.cells) > raster.MAX_VECTOR_CELLS:  # an image: a whole city's cells as GeoJSON are 20+ MB
        dist = result.cells[naming.dist(focus)].to_numpy(dtype=float)
        content = raster.cells_image(result.cells, [cell_colour(d, radius) for d in dist])
        return LayerSpec("cells", t("layer_cells", lang, type=name), content)
    cells = _to_wgs84(result.cells[["population", naming.dist(focus), "geometry"]])
    dist = cells[naming.dist(focus)].to_numpy(dtype=float)
    pop = cells["population"].to_numpy(dtype=float)
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
    content = geojson_content(
        features(cells.geometry.values, {"tip": tips, "fill": [cell_colour(d, radius) for d in dist]}),
        style={"weight": 0, "fillOpacity": 0.62},
        style_props={"fillColor": "fill"},
        tooltip="tip",
    )
    return LayerSpec("cells", t("layer_cells", lang, type=name), content)


def _service_area_layer(areas: gpd.GeoDataFrame, colour: str, type_name: str, lang: str) -> LayerSpec:
    areas = _to_wgs84(areas.loc[~areas.geometry.is_empty], simplify_m=2.0)
    tips = [
        f"{html.escape(str(n))}<br>{t('served', lang, radius=r)}: {s:,}"
        for n, r, s in zip(areas["name"], areas["radius_m"], areas["residents_served"], strict=True)
    ]
    content = geojson_content(
        features(areas.geometry.values, {"tip": tips}),
        style={"color": colour, "fillColor": colour, "fillOpacity": 0.10, "weight": 1.4, "dashArray": "5 4"},
        tooltip="tip",
    )
    return LayerSpec("service_areas", t("layer_service_areas", lang, type=type_name), content)


#: the streets' drawn content per streets frame alive (id → content): a whole city's take seconds
_STREETS: dict[int, str] = {}


def _streets_cached(streets: gpd.GeoDataFrame) -> str:
    """:func:`_streets_content`, once per streets frame (a study's frames are not modified)."""
    key = id(streets)
    if key not in _STREETS:
        _STREETS[key] = _streets_content(streets)
        weakref.finalize(streets, _STREETS.pop, key, None)
    return _STREETS[key]


def _streets_content(streets: gpd.GeoDataFrame) -> str:
    # a streets layer may have no street class (``highway``): then every street is drawn alike
    has_class = "highway" in streets.columns
    major = streets["highway"].astype(str).isin(MAJOR_STREETS).to_numpy() if has_class else np.zeros(len(streets), bool)
    if len(streets) > raster.MAX_VECTOR_SEGMENTS:
        return raster.streets_image(streets, major)
    st = _to_wgs84(streets[["geometry"]], simplify_m=1.0)
    data = features(
        st.geometry.values,
        {"c": np.where(major, "#7a7a7a", "#a3a3a3").tolist(), "w": np.where(major, 2.2, 1.0).tolist()},
    )
    return geojson_content(data, style={"opacity": 0.85}, style_props={"color": "c", "weight": "w"}, interactive=False)


def _facility_layers(
    result: Analysis,
    options: MapOptions,
    served: pd.Series | None,
    removed: gpd.GeoDataFrame | None,
    focus: str,
) -> list[LayerSpec]:
    """One layer of markers per facility type, and the facilities the scenario removed."""
    lang = options.lang
    book = result.study.rulebook
    colours = type_colours(book.types)
    fac = _to_wgs84(result.facilities)
    comm_area = result.communities.set_index("community_id")["complex_floor_area_m2"]
    comm_name = result.communities.set_index("community_id")["name"]
    layers = []
    shown = set(options.facility_types_shown(book.types))
    for key, ftype in book.types.items():
        sub = fac.loc[fac["type"] == key]
        if sub.empty:
            continue
        minimum = ftype.min_floor_area_m2.value if ftype.min_floor_area_m2 else None
        type_served = served if key == focus else None
        markers = []
        for row in sub.itertuples(index=False):
            marker = facility_marker(row, colours[key], glyph(key, ftype, lang), minimum, options.changed)
            marker["popup"] = facility_popup(row, ftype, lang, options.changed, type_served, comm_area, comm_name)
            markers.append(marker)
        # the chosen types are shown; in a downloaded map, the others are one click away in the layer control
        show = key in shown
        name = t("layer_facilities", lang, type=ftype.name(lang))
        content = markers_content(markers, cluster=CLUSTER_MARKERS)
        layers.append(LayerSpec(f"facilities:{key}", name, content, show=show, control=options.facility_control))
    if removed is not None and len(removed):
        gone = _to_wgs84(removed)
        markers = [
            {
                "lat": round(r.geometry.y, 6),
                "lng": round(r.geometry.x, 6),
                "size": 18,
                "html": '<div class="planner-fac removed" style="width:18px;height:18px;font-size:12px">×</div>',
                "tip": html.escape(f"{r.name} ({r.facility_id}): {t('scenario_removed', lang)}"),
                "popup": None,
            }
            for r in gone.itertuples(index=False)
        ]
        layers.append(LayerSpec("changes", t("layer_changes", lang), markers_content(markers)))
    return layers

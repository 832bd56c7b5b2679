"""Leaflet layers and controls that planner writes as compact JavaScript.

folium builds one Python element (and one compiled template) per marker and serialises
GeoJSON feature by feature; on a district of thousands of cells and hundreds of facilities
that costs most of a second per redraw. These elements embed the data once as JSON
(geometries through shapely's vectorised GeoJSON writer) and let Leaflet build the layer,
so a what-if redraw stays fast. They use Leaflet alone: no jQuery, no plugins.
"""

from __future__ import annotations

import json

import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template


def _dumps(value: object) -> str:
    # "</" must not end the surrounding <script> element
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def feature_collection(geoms: np.ndarray, props: dict[str, list]) -> str:
    """A GeoJSON FeatureCollection string (EPSG:4326 geometries, plain-JSON properties)."""
    geo = shapely.to_geojson(np.asarray(geoms, dtype=object))
    keys = list(props)
    columns = [props[k] for k in keys]
    parts = []
    for i, g in enumerate(geo):
        p = _dumps({k: _plain(col[i]) for k, col in zip(keys, columns, strict=True)})
        parts.append(f'{{"type":"Feature","geometry":{g},"properties":{p}}}')
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


class GeoJsonLayer(MacroElement):
    """A GeoJSON layer added to its parent (a FeatureGroup), styled per feature.

    Parameters
    ----------
    data
        A FeatureCollection string from :func:`feature_collection`.
    style
        Leaflet path options for every feature; a property name given in ``style_props``
        (option → property) overrides an option per feature.
    tooltip
        The property shown on hover (HTML), or None.
    highlight
        Path options applied while the mouse is over a feature.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var base = {{ this.style }}, byProp = {{ this.style_props }}, hi = {{ this.highlight }};
          var layer = L.geoJSON({{ this.data }}, {
            interactive: {{ this.interactive }},
            bubblingMouseEvents: true,
            style: function(f) {
              var s = Object.assign({}, base);
              for (var k in byProp) { if (f.properties[byProp[k]] !== null) s[k] = f.properties[byProp[k]]; }
              return s;
            },
            onEachFeature: function(f, l) {
              {% if this.tooltip %}
              if (f.properties[{{ this.tooltip }}]) {
                l.bindTooltip(f.properties[{{ this.tooltip }}], {sticky: true});
              }
              {% endif %}
              if (hi) {
                l.on('mouseover', function() { l.setStyle(hi); });
                l.on('mouseout', function() { layer.resetStyle(l); });
              }
            }
          });
          layer.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(
        self,
        data: str,
        *,
        style: dict[str, object],
        style_props: dict[str, str] | None = None,
        tooltip: str | None = None,
        highlight: dict[str, object] | None = None,
        interactive: bool = True,
    ) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data = data.replace("</", "<\\/")
        self.style = _dumps(style)
        self.style_props = _dumps(style_props or {})
        self.tooltip = _dumps(tooltip) if tooltip else None
        self.highlight = _dumps(highlight) if highlight else "null"
        self.interactive = "true" if interactive else "false"


class MarkerLayer(MacroElement):
    """Point markers drawn as HTML icons, each with a tooltip and a popup, added to the parent.

    ``markers`` is a list of dicts: ``lat``, ``lng``, ``html`` (the icon's inner HTML),
    ``size`` (px), ``tip`` (text) and ``popup`` (HTML).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var group = {{ this._parent.get_name() }};
          {{ this.markers }}.forEach(function(m) {
            var icon = L.divIcon({html: m.html, className: '', iconSize: [m.size, m.size],
                                  iconAnchor: [m.size / 2, m.size / 2]});
            var mk = L.marker([m.lat, m.lng], {icon: icon, riseOnHover: true});
            if (m.tip) mk.bindTooltip(m.tip);
            if (m.popup) mk.bindPopup(m.popup, {maxWidth: 330});
            mk.addTo(group);
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, markers: list[dict[str, object]]) -> None:
        super().__init__()
        self._name = "MarkerLayer"
        self.markers = _dumps(markers)


class Legend(MacroElement):
    """A foldable legend box drawn as a Leaflet control (bottom left)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var legend = L.control({position: 'bottomleft'});
          legend.onAdd = function() {
            var div = L.DomUtil.create('div', 'planner-legend');
            div.innerHTML = '<details open><summary><b>' + {{ this.title_json }} + '</b></summary>'
              + {{ this.content_json }} + '</details>';
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, content: str, title: str = "Legend") -> None:
        super().__init__()
        self._name = "PlannerLegend"
        self.content = content
        self.content_json = _dumps(content)
        self.title_json = _dumps(title)


class TileErrorNotice(MacroElement):
    """Shows a notice on the map when basemap tiles fail to load (offline, blocked)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          var box = L.control({position: 'topleft'});
          box.onAdd = function() {
            var div = L.DomUtil.create('div', 'planner-notice');
            div.innerHTML = {{ this.message_json }};
            return div;
          };
          box.addTo(map);
          map.eachLayer(function(layer) {
            if (layer instanceof L.TileLayer) {
              layer.on('tileerror', function() { box.getContainer().style.display = 'block'; });
            }
          });
        })();
        {% endmacro %}"""
    )

    def __init__(self, message: str) -> None:
        super().__init__()
        self._name = "TileErrorNotice"
        self.message_json = _dumps(message)

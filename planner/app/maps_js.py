"""The JavaScript side of planner's maps: layers described as data, drawn and updated in place.

A map is two parts. The *base* (:class:`Runtime` and :class:`StaticLayer`) holds what stays
put while a person works: Leaflet, the styles, this runtime and the streets. The *layers*
(:class:`MapLayers`) are one JSON description of everything that changes: communities,
cells, service areas, facilities, the selection, the legend, the basemap and what to zoom
to. The runtime's ``plannerSync(map, spec)`` compares each layer's content hash with what
is on the map and rebuilds only the layers that changed, so an edit redraws one or two
layers without reloading the map: the zoom, the open popup of an unchanged layer and the
layers a person switched on or off stay as they were.

folium would build one Python element (and one compiled template) per marker and serialise
GeoJSON feature by feature; here the data is embedded once as JSON (geometries through
shapely's vectorised GeoJSON writer) and Leaflet builds the layers. Leaflet alone is used:
no jQuery, no plugins.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import folium
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from planner.app.maps_runtime import RUNTIME


def _dumps(value: object) -> str:
    # "</" must not end the surrounding <script> element
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def features(geoms: np.ndarray, props: dict[str, list]) -> str:
    """Features as JSON columns: ``{"geometries": [GeoJSON...], "properties": {name: [value...]}}``.

    Geometries in EPSG:4326 go through shapely's vectorised GeoJSON writer and each property
    column is written once, so a layer of thousands of cells costs milliseconds and carries
    no per-feature keys; the runtime turns the columns back into GeoJSON features.
    """
    geo = shapely.to_geojson(np.asarray(geoms, dtype=object))
    columns = {k: [_plain(v) for v in values] for k, values in props.items()}
    text = '{"geometries":[' + ",".join(geo) + '],"properties":' + _dumps(columns) + "}"
    return text.replace("</", "<\\/")


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def geojson_content(
    data: str,
    *,
    style: dict[str, object],
    style_props: dict[str, str] | None = None,
    tooltip: str | None = None,
    highlight: dict[str, object] | None = None,
    interactive: bool = True,
) -> str:
    """A layer's content: features (from :func:`features`) drawn with Leaflet path options.

    ``style`` applies to every feature; ``style_props`` (option → property name) overrides
    an option per feature; ``tooltip`` names the property shown on hover (HTML);
    ``highlight`` is applied while the mouse is over a feature.
    """
    options = {"style": style, "styleProps": style_props or {}, "tooltip": tooltip, "highlight": highlight}
    options["interactive"] = interactive
    return '{"geojson":{"data":' + data + "," + _dumps(options)[1:] + "}"


def markers_content(
    markers: list[dict[str, object]], rings: list[dict[str, object]] | None = None, *, cluster: int | None = None
) -> str:
    """A layer's content: point markers drawn as HTML icons, and optional rings.

    Each marker: ``lat``, ``lng``, ``html`` (the icon's inner HTML), ``size`` (px), ``tip``
    (HTML) and ``popup`` (HTML or None). Each ring: ``lat``, ``lng`` and Leaflet circle-marker
    options in ``style``. With more than ``cluster`` markers, markers close together on
    screen are drawn as one numbered circle, regrouped at each zoom.
    """
    spec: dict[str, object] = {"markers": markers, "rings": rings or []}
    if cluster is not None:
        spec["cluster"] = cluster
    return _dumps(spec)


@dataclass(frozen=True)
class LayerSpec:
    """One layer of the map as the runtime receives it.

    Attributes
    ----------
    id
        Stable name of the layer across updates (``"communities"``, ``"facilities:kindergarten"``).
    name
        Its label in the layer control.
    content
        JSON object text from :func:`geojson_content`, :func:`markers_content` or
        :mod:`planner.app.maps_raster` (an image); its hash
        decides whether the browser rebuilds the layer. Empty for a static layer.
    show
        Shown at first. When the app changes this, the map follows; otherwise a person's
        own choice in the layer control is kept across updates.
    control
        Listed in the layer control.
    static
        A layer of the base map (:class:`StaticLayer`) with this id, only listed and shown.
    """

    id: str
    name: str
    content: str = "{}"
    show: bool = True
    control: bool = True
    static: bool = False

    def to_json(self) -> str:
        """The layer as the JSON the map script reads, with a fingerprint of its content."""
        digest = hashlib.sha1(self.content.encode("utf-8")).hexdigest()[:16]  # a content fingerprint, not security
        head = _dumps(
            {
                "id": self.id,
                "name": self.name,
                "show": self.show,
                "control": self.control,
                "static": self.static,
                "hash": digest,
            }
        )
        return head if self.content == "{}" else head[:-1] + "," + self.content[1:]


def spec_json(layers: list[LayerSpec], *, legend: dict | None, tiles: dict | None, fit: dict | None) -> str:
    """The whole description handed to ``plannerSync``."""
    rest = _dumps({"legend": legend, "tiles": tiles, "fit": fit})
    return '{"layers":[' + ",".join(layer.to_json() for layer in layers) + "]," + rest[1:]


def _map_name(element: MacroElement) -> str:
    node = element._parent
    while node is not None and not isinstance(node, folium.Map):
        node = getattr(node, "_parent", None)
    if node is None:
        raise ValueError("add the element to a folium.Map (or to a group on one) before rendering")
    return node.get_name()


class _Text(Element):
    """Text already rendered: added to a figure as is (branca would compile it as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


class _Script(MacroElement):
    """An element with only a script, rendered without compiling its output as a template.

    branca's ``MacroElement.render`` wraps each rendered script in a new template, so a
    layer's data (hundreds of kilobytes) would be lexed by jinja on every render: about a
    third of the app's map time per rerun. The script is the same text either way.
    """

    def render(self, **kwargs) -> None:  # type: ignore[override]  # branca Elements render into their figure
        figure = self.get_root()
        assert isinstance(figure, Figure), "render the element on a map in a figure"
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Text(script(self, kwargs)), name=self.get_name())


class Runtime(_Script):
    """The runtime above (``plannerSync``, ``plannerStatic``), defined once per page."""

    _template = Template("{% macro script(this, kwargs) %}{% raw %}" + RUNTIME + "{% endraw %}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "PlannerRuntime"


class StaticLayer(_Script):
    """A layer of the base map (the streets), built once and listed by :class:`MapLayers`."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        plannerStatic({{ this.map_name() }}, {{ this.id_json }}, {{ this.content }});
        {% endmacro %}"""
    )

    def __init__(self, layer_id: str, content: str) -> None:
        super().__init__()
        self._name = "PlannerStaticLayer"
        self.id_json = _dumps(layer_id)
        self.content = content

    def map_name(self) -> str:
        """The JavaScript name of the Leaflet map this element belongs to."""
        return _map_name(self)


class MapLayers(_Script):
    """Everything that changes, handed to the runtime: ``plannerSync(map, spec)``."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        plannerSync({{ this.map_name() }}, {{ this.spec }});
        {% endmacro %}"""
    )

    def __init__(self, spec: str) -> None:
        super().__init__()
        self._name = "PlannerLayers"
        self.spec = spec

    def map_name(self) -> str:
        """The JavaScript name of the Leaflet map this element belongs to."""
        return _map_name(self)

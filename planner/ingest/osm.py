"""Read an OpenStreetMap file in one streaming pass: streets, tagged objects, buildings.

pyosmium reads the file once (XML or PBF), with node locations kept in its own index and
areas (closed ways and multipolygon relations) assembled by its area handler; a key filter
drops, before any Python code runs, every object that carries none of the keys planner uses.
What is kept is only what the study needs: highway lines, the objects with a mapped or
reported key, building footprints and residential land-use polygons, each as WKB from
osmium's geometry factory, turned into shapely geometries in one vectorised call at the end.
Memory is therefore the node-location index (a few bytes per node) plus the kept features.

:func:`planner.ingest.osm_study.import_osm` turns the result into a study.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from planner.errors import InputError

__all__ = ["OSMExtract", "read_osm"]

log = logging.getLogger(__name__)

#: tags kept with every feature besides the mapping's keys
EXTRA_TAGS = ("name", "name:zh", "building", "building:levels", "isced:level", "school", "social_facility:for")
#: how often (objects read) the progress callback is called
PROGRESS_EVERY = 50_000

Progress = Callable[[int], None]


@dataclass(frozen=True)
class OSMExtract:
    """What a study needs from an OSM file, in EPSG:4326.

    Attributes
    ----------
    streets
        One row per way tagged ``highway``: ``osm_id``, ``highway``, ``name``, ``foot``, a line.
    features
        One row per node, way or multipolygon carrying a mapping key: ``osm_type`` (node, way,
        relation), ``osm_id``, ``tags`` (a dict of the kept tags), a point, line or polygon.
    buildings
        One row per building area: ``osm_type``, ``osm_id``, ``building``, ``levels_tag``,
        ``tags``, a polygon.
    residential_landuse
        Polygons of ``landuse=residential``.
    bounds
        The file's declared box (lon/lat min/max) or None.
    objects
        Objects read (after the key filter).
    """

    streets: gpd.GeoDataFrame
    features: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    residential_landuse: gpd.GeoDataFrame
    bounds: tuple[float, float, float, float] | None
    objects: int


class _Collector:
    """Accumulates rows per layer while the file streams past."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = tuple(keys)
        self.wanted = frozenset(self.keys) | {"building", "landuse"}
        self.keep = frozenset(self.keys) | set(EXTRA_TAGS)
        self.fab = osmium.geom.WKBFactory()
        self.streets: list[tuple[int, str | None, str | None, str | None, str]] = []
        self.features: list[tuple[str, int, dict[str, str], str]] = []
        self.buildings: list[tuple[str, int, str, str | None, dict[str, str], str]] = []
        self.landuse: list[str] = []
        self.open_closed: dict[int, tuple[dict[str, str], str]] = {}  # closed ways waiting for their area

    def _tags(self, tags: osmium.osm.TagList) -> dict[str, str]:
        return {t.k: t.v for t in tags if t.k in self.keep}

    def _has_key(self, tags: osmium.osm.TagList) -> bool:
        return any(k in tags for k in self.keys)

    def node(self, n: osmium.osm.Node) -> None:
        tags = n.tags
        if self._has_key(tags):
            loc = n.location
            if loc.valid():
                self.features.append(("node", n.id, self._tags(tags), shapely.Point(loc.lon, loc.lat).wkb_hex))

    def way(self, w: osmium.osm.Way) -> None:
        tags = w.tags
        if "highway" in tags:
            try:
                wkb = self.fab.create_linestring(w)
            except RuntimeError:  # fewer than two valid locations
                wkb = None
            if wkb is not None:
                self.streets.append((w.id, tags.get("highway", ""), tags.get("name", ""), tags.get("foot", ""), wkb))
        if self._has_key(tags):
            try:
                wkb = self.fab.create_linestring(w)
            except RuntimeError:
                return
            if w.is_closed():
                self.open_closed[w.id] = (self._tags(tags), wkb)
            else:
                self.features.append(("way", w.id, self._tags(tags), wkb))

    def area(self, a: osmium.osm.Area) -> None:
        tags = a.tags
        building = tags.get("building")
        is_feature = self._has_key(tags)
        is_landuse = tags.get("landuse") == "residential"
        if not (is_feature or is_landuse or (building and building != "no")):
            return
        try:
            wkb = self.fab.create_multipolygon(a)
        except RuntimeError:
            return
        kind = "way" if a.from_way() else "relation"
        oid = a.orig_id()
        if is_feature:
            if kind == "way":
                self.open_closed.pop(oid, None)
            self.features.append((kind, oid, self._tags(tags), wkb))
        if building and building != "no":
            self.buildings.append((kind, oid, building, tags.get("building:levels", ""), self._tags(tags), wkb))
        if is_landuse:
            self.landuse.append(wkb)


def read_osm(path: str | Path, keys: Iterable[str], *, progress: Progress | None = None) -> OSMExtract:
    """Stream an OSM XML or PBF file and keep the streets, features, buildings and landuse.

    Parameters
    ----------
    path
        ``.osm`` (XML, also ``.osm.bz2``/``.gz``) or ``.pbf``.
    keys
        Tag keys that make an object a feature (the mapping's and the report's keys).
    progress
        Called with the number of objects read so far, every :data:`PROGRESS_EVERY` objects.

    Raises
    ------
    InputError
        If the file is missing or osmium cannot read it.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("OSM file not found; check the path", file=str(p))
    col = _Collector(keys)
    count = 0
    try:
        box = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING).header().box()
        fp = (
            osmium.FileProcessor(str(p))
            .with_locations()
            .with_areas()
            .with_filter(osmium.filter.KeyFilter("highway", "building", "landuse", *col.keys))
        )
        for obj in fp:
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
            if isinstance(obj, osmium.osm.Node):
                col.node(obj)
            elif isinstance(obj, osmium.osm.Way):
                col.way(obj)
            elif isinstance(obj, osmium.osm.Area):
                col.area(obj)
    except (RuntimeError, OSError) as exc:
        raise InputError(f"cannot read the OSM file: {exc}", file=str(p)) from exc
    if progress is not None:
        progress(count)
    # closed ways whose area osmium could not assemble (self-touching rings): kept as rings
    col.features.extend(("way", wid, tags, wkb) for wid, (tags, wkb) in col.open_closed.items())
    bounds = (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat) if box.valid() else None
    log.info(
        "%s: %d objects read, %d streets, %d features, %d buildings",
        p.name,
        count,
        len(col.streets),
        len(col.features),
        len(col.buildings),
    )
    return OSMExtract(
        streets=_frame(col.streets, ["osm_id", "highway", "name", "foot"]),
        features=_frame(col.features, ["osm_type", "osm_id", "tags"]),
        buildings=_frame(col.buildings, ["osm_type", "osm_id", "building", "levels_tag", "tags"]),
        residential_landuse=_frame([(w,) for w in col.landuse], []),
        bounds=bounds,
        objects=count,
    )


def _frame(rows: list[tuple], columns: list[str]) -> gpd.GeoDataFrame:
    """Rows whose last item is hex WKB as a GeoDataFrame in EPSG:4326 (one vectorised parse)."""
    wkb = np.array([r[-1] for r in rows], dtype=object)
    geometry = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    data = pd.DataFrame([r[:-1] for r in rows], columns=columns) if rows else pd.DataFrame(columns=columns)
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4326")

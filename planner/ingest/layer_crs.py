"""Per-layer coordinate declarations, and the check that layers line up with the streets.

A GCJ-02 or BD-09 offset is a property of one layer (a facility table copied from AMap),
not of a study, so ``--input-crs`` is given per layer (``--input-crs facilities=gcj02``,
repeatable). A bare value (``--input-crs gcj02``) only fills in the coordinate system of
layers that carry none (lon/lat tables, shapefiles without ``.prj``); see
:func:`planner.ingest.crs.to_wgs84` for the rules.

Because an undeclared offset moves a layer by some hundreds of metres without any error,
:func:`suspect_offsets` looks for its signature after ingestion: if moving a point layer by
the GCJ-02 or BD-09 correction brings it markedly closer to the streets, while moving it
the same distance in other directions does not, the layer probably carries that offset.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyproj
import shapely

from planner.errors import CRSError
from planner.ingest import crs as crs_mod
from planner.ingest import validate

__all__ = [
    "InputCRS",
    "OffsetSuspicion",
    "check_osm_declaration",
    "flag_offsets",
    "offset_applied",
    "parse_input_crs",
    "suspect_offsets",
]

logger = logging.getLogger(__name__)

#: Distances to the nearest street are capped at this (metres) before averaging, so that a
#: few points far from any street (parks, the district's edge) do not dominate the score.
#: It is well below the 100-700 m of a GCJ-02 or BD-09 offset.
ALIGN_CAP_M = 100.0
#: A correction is suspected when its score is at most this fraction of the score as read...
ALIGN_RATIO_AS_READ = 0.85
#: ...and at most this fraction of the best score among shifts of the same length in the
#: three other directions (a correction must beat an arbitrary shift, not just any shift).
ALIGN_RATIO_CONTROL = 0.85
#: Fewest located points for which the check is made (fewer give too noisy a score).
ALIGN_MIN_POINTS = 10
#: Most points sampled from a layer (the check is a statistic, not a per-feature test).
ALIGN_MAX_POINTS = 2000

_OFFSET_NAMES = {"gcj02": "GCJ-02", "bd09": "BD-09"}
_TO_WGS84 = {"gcj02": crs_mod.gcj02_to_wgs84, "bd09": crs_mod.bd09_to_wgs84}
_FROM_WGS84 = {"gcj02": crs_mod.wgs84_to_gcj02, "bd09": crs_mod.wgs84_to_bd09}


@dataclass(frozen=True)
class InputCRS:
    """The user's ``--input-crs`` values: a default and per-layer declarations.

    Attributes
    ----------
    default
        The bare value: the coordinate system of layers that carry none. It never
        reinterprets a layer whose file states a CRS.
    layers
        ``(layer, option)`` pairs from ``LAYER=CRS`` values: what the user says one layer's
        coordinates are. An offset stated for a layer stored in a geographic CRS
        (EPSG:4326, EPSG:4490) converts it: the user says the numbers are GCJ-02 or BD-09
        in spite of the tag.
    """

    default: crs_mod.CRSOption | None = None
    layers: tuple[tuple[str, crs_mod.CRSOption], ...] = ()

    def for_layer(self, layer: str) -> crs_mod.CRSOption | None:
        """The option stated for ``layer`` itself, or ``None``."""
        return dict(self.layers).get(layer)


def parse_input_crs(values: str | Iterable[str] | None, layers: Sequence[str]) -> InputCRS:
    """Parse one or several ``--input-crs`` values.

    Parameters
    ----------
    values
        ``None``, one value or several. Each is either a CRS (see
        :func:`planner.ingest.crs.parse_crs_option`), the default for layers without a CRS, or
        ``LAYER=CRS`` for one layer (``facilities=gcj02``).
    layers
        The layer names a ``LAYER=`` prefix may use.

    Returns
    -------
    InputCRS

    Raises
    ------
    CRSError
        If a value names an unknown layer, a layer or the default is given twice, or a CRS
        cannot be read.
    """
    if values is None:
        return InputCRS()
    items = [values] if isinstance(values, str) else list(values)
    default: crs_mod.CRSOption | None = None
    stated: dict[str, crs_mod.CRSOption] = {}
    for item in items:
        layer, text = _split(item, layers)
        option = crs_mod.parse_crs_option(text)
        if option is None:
            continue
        if layer is None:
            if default is not None:
                raise CRSError(
                    f"--input-crs is given twice without a layer ({item!r}); give one default, "
                    f"and LAYER=CRS for layers that differ (e.g. facilities=gcj02)"
                )
            default = option
        elif layer in stated:
            raise CRSError(f"--input-crs {layer}=... is given twice; keep one", layer=layer)
        else:
            stated[layer] = option
    return InputCRS(default=default, layers=tuple(sorted(stated.items())))


def _split(item: str, layers: Sequence[str]) -> tuple[str | None, str]:
    """Split ``LAYER=CRS`` into its parts; a PROJ string (``+proj=...``) has no layer."""
    name, sep, rest = item.partition("=")
    key = name.strip().lower()
    if not sep or not key.isidentifier():
        return None, item
    if key not in layers:
        raise CRSError(f"--input-crs {item!r} names the unknown layer '{name.strip()}'; layers are {', '.join(layers)}")
    return key, rest


def check_osm_declaration(stated: crs_mod.CRSOption | None, file: str) -> None:
    """Refuse a declaration that an OSM file is anything but WGS84, which it is by definition.

    Raises
    ------
    CRSError
        If ``stated`` (what the user said about the streets layer) is an offset or a CRS
        other than EPSG:4326.
    """
    if stated is not None and (stated.offset is not None or not stated.crs.equals(pyproj.CRS.from_epsg(4326))):
        said = stated.offset or stated.crs.to_string()
        raise CRSError(
            f"OpenStreetMap data is WGS84 by definition, so it is never converted from {said}; "
            f"drop --input-crs streets={said}",
            file=file,
            layer="streets",
        )


def offset_applied(
    gdf: gpd.GeoDataFrame, stated: crs_mod.CRSOption | None, default: crs_mod.CRSOption | None
) -> str | None:
    """The offset :func:`planner.ingest.crs.to_wgs84` converts a layer from (its rules 1 and 3), or ``None``."""
    if stated is not None and stated.offset is not None:
        return stated.offset
    if gdf.crs is None:
        option = stated if stated is not None else default
        return option.offset if option is not None else None
    return None


def flag_offsets(
    layers_wgs84: Mapping[str, gpd.GeoDataFrame],
    streets: gpd.GeoDataFrame,
    converted: dict[str, str | None],
    *,
    streets_from_osm: bool,
    log: validate.ValidationLog,
) -> list[OffsetSuspicion]:
    """Run :func:`suspect_offsets`; log a warning and a validation record for each layer found.

    The record has the layer's name as its id, reason ``offset_suspected``, action
    ``flagged`` and the message (with the option to pass) as its detail.
    """
    found = suspect_offsets(layers_wgs84, streets, converted=converted, streets_from_osm=streets_from_osm)
    for suspicion in found:
        message = suspicion.message()
        logger.warning("%s", message)
        log.add(suspicion.layer, [suspicion.layer], "offset_suspected", "flagged", detail=message)
    return found


@dataclass(frozen=True)
class OffsetSuspicion:
    """A layer that lines up with the streets better after an offset correction.

    Attributes
    ----------
    layer
        The layer's name.
    offset
        ``"gcj02"`` or ``"bd09"``.
    culprit
        ``"layer"``: the layer looks like undeclared offset coordinates; ``"undo"``: the
        layer was converted from this offset but looks like WGS84 already; ``"streets"``:
        the (non-OSM) street layer looks offset against this layer.
    score_m, corrected_m
        Mean distance to the nearest street (capped at :data:`ALIGN_CAP_M`) as read and
        after the correction, metres.
    shift_m
        Median length of the correction, metres.
    """

    layer: str
    offset: str
    culprit: str
    score_m: float
    corrected_m: float
    shift_m: float

    def message(self) -> str:
        """What was seen and which option to pass, for the log and the validation table."""
        name = _OFFSET_NAMES[self.offset]
        seen = (
            f"layer '{self.layer}' lies {self.score_m:.0f} m from the streets on average, but "
            f"{self.corrected_m:.0f} m if moved {self.shift_m:.0f} m by the {name} correction"
        )
        source = "AMap or Tencent" if self.offset == "gcj02" else "Baidu"
        if self.culprit == "undo":
            return (
                f"{seen}: it was converted from {name} but looks like WGS84 already; drop "
                f"--input-crs {self.layer}={self.offset} (or the bare --input-crs {self.offset})"
            )
        if self.culprit == "streets":
            return (
                f"{seen}: the streets look like {name} coordinates (a Chinese web-map offset); if they "
                f"come from {source}, pass --input-crs streets={self.offset}"
            )
        return (
            f"{seen}: its coordinates look like {name} (a Chinese web-map offset); if they come "
            f"from {source}, pass --input-crs {self.layer}={self.offset}"
        )


def suspect_offsets(
    layers_wgs84: Mapping[str, gpd.GeoDataFrame],
    streets: gpd.GeoDataFrame,
    *,
    converted: dict[str, str | None],
    streets_from_osm: bool,
) -> list[OffsetSuspicion]:
    """Find point layers whose coordinates look GCJ-02/BD-09 offset against the streets.

    For each layer, the score is the mean distance of its points to the nearest street,
    capped at :data:`ALIGN_CAP_M`. Each hypothesis moves the points: by an offset's
    correction to WGS84 (the layer is GCJ-02, or BD-09), or by the offset itself (the
    layer was converted from an offset it does not have, or non-OSM streets carry the
    offset). It is suspected when its score is at most :data:`ALIGN_RATIO_AS_READ` of the
    score as read and at most :data:`ALIGN_RATIO_CONTROL` of the best score of the same
    mean shift turned by 90, 180 and 270 degrees. Only the best hypothesis per layer is
    returned.

    Parameters
    ----------
    layers_wgs84
        Layer name → layer in EPSG:4326 (points, or polygons located by a point on them).
    streets
        The street lines in the analysis CRS (metres): the reference.
    converted
        Layer name → the offset it was converted from at ingestion, or ``None``.
    streets_from_osm
        Whether the streets come from OSM, which is WGS84 by definition (never the culprit).
    """
    lines = np.asarray(streets.geometry.values, dtype=object)
    lines = lines[~(shapely.is_missing(lines) | shapely.is_empty(lines))]
    if len(lines) == 0:
        return []
    tree = shapely.STRtree(lines)
    to_metric = pyproj.Transformer.from_crs(4326, streets.crs, always_xy=True)
    found = []
    for layer, gdf in layers_wgs84.items():
        lonlat = _sample_points(gdf)
        if len(lonlat) < ALIGN_MIN_POINTS:
            continue
        hypotheses: list[tuple[str, str, crs_mod.CoordFunc]] = [
            (offset, "layer", _TO_WGS84[offset]) for offset in ("gcj02", "bd09")
        ]
        for offset in ("gcj02", "bd09"):
            if converted.get(layer) == offset:
                hypotheses.append((offset, "undo", _FROM_WGS84[offset]))
            elif not streets_from_osm and converted.get("streets") is None:
                hypotheses.append((offset, "streets", _FROM_WGS84[offset]))
        best = _best_hypothesis(layer, lonlat, tree, to_metric, hypotheses)
        if best is not None:
            found.append(best)
    return found


def _sample_points(gdf: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Up to ALIGN_MAX_POINTS lon/lat points of a layer, evenly through its rows."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) > ALIGN_MAX_POINTS:
        geoms = geoms[np.linspace(0, len(geoms) - 1, ALIGN_MAX_POINTS).astype(int)]
    points = shapely.point_on_surface(geoms)
    return shapely.get_coordinates(points)


def _score(xy: npt.NDArray[np.float64], tree: shapely.STRtree) -> float:
    """Mean distance (metres, capped at ALIGN_CAP_M) of metric points to the nearest street."""
    _, dist = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    return float(np.mean(np.minimum(dist, ALIGN_CAP_M)))


def _best_hypothesis(
    layer: str,
    lonlat: npt.NDArray[np.float64],
    tree: shapely.STRtree,
    to_metric: pyproj.Transformer,
    hypotheses: Sequence[tuple[str, str, crs_mod.CoordFunc]],
) -> OffsetSuspicion | None:
    here = np.column_stack(to_metric.transform(lonlat[:, 0], lonlat[:, 1]))
    as_read = _score(here, tree)
    best: OffsetSuspicion | None = None
    for offset, culprit, func in hypotheses:
        moved_lon, moved_lat = func(lonlat[:, 0], lonlat[:, 1])
        moved = np.column_stack(to_metric.transform(moved_lon, moved_lat))
        corrected = _score(moved, tree)
        if corrected > ALIGN_RATIO_AS_READ * as_read:
            continue  # no better than as read: the controls (three more searches) cannot change that
        mean_shift = (moved - here).mean(axis=0)
        controls = [_score(here + _turn(mean_shift, quarters), tree) for quarters in (1, 2, 3)]
        if corrected > ALIGN_RATIO_CONTROL * min(controls):
            continue
        shift = float(np.median(np.hypot(*(moved - here).T)))
        candidate = OffsetSuspicion(layer, offset, culprit, as_read, corrected, shift)
        if best is None or candidate.corrected_m < best.corrected_m:
            best = candidate
    return best


def _turn(vector: npt.NDArray[np.float64], quarters: int) -> npt.NDArray[np.float64]:
    """A shift in metres turned anticlockwise by ``quarters`` right angles."""
    dx, dy = vector
    for _ in range(quarters):
        dx, dy = -dy, dx
    return np.array([dx, dy])

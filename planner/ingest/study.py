"""A study: one district's layers, validated and in one local metric CRS.

:func:`load_study` is the ingestion funnel: it reads every layer, maps column aliases, checks
values, repairs or drops bad features (logging each), converts Chinese offset coordinates and
reprojects everything once into a local metric CRS. Nothing downstream reprojects.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.errors import InputError
from planner.ingest import crs as crs_mod
from planner.ingest import files as io
from planner.ingest import layer_crs, quality, validate
from planner.reach import cells as cells_mod
from planner.reach import network
from planner.rules.model import Rulebook, load_rulebook

LAYERS = ("communities", "facilities", "cells", "streets", "buildings", "candidates")
SAMPLE_FILE = "district.gpkg"
#: display name of the bundled sample district (synthetic)
SAMPLE_NAME = "锦城示范区"
RESIDENTIAL_USES = {"住宅", "residential", "apartments", "house", "dormitory", "yes", "居住", "住宅楼"}


def _sample_location() -> Path:
    """Where the sample is: package data of an installed planner, else the clone's data/sample."""
    packaged = Path(str(resources.files("planner.sample"))) / SAMPLE_FILE
    if packaged.is_file():
        return packaged.resolve()
    return Path(__file__).resolve().parents[2] / "data" / "sample" / SAMPLE_FILE


#: the bundled sample district (it exists if :func:`sample_path` does not raise)
SAMPLE_PATH = _sample_location()


def sample_path() -> Path:
    """The bundled synthetic sample district, a GeoPackage.

    An installed planner carries it as package data (``planner/sample/district.gpkg``, copied
    from the repository at build time); a clone or an editable install reads the repository's
    ``data/sample/district.gpkg``.
    """
    if not SAMPLE_PATH.exists():
        raise InputError(
            "the bundled sample district is missing; reinstall planner ('pip install .' from the repository), "
            "or in a clone regenerate it with 'python data/make_sample.py'",
            file=str(SAMPLE_PATH),
        )
    return SAMPLE_PATH


@dataclass(frozen=True)
class SourceInfo:
    """Where a layer came from, for the report's provenance section."""

    layer: str
    file: str
    modified: str
    features: int


@dataclass(frozen=True)
class Study:
    """One district's validated layers in a single local metric CRS.

    Attributes
    ----------
    communities
        Polygons with ``community_id``, ``name``, ``population`` and optional ``households``,
        ``staff``, ``grid_count``, ``sub_district``.
    facilities
        Points with ``facility_id``, ``name``, ``type`` (a rulebook key), ``type_raw``,
        ``floor_area_m2``, ``community_id`` (the community containing it, or missing).
    cells, streets, buildings, candidates
        Optional layers; ``streets`` are walkable lines with ``highway``.
    """

    name: str
    crs: pyproj.CRS
    rulebook: Rulebook
    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    cells: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    buildings: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    validation: pd.DataFrame = field(default_factory=lambda: validate.ValidationLog().frame())
    sources: tuple[SourceInfo, ...] = ()
    streets_from_osm: bool = False

    def with_facilities(self, facilities: gpd.GeoDataFrame) -> Study:
        """A copy of the study with another facilities layer (for what-if scenarios)."""
        return replace(self, facilities=facilities)


def load_study(
    path: str | Path | None = None,
    *,
    communities: str | Path | None = None,
    facilities: str | Path | None = None,
    cells: str | Path | None = None,
    streets: str | Path | None = None,
    buildings: str | Path | None = None,
    candidates: str | Path | None = None,
    input_crs: str | Sequence[str] | None = None,
    crs: str | None = None,
    rules: Rulebook | str | Path | None = None,
    name: str | None = None,
) -> Study:
    """Read, validate and reproject a study.

    Parameters
    ----------
    path
        A GeoPackage holding layers named ``communities``, ``facilities`` and optionally
        ``cells``, ``streets``, ``buildings``, ``candidates``; or a folder of files named after
        those layers (``communities.geojson``, ``facilities.csv``...). None means the bundled
        sample district.
    communities, facilities, cells, streets, buildings, candidates
        A file per layer, overriding ``path``. ``streets`` may be an OSM file (.osm XML or .pbf).
    input_crs
        One value or several. A bare value is the coordinate system of layers that have
        none (lon/lat tables, shapefiles without .prj): ``wgs84``, ``cgcs2000``, ``gcj02``
        (AMap, Tencent), ``bd09`` (Baidu) or an EPSG code; it never reinterprets a layer
        that states its CRS. ``LAYER=CRS`` (``facilities=gcj02``) states one layer's
        coordinates; an offset stated for a layer tagged with a geographic CRS (EPSG:4326)
        converts it, since the tag cannot express GCJ-02. OSM files are WGS84 by
        definition and never converted. See :func:`planner.ingest.crs.to_wgs84`.
    crs
        The analysis CRS (metric). Default: the UTM zone of the district.
    rules
        A :class:`Rulebook`, or a city rule file merged over the national defaults.
    name
        The study's display name; default the file name.
    """
    rulebook = rules if isinstance(rules, Rulebook) else load_rulebook(rules)
    declared = layer_crs.parse_input_crs(input_crs, LAYERS)
    if path is None and not any((communities, facilities)):
        path = sample_path()
    files = _locate(
        path,
        dict(
            communities=communities,
            facilities=facilities,
            cells=cells,
            streets=streets,
            buildings=buildings,
            candidates=candidates,
        ),
    )
    for required in ("communities", "facilities"):
        if required not in files:
            raise InputError(
                f"no '{required}' layer found; give a GeoPackage with a '{required}' layer, a folder "
                f"with a {required}.* file, or --{required} FILE{_what_is_there(path)}",
                file=str(path) if path else None,
            )
    vlog = validate.ValidationLog()
    vlog.records.extend(quality.import_records(path))  # what an import merged or marked provisional
    where = {k: (str(f), layer or Path(f).stem) for k, (f, layer) in files.items()}
    raw: dict[str, gpd.GeoDataFrame] = {}  # layers in WGS84 (all but large projected ones)
    # large layers in a projected CRS of their own: converted in one pass (see _via_wgs84)
    kept: dict[str, tuple[gpd.GeoDataFrame, crs_mod.CRSOption | None, crs_mod.CRSOption | None]] = {}
    sources = []
    converted: dict[str, str | None] = {}
    for kind, (file, layer) in files.items():
        stated = declared.for_layer(kind)
        if _is_osm(kind, file):
            layer_crs.check_osm_declaration(stated, where[kind][0])
            gdf = network.read_osm_streets(file)
            stated, default = None, None
        else:
            duplicates: list[tuple[str, str, str]] = []
            gdf = io.read_layer(file, layer, kind=kind, duplicates=duplicates)
            for canonical, used, other in duplicates:
                vlog.add(kind, [other], "duplicate_column", "flagged", detail=f"'{used}' used as {canonical}")
            default = declared.default
        if kind in _ALWAYS_WGS84 or not _projected_as_stored(gdf, stated):
            raw[kind], converted[kind] = prepare_layer(kind, gdf, stated=stated, default=default, where=where[kind])
        else:
            _require_features(gdf, where[kind])
            kept[kind] = (gdf, stated, default)
            converted[kind] = layer_crs.offset_applied(gdf, stated, default)
        sources.append(SourceInfo(kind, str(file), _mtime(file), len(gdf)))
    return assemble_study(
        raw,
        converted=converted,
        where=where,
        sources=sources,
        rulebook=rulebook,
        crs=crs,
        name=name or _default_name(path, files),
        streets_from_osm="streets" in files and _is_osm("streets", files["streets"][0]),
        vlog=vlog,
        kept=kept,
    )


def prepare_layer(
    kind: str,
    gdf: gpd.GeoDataFrame,
    *,
    stated: crs_mod.CRSOption | None,
    default: crs_mod.CRSOption | None,
    where: tuple[str, str],
) -> tuple[gpd.GeoDataFrame, str | None]:
    """One layer as read (canonical column names) in WGS84, and the offset converted (None if none).

    Shared by :func:`load_study` and :func:`planner.ingest.postgis.load_study_from_db`: every
    source goes through the same checks. ``where`` is (file or source, layer) for messages.
    """
    _require_features(gdf, where)
    wgs84 = crs_mod.to_wgs84(gdf, declared=stated, default=default, file=where[0], layer=where[1], kind=kind)
    return wgs84, layer_crs.offset_applied(gdf, stated, default)


def _require_features(gdf: gpd.GeoDataFrame, where: tuple[str, str]) -> None:
    if gdf.empty:
        raise InputError(
            "the layer has no features; fill it, or leave it out if it is optional", file=where[0], layer=where[1]
        )


def assemble_study(
    raw: dict[str, gpd.GeoDataFrame],
    *,
    converted: dict[str, str | None],
    where: dict[str, tuple[str, str]],
    sources: Sequence[SourceInfo],
    rulebook: Rulebook,
    crs: str | None,
    name: str,
    streets_from_osm: bool,
    vlog: validate.ValidationLog,
    kept: dict[str, tuple[gpd.GeoDataFrame, crs_mod.CRSOption | None, crs_mod.CRSOption | None]] | None = None,
) -> Study:
    """The validation funnel after reading: one metric CRS, each layer checked, offsets flagged.

    ``raw`` holds the layers from :func:`prepare_layer` (WGS84), ``communities`` and
    ``facilities`` at least; ``kept`` large layers in a projected CRS of their own, as read
    with their stated and default CRS, converted in one pass (:func:`_via_wgs84`).
    """
    option = crs_mod.parse_crs_option(crs)
    target = option.crs if option is not None else crs_mod.local_metric_crs(raw["communities"])
    if target.is_geographic:
        raise InputError(
            f"the analysis CRS must be metric (metres), got {target.name}; leave --crs out for automatic UTM"
        )
    metric = {k: v.to_crs(target) for k, v in raw.items()}
    metric.update({k: _via_wgs84(v[0], target, v[1], v[2], where[k], k) for k, v in (kept or {}).items()})
    comm = _communities(metric["communities"], where["communities"], rulebook, vlog)
    fac = _facilities(metric["facilities"], comm, rulebook, where["facilities"], vlog)
    study = Study(
        name=name,
        crs=target,
        rulebook=rulebook,
        communities=comm,
        facilities=fac,
        cells=_cells(metric["cells"], comm, rulebook, where["cells"], vlog) if "cells" in metric else None,
        streets=_streets(metric["streets"], where["streets"], vlog) if "streets" in metric else None,
        buildings=_buildings(metric["buildings"], where["buildings"], vlog) if "buildings" in metric else None,
        candidates=_candidates(metric["candidates"], where["candidates"], vlog) if "candidates" in metric else None,
        sources=tuple(sources),
        streets_from_osm=streets_from_osm,
    )
    if study.streets is not None:
        points: dict[str, gpd.GeoDataFrame] = {kind: raw[kind] for kind in ("facilities", "candidates") if kind in raw}
        layer_crs.flag_offsets(points, study.streets, converted, streets_from_osm=study.streets_from_osm, log=vlog)
    return replace(study, validation=vlog.frame())


#: layers always converted to WGS84: the metric CRS is chosen from the communities, and the
#: offset check compares facilities and candidates with the streets in WGS84
_ALWAYS_WGS84 = ("communities", "facilities", "candidates")


def _projected_as_stored(gdf: gpd.GeoDataFrame, stated: crs_mod.CRSOption | None) -> bool:
    """Whether a layer keeps its own projected CRS (no offset conversion applies to it)."""
    return gdf.crs is not None and gdf.crs.is_projected and (stated is None or stated.offset is None)


def _via_wgs84(
    gdf: gpd.GeoDataFrame,
    target: pyproj.CRS,
    stated: crs_mod.CRSOption | None,
    default: crs_mod.CRSOption | None,
    where: tuple[str, str],
    kind: str,
) -> gpd.GeoDataFrame:
    """A projected layer in the analysis CRS, through WGS84 as every layer goes, in one pass.

    The numbers are those of ``to_wgs84(gdf).to_crs(target)`` bit for bit (the same two
    pyproj transformations of the same coordinates; a layer already in ``target`` moves by
    about 1e-9 m, and keeping that keeps every result, such as which community a cell on a
    shared boundary falls in, as it was), but the geometries are rebuilt once instead of
    twice and no WGS84 copy is kept. The checks of :func:`~planner.ingest.crs.to_wgs84` are
    made on the coordinates in WGS84: when one falls outside longitude/latitude, the layer
    goes through ``to_wgs84``, which raises its error.

    ``gdf`` is one :func:`load_study` read and owns: its geometries are replaced in place
    (each old one freed as its new one is made), so a city's streets are not held twice; do
    not use ``gdf`` afterwards.
    """

    def to_wgs84(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return crs_mod.to_wgs84(layer, declared=stated, default=default, file=where[0], layer=where[1], kind=kind)

    to_wgs84(gdf.iloc[:1])  # its log messages about the stated CRS
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if shapely.has_z(geoms).any():
        return to_wgs84(gdf).to_crs(target)
    xy = shapely.get_coordinates(geoms)
    lon, lat = pyproj.Transformer.from_crs(gdf.crs, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
    if not ok.all():
        to_wgs84(gdf)  # raises
    x, y = pyproj.Transformer.from_crs(4326, target, always_xy=True).transform(lon, lat)
    del xy, lon, lat
    moved = shapely.set_coordinates(geoms, np.column_stack([x, y]))  # in place: see the docstring
    return gdf.set_geometry(gpd.GeoSeries(moved, index=gdf.index, crs=target, name=gdf.geometry.name))


def _what_is_there(path: str | Path | None) -> str:
    """``"; the file has layers [...]"`` for a GeoPackage study, to show a misnamed layer."""
    if path is None or Path(path).suffix.lower() != ".gpkg":
        return ""
    return f"; the file has layers {io.list_layers(path)}"


def _is_osm(kind: str, file: str | Path) -> bool:
    return kind == "streets" and Path(file).suffix.lower() in io.OSM_SUFFIXES


def _default_name(path: str | Path | None, files: dict[str, tuple[str, str | None]]) -> str:
    if path is not None and Path(path).resolve() == SAMPLE_PATH:
        return SAMPLE_NAME
    return Path(path).stem if path else Path(files["communities"][0]).stem


def _mtime(file: str | Path) -> str:
    ts = Path(file).stat().st_mtime
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).date().isoformat()


def _locate(path: str | Path | None, explicit: dict[str, str | Path | None]) -> dict[str, tuple[str, str | None]]:
    """Map each layer kind to (file, layer name or None)."""
    found: dict[str, tuple[str, str | None]] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise InputError("study file or folder not found; check the path", file=str(p))
        if p.is_dir():
            for kind in LAYERS:
                hits = sorted(
                    f
                    for f in p.iterdir()
                    if f.stem.lower() == kind
                    and f.suffix.lower() in io.VECTOR_SUFFIXES | io.TABLE_SUFFIXES | io.OSM_SUFFIXES
                )
                if hits:
                    found[kind] = (str(hits[0]), None)
        elif p.suffix.lower() == ".gpkg":
            layers = io.list_layers(p)
            for kind in LAYERS:
                if kind in layers:
                    found[kind] = (str(p), kind)
        else:
            raise InputError("a study is a GeoPackage (.gpkg) or a folder of layer files", file=str(p))
    for kind, file in explicit.items():
        if file is not None:
            found[kind] = (str(file), _layer_for(Path(file), kind))
    return found


def _layer_for(file: Path, kind: str) -> str | None:
    """The layer of an explicitly given GeoPackage: the one named after the kind, or the only one."""
    if file.suffix.lower() != ".gpkg" or not file.exists():
        return None
    layers = io.list_layers(file)
    if kind in layers:
        return kind
    if len(layers) == 1:
        return layers[0]
    raise InputError(
        f"the GeoPackage has several layers {layers} and none is named '{kind}'; rename the layer "
        f"or export it to its own file",
        file=str(file),
    )


def _communities(
    gdf: gpd.GeoDataFrame, where: tuple[str, str], rulebook: Rulebook, vlog: validate.ValidationLog
) -> gpd.GeoDataFrame:
    file, layer = where
    gdf = gdf.copy()
    if "community_id" not in gdf.columns and "name" not in gdf.columns:
        raise InputError(
            "communities need an id column (named one of: "
            f"{io.accepted_names('communities', 'community_id')}) or a name column (one of: "
            f"{io.accepted_names('communities', 'name')}). "
            f"Columns present: {', '.join(str(c) for c in gdf.columns if c != 'geometry')}",
            file=file,
            layer=layer,
        )
    gdf["community_id"] = validate.ids_column(gdf, "community_id", fallback="name", prefix="C", file=file, layer=layer)
    gdf["name"] = gdf["name"].astype(str) if "name" in gdf.columns else gdf["community_id"]
    gdf = validate.clean_geometries(gdf, kinds=("polygon",), layer="communities", id_col="community_id", log=vlog)
    if gdf.empty:
        raise InputError("no community has a usable polygon", file=file, layer=layer)
    opts = dict(file=file, layer=layer, id_col="community_id", kind="communities")
    gdf["population"] = validate.numeric_column(gdf, "population", required=True, allow_missing=False, **opts)
    for column in ("households", "staff", "grid_count", "elderly_population", "child_population"):
        values = validate.numeric_column(gdf, column, required=False, allow_missing=True, **opts)
        if values is not None:
            gdf[column] = values
    if "sub_district" in gdf.columns:
        gdf["sub_district"] = gdf["sub_district"].astype("string").str.strip().replace("", pd.NA)
        vlog.add("communities", gdf.loc[gdf["sub_district"].isna(), "community_id"], "missing_sub_district", "flagged")
    validate.check_community_figures(gdf, rulebook, vlog)
    validate.check_overlaps(gdf, vlog)
    return gdf.reset_index(drop=True)


def _facilities(
    gdf: gpd.GeoDataFrame,
    comm: gpd.GeoDataFrame,
    rulebook: Rulebook,
    where: tuple[str, str],
    vlog: validate.ValidationLog,
) -> gpd.GeoDataFrame:
    file, layer = where
    gdf = gdf.copy()
    gdf["facility_id"] = validate.ids_column(gdf, "facility_id", fallback=None, prefix="F", file=file, layer=layer)
    gdf["name"] = gdf["name"].astype(str) if "name" in gdf.columns else gdf["facility_id"]
    gdf = validate.clean_geometries(gdf, kinds=("point", "polygon"), layer="facilities", id_col="facility_id", log=vlog)
    gdf = validate.match_facility_types(gdf, rulebook, file=file, layer=layer, log=vlog)
    if gdf.empty:
        raise InputError(
            "no facility remains after validation: each one has an unusable geometry or a type the "
            f"rulebook does not know ({vlog.tally('facilities')}); fix the geometries or the type column",
            file=file,
            layer=layer,
        )
    opts = dict(file=file, layer=layer, id_col="facility_id")
    area = validate.numeric_column(gdf, "floor_area_m2", required=False, allow_missing=True, **opts)
    gdf["floor_area_m2"] = area if area is not None else float("nan")
    vlog.add("facilities", gdf.loc[gdf["floor_area_m2"].isna(), "facility_id"], "missing_floor_area", "flagged")
    if "capacity" in gdf.columns:
        gdf["capacity"] = validate.numeric_column(gdf, "capacity", required=False, allow_missing=True, **opts)
    # sites drawn as polygons are located at a point inside them
    gdf = gdf.set_geometry(gdf.geometry.representative_point())
    gdf["community_id"] = locate_in_communities(gdf, comm)
    vlog.add(
        "facilities", gdf.loc[gdf["community_id"].isna(), "facility_id"], "facility_outside_communities", "flagged"
    )
    validate.flag_duplicate_facilities(gdf, vlog)
    return gdf.reset_index(drop=True)


def locate_in_communities(points: gpd.GeoDataFrame, comm: gpd.GeoDataFrame) -> pd.Series:
    """The id of the community containing each point, else missing.

    A point on a shared boundary touches two communities: it is given to the first in row
    order, so that it is never reported as outside every community.
    """
    idx_pt, idx_comm = comm.sindex.query(points.geometry.values, predicate="intersects")
    first = pd.Series(idx_comm, index=idx_pt).groupby(level=0).min()
    ids = pd.Series(pd.NA, index=range(len(points)), dtype="string")
    ids.iloc[first.index.to_numpy()] = comm["community_id"].to_numpy()[first.to_numpy()]
    ids.index = points.index
    return ids


def _cells(
    gdf: gpd.GeoDataFrame,
    comm: gpd.GeoDataFrame,
    rulebook: Rulebook,
    where: tuple[str, str],
    vlog: validate.ValidationLog,
) -> gpd.GeoDataFrame:
    file, layer = where
    gdf = gdf.copy()
    gdf["cell_id"] = validate.ids_column(gdf, "cell_id", fallback=None, prefix="cell-", file=file, layer=layer)
    gdf = validate.clean_geometries(gdf, kinds=("polygon", "point"), layer="cells", id_col="cell_id", log=vlog)
    gdf["population"] = validate.numeric_column(
        gdf, "population", file=file, layer=layer, id_col="cell_id", required=True, allow_missing=False, kind="cells"
    )
    centres = gpd.GeoDataFrame(geometry=gdf.geometry.representative_point(), crs=gdf.crs, index=gdf.index)
    gdf["community_id"] = locate_in_communities(centres, comm)
    outside = gdf["community_id"].isna()
    vlog.add("cells", gdf.loc[outside, "cell_id"], "cell_outside_communities", "dropped")
    gdf = gdf.loc[~outside].reset_index(drop=True)
    if gdf.empty:
        raise InputError(
            "no cell lies inside a community; check that the cells and the communities cover the same "
            "district (and their coordinate systems)",
            file=file,
            layer=layer,
        )
    tolerance = rulebook.validation.get("cells_population_tolerance")
    if tolerance is not None:
        off = cells_mod.population_mismatch(gdf, comm, tolerance.value)
        for cid, detail in zip(off["community_id"], off["detail"], strict=True):
            vlog.add("cells", [cid], "cells_population_mismatch", "flagged", detail=detail)
    return gdf


def _streets(gdf: gpd.GeoDataFrame, where: tuple[str, str], vlog: validate.ValidationLog) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    if "street_id" not in gdf.columns:
        gdf["street_id"] = [f"s{i}" for i in range(len(gdf))]
    gdf["street_id"] = gdf["street_id"].astype(str)
    gdf = validate.clean_geometries(gdf, kinds=("line",), layer="streets", id_col="street_id", log=vlog)
    if "highway" in gdf.columns:
        excluded = gdf["highway"].astype(str).isin(network.NOT_WALKABLE)
        if excluded.any():
            vlog.add("streets", gdf.loc[excluded, "street_id"], "street_excluded", "dropped")
        gdf = gdf.loc[~excluded]
    if gdf.empty:
        raise InputError("no walkable street lines remain", file=where[0], layer=where[1])
    return gdf.reset_index(drop=True)


def _buildings(gdf: gpd.GeoDataFrame, where: tuple[str, str], vlog: validate.ValidationLog) -> gpd.GeoDataFrame:
    file, layer = where
    gdf = gdf.copy()
    gdf["building_id"] = [f"b{i}" for i in range(len(gdf))]
    gdf = validate.clean_geometries(gdf, kinds=("polygon",), layer="buildings", id_col="building_id", log=vlog)
    levels = validate.numeric_column(
        gdf, "levels", file=file, layer=layer, id_col="building_id", required=False, allow_missing=True
    )
    if levels is None:
        levels = pd.Series(1.0, index=gdf.index)
    else:
        vlog.add("buildings", gdf.loc[levels.isna(), "building_id"], "missing_levels", "repaired")
        levels = levels.fillna(1.0).clip(lower=1.0)
    gdf["levels"] = levels
    if "use" in gdf.columns:
        gdf["residential"] = gdf["use"].astype(str).str.strip().str.casefold().isin(RESIDENTIAL_USES)
    else:
        gdf["residential"] = True
    gdf["residential_floor_area_m2"] = gdf.geometry.area * gdf["levels"] * gdf["residential"]
    return gdf.reset_index(drop=True)


def _candidates(gdf: gpd.GeoDataFrame, where: tuple[str, str], vlog: validate.ValidationLog) -> gpd.GeoDataFrame:
    file, layer = where
    gdf = gdf.copy()
    gdf["candidate_id"] = validate.ids_column(gdf, "candidate_id", fallback=None, prefix="S", file=file, layer=layer)
    gdf = validate.clean_geometries(
        gdf, kinds=("point", "polygon"), layer="candidates", id_col="candidate_id", log=vlog
    )
    return gdf.set_geometry(gdf.geometry.representative_point()).reset_index(drop=True)

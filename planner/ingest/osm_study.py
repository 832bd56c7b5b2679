"""``planner import-osm``: an OSM extract (or a place, through osmnx) as a study GeoPackage.

The rules, each stated once here and in ``mappings/osm.toml``:

* **Facilities**: one per tagged OSM object (node, way or multipolygon) whose tags a mapping
  rule gives a rulebook type; ``amenity=childcare`` is not a kindergarten; a building tag alone
  makes no facility. A node inside the polygon of a facility of the same type (a gate or a
  sign on a campus) is merged into it and logged (``facility_merged``).
* **Floor area** of a facility drawn as a building: footprint × storeys; drawn as a campus
  (a polygon that is not a building): the floor area of the buildings inside it; a node: none
  (a node inside a shared building says nothing about its own share).
* **Buildings**: footprint (m², local UTM) × storeys (``building:levels``, else the default of
  the building value in the mapping, logged ``levels_default``). Residential: the mapping's
  residential values, or ``building=yes`` inside ``landuse=residential`` without a facility tag.
* **Communities**: the given file, else provisional communities from street blocks, with a
  column ``provisional`` true, residents estimated from residential floor area, each logged
  ``provisional_community``.
* **Report**: every object with a report key (``amenity``...) counted by key, value and what
  became of it (mapped, skipped with the reason, unmapped), next to the output and inside it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner.errors import InputError
from planner.ingest import files as io
from planner.ingest import validate
from planner.ingest.osm import OSMExtract, Progress, read_osm
from planner.ingest.tagmap import OSMMapping, load_osm_mapping
from planner.rules.model import load_rulebook

__all__ = ["ImportResult", "build_layers", "import_osm", "write_study"]

log = logging.getLogger(__name__)

#: non-spatial tables written into the study next to its layers
LOG_TABLE, TAGS_TABLE = "import_log", "osm_tags"


@dataclass(frozen=True)
class ImportResult:
    """The layers of an imported study (EPSG:4326), its log and its tag report."""

    layers: dict[str, gpd.GeoDataFrame]
    log: pd.DataFrame
    tags: pd.DataFrame

    def counts(self) -> dict[str, int]:
        """Features per layer."""
        return {k: len(v) for k, v in self.layers.items()}


def import_osm(
    path: str | Path,
    out: str | Path,
    *,
    communities: str | Path | None = None,
    clip: str | Path | None = None,
    mapping: str | Path | None = None,
    rules: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read an OSM file and write a study GeoPackage ``out`` that ``planner analyze`` reads.

    Also writes ``<out stem>_validation.csv`` and ``<out stem>_osm_tags.csv`` beside it.

    Raises
    ------
    InputError
        Unreadable inputs, an output onto an input, or a mapping naming an unknown type.
    """
    book = load_rulebook(rules)
    tagmap = load_osm_mapping(book, mapping)
    inputs = [Path(p).resolve() for p in (path, communities, clip, mapping) if p is not None]
    if Path(out).resolve() in inputs:
        raise InputError("the output would overwrite an input; choose another --out", file=str(out))
    extract = read_osm(path, tagmap.keys, progress=progress)
    result = build_layers(
        extract, tagmap, communities=_read_polygons(communities, "communities"), clip=_read_polygons(clip, "clip")
    )
    write_study(result, out)
    return result


def _read_polygons(path: str | Path | None, kind: str) -> gpd.GeoDataFrame | None:
    if path is None:
        return None
    gdf = io.read_layer(path, kind="communities" if kind == "communities" else None)
    if gdf.crs is None:
        raise InputError(f"the {kind} file has no coordinate system; save it with one (e.g. EPSG:4326)", file=str(path))
    return gdf.to_crs(4326)


def build_layers(
    extract: OSMExtract,
    tagmap: OSMMapping,
    *,
    communities: gpd.GeoDataFrame | None = None,
    clip: gpd.GeoDataFrame | None = None,
) -> ImportResult:
    """The study layers from what the reader kept (also used for osmnx's ``--place`` download)."""
    vlog = validate.ValidationLog()
    if extract.streets.empty:
        raise InputError("the OSM data has no ways tagged highway, so there is no walking network")
    utm = extract.streets.estimate_utm_crs()
    area = shapely.union_all(clip.geometry.values) if clip is not None else None
    streets, buildings, feats = extract.streets, extract.buildings, extract.features
    if area is not None:
        streets = streets.loc[streets.intersects(area)]
        buildings = buildings.loc[buildings.representative_point().within(area)]
        feats = feats.loc[feats.representative_point().within(area)]
    buildings = _buildings(buildings, extract.residential_landuse, tagmap, utm, vlog)
    facilities, tags = _facilities(feats, tagmap, buildings, utm, vlog)
    if communities is None:
        boundary = area if area is not None else _box(extract.bounds, streets)
        comm = _provisional_communities(streets, buildings, tagmap, boundary, utm, vlog)
    else:
        comm = communities.copy()
        comm["provisional"] = False
    layers = {
        "communities": comm.reset_index(drop=True),
        "facilities": facilities,
        "streets": streets.reset_index(drop=True),
        "buildings": buildings.drop(columns="tags"),
    }
    return ImportResult(layers=layers, log=vlog.frame(), tags=tags)


def _box(bounds: tuple[float, float, float, float] | None, streets: gpd.GeoDataFrame) -> shapely.Geometry:
    """The file's declared box, else the streets' extent: where the data is complete."""
    return shapely.box(*bounds) if bounds is not None else shapely.box(*streets.total_bounds)


def _levels(text: pd.Series) -> pd.Series:
    """``building:levels`` as a number: the largest of ``6;7``; missing when unreadable or below 1."""
    parts = text.fillna("").astype(str).map(lambda s: [float(x) for x in re.findall(r"\d+(?:\.\d+)?", s)])
    value = parts.map(lambda xs: max(xs) if xs else np.nan)
    return value.where(value >= 1)


def _buildings(
    b: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame, tagmap: OSMMapping, utm: object, vlog: validate.ValidationLog
) -> gpd.GeoDataFrame:
    out = b.copy()
    out["building_id"] = out["osm_type"] + "/" + out["osm_id"].astype(str)
    out["osm_building"] = out["building"].astype(str)
    tagged = _levels(out["levels_tag"])
    defaults = out["osm_building"].map(tagmap.levels_for)
    out["levels"] = tagged.fillna(defaults).astype(float)
    out["levels_source"] = np.where(tagged.notna(), "building:levels", "default")
    for value, group in out.loc[tagged.isna()].groupby("osm_building"):
        vlog.add(
            "buildings",
            [f"building={value}"],
            "levels_default",
            "repaired",
            detail=f"{len(group)} building(s), {tagmap.levels_for(str(value)):g} storey(s)",
        )
    metric = out.geometry.to_crs(utm)
    out["footprint_m2"] = metric.area.to_numpy()
    out["floor_area_m2"] = out["footprint_m2"] * out["levels"]
    is_facility = out["tags"].map(lambda t: any(k in t for k in tagmap.report_keys))
    residential = out["osm_building"].isin(tagmap.residential)
    if len(landuse) and len(out):
        inside = np.zeros(len(out), dtype=bool)
        pts = metric.representative_point().values
        idx, _ = landuse.to_crs(utm).sindex.query(pts, predicate="within")
        inside[np.unique(idx)] = True
        residential |= (out["osm_building"] == "yes").to_numpy() & inside & ~is_facility.to_numpy()
    out["residential"] = residential.astype(bool)
    # the study reads `use`; "yes" outside housing areas is no evidence of homes
    out["use"] = np.where(out["residential"], "residential", out["osm_building"].replace("yes", "unspecified"))
    cols = [
        "building_id",
        "osm_building",
        "use",
        "levels",
        "levels_source",
        "footprint_m2",
        "floor_area_m2",
        "residential",
        "tags",
        "geometry",
    ]
    return out[cols].reset_index(drop=True)


def _facilities(
    feats: gpd.GeoDataFrame, tagmap: OSMMapping, buildings: gpd.GeoDataFrame, utm: object, vlog: validate.ValidationLog
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    matches = [tagmap.classify(t) for t in feats["tags"]]
    tags = _tag_report(feats, matches, tagmap)
    mapped = np.array([m.type is not None for m in matches], dtype=bool)
    fac = feats.loc[mapped].copy()
    fac["type"] = [m.type for m, ok in zip(matches, mapped, strict=True) if ok]
    fac["osm_tag"] = [m.rule.tag_text for m, ok in zip(matches, mapped, strict=True) if ok and m.rule]
    fac["facility_id"] = fac["osm_type"] + "/" + fac["osm_id"].astype(str)
    fac["name"] = fac["tags"].map(lambda t: t.get("name:zh") or t.get("name") or "")
    fac = _merge_nodes_into_polygons(fac.reset_index(drop=True), vlog)
    # an unclosed way (a school drawn as a line) is located at a point on it
    lines = fac.geom_type.isin(["LineString", "MultiLineString"]).to_numpy()
    fac.loc[lines, "geometry"] = fac.geometry.values[lines].representative_point() if lines.any() else None
    fac["floor_area_m2"], fac["floor_area_source"] = _facility_floor_area(fac, buildings, utm)
    cols = ["facility_id", "name", "type", "osm_tag", "floor_area_m2", "floor_area_source", "geometry"]
    return fac[cols].reset_index(drop=True), tags


def _tag_report(feats: gpd.GeoDataFrame, matches: list, tagmap: OSMMapping) -> pd.DataFrame:
    rows = []
    for t, m in zip(feats["tags"], matches, strict=True):
        for key in tagmap.report_keys:
            if key in t:
                reason = m.rule.reason if m.rule is not None and m.type is None else ""
                rows.append((key, t[key], m.status, m.type or "", reason))
    cols = ["key", "value", "status", "type", "reason"]
    frame = pd.DataFrame(rows, columns=cols)
    counted = frame.groupby(cols, dropna=False).size().rename("objects").reset_index()
    return counted.sort_values(["key", "objects", "value"], ascending=[True, False, True]).reset_index(drop=True)


def _merge_nodes_into_polygons(fac: gpd.GeoDataFrame, vlog: validate.ValidationLog) -> gpd.GeoDataFrame:
    """Drop a node lying inside a polygon facility of the same type, giving the polygon its name if it has none."""
    is_poly = fac.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    is_node = (fac["osm_type"] == "node").to_numpy()
    polys = fac.loc[is_poly]
    if polys.empty or not is_node.any():
        return fac
    nodes = fac.loc[is_node]
    n_idx, p_idx = polys.sindex.query(nodes.geometry.values, predicate="within")
    same = nodes["type"].to_numpy()[n_idx] == polys["type"].to_numpy()[p_idx]
    drop: dict[int, int] = {}
    for ni, pi in zip(n_idx[same], p_idx[same], strict=True):
        drop.setdefault(int(nodes.index[ni]), int(polys.index[pi]))  # the first polygon containing it
    for node_row, poly_row in drop.items():
        if not fac.at[poly_row, "name"]:
            fac.at[poly_row, "name"] = fac.at[node_row, "name"]
        vlog.add(
            "facilities",
            [fac.at[node_row, "facility_id"]],
            "facility_merged",
            "dropped",
            detail=f"into {fac.at[poly_row, 'facility_id']} ({fac.at[poly_row, 'type']})",
        )
    return fac.drop(index=list(drop))


def _facility_floor_area(
    fac: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, utm: object
) -> tuple[np.ndarray, np.ndarray]:
    area = np.full(len(fac), np.nan)
    source = np.full(len(fac), "", dtype=object)
    own = fac["facility_id"].map(buildings.set_index("building_id")["floor_area_m2"]).to_numpy(dtype=float)
    has_own = ~np.isnan(own)
    area[has_own], source[has_own] = own[has_own], "own building"
    is_poly = fac.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy() & ~has_own
    if is_poly.any() and len(buildings):
        pts = buildings.geometry.to_crs(utm).representative_point().values
        polys = fac.geometry.to_crs(utm).values[is_poly]
        p_idx, b_idx = shapely.STRtree(pts).query(polys, predicate="contains")
        sums = np.bincount(p_idx, weights=buildings["floor_area_m2"].to_numpy()[b_idx], minlength=len(polys))
        rows = np.flatnonzero(is_poly)
        hit = sums > 0
        area[rows[hit]], source[rows[hit]] = sums[hit], "buildings inside"
    return area, source


def _provisional_communities(
    streets: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    tagmap: OSMMapping,
    boundary: shapely.Geometry,
    utm: object,
    vlog: validate.ValidationLog,
) -> gpd.GeoDataFrame:
    """Street blocks enclosed by the mapping's block highways, with residents from residential floor area."""
    lines = streets.loc[streets["highway"].isin(tagmap.block_highways)].to_crs(utm).geometry.values
    edge = gpd.GeoSeries([boundary], crs=4326).to_crs(utm).values[0]
    noded = shapely.union_all(np.append(lines, shapely.boundary(edge)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.within(shapely.point_on_surface(faces), edge)]
    faces = faces[shapely.area(faces) >= tagmap.min_block_area_m2]
    if len(faces) == 0:
        raise InputError(
            "no street block could be formed as a provisional community (the major streets enclose no block "
            f"of at least {tagmap.min_block_area_m2:g} m²); give a file of community boundaries"
        )
    floor = np.zeros(len(faces))
    res = buildings.loc[buildings["residential"]]
    if len(res):
        pts = res.geometry.to_crs(utm).representative_point().values
        b_idx, f_idx = shapely.STRtree(faces).query(pts, predicate="within")
        np.add.at(floor, f_idx, res["floor_area_m2"].to_numpy()[b_idx])
    ids = [f"P{i + 1:04d}" for i in range(len(faces))]
    comm = gpd.GeoDataFrame(
        {
            "community_id": ids,
            "name": [f"临时社区 {i} (provisional)" for i in ids],
            "population": np.round(floor / tagmap.floor_area_per_resident_m2).astype(int),
            "residential_floor_area_m2": floor,
            "provisional": True,
        },
        geometry=faces,
        crs=utm,
    ).to_crs(4326)
    vlog.add(
        "communities",
        ids,
        "provisional_community",
        "flagged",
        detail=f"residents = residential floor area / {tagmap.floor_area_per_resident_m2:g} m²",
    )
    return comm


def write_study(result: ImportResult, out: str | Path) -> dict[str, Path]:
    """Write the layers and the two tables into ``out`` (atomically) and the CSVs beside it."""
    from planner.outputs import atomic_path, for_file, write_atomic

    target = Path(out)
    if target.suffix.lower() != ".gpkg":
        raise InputError("the output of an import is a GeoPackage: give --out STUDY.gpkg", file=str(target))
    with atomic_path(target) as tmp:
        for name, layer in result.layers.items():
            for_file(layer).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        for name, table in ((LOG_TABLE, result.log), (TAGS_TABLE, result.tags)):
            gpd.GeoDataFrame(for_file(table)).to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    written = {"study": target}
    for suffix, table in (("validation", result.log), ("osm_tags", result.tags)):
        csv = target.with_name(f"{target.stem}_{suffix}.csv")
        written[suffix] = write_atomic(csv, _csv_writer(table))
    return written


def _csv_writer(table: pd.DataFrame) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        table.to_csv(path, index=False, encoding="utf-8-sig")

    return write


def mapping_for(rules: str | Path | None, mapping: str | Path | None) -> OSMMapping:
    """The OSM mapping checked against the rulebook (for callers that read OSM data themselves)."""
    return load_osm_mapping(load_rulebook(rules), mapping)

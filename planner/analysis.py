"""``analyze``: the whole pipeline from a study to coverage and compliance results.

read ─▶ validate + reproject (study) ─▶ cells ─▶ network + snapping ─▶ reach ─▶ coverage ─▶
compliance ─▶ results. The CLI, the app and the reports all call this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from planner import naming
from planner.assess import compliance, coverage
from planner.errors import PlannerError
from planner.ingest import validate
from planner.ingest.study import Study, load_study
from planner.reach import cells as cells_mod
from planner.reach.engine import MODES, ReachEngine, make_engine
from planner.reach.network import Network, Snap, build_network, check_streets_near

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Options:
    """Analysis settings (all distances in metres)."""

    mode: str = "walk"
    cell_size_m: float = 100.0
    cell_shape: str = "square"
    max_snap_m: float = 300.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PlannerError(f"distance mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.max_snap_m <= 0:
            raise PlannerError(f"maximum snapping distance must be positive, got {self.max_snap_m}")


@dataclass(frozen=True)
class Analysis:
    """The results of one run.

    Attributes
    ----------
    cells
        One row per analysis cell: ``cell_id``, ``community_id``, ``population`` and per type
        ``dist_<type>_m``, ``nearest_<type>_id``, ``covered_<type>``.
    communities
        One row per community: inputs, coverage shares, complex floor area, staffing, one
        ``pass_<rule>`` column per rule and the failed rules with reasons.
    facilities
        One row per facility used, with its minimum floor area check and snapping distance.
    checks
        The long compliance table: one row per community and rule.
    sub_districts
        Roll-up per sub-district (街道), or None when the data has none.
    summary
        District figures (the content of ``summary.json``).
    validation
        Every input feature that was repaired, dropped or flagged.
    """

    study: Study
    options: Options
    cells: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    checks: pd.DataFrame
    sub_districts: pd.DataFrame | None
    summary: dict
    validation: pd.DataFrame
    engine: ReachEngine
    network: Network | None


def analyze(
    study: Study | str | Path | None = None,
    *,
    mode: str = "walk",
    cell_size_m: float = 100.0,
    cell_shape: str = "square",
    max_snap_m: float = 300.0,
    workers: int | None = None,
    generated: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a study's coverage and compliance.

    Parameters
    ----------
    study
        A :class:`~planner.ingest.study.Study`, a path to one (see :func:`~planner.ingest.study.load_study`),
        or None for the bundled sample district.
    mode
        ``"walk"`` (network distance over the streets) or ``"euclidean"`` (straight line).
    cell_size_m, cell_shape
        Generated analysis cells when the study has none (``"square"`` or ``"h3"``).
    max_snap_m
        Points farther than this from any street get no walking distance and are reported.
    workers
        Threads for the walking searches of the facility types (default one per CPU; 1 runs
        them one after another). The results do not depend on it.
    generated
        The time stamp written as ``summary["generated"]`` (default: now, local time with its
        offset). Pass one to make two runs' outputs comparable byte for byte.
    progress
        Called with (stage, fraction done) on long steps.

    Examples
    --------
    >>> import planner
    >>> result = planner.analyze(mode="walk")          # the sample district
    >>> result.summary["coverage"]["kindergarten"]["share_covered"]  # doctest: +SKIP
    0.62
    """
    options = Options(mode=mode, cell_size_m=cell_size_m, cell_shape=cell_shape, max_snap_m=max_snap_m)
    report = progress or (lambda stage, frac: None)
    if not isinstance(study, Study):
        report("reading the study", 0.0)
        study = load_study(study)
    report("analysis cells", 0.1)
    cells = study.cells
    if cells is None:
        cells = cells_mod.make_cells(study.communities, size_m=cell_size_m, shape=cell_shape, buildings=study.buildings)
    net = None
    if options.mode == "walk":
        if study.streets is None:
            raise PlannerError(
                "walking distances need streets: add a 'streets' layer, pass --streets FILE (.osm, .pbf or a "
                "line layer), or use --mode euclidean"
            )
        report("building the walking network", 0.2)
        net = build_network(study.streets)
    report("snapping cells to streets", 0.35)
    engine = make_engine(demand_points(cells), mode=options.mode, network=net, max_snap_m=max_snap_m, workers=workers)
    if engine.demand_snap is not None and engine.tree is not None:
        file = next((s.file for s in study.sources if s.layer == "streets"), None)
        layer = None if study.streets_from_osm or file is None or not file.endswith(".gpkg") else "streets"
        check_streets_near(
            engine.demand, engine.demand_snap, engine.tree, max_snap_m=max_snap_m, file=file, layer=layer
        )
    return evaluate(study, options, cells, engine, generated=generated, progress=report)


def demand_points(cells: gpd.GeoDataFrame) -> np.ndarray:
    """Each cell's point: its centroid, or a point on its surface when the centroid is outside."""
    geom = cells.geometry.values
    centroid = shapely.centroid(geom)
    inside = shapely.contains(geom, centroid) | (shapely.get_type_id(geom) == 0)
    return np.where(inside, centroid, shapely.point_on_surface(geom))


def evaluate(
    study: Study,
    options: Options,
    cells: gpd.GeoDataFrame,
    engine: ReachEngine,
    *,
    previous: Analysis | None = None,
    types: Iterable[str] | None = None,
    generated: dt.datetime | None = None,
    progress: Progress | None = None,
    reach: pd.DataFrame | None = None,
) -> Analysis:
    """Coverage and compliance for the study's facilities, on cells and an engine built once.

    With ``previous`` and ``types``, only those facility types' reach is recomputed and the
    others are taken from ``previous`` (what-if edits). ``generated`` is the summary's time
    stamp (default: now). ``reach``: the cells' ``dist_/nearest_/covered_<type>`` columns
    computed elsewhere (:mod:`planner.scale` merges them from partitioned runs); the searches
    are then skipped.
    """
    report = progress or (lambda stage, frac: None)
    book = study.rulebook
    fac = study.facilities.reset_index(drop=True)
    vlog = validate.ValidationLog()
    fsnap: Snap | None = None
    if engine.mode == "walk":
        fsnap = engine.snap(fac.geometry.values)
        vlog.add(
            "facilities",
            fac.loc[~fsnap.ok, "facility_id"],
            "far_from_street",
            "flagged",
            detail=f"> {options.max_snap_m:g} m",
        )
        assert engine.demand_snap is not None
        vlog.add(
            "cells",
            cells.loc[~engine.demand_snap.ok, "cell_id"],
            "far_from_street",
            "flagged",
            detail=f"> {options.max_snap_m:g} m",
        )
    pieces = None
    if engine.mode == "walk":
        assert engine.network is not None and fsnap is not None and engine.demand_snap is not None
        pieces = coverage.street_pieces(cells, engine.demand_snap, fac, fsnap, engine.network, book.types)
        _flag_cut_off(vlog, pieces, set(fac.loc[fsnap.ok, "type"]), book)
    keys = list(book.types) if previous is None or types is None else [t for t in book.types if t in set(types)]
    cov = (
        reach
        if reach is not None
        else coverage.cell_coverage(
            cells, fac, book, engine, types=keys, facility_snap=fsnap, progress=lambda s, f: report(s, 0.4 + 0.4 * f)
        )
    )
    base = cells[["cell_id", "community_id", "population", "geometry"]] if previous is None else previous.cells
    out_cells = base.copy()
    for col in cov.columns:
        out_cells[col] = cov[col].to_numpy()
    report("compliance", 0.85)
    fac_out = fac.join(compliance.facility_compliance(fac, book))
    fac_out["snap_distance_m"] = fsnap.offset if fsnap is not None else np.nan
    comm = study.communities
    comm_cov = coverage.community_coverage(out_cells, comm["community_id"], book.types)
    comm_cov = comm_cov.join(coverage.group_coverage(out_cells, comm, book, book.types))
    checks = compliance.community_checks(comm, fac_out, comm_cov, book)
    wide = compliance.wide_results(checks, book)
    comm_out = _community_table(comm, fac_out, comm_cov, wide, book)
    subs = _sub_districts(comm_out, out_cells, book) if "sub_district" in comm_out.columns else None
    validation = pd.concat([study.validation, vlog.frame()], ignore_index=True)
    stamp = generated or dt.datetime.now()
    summary = _summary(study, options, out_cells, comm_out, fac_out, checks, validation, engine, pieces, stamp)
    report("done", 1.0)
    return Analysis(
        study=study,
        options=options,
        cells=out_cells,
        communities=comm_out,
        facilities=fac_out,
        checks=checks,
        sub_districts=subs,
        summary=summary,
        validation=validation,
        engine=engine,
        network=engine.network,
    )


def with_facilities(result: Analysis, facilities: gpd.GeoDataFrame, *, types: Iterable[str] | None = None) -> Analysis:
    """Re-evaluate a result with another facilities layer, reusing cells, network and snapping.

    ``types`` limits recomputation to the facility types that changed (default: all).
    """
    study = result.study.with_facilities(facilities)
    return evaluate(study, result.options, result.cells, result.engine, previous=result, types=types)


def _community_table(
    comm: gpd.GeoDataFrame, fac: pd.DataFrame, cov: pd.DataFrame, wide: pd.DataFrame, book
) -> gpd.GeoDataFrame:
    out = comm.copy()
    for name, column in compliance.community_columns(comm, fac, book).items():
        out[name] = column
    counts = fac.groupby(["community_id", "type"]).size().unstack(fill_value=0)
    for key in book.types:
        col = counts[key] if key in counts.columns else pd.Series(dtype="int64")
        out[f"n_{key}"] = out["community_id"].map(col).fillna(0).astype("int64")
    out = out.join(cov, on="community_id").join(wide, on="community_id")
    first = ["community_id", "name", "sub_district", "households", "population", "staff", "grid_count"]
    cols = [c for c in first if c in out.columns] + [c for c in out.columns if c not in first and c != "geometry"]
    return out[[*cols, "geometry"]]


def _sub_districts(comm: pd.DataFrame, cells: pd.DataFrame, book) -> pd.DataFrame:
    """Roll-up per sub-district: communities, residents, share covered per type, rules passed."""
    comm = comm.assign(sub_district=comm["sub_district"].fillna("—").astype(str))
    sub_of = comm.set_index("community_id")["sub_district"]
    pop = cells["population"].to_numpy(dtype=float)
    frame = pd.DataFrame({"sub_district": cells["community_id"].map(sub_of).to_numpy(), "population": pop})
    for key in book.types:
        frame[key] = pop * cells[naming.covered(key)].to_numpy()
    sums = frame.groupby("sub_district").sum()
    groups = comm.groupby("sub_district", sort=True)
    out = pd.DataFrame({"communities": groups.size()})
    out["population"] = sums["population"].reindex(out.index, fill_value=0.0).round().astype("int64")
    if "households" in comm.columns:
        out["households"] = groups["households"].sum().round().astype("int64")
    residents = sums["population"].reindex(out.index)
    for key in book.types:
        out[naming.share_covered(key)] = sums[key].reindex(out.index) / residents.where(residents > 0)
    for rid in book.rules:
        out[f"communities_passing_{rid}"] = groups[naming.rule_pass(rid)].apply(lambda p: int(p.fillna(False).sum()))
    return out.rename_axis("sub_district").reset_index()


def _flag_cut_off(vlog: validate.ValidationLog, pieces: pd.DataFrame, present: set[str], book) -> None:
    """One validation record per street piece whose residents reach no facility of a type found elsewhere."""
    for row in pieces.itertuples(index=False):
        missing = [t for t in book.types if t in present and getattr(row, f"facilities_{t}") == 0]
        if not missing:
            continue
        ids = row.example_cell_ids
        shown = ", ".join(ids) + (f" and {row.cells - len(ids)} more" if row.cells > len(ids) else "")
        vlog.add(
            "streets",
            f"piece-{row.piece}",
            "street_piece_cut_off",
            "flagged",
            detail=f"street piece {row.piece} ({row.nodes} nodes) holds {row.cells} cell(s) with "
            f"{row.residents:,.0f} residents and no {', '.join(missing)}; cells {shown}",
        )


def _network_summary(
    engine: ReachEngine, fac: pd.DataFrame, cells, pieces: pd.DataFrame | None, types: Iterable[str]
) -> dict | None:
    """The street network's size, its pieces and who is cut off (None for straight-line runs)."""
    net = engine.network
    if net is None or pieces is None:
        return None
    assert engine.demand_snap is not None
    pop = cells["population"].to_numpy(dtype=float)
    dist = cells[[naming.dist(t) for t in types]].to_numpy(dtype=float)
    return {
        "nodes": net.n_nodes,
        "segments": len(net.seg_len),
        "cells_not_snapped": int((~engine.demand_snap.ok).sum()),
        "facilities_not_snapped": int(fac["snap_distance_m"].isna().sum()),
        "pieces": net.n_pieces,
        "main_piece_nodes": int((net.piece == 0).sum()),
        "pieces_with_residents": len(pieces),
        "residents_far_from_street": round(float(pop[~engine.demand_snap.ok].sum())),
        "residents_off_main_piece": round(float(pieces.loc[pieces["piece"] > 0, "residents"].sum())),
        # residents whose cell reaches no facility of any type
        "residents_reaching_nothing": round(float(pop[np.isnan(dist).all(axis=1)].sum())) if dist.shape[1] else 0,
    }


def _pieces_coverage(cov: dict, pieces: pd.DataFrame | None, net_summary: dict | None) -> dict:
    """Split each type's unreachable residents into far-from-street and on pieces without one."""
    for key, c in cov.items():
        if pieces is None or net_summary is None:
            c["residents_far_from_street"] = c["residents_on_pieces_without_facility"] = None
            continue
        c["residents_far_from_street"] = net_summary["residents_far_from_street"]
        without = pieces.loc[pieces[f"facilities_{key}"] == 0, "residents"].sum()
        c["residents_on_pieces_without_facility"] = round(float(without))
    return cov


def _summary(study: Study, options: Options, cells, comm, fac, checks, validation, engine, pieces, generated) -> dict:
    from planner import __version__

    book = study.rulebook
    rules = {}
    for rid, rule in book.rules.items():
        passed = checks.loc[checks["rule_id"] == rid, "passed"]
        n_pass, n_fail = int(passed.eq(True).sum()), int(passed.eq(False).sum())
        rules[rid] = {
            "name_en": rule.name_en,
            "name_zh": rule.name_zh,
            "kind": rule.kind,
            "communities_passing": n_pass,
            "communities_failing": n_fail,
            "communities_not_assessed": int(passed.isna().sum()),
            "share_passing": n_pass / (n_pass + n_fail) if n_pass + n_fail else None,
            "numbers": {k: {"value": n.value, "source": n.source, "status": n.status} for k, n in rule.numbers.items()},
        }
    network = _network_summary(engine, fac, cells, pieces, book.types)
    return {
        "planner_version": __version__,
        "study": study.name,
        "generated": generated.astimezone().isoformat(timespec="seconds"),  # local time, with offset
        "distance_mode": options.mode,
        "analysis_crs": study.crs.to_string(),
        "analysis_crs_name": study.crs.name,
        "parameters": {
            "cell_size_m": options.cell_size_m,
            "cell_shape": options.cell_shape,
            "max_snap_m": options.max_snap_m,
            "cells_from_input": study.cells is not None,
        },
        "rulebook": {
            "id": book.id,
            "version": book.version,
            "name_en": book.name_en,
            "name_zh": book.name_zh,
            "files": list(book.files),
        },
        "district": {
            "communities": len(comm),
            "residents": round(float(comm["population"].sum())),
            "households": round(float(comm["households"].sum())) if "households" in comm.columns else None,
            "staff": round(float(comm["staff"].sum())) if "staff" in comm.columns else None,
            "cells": len(cells),
            "facilities": {k: int((fac["type"] == k).sum()) for k in book.types},
        },
        "coverage": _pieces_coverage(coverage.district_coverage(cells, book, book.types), pieces, network),
        "group_coverage": coverage.district_group_coverage(cells, study.communities, book, book.types),
        "rules": rules,
        "network": network,
        "validation": {"records": len(validation), "by_reason": validation["reason"].value_counts().to_dict()},
        "sources": [s.__dict__ for s in study.sources],
    }

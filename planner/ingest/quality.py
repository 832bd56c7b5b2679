"""The data-quality summary of a study: what in the inputs limits the answers, in one table.

``planner analyze`` prints it above the results and writes it as ``quality.csv``. One row per
check, always in the same order (a check that finds nothing says 0):

=============================  ==================================================================
check                          counted
=============================  ==================================================================
facilities_no_floor_area       facilities without a floor area (floor-area rules not assessed)
facilities_far_from_street     facilities beyond the maximum snapping distance of every street
cells_far_from_street          analysis cells beyond it, and their residents
street_pieces_cut_off          street pieces not joined to the largest, and the residents on them
communities_no_population      communities with no (or zero) residents
communities_provisional        communities made from street blocks by an import (estimated)
pois_merged                    facilities merged into another at import (OSM gates, duplicate POIs)
types_unmapped                 objects or rows whose type maps to no rulebook type (import + load)
=============================  ==================================================================

The import counts come from the ``import_log`` and ``osm_tags`` tables that ``import-osm`` and
``import-poi`` write into their GeoPackage (:mod:`planner.ingest.osm_study`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from planner.ingest import files as io

if TYPE_CHECKING:
    from planner.analysis import Analysis

__all__ = ["COLUMNS", "format_quality", "import_records", "quality_summary", "write_quality"]

COLUMNS = ["check", "layer", "count", "residents", "what_to_do"]
LOG_TABLE, TAGS_TABLE = "import_log", "osm_tags"


def _import_tables(files: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The import logs and tag reports stored in the study's GeoPackages (empty when none)."""
    logs, tags = [], []
    for f in sorted(files):
        if Path(f).suffix.lower() != ".gpkg" or not Path(f).exists():
            continue
        layers = io.list_layers(f)
        if LOG_TABLE in layers:
            logs.append(pd.DataFrame(io.read_layer(f, LOG_TABLE).drop(columns="geometry", errors="ignore")))
        if TAGS_TABLE in layers:
            tags.append(pd.DataFrame(io.read_layer(f, TAGS_TABLE).drop(columns="geometry", errors="ignore")))
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=["reason", "layer"])
    tag = pd.concat(tags, ignore_index=True) if tags else pd.DataFrame(columns=["status", "objects"])
    return log, tag


def import_records(path: str | Path | None) -> list[dict[str, object]]:
    """The validation records an import stored in a study GeoPackage (``import_log``), else none."""
    if path is None or Path(path).suffix.lower() != ".gpkg" or LOG_TABLE not in io.list_layers(path):
        return []
    table = pd.DataFrame(io.read_layer(path, LOG_TABLE)).drop(columns="geometry", errors="ignore")
    return list(table.to_dict("records"))


def quality_summary(result: Analysis) -> pd.DataFrame:
    """One row per check of the module docstring: ``check, layer, count, residents, what_to_do``.

    ``residents`` is filled where residents are affected (cells far from streets, street pieces
    cut off, provisional communities), else missing.
    """
    study = result.study
    net = result.summary.get("network") or {}
    fac, comm, val = study.facilities, study.communities, result.validation
    log, tags = _import_tables({s.file for s in study.sources})
    pop = pd.to_numeric(comm["population"], errors="coerce")
    provisional = comm["provisional"].astype(bool) if "provisional" in comm.columns else pd.Series(False, comm.index)
    unmapped_import = int(pd.to_numeric(tags.loc[tags["status"] == "unmapped", "objects"]).sum())
    unmapped_import += int((log["reason"] == "unmapped_type").sum())
    rows = [
        (
            "facilities_no_floor_area",
            "facilities",
            int(fac["floor_area_m2"].isna().sum()),
            None,
            "add floor_area_m2 (建筑面积) to the facilities, or buildings with storeys to an OSM import",
        ),
        (
            "facilities_far_from_street",
            "facilities",
            int(net.get("facilities_not_snapped", 0)),
            None,
            "check their position and the streets' extent, or raise --max-snap",
        ),
        (
            "cells_far_from_street",
            "cells",
            int(net.get("cells_not_snapped", 0)),
            net.get("residents_far_from_street"),
            "use a street extract wider than the district, or raise --max-snap",
        ),
        (
            "street_pieces_cut_off",
            "streets",
            max(int(net.get("pieces", 1)) - 1, 0),
            net.get("residents_off_main_piece"),
            "add the missing links that join the pieces, or use a wider street extract",
        ),
        (
            "communities_no_population",
            "communities",
            int((pop.isna() | (pop <= 0)).sum()),
            None,
            "fill in population (常住人口) for these communities",
        ),
        (
            "communities_provisional",
            "communities",
            int(provisional.sum()),
            int(pop[provisional].sum()),
            "give community boundaries with population (import-osm --communities, analyze --communities)",
        ),
        (
            "pois_merged",
            "facilities",
            int(log["reason"].isin(["facility_merged", "poi_merged"]).sum()),
            None,
            "check the merges in the import's _validation.csv",
        ),
        (
            "types_unmapped",
            "facilities",
            unmapped_import + int((val["reason"] == "unknown_facility_type").sum()),
            None,
            "extend the mapping (--mapping) or the rulebook's aliases for the types you need",
        ),
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["residents"] = frame["residents"].astype("Int64")
    return frame


def write_quality(frame: pd.DataFrame, out_dir: str | Path) -> Path:
    """Write the summary as ``out_dir/quality.csv`` (UTF-8 with BOM), atomically."""
    from planner.outputs import write_atomic

    def write(path: Path) -> None:
        frame.to_csv(path, index=False, encoding="utf-8-sig")

    return write_atomic(Path(out_dir) / "quality.csv", write)


def format_quality(frame: pd.DataFrame) -> str:
    """The checks that found something, one line each, for the terminal ('' when all are clean)."""
    hits = frame.loc[frame["count"] > 0]
    lines = [
        f"  {r.check:<28} {r.count:>7,}" + (f"  ({r.residents:,} residents)" if pd.notna(r.residents) else "")
        for r in hits.itertuples()
    ]
    return "Data quality (quality.csv):\n" + "\n".join(lines) if lines else ""

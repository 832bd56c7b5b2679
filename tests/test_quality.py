"""The data-quality summary (planner.ingest.quality) on the sample and on an imported OSM study."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import CHENGDU, real_file

import planner
from planner.cli import main
from planner.ingest.osm_study import import_osm
from planner.ingest.quality import COLUMNS, format_quality, quality_summary
from planner.ingest.study import load_study

CHECKS = [
    "facilities_no_floor_area",
    "facilities_far_from_street",
    "cells_far_from_street",
    "street_pieces_cut_off",
    "communities_no_population",
    "communities_provisional",
    "pois_merged",
    "types_unmapped",
]


@pytest.fixture(scope="module")
def sample_result():
    return planner.analyze(load_study())


def test_every_check_has_a_row_in_order(sample_result) -> None:
    q = quality_summary(sample_result)
    assert list(q.columns) == COLUMNS and q["check"].tolist() == CHECKS
    v = sample_result.validation
    row = q.set_index("check")
    assert row.loc["types_unmapped", "count"] == (v["reason"] == "unknown_facility_type").sum()
    fac = sample_result.study.facilities
    assert row.loc["facilities_no_floor_area", "count"] == fac["floor_area_m2"].isna().sum()
    assert row.loc["communities_provisional", "count"] == 0


def test_zero_population_and_missing_floor_area_are_counted(sample_result) -> None:
    study = sample_result.study
    comm = study.communities.copy()
    comm.loc[comm.index[:2], "population"] = 0
    fac = study.facilities.copy()
    fac.loc[fac.index[:3], "floor_area_m2"] = float("nan")
    before = fac["floor_area_m2"].isna().sum()
    from dataclasses import replace

    result = replace(sample_result, study=replace(study, communities=comm, facilities=fac))
    row = quality_summary(result).set_index("check")
    assert row.loc["communities_no_population", "count"] == 2
    assert row.loc["facilities_no_floor_area", "count"] == before


def test_imported_study_reports_provisional_unmapped_and_cut_off(tmp_path: Path) -> None:
    out = tmp_path / "cd.gpkg"
    imported = import_osm(real_file(CHENGDU), out)
    result = planner.analyze(load_study(out))
    row = quality_summary(result).set_index("check")
    unmapped = imported.tags.loc[imported.tags["status"] == "unmapped", "objects"].sum()
    assert row.loc["types_unmapped", "count"] == unmapped > 300
    assert row.loc["communities_provisional", "count"] == len(imported.layers["communities"])
    net = result.summary["network"]
    assert row.loc["street_pieces_cut_off", "count"] == net["pieces"] - 1 > 0
    assert row.loc["street_pieces_cut_off", "residents"] == net["residents_off_main_piece"]
    text = format_quality(quality_summary(result))
    assert "communities_provisional" in text and "pois_merged" not in text  # clean checks are not printed


def test_analyze_prints_and_writes_quality(tmp_path: Path, capsys) -> None:
    assert main(["analyze", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    q = pd.read_csv(tmp_path / "quality.csv", encoding="utf-8-sig")
    assert q["check"].tolist() == CHECKS
    assert printed.index("Data quality") < printed.index("Residents within the service radius")

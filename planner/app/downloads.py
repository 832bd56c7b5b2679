"""The files the app's downloads tab offers, as bytes, without Streamlit.

Result tables as CSV (with a byte-order mark, so that Excel shows Chinese) and as one Excel
workbook, the layers as one GeoPackage, and the stem their names start with.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pandas as pd

from planner.analysis import Analysis
from planner.app.dashboard import coverage_table, rules_table
from planner.outputs import for_file
from planner.plan.scenario import Scenario

__all__ = ["checks_csv", "communities_csv", "file_stem", "layers_gpkg", "tables_xlsx"]


def file_stem(result: Analysis, scenario: Scenario) -> str:
    """What the downloaded files' names start with: the study, and the scenario's name when it has edits.

    A scenario without a name is called ``scenario`` ("district-scenario.gpkg").
    """
    return result.study.name + (f"-{scenario.name or 'scenario'}" if scenario.edits else "")


def communities_csv(result: Analysis) -> bytes:
    """The community results as UTF-8 CSV with a byte-order mark (Excel shows Chinese)."""
    data = for_file(result.communities.drop(columns="geometry"))
    return data.to_csv(index=False).encode("utf-8-sig")


def checks_csv(result: Analysis) -> bytes:
    """The long rule-check table as UTF-8 CSV with a byte-order mark."""
    return for_file(result.checks).to_csv(index=False).encode("utf-8-sig")


def tables_xlsx(result: Analysis, lang: str) -> bytes:
    """Summary, communities, rule checks, facilities and validation as one Excel workbook."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        coverage_table(result, lang).to_excel(xl, sheet_name="coverage", index=False)
        rules_table(result, lang).to_excel(xl, sheet_name="rules", index=False)
        for_file(result.communities.drop(columns="geometry")).to_excel(xl, sheet_name="communities", index=False)
        for_file(result.checks).to_excel(xl, sheet_name="checks", index=False)
        for_file(result.facilities.drop(columns="geometry")).to_excel(xl, sheet_name="facilities", index=False)
        for_file(result.validation).to_excel(xl, sheet_name="validation", index=False)
    return buf.getvalue()


def layers_gpkg(result: Analysis) -> bytes:
    """Cells, communities and facilities as one GeoPackage (in the analysis CRS)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.gpkg"
        for layer, frame in (("communities", result.communities), ("facilities", result.facilities)):
            for_file(frame).to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        for_file(result.cells).to_file(path, layer="cells", driver="GPKG", engine="pyogrio")
        return path.read_bytes()

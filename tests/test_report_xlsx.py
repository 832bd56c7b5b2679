"""Tests for the XLSX report: one sheet per table, frozen headers, numbers as numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from test_report_data import Run, english_words, research_keys_in, run_district

from planner.report import build_report
from planner.report.content import build_content


@pytest.fixture(scope="module")
def district_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The synthetic district of test_report_data, analysed, with its results written."""
    return run_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module")
def workbook(district_run: Run, tmp_path_factory) -> Path:
    return build_report(district_run.result, "xlsx", "zh", tmp_path_factory.mktemp("xlsx") / "report.xlsx")


def test_one_sheet_per_table(workbook: Path, district_run: Run) -> None:
    wb = load_workbook(workbook)
    report = build_content(district_run.result, "zh")
    assert wb.sheetnames[0] == "摘要"
    assert len(wb.sheetnames) == 1 + len(report.tables())
    for name, table in zip(wb.sheetnames[1:], report.tables(), strict=True):
        ws = wb[name]
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), name
        assert [c.value for c in ws[1]] == [c.header for c in table.columns], name
        assert ws.max_row == len(table.rows) + 1, name
        for j, col in enumerate(table.columns, start=1):
            assert ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width == col.width


def test_numbers_are_numbers_equal_to_the_results(workbook: Path, district_run: Run) -> None:
    wb = load_workbook(workbook)
    ws = wb["逐项评估"]
    header = [c.value for c in ws[1]]
    got = pd.DataFrame(list(ws.iter_rows(min_row=2, values_only=True)), columns=header)
    csv = pd.read_csv(district_run.results / "compliance.csv", dtype={"community_id": str}, encoding="utf-8-sig")
    both = got.merge(csv, left_on=["编码", "标准"], right_on=["community_id", "rule_zh"], validate="1:1")
    assert len(both) == len(csv) == len(got)
    for a, b in zip(both["实际值"], both["value"], strict=True):
        assert (a is None and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)
    for a, b in zip(both["标准值"], both["threshold"], strict=True):
        assert (a is None and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)
    numeric = [c for c in ws.iter_rows(min_row=2, min_col=4, max_col=5)]
    assert all(cell.data_type == "n" for row in numeric for cell in row)
    cov = wb["覆盖情况"]
    assert cov["D2"].number_format == "0.0%" and isinstance(cov["D2"].value, float)
    assert cov["C2"].number_format == "#,##0" and isinstance(cov["C2"].value, int | float)


def test_pass_and_fail_are_highlighted(workbook: Path) -> None:
    ws = load_workbook(workbook)["各社区达标一览"]
    colours = {}
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value in ("达标", "未达标", "未评估"):
                colours.setdefault(cell.value, set()).add(cell.fill.fgColor.rgb)
    assert colours["达标"] == {"00E3F4E6"} and colours["未达标"] == {"00FBE3E1"}


def test_summary_sheet_has_the_headlines(workbook: Path, district_run: Run) -> None:
    ws = load_workbook(workbook)["摘要"]
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    report = build_content(district_run.result, "zh")
    for line in [*report.headlines, *report.standards, *report.gaps]:
        assert line in values
    assert report.district in values


def test_report_bytes_for_a_download_button(district_run: Run) -> None:
    from planner.report import MEDIA_TYPES, report_bytes

    data = report_bytes(district_run.result, "xlsx", "en")
    assert data[:2] == b"PK" and MEDIA_TYPES["xlsx"].endswith("spreadsheetml.sheet")


def test_chinese_workbook_notes_and_standards_are_in_chinese(workbook: Path, district_run: Run) -> None:
    """The standards sheet (with its notes) and the checks' basis and status are in Chinese, and no
    sheet but the two trail sheets names a research key."""
    wb = load_workbook(workbook)
    report = build_content(district_run.result, "zh")
    book = district_run.result.study.rulebook
    from planner.report.text import tr

    standards = wb[tr("sheet_rule_numbers", "zh")]
    texts = [str(c.value) for row in standards.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts and [t for t in texts if english_words(t)] == []
    checks = wb[tr("sheet_checks", "zh")]
    header = [c.value for c in checks[1]]
    for col in (tr("col_basis", "zh"), tr("col_status", "zh")):
        j = header.index(col)
        values = [row[j].value for row in checks.iter_rows(min_row=2)]
        assert values and all(isinstance(v, str) and not english_words(v) for v in values), col
    trail = {tr("sheet_rule_trail", "zh"), tr("sheet_rule_sources", "zh")}
    for ws in wb.worksheets:
        if ws.title in trail:
            continue
        text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
        assert research_keys_in(text, book) == [], ws.title
    assert report.rule_trail.rows

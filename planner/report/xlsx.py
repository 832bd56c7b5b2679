"""The report as a spreadsheet: a summary sheet, then one sheet per table.

Every sheet has its header row frozen and filtered, column widths set, numbers stored as
numbers with a display format (so they can be summed and sorted), and pass / fail cells
highlighted. Values are the unrounded figures of the analysis.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.outputs import write_atomic
from planner.report.model import Report, Table
from planner.report.text import tr

NUMBER_FORMATS = {
    "count": "#,##0",
    "area": "#,##0",
    "dist": "#,##0",
    "share": "0%",
    "share1": "0.0%",
    "ratio": "0.0",
    "dec3": "0.000",
    "num": "#,##0.###",
}
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
STATUS_STYLE = {
    "pass": (PatternFill("solid", fgColor="E3F4E6"), Font(bold=True, color="1B7A3A")),
    "fail": (PatternFill("solid", fgColor="FBE3E1"), Font(bold=True, color="B3261E")),
    "na": (PatternFill("solid", fgColor="EEEEEE"), Font(color="5F6B7A")),
}
#: columns frozen to the left of each sheet (identifying columns), beyond the header row
FROZEN_COLUMNS = {
    "matrix": 2,
    "checks": 2,
    "facilities": 2,
    "ranking": 3,
    "sub_coverage": 1,
    "sub_standards": 1,
    "plan_sites": 2,
    "plan_stations": 1,
    "plan_grids": 2,
    "plan_access": 2,
    "three_lists": 2,
}


def write_xlsx(report: Report, out_path: Path) -> Path:
    """Write the workbook atomically and return its path."""
    wb = Workbook()
    summary = wb.active
    summary.title = tr("sheet_summary", report.lang)
    names: list[tuple[str, Table]] = []
    for table in report.tables():
        ws = wb.create_sheet(_sheet_name(tr(f"sheet_{table.key}", report.lang), wb))
        _write_table(ws, table, report.lang)
        names.append((ws.title, table))
    _write_summary(summary, report, names)
    wb.properties.title = f"{report.district} · {report.title}"
    wb.properties.creator = "planner"
    return write_atomic(out_path, lambda p: wb.save(p))


def _sheet_name(name: str, wb: Workbook) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    taken = {ws.title for ws in wb.worksheets}
    out, i = clean, 2
    while out in taken:
        out = f"{clean[:28]} {i}"
        i += 1
    return out


def _write_table(ws: Worksheet, table: Table, lang: str) -> None:
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=j, value=col.header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="bottom")
        ws.column_dimensions[get_column_letter(j)].width = col.width
    if table.note:
        ws.cell(row=1, column=1).comment = Comment(f"{table.title}\n{table.note}", "planner", width=400, height=120)
    for i, row in enumerate(table.rows, start=2):
        for j, (col, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            _write_cell(ws, i, j, col.kind, value, lang)
    ws.row_dimensions[1].height = 32
    frozen = FROZEN_COLUMNS.get(table.key, 0)
    ws.freeze_panes = ws.cell(row=2, column=frozen + 1)
    if table.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"


def _write_cell(ws: Worksheet, i: int, j: int, kind: str, value, lang: str) -> None:
    if kind == "pass" or value.kind == "pass":
        status = value.status or "na"
        cell = ws.cell(row=i, column=j, value=tr(status, lang))
        cell.fill, cell.font = STATUS_STYLE[status]
        cell.alignment = Alignment(horizontal="center")
        return
    if value.num is not None:
        v = value.num.value
        cell = ws.cell(row=i, column=j, value=None if v is None else float(v))
        cell.number_format = NUMBER_FORMATS.get(value.num.kind, "General")
        return
    if isinstance(value.value, int | float) and not isinstance(value.value, bool):
        ws.cell(row=i, column=j, value=value.value)
        return
    cell = ws.cell(row=i, column=j, value=value.value)
    if isinstance(value.value, str) and len(value.value) > 40:
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_summary(ws: Worksheet, report: Report, sheets: list[tuple[str, Table]]) -> None:
    bold = Font(bold=True)
    title = Font(bold=True, size=14, color="1F3A5F")
    heading = Font(bold=True, size=11, color="1F3A5F")
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110
    ws.append([report.title])
    ws["A1"].font = title
    ws.append([report.district])
    ws["A2"].font = heading
    ws.append([])
    cover, summary = report.section("cover"), report.section("summary")
    for fact in cover.facts if cover else ():
        ws.append([fact.label, fact.value])
        ws.cell(row=ws.max_row, column=1).font = bold
    ws.append([])
    ws.append([tr("key_figures", report.lang)])
    ws.cell(row=ws.max_row, column=1).font = heading
    for num, label in summary.key_figures if summary else ():
        ws.append([label, num.value])
        ws.cell(row=ws.max_row, column=2).number_format = NUMBER_FORMATS["count"]
        ws.cell(row=ws.max_row, column=2).alignment = Alignment(horizontal="left")
    blocks = [
        ("coverage_heading", summary.items("headlines") if summary else []),
        ("standards_heading", summary.items("standards") if summary else []),
        ("gaps_heading", (summary.items("gaps") if summary else []) or [tr("gaps_none", report.lang)]),
    ]
    for key, lines in blocks:
        ws.append([])
        ws.append([tr(key, report.lang)])
        ws.cell(row=ws.max_row, column=1).font = heading
        for k, line in enumerate(lines, start=1):
            ws.append([k, line])
            ws.cell(row=ws.max_row, column=1).alignment = Alignment(horizontal="left", vertical="top")
            ws.cell(row=ws.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([])
    ws.append([tr("x_sheets", report.lang)])
    ws.cell(row=ws.max_row, column=1).font = heading
    for name, table in sheets:
        ws.append([name, table.title])
        ws.cell(row=ws.max_row, column=1).hyperlink = f"#'{name}'!A1"
        ws.cell(row=ws.max_row, column=1).font = Font(color="1F3A5F", underline="single")

"""Reports for officials: PDF, HTML and XLSX, in Chinese or English.

One call builds a report from an analysis::

    import planner
    from planner.report import build_report

    result = planner.analyze(planner.load_study("district.gpkg"))
    build_report(result, "pdf", "zh", "report.pdf")

The content is a list of sections (:mod:`planner.report.sections`, one module each), composed
by :func:`planner.report.content.build_content` from the same tables that
:func:`planner.write_results` writes (and the planning commands' outputs, read by
:func:`planner.report.plans.read_plans`); the PDF, HTML and XLSX renderers only lay it out.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.analysis import Analysis
from planner.errors import PlannerError
from planner.report.content import build_content
from planner.report.model import Report, Section
from planner.report.plans import Plans, read_plans
from planner.report.text import LANGS

FORMATS = ("pdf", "html", "xlsx")
#: media type of each format, e.g. for a download button
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

__all__ = [
    "FORMATS",
    "LANGS",
    "MEDIA_TYPES",
    "Plans",
    "Report",
    "Section",
    "build_content",
    "build_report",
    "read_plans",
    "report_bytes",
]


def build_report(
    result: Analysis,
    fmt: str,
    lang: str,
    out_path: str | Path,
    *,
    scenario: object = None,
    siting: pd.DataFrame | None = None,
    plans: Plans | None = None,
) -> Path:
    """Write a report of ``result`` to ``out_path`` and return the path.

    Parameters
    ----------
    result
        An analysis from :func:`planner.analyze` (or :func:`planner.with_facilities` for a
        what-if scenario).
    fmt
        ``"pdf"``, ``"html"`` (one self-contained file) or ``"xlsx"`` (one sheet per table).
    lang
        ``"zh"`` (简体中文) or ``"en"``.
    out_path
        The file to write; its folder is created. Written atomically: an existing file is
        replaced only when the new one is complete.
    scenario
        For a what-if result: a name (str), a list of edits (mappings such as
        ``{"action": "add", "type": "kindergarten", "floor_area_m2": 2400}``), or a mapping
        ``{"name": ..., "edits": [...]}``. Shown on the cover and listed in the report.
    siting
        Proposed sites from a siting run: a DataFrame (or GeoDataFrame with points, drawn on
        the coverage maps) with one row per site in the order chosen, with columns ``type``
        (a rulebook facility-type key) and ``residents_added`` (residents newly within the
        radius), and optionally ``name`` / ``site_id`` / ``candidate_id`` and ``community_id``.
    plans
        The planning commands' results (:func:`planner.report.plans.read_plans` of the ``--out``
        folders of ``planner site``, ``workstations`` / ``grids`` and ``access``): a section each.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    PlannerError
        For an unknown format or language, malformed ``scenario`` / ``siting``, or a missing
        CJK font or PDF library (the message says what to install).
    """
    if fmt not in FORMATS:
        raise PlannerError(f"report format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if lang not in LANGS:
        raise PlannerError(f"report language must be one of {', '.join(LANGS)}, got {lang!r}")
    out = Path(out_path)
    if out.exists() and out.is_dir():
        raise PlannerError(f"{out} is a folder; give the report's file name, e.g. {out / ('report.' + fmt)}")
    if out.resolve() in {Path(s.file).resolve() for s in result.study.sources}:
        raise PlannerError(f"refusing to overwrite the input file {out}; choose another output file")
    report = build_content(result, lang, scenario=scenario, siting=siting, plans=plans)
    if fmt == "xlsx":
        from planner.report.xlsx import write_xlsx

        return write_xlsx(report, out)
    if fmt == "html":
        from planner.report.fonts import cjk_font
        from planner.report.html import write_html

        cjk_font()  # the maps need it: fail early with the install hint
        return write_html(report, result, out, siting=siting)
    from planner.report.pdf import write_pdf

    return write_pdf(report, result, out, siting=siting)


def report_bytes(
    result: Analysis,
    fmt: str,
    lang: str,
    *,
    scenario: object = None,
    siting: pd.DataFrame | None = None,
    plans: Plans | None = None,
) -> bytes:
    """The report as bytes (for a download button): :func:`build_report` into a temporary file.

    The media type of the bytes is ``MEDIA_TYPES[fmt]``.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="planner-report-") as tmp:
        path = build_report(
            result, fmt, lang, Path(tmp) / f"report.{fmt}", scenario=scenario, siting=siting, plans=plans
        )
        return path.read_bytes()

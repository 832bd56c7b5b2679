"""The report as PDF: the HTML report's print layout, typeset by WeasyPrint.

WeasyPrint lays out the same template and stylesheet as the HTML report (paged media CSS:
running headers, page numbers, table headers repeated on every page, rows never split), finds
fonts through fontconfig and embeds subsets of them, so Chinese text is real, searchable text
in the PDF.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.analysis import Analysis
from planner.errors import PlannerError
from planner.outputs import write_atomic
from planner.report.fonts import cjk_font
from planner.report.html import render_html
from planner.report.model import Report


def write_pdf(report: Report, result: Analysis, out_path: Path, *, siting: pd.DataFrame | None = None) -> Path:
    """Typeset the report and write it atomically to ``out_path``."""
    weasyprint = _weasyprint()
    font = cjk_font()
    html = render_html(report, result, for_pdf=True, siting=siting, font_family=font.family)
    document = weasyprint.HTML(string=html, base_url=str(out_path.parent))
    return write_atomic(out_path, lambda p: document.write_pdf(str(p)))


def _weasyprint():
    try:
        import weasyprint
    except ImportError as exc:
        raise PlannerError(
            "PDF reports need the Python package weasyprint (pip install 'weasyprint>=62') and the Pango library "
            f"(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0); HTML and XLSX reports work without. "
            f"({exc})"
        ) from exc
    except OSError as exc:  # the package is there but Pango is not
        raise PlannerError(
            "PDF reports need the Pango library: on Debian/Ubuntu run 'apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0'; HTML and XLSX reports work without it ({exc})"
        ) from exc
    return weasyprint

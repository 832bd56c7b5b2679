"""The report as one self-contained HTML document (also the source of the PDF).

Maps are embedded as SVG data URIs and the stylesheet is inline: the file opens offline, with
no script and no external resource. The same template and stylesheet produce the PDF (see
:mod:`planner.report.pdf`), so both formats always show the same content.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from importlib import resources
from itertools import groupby
from pathlib import Path

import pandas as pd

from planner.analysis import Analysis
from planner.outputs import write_atomic
from planner.report.figures import render_map
from planner.report.model import MapSpec, Report, Table
from planner.report.text import tr

#: font stack for readers' machines after the font the report was made with
FALLBACK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "sans-serif",
)

#: columns left out of the printed tables (they stay in the spreadsheet)
HIDDEN = {"checks": {"basis", "status", "community"}, "facilities": {"snap_distance_m"}}
#: a section laid out generically whose table has more columns than this prints on landscape pages
WIDE_COLUMNS = 9
#: for grouped tables: the column whose text heads each group, with the group column's in brackets
GROUP_LABEL = {"checks": "community"}


@dataclass(frozen=True)
class RenderedMap:
    """A map, its embedded image and its figure number."""

    spec: MapSpec
    uri: str
    number: int = 0


def render_maps(report: Report, result: Analysis, *, siting: pd.DataFrame | None = None) -> dict[str, RenderedMap]:
    """Every map of the report drawn once, by its key, numbered in reading order."""
    from planner.report.layers import MapLayers
    from planner.report.plan_maps import PLAN_KINDS, render_plan_map

    layers = MapLayers(result)  # cells and streets converted once for all maps

    def draw(spec: MapSpec) -> bytes:
        if spec.kind in PLAN_KINDS:
            return render_plan_map(spec, result, report, layers)
        return render_map(spec, result, report, siting=siting, layers=layers)

    specs = [spec for section in report.sections for spec in section.figures]
    return {spec.key: RenderedMap(spec, _svg_uri(draw(spec)), number) for number, spec in enumerate(specs, start=1)}


def render_html(
    report: Report,
    result: Analysis,
    *,
    for_pdf: bool = False,
    siting: pd.DataFrame | None = None,
    font_family: str | None = None,
    maps: dict[str, RenderedMap] | None = None,
) -> str:
    """The report as an HTML string (screen layout, or print layout for the PDF).

    ``maps`` are the maps already drawn (:func:`render_maps`); without them they are drawn here.
    """
    import jinja2

    from planner import __version__

    drawn = maps if maps is not None else render_maps(report, result, siting=siting)
    env = jinja2.Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    template = env.from_string(_resource("report.html.j2"))
    lang = report.lang
    return template.render(
        r=report,
        rendered=lambda section: [drawn[spec.key] for spec in section.figures],
        css=_css(report, font_family),
        for_pdf=for_pdf,
        version=__version__,
        toc=_toc(report),
        t=lambda key, **kw: tr(key, lang, **kw),
        visible=lambda table: _visible(table),
        groups=_groups,
        wide=lambda section: any(len(table.columns) > WIDE_COLUMNS for table in section.tables),
        figure_label=lambda i: f"图{i}" if lang == "zh" else f"Figure {i}",
    )


def write_html(report: Report, result: Analysis, out_path: Path, *, siting: pd.DataFrame | None = None) -> Path:
    """Write the HTML report atomically and return its path."""
    html = render_html(report, result, siting=siting)
    return write_atomic(out_path, lambda p: p.write_text(html, encoding="utf-8"))


def _resource(name: str) -> str:
    return resources.files("planner.report").joinpath("templates", name).read_text("utf-8")


def _css(report: Report, font_family: str | None) -> str:
    fonts = ([font_family] if font_family else []) + [f for f in FALLBACK_FONTS if f != font_family]
    stack = ", ".join(f if f == "sans-serif" else json.dumps(f) for f in fonts)
    if report.lang == "zh":
        page = '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    else:
        page = '"Page " counter(page) " of " counter(pages)'
    css = _resource("report.css")
    return (
        css.replace("var(--font)", stack)
        .replace("var(--page-label)", page)
        .replace("var(--header)", css_string(report.footer))
    )


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    out = []
    for ch in text:
        if ch in '\\"<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _svg_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _visible(table: Table) -> set[str]:
    hidden = HIDDEN.get(table.key, set())
    return {c.key for c in table.columns if c.key not in hidden}


def _groups(table: Table) -> list[tuple[str, list]]:
    """Consecutive rows with the same group value, each with its heading."""
    index = table.column_index(table.group or "")
    label = table.column_index(GROUP_LABEL[table.key]) if table.key in GROUP_LABEL else None
    out = []
    for key, grp in groupby(table.rows, key=lambda row: row[index].text):
        rows = list(grp)
        out.append((f"{rows[0][label].text} ({key})" if label is not None else key, rows))
    return out


def _toc(report: Report) -> list[tuple[str, str]]:
    """The numbered sections (all but the cover): anchor and title."""
    return [(s.key, s.title) for s in report.sections if s.title]

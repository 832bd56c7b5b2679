"""Tests for the PDF report: Chinese renders (embedded CJK font), every figure is in the text.

The PDF's text is extracted with pypdf, as a reader's search or copy would see it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_report_data import Run, printed_nums, research_keys_in, run_district

from planner.report import build_report
from planner.report.content import build_content
from planner.report.text import tr


@pytest.fixture(scope="module")
def district_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The synthetic district of test_report_data, analysed, with its results written."""
    return run_district(tmp_path_factory.mktemp("district"))


@pytest.fixture(scope="module", params=["zh", "en"])
def pdf(request: pytest.FixtureRequest, district_run: Run, tmp_path_factory) -> tuple[str, Path, PdfReader]:
    lang = request.param
    path = build_report(district_run.result, "pdf", lang, tmp_path_factory.mktemp("pdf") / f"report_{lang}.pdf")
    return lang, path, PdfReader(path)


def _text(reader: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_pdf_embeds_a_chinese_font(pdf: tuple[str, Path, PdfReader]) -> None:
    _, _, reader = pdf
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            for desc in font.get("/DescendantFonts", [font]):
                desc = desc.get_object()
                fd = desc.get("/FontDescriptor")
                if fd is not None and any(k in fd.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(desc["/BaseFont"]))
    assert any("CJK" in f or "Hei" in f or "Han" in f for f in fonts), fonts


def test_pdf_text_has_the_chinese_labels(pdf: tuple[str, Path, PdfReader]) -> None:
    lang, _, reader = pdf
    text = _text(reader)
    assert "锦城社区" in text  # community names are Chinese in both languages
    if lang == "zh":
        for label in (
            "社区服务设施覆盖与达标评估报告",
            "最突出的三项短板",
            "各社区逐项评估结果",
            "未达标",
            "核实状态说明",
        ):
            assert label in text, label
        assert re.search(r"第 \d+ 页 / 共 \d+ 页", text)
    else:
        for label in ("The three most urgent gaps", "Every community against every standard", "fails"):
            assert label in text, label
        assert re.search(r"Page \d+ of \d+", text)


def test_pdf_shows_every_figure(pdf: tuple[str, Path, PdfReader], district_run: Run) -> None:
    lang, _, reader = pdf
    text = _text(reader)
    tokens = set(re.findall(r"\d[\d,.]*%?|–", text)) | {t.rstrip(".") for t in re.findall(r"\d[\d,.]*", text)}
    report = build_content(district_run.result, lang)
    missing = sorted({n.text for n in printed_nums(report)} - tokens)
    assert not missing, f"figures missing from the PDF text: {missing[:20]}"
    for line in report.headlines:
        assert line in text, line


def test_pdf_pages(pdf: tuple[str, Path, PdfReader], district_run: Run) -> None:
    _, _, reader = pdf
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes <= {(595, 842), (842, 595)}  # A4, with the matrix on a landscape page
    assert (842, 595) in sizes
    assert 8 <= len(reader.pages) <= 40


def test_pdf_names_no_research_key_outside_the_method_appendix(
    pdf: tuple[str, Path, PdfReader], district_run: Run
) -> None:
    lang, _, reader = pdf
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    marker = tr("t_parameters", lang)  # the method appendix's first table
    first = next(i for i, text in enumerate(pages) if marker in text)
    book = district_run.result.study.rulebook
    assert research_keys_in(" ".join(pages[:first]), book) == []
    assert "GRID-BLOG" in " ".join(pages[first:])
    if lang == "zh":
        standards = " ".join(pages[first:])
        assert "《城市居住区规划设计标准》GB 50180-2018" in standards.replace(" 附录", "附录")

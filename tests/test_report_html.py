"""Tests for the HTML report: one self-contained file that opens offline and shows every figure."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_report_data import Run, printed_nums, research_keys_in, run_district

from planner.report import build_report
from planner.report.content import build_content
from planner.report.html import css_string


@pytest.fixture(scope="module")
def district_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The synthetic district of test_report_data, analysed, with its results written."""
    return run_district(tmp_path_factory.mktemp("district"))


class Page(HTMLParser):
    """Collects the visible text, the tags with their attributes, and the style sheets."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        elif self._in and self._in[-1] in ("script", "title"):
            return
        else:
            self.text.append(data)


@pytest.fixture(scope="module", params=["zh", "en"])
def html_report(request: pytest.FixtureRequest, district_run: Run, tmp_path_factory) -> tuple[str, Path, Page]:
    lang = request.param
    path = build_report(district_run.result, "html", lang, tmp_path_factory.mktemp("html") / f"report_{lang}.html")
    page = Page()
    page.feed(path.read_text("utf-8"))
    return lang, path, page


def test_html_is_self_contained(html_report: tuple[str, Path, Page]) -> None:
    _, path, page = html_report
    html = path.read_text("utf-8")
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "data", "poster"):
            if name not in attrs:
                continue
            value = attrs[name] or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {name}={value}> loads from the network"
            if name == "src":
                assert value.startswith("data:image/svg+xml;base64,"), f"<{tag}> image is not embedded"
    css = "\n".join(page.styles)
    assert "url(" not in css and "@import" not in css
    assert "http://" not in css and "https://" not in css
    assert html.count("<img") >= 3


def test_html_maps_are_valid_svg_with_no_external_references(html_report: tuple[str, Path, Page]) -> None:
    _, _, page = html_report
    images = [a["src"] for t, a in page.tags if t == "img"]
    for src in images:
        svg = base64.b64decode(src.split(",", 1)[1])
        root = ElementTree.fromstring(svg)
        assert root.tag.endswith("svg")
        for el in root.iter():
            for key, value in el.attrib.items():
                if key.endswith("href"):
                    assert value.startswith(("#", "data:")), f"SVG references {value}"


def test_html_shows_every_figure(html_report: tuple[str, Path, Page], district_run: Run) -> None:
    lang, _, page = html_report
    text = re.sub(r"\s+", " ", " ".join(page.text))
    report = build_content(district_run.result, lang)
    missing = sorted({n.text for n in printed_nums(report)} - {t for t in _tokens(text)})
    assert not missing, f"figures missing from the HTML: {missing[:20]}"


def _tokens(text: str) -> set[str]:
    """Every substring that could be a printed number: digits with , . % and the dash."""
    return set(re.findall(r"\d[\d,.]*%?|–", text)) | {m.rstrip(".") for m in re.findall(r"\d[\d,.]*", text)}


def test_html_labels_in_the_language(html_report: tuple[str, Path, Page]) -> None:
    lang, path, page = html_report
    text = " ".join(page.text)
    html = path.read_text("utf-8")
    if lang == "zh":
        assert '<html lang="zh-CN">' in html
        for label in ("摘要", "地图", "最突出的三项短板", "各社区达标一览", "所用标准及其来源", "未达标", "锦城社区"):
            assert label in text
    else:
        assert '<html lang="en">' in html
        for label in ("Summary", "Maps", "The three most urgent gaps", "Standards met, by community", "fails"):
            assert label in text
        assert "锦城社区" in text  # names stay as the data has them


def test_district_name_cannot_break_out_of_css() -> None:
    assert css_string('a"b</style><script>') == '"a\\22 b\\3c /style\\3e \\3c script\\3e "'


def test_no_research_key_outside_the_method_appendix(html_report: tuple[str, Path, Page], district_run: Run) -> None:
    """Research keys (eval sets, blogs, code repositories) are the trail, never a rule's basis:
    they appear only in the method appendix."""
    lang, path, _ = html_report
    html = path.read_text("utf-8")
    start = html.index('<section id="method"')
    end = html.index("</section>", start)
    book = district_run.result.study.rulebook
    outside, appendix = html[:start] + html[end:], html[start:end]
    assert research_keys_in(outside, book) == []
    assert "RAG-EVAL" in appendix  # the trail is still there
    if lang == "zh":
        assert "依据(标准或政策文件及条款)" in appendix or "依据（标准或政策文件及条款）" in appendix

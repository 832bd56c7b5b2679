"""The report composed of sections: the sample's report text pinned section by section, no eval.

The golden hashes below were taken from the sample's HTML report written by the code before the
report was split into sections (the ContentBuilder chain with ``eval``), in both languages; the
refactor must not change one character of any section's text.
"""

from __future__ import annotations

import ast
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import planner
from planner.report import build_content
from planner.report.html import render_html

#: sha256 (first 16 hex digits) of each <section>'s text in the sample's report, dates and the
#: planner version masked; from the report before the sections (commit fb8be34)
GOLDEN = {
    "zh": {
        "cover": "cef4e1b384499626",
        "summary": "df182e3c2c147315",
        "maps": "3d4decdfa6cbeb04",
        "tables": "afe0a6b8c3c25ab7",
        "checks": "721406c6b16886aa",
        "facilities": "ef3f0b2a34cbf52d",
        "recommendations": "204c097ffc5fe957",
        "method": "5192d816469668ba",
    },
    "en": {
        "cover": "32c4a9b4b822b2c4",
        "summary": "186e7a8027716857",
        "maps": "0ace5e6aec3a4659",
        "tables": "648c6b9ff394a71e",
        "checks": "0887036371ca8340",
        "facilities": "36bc1b4da35c46b7",
        "recommendations": "36b6ce911ca41a00",
        "method": "4b84f8281da56b3e",
    },
}

#: the same of the summary's table of served groups (census shares of the rulebook: 56,076 elderly...)
GOLDEN_GROUPS = {"zh": "fca407a5fd768bef", "en": "f0528af05b0170d7"}


class _Text(HTMLParser):
    """The text of each top-level <section>, by its id, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self.current = dict(attrs).get("id") or "?"
            self.sections[self.current] = []
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1
        if tag == "section":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current is not None and not self.skip:
            self.sections[self.current].append(data)


def section_texts(html: str) -> dict[str, str]:
    """Each section's text, with dates and the planner version masked."""
    parser = _Text()
    parser.feed(html)
    out = {}
    for key, parts in parser.sections.items():
        text = " ".join(" ".join(parts).split())
        text = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", text)
        out[key] = text.replace(planner.__version__, "<version>")
    return out


def _hashes(html: str) -> dict[str, str]:
    return {k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in section_texts(html).items()}


@pytest.fixture(scope="module")
def sample() -> planner.Analysis:
    return planner.analyze(planner.load_study(None))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sample_report_text_is_unchanged_section_by_section(
    sample: planner.Analysis, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import planner.report.html as html_module

    monkeypatch.setattr(html_module, "render_map", lambda spec, result, report, **kw: b"<svg/>")
    html = render_html(build_content(sample, lang), sample)
    # the summary gained one table (who each service is for); the rest of its text is as before
    groups = re.search(
        r"\s*<h3>[^<]*</h3>\s*<p class=\"note lead\">[^<]*</p>\s*<table class=\"data compact t-groups\">.*?</table>",
        html,
        re.S,
    )
    assert groups is not None
    assert _hashes(f"<section id='groups'>{groups.group(0)}</section>")["groups"] == GOLDEN_GROUPS[lang]
    got = _hashes(html.replace(groups.group(0), ""))
    assert list(got) == list(GOLDEN[lang])  # the same sections in the same order
    changed = [k for k in got if got[k] != GOLDEN[lang][k]]
    assert not changed, f"the text of section(s) {changed} changed"


def test_report_sections_are_listed_in_reading_order(sample: planner.Analysis) -> None:
    report = build_content(sample, "en")
    assert [s.key for s in report.sections] == ["cover", "summary", "maps", "tables", "recommendations", "method"]
    assert [s.title for s in report.sections[1:]] == [
        "1 Summary",
        "2 Maps",
        "3 Results by community and facility",
        "4 Recommendations",
        "5 Method and provenance",
    ]
    # the former attributes read the sections
    assert report.checks is report.section("tables").table("checks")
    assert report.headlines == report.section("summary").items("headlines")


def test_no_eval_and_no_import_circle_in_the_report_package() -> None:
    root = Path(planner.__file__).parent / "report"
    modules = {p: ast.parse(p.read_text("utf-8")) for p in root.rglob("*.py")}
    for path, tree in modules.items():
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) in ("eval", "exec")
        ]
        assert not calls, f"{path} calls eval/exec"
        assert len(path.read_text("utf-8").splitlines()) <= 400, f"{path} has more than 400 lines"
    # imports between the report's modules form no cycle
    graph: dict[str, set[str]] = {}
    for path, tree in modules.items():
        name = ".".join(path.relative_to(root.parent.parent).with_suffix("").parts).removesuffix(".__init__")
        graph[name] = {
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("planner.report")
        } | {
            f"{n.module}.{a.name}"
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module == "planner.report.sections"
            for a in n.names
        }
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if nxt not in graph:
                continue
            assert state.get(nxt) != 1, f"import circle: {' -> '.join([*trail, node, nxt])}"
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])

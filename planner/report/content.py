"""The report's figures and texts, computed from an :class:`~planner.analysis.Analysis`.

:func:`build_content` is the only place where the report computes anything. It reads the
analysis tables (the same ones :func:`planner.write_results` writes), the summary and the
rulebook, and records every number it prints as a :class:`~planner.report.model.Num` with a
reference to its source, so that tests can compare each printed figure with the written files.
Tables live in :mod:`planner.report.tables`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from planner import naming
from planner.analysis import Analysis
from planner.errors import PlannerError
from planner.report.model import Cell, Fact, Num, Ref, Report, Table
from planner.report.text import LANGS, tr, zh_punct

SUMMARY = "summary.json"
COMMUNITIES = "communities.csv"
FACILITIES = "facilities.csv"


def build_content(
    result: Analysis,
    lang: str,
    *,
    scenario: object = None,
    siting: pd.DataFrame | None = None,
) -> Report:
    """Compute everything the report shows, in ``lang`` (``"zh"`` or ``"en"``).

    Parameters
    ----------
    result
        The analysis to report on.
    scenario
        None, a label (str), a sequence of edits (mappings), or a mapping with ``name`` and
        ``edits``; see :func:`planner.report.build_report`.
    siting
        Proposed sites: a table with ``type`` and ``residents_added`` and optionally ``site_id``
        / ``name`` / ``community_id`` and a point geometry.
    """
    if lang not in LANGS:
        raise PlannerError(f"report language must be one of {', '.join(LANGS)}, got {lang!r}")
    from planner.report.method import ReportBuilder

    b = ReportBuilder(result, lang)
    label, edits = _scenario(scenario)
    sites = _siting(siting, result)
    s = result.summary
    report = Report(
        lang=lang,
        title=b.t("title"),
        subtitle=b.t("subtitle"),
        district=result.study.name,
        date=str(s["generated"])[:10],
        cover=b.cover(label, edits),
        sources=b.sources(),
        osm=bool(result.study.streets_from_osm),
        key_figures=b.key_figures(),
        headlines=b.headlines(),
        coverage=b.coverage(),
        standards=b.standards(),
        gaps=b.gaps(),
        maps=b.maps(),
        matrix=b.matrix(),
        checks=b.checks(),
        facilities=b.facilities(),
        sub_districts=b.sub_districts(),
        ranking=b.ranking(),
        siting=b.siting(sites) if sites is not None else None,
        method=b.method(),
        parameters=b.parameters(),
        rule_numbers=b.rule_numbers(),
        rule_trail=b.rule_trail(),
        statuses=b.statuses(),
        rule_sources=b.rule_sources(),
        validation=b.validation(),
        scenario=b.scenario(label, edits) if edits else None,
        attribution=b.attribution(),
        footer=b.t("footer", district=result.study.name, title=b.t("title")),
    )
    report.nums = b.nums
    report.map_nums = b.map_nums
    return report


def _scenario(scenario: object) -> tuple[str | None, list[Mapping[str, object]]]:
    """(label, edits) from a name, a list of edits, a mapping or a scenario object.

    A scenario object is anything with ``name`` and ``edits`` attributes (such as the app's
    :class:`planner.plan.scenario.Scenario`); edits may be mappings or dataclasses.
    """
    if scenario is None:
        return None, []
    if isinstance(scenario, str):
        return scenario, []
    if isinstance(scenario, Mapping):
        label = scenario.get("name") or scenario.get("label")
        return (str(label) if label else None), _edit_list(scenario.get("edits", []))
    if hasattr(scenario, "edits"):
        label = getattr(scenario, "name", None)
        return (str(label) if label else None), _edit_list(list(scenario.edits))
    if isinstance(scenario, Sequence):
        return None, _edit_list(scenario)
    raise PlannerError("scenario must be a name, a list of edits, or a mapping with 'name' and 'edits'")


def _edit_list(edits: object) -> list[Mapping[str, object]]:
    if isinstance(edits, str) or not isinstance(edits, Sequence):
        raise PlannerError("a scenario's edits must be a list such as [{'op': 'add', 'type': 'kindergarten', ...}]")
    out: list[Mapping[str, object]] = []
    for e in edits:
        if dataclasses.is_dataclass(e) and not isinstance(e, type):
            e = dataclasses.asdict(e)
        if not isinstance(e, Mapping):
            raise PlannerError(f"a scenario edit must be a mapping of fields, got {e!r}")
        out.append({k: v for k, v in e.items() if v is not None})
    return out


def _siting(siting: pd.DataFrame | None, result: Analysis) -> pd.DataFrame | None:
    if siting is None:
        return None
    if not isinstance(siting, pd.DataFrame):
        raise PlannerError("siting results must be a table (DataFrame) with columns 'type' and 'residents_added'")
    missing = [c for c in ("type", "residents_added") if c not in siting.columns]
    if missing:
        raise PlannerError(
            f"siting results lack column(s) {', '.join(missing)}; give one row per proposed site with its facility "
            "'type' (a rulebook key) and 'residents_added' (residents newly within the radius)"
        )
    unknown = sorted(set(siting["type"].astype(str)) - set(result.study.rulebook.types))
    if unknown:
        raise PlannerError(f"siting results name facility types not in the rulebook: {', '.join(unknown)}")
    return siting.reset_index(drop=True)


class ContentBuilder:
    """Shared state and helpers: language, rulebook, summary, and the list of printed numbers."""

    def __init__(self, result: Analysis, lang: str) -> None:
        self.result = result
        self.lang = lang
        self.book = result.study.rulebook
        self.s = result.summary
        self.comm = pd.DataFrame(result.communities.drop(columns="geometry"))
        self.by_id = self.comm.set_index("community_id", drop=False)
        self.names = dict(zip(self.comm["community_id"], self.comm["name"], strict=True))
        self.nums: list[Num] = []
        self.map_nums: list[Num] = []

    # -- helpers ---------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        """A report string in this report's language."""
        return tr(key, self.lang, **values)

    def n(self, value: object, kind: str, ref: Ref | None) -> Num:
        """Record a printed number and return it."""
        num = Num(_plain(value), kind, ref)
        self.nums.append(num)
        return num

    def sum_(self, path: str, kind: str = "count") -> Num:
        """A number from summary.json by dotted path (or an expression of paths)."""
        return self.n(_eval_summary(self.s, path), kind, Ref(SUMMARY, path))

    def cnum(self, cid: str, column: str, kind: str, *, drawn: bool = False) -> Num:
        """A number from communities.csv: one community's column (or ``a - b`` of columns).

        ``drawn`` numbers are printed on a map (as graphics, not text) and recorded apart.
        """
        value = _eval_row(self.by_id.loc[cid], column, self)
        ref = Ref(COMMUNITIES, column, row=(("community_id", cid),))
        if drawn:
            num = Num(_plain(value), kind, ref)
            self.map_nums.append(num)
            return num
        return self.n(value, kind, ref)

    def cell(self, num: Num) -> Cell:
        """A numeric table cell."""
        return Cell(num.text, num.value, num.kind, num)

    def text_cell(self, text: object) -> Cell:
        """A text cell (missing values shown as a dash)."""
        shown = "–" if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA else str(text)
        if self.lang == "zh":
            shown = zh_punct(shown)
        return Cell(shown, None if shown == "–" else shown)

    def pass_cell(self, value: object, ref: Ref | None, symbols: bool = False) -> Cell:
        """A pass / fail / not-assessed cell."""
        v = None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else bool(value)
        status = "na" if v is None else ("pass" if v else "fail")
        text = {"pass": "✓", "fail": "✗", "na": "–"}[status] if symbols else self.t(status)
        if ref is not None:
            self.nums.append(Num(v, "pass", ref))
        return Cell(text, v, "pass", None, status)

    def mode_text(self) -> str:
        """The distance mode in words."""
        return self.t("mode_walk" if self.s["distance_mode"] == "walk" else "mode_euclidean")

    def type_label(self, key: str) -> str:
        """A facility type's display name."""
        return self.book.types[key].name(self.lang)

    def rule_rows(self, rid: str, failing: bool = True) -> pd.DataFrame:
        """Communities failing (or passing) a rule."""
        col = self.comm[naming.rule_pass(rid)]
        return self.comm.loc[col.notna() & col.astype("boolean").eq(not failing)]

    # -- cover ------------------------------------------------------------------------------

    def cover(self, label: str | None, edits: list[Mapping[str, object]]) -> list[Fact]:
        """The cover's facts: district, date, rulebook, distance, CRS, scenario, software."""
        rb = self.s["rulebook"]
        facts = [
            Fact(self.t("district"), self.result.study.name),
            Fact(self.t("analysis_date"), str(self.s["generated"])[:10]),
            Fact(self.t("rulebook"), self.book.name_zh if self.lang == "zh" else self.book.name_en),
            Fact(self.t("rulebook_id"), self.t("rulebook_version", id=rb["id"], version=rb["version"])),
            Fact(self.t("distance_mode"), self.mode_text()),
            Fact(self.t("analysis_crs"), f"{self.s['analysis_crs_name']} ({self.s['analysis_crs']})"),
        ]
        if label is not None or edits:
            shown = label or self.t("scenario")
            text = self.t("scenario_edits", label=shown, n=len(edits)) if edits else shown
            facts.append(Fact(self.t("scenario"), text))
        facts.append(Fact(self.t("planner_version"), f"planner {self.s['planner_version']}"))
        if self.lang == "zh":
            facts = [Fact(f.label, zh_punct(f.value)) for f in facts]
        return facts

    def sources(self) -> Table:
        """The input layers with their files, dates and feature counts."""
        from planner.report.model import Column

        cols = (
            Column("layer", self.t("layer"), width=16),
            Column("file", self.t("file"), width=40),
            Column("modified", self.t("modified"), width=14),
            Column("features", self.t("features"), "count", width=12),
        )
        rows = []
        for i, src in enumerate(self.s["sources"]):
            layer = self.t(f"layer_{src['layer']}") if f"layer_{src['layer']}" in _layer_keys() else src["layer"]
            rows.append(
                (
                    self.text_cell(layer),
                    self.text_cell(Path(str(src["file"])).name),
                    self.text_cell(src["modified"]),
                    self.cell(self.sum_(f"sources.{i}.features")),
                )
            )
        return Table("sources", self.t("data_sources"), cols, tuple(rows), sheet=self.t("data_sources"))


def _plain(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value  # type: ignore[return-value]
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value  # type: ignore[return-value]
    return None if math.isnan(v) else v


def _layer_keys() -> set[str]:
    from planner.report.text import STRINGS

    return {k for k in STRINGS if k.startswith("layer_")}


def _lookup(summary: Mapping[str, object], path: str) -> object:
    node: object = summary
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node


def _eval_summary(summary: Mapping[str, object], expr: str) -> float | None:
    """Evaluate ``a.b - c.d`` style expressions of summary paths (numbers and + - * / only)."""
    tokens = expr.split(" ")
    out = []
    for tok in tokens:
        if tok in {"+", "-", "*", "/"} or _is_number(tok):
            out.append(tok)
        else:
            value = _lookup(summary, tok)
            if value is None:
                return None
            out.append(repr(float(value)))  # type: ignore[arg-type]
    try:
        return float(eval(" ".join(out), {"__builtins__": {}}, {}))
    except ZeroDivisionError:
        return None


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def eval_frame(frame: pd.DataFrame, expr: str, b: ContentBuilder) -> pd.Series:
    """A column expression over communities (``a - b`` of columns), per row."""
    parts = expr.split(" ")
    total = frame[parts[0]].astype(float)
    for op, col in zip(parts[1::2], parts[2::2], strict=True):
        total = total - frame[col].astype(float) if op == "-" else total + frame[col].astype(float)
    return total


def _eval_row(row: pd.Series, expr: str, b: ContentBuilder) -> float:
    return float(eval_frame(row.to_frame().T, expr, b).iloc[0])


__all__ = ["ContentBuilder", "build_content", "eval_frame"]

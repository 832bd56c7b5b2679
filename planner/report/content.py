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
from planner.report.model import Cell, Fact, MapSpec, Num, Ref, Report, Table
from planner.report.text import LANGS, article, fmt_number, tr, type_name, zh_punct

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
    :class:`planner.scenario.Scenario`); edits may be mappings or dataclasses.
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
    out = []
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
            Fact(
                self.t("rulebook"),
                f"{self.book.name_zh if self.lang == 'zh' else self.book.name_en} — "
                + self.t("rulebook_version", id=rb["id"], version=rb["version"]),
            ),
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

    # -- summary ----------------------------------------------------------------------------

    def key_figures(self) -> list[tuple[Num, str]]:
        """District totals for the summary page."""
        d = self.s["district"]
        out = [
            (self.sum_("district.communities"), self.t("kf_communities")),
            (self.sum_("district.residents"), self.t("kf_residents")),
        ]
        if d.get("households") is not None:
            out.append((self.sum_("district.households"), self.t("kf_households")))
        if d.get("staff") is not None:
            out.append((self.sum_("district.staff"), self.t("kf_staff")))
        total = " + ".join(f"district.facilities.{k}" for k in d["facilities"])
        out.append((self.sum_(total), self.t("kf_facilities")))
        return out

    def headlines(self) -> list[str]:
        """One sentence per facility type: the share of residents within its radius."""
        out = []
        key = "headline_walk" if self.s["distance_mode"] == "walk" else "headline_euclidean"
        for t in self.s["coverage"]:
            name = type_name(self.type_label(t), self.lang)
            share = self.sum_(f"coverage.{t}.share_covered", "share")
            radius = self.sum_(f"coverage.{t}.radius_m", "num")
            out.append(self.t(key, share=share.text, radius=radius.text, type=name, article=article(name, self.lang)))
        return out

    def standards(self) -> list[str]:
        """One sentence per community standard (coverage standards are in the coverage table)."""
        out = []
        for rid, rule in self.book.rules.items():
            if rule.kind == "coverage":
                continue
            p = f"rules.{rid}"
            n = self.sum_(f"{p}.communities_passing")
            total = self.sum_(f"{p}.communities_passing + {p}.communities_failing")
            text = self._standard_sentence(rid, rule.kind, rule.name(self.lang), n.text, total.text)
            if self.s["rules"][rid]["communities_not_assessed"]:
                text += self.t("std_not_assessed", na=self.sum_(f"{p}.communities_not_assessed").text)
            out.append(text)
        return out

    def _standard_sentence(self, rid: str, kind: str, name: str, n: str, total: str) -> str:
        num = f"rules.{rid}.numbers"
        if kind == "complex_floor_area":
            text = self.t(
                "std_complex",
                n=n,
                total=total,
                min_m2=self.sum_(f"{num}.min_m2.value", "area").text,
                per100=self.sum_(f"{num}.per_100_households_m2.value", "num").text,
            )
            if len(self.rule_rows(rid)):
                text += ("" if self.lang == "zh" else " ") + self.t(
                    "std_complex_short", short=self.shortfall_total(rid).text
                )
            return text
        if kind == "staff_ratio":
            d = "district"
            return self.t(
                "std_staff",
                n=n,
                total=total,
                per10k=self.sum_(f"{num}.per_10k_residents.value", "num").text,
                staff=self.sum_(f"{d}.staff").text,
                residents=self.sum_(f"{d}.residents").text,
                ratio=self.sum_(f"{d}.staff * 10000 / {d}.residents", "ratio").text,
                need=self.staff_needed_total(rid).text,
            )
        if kind == "grid_households":
            lo = self.sum_(f"{num}.min_households.value", "num").text
            hi = self.sum_(f"{num}.max_households.value", "num").text
            return self.t("std_grid", n=n, total=total, lo=lo, hi=hi)
        if kind == "facility_floor_area":
            return self.t("std_facility_area", n=n, total=total, below=self.facilities_below().text)
        return self.t("std_generic", n=n, total=total, rule=name)

    def shortfall_total(self, rid: str) -> Num:
        """Complex floor area missing in all failing communities (m²)."""
        rows = self.rule_rows(rid)
        expr = f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}"
        value = float((rows[naming.rule_threshold(rid)] - rows[naming.rule_value(rid)]).sum())
        return self.n(value, "area", Ref(COMMUNITIES, expr, agg="sum", where=((naming.rule_pass(rid), False),)))

    def staff_needed(self, row: pd.Series, rid: str) -> float:
        """Workers a community needs in addition to its staff (0 when it meets the standard)."""
        per10k = self.book.rules[rid].numbers["per_10k_residents"].value
        need = math.ceil(per10k * float(row["population"]) / 10_000 - 1e-9) - float(row["staff"])
        return max(need, 0.0)

    def staff_needed_total(self, rid: str) -> Num:
        """Workers needed across all failing communities."""
        rows = self.rule_rows(rid)
        value = float(sum(self.staff_needed(r, rid) for _, r in rows.iterrows()))
        return self.n(
            value, "count", Ref(COMMUNITIES, "staff_needed", agg="sum", where=((naming.rule_pass(rid), False),))
        )

    def facilities_below(self) -> Num:
        """Facilities smaller than the minimum floor area of their type."""
        meets = self.result.facilities["meets_min_area"]
        value = int(meets.eq(False).fillna(False).sum())
        return self.n(value, "count", Ref(FACILITIES, "facility_id", agg="count", where=(("meets_min_area", False),)))

    # -- gaps -------------------------------------------------------------------------------

    def gaps(self) -> list[str]:
        """The three shortfalls that affect the most residents, in plain words."""
        found: list[tuple[float, int, str]] = []
        for i, t in enumerate(self.s["coverage"]):
            c = self.s["coverage"][t]
            uncovered = c["residents"] - c["residents_covered"]
            if uncovered > 0:
                found.append((uncovered, i, lambda t=t: self._coverage_gap(t)))
        for j, (rid, rule) in enumerate(self.book.rules.items()):
            if rule.kind == "coverage":
                continue
            rows = self.rule_rows(rid)
            if len(rows):
                found.append((float(rows["population"].sum()), 100 + j, lambda rid=rid: self._rule_gap(rid)))
        found.sort(key=lambda g: (-g[0], g[1]))
        return [make() for _, _, make in found[:3]]  # type: ignore[operator]

    def _top(self, frame: pd.DataFrame, column: str, kind: str, item: str = "where_item", k: int = 2) -> str:
        values = _eval_frame(frame, column, self).sort_values(ascending=False, kind="stable")
        parts = []
        for idx in values.index[:k]:
            cid = frame.loc[idx, "community_id"]
            num = self.cnum(cid, column, kind)
            parts.append(self.t(item, name=self.names[cid], value=num.text))
        return self.t("list_and").join(parts)

    def _coverage_gap(self, t: str) -> str:
        p = f"coverage.{t}"
        n = self.sum_(f"{p}.residents - {p}.residents_covered")
        share = self.sum_(f"1 - {p}.share_covered", "share")
        radius = self.sum_(f"{p}.radius_m", "num")
        name = type_name(self.type_label(t), self.lang)
        where = self._top(self.comm, f"population - {naming.pop_covered(t)}", "count")
        key = "gap_coverage_walk" if self.s["distance_mode"] == "walk" else "gap_coverage_euclidean"
        return self.t(
            key,
            n=n.text,
            share=share.text,
            radius=radius.text,
            type=name,
            article=article(name, self.lang),
            where=where,
        )

    def _rule_gap(self, rid: str) -> str:
        rule = self.book.rules[rid]
        rows = self.rule_rows(rid)
        where_f = ((naming.rule_pass(rid), False),)
        k = self.sum_(f"rules.{rid}.communities_failing").text
        n = self.n(float(rows["population"].sum()), "count", Ref(COMMUNITIES, "population", agg="sum", where=where_f))
        num = f"rules.{rid}.numbers"
        if rule.kind == "complex_floor_area":
            short = self.shortfall_total(rid).text
            col = f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}"
            where = self._top(rows, col, "area", item="where_item_m2")
            return self.t("gap_complex", k=k, n=n.text, short=short, where=where)
        if rule.kind == "staff_ratio":
            need = self.staff_needed_total(rid).text
            per10k = self.sum_(f"{num}.per_10k_residents.value", "num").text
            where = self._top(rows, "staff_needed", "count", item="where_item_staff")
            return self.t("gap_staff", k=k, n=n.text, need=need, per10k=per10k, where=where)
        if rule.kind == "grid_households":
            lo = self.sum_(f"{num}.min_households.value", "num").text
            hi = self.sum_(f"{num}.max_households.value", "num").text
            where = self._names(rows)
            return self.t("gap_grid", k=k, n=n.text, lo=lo, hi=hi, where=where)
        if rule.kind == "facility_floor_area":
            below = self.facilities_below().text
            where = self._top(rows, naming.rule_value(rid), "count", item="where_item_facilities")
            return self.t("gap_facility_area", below=below, k=k, n=n.text, where=where)
        return self.t("gap_generic", k=k, n=n.text, rule=rule.name(self.lang), where=self._names(rows))

    def _names(self, rows: pd.DataFrame, k: int = 3) -> str:
        top = rows.sort_values("population", ascending=False, kind="stable").head(k)
        return self.t("list_sep").join(top["name"].astype(str))

    # -- maps -------------------------------------------------------------------------------

    def maps(self) -> list[MapSpec]:
        """The compliance maps and one coverage map per facility type."""
        n_rules = self.n(len(self.book.rules), "count", Ref("rulebook", "len(rules)"))
        labels = {cid: self.cnum(cid, "n_failed", "count", drawn=True) for cid in self.comm["community_id"]}
        out = [
            MapSpec(
                "compliance",
                "compliance",
                self.t("m_compliance"),
                self.t("m_compliance_caption", n=n_rules.text),
                labels=labels,
            )
        ]
        if any(r.kind != "coverage" for r in self.book.rules.values()):
            out.append(MapSpec("rules", "rules", self.t("m_rules"), self.t("m_rules_caption")))
        for t in self.s["coverage"]:
            p = f"coverage.{t}"
            radius = self.sum_(f"{p}.radius_m", "num")
            col = f"population - {naming.pop_covered(t)}"
            caption = self.t(
                "m_coverage_caption",
                share=self.sum_(f"{p}.share_covered", "share").text,
                n=self.sum_(f"{p}.residents - {p}.residents_covered").text,
                radius=radius.text,
            )
            title = self.t("m_coverage", type=self.type_label(t), radius=radius.text)
            labels = {cid: self.cnum(cid, col, "count", drawn=True) for cid in self.comm["community_id"]}
            out.append(MapSpec(f"coverage_{t}", "coverage", title, caption, type_key=t, labels=labels))
        return out

    def attribution(self) -> str:
        """The data credit printed on every map."""
        text = self.t("attr_data", study=self.result.study.name, version=self.s["planner_version"])
        if self.result.study.streets_from_osm:
            text = self.t("attr_osm") + " · " + text
        return text


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


def _eval_frame(frame: pd.DataFrame, expr: str, b: ContentBuilder) -> pd.Series:
    """A column expression over communities (``a - b``) or a derived column, per row."""
    if expr == "staff_needed":
        rid = next(r for r, rule in b.book.rules.items() if rule.kind == "staff_ratio")
        return frame.apply(lambda r: b.staff_needed(r, rid), axis=1).astype(float)
    if expr in ("grid_fit_min", "grid_fit_max"):
        rid = next(r for r, rule in b.book.rules.items() if rule.kind == "grid_households")
        nums = b.book.rules[rid].numbers
        hh = frame["households"].astype(float)
        if expr == "grid_fit_min":
            return (hh / nums["max_households"].value).apply(math.ceil).astype(float)
        low = (hh / nums["min_households"].value).apply(math.floor)
        return pd.concat([low, (hh / nums["max_households"].value).apply(math.ceil)], axis=1).max(axis=1).astype(float)
    parts = expr.split(" ")
    total = frame[parts[0]].astype(float)
    for op, col in zip(parts[1::2], parts[2::2], strict=True):
        total = total - frame[col].astype(float) if op == "-" else total + frame[col].astype(float)
    return total


def _eval_row(row: pd.Series, expr: str, b: ContentBuilder) -> float:
    return float(_eval_frame(row.to_frame().T, expr, b).iloc[0])


def _fmt(value: object, kind: str) -> str:
    return fmt_number(value, kind)


__all__ = ["Cell", "ContentBuilder", "Table", "build_content"]

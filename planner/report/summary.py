"""Sections 1 and 2 of the report: the summary page (key figures, headline sentences, the
standards in words, the three most urgent gaps) and the map specifications with their captions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ClassVar

import pandas as pd

from planner import naming
from planner.i18n import article, in_sentence
from planner.report.content import COMMUNITIES, FACILITIES, ContentBuilder, eval_frame
from planner.report.model import MapSpec, Num, Ref
from planner.rules.kinds import kind_of


class SummaryBuilder(ContentBuilder):
    """Builds the summary page and the maps' titles, captions and labels."""

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
            name = in_sentence(self.type_label(t), self.lang)
            share = self.sum_(f"coverage.{t}.share_covered", "share")
            radius = self.sum_(f"coverage.{t}.radius_m", "num")
            text = self.t(key, share=share.text, radius=radius.text, type=name, article=article(name, self.lang))
            # a type with no facility at all is simply 0 % covered; the sentence is about the streets
            if self.s["coverage"][t].get("residents_unreachable") and self.s["district"]["facilities"].get(t):
                none = self.sum_(f"coverage.{t}.share_unreachable", "share")
                text += ("" if self.lang == "zh" else " ") + self.t(
                    "headline_unreachable", share=none.text, type=name, article=article(name, self.lang)
                )
            out.append(text)
        return out

    def standards(self) -> list[str]:
        """One sentence per community standard (coverage standards are in the coverage table)."""
        out = []
        for rid, rule in self.book.rules.items():
            if kind_of(rule).per_type:
                continue
            p = f"rules.{rid}"
            total = self.sum_(f"{p}.communities_passing + {p}.communities_failing")
            passing = self.s["rules"][rid]["communities_passing"]
            if passing == 0:
                lead = self.t("lead_none", total=total.text)
            elif passing == total.value:
                lead = self.t("lead_all", total=total.text)
            else:
                lead = self.t("lead_some", n=self.sum_(f"{p}.communities_passing").text, total=total.text)
            text = self._standard_sentence(rid, rule.kind, rule.name(self.lang), lead)
            if self.s["rules"][rid]["communities_not_assessed"]:
                text += self.t("std_not_assessed", na=self.sum_(f"{p}.communities_not_assessed").text)
            out.append(text)
        return out

    def _standard_sentence(self, rid: str, kind: str, name: str, lead: str) -> str:
        sentence = self._STANDARD_SENTENCES.get(kind)
        return sentence(self, rid, lead) if sentence else self.t("std_generic", lead=lead, rule=name)

    def _std_complex(self, rid: str, lead: str) -> str:
        num = f"rules.{rid}.numbers"
        text = self.t(
            "std_complex",
            lead=lead,
            min_m2=self.sum_(f"{num}.min_m2.value", "area").text,
            per100=self.sum_(f"{num}.per_100_households_m2.value", "num").text,
        )
        if len(self.rule_rows(rid)):
            short = self.shortfall_total(rid).text
            text += ("" if self.lang == "zh" else " ") + self.t("std_complex_short", short=short)
        return text

    def _std_staff(self, rid: str, lead: str) -> str:
        d = "district"
        return self.t(
            "std_staff",
            lead=lead,
            per10k=self.sum_(f"rules.{rid}.numbers.per_10k_residents.value", "num").text,
            staff=self.sum_(f"{d}.staff").text,
            residents=self.sum_(f"{d}.residents").text,
            ratio=self.sum_(f"{d}.staff * 10000 / {d}.residents", "ratio").text,
            need=self.staff_needed_total(rid).text,
        )

    def _std_grid(self, rid: str, lead: str) -> str:
        lo = self.sum_(f"rules.{rid}.numbers.min_households.value", "num").text
        hi = self.sum_(f"rules.{rid}.numbers.max_households.value", "num").text
        return self.t("std_grid", lead=lead, lo=lo, hi=hi)

    def _std_facility_area(self, rid: str, lead: str) -> str:
        return self.t("std_facility_area", lead=lead, below=self.facilities_below().text)

    #: the summary's sentence per rule kind (:data:`planner.rules.kinds.KINDS`); other kinds get a generic one
    _STANDARD_SENTENCES: ClassVar[dict[str, Callable[..., str]]] = {
        "complex_floor_area": _std_complex,
        "staff_ratio": _std_staff,
        "grid_households": _std_grid,
        "facility_floor_area": _std_facility_area,
    }

    def shortfall_total(self, rid: str) -> Num:
        """Complex floor area missing in all failing communities (m²)."""
        rows = self.rule_rows(rid)
        expr = f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}"
        value = float((rows[naming.rule_threshold(rid)] - rows[naming.rule_value(rid)]).sum())
        return self.n(value, "area", Ref(COMMUNITIES, expr, agg="sum", where=((naming.rule_pass(rid), False),)))

    def staff_needed_total(self, rid: str) -> Num:
        """Workers needed across all failing communities."""
        rows = self.rule_rows(rid)
        value = float(rows[naming.STAFF_NEEDED].sum())
        return self.n(
            value, "count", Ref(COMMUNITIES, naming.STAFF_NEEDED, agg="sum", where=((naming.rule_pass(rid), False),))
        )

    def facilities_below(self) -> Num:
        """Facilities smaller than the minimum floor area of their type."""
        meets = self.result.facilities["meets_min_area"]
        value = int(meets.eq(False).fillna(False).sum())
        return self.n(value, "count", Ref(FACILITIES, "facility_id", agg="count", where=(("meets_min_area", False),)))

    # -- gaps -------------------------------------------------------------------------------

    def gaps(self) -> list[str]:
        """The three shortfalls that affect the most residents, in plain words."""
        found: list[tuple[float, int, Callable[[], str]]] = []
        for i, t in enumerate(self.s["coverage"]):
            c = self.s["coverage"][t]
            uncovered = c["residents"] - c["residents_covered"]
            if uncovered > 0:
                found.append((uncovered, i, functools.partial(self._coverage_gap, t)))
        for j, (rid, rule) in enumerate(self.book.rules.items()):
            if kind_of(rule).per_type:
                continue
            rows = self.rule_rows(rid)
            if len(rows):
                found.append((float(rows["population"].sum()), 100 + j, functools.partial(self._rule_gap, rid)))
        found.sort(key=lambda g: (-g[0], g[1]))
        return [make() for _, _, make in found[:3]]

    def _top(self, frame: pd.DataFrame, column: str, kind: str, item: str = "where_item", k: int = 2) -> str:
        values = eval_frame(frame, column, self).sort_values(ascending=False, kind="stable")
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
        name = in_sentence(self.type_label(t), self.lang)
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
        gap = self._GAP_SENTENCES.get(rule.kind)
        if gap is not None:
            return gap(self, rid, rows, k, n.text)
        return self.t("gap_generic", k=k, n=n.text, rule=rule.name(self.lang), where=self._names(rows))

    def _gap_complex(self, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
        short = self.shortfall_total(rid).text
        col = f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}"
        where = self._top(rows, col, "area", item="where_item_m2")
        return self.t("gap_complex", k=k, n=n, short=short, where=where)

    def _gap_staff(self, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
        need = self.staff_needed_total(rid).text
        per10k = self.sum_(f"rules.{rid}.numbers.per_10k_residents.value", "num").text
        where = self._top(rows, naming.STAFF_NEEDED, "count", item="where_item_staff")
        return self.t("gap_staff", k=k, n=n, need=need, per10k=per10k, where=where)

    def _gap_grid(self, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
        lo = self.sum_(f"rules.{rid}.numbers.min_households.value", "num").text
        hi = self.sum_(f"rules.{rid}.numbers.max_households.value", "num").text
        return self.t("gap_grid", k=k, n=n, lo=lo, hi=hi, where=self._names(rows))

    def _gap_facility_area(self, rid: str, rows: pd.DataFrame, k: str, n: str) -> str:
        below = self.facilities_below().text
        where = self._top(rows, naming.rule_value(rid), "count", item="where_item_facilities")
        return self.t("gap_facility_area", below=below, k=k, n=n, where=where)

    #: the gap sentence per rule kind; other kinds get a generic one
    _GAP_SENTENCES: ClassVar[dict[str, Callable[..., str]]] = {
        "complex_floor_area": _gap_complex,
        "staff_ratio": _gap_staff,
        "grid_households": _gap_grid,
        "facility_floor_area": _gap_facility_area,
    }

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
        if any(not kind_of(r).per_type for r in self.book.rules.values()):
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

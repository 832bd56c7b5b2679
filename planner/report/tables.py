"""The report's result tables: coverage, the compliance matrix and checks, facilities,
sub-districts, the ranking of communities by need, and proposed sites.

Every numeric cell is a recorded :class:`~planner.report.model.Num` that points at the same
value in the written results (``communities.csv``, ``compliance.csv``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pandas as pd

from planner import naming
from planner.report.content import COMMUNITIES, FACILITIES
from planner.report.model import Cell, Column, Ref, Table
from planner.report.summary import SummaryBuilder
from planner.rules.kinds import kind_of

COMPLIANCE = "compliance.csv"
SUB_DISTRICTS = "sub_districts.csv"

class ResultTables(SummaryBuilder):
    """Builds the tables of sections 1, 3 and 4."""

    def coverage(self) -> Table:
        """Residents within each facility type's radius, district-wide."""
        total = self.sum_("district.communities")
        cols = (
            Column("type", self.t("col_type"), width=28),
            Column("radius_m", self.t("col_radius"), "num", width=12),
            Column("residents_covered", self.t("col_covered"), "count", width=14),
            Column("share_covered", self.t("col_share"), "share1", width=12),
            Column("residents_not_covered", self.t("col_uncovered"), "count", width=14),
            Column("communities_meeting", self.t("col_comm_meeting", total=total.text), "count", width=16),
        )
        rows = []
        for t in self.s["coverage"]:
            p = f"coverage.{t}"
            rows.append(
                (
                    self.text_cell(self.type_label(t)),
                    self.cell(self.sum_(f"{p}.radius_m", "num")),
                    self.cell(self.sum_(f"{p}.residents_covered")),
                    self.cell(self.sum_(f"{p}.share_covered", "share1")),
                    self.cell(self.sum_(f"{p}.residents - {p}.residents_covered")),
                    self.cell(self.sum_(f"rules.{naming.coverage_rule(t)}.communities_passing")),
                )
            )
        return Table("coverage", self.t("t_coverage"), cols, tuple(rows), sheet=self.t("col_share"))

    def _rule_header(self, rid: str) -> str:
        rule = self.book.rules[rid]
        return self.type_label(rule.facility_types[0]) if kind_of(rule).per_type else rule.name(self.lang)

    def _community_cells(self, cid: str) -> list[Cell]:
        cells = [self.text_cell(cid), self.text_cell(self.names[cid])]
        if "sub_district" in self.comm.columns:
            cells.append(self.text_cell(self.by_id.loc[cid, "sub_district"]))
        return cells

    def _community_columns(self) -> list[Column]:
        cols = [
            Column("community_id", self.t("col_community_id"), width=10),
            Column("community", self.t("col_community"), width=18),
        ]
        if "sub_district" in self.comm.columns:
            cols.append(Column("sub_district", self.t("col_sub_district"), width=16))
        return cols

    def _order(self) -> list[str]:
        frame = self.comm
        if "sub_district" in frame.columns:
            frame = frame.sort_values("sub_district", kind="stable", na_position="last")
        return list(frame["community_id"])

    def matrix(self) -> Table:
        """Communities × standards, ✓ / ✗ / –, with the number of standards not met."""
        cols = self._community_columns()
        cols += [Column(rid, self._rule_header(rid), "pass", width=11) for rid in self.book.rules]
        cols.append(Column("n_failed", self.t("col_n_failed"), "count", width=10))
        rows = []
        for cid in self._order():
            cells = self._community_cells(cid)
            for rid in self.book.rules:
                col = naming.rule_pass(rid)
                ref = Ref(COMMUNITIES, col, row=(("community_id", cid),))
                cells.append(self.pass_cell(self.by_id.loc[cid, col], ref, symbols=True))
            cells.append(self.cell(self.cnum(cid, "n_failed", "count")))
            rows.append(tuple(cells))
        target = next((r.numbers["target_share"] for r in self.book.rules.values() if kind_of(r).per_type), None)
        note = ""
        if target is not None:
            t = self.n(target.value, "share", Ref("rulebook", "coverage.target_share"))
            note = self.t("t_matrix_note", target=t.text)
        return Table("matrix", self.t("t_matrix"), tuple(cols), tuple(rows), note=note, sheet=self.t("t_matrix"))

    def checks(self) -> Table:
        """The long table: every community against every standard, with the reason."""
        lang = self.lang
        cols = (
            Column("community_id", self.t("col_community_id"), width=14),
            Column("community", self.t("col_community"), width=14),
            Column("rule", self.t("col_rule"), width=34),
            Column("value", self.t("col_value"), "num", width=12),
            Column("threshold", self.t("col_threshold"), "num", width=12),
            Column("result", self.t("col_result"), "pass", width=10),
            Column("reason", self.t("col_reason"), width=80),
            Column("basis", self.t("col_basis"), width=60),
            Column("status", self.t("col_status"), width=20),
        )
        order = {cid: i for i, cid in enumerate(self._order())}
        checks = self.result.checks.assign(_o=self.result.checks["community_id"].map(order))
        rows = []
        for r in checks.sort_values("_o", kind="stable").itertuples(index=False):
            rule = self.book.rules[r.rule_id]
            key = (("community_id", r.community_id), ("rule_id", r.rule_id))
            vkind, tkind = kind_of(rule).report_formats
            value = self.n(r.value, vkind, Ref(COMPLIANCE, "value", row=key))
            rows.append(
                (
                    self.text_cell(r.community_id),
                    self.text_cell(r.community_name),
                    self.text_cell(rule.name(lang)),
                    self.cell(value),
                    self._threshold_cell(rule, r.threshold, tkind, key),
                    self.pass_cell(r.passed, Ref(COMPLIANCE, "passed", row=key)),
                    self.text_cell(r.reason_zh if lang == "zh" else r.reason_en),
                    self.text_cell(r.basis_zh if lang == "zh" else r.basis_en),
                    self.text_cell(self.status_names(r.status or kind_of(rule).statuses(rule, self.book))),
                )
            )
        return Table(
            "checks",
            self.t("t_checks"),
            cols,
            tuple(rows),
            note=self.t("t_checks_note"),
            group="community_id",
            sheet=self.t("t_checks"),
        )

    def status_names(self, codes: str) -> str:
        """``"P, V2"`` (compliance.csv's status column) as the statuses' names in the report's language."""
        names = [self.book.status_name(c.strip(), self.lang) for c in str(codes).split(",") if c.strip()]
        return self.t("list_sep").join(names)

    def _threshold_cell(self, rule, value: object, tkind: str, key: tuple) -> Cell:
        num = self.n(value, tkind, Ref(COMPLIANCE, "threshold", row=key))
        start = kind_of(rule).range_from
        if start is None or num.value is None:
            return self.cell(num)
        lo = self.sum_(f"rules.{rule.id}.numbers.{start}.value", "num")
        return Cell(f"{lo.text}–{num.text}", num.value, tkind, num)

    def facilities(self) -> Table:
        """Every facility with its type, floor area and the minimum of its type."""
        walk = self.s["distance_mode"] == "walk"
        cols = [
            Column("facility_id", self.t("col_facility_id"), width=10),
            Column("name", self.t("col_facility"), width=26),
            Column("type", self.t("col_type"), width=24),
            Column("community", self.t("col_community"), width=16),
            Column("floor_area_m2", self.t("col_floor_area"), "area", width=14),
            Column("min_floor_area_m2", self.t("col_min_area"), "area", width=14),
            Column("meets_min_area", self.t("col_meets_area"), "pass", width=12),
        ]
        if walk:
            cols.append(Column("snap_distance_m", self.t("col_distance_street"), "dist", width=12))
        fac = self.result.facilities
        order = {k: i for i, k in enumerate(self.book.types)}
        fac = fac.assign(_o=fac["type"].map(order)).sort_values(["_o", "community_id", "facility_id"], kind="stable")
        rows = []
        for f in fac.itertuples(index=False):
            key = (("facility_id", f.facility_id),)
            cid = f.community_id
            cells = [
                self.text_cell(f.facility_id),
                self.text_cell(f.name),
                self.text_cell(self.type_label(f.type)),
                self.text_cell(self.names.get(cid) if isinstance(cid, str) else None),
                self.cell(self.n(f.floor_area_m2, "area", Ref(FACILITIES, "floor_area_m2", row=key))),
                self.cell(self.n(f.min_floor_area_m2, "area", Ref(FACILITIES, "min_floor_area_m2", row=key))),
                self.pass_cell(f.meets_min_area, Ref(FACILITIES, "meets_min_area", row=key)),
            ]
            if walk:
                cells.append(self.cell(self.n(f.snap_distance_m, "dist", Ref(FACILITIES, "snap_distance_m", row=key))))
            rows.append(tuple(cells))
        return Table("facilities", self.t("t_facilities"), tuple(cols), tuple(rows), sheet=self.t("t_facilities"))

    def sub_districts(self) -> list[Table]:
        """Coverage and standards per sub-district (街道), when the data has them."""
        subs = self.result.sub_districts
        if subs is None or subs.empty:
            return []
        names = list(subs["sub_district"].astype(str))
        cols = (
            Column("indicator", self.t("col_indicator"), width=30),
            *(Column(f"sub_{i}", name, "num", width=14) for i, name in enumerate(names)),
            Column("district", self.t("col_district"), "num", width=14),
        )

        def sub(name: str, column: str, kind: str) -> Cell:
            ref = Ref(SUB_DISTRICTS, column, row=(("sub_district", name),))
            value = subs.loc[subs["sub_district"].astype(str) == name, column].iloc[0]
            return self.cell(self.n(value, kind, ref))

        head = [
            (self.t("col_community"), "communities", "district.communities", "count"),
            (self.t("col_population"), "population", "district.residents", "count"),
        ]
        first = [
            (self.text_cell(label), *(sub(n, col, kind) for n in names), self.cell(self.sum_(path, kind)))
            for label, col, path, kind in head
        ]
        cov = [
            (
                self.text_cell(self.type_label(t)),
                *(sub(n, naming.share_covered(t), "share1") for n in names),
                self.cell(self.sum_(f"coverage.{t}.share_covered", "share1")),
            )
            for t in self.s["coverage"]
        ]
        std = [
            (
                self.text_cell(self.rule_label(rid)),
                *(sub(n, f"communities_passing_{rid}", "count") for n in names),
                self.cell(self.sum_(f"rules.{rid}.communities_passing")),
            )
            for rid in self.book.rules
        ]
        return [
            Table("sub_coverage", self.t("t_sub_cov"), cols, tuple(first[:2] + cov), sheet=self.t("t_sub_cov")),
            Table("sub_standards", self.t("t_sub_std"), cols, tuple(first[:1] + std), sheet=self.t("t_sub_std")),
        ]

    def rule_label(self, rid: str) -> str:
        """A rule's name as a row label."""
        return self.book.rules[rid].name(self.lang)

    def ranking(self) -> Table:
        """Communities that fail at least one standard, most standards failed first."""
        cols = [
            Column("rank", self.t("col_rank"), width=6),
            *self._community_columns(),
            Column("population", self.t("col_population"), "count", width=12),
            Column("n_failed", self.t("col_n_failed"), "count", width=10),
            Column("actions", self.t("col_actions"), width=90),
        ]
        frame = self.comm.loc[self.comm["n_failed"] > 0]
        frame = frame.sort_values(["n_failed", "population"], ascending=[False, False], kind="stable")
        rows = []
        for rank, cid in enumerate(frame["community_id"], start=1):
            rows.append(
                (
                    Cell(str(rank), rank, "text"),
                    *self._community_cells(cid),
                    self.cell(self.cnum(cid, "population", "count")),
                    self.cell(self.cnum(cid, "n_failed", "count")),
                    self.text_cell(self.t("clause_sep").join(self._actions(cid)) or None),
                )
            )
        return Table(
            "ranking",
            self.t("t_recommend"),
            tuple(cols),
            tuple(rows),
            note=self.t("t_recommend_note"),
            sheet=self.t("t_recommend"),
        )

    def _actions(self, cid: str) -> list[str]:
        row = self.by_id.loc[cid]
        failed = [
            (rid, rule)
            for rid, rule in self.book.rules.items()
            if not (row[naming.rule_pass(rid)] is pd.NA or row[naming.rule_pass(rid)] is None)
            and not bool(row[naming.rule_pass(rid)])
        ]
        out = []
        items = [self._coverage_item(cid, rule.facility_types[0]) for _, rule in failed if kind_of(rule).per_type]
        if items:
            out.append(self.t("act_coverage", items=self.t("list_sep").join(items)))
        out += [self._action(cid, rid, rule) for rid, rule in failed if not kind_of(rule).per_type]
        return out

    def _coverage_item(self, cid: str, t: str) -> str:
        n = self.cnum(cid, f"population - {naming.pop_covered(t)}", "count")
        return self.t("act_coverage_item", type=self.type_label(t), n=n.text)

    def _action(self, cid: str, rid: str, rule) -> str:
        action = self._ACTIONS.get(rule.kind)
        text = action(self, cid, rid) if action is not None else None
        return text if text is not None else self.t("act_generic", rule=rule.name(self.lang))

    def _act_complex(self, cid: str, rid: str) -> str:
        short = self.cnum(cid, f"{naming.rule_threshold(rid)} - {naming.rule_value(rid)}", "area")
        return self.t("act_complex", short=short.text)

    def _act_staff(self, cid: str, rid: str) -> str:
        return self.t("act_staff", need=self.cnum(cid, naming.STAFF_NEEDED, "count").text)

    def _act_grid(self, cid: str, rid: str) -> str | None:
        if pd.isna(self.by_id.loc[cid, naming.rule_value(rid)]):
            return None  # no grids at all: the generic action
        lo, hi = self.cnum(cid, naming.GRID_FIT_MIN, "count"), self.cnum(cid, naming.GRID_FIT_MAX, "count")
        return self.t("act_grid", fit=lo.text if lo.value == hi.value else f"{lo.text}–{hi.text}")

    def _act_facility_area(self, cid: str, rid: str) -> str:
        return self.t("act_facility_area", below=self.cnum(cid, naming.rule_value(rid), "count").text)

    #: the recommended action per rule kind (None or absent: a generic one)
    _ACTIONS: ClassVar[dict[str, Callable[..., str | None]]] = {
        "complex_floor_area": _act_complex,
        "staff_ratio": _act_staff,
        "grid_households": _act_grid,
        "facility_floor_area": _act_facility_area,
    }

    def siting(self, sites: pd.DataFrame) -> Table:
        """Proposed sites from a siting analysis, in the order they were chosen."""
        cols = (
            Column("order", self.t("col_rank"), width=6),
            Column("site", self.t("col_site"), width=24),
            Column("type", self.t("col_type"), width=24),
            Column("community", self.t("col_community"), width=18),
            Column("residents_added", self.t("col_added"), "count", width=16),
        )
        rows = []
        for i, r in sites.iterrows():
            label = next(
                (r[c] for c in ("name", "site_id", "candidate_id") if c in sites.columns and pd.notna(r[c])), i
            )
            cid = r.get("community_id")
            num = self.n(r["residents_added"], "count", Ref("siting", "residents_added", row=(("index", i),)))
            rows.append(
                (
                    Cell(str(int(i) + 1), int(i) + 1),
                    self.text_cell(label),
                    self.text_cell(self.type_label(str(r["type"]))),
                    self.text_cell(self.names.get(cid) if isinstance(cid, str) else None),
                    self.cell(num),
                )
            )
        return Table(
            "siting", self.t("t_siting"), cols, tuple(rows), note=self.t("t_siting_note"), sheet=self.t("t_siting")
        )

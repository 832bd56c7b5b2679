"""Section 5 of the report: method, parameters, the standards with their basis and status, the
verification trail (where each number was seen), the validation report; and the scenario's edits.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from planner.report.model import Column, Fact, Ref, Table
from planner.report.tables import ResultTables
from planner.report.text import fmt_number
from planner.rules.kinds import kind_of

VALIDATION = "validation.csv"

#: labels of rule numbers: number key -> (English, Chinese)
NUMBER_LABELS = {
    "radius_m": ("service radius (m)", "服务半径(米)"),
    "min_floor_area_m2": ("minimum floor area (m²)", "最低建筑面积(平方米)"),
    "target_share": ("share of residents to cover", "应覆盖居民比例"),
    "min_m2": ("minimum floor area (m²)", "最低建筑面积(平方米)"),
    "per_100_households_m2": ("floor area per 100 households (m²)", "每百户建筑面积(平方米)"),
    "per_10k_residents": ("workers per 10,000 residents", "每万人社区工作者数"),
    "min_households": ("households per grid, at least", "每格户数下限"),
    "max_households": ("households per grid, at most", "每格户数上限"),
}


class ReportBuilder(ResultTables):
    """Adds the method and provenance section to the result tables."""

    def method(self) -> list[str]:
        """The method in a few paragraphs."""
        s, p = self.s, self.s["parameters"]
        cells = self.sum_("district.cells").text
        if p["cells_from_input"]:
            first = self.t("method_cells_input", cells=cells)
        else:
            first = self.t(
                "method_cells_generated",
                cells=cells,
                shape=self.t(f"shape_{p['cell_shape']}"),
                size=self.sum_("parameters.cell_size_m", "num").text,
            )
        if s["distance_mode"] == "walk" and s.get("network"):
            second = self.t(
                "method_walk",
                nodes=self.sum_("network.nodes").text,
                segments=self.sum_("network.segments").text,
                snap=self.sum_("parameters.max_snap_m", "num").text,
                cells_out=self.sum_("network.cells_not_snapped").text,
                fac_out=self.sum_("network.facilities_not_snapped").text,
            )
        else:
            second = self.t("method_euclidean")
        return [f"{first} {second}" if self.lang == "en" else first + second, self.t("method_gaps")]

    def parameters(self) -> list[Fact]:
        """The analysis settings as label / value pairs."""
        s, p = self.s, self.s["parameters"]
        facts = [
            Fact(self.t("p_mode"), self.mode_text()),
            Fact(self.t("p_crs"), f"{s['analysis_crs_name']} ({s['analysis_crs']})"),
            Fact(self.t("p_cells"), self.sum_("district.cells").text),
        ]
        if p["cells_from_input"]:
            facts.append(Fact(self.t("p_cells_from_input"), self.t("yes")))
        else:
            facts.append(Fact(self.t("p_cell_size"), self.sum_("parameters.cell_size_m", "num").text))
            facts.append(Fact(self.t("p_cell_shape"), self.t(f"shape_{p['cell_shape']}")))
        if s["distance_mode"] == "walk" and s.get("network"):
            facts += [
                Fact(self.t("p_max_snap"), self.sum_("parameters.max_snap_m", "num").text),
                Fact(self.t("p_nodes"), self.sum_("network.nodes").text),
                Fact(self.t("p_segments"), self.sum_("network.segments").text),
                Fact(self.t("p_cells_not_snapped"), self.sum_("network.cells_not_snapped").text),
                Fact(self.t("p_fac_not_snapped"), self.sum_("network.facilities_not_snapped").text),
            ]
        files = ", ".join(Path(f).name for f in s["rulebook"]["files"])
        facts.append(Fact(self.t("p_rulebook_files"), files))
        return facts

    def rule_numbers(self) -> Table:
        """Every rule number: what it is, its value, its basis (document and clause) and status.

        This is what officials read as the standards applied: the basis is the standard or
        policy document, never a research key; the trail is in :meth:`rule_trail`.
        """
        cols = (
            Column("standard", self.t("col_rule"), width=44),
            Column("value", self.t("col_setting"), "num", width=10),
            Column("basis", self.t("col_basis"), width=60),
            Column("status", self.t("col_status"), width=16),
            Column("note", self.t("col_note"), width=60),
        )
        rows = []
        for prov, label in self._numbers():
            kind = "share" if str(prov["key"]).endswith("target_share") else "num"
            num = self.n(prov["value"], kind, Ref("rulebook", str(prov["key"])))
            rows.append(
                (
                    self.text_cell(label),
                    self.cell(num),
                    self.text_cell(prov[f"basis_{self.lang}"] or None),
                    self.text_cell(self.book.status_name(str(prov["status"]), self.lang)),
                    self.text_cell(prov[f"note_{self.lang}"] or None),
                )
            )
        return Table("rule_numbers", self.t("t_standards"), cols, tuple(rows), sheet=self.t("t_standards"))

    def rule_trail(self) -> Table:
        """The verification trail: for every rule number, where it was seen (source key and quote)."""
        cols = (
            Column("standard", self.t("col_rule"), width=44),
            Column("source", self.t("col_trail"), width=14),
            Column("note", self.t("col_trail_note"), width=80),
        )
        rows = tuple(
            (self.text_cell(label), self.text_cell(prov["source"]), self.text_cell(prov["note"] or None))
            for prov, label in self._numbers()
        )
        return Table("rule_trail", self.t("t_trail"), cols, rows, note=self.t("t_trail_note"), sheet=self.t("t_trail"))

    def _numbers(self) -> list[tuple[dict[str, object], str]]:
        """Rule numbers shown in the method appendix, with their labels (the coverage target once)."""
        out = []
        seen_target = False
        for prov in self.book.provenance():
            label = self._number_label(str(prov["key"]))
            if label is None:
                continue
            if str(prov["key"]).endswith(".target_share"):
                if seen_target:
                    continue
                seen_target = True
            out.append((prov, label))
        return out

    def _number_label(self, key: str) -> str | None:
        """``facility_types.kindergarten.radius_m`` -> "Kindergarten: service radius (m)"."""
        parts = key.split(".")
        what = NUMBER_LABELS.get(parts[-1], (parts[-1], parts[-1]))[1 if self.lang == "zh" else 0]
        if parts[0] == "facility_types":
            owner = self.type_label(parts[1])
        else:
            rule = self.book.rules[parts[1]]
            if kind_of(rule).per_type:
                if parts[-1] != "target_share":
                    return None  # the same number as the facility type's radius
                owner = self.t("coverage_standard")
            else:
                owner = rule.name(self.lang)
        return f"{owner}: {what}" if self.lang == "en" else f"{owner}:{what}"

    def statuses(self) -> Table:
        """What each confirmation status code means."""
        cols = (Column("code", self.t("col_code"), width=8), Column("meaning", self.t("col_meaning"), width=80))
        rows = tuple(
            (self.text_cell(code), self.text_cell(info.get("zh" if self.lang == "zh" else "en", "")))
            for code, info in self.book.statuses.items()
        )
        return Table("statuses", self.t("t_statuses"), cols, rows, sheet=self.t("t_statuses"))

    def rule_sources(self) -> Table:
        """The sources of the verification trail: key, title in the report's language, address."""
        cols = (
            Column("code", self.t("col_code"), width=14),
            Column("title", self.t("col_title"), width=80),
            Column("url", self.t("col_url"), width=50),
        )
        used = {str(p["source"]) for p in self.book.provenance()}
        rows = tuple(
            (
                self.text_cell(key),
                self.text_cell(info.get(f"title_{self.lang}", info.get("title", ""))),
                self.text_cell(info.get("url")),
            )
            for key, info in self.book.sources.items()
            if key in used
        )
        return Table("rule_sources", self.t("t_source_list"), cols, rows, sheet=self.t("t_source_list"))

    def validation(self) -> Table | None:
        """Input features repaired, dropped or flagged, counted by layer, reason and action."""
        v = self.result.validation
        if v.empty:
            return None
        cols = (
            Column("layer", self.t("layer"), width=14),
            Column("action", self.t("col_action"), width=12),
            Column("count", self.t("col_count"), "count", width=8),
            Column("message", self.t("col_message"), width=60),
            Column("examples", self.t("col_examples"), width=40),
        )
        rows = []
        for (layer, reason, action), grp in v.groupby(["layer", "reason", "action"], sort=False):
            where = (("layer", layer), ("reason", reason), ("action", action))
            count = self.n(len(grp), "count", Ref(VALIDATION, "id", agg="count", where=where))
            msg = grp["message_zh" if self.lang == "zh" else "message_en"].iloc[0]
            examples = ", ".join(grp["id"].astype(str).head(5)) + (" …" if len(grp) > 5 else "")
            layer_key = f"layer_{layer}"
            rows.append(
                (
                    self.text_cell(self.t(layer_key) if layer_key in _keys() else layer),
                    self.text_cell(self.t(f"action_{action}") if f"action_{action}" in _keys() else action),
                    self.cell(count),
                    self.text_cell(msg),
                    self.text_cell(examples),
                )
            )
        return Table("validation", self.t("t_validation"), cols, tuple(rows), sheet=self.t("t_validation"))

    def scenario(self, label: str | None, edits: list[Mapping[str, object]]) -> Table:
        """The scenario's edits, one row each (known fields with localised headers, in order)."""
        keys: list[str] = [k for k in EDIT_FIELDS if any(k in e for e in edits)]
        for e in edits:
            keys += [str(k) for k in e if str(k) not in keys]
        cols = tuple(Column(k, self.t(EDIT_FIELDS[k]) if k in EDIT_FIELDS else k, width=16) for k in keys)
        rows = tuple(tuple(self._edit_cell(k, e.get(k)) for k in keys) for e in edits)
        title = self.t("t_scenario") + (f" — {label}" if label else "")
        return Table("scenario", title, cols, rows, sheet=self.t("scenario"))

    def _edit_cell(self, key: str, value: object):
        if key in ("op", "action") and f"op_{value}" in _keys():
            return self.text_cell(self.t(f"op_{value}"))
        if key == "type" and isinstance(value, str) and value in self.book.types:
            return self.text_cell(self.type_label(value))
        if key == "floor_area_m2" and isinstance(value, int | float):
            return self.text_cell(fmt_number(value, "area"))
        if key in ("lon", "lat") and isinstance(value, int | float):
            return self.text_cell(f"{value:.6f}")
        return self.text_cell(value)


#: fields of a scenario edit shown first, with their header keys
EDIT_FIELDS = {
    "op": "col_op",
    "action": "col_op",
    "facility_id": "col_facility_id",
    "type": "col_type",
    "name": "col_facility",
    "floor_area_m2": "col_floor_area",
    "lon": "col_lon",
    "lat": "col_lat",
}


def _keys() -> set[str]:
    from planner.report.text import STRINGS

    return set(STRINGS)

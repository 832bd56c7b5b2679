"""What every report section reads and how it records the numbers it prints.

A :class:`Context` holds the analysis, the language and the list of printed numbers. Sections
take figures from the written results only through it: a summary path
(:meth:`Context.summary`), a community's column (:meth:`Context.community`), or an explicit
arithmetic of those (:meth:`Context.summary_sum`, :meth:`Context.summary_diff`, ...), each
recorded as a :class:`~planner.report.model.Num` whose :class:`~planner.report.model.Ref`
spells the same arithmetic for the tests (``"a.b - c.d"``). The arithmetic is done here in
Python; nothing is parsed or evaluated from strings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from planner import naming
from planner.analysis import Analysis
from planner.report.model import Cell, Num, Ref
from planner.report.text import STRINGS, tr, zh_punct

SUMMARY = "summary.json"
COMMUNITIES = "communities.csv"
FACILITIES = "facilities.csv"
COMPLIANCE = "compliance.csv"
SUB_DISTRICTS = "sub_districts.csv"
VALIDATION = "validation.csv"

#: columns of communities.csv the report reads besides the namer's (written by compliance)
N_FAILED = "n_failed"
N_ASSESSED = "n_assessed"
POPULATION = "population"
#: facilities.csv: whether a facility meets its type's minimum floor area
MEETS_MIN_AREA = "meets_min_area"


class Context:
    """The analysis, the language and the numbers printed so far (shared by all sections)."""

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

    # -- words ------------------------------------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        """A report string in this report's language."""
        return tr(key, self.lang, **values)

    def has(self, key: str) -> bool:
        """Whether the report has a string ``key``."""
        return key in STRINGS

    def mode_text(self) -> str:
        """The distance mode in words."""
        return self.t("mode_walk" if self.s["distance_mode"] == "walk" else "mode_euclidean")

    def word(self, prefix: str, code: object) -> str:
        """The report's word for a code (``status_optimal``), or the code itself when it has none."""
        key = f"{prefix}_{code}"
        return self.t(key) if key in STRINGS else str(code)

    def type_label(self, key: str) -> str:
        """A facility type's display name."""
        return self.book.types[key].name(self.lang)

    # -- numbers ----------------------------------------------------------------------------

    def n(self, value: object, kind: str, ref: Ref | None) -> Num:
        """Record a printed number and return it."""
        num = Num(plain(value), kind, ref)
        self.nums.append(num)
        return num

    def summary(self, path: str, kind: str = "count") -> Num:
        """A number of summary.json by dotted path (``coverage.kindergarten.radius_m``)."""
        value = lookup(self.s, path)
        return self.n(None if value is None else float(value), kind, Ref(SUMMARY, path))  # type: ignore[arg-type]

    def summary_sum(self, paths: Sequence[str], kind: str = "count") -> Num:
        """The sum of several summary numbers."""
        values = [lookup(self.s, p) for p in paths]
        total: float | None = None
        if all(v is not None for v in values):
            total = 0.0
            for v in values:
                total += float(v)  # type: ignore[arg-type]
        return self.n(total, kind, Ref(SUMMARY, " + ".join(paths)))

    def summary_diff(self, a: str, b: str, kind: str = "count") -> Num:
        """Summary number ``a`` minus ``b``."""
        va, vb = lookup(self.s, a), lookup(self.s, b)
        value = None if va is None or vb is None else float(va) - float(vb)  # type: ignore[arg-type]
        return self.n(value, kind, Ref(SUMMARY, f"{a} - {b}"))

    def summary_complement(self, path: str, kind: str = "share") -> Num:
        """One minus a summary share."""
        v = lookup(self.s, path)
        return self.n(None if v is None else 1 - float(v), kind, Ref(SUMMARY, f"1 - {path}"))  # type: ignore[arg-type]

    def summary_per_10k(self, a: str, b: str, kind: str = "ratio") -> Num:
        """Summary number ``a`` per 10,000 of ``b`` (workers per 10,000 residents)."""
        va, vb = lookup(self.s, a), lookup(self.s, b)
        value = None
        if va is not None and vb is not None and float(vb) != 0:  # type: ignore[arg-type]
            value = float(va) * 10000 / float(vb)  # type: ignore[arg-type]
        return self.n(value, kind, Ref(SUMMARY, f"{a} * 10000 / {b}"))

    def community(self, cid: str, column: str, kind: str, *, drawn: bool = False) -> Num:
        """One community's value of ``column`` in communities.csv.

        ``drawn`` numbers are printed on a map (as graphics, not text) and recorded apart.
        """
        return self._community(cid, _float(self.by_id.loc[cid, column]), column, kind, drawn)

    def community_diff(self, cid: str, a: str, b: str, kind: str, *, drawn: bool = False) -> Num:
        """One community's column ``a`` minus column ``b``."""
        row = self.by_id.loc[cid]
        return self._community(cid, _float(row[a]) - _float(row[b]), f"{a} - {b}", kind, drawn)

    def _community(self, cid: str, value: float, key: str, kind: str, drawn: bool) -> Num:
        ref = Ref(COMMUNITIES, key, row=(("community_id", cid),))
        if drawn:
            num = Num(plain(value), kind, ref)
            self.map_nums.append(num)
            return num
        return self.n(value, kind, ref)

    def uncovered(self, frame: pd.DataFrame, type_key: str) -> pd.Series:
        """Residents of each community not within the radius of ``type_key``."""
        return frame[POPULATION].astype(float) - frame[naming.pop_covered(type_key)].astype(float)

    def shortfall(self, frame: pd.DataFrame, rule_id: str) -> pd.Series:
        """Per community: the threshold of a rule minus its measured value."""
        return frame[naming.rule_threshold(rule_id)].astype(float) - frame[naming.rule_value(rule_id)].astype(float)

    # -- cells ------------------------------------------------------------------------------

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

    # -- rows -------------------------------------------------------------------------------

    def rule_rows(self, rid: str, failing: bool = True) -> pd.DataFrame:
        """Communities failing (or passing) a rule."""
        col = self.comm[naming.rule_pass(rid)]
        return self.comm.loc[col.notna() & col.astype("boolean").eq(not failing)]


def plain(value: object) -> float | None:
    """A value as the report records it: None for missing, floats for numbers, else as is."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, bool):
        return value  # type: ignore[return-value]
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value  # type: ignore[return-value]
    return None if math.isnan(v) else v


def _float(value: object) -> float:
    return math.nan if value is None or value is pd.NA else float(value)  # type: ignore[arg-type]


def lookup(summary: Mapping[str, object], path: str) -> object:
    """The value at a dotted path of summary.json (list positions as numbers)."""
    node: object = summary
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    return node

"""The report as data: sections, tables and every figure with a reference to where it comes from.

A :class:`Num` is one number the report prints. Its :class:`Ref` names the file of the same run
it comes from (``summary.json``, ``communities.csv``, ``facilities.csv``, ``compliance.csv``,
``sub_districts.csv``, ``validation.csv``), or ``rulebook`` / ``siting`` for numbers taken from
those inputs, so that a test can check every printed figure against the written results.
The renderers (HTML, PDF, XLSX) only lay this content out; they compute nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planner.report.text import fmt_number


@dataclass(frozen=True)
class Ref:
    """Where a number comes from.

    Attributes
    ----------
    file
        ``summary.json``, a CSV file written by :func:`planner.write_results`, ``rulebook``
        (a key of :meth:`planner.Rulebook.provenance`), ``siting`` (the siting table given), or a
        planning command's file (``siting.json``, ``sites.gpkg``, ``workstations.gpkg``,
        ``grid_communities.csv``, ``access_communities.csv``, ``three_lists.csv``).
    key
        In ``summary.json``: a dotted path, or several joined by `` - `` / `` + ``. In a CSV:
        a column (the rule kinds' columns such as ``staff_needed``, ``grid_fit_min`` and
        ``grid_fit_max`` among them, whose formulas the tests restate independently), or several
        joined by `` - `` / `` + ``.
    row
        For a single CSV cell: the (column, value) pairs that identify its row.
    agg
        ``sum`` or ``count`` over the rows selected by ``where`` (all rows when empty); a
        ``count`` whose key is a comparison (``staff_gap < 0``) counts the rows where it holds.
    where
        (column, value) filters for ``agg``.
    """

    file: str
    key: str
    row: tuple[tuple[str, object], ...] = ()
    agg: str | None = None
    where: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Num:
    """A printed number: its value, how it is written and where it comes from."""

    value: float | None
    kind: str
    ref: Ref | None

    @property
    def text(self) -> str:
        """The number as printed (see :func:`planner.report.text.fmt_number`)."""
        return fmt_number(self.value, self.kind)


@dataclass(frozen=True)
class Cell:
    """One table cell: display text, the raw value for spreadsheets, and its status.

    ``kind`` is ``text``, ``pass`` (value True / False / None) or a number kind of
    :func:`~planner.report.text.fmt_number`. ``status`` (``pass``, ``fail``, ``na``) drives
    highlighting.
    """

    text: str
    value: object = None
    kind: str = "text"
    num: Num | None = None
    status: str | None = None


@dataclass(frozen=True)
class Column:
    """A table column: its key, localised header and kind (see :class:`Cell`)."""

    key: str
    header: str
    kind: str = "text"
    width: float = 12.0  # spreadsheet width in characters


@dataclass(frozen=True)
class Table:
    """A titled table. ``group`` names a column whose value starts a new block in HTML/PDF."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    group: str | None = None
    sheet: str = ""  # short sheet name for XLSX

    def column_index(self, key: str) -> int:
        """Position of the column ``key``."""
        return next(i for i, c in enumerate(self.columns) if c.key == key)


@dataclass(frozen=True)
class MapSpec:
    """A map to draw: ``compliance``, ``rules`` or ``coverage`` (with its facility type), or a
    planning map (``siting``, ``regions``, ``access``) with its ``data``."""

    key: str
    kind: str
    title: str
    caption: str
    type_key: str | None = None
    labels: dict[str, Num] = field(default_factory=dict)  # community_id -> figure printed on it
    data: object = None  # the layers a planning map draws (a planning result read by planner.report.plans)


@dataclass(frozen=True)
class Fact:
    """A labelled value on the cover or in a parameter list."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """One part of the report, in a format-neutral form.

    A section module (:mod:`planner.report.sections`) takes the analysis (and its own optional
    inputs) and returns one: its numbered title (empty for the cover), paragraphs, labelled
    facts, named lists of sentences (``headlines``, ``standards``, ``gaps``), key figures,
    tables and maps. The HTML/PDF renderer lays out the district's own sections with their
    established layout and any other section generically (title, paragraphs, facts, maps,
    tables in that order); the spreadsheet writes every table on a sheet of its own.
    """

    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    key_figures: tuple[tuple[Num, str], ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[MapSpec, ...] = ()

    def table(self, key: str) -> Table | None:
        """The table ``key`` of this section, or None."""
        return next((t for t in self.tables if t.key == key), None)

    def items(self, key: str) -> list[str]:
        """The list of sentences ``key`` (empty when the section has none)."""
        return list(next((v for k, v in self.lists if k == key), ()))


#: the pre-section attribute names of :class:`Report` -> (section key, what)
_LEGACY: dict[str, tuple[str, str]] = {
    "cover": ("cover", "facts"),
    "sources": ("cover", "table:sources"),
    "key_figures": ("summary", "key_figures"),
    "headlines": ("summary", "list:headlines"),
    "coverage": ("summary", "table:coverage"),
    "standards": ("summary", "list:standards"),
    "gaps": ("summary", "list:gaps"),
    "maps": ("maps", "figures"),
    "matrix": ("tables", "table:matrix"),
    "checks": ("tables", "table:checks"),
    "facilities": ("tables", "table:facilities"),
    "sub_districts": ("tables", "tables:sub_"),
    "ranking": ("recommendations", "table:ranking"),
    "siting": ("recommendations", "table:siting"),
    "method": ("method", "paragraphs"),
    "parameters": ("method", "facts"),
    "rule_numbers": ("method", "table:rule_numbers"),
    "rule_trail": ("method", "table:rule_trail"),
    "statuses": ("method", "table:statuses"),
    "rule_sources": ("method", "table:rule_sources"),
    "validation": ("method", "table:validation"),
    "scenario": ("scenario", "table:scenario"),
}


@dataclass
class Report:
    """Everything the report shows, in one language: its sections in reading order.

    The sections' parts stay reachable under their former names (``report.checks``,
    ``report.headlines``, ``report.siting``, ...), which read the sections.
    """

    lang: str
    title: str
    subtitle: str
    district: str
    date: str
    osm: bool
    attribution: str
    footer: str
    sections: list[Section]
    nums: list[Num] = field(default_factory=list)  # every number printed as text
    map_nums: list[Num] = field(default_factory=list)  # numbers drawn on the maps

    def section(self, key: str) -> Section | None:
        """The section ``key``, or None when the report has none."""
        return next((s for s in self.sections if s.key == key), None)

    def __getattr__(self, name: str) -> Any:
        if name not in _LEGACY:
            raise AttributeError(name)
        key, what = _LEGACY[name]
        sec = self.section(key)
        if what == "tables:sub_":
            return [t for t in sec.tables if t.key.startswith("sub_")] if sec else []
        if what.startswith("table:"):
            return sec.table(what[6:]) if sec else None
        if what.startswith("list:"):
            return sec.items(what[5:]) if sec else []
        return list(getattr(sec, what)) if sec else []

    def tables(self) -> list[Table]:
        """Every table in reading order (one sheet each in the spreadsheet), the data sources last."""
        out = [t for s in self.sections if s.key != "cover" for t in s.tables]
        return out + [t for s in self.sections if s.key == "cover" for t in s.tables]

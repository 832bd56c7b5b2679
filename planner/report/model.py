"""The report as data: sections, tables and every figure with a reference to where it comes from.

A :class:`Num` is one number the report prints. Its :class:`Ref` names the file of the same run
it comes from (``summary.json``, ``communities.csv``, ``facilities.csv``, ``compliance.csv``,
``sub_districts.csv``, ``validation.csv``), or ``rulebook`` / ``siting`` for numbers taken from
those inputs, so that a test can check every printed figure against the written results.
The renderers (HTML, PDF, XLSX) only lay this content out; they compute nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.report.text import fmt_number


@dataclass(frozen=True)
class Ref:
    """Where a number comes from.

    Attributes
    ----------
    file
        ``summary.json``, a CSV file written by :func:`planner.write_results`, ``rulebook``
        (a key of :meth:`planner.Rulebook.provenance`) or ``siting`` (the siting table given).
    key
        In ``summary.json``: a dotted path, or several joined by `` - `` / `` + ``. In a CSV:
        a column (the rule kinds' columns such as ``staff_needed``, ``grid_fit_min`` and
        ``grid_fit_max`` among them, whose formulas the tests restate independently), or several
        joined by `` - `` / `` + ``.
    row
        For a single CSV cell: the (column, value) pairs that identify its row.
    agg
        ``sum`` or ``count`` over the rows selected by ``where`` (all rows when empty).
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
    """A map to draw: ``compliance``, ``rules`` or ``coverage`` (with its facility type)."""

    key: str
    kind: str
    title: str
    caption: str
    type_key: str | None = None
    labels: dict[str, Num] = field(default_factory=dict)  # community_id -> figure printed on it


@dataclass(frozen=True)
class Fact:
    """A labelled value on the cover or in a parameter list."""

    label: str
    value: str


@dataclass
class Report:
    """Everything the report shows, in one language, in reading order."""

    lang: str
    title: str
    subtitle: str
    district: str
    date: str
    cover: list[Fact]
    sources: Table
    osm: bool
    key_figures: list[tuple[Num, str]]
    headlines: list[str]
    coverage: Table
    standards: list[str]
    gaps: list[str]
    maps: list[MapSpec]
    matrix: Table
    checks: Table
    facilities: Table
    sub_districts: list[Table]
    ranking: Table
    siting: Table | None
    method: list[str]
    parameters: list[Fact]
    rule_numbers: Table
    rule_trail: Table
    statuses: Table
    rule_sources: Table
    validation: Table | None
    scenario: Table | None
    attribution: str
    footer: str
    nums: list[Num] = field(default_factory=list)  # every number printed as text
    map_nums: list[Num] = field(default_factory=list)  # numbers drawn on the maps

    def tables(self) -> list[Table]:
        """Every table, in reading order (one sheet each in the spreadsheet)."""
        out = [self.coverage, self.matrix, self.checks, self.facilities, *self.sub_districts, self.ranking]
        if self.siting is not None:
            out.append(self.siting)
        out += [self.rule_numbers, self.statuses, self.rule_trail, self.rule_sources]
        if self.validation is not None:
            out.append(self.validation)
        if self.scenario is not None:
            out.append(self.scenario)
        out.append(self.sources)
        return out

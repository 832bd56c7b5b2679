"""The exceptions planner raises for problems a user can fix.

Every problem with the user's data or settings is a :class:`PlannerError`. The CLI and the
app catch it and show its message; any other exception is a bug in planner.
"""

from __future__ import annotations

from collections.abc import Sequence


class PlannerError(Exception):
    """Base class of every error caused by input, settings or environment."""


class InputError(PlannerError, ValueError):
    """A study's input file, layer or column is missing, unreadable or invalid.

    Parameters
    ----------
    message
        What is wrong and what to do, in one or two sentences.
    file, layer, column
        Where the problem is. Each is optional but should be given when known.
    rows
        A few example row ids (or row numbers) that show the problem.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        layer: str | None = None,
        column: str | None = None,
        rows: Sequence[object] | None = None,
        count: int | None = None,
    ) -> None:
        self.file = file
        self.layer = layer
        self.column = column
        self.rows = list(rows) if rows is not None else []
        self.count = count
        self.detail = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.layer:
            where.append(f"layer '{self.layer}'")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            total = self.count if self.count is not None else len(self.rows)
            more = f" and {total - 5} more" if total > 5 else ""
            where.append(f"{total} row(s): {shown}{more}")
        prefix = "; ".join(where)
        return f"{prefix}: {self.detail}" if prefix else self.detail


class CRSError(InputError):
    """A layer has no coordinate system, or one planner cannot use."""


class RulebookError(PlannerError, ValueError):
    """A rule file is malformed or a rule number has no source."""


class NetworkError(InputError):
    """The street network cannot be built or used for walking distances."""

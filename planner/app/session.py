"""What an app session shows, as keys: the study analysed and the scenario evaluated on it.

The app caches heavy results per study and per scenario, and forgets a scenario, a selection
and clicks when the person opens another study. Both need to know *which* study is shown:
:class:`StudyKey` names it (the bundled sample or a study file, or an upload by its content
hash) together with the analysis settings, and says which of its parts make "another study"
(:attr:`StudyKey.study`) and which only change the analysis (mode, cell size).
:class:`ResultKey` adds the scenario's edits, for the cache of the scenario's result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from planner.plan.scenario import Scenario

__all__ = ["ResultKey", "Source", "StudyKey"]

#: where a study comes from: the bundled sample (or the study opened with ``planner app``), or an upload
Source = Literal["sample", "upload"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StudyKey:
    """One analysed study: where it comes from, which one, and the analysis settings.

    Attributes
    ----------
    source
        ``"sample"`` (the bundled sample, or the study file the app was opened on) or ``"upload"``.
    ident
        The study file's path for ``"sample"`` (None for the bundled sample), the uploads' content
        hash for ``"upload"``.
    mode
        ``"walk"`` or ``"euclidean"``.
    cell_size_m
        Side of the population cells (m).
    """

    source: Source
    ident: str | None
    mode: str
    cell_size_m: int

    @property
    def study(self) -> tuple[Source, str | None]:
        """The study alone: a change here is another study (its scenario does not carry over)."""
        return (self.source, self.ident)

    def digest(self) -> str:
        """A stable hex name of the study and its settings, for caches."""
        return _digest(f"{self.source}:{self.ident}:{self.mode}:{self.cell_size_m}")


@dataclass(frozen=True)
class ResultKey:
    """A scenario evaluated on a study: its cached result is valid while this key is the same.

    Attributes
    ----------
    study
        The study and its settings.
    edits_json
        The scenario as JSON (``Scenario.to_json``), or ``""`` for the existing situation (no edits).
    """

    study: StudyKey
    edits_json: str

    @classmethod
    def of(cls, study: StudyKey, scenario: Scenario) -> ResultKey:
        """The key of ``scenario`` on ``study`` (a scenario without edits is the existing situation)."""
        return cls(study, scenario.to_json() if scenario.edits else "")

    @property
    def is_existing(self) -> bool:
        """Whether this is the existing situation (no edits)."""
        return not self.edits_json

    def digest(self) -> str:
        """A stable hex name of the study, its settings and the edits, for caches."""
        return _digest(f"{self.study.digest()}\n{self.edits_json}")

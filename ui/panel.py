"""What every panel of the page is given: the :class:`View` of one run.

A tab is a module with a ``TITLE`` (its i18n key) and ``render(view)``; ``app.TABS`` lists
them in order. A new panel (siting, regions, access) is one new module of that shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import planner
from planner.plan import scenario as sc


@dataclass(frozen=True)
class View:
    """One run's analysis and choices, as the panels see them.

    Attributes
    ----------
    base
        The study's existing situation.
    result
        The scenario's result (``base`` when the scenario has no edits).
    scenario
        The person's edits.
    focus
        The facility type in focus (rulebook key).
    lang
        The language shown.
    """

    base: planner.Analysis
    result: planner.Analysis
    scenario: sc.Scenario
    focus: str
    lang: str


class Panel(Protocol):
    """A tab of the page (a module): its title's i18n key and what it draws."""

    TITLE: str

    def render(self, view: View) -> None:
        """Draw the panel for one run."""

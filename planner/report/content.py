"""The report's content: its sections, composed from an :class:`~planner.analysis.Analysis`.

:func:`build_content` is the only place that decides what the report contains and in which
order. Each section is built by its own module in :mod:`planner.report.sections` from the
analysis tables (the same ones :func:`planner.write_results` writes), the summary and the
rulebook, plus the section's own optional inputs (a scenario, proposed sites, the outputs of
``planner site``, ``planner workstations`` / ``grids`` and ``planner access``). Every number
printed is recorded as a :class:`~planner.report.model.Num` with a reference to its source, so
that tests can compare each printed figure with the written files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import pandas as pd

from planner.analysis import Analysis
from planner.errors import PlannerError
from planner.report.context import Context
from planner.report.model import Report, Section
from planner.report.plans import Plans
from planner.report.sections import (
    access,
    cover,
    maps,
    method,
    recommend,
    regions,
    results,
    summary,
    tiers,
)
from planner.report.sections import (
    scenario as scenario_section,
)
from planner.report.sections import (
    siting as siting_section,
)
from planner.report.text import LANGS


def build_content(
    result: Analysis,
    lang: str,
    *,
    scenario: object = None,
    siting: pd.DataFrame | None = None,
    plans: Plans | None = None,
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
    plans
        The outputs of the planning commands (:func:`planner.report.plans.read_plans`): each
        one given adds its section after the recommendations.
    """
    if lang not in LANGS:
        raise PlannerError(f"report language must be one of {', '.join(LANGS)}, got {lang!r}")
    ctx = Context(result, lang)
    label, edits = _scenario(scenario)
    sites = _siting(siting, result)
    plans = plans or Plans()
    body: list = [
        lambda n: summary.build(ctx, n),
        lambda n: maps.build(ctx, n),
        lambda n: results.build(ctx, n),
        lambda n: recommend.build(ctx, n, sites),
    ]
    if plans.siting is not None:
        body.append(lambda n: siting_section.build(ctx, n, plans.siting))
    if plans.workstations is not None or plans.grids is not None:
        body.append(lambda n: regions.build(ctx, n, plans.workstations, plans.grids))
    if plans.access is not None:
        body.append(lambda n: access.build(ctx, n, plans.access))
    if plans.tiers is not None:
        shown = plans.access is not None and plans.access.three_lists is not None
        body.append(lambda n: tiers.build(ctx, n, plans.tiers, with_lists=not shown))
    body.append(lambda n: method.build(ctx, n))
    if edits:
        body.append(lambda n: scenario_section.build(ctx, n, label, edits))
    scenario_number = len(body)  # the scenario is the last section when there is one
    sections: list[Section] = [cover.build(ctx, label, len(edits), scenario_number)]
    sections += [make(number) for number, make in enumerate(body, start=1)]
    return Report(
        lang=lang,
        title=ctx.t("title"),
        subtitle=ctx.t("subtitle"),
        district=result.study.name,
        date=str(ctx.s["generated"])[:10],
        osm=bool(result.study.streets_from_osm),
        attribution=maps.attribution(ctx),
        footer=ctx.t("footer", district=result.study.name, title=ctx.t("title")),
        sections=sections,
        nums=ctx.nums,
        map_nums=ctx.map_nums,
    )


def _scenario(scenario: object) -> tuple[str | None, list[Mapping[str, object]]]:
    """(label, edits) from a name, a list of edits, a mapping or a scenario object.

    A scenario object is anything with ``name`` and ``edits`` attributes (such as the app's
    :class:`planner.plan.scenario.Scenario`); edits may be mappings or dataclasses.
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
    out: list[Mapping[str, object]] = []
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


__all__ = ["build_content"]

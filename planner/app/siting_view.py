"""What the app's "where to build" panel needs: run a siting question, and a phased build plan.

The panel asks :func:`planner.plan.siting.site` on the study's existing situation (the base
analysis), and the answer becomes a what-if scenario of ``add`` edits in rank order
(:func:`answer_scenario`): drawn on the map and editable like any other edit. The build plan
(:func:`build_plan`) is read from a scenario's ``add`` edits in their order, so it works the
same for a scenario the panel made, one edited since, and a ``scenario.json`` written by
``planner site``:

- each site's residents added: the residents of the group the type serves (elderly 60+ for day
  care, ...; :func:`planner.assess.groups.cell_demand`) within the type's radius of the site that neither
  an existing facility nor an earlier site covers (the ranking of ``planner site``); for a
  capacitated answer, the residents it serves as the solver re-scored them;
- the phases: the ranked list split into thirds (:data:`PHASES`, :func:`phase_of`): with ``n``
  sites, rank ``r`` (1-based) is in phase ``floor((r - 1) × 3 / n)``, so the first third is
  near-term (近期), the second mid-term (中期), the last long-term (远期);
- after each phase, the scenario up to its last site is evaluated like any what-if, and the
  communities that then pass the coverage rule of the type for the first time are named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyproj
import shapely

from planner.analysis import Analysis
from planner.assess.groups import cell_demand, demand_groups
from planner.i18n import t
from planner.naming import coverage_rule
from planner.plan.scenario import Edit, Scenario, evaluate
from planner.plan.siting import OBJECTIVES, SitingResult, site

#: i18n keys of the build phases, in order; the ranked list is split evenly among them
PHASES: tuple[str, ...] = ("phase_near", "phase_mid", "phase_far")
#: the app's solver time limit (s): the answer at the limit comes with its proven gap
APP_TIME_LIMIT_S = 20.0


@dataclass(frozen=True)
class SitingForm:
    """The panel's question: type, objective, K (coverage, distance) or target share (count), capacity."""

    type: str
    objective: str
    k: int | None = None
    target: float | None = None
    capacity: bool = False


def run(base: Analysis, form: SitingForm, *, time_limit_s: float = APP_TIME_LIMIT_S) -> SitingResult:
    """Answer the panel's question on the existing situation (raises the library's errors)."""
    return site(
        base,
        type=form.type,
        objective=form.objective,
        add=form.k if form.objective != "count" else None,
        target=form.target if form.objective == "count" else None,
        candidates="auto",
        time_limit_s=time_limit_s,
        capacity=form.capacity and form.objective == "coverage",
    )


def answer_scenario(base: Analysis, answer: SitingResult, lang: str) -> Scenario:
    """The answer's new sites as a what-if scenario, named in ``lang``, ids clashing with no facility."""
    name = t("siting_scenario", lang, type=base.study.rulebook.types[answer.type].name(lang), n=answer.k)
    ids = tuple(base.study.facilities["facility_id"].astype(str))
    return answer.scenario(base.study.name, name=name, existing_ids=ids)


def phase_of(rank: int, n: int) -> int:
    """The phase (index into :data:`PHASES`) of rank ``rank`` (1-based) among ``n`` ranked sites."""
    return min(len(PHASES) - 1, (rank - 1) * len(PHASES) // max(n, 1))


@dataclass(frozen=True)
class Plan:
    """A phased build plan: one row per site and one per phase (display columns in ``lang``)."""

    sites: pd.DataFrame
    phases: pd.DataFrame
    #: residents the plan adds in all (the sum of ``sites``' residents added)
    added: float


def build_plan(base: Analysis, scenario: Scenario, lang: str, answer: SitingResult | None = None) -> Plan | None:
    """The build plan of the scenario's ``add`` edits in order (None when it adds nothing).

    ``answer``: the siting answer the scenario was made from; when its sites are still the
    scenario's ``add`` edits, its residents added (capacity-aware) are used.
    """
    types = base.study.rulebook.types
    adds = [e for e in scenario.edits if e.op == "add" and e.type is not None and e.type in types]
    if not adds:
        return None
    added = _from_answer(adds, answer) if answer is not None else None
    if added is None:
        added = _residents_added(base, adds)
    n = len(adds)
    phase = [phase_of(r, n) for r in range(1, n + 1)]
    sites = pd.DataFrame(
        {
            t("plan_rank", lang): np.arange(1, n + 1),
            t("plan_phase", lang): [t(PHASES[p], lang) for p in phase],
            t("plan_site", lang): [e.name or e.facility_id for e in adds],
            t("plan_type", lang): [types[str(e.type)].name(lang) for e in adds],
            t("plan_added", lang): np.round(added).astype(int),
            t("plan_area", lang): [e.floor_area_m2 if e.floor_area_m2 is not None else np.nan for e in adds],
        }
    )
    return Plan(sites, _phases(base, scenario, adds, phase, added, lang), float(np.sum(added)))


def _from_answer(adds: list[Edit], answer: SitingResult) -> np.ndarray | None:
    """The answer's residents added, when the edits are exactly its sites in rank order."""
    if len(adds) != len(answer.sites) or {e.type for e in adds} != {answer.type}:
        return None
    ids = [str(e.name or "").rsplit("(", 1)[-1].rstrip(")") for e in adds]
    if ids != list(answer.sites["candidate_id"].astype(str)):
        return None
    return answer.sites["residents_added"].to_numpy(dtype=float)


def _residents_added(base: Analysis, adds: list[Edit]) -> np.ndarray:
    """Residents within each site's radius not covered before it (existing facilities, earlier sites)."""
    book, cells, engine = base.study.rulebook, base.cells, base.engine
    kinds = {str(e.type) for e in adds}
    # the residents of the group each type serves, as planner site counts them
    weights = {key: np.nan_to_num(cell_demand(cells, base.communities, book, key)[0]) for key in kinds}
    covered = {key: cells[f"covered_{key}"].to_numpy(dtype=bool).copy() for key in kinds}
    to_study = pyproj.Transformer.from_crs("EPSG:4326", base.study.crs, always_xy=True)
    out = np.zeros(len(adds))
    for i, e in enumerate(adds):
        x, y = to_study.transform(e.lon, e.lat)
        kind = str(e.type)
        reach = engine.within(np.array([shapely.Point(x, y)], dtype=object), float(book.types[kind].radius_m.value))
        hit = np.zeros(len(cells), dtype=bool)
        hit[reach.indices] = True
        new = hit & ~covered[kind]
        out[i] = weights[kind][new].sum()
        covered[kind] |= hit
    return out


def _phases(base, scenario, adds, phase, added, lang) -> pd.DataFrame:
    """Per phase: sites, residents added, and the communities passing the type's coverage rule after it."""
    comm = base.communities
    rules = sorted({coverage_rule(e.type) for e in adds})
    before = _passing(base, rules)
    rows = []
    last = {p: i for i, p in enumerate(phase)}  # each phase's last site
    add_positions = [i for i, e in enumerate(scenario.edits) if e in adds]
    for p in sorted(last):
        upto = add_positions[last[p]] + 1
        result = evaluate(base, Scenario(name=scenario.name, study=scenario.study, edits=scenario.edits[:upto]))
        after = _passing(result, rules)
        new = after & ~before
        names = comm.loc[new, "name"].astype(str) if "name" in comm else comm.loc[new, "community_id"].astype(str)
        rows.append(
            {
                t("plan_phase", lang): t(PHASES[p], lang),
                t("plan_sites", lang): sum(1 for q in phase if q == p),
                t("plan_added", lang): round(float(sum(a for a, q in zip(added, phase, strict=True) if q == p))),
                t("plan_passing", lang): t("plan_passing_n", lang, n=int(after.sum()), total=len(comm)),
                t("plan_new_passing", lang): ("、" if lang == "zh" else ", ").join(names) or "—",
            }
        )
        before = before | after
    return pd.DataFrame(rows)


def _passing(result: Analysis, rules: list[str]) -> np.ndarray:
    """Communities passing every one of ``rules`` (a rule not assessed counts as not passing)."""
    comm = result.communities
    ok = np.ones(len(comm), dtype=bool)
    for rid in rules:
        col = f"pass_{rid}"
        ok &= comm[col].fillna(False).astype(bool).to_numpy() if col in comm else False
    return ok


def summary_line(base: Analysis, answer: SitingResult, lang: str) -> str:
    """One sentence: what was asked, the value before and after, the status and the proven gap."""
    name = base.study.rulebook.types[answer.type].name(lang)
    status = t("siting_optimal" if answer.status == "optimal" else "siting_time_limit", lang)
    gap = t("siting_gap", lang, gap=answer.gap) if np.isfinite(answer.gap) else t("siting_no_gap", lang)
    if answer.objective == "distance":
        value = t("siting_value_distance", lang, after=answer.after / 1000, before=(answer.before or np.nan) / 1000)
    else:
        value = t("siting_value_cover", lang, after=answer.after, before=answer.before or 0.0)
    group = answer.demand.get("group", "all")
    if group != "all":  # say whose residents the numbers count
        who = demand_groups(base.study.rulebook)[group].name(lang)
        basis = ", ".join(t(f"basis_{b}", lang) for b in str(answer.demand.get("basis", "")).split(";") if b)
        value = f"{value} [{who}{': ' + basis if basis else ''}]" if lang != "zh" else f"{value}〔{who}:{basis}〕"
    key = "siting_capacity" if answer.capacitated else "siting_result"
    return t(key, lang, n=answer.k, type=name, value=value, status=status, gap=gap, seconds=answer.seconds)


def objectives() -> tuple[str, ...]:
    """The objectives the panel offers, in order (their labels: ``objective_<key>``)."""
    return OBJECTIVES

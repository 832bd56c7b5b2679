"""What the app's what-if panel needs besides the scenario itself: picking, editing and naming facilities.

A click on the map picks among the facilities *drawn* (the facility types shown), never
a hidden one at the same spot (:func:`facilities_at`); a button's edit is built from what
the panel's boxes hold (:func:`build_edit`) and checked before it is kept, an edit outside
the district waiting for a confirmation (:func:`checked_scenario`); an edit is listed with
the facility's name and type in the chosen language (:func:`edit_label`, :func:`edit_lines`),
and a scenario loaded from a file says what does not fit this study (:func:`loaded_notes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

from planner.analysis import Analysis
from planner.i18n import in_sentence, op_name, t
from planner.ingest.study import Study
from planner.plan.scenario import Edit, Op, Scenario, apply_edits, outside_district

#: how far from a facility a click still picks it (m); a click on an icon arrives at the
#: facility's own position, so this only absorbs rounding of the click's coordinates
CLICK_TOLERANCE_M = 3.0


def facilities_at(
    result: Analysis,
    lon: float,
    lat: float,
    types: Iterable[str],
    *,
    max_m: float = CLICK_TOLERANCE_M,
) -> list[str]:
    """Ids of the facilities of ``types`` within ``max_m`` metres of a WGS84 point, nearest first.

    ``types`` are the facility types drawn on the map: facilities of other types (hidden
    layers) are never picked, even when they stand at the same spot. Several ids mean
    several drawn facilities are at the click, and the person chooses.
    """
    fac = result.facilities
    shown = fac.loc[fac["type"].astype(str).isin(set(types))]
    if shown.empty:
        return []
    x, y = pyproj.Transformer.from_crs("EPSG:4326", result.study.crs, always_xy=True).transform(lon, lat)
    d = shapely.distance(shown.geometry.values, shapely.Point(x, y))
    near = np.flatnonzero(d <= max_m)
    order = near[np.argsort(d[near], kind="stable")]
    return [str(i) for i in shown["facility_id"].iloc[order]]


def edit_label(study: Study, scenario: Scenario, index: int, lang: str) -> str:
    """One edit as the edit list shows it: "移动 JC0047 翠竹社区综合服务中心 (社区综合服务设施)".

    The facility's name and type come from the study, or from the scenario's own ``add``
    edit for a facility it added (and removed or moved later).
    """
    edit = scenario.edits[index]
    name, ftype = _name_and_type(study, scenario.edits[: index + 1], edit)
    book = study.rulebook
    type_name = book.types[ftype].name(lang) if ftype in book.types else ftype
    what = f"{name} ({type_name})" if type_name else name
    return f"{op_name(edit.op, lang)} {edit.facility_id} {what}".rstrip()


def _name_and_type(study: Study, edits: tuple[Edit, ...], edit: Edit) -> tuple[str, str]:
    for e in edits:
        if e.op == "add" and e.facility_id == edit.facility_id:
            return e.name or "", e.type or ""
    fac = study.facilities
    row = fac.loc[fac["facility_id"].astype(str) == edit.facility_id]
    if row.empty:
        return "", ""
    return str(row["name"].iloc[0]), str(row["type"].iloc[0])


@dataclass(frozen=True)
class EditForm:
    """What the what-if panel's boxes hold when a button is pressed.

    Attributes
    ----------
    lon, lat
        The position boxes (WGS84 degrees), None while empty.
    new_type
        The type chosen for a new facility (rulebook key).
    new_name
        The name typed for a new facility ("" for the default name).
    new_floor_area_m2
        The floor area typed for a new facility of ``new_type`` (m²).
    floor_area_m2
        The floor area typed for the facility chosen (m²), for a resize.
    """

    lon: float | None = None
    lat: float | None = None
    new_type: str | None = None
    new_name: str = ""
    new_floor_area_m2: float | None = None
    floor_area_m2: float | None = None


def build_edit(study: Study, scenario: Scenario, op: Op, facility_id: str | None, form: EditForm, lang: str) -> Edit:
    """The edit a what-if button asks for, from the panel's boxes.

    ``add`` and ``move`` take the position boxes; ``add`` gives the new facility the
    scenario's next free id and, when no name was typed, "New <type>" in ``lang``;
    ``resize`` takes the chosen facility's floor area box.

    Raises
    ------
    planner.errors.ScenarioError
        When the boxes do not make an edit (a position missing, a negative floor area ...).
    """
    fields: dict = {}
    if op in ("add", "move"):
        fields.update(lon=form.lon, lat=form.lat)
    if op == "add":
        book = study.rulebook
        ftype = str(form.new_type)
        default = t("new_name_default", lang, type=in_sentence(book.types[ftype].name(lang), lang))
        facility_id = scenario.new_id(study.facilities["facility_id"])
        name = (form.new_name or "").strip() or default
        fields.update(type=ftype, name=name, floor_area_m2=form.new_floor_area_m2)
    if op == "resize":
        fields["floor_area_m2"] = form.floor_area_m2
    return Edit(op, str(facility_id), **fields)


def checked_scenario(study: Study, scenario: Scenario, edit: Edit, *, confirmed: bool = False) -> Scenario | None:
    """``scenario`` with ``edit`` once checked, or None while an edit outside the district awaits confirmation.

    Raises
    ------
    planner.errors.PlannerError
        When the edit cannot be applied to the study (an unknown facility, a type not in
        the rulebook ...).
    """
    kept = scenario.with_edit(edit)
    apply_edits(study, kept)  # checks the edit before keeping it
    if not confirmed and outside_district(study, Scenario(edits=(edit,))):
        return None
    return kept


def edit_lines(study: Study, scenario: Scenario, lang: str) -> list[str]:
    """The edit list as numbered Markdown lines, with the floor area of an added or resized facility."""
    lines = []
    for i, e in enumerate(scenario.edits):
        extra = f" · {e.floor_area_m2:,.0f} m²" if e.floor_area_m2 is not None else ""
        lines.append(f"1. {edit_label(study, scenario, i, lang)}{extra}")
    return lines


def loaded_notes(study: Study, scenario: Scenario, lang: str) -> list[str]:
    """What a scenario loaded from a file says about this study: made for another one, edits outside it."""
    notes = []
    if scenario.study and scenario.study != study.name:
        notes.append(t("other_study", lang, other=scenario.study, this=study.name))
    outside = outside_district(study, scenario)
    edits = [i for i, e in enumerate(scenario.edits) if e in outside]
    if edits:
        notes.append(t("outside_in_file", lang, edits="; ".join(edit_label(study, scenario, i, lang) for i in edits)))
    return notes


def floor_area(result: Analysis, facility_id: str) -> float:
    """A facility's floor area (m²), 0 when the layer gives none (the resize box starts there)."""
    fac = result.facilities
    value = fac.loc[fac["facility_id"].astype(str) == str(facility_id), "floor_area_m2"].iloc[0]
    return float(value) if value == value else 0.0

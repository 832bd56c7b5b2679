"""What the app's what-if panel needs besides the scenario itself: picking and naming facilities.

A click on the map picks among the facilities *drawn* (the facility types shown), never
a hidden one at the same spot (:func:`facilities_at`); an edit is listed with the facility's
name and type in the chosen language (:func:`edit_label`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyproj
import shapely

from planner.analysis import Analysis
from planner.i18n import op_name
from planner.ingest.study import Study
from planner.plan.scenario import Edit, Scenario

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

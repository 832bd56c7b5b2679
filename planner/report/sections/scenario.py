"""The scenario section: a what-if scenario's edits to the facilities, one row each."""

from __future__ import annotations

from collections.abc import Mapping

from planner.report.context import Context
from planner.report.model import Cell, Column, Section, Table
from planner.report.text import STRINGS, fmt_number


def build(ctx: Context, number: int, label: str | None, edits: list[Mapping[str, object]]) -> Section:
    """The scenario section."""
    return Section("scenario", f"{number} {ctx.t('s_scenario')}", tables=(scenario(ctx, label, edits),))


def scenario(ctx: Context, label: str | None, edits: list[Mapping[str, object]]) -> Table:
    """The scenario's edits, one row each (known fields with localised headers, in order)."""
    keys: list[str] = [k for k in EDIT_FIELDS if any(k in e for e in edits)]
    for e in edits:
        keys += [str(k) for k in e if str(k) not in keys]
    cols = tuple(Column(k, ctx.t(EDIT_FIELDS[k]) if k in EDIT_FIELDS else k, width=16) for k in keys)
    rows = tuple(tuple(_edit_cell(ctx, k, e.get(k)) for k in keys) for e in edits)
    title = ctx.t("t_scenario") + (f" — {label}" if label else "")
    return Table("scenario", title, cols, rows, sheet=ctx.t("scenario"))


def _edit_cell(ctx: Context, key: str, value: object) -> Cell:
    if key in ("op", "action") and f"op_{value}" in STRINGS:
        return ctx.text_cell(ctx.t(f"op_{value}"))
    if key == "type" and isinstance(value, str) and value in ctx.book.types:
        return ctx.text_cell(ctx.type_label(value))
    if key == "floor_area_m2" and isinstance(value, int | float):
        return ctx.text_cell(fmt_number(value, "area"))
    if key in ("lon", "lat") and isinstance(value, int | float):
        return ctx.text_cell(f"{value:.6f}")
    return ctx.text_cell(value)


#: fields of a scenario edit shown first, with their header keys
EDIT_FIELDS = {
    "op": "col_op",
    "action": "col_op",
    "facility_id": "col_facility_id",
    "type": "col_type",
    "name": "col_facility",
    "floor_area_m2": "col_floor_area",
    "lon": "col_lon",
    "lat": "col_lat",
}

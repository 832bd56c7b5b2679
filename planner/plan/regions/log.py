"""Reasons a station or grid is flagged, in the columns of planner's validation log."""

from __future__ import annotations

import numpy as np

from planner.ingest.validate import ValidationLog

__all__ = ["REASONS", "RegionLog"]

REASONS: dict[str, tuple[str, str]] = {
    "island": (
        "fewer connected communities than the minimum: one workstation of its own",
        "相连社区少于下限:单独设一个工作站",
    ),
    "no_neighbours": (
        "the community touches no other community (within its sub-district): a workstation of its own",
        "该社区(在所属街道内)与其他社区均不相邻:单独设一个工作站",
    ),
    "station_bounds_not_met": (
        "no contiguous grouping keeps every workstation within the bounds here: nearest grouping used",
        "此处无法在保持相连的同时使每个工作站的社区数都在范围内:采用最接近的分组",
    ),
    "missing_households": (
        "households missing: estimated from residents for balancing; station totals count known households only",
        "缺少户数:按人口估算用于均衡;工作站户数只计已知户数",
    ),
    "no_site": (
        "no community-service facility in the station's communities: the site is the best analysis cell",
        "工作站所辖社区内没有社区综合服务设施:站址取最优分析单元",
    ),
    "grid_bounds_not_met": (
        "no split into contiguous grids keeps every grid within the household bounds: nearest split used",
        "无法划分出户数都在范围内的相连网格:采用最接近的划分",
    ),
    "grid_below_minimum": (
        "fewer households than the grid minimum: the community is one grid",
        "户数少于网格下限:整个社区为一个网格",
    ),
    "grid_missing_households": (
        "households missing: no grids proposed; add the households column value",
        "缺少户数:未划分网格;请补充户数",
    ),
    "grid_no_buildings": (
        "buildings were given but the community has no residential floor area in them: grids follow the analysis cells",
        "已提供建筑数据,但该社区内没有住宅建筑面积:网格按分析单元划分",
    ),
    "grid_no_cells": (
        "the community has no analysis cells: the community is one grid",
        "该社区没有分析单元:整个社区为一个网格",
    ),
}


class RegionLog(ValidationLog):
    """A :class:`planner.ingest.validate.ValidationLog` with the reasons of stations and grids."""

    def add(self, layer: str, ids: object, reason: str, action: str, detail: str = "") -> None:
        """Record ``reason`` for each id in ``ids``."""
        en, zh = REASONS[reason]
        for fid in np.atleast_1d(np.asarray(ids, dtype=object)):
            self.records.append(
                {
                    "layer": layer,
                    "id": str(fid),
                    "reason": reason,
                    "action": action,
                    "message_en": f"{en}{': ' + detail if detail else ''}",
                    "message_zh": f"{zh}{':' + detail if detail else ''}",
                }
            )

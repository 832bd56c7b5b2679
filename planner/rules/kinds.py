"""Rule kinds: what a community rule measures, against which threshold, and how it says why.

Each kind of community rule is one object, registered once in :data:`KINDS`: the numbers it
needs from the rule file, how a community is measured (value, threshold, pass / fail / not
assessed, the reason in English and Chinese), the basis it cites, the community columns it
adds to ``communities.csv`` (named in :mod:`planner.naming`), and how its value is written.
The rulebook accepts only registered kinds; compliance, the app and the report read the kind
instead of branching on its name.

Every threshold is inclusive and compared in multiplied-out form (``staff × 10000 >= 18 ×
population``), so that a value exactly at the threshold is not lost to floating-point division.

The kinds' columns: a kind's first rule (in rulebook order) supplies them; the complex floor
area sums the facility types of every ``complex_floor_area`` rule.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from planner import naming
from planner.errors import RulebookError

if TYPE_CHECKING:
    from planner.rules.model import CommunityRule, Number, Rulebook


@dataclass(frozen=True)
class Check:
    """One community's result for one rule."""

    value: float
    threshold: float
    passed: bool | None  # None: not assessed
    reason_en: str
    reason_zh: str


class Facts:
    """Per-community facility aggregates, computed once for all communities and rules.

    ``facilities`` has ``community_id``, ``name``, ``type``, ``floor_area_m2`` and
    ``min_floor_area_m2``.
    """

    def __init__(self, facilities: pd.DataFrame, book: Rulebook) -> None:
        self.facilities = facilities
        self.book = book
        self._area: dict[tuple[str, ...], pd.Series] = {}

    def floor_area(self, types: Sequence[str]) -> pd.Series:
        """Floor area (m²) of the facilities of ``types``, summed per community id."""
        key = tuple(dict.fromkeys(types))
        if key not in self._area:
            fac = self.facilities
            self._area[key] = fac.loc[fac["type"].isin(key)].groupby("community_id")["floor_area_m2"].sum()
        return self._area[key]

    @cached_property
    def _checked(self) -> pd.DataFrame:
        fac = self.facilities
        return fac.loc[fac["min_floor_area_m2"].notna() & fac["floor_area_m2"].notna()]

    @cached_property
    def n_checked(self) -> pd.Series:
        """Facilities with a known floor area and a minimum, per community."""
        return self._checked.groupby("community_id").size()

    @cached_property
    def short(self) -> tuple[dict[object, list[str]], dict[object, list[str]]]:
        """Facilities below their type's minimum, per community: (English, Chinese) phrases."""
        c = self._checked
        short = c.loc[c["floor_area_m2"] < c["min_floor_area_m2"]]
        en: dict[object, list[str]] = {}
        zh: dict[object, list[str]] = {}
        for cid, name, ftype, area, minimum in zip(
            short["community_id"],
            short["name"],
            short["type"],
            short["floor_area_m2"],
            short["min_floor_area_m2"],
            strict=True,
        ):
            t = self.book.types[ftype]
            en.setdefault(cid, []).append(f"{name} {area:,.0f} m² < {minimum:,.0f} m² ({t.name_en.lower()})")
            zh.setdefault(cid, []).append(f"{name}{area:,.0f}平方米,低于{t.name_zh}最低{minimum:,.0f}平方米")
        return en, zh


def _get(row: object, name: str) -> float:
    value = getattr(row, name, np.nan)
    return float(value) if value is not None and not pd.isna(value) else math.nan


def _na(en: str, zh: str) -> Check:
    return Check(math.nan, math.nan, None, f"not assessed: {en}", f"未评估:{zh}")


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column of ``frame`` as float, all NaN when absent."""
    if name not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype=float)
    return frame[name].astype(float)


class RuleKind(abc.ABC):
    """A kind of community rule. Subclasses set the class attributes and override :meth:`check`."""

    #: the ``kind`` value in a rule file
    key: ClassVar[str] = ""
    #: the numbers a rule of this kind must give
    numbers: ClassVar[tuple[str, ...]] = ()
    #: True for a kind whose rules planner derives, one per facility type, instead of reading
    #: them from ``[community_rules]`` (coverage: shown per type, not as a community standard)
    per_type: ClassVar[bool] = False
    #: how the report prints a check's value and threshold (kinds of ``report.text.fmt_number``)
    report_formats: ClassVar[tuple[str, str]] = ("num", "num")
    #: the number a threshold range starts at (printed ``lo–threshold``), if any
    range_from: ClassVar[str | None] = None
    #: True for a kind whose community columns come without a rule of its kind (the national
    #: defaults then have none: a city file may add one to check it)
    columns_only: ClassVar[bool] = False

    def check_numbers(self, numbers: Mapping[str, Number], where: str) -> None:
        """Refuse a rule whose numbers are missing or inconsistent (:class:`RulebookError`)."""
        missing = [k for k in self.numbers if k not in numbers]
        if missing:
            raise RulebookError(f"{where} (kind {self.key}) needs {', '.join(missing)}")

    @abc.abstractmethod
    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """Measure one community (a row with ``population``, ``households``, ...) against ``rule``."""

    def columns(self, rules: Sequence[CommunityRule], comm: pd.DataFrame, facts: Facts) -> dict[str, pd.Series]:
        """The community columns this kind adds (aligned to ``comm``); ``rules`` are its rules, maybe none."""
        return {}

    def basis(self, rule: CommunityRule, lang: str, book: Rulebook) -> list[str]:
        """The basis texts of the rule's numbers in ``lang``, planner's defaults (status P) last."""
        return [n.basis(lang) for n in sorted(rule.numbers.values(), key=lambda n: n.status == "P")]

    def statuses(self, rule: CommunityRule, book: Rulebook) -> str:
        """The statuses of the numbers the rule applies, as ``"P, V2"``."""
        return ", ".join(sorted({n.status for n in rule.numbers.values()}))

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """A short label with the rule's numbers (the app's KPI cards)."""
        return rule.name(lang)

    def format_value(self, value: float) -> str:
        """A check's value or threshold as the app shows it (the value is not missing)."""
        return f"{value:,.1f}"


class Coverage(RuleKind):
    """The share of the community's residents within a facility type's radius reaches ``target_share``."""

    key = "coverage"
    numbers = ("target_share", "radius_m")
    per_type = True
    report_formats = ("share1", "share")

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """Residents covered (``pop_covered_<type>``) against the target share of the population."""
        key = rule.facility_types[0]
        t = facts.book.types[key]
        pop = _get(comm, "population")
        if not pop > 0:
            return _na("no residents", "无常住人口")
        covered = float(cov[naming.pop_covered(key)])
        target = rule.numbers["target_share"].value
        share = covered / pop
        passed = covered >= target * pop
        r = f"{t.radius_m.value:g}"
        article = "an" if t.name_en[:1].lower() in "aeiou" else "a"
        en = f"{share:.0%} of residents within {r} m of {article} {t.name_en.lower()} (target {target:.0%})"
        zh = f"{r}米内{t.name_zh}覆盖{share:.0%}的居民(目标{target:.0%})"
        if not passed:
            uncovered = round(pop - covered)
            en += f"; {uncovered:,} residents are farther"
            zh += f";{uncovered:,}名居民超出服务半径"
        return Check(share, target, passed, en, zh)

    def format_value(self, value: float) -> str:
        """A share as a whole percentage."""
        return f"{value:.0%}"


class ComplexFloorArea(RuleKind):
    """Community-service floor area: at least ``min_m2`` and ``per_100_households_m2`` per 100 households."""

    key = "complex_floor_area"
    numbers = ("min_m2", "per_100_households_m2")
    report_formats = ("area", "area")

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """The required area is the larger of ``min_m2`` and ``per_100_households_m2`` per 100 households.

        Without households the per-household part is unknown, but an area below ``min_m2`` fails
        whatever the households are: the floor alone decides.
        """
        area = float(facts.floor_area(rule.facility_types).get(cid, 0.0))
        hh = _get(comm, "households")
        min_m2 = rule.numbers["min_m2"].value
        per100 = rule.numbers["per_100_households_m2"].value
        names = "/".join(facts.book.types[k].name_en.lower() for k in rule.facility_types)
        if math.isnan(hh):
            if area >= min_m2:
                return _na(
                    f"households unknown; {area:,.0f} m² meets the {min_m2:,.0f} m² minimum, but the "
                    f"{per100:g} m² per 100 households cannot be checked",
                    f"缺少户数;建筑面积{area:,.0f}平方米达到最低{min_m2:,.0f}平方米,但无法核对每百户{per100:g}平方米",
                )
            en = (
                f"households unknown, but {area:,.0f} m² of {names} floor area is below the {min_m2:,.0f} m² "
                f"minimum that applies whatever the households; {min_m2 - area:,.0f} m² short"
            )
            zh = (
                f"缺少户数,但社区综合服务设施建筑面积{area:,.0f}平方米低于无论户数均适用的最低{min_m2:,.0f}平方米,"
                f"缺口{min_m2 - area:,.0f}平方米"
            )
            return Check(area, min_m2, False, en, zh)
        need = max(min_m2, per100 * hh / 100)
        passed = area >= min_m2 and area * 100 >= per100 * hh
        by_hh = per100 * hh / 100 > min_m2
        basis_en = f"{per100:g} m² per 100 households" if by_hh else f"the {min_m2:,.0f} m² minimum"
        basis_zh = f"每百户{per100:g}平方米" if by_hh else f"最低{min_m2:,.0f}平方米"
        en = f"{area:,.0f} m² of {names} floor area; {need:,.0f} m² required ({basis_en})"
        zh = f"社区综合服务设施建筑面积{area:,.0f}平方米,应不少于{need:,.0f}平方米({basis_zh})"
        if not passed:
            en += f"; {need - area:,.0f} m² short"
            zh += f",缺口{need - area:,.0f}平方米"
        return Check(area, need, passed, en, zh)

    def columns(self, rules: Sequence[CommunityRule], comm: pd.DataFrame, facts: Facts) -> dict[str, pd.Series]:
        """``complex_floor_area_m2`` (0 without such facilities) and, with households, per 100 households."""
        types = [t for r in rules for t in r.facility_types]
        area = comm["community_id"].map(facts.floor_area(types)).fillna(0.0).astype(float)
        out = {naming.COMPLEX_FLOOR_AREA: area}
        if "households" in comm.columns:
            out[naming.COMPLEX_PER_100_HOUSEHOLDS] = area / comm["households"].where(comm["households"] > 0) * 100
        return out

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """E.g. "Service complex ≥ 1,000 m²"."""
        m = rule.numbers["min_m2"].value
        return f"综合服务设施≥{m:,.0f}m²" if lang == "zh" else f"Service complex ≥ {m:,.0f} m²"

    def format_value(self, value: float) -> str:
        """Square metres."""
        return f"{value:,.0f} m²"


class StaffRatio(RuleKind):
    """Community workers: at least ``per_10k_residents`` per 10,000 residents."""

    key = "staff_ratio"
    numbers = ("per_10k_residents",)
    report_formats = ("ratio", "num")

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """Staff per 10,000 residents; ``staff × 10000 >= per_10k × population`` passes."""
        staff, pop = _get(comm, "staff"), _get(comm, "population")
        if math.isnan(staff):
            return _na("staff count unknown", "缺少工作人员数")
        if not pop > 0:
            return _na("no residents", "无常住人口")
        per10k = rule.numbers["per_10k_residents"].value
        value = staff * 10_000 / pop
        passed = staff * 10_000 >= per10k * pop
        need = math.ceil(per10k * pop / 10_000 - 1e-9)
        en = (
            f"{staff:g} staff for {pop:,.0f} residents = {value:.1f} per 10,000 "
            f"(target {per10k:g}; {need} staff needed)"
        )
        zh = f"{staff:g}名工作人员服务{pop:,.0f}名居民,每万人{value:.1f}名(标准{per10k:g}名,需{need}名)"
        return Check(value, per10k, passed, en, zh)

    def columns(self, rules: Sequence[CommunityRule], comm: pd.DataFrame, facts: Facts) -> dict[str, pd.Series]:
        """``residents_per_staff`` and ``staff_needed``: workers needed in addition to the staff (0 when met).

        ``staff_needed`` is ``max(⌈per_10k × population / 10000⌉ − staff, 0)``, missing where
        the rule is not assessed (staff unknown, no residents).
        """
        if "staff" not in comm.columns:
            return {}
        staff, pop = comm["staff"].astype(float), comm["population"].astype(float)
        out = {naming.RESIDENTS_PER_STAFF: comm["population"] / comm["staff"].where(comm["staff"] > 0)}
        if rules:
            per10k = rules[0].numbers["per_10k_residents"].value
            need = (np.ceil(per10k * pop / 10_000 - 1e-9) - staff).clip(lower=0.0)
            out[naming.STAFF_NEEDED] = need.where(staff.notna() & (pop > 0))
        return out

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """E.g. "≥ 18 staff per 10,000 residents"."""
        per = rule.numbers["per_10k_residents"].value
        return f"每万人社区工作者≥{per:g}名" if lang == "zh" else f"≥ {per:g} staff per 10,000 residents"


class GridHouseholds(RuleKind):
    """Governance grids: between ``min_households`` and ``max_households`` households per grid."""

    key = "grid_households"
    numbers = ("min_households", "max_households")
    report_formats = ("count", "num")
    range_from = "min_households"

    def check_numbers(self, numbers: Mapping[str, Number], where: str) -> None:
        """Also refuse a minimum above the maximum."""
        super().check_numbers(numbers, where)
        if numbers["min_households"].value > numbers["max_households"].value:
            raise RulebookError(f"{where}: min_households is larger than max_households")

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """Households per grid; ``min × grids <= households <= max × grids`` passes."""
        grids, hh = _get(comm, "grid_count"), _get(comm, "households")
        if math.isnan(grids) or math.isnan(hh):
            return _na("grid count or households unknown", "缺少网格数或户数")
        if grids <= 0:
            return Check(math.nan, math.nan, False, "no governance grids", "未划分网格")
        lo, hi = rule.numbers["min_households"].value, rule.numbers["max_households"].value
        value = hh / grids
        passed = lo * grids <= hh <= hi * grids
        en = f"{hh:,.0f} households in {grids:g} grids = {value:,.0f} per grid (standard {lo:g}-{hi:g})"
        zh = f"{hh:,.0f}户分为{grids:g}个网格,每格{value:,.0f}户(标准{lo:g}-{hi:g}户)"
        if not passed:
            fit = math.ceil(hh / hi)
            en += f"; {fit}-{max(fit, math.floor(hh / lo))} grids would fit"
            zh += f";宜划分{fit}-{max(fit, math.floor(hh / lo))}个网格"
        return Check(value, hi, passed, en, zh)

    def columns(self, rules: Sequence[CommunityRule], comm: pd.DataFrame, facts: Facts) -> dict[str, pd.Series]:
        """``grid_fit_min`` = ⌈households / max⌉ and ``grid_fit_max`` = max(⌊households / min⌋, grid_fit_min)."""
        if not rules or "households" not in comm.columns:
            return {}
        lo, hi = (rules[0].numbers[k].value for k in ("min_households", "max_households"))
        hh = _col(comm, "households")
        fit_min = np.ceil(hh / hi)
        return {naming.GRID_FIT_MIN: fit_min, naming.GRID_FIT_MAX: np.fmax(np.floor(hh / lo), fit_min)}

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """E.g. "300–500 households per grid"."""
        lo, hi = rule.numbers["min_households"].value, rule.numbers["max_households"].value
        return f"网格{lo:g}–{hi:g}户" if lang == "zh" else f"{lo:g}–{hi:g} households per grid"


class FacilityFloorArea(RuleKind):
    """Every facility of the community meets its type's ``min_floor_area_m2`` (the value: how many do not)."""

    key = "facility_floor_area"
    report_formats = ("count", "count")

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """The number of facilities below their minimum; none passes."""
        n_checked = int(facts.n_checked.get(cid, 0))
        short_en, short_zh = facts.short[0].get(cid, []), facts.short[1].get(cid, [])
        if n_checked == 0:
            return _na("no facility with a known floor area and a minimum", "无可评估面积的设施")
        if not short_en:
            en = f"all {n_checked} facilities meet their minimum floor area"
            zh = f"{n_checked}处设施均达到最低建筑面积"
            return Check(0.0, 0.0, True, en, zh)
        return Check(float(len(short_en)), 0.0, False, "; ".join(short_en), ";".join(short_zh))

    def _minimums(self, book: Rulebook) -> list[Number]:
        return [t.min_floor_area_m2 for t in book.types.values() if t.min_floor_area_m2 is not None]

    def basis(self, rule: CommunityRule, lang: str, book: Rulebook) -> list[str]:
        """The documents of the types' minimum floor areas (the rule has no numbers of its own)."""
        return [n.document(lang) for n in self._minimums(book)]

    def statuses(self, rule: CommunityRule, book: Rulebook) -> str:
        """The statuses of the types' minimum floor areas."""
        return ", ".join(sorted({n.status for n in self._minimums(book)}))

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """ "Facilities at minimum size"."""
        return "设施面积达到下限" if lang == "zh" else "Facilities at minimum size"

    def format_value(self, value: float) -> str:
        """A count."""
        return f"{value:g}"


def _even_split(h: float, k: int, lo: float, hi: float) -> tuple[float, float, int]:
    """Bound violation of ``h`` households split evenly in ``k`` grids, per grid, and ``k``."""
    viol = max(0.0, k * lo - h) + max(0.0, h - k * hi)
    return viol, viol / k, k


def proposed_grids(households: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The number of level-3 grids ``planner grids`` aims for: the feasible count nearest
    ``households / ((lo + hi) / 2)`` (ties to fewer); one grid below ``lo``; where none is
    feasible (501–599 with 300–500), the count with the least bound violation of an even split,
    then the least per grid; NaN where households are missing."""
    hh = np.asarray(households, dtype=float)
    out = np.full(len(hh), np.nan)
    for i, h in enumerate(hh):
        if math.isnan(h):
            continue
        k_lo, k_hi = max(1, math.ceil(h / hi - 1e-9)), math.floor(h / lo + 1e-9)
        if h < lo:
            out[i] = 1
        elif k_hi >= k_lo:
            mid = h / ((lo + hi) / 2)
            out[i] = min((abs(k - mid), k) for k in range(k_lo, k_hi + 1))[1]
        else:
            out[i] = min(_even_split(h, k, lo, hi) for k in {max(1, k_hi), k_lo})[2]
    return out


class GridStaff(RuleKind):
    """Grid workers (网格员) for the proposed grids against the community's staff.

    Reads ``organisation.grid_workers_per_grid`` and the bounds of the ``grid_households`` rule;
    a rule of this kind has no numbers of its own. Its columns come whether or not the rulebook
    has such a rule; the national rulebook has none (a shortfall is shown, not failed).
    """

    key = "grid_staff"
    report_formats = ("count", "count")
    columns_only = True

    def _norms(self, book: Rulebook) -> tuple[Number, CommunityRule] | None:
        sizes = next((r for r in book.rules.values() if r.kind == "grid_households"), None)
        per = book.organisation.get("grid_workers_per_grid")
        return None if sizes is None or per is None else (per, sizes)

    def _need(self, book: Rulebook, households: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        norms = self._norms(book)
        if norms is None:
            return None
        per, sizes = norms
        lo, hi = (sizes.numbers[k].value for k in ("min_households", "max_households"))
        grids = proposed_grids(households, lo, hi)
        return grids, np.ceil(np.round(grids * per.value, 9))

    def check(self, rule: CommunityRule, comm: object, cid: object, cov: Mapping, facts: Facts) -> Check:
        """Staff against the grid workers the proposed grids need; ``staff >= needed`` passes."""
        staff, hh = _get(comm, "staff"), _get(comm, "households")
        got = self._need(facts.book, np.array([hh]))
        if got is None:
            return _na("no grid sizes or grid-worker norm in the rulebook", "规则库缺少网格户数或网格员配备标准")
        if math.isnan(staff) or math.isnan(hh):
            return _na("staff count or households unknown", "缺少工作人员数或户数")
        grids, need = float(got[0][0]), float(got[1][0])
        en = f"{staff:g} staff for {need:g} grid workers ({grids:g} grids)"
        zh = f"工作人员{staff:g}名,{grids:g}个网格需网格员{need:g}名"
        if staff < need:
            en += f"; {need - staff:g} short"
            zh += f",缺{need - staff:g}名"
        return Check(staff, need, staff >= need, en, zh)

    def columns(self, rules: Sequence[CommunityRule], comm: pd.DataFrame, facts: Facts) -> dict[str, pd.Series]:
        """``grids_proposed``, ``grid_workers_needed`` and ``grid_staff_gap`` (staff − needed; negative short)."""
        got = self._need(facts.book, _col(comm, "households").to_numpy()) if "households" in comm.columns else None
        if got is None:
            return {}
        grids, need = (pd.Series(a, index=comm.index) for a in got)
        return {
            naming.GRIDS_PROPOSED: grids,
            naming.GRID_WORKERS_NEEDED: need,
            naming.GRID_STAFF_GAP: _col(comm, "staff") - need,
        }

    def basis(self, rule: CommunityRule, lang: str, book: Rulebook) -> list[str]:
        """The bases of the grid sizes and of the grid-worker norm."""
        norms = self._norms(book)
        return [] if norms is None else [norms[0].basis(lang), *KINDS["grid_households"].basis(norms[1], lang, book)]

    def statuses(self, rule: CommunityRule, book: Rulebook) -> str:
        """The statuses of the grid sizes and the grid-worker norm."""
        norms = self._norms(book)
        nums = [] if norms is None else [norms[0], *norms[1].numbers.values()]
        return ", ".join(sorted({n.status for n in nums}))

    def short_name(self, rule: CommunityRule, lang: str) -> str:
        """ "Staff for grid workers"."""
        return "网格员配备" if lang == "zh" else "Staff for grid workers"

    def format_value(self, value: float) -> str:
        """A count."""
        return f"{value:g}"


#: every rule kind planner knows, by its key (the order is the order of their columns)
KINDS: Mapping[str, RuleKind] = {
    k.key: k for k in (Coverage(), ComplexFloorArea(), StaffRatio(), GridHouseholds(), FacilityFloorArea(), GridStaff())
}


def kind_of(rule: CommunityRule) -> RuleKind:
    """The registered kind of a rule (the rulebook accepts no other)."""
    return KINDS[rule.kind]


__all__ = ["KINDS", "Check", "Facts", "RuleKind", "kind_of", "proposed_grids"]

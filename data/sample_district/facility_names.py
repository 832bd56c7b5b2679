"""Facility names, raw type names and floor areas, with the designed gaps.

Raw type names vary as real data has them (党群服务中心, 社区综合服务设施, 托老所, ...); the
community-service complexes fall short of the standard outside the model communities and a
few others, and a few facilities of each type are below the type's minimum floor area. All
draws come from one stream, in a fixed order: community by community, type by type.
"""

from __future__ import annotations

import collections

import numpy as np

from .config import LEVELS, PRIVATE_KG

J_NAMES = [
    "锦城示范区第一中学",
    "锦城示范区第三中学",
    "锦城示范区实验中学",
    "锦城示范区华林中学",
    "锦城示范区第七中学",
    "锦城示范区蜀兴中学",
    "锦城示范区第十二中学",
    "锦城示范区育英中学",
    "锦城示范区桂苑中学",
    "锦城示范区第九中学",
    "锦城示范区青荷中学",
    "锦城示范区万福中学",
]
J_TYPES = [
    "初级中学",
    "初中",
    "中学",
    "初级中学",
    "初中",
    "初级中学",
    "初级中学",
    "初中",
    "初级中学",
    "中学",
    "初中",
    "初级中学",
]
# the designed below-minimum floor areas (m²), in ordinary communities only
LOW = {"kg": [1800.0, 1650.0, 2050.0], "hs": [135.0, 120.0], "ed": [260.0, 320.0], "cu": [180.0, 220.0]}


class Names:
    """The facilities so far, with unique names."""

    def __init__(self) -> None:
        self.facilities: list[dict] = []
        self.taken: set[str] = set()

    def add(self, ci: int, name: str, ftype: str, area: float, pt) -> None:
        assert name not in self.taken, name
        self.taken.add(name)
        self.facilities.append({"comm": ci, "name": name, "type": ftype, "area": float(round(area, 1)), "pt": pt})

    def unique(self, name: str, alt: str) -> str:
        """The name, or the alternative when the name is taken (then a second site: (二))."""
        for nm in [name, alt] + [f"{alt}({x})" for x in "二三四五六七八九"]:
            if nm not in self.taken:
                return nm
        raise AssertionError(name)


class _Community:
    """What the naming of one community's facilities needs: its names, its site lists, its gaps."""

    def __init__(self, ci: int, c: dict, per: dict, sites: list[dict], low: dict, low_comm: dict, is_model: bool):
        self.ci, self.cname, self.short, self.sub, self.hh = ci, c["name"], c["short"], c["sub"], c["hh"]
        self.ks = {t: per[t][ci] for t in per}
        self.sites, self.is_model = sites, is_model
        self.low, self.low_comm = low, low_comm

    def low_area(self, key: str) -> float | None:
        """A designed below-minimum area for this community, if it is one of the chosen and some are left."""
        if not self.is_model and self.ci in self.low_comm[key] and self.low[key]:
            return self.low[key].pop()
        return None


def _service_areas(m: _Community, n_cs: int, passes: bool, rng) -> tuple[float, list[float]]:
    """Floor areas of the service centre and of the further stations."""
    thr = max(1000.0, 30.0 * m.hh / 100.0)
    if passes:  # every facility at least 600 m², together above the standard
        rest = list(rng.uniform(600, 820, n_cs - 1))
        return max(thr * rng.uniform(1.04, 1.3) - sum(rest), rng.uniform(700, 1000)), rest
    # together below the standard: one centre and, where needed, small stations
    total = thr * rng.uniform(0.6, 0.93)
    if n_cs == 1:
        return total, []
    if total >= 640.0 * n_cs:
        rest = list(rng.uniform(600, 660, n_cs - 1))
        return max(600.0, total - sum(rest)), rest
    rest = list(rng.uniform(120, 420, n_cs - 1))
    main = max(600.0, total - sum(rest))
    if main + sum(rest) >= 0.95 * thr:
        rest = list(np.array(rest) * (0.95 * thr - main) / sum(rest))
    return main, rest


def _community_service(names: Names, m: _Community, passes: bool, rng) -> None:
    """The service centre first, then smaller stations named after their estate or street."""
    ks = m.ks["community_service"]
    main, rest = _service_areas(m, len(ks), passes, rng)
    main_t = str(
        rng.choice(["党群服务中心", "党群服务中心", "社区党群服务中心", "社区综合服务设施", "社区综合服务设施"])
    )
    main_name = {
        "党群服务中心": f"{m.cname}党群服务中心",
        "社区党群服务中心": f"锦城示范区{m.cname}党群服务中心",
        "社区综合服务设施": f"{m.cname}综合服务中心",
    }[main_t]
    for j, k in enumerate(ks):
        p = m.sites[k]["pt"]
        if j == 0:
            names.add(m.ci, main_name, main_t, main, p)
            continue
        road = m.sites[k]["road"]
        t = str(rng.choice(["社区服务站", "社区服务站", "邻里中心"]))
        nm = f"{road}邻里中心" if t == "邻里中心" else f"{m.cname}{road}服务站"
        names.add(m.ci, names.unique(nm, f"{m.cname}{road}服务站"), t, rest[j - 1], p)


def _cultural(names: Names, m: _Community, rng) -> None:
    for j, k in enumerate(m.ks["cultural_station"]):
        road = m.sites[k]["road"]
        if m.is_model or m.ci not in m.low_comm["cu"] or not m.low["cu"]:
            area = rng.uniform(300, 900) if j == 0 else rng.uniform(260, 420)
        else:
            area = m.low["cu"].pop()
        t = str(rng.choice(["文化活动站", "文化活动站", "社区综合文化服务中心", "文化活动室"]))
        if j == 0:
            nm = f"{m.cname}综合文化服务中心" if t == "社区综合文化服务中心" else f"{m.cname}文化活动站"
        else:
            t = "文化活动室"
            nm = f"{m.cname}{road}文化活动室"
        names.add(m.ci, names.unique(nm, f"{m.cname}{road}文化活动站"), t, area, m.sites[k]["pt"])


def _elderly(names: Names, m: _Community, rng) -> None:
    """A 日间照料中心 first, then small 养老服务站 and 托老所 points."""
    for j, k in enumerate(m.ks["elderly_day_care"]):
        road = m.sites[k]["road"]
        if j == 0:
            t = str(rng.choice(["老年人日间照料中心", "老年人日间照料中心", "日间照料中心"]))
            nm = f"{m.cname}{'老年人' if t == '老年人日间照料中心' else ''}日间照料中心"
            area = rng.uniform(450, 1200)
        else:
            t = str(rng.choice(["社区养老服务站", "社区养老服务站", "养老服务站", "托老所"]))
            nm = {
                "社区养老服务站": f"{m.cname}{road}养老服务站",
                "养老服务站": f"{road}养老服务站",
                "托老所": f"{road}{rng.choice(['康乐', '颐和', '福寿', '安康', '夕阳红'])}托老所",
            }[t]
            area = rng.uniform(352, 520)
        low = m.low_area("ed")
        names.add(
            m.ci, names.unique(nm, f"{m.cname}{road}养老服务站"), t, area if low is None else low, m.sites[k]["pt"]
        )


def _health(names: Names, m: _Community, rng) -> None:
    for j, k in enumerate(m.ks["health_station"]):
        road = m.sites[k]["road"]
        if j == 0:
            t = str(rng.choice(["社区卫生服务站", "社区卫生服务站", "卫生服务站"]))
            nm = f"{m.sub}{m.short}社区卫生服务站"
        else:
            t = str(rng.choice(["社区卫生服务站", "卫生服务站", "卫生站"]))
            nm = f"{m.short}社区{road}卫生服务站" if t != "卫生站" else f"{road}卫生站"
        area = rng.uniform(160, 360)
        low = m.low_area("hs")
        names.add(
            m.ci, names.unique(nm, f"{m.short}社区{road}卫生服务站"), t, area if low is None else low, m.sites[k]["pt"]
        )


def _kindergartens(names: Names, m: _Community, rng) -> None:
    """Public ones named after the community (锦城示范区桂苑幼儿园), private ones after their estate."""
    private = [str(x) for x in rng.permutation(PRIVATE_KG)]
    public_no = 0
    for k in m.ks["kindergarten"]:
        road = m.sites[k]["road"]
        t = str(rng.choice(["幼儿园", "幼儿园", "公办幼儿园", "民办幼儿园"]))
        if t == "民办幼儿园":
            nm = f"{road}{private.pop()}幼儿园"
        else:
            public_no += 1
            nm = (
                f"锦城示范区{m.short}幼儿园"
                if public_no == 1
                else f"{m.short}第{'一二三四五六七八九'[public_no - 1]}幼儿园"
            )
        area = rng.uniform(2300, 4300)
        low = m.low_area("kg")
        names.add(
            m.ci, names.unique(nm, f"{road}{private.pop()}幼儿园"), t, area if low is None else low, m.sites[k]["pt"]
        )


def community_facilities(names: Names, comms, sites, chosen, models, old_town, rng) -> None:
    """The 5-minute facilities of every community: each belongs to the community it stands in."""
    per = {t: collections.defaultdict(list) for t in LEVELS}
    for t, lst in chosen.items():
        for _, k in lst:
            per[t][sites[k]["comm"]].append(k)
    others = [i for i in range(len(comms)) if i not in models and i not in old_town]
    perm = [int(i) for i in rng.permutation(others)]
    pass_cs = set(models) | set(perm[:4])
    low = {key: list(v) for key, v in LOW.items()}
    low_comm = {key: set(int(i) for i in rng.permutation(others)[: len(v) + 2]) for key, v in low.items()}
    for ci, c in enumerate(comms):
        m = _Community(ci, c, per, sites, low, low_comm, ci in models)
        _community_service(names, m, ci in pass_cs, rng)
        _cultural(names, m, rng)
        _elderly(names, m, rng)
        _health(names, m, rng)
        _kindergartens(names, m, rng)


def schools_named(names: Names, comms, schools: list[dict], rng) -> None:
    """Junior schools from a list of names; primary schools after their road or community."""
    p_no, j_no = 0, 0
    for s in schools:
        ci, road = s["comm"], s["road"]
        if s["kind"] == "school_j":
            names.add(ci, J_NAMES[j_no], J_TYPES[j_no], rng.uniform(14000, 24000), s["pt"])
            j_no += 1
            continue
        p_no += 1
        short = comms[ci]["short"]
        if p_no == 5:
            names.add(ci, f"锦城示范区{short}学校", "九年一贯制学校", rng.uniform(18000, 26000), s["pt"])
            continue
        options = [f"锦城示范区{road}小学", f"锦城示范区{short}小学"] + [
            f"锦城示范区{short}第{x}小学" for x in "二三四五"
        ]
        nm = "锦城示范区实验小学" if p_no == 2 else next(o for o in options if o not in names.taken)
        names.add(ci, nm, "完全小学" if p_no in (3, 9) else "小学", rng.uniform(8000, 16000), s["pt"])


def market(names: Names, comms, sites, chosen) -> None:
    """Exactly one facility whose type is not in the rulebook: a market by a gate, off 万福路's side."""
    taken = {k for lst in chosen.values() for _, k in lst}
    wz = [i for i, c in enumerate(comms) if c["zone"] == 4]
    free = [
        k for k in range(len(sites)) if sites[k]["comm"] == wz[0] and sites[k]["where"] == "front" and k not in taken
    ]
    names.add(wz[0], "万福菜市场", "菜市场", 1200.0, sites[free[0]]["pt"])

"""The fixed inputs of the design: seed, placement, street grid, names and service levels.

Everything the generator draws from comes from here and from :func:`sub_rng`, one random
stream per stage (and per compound), so that a change in one stage does not shift another.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SEED = 15  # the "15-minute" life circle
HERE = Path(__file__).resolve().parent.parent  # data/
OUT = HERE / "sample" / "district.gpkg"
RULEBOOK = HERE.parent / "planner" / "rules" / "rulebooks" / "cn-national.toml"

# Placement: the district centre lands on lon 104.09, lat 30.62, rotated a little (many
# Chengdu street grids do not run north-south).
CENTER_LONLAT = (104.09, 30.62)
ROTATION_DEG = 7.0
CRS_METRIC = "EPSG:32648"
CRS_OUT = "EPSG:4490"

W, H = 4300.0, 3800.0  # district extent in the local frame (m)
XS = [0, 470, 1000, 1460, 1990, 2470, 2990, 3430, 3870, 4300]  # north-south arterials
YS = [0, 490, 950, 1470, 1930, 2380, 2900, 3350, 3800]  # east-west arterials

# name, highway; index = position in XS / YS
V_ROADS = [
    ("锦城西路", "secondary"),
    ("桂苑路", "secondary"),
    ("建业路", "secondary"),
    ("锦华路", "secondary"),
    ("蜀兴大道", "primary"),
    ("双林路", "secondary"),
    ("青荷路", "secondary"),
    ("万福路", "secondary"),
    ("翠屏路", "secondary"),
    ("锦城东环路", "primary"),
]
H_ROADS = [
    ("锦城南路", "secondary"),
    ("南苑路", "secondary"),
    ("华林路", "secondary"),
    ("建设路", "secondary"),
    ("锦江大道", "primary"),
    ("东篱路", "secondary"),
    ("蓉兴路", "secondary"),
    ("杏林路", "secondary"),
    ("锦城北路", "secondary"),
]

# Branch roads (支路): orientation, superblock column/row, offset within it, the arterial
# indices it runs between, name, highway.
BRANCHES = [
    ("v", 0, 0.50, 1, 4, "桂苑东街", "tertiary"),
    ("v", 1, 0.45, 5, 8, "建业北巷", "residential"),
    ("v", 2, 0.55, 0, 2, "锦华二街", "tertiary"),
    ("v", 3, 0.50, 4, 7, "蜀兴西街", "tertiary"),
    ("v", 5, 0.50, 1, 3, "双桥街", "tertiary"),
    ("v", 5, 0.45, 5, 8, "玉带街", "tertiary"),
    ("v", 6, 0.50, 2, 5, "青荷西街", "tertiary"),
    ("v", 7, 0.50, 0, 2, "万福支路", "tertiary"),
    ("v", 8, 0.50, 4, 7, "紫荆街", "residential"),
    ("h", 1, 0.50, 1, 4, "南苑二路", "tertiary"),
    ("h", 3, 0.50, 6, 9, "华林东街", "tertiary"),
    ("h", 5, 0.50, 0, 3, "东篱中街", "tertiary"),
    ("h", 6, 0.45, 7, 9, "蓉兴横街", "residential"),
    ("h", 7, 0.50, 2, 5, "杏林支路", "tertiary"),
    ("h", 2, 0.50, 5, 7, "梧桐巷", "residential"),
    ("h", 0, 0.50, 4, 6, "枫林街", "tertiary"),
]

# Half width of the road reservation (red line) from the centre line, m.
HALF_WIDTH = {"primary": 22.0, "secondary": 15.0, "tertiary": 9.0, "residential": 6.0}
SETBACK = 6.0  # red line to compound wall
PUBLIC = ("primary", "secondary", "tertiary", "residential")
PASSAGE_HALF = 4.0  # a public passage runs in the 8 m gap between two compound walls
# Share of the lines between compounds that are open public passages, by residential character
PASSAGE_P = {"old": 0.15, "mid": 0.85, "new": 1.0}

# Special superblocks (column, row): a park, commercial and institutional land.
PARK_SB = (2, 3)
PARK_NAME = "东篱公园"
COMMERCIAL_SB = {(3, 3), (4, 4), (8, 0)}
INSTITUTIONAL_SB = {(4, 3), (6, 7)}

# Sub-districts (街道): bounded by 蜀兴大道 (x index 4), 锦江大道 (y index 4), 万福路 (x 7).
SUBDISTRICTS = ["锦华街道", "青荷街道", "蜀兴街道", "南苑街道", "万福桥街道"]
SUBDISTRICT_NAME_FIRST = ["锦华", "青荷", "蜀兴", "南苑", "万福"]
COMMUNITY_NAMES = [
    "桂苑",
    "书香",
    "玉带",
    "紫荆",
    "建业",
    "翠竹",
    "芙蓉",
    "锦绣",
    "东篱",
    "兴隆",
    "金桂",
    "蓉华",
    "杏林",
    "梧桐",
    "清源",
    "华林",
    "春晖",
    "安居",
    "泰和",
    "枫林",
    "新鸿",
    "嘉禾",
    "丽景",
    "和平",
    "长乐",
    "望江",
    "映月",
]
N_COMMUNITIES = 27
DISTRICT_CODE = "510199"  # fictional county-level code (not a real district)

# Households per m² of residential floor area: old walk-ups have small flats.
UNIT_GFA = {"old": 69.0, "mid": 90.0, "new": 110.0}


# Designed service levels of the 5-minute facilities (see site_type). Per type: the model
# communities and a few others get facilities until 93 % of their residents are within
# the walking radius (the coverage rule asks 90 %); the designed gaps get none (or, in the
# old town, one near the centre); every other community gets one where it serves the most
# of its residents, and the rest of the budget goes where it serves the most residents not
# yet served, up to a ceiling drawn per community, so that coverage varies from place to
# place instead of being spread evenly.
LEVELS = {
    # type: (facilities in the district, at least; communities meant to pass besides the
    #        model ones; communities without one; range of the ceilings; most per community)
    "community_service": (62, 3, 0, 0.45, 0.85, 4),
    "kindergarten": (45, 0, 2, 0.30, 0.80, 3),
    "elderly_day_care": (40, 1, 3, 0.25, 0.70, 3),
    "health_station": (32, 0, 3, 0.20, 0.65, 3),
    "cultural_station": (30, 4, 3, 0.45, 0.85, 2),
}
RADIUS = {
    "community_service": 300.0,
    "kindergarten": 300.0,
    "elderly_day_care": 300.0,
    "health_station": 300.0,
    "cultural_station": 500.0,
    "primary_school": 500.0,
    "junior_school": 1000.0,
}
ESTATE_FIRST = [
    "翠",
    "金",
    "锦",
    "蓝",
    "紫",
    "银",
    "嘉",
    "和",
    "康",
    "御",
    "碧",
    "蓉",
    "祥",
    "瑞",
    "雅",
    "颐",
    "馨",
    "盛",
]
ESTATE_LAST = ["苑", "园", "庭", "居", "府", "湾", "城", "轩", "邸", "苑小区", "花园", "家园", "雅居", "新村"]
PRIVATE_KG = [
    "小天使",
    "金色童年",
    "蓓蕾",
    "启明星",
    "阳光",
    "七彩",
    "童心",
    "未来星",
    "彩虹",
    "小树苗",
    "博雅",
    "育才",
]
PRIVATE_KG += ["爱弥儿", "贝贝", "蒲公英", "小橡树", "智慧树", "快乐宝贝", "星辰", "小海豚", "向日葵", "蓝天"]


# Schools: how many, and the area left without a primary school (a new-build area in the
# north-east whose school is still being planned).
N_SCHOOLS = {"school_j": 11, "school_p": 32}
SCHOOL_AREA = (14000.0, 45000.0)  # m², a school ground
N_PRIMARY_PASS = 4  # communities served first by primary schools
NO_PRIMARY = {(c, r) for c in (7, 8) for r in (6, 7)}  # superblocks (column, row)


def sub_rng(*key: int) -> np.random.Generator:
    """An independent, reproducible random stream per generation stage."""
    return np.random.default_rng([SEED, *key])


def zone_of(col: int, row: int) -> int:
    """The sub-district (index into SUBDISTRICTS) of superblock (col, row)."""
    if col >= 7:
        return 4
    if col >= 4:
        return 2 if row >= 4 else 3
    return 0 if row >= 4 else 1

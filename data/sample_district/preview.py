"""A PNG preview of the written GeoPackage (``--preview``): sub-districts, streets, buildings, facilities.

Needs matplotlib and, for the Chinese labels, a CJK font (``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point

from .config import CENTER_LONLAT
from .rulebook import load_aliases

FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
PASTEL = ["#fbe3c8", "#d9ecd0", "#d6e4f5", "#f3d9ea", "#eeeac4", "#d8f0ee"]
STREET_STYLE = {
    "primary": ("#d9534f", 3.2),
    "secondary": ("#f0ad4e", 2.4),
    "tertiary": ("#e8d26a", 1.6),
    "residential": ("#bbbbbb", 1.3),
    "service": ("#cfcfcf", 0.6),
    "footway": ("#8fbf8f", 0.5),
}
FACILITY_STYLE = {
    "community_service": ("#1f77b4", "s", "社区综合服务设施"),
    "elderly_day_care": ("#9467bd", "o", "老年人日间照料"),
    "health_station": ("#d62728", "P", "社区卫生服务站"),
    "kindergarten": ("#ff7f0e", "o", "幼儿园"),
    "cultural_station": ("#17becf", "D", "文化活动站"),
    "primary_school": ("#2ca02c", "^", "小学"),
    "junior_school": ("#006400", "^", "初中"),
    "unknown": ("#000000", "X", "未识别类型 (菜市场)"),
}
KX = math.cos(math.radians(CENTER_LONLAT[1])) * 111320.0  # metres per degree of longitude
KY = 110950.0  # metres per degree of latitude


def _use_cjk_font(plt) -> None:
    from matplotlib import font_manager

    for f in FONTS:
        if Path(f).exists():
            font_manager.fontManager.addfont(f)
            plt.rcParams["font.family"] = font_manager.FontProperties(fname=f).get_name()
            break


def _base(ax, layers: dict) -> list:
    """Sub-districts, buildings, streets and community boundaries; returns the sub-district legend."""
    from matplotlib.patches import Patch

    com = layers["communities"]
    subs = sorted(com["所属街道"].unique())
    com.plot(ax=ax, color=com["所属街道"].map(dict(zip(subs, PASTEL, strict=False))), linewidth=0, zorder=0)
    b = layers["buildings"]
    b.plot(ax=ax, color=b["用途"].map({"住宅": "#9a9a9a", "商业": "#c9a27a", "公建": "#8fa8c8"}), linewidth=0)
    st = layers["streets"]
    passage = (st.highway == "footway") & (st["name"].fillna("") != "")
    for hwy in ["footway", "service", "residential", "tertiary", "secondary", "primary"]:
        s = st[(st.highway == hwy) & ~passage]
        if len(s):
            s.plot(ax=ax, color=STREET_STYLE[hwy][0], linewidth=STREET_STYLE[hwy][1], label=hwy, zorder=2)
    st[passage].plot(ax=ax, color="#3f9f6f", linewidth=1.1, label="footway: 公共通道 (巷)", zorder=2)
    com.boundary.plot(ax=ax, color="#3a3a8a", linewidth=1.4, linestyle=(0, (5, 2)), zorder=3)
    return [Patch(color=PASTEL[k], label=sd) for k, sd in enumerate(subs)]


def _label_point(g, fxy: np.ndarray) -> Point:
    """Near the community's centre, but where no facility marker is hidden by the label."""
    c0 = g.centroid
    inner = g.buffer(-0.0006)
    best, best_key = g.representative_point(), None
    for dx in np.linspace(-220, 220, 12):
        for dy in np.linspace(-160, 160, 9):
            q = Point(c0.x + dx / KX, c0.y + dy / KY)
            if not inner.contains(q):
                continue
            clear = np.min(np.hypot((fxy[:, 0] - q.x) * KX, (fxy[:, 1] - q.y) * KY))
            key = (min(clear, 70.0), -math.hypot(dx, dy))
            if best_key is None or key > best_key:
                best, best_key = q, key
    return best


def _labels(ax, layers: dict) -> None:
    fxy = shapely.get_coordinates(layers["facilities"].geometry.values)
    for _, r in layers["communities"].iterrows():
        p = _label_point(r.geometry, fxy)
        ax.annotate(
            f"{r['社区名称']}\n{r['户数']}户",
            (p.x, p.y),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#20206a",
            zorder=6,
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.65),
        )


def _facilities(ax, layers: dict) -> None:
    """Facilities by rulebook type; those sharing a building share a point: each type drawn a little apart."""
    _, alias = load_aliases()
    fac = layers["facilities"].copy()
    fac["ftype"] = [alias.get(t.strip().casefold(), "unknown") for t in fac["设施类型"]]
    for j, (t, (col, mk, lab)) in enumerate(FACILITY_STYLE.items()):
        f = fac[fac.ftype == t]
        ang = 2 * math.pi * j / len(FACILITY_STYLE)
        dx, dy = 9 * math.cos(ang) / KX, 9 * math.sin(ang) / KY
        if len(f):
            ax.scatter(
                f.geometry.x + dx,
                f.geometry.y + dy,
                c=col,
                marker=mk,
                s=60 if "school" in t else 38,
                edgecolors="white",
                linewidths=0.6,
                zorder=7,
                label=lab,
            )


def render_preview(path: Path, png: Path) -> None:
    """Draw the GeoPackage at ``path`` to ``png``."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _use_cjk_font(plt)
    layers = {n: gpd.read_file(path, layer=n) for n in ("communities", "facilities", "streets", "buildings")}
    fig, ax = plt.subplots(figsize=(16, 14.5), dpi=110)
    ax.set_aspect(1 / math.cos(math.radians(CENTER_LONLAT[1])))
    sub_handles = _base(ax, layers)
    _labels(ax, layers)
    _facilities(ax, layers)
    h, lab = ax.get_legend_handles_labels()
    ax.legend(
        h + sub_handles,
        lab + [p.get_label() for p in sub_handles],
        loc="upper left",
        fontsize=8.5,
        framealpha=0.92,
        ncol=3,
    )
    ax.set_title("锦城示范区 (Jincheng Sample District) — 合成数据 SYNTHETIC — EPSG:4490", fontsize=14)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(png)
    print(f"preview: {png}")

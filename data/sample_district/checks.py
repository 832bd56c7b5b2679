"""Quality checks of the written GeoPackage (``--check``), independent of planner.

They re-read the file and measure it with their own code: pyogrio and geopandas for the
layers, shapely predicates for tiling, noding and buildings, networkx for connectivity and
the compounds' gates, and :mod:`.checks_walk` (networkx Dijkstra, own snapping and
same-segment walk) for the walking figures, which data/README.md states and which should
agree with ``planner analyze``. The only shared piece is the demand cells
(:func:`.cells.cell_demand`), the generator's own. The rulebook is read as TOML directly.
"""

from __future__ import annotations

import collections
import itertools
import math
from pathlib import Path

import numpy as np
import shapely

from .cells import cell_demand
from .checks_walk import NxWalk
from .config import CRS_METRIC, PUBLIC
from .rulebook import load_aliases

LAYERS = ("communities", "facilities", "streets", "buildings")


def _layers(path: Path) -> dict:
    import geopandas as gpd
    import pyogrio

    print("== layers")
    for name, gtype in pyogrio.list_layers(path):
        info = pyogrio.read_info(path, layer=name)
        print(
            f"  {name:12s} {gtype:12s} {info['features']:6d} features  crs={info['crs']}  fields={list(info['fields'])}"
        )
    layers = {n: gpd.read_file(path, layer=n) for n in LAYERS}
    for n, g in layers.items():
        assert g.crs.to_epsg() == 4490, n
    return layers


def _communities(com) -> None:
    print("== communities")
    s, u = com.area.sum(), shapely.union_all(com.geometry.values).area
    print(
        f"  {len(com)} communities, {com['所属街道'].nunique()} sub-districts; district "
        f"{u / 1e6:.2f} km²; sum of areas / union = {s / u:.6f} (diff {abs(s - u) / u:.2e})"
    )
    ov = 0.0
    tree = shapely.STRtree(com.geometry.values)
    for i, g in enumerate(com.geometry.values):
        for j in tree.query(g, predicate="intersects"):
            if j > i:
                ov += g.intersection(com.geometry.values[j]).area
    print(
        f"  pairwise overlap area {ov:.4f} m²; all single polygons: "
        f"{set(com.geom_type)}; holes: {sum(len(p.interiors) for p in com.geometry)}"
    )
    hh = com["户数"]
    print(
        f"  households {hh.sum()} total, {hh.min()}-{hh.max()} per community; residents "
        f"{com['人口'].sum()}; persons/household {(com['人口'] / hh).min():.2f}-"
        f"{(com['人口'] / hh).max():.2f}; staff {com['工作人员数'].min()}-{com['工作人员数'].max()}"
    )
    per = hh / com["网格数"]
    print(
        f"  households per grid: {per.min():.0f}-{per.max():.0f}; outside 300-500: "
        f"{[(r['社区名称'], round(p)) for (_, r), p in zip(com.iterrows(), per, strict=False) if not 300 <= p <= 500]}"
    )
    staff_ok = (com["工作人员数"] / com["人口"] * 1e4 >= 18).sum()
    print(f"  staff >= 18 per 10,000 residents: {staff_ok}/{len(com)}")


def _floor_areas(j, com, rb) -> None:
    mins = {k: v["min_floor_area_m2"]["value"] for k, v in rb["facility_types"].items() if "min_floor_area_m2" in v}
    low = j[[m is not None and a < m for m, a in zip(j.ftype.map(mins), j["建筑面积"], strict=False)]]
    print(f"  below the type's minimum floor area: {len(low)}")
    for _, r in low.sort_values("ftype").iterrows():
        print(f"     {r['设施名称']} ({r['设施类型']}) {r['建筑面积']:.0f} < {mins[r.ftype]}")
    cs = j[j.ftype == "community_service"].groupby("社区名称")["建筑面积"].sum()
    cs_area = com["社区名称"].map(cs).fillna(0)
    passed = cs_area >= np.maximum(1000, 30 * com["户数"] / 100)
    print(
        f"  community-service complex rule (>= max(1000, 30 m²/100 households)): "
        f"{passed.sum()}/{len(com)} pass = {passed.mean():.0%}"
    )


def _facilities(fac, com, rb, alias) -> None:
    import geopandas as gpd

    print("== facilities")
    j = gpd.sjoin(fac, com[["社区名称", "户数", "geometry"]], predicate="within", how="left")
    print(
        f"  {len(fac)} facilities; inside a community: {j['社区名称'].notna().sum()}; in more "
        f"than one: {int(j.index.duplicated().sum())}"
    )
    j["ftype"] = [alias.get(t.strip().casefold(), "UNKNOWN") for t in j["设施类型"]]
    print(f"  raw type names: {sorted(j['设施类型'].unique())}")
    print(f"  by rulebook type: {j['ftype'].value_counts().to_dict()}")
    print(f"  not in rulebook: {j.loc[j.ftype == 'UNKNOWN', ['设施名称', '设施类型']].values.tolist()}")
    _floor_areas(j, com, rb)
    n_cs = j[j.ftype == "community_service"].groupby("社区名称").size()
    print(
        f"  community-service facilities per community: {n_cs.value_counts().sort_index().to_dict()}"
        f"; communities without: {len(com) - len(n_cs)}"
    )
    for t in ("elderly_day_care", "health_station", "kindergarten", "cultural_station"):
        have = j[j.ftype == t]["社区名称"].nunique()
        print(f"  communities without {t}: {len(com) - have}")


def _public(st):
    """Roads and the named passages (巷)."""
    return st.highway.isin(PUBLIC) | (st["name"].fillna("") != "")


def _street_lines(st) -> None:
    print(f"  {len(st)} lines: {st.highway.value_counts().to_dict()}")
    named = st[st.highway.isin(PUBLIC)]
    passages = st[~st.highway.isin(PUBLIC) & _public(st)]
    print(
        f"  named public roads: {named['name'].nunique()}; public lines without a name: "
        f"{int((named['name'].fillna('') == '').sum())}; public passages (named footways): "
        f"{len(passages)} ({passages['name'].nunique()} names, {passages.length.sum() / 1000:.1f} km, "
        f"highway {sorted(set(passages.highway))})"
    )


def _connectivity(raw) -> None:
    """One component on exact and on 1e-7° rounded vertices (no two vertices closer than that)."""
    import networkx as nx

    G, Gx = nx.Graph(), nx.Graph()
    for g in raw:
        c = shapely.get_coordinates(g)
        G.add_edges_from(itertools.pairwise([tuple(x) for x in np.round(c, 7)]))
        Gx.add_edges_from(itertools.pairwise([tuple(x) for x in c]))
    print(
        f"  graph on 1e-7° rounded vertices: {G.number_of_nodes()} nodes, "
        f"{G.number_of_edges()} edges, {nx.number_connected_components(G)} component(s)"
    )
    print(f"  graph on exact vertices: {Gx.number_of_nodes()} nodes, {nx.number_connected_components(Gx)} component(s)")


def _noding(raw) -> None:
    """Every point where two lines meet must be a vertex of both."""
    verts = [set(map(tuple, shapely.get_coordinates(g))) for g in raw]
    bad = 0
    a_idx, b_idx = shapely.STRtree(raw).query(raw, predicate="intersects")
    for a, b in zip(a_idx, b_idx, strict=False):
        if a >= b:
            continue
        inter = raw[a].intersection(raw[b])
        if inter.geom_type not in ("Point", "MultiPoint"):
            bad += 1
            continue
        shared = verts[a] & verts[b]
        bad += sum(tuple(p) not in shared for p in shapely.get_coordinates(inter))
    print(f"  meeting points that are not a shared vertex of both lines: {bad}")
    seg0 = sum(int((np.hypot(*np.diff(shapely.get_coordinates(g), axis=0).T) == 0).sum()) for g in raw)
    print(f"  zero-length segments: {seg0}")


def _gates(raw, is_public) -> None:
    """Compounds: lane components and the gates joining them to public roads.

    A gate is a lane segment ending on a public line; two estates' gates may meet the same
    point of a road, so public points are not nodes of the lane graph.
    """
    import networkx as nx

    public_nodes = set()
    for g, pub in zip(raw, is_public, strict=True):
        if pub:
            public_nodes |= set(map(tuple, shapely.get_coordinates(g)))
    lane = nx.Graph()
    gate_of = collections.defaultdict(set)
    for g, pub in zip(raw, is_public, strict=True):
        if pub:
            continue
        for a, b in itertools.pairwise([tuple(x) for x in shapely.get_coordinates(g)]):
            if a in public_nodes or b in public_nodes:
                inner, outer = (b, a) if a in public_nodes else (a, b)
                lane.add_node(inner)
                gate_of[inner].add(outer)
            else:
                lane.add_edge(a, b)
    counts = [sum(len(gate_of[v]) for v in comp) for comp in nx.connected_components(lane)]
    print(
        f"  compound lane networks: {len(counts)}; gates per compound: "
        f"{dict(sorted(collections.Counter(counts).items()))}"
    )


def _detour(walk: NxWalk, bld) -> None:
    """Walking / straight-line distance between random pairs of buildings 200-1200 m apart."""
    rng = np.random.default_rng(0)
    cen = np.column_stack([bld.centroid.x, bld.centroid.y])
    ratios = []
    for _ in range(800):
        a, b = cen[rng.integers(0, len(cen), 2)]
        if 200 < math.dist(a, b) < 1200:
            dist = walk.reach(walk.snap([a]), 5000)
            ratios.append(walk.walk_to(dist, walk.snap([b]))[0] / math.dist(a, b))
    print(
        f"  walking / straight-line distance between buildings 200-1200 m apart "
        f"(n={len(ratios)}): median {np.median(ratios):.2f}, 90th percentile "
        f"{np.percentile(ratios, 90):.2f}"
    )


def _coverage(walk: NxWalk, com, bld, fm, radii: dict) -> None:
    """Coverage as `planner analyze` measures it: the residents of 100 m cells (spread by
    residential floor area) within the radius, walking through the gates | in a straight
    line, and the communities with at least 90 % of their residents within it."""
    from scipy.spatial import cKDTree

    res = bld[bld["用途"] == "住宅"]
    dpts, dci, dw = cell_demand(
        com.geometry.values,
        com["人口"].to_numpy(dtype=float),
        res.geometry.values,
        (res.area * res["楼层"]).to_numpy(),
    )
    dsnap = walk.snap(shapely.get_coordinates(dpts))
    dxy = shapely.get_coordinates(dpts)
    own = np.bincount(dci, weights=dw, minlength=len(com))
    print("  residents within the radius, walking | straight line, and communities with >= 90 % walking:")
    for t, rad in radii.items():
        f = fm[fm.ftype == t]
        fxy = shapely.get_coordinates(f.geometry.values)
        cov = walk.nearest(walk.snap(fxy), dsnap, rad) <= rad
        straight = cKDTree(fxy).query(dxy)[0] <= rad
        passing = int((np.bincount(dci, weights=dw * cov, minlength=len(com)) / own >= 0.9).sum())
        print(
            f"     {t:18s} r={rad:5.0f} m  walking {dw[cov].sum() / dw.sum():5.1%}   straight "
            f"{dw[straight].sum() / dw.sum():5.1%}   communities {passing:2d}/{len(com)}   ({len(f)} facilities)"
        )


def _access(st, fm) -> None:
    """Facilities: distance to the nearest public line; schools' gates on branch roads."""
    pub = st[_public(st)]
    fd = np.array([pub.distance(p).min() for p in fm.geometry])
    print(
        f"  facility distance to the nearest road or passage centre line: median {np.median(fd):.0f} m,"
        f" max {np.max(fd):.0f} m; within 30 m: {(fd <= 30).sum()}/{len(fd)}"
    )
    sch = fm[fm.ftype.isin(["primary_school", "junior_school"])]
    br = st[st.highway.isin(["tertiary", "residential"])]
    on_branch = sum(br.distance(p).min() < 30 for p in sch.geometry)
    print(f"  schools with their gate on a branch road: {on_branch}/{len(sch)} (the others on a secondary road)")


def _buildings(bld, st, com) -> None:
    import geopandas as gpd

    print("== buildings")
    print(
        f"  {len(bld)} buildings: {bld['用途'].value_counts().to_dict()}; storeys "
        f"{bld['楼层'].min()}-{bld['楼层'].max()}; footprint {bld.area.min():.0f}-{bld.area.max():.0f} m²"
    )
    hits = shapely.STRtree(bld.geometry.values).query(st.geometry.values, predicate="intersects")
    print(f"  buildings crossed by a street line: {len(set(hits[1]))}")
    bb = shapely.STRtree(bld.geometry.values).query(bld.geometry.values, predicate="overlaps")
    print(f"  overlapping building pairs: {int((bb[0] < bb[1]).sum())}")
    jb = gpd.sjoin(bld.set_geometry(bld.centroid), com[["户数", "geometry"]], predicate="within")
    g = jb[jb["用途"] == "住宅"].groupby("index_right").size()
    print(f"  residential buildings per community: {int(g.min())}-{int(g.max())}")


def run_checks(path: Path) -> None:
    """Re-read the GeoPackage at ``path`` and print the quality checks (assertions stop at a broken file)."""
    layers = _layers(path)
    cm = {n: g.to_crs(CRS_METRIC) for n, g in layers.items()}
    com, fac, st, bld = cm["communities"], cm["facilities"], cm["streets"], cm["buildings"]
    loaded = load_aliases()
    assert loaded is not None, "the checks need planner/rules/rulebooks/cn-national.toml"
    rb, alias = loaded
    _communities(com)
    _facilities(fac, com, rb, alias)
    print("== streets")
    _street_lines(st)
    raw = layers["streets"].geometry.values
    _connectivity(raw)
    _noding(raw)
    _gates(raw, _public(layers["streets"]))
    walk = NxWalk(st.geometry.values)  # walking network in metres
    _detour(walk, bld)
    fm = fac.copy()
    fm["ftype"] = [alias.get(t.strip().casefold(), "UNKNOWN") for t in fm["设施类型"]]
    _coverage(walk, com, bld, fm, {k: v["radius_m"]["value"] for k, v in rb["facility_types"].items()})
    _access(st, fm)
    _buildings(bld, st, com)
    print(f"== file: {path} {path.stat().st_size / 1e6:.2f} MB")

"""Workstation balance: planner's bounded regions against spopt's region models.

The question of ``planner workstations``: cut a district's communities into contiguous
stations of 3-5 communities (bounds inclusive), as balanced as possible in households. The
balance figure is the coefficient of variation (population std / mean) of the stations'
households. Compared, on the same communities and the same queen contiguity:

- planner: :func:`planner.plan.regions.group_communities` (seeded growth and AZP-like moves and
  swaps that keep contiguity and both bounds);
- spopt max-p (``MaxPHeuristic``) with a floor of 3 communities (spopt has no ceiling), and
  with a floor of 80 % of planner's mean station households instead (max-p's own way to even
  out sums);
- spopt AZP (``AZP``) with as many regions as planner found (no bounds);
- spopt SKATER (``Skater``) with as many regions as planner and ``floor=3`` (no ceiling).

spopt's models minimise the dissimilarity of an attribute inside each region, not the spread
of the regions' sums, so each is given the households as its attribute. Each solution is
checked for contiguity and for the bounds; solutions with stations above the ceiling (or
below the floor) are reported as violating them, and "best spopt" is given both over all its
solutions and over those that meet the bounds.

Instances: the bundled sample district (27 communities) and a synthetic Voronoi district of
``--n`` communities (default 300) clipped to an L-shaped boundary, households uniform on
2,000-6,000 (seeded). Run ``python bench/bench_regions.py`` (add ``--markdown``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from _common import Table, log, print_header

from planner.ingest.study import load_study
from planner.plan.regions import group_communities
from planner.plan.regions.partition import cv

CRS = "EPSG:32648"
LO, HI = 3, 5


def voronoi_district(n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` Voronoi communities in a 6 km × 5 km L-shaped district, households 2,000-6,000."""
    rng = np.random.default_rng(seed)
    x0, y0 = 400_000.0, 3_390_000.0
    boundary = shapely.difference(
        shapely.box(x0, y0, x0 + 6000, y0 + 5000), shapely.box(x0 + 4000, y0 + 3000, x0 + 6000, y0 + 5000)
    )
    pts: list[shapely.Point] = []
    while len(pts) < n:
        p = shapely.Point(x0 + rng.uniform(0, 6000), y0 + rng.uniform(0, 5000))
        if boundary.contains(p):
            pts.append(p)
    polys = [
        shapely.intersection(g, boundary) for g in shapely.get_parts(shapely.voronoi_polygons(shapely.MultiPoint(pts)))
    ]
    hh = rng.integers(2000, 6001, len(polys)).astype(float)
    return gpd.GeoDataFrame(
        {"community_id": [f"V{i:03d}" for i in range(len(polys))], "households": hh, "population": hh * 2.6},
        geometry=polys,
        crs=CRS,
    )


def _queen(comm: gpd.GeoDataFrame):
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Queen.from_dataframe(comm, use_index=False)


def _evaluate(labels: np.ndarray, comm: gpd.GeoDataFrame, w) -> dict:
    hh = comm["households"].to_numpy()
    _, lab = np.unique(labels, return_inverse=True)
    sums = np.bincount(lab, weights=hh)
    sizes = np.bincount(lab)
    g = nx.Graph()
    g.add_nodes_from(range(len(comm)))
    g.add_edges_from((i, j) for i, nb in w.neighbors.items() for j in nb)
    contiguous = all(nx.is_connected(g.subgraph(np.flatnonzero(lab == r))) for r in range(len(sizes)))
    return {
        "stations": len(sizes),
        "cv": cv(sums),
        "min": int(sizes.min()),
        "max": int(sizes.max()),
        "above": int((sizes > HI).sum()),
        "below": int((sizes < LO).sum()),
        "contiguous": contiguous,
    }


def run(name: str, comm: gpd.GeoDataFrame, seed: int) -> tuple[Table, dict]:
    from spopt.region import AZP, MaxPHeuristic, Skater

    comm = comm.sort_values("community_id").reset_index(drop=True).assign(one=1.0)
    w = _queen(comm)
    results: dict[str, tuple[dict, float]] = {}

    t = time.perf_counter()
    ws = group_communities(comm, min_communities=LO, max_communities=HI, seed=seed)
    took = time.perf_counter() - t
    station = ws.members.set_index("community_id")["station_id"]
    results["planner"] = (_evaluate(station.reindex(comm["community_id"]).to_numpy(), comm, w), took)
    k = results["planner"][0]["stations"]

    def spopt(label: str, model) -> None:
        log(f"{name}: {label}")
        np.random.seed(seed)  # spopt's heuristics draw from numpy's global generator
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.solve()
        results[label] = (_evaluate(np.asarray(model.labels_), comm, w), time.perf_counter() - t0)

    spopt("spopt max-p (floor 3)", MaxPHeuristic(comm, w, ["households"], "one", LO, top_n=2))
    floor_hh = 0.8 * float(comm["households"].sum()) / k
    spopt(
        f"spopt max-p (floor {floor_hh:,.0f} households)",
        MaxPHeuristic(comm, w, ["households"], "households", floor_hh, top_n=2),
    )
    spopt(f"spopt AZP (k={k})", AZP(comm, w, ["households"], n_clusters=k, random_state=seed))
    spopt(f"spopt SKATER (k={k}, floor 3)", Skater(comm, w, ["households"], n_clusters=k, floor=LO))

    table = Table(
        f"{name}: {len(comm)} communities, stations of {LO}-{HI}",
        [
            "model",
            "stations",
            "CV of households",
            "communities per station",
            "above 5",
            "below 3",
            "contiguous",
            "meets bounds",
            "time s",
        ],
    )
    for label, (r, secs) in results.items():
        meets = r["above"] == 0 and r["below"] == 0
        table.add(
            label,
            r["stations"],
            f"{r['cv']:.3f}",
            f"{r['min']}-{r['max']}",
            r["above"],
            r["below"],
            "yes" if r["contiguous"] else "NO",
            "yes" if meets else "no: violates the bounds",
            round(secs, 2),
        )
    ours = results["planner"][0]["cv"]
    others = {k: v[0] for k, v in results.items() if k != "planner"}
    best_any = min(others.items(), key=lambda kv: kv[1]["cv"])
    valid = {k: v for k, v in others.items() if v["above"] == 0 and v["below"] == 0 and v["contiguous"]}
    table.notes.append(
        f"planner CV {ours:.4f}; best spopt overall {best_any[0]} {best_any[1]['cv']:.4f} "
        f"(ratio {ours / best_any[1]['cv']:.2f})"
    )
    if valid:
        best_valid = min(valid.items(), key=lambda kv: kv[1]["cv"])
        table.notes.append(f"best spopt meeting the bounds: {best_valid[0]} {best_valid[1]['cv']:.4f}")
    else:
        table.notes.append("no spopt solution meets both bounds")
    return table, {"planner": ours, "best_spopt": best_any[1]["cv"], "planner_ok": results["planner"][0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="communities of the synthetic district")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print_header("python bench/bench_regions.py " + " ".join(argv or sys.argv[1:]), markdown=args.markdown)
    failed = False
    for name, comm in (
        ("sample district", load_study(None).communities),
        (f"synthetic Voronoi district (seed {args.seed})", voronoi_district(args.n, args.seed)),
    ):
        table, res = run(name, comm, args.seed)
        print(table.render(markdown=args.markdown))
        ok = res["planner_ok"]
        if not ok["contiguous"] or ok["above"] or ok["below"]:
            print(f"FAILED: planner's stations break contiguity or the bounds on {name}", file=sys.stderr)
            failed = True
        if res["planner"] > res["best_spopt"] + 1e-12:
            print(f"NOTE: a spopt model is more balanced than planner on {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""planner beside pgRouting on the same PostGIS tables: nearest facility per type, and catchments.

A city GIS department that keeps its data in PostGIS computes catchments with pgRouting. Here
both start from the same two tables in a PostGIS database, ``bench.streets`` (the street
lines) and ``bench.facilities`` (points of seven types placed on street vertices), and both
timings include loading:

- pgRouting: the edge table built from the streets (``ST_DumpSegments``: one edge per segment
  between consecutive vertices, as planner's network), ``pgr_createTopology`` (tolerance
  1 mm, as planner joins vertices to the mm), indexes, and each facility located at its vertex (KNN); then
  (a) per type ``pgr_drivingDistance(edges, facility vertices, ∞, equicost => true)``, the
  multi-start call a department would write, (b) per type the exact answer, one
  ``pgr_drivingDistance`` from a virtual source joined to the type's facilities at cost 0,
  and (c) ``pgr_drivingDistance(edges, 500 site vertices, 1000)`` for the catchments;
- planner: the streets and facilities read from PostGIS (``planner.ingest.postgis.read_layer``,
  read-only), ``build_network``, the engine with every street node as a demand point, then
  ``nearest_groups`` (one multi-source search per type) and ``within(sites, 1000)``.

Checks: planner's nearest distance per node and type against (b), exact, within 0.01 m; (a)
is reported as the share of nodes where it differs; every (site, node) pair of the catchments
against (c) (pairs only one side found must lie within 0.01 m of the limit). Nodes are matched
by coordinates. A server is started for the run (as the tests do) unless ``--dsn`` names one.

Run ``python bench/bench_pgrouting.py --markdown`` (the Chengdu extract and the small
synthetic city; ``--size full`` for the 250k-node city: pgr_createTopology takes minutes).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from _common import SIZES, TYPE_WEIGHTS, Table, log, print_header, synthetic_streets
from scipy.spatial import cKDTree

import planner.reach._bounded  # noqa: F401 (numba imported up front: no timed step pays for it)
from planner.ingest import postgis
from planner.ingest.validate import ValidationLog
from planner.outputs_postgis import write_tables
from planner.reach.engine import make_engine
from planner.reach.network import NOT_WALKABLE, Network, build_network, read_osm_streets

REPO = Path(__file__).resolve().parent.parent
CHENGDU = REPO.parent / "shared" / "data" / "real" / "chengdu_central_2018.osm"
TOLERANCE_M = 0.01
EDGES_SQL = "SELECT id, source, target, cost FROM bench.edges"
#: facilities of the Chengdu extract (the synthetic city uses its size's count)
CHENGDU_FACILITIES = 200


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def put_tables(dsn: str, streets, net: Network, n_fac: int, seed: int) -> None:
    """The two input tables: streets, and facilities of seven types on random street vertices."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(net.n_nodes, n_fac, replace=False)
    types = list(TYPE_WEIGHTS)
    weights = np.array([TYPE_WEIGHTS[t] for t in types])
    kinds = rng.choice(types, n_fac, p=weights / weights.sum())
    import geopandas as gpd

    fac = gpd.GeoDataFrame(
        {"facility_id": [f"F{i}" for i in range(n_fac)], "type": kinds},
        geometry=shapely.points(net.xy[nodes]),
        crs=streets.crs,
    )
    write_tables(dsn, "bench", {"streets": streets[["highway", "geometry"]], "facilities": fac})


def pgrouting(dsn: str, sites_xy: np.ndarray, limit: float) -> tuple[dict[str, float], dict[str, Any]]:
    """pgRouting's loading and queries; (seconds per step, results)."""
    import psycopg

    steps: dict[str, float] = {}
    out: dict[str, Any] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        srid = conn.execute("SELECT ST_SRID(geom) FROM bench.streets LIMIT 1").fetchone()[0]

        def load() -> None:
            conn.execute("DROP TABLE IF EXISTS bench.edges, bench.edges_vertices_pgr")
            conn.execute(
                "CREATE TABLE bench.edges AS SELECT row_number() OVER () AS id, "
                f"ST_SetSRID(d.geom, {int(srid)})::geometry(LineString, {int(srid)}) AS geom "
                "FROM bench.streets s, ST_DumpSegments(s.geom) d"
            )
            conn.execute("ALTER TABLE bench.edges ADD COLUMN source bigint, ADD COLUMN target bigint")
            conn.execute("ALTER TABLE bench.edges ADD COLUMN cost double precision")
            conn.execute("UPDATE bench.edges SET cost = ST_Length(geom)")

        steps["edge table from the streets (ST_DumpSegments)"], _ = timed(load)
        steps["pgr_createTopology"], _ = timed(
            lambda: conn.execute("SELECT pgr_createTopology('bench.edges', 0.001, 'geom', 'id')")
        )

        def index_and_locate() -> pd.DataFrame:
            conn.execute("CREATE INDEX ON bench.edges (source)")
            conn.execute("CREATE INDEX ON bench.edges (target)")
            conn.execute("ANALYZE bench.edges")
            rows = conn.execute(
                "SELECT f.type, v.id FROM bench.facilities f CROSS JOIN LATERAL "
                "(SELECT id FROM bench.edges_vertices_pgr ORDER BY the_geom <-> f.geom LIMIT 1) v"
            ).fetchall()
            return pd.DataFrame(rows, columns=["type", "vid"])

        steps["indexes, facilities located at their vertices"], fac = timed(index_and_locate)
        vertices = conn.execute("SELECT id, ST_X(the_geom), ST_Y(the_geom) FROM bench.edges_vertices_pgr").fetchall()
        out["vertices"] = np.array(vertices, dtype=float)
        max_vid = int(out["vertices"][:, 0].max())
        tree = cKDTree(out["vertices"][:, 1:])
        site_vids = out["vertices"][tree.query(sites_xy)[1], 0].astype(np.int64)

        def per_type(exact: bool) -> dict[str, pd.DataFrame]:
            got = {}
            for kind, group in fac.groupby("type"):
                vids = ",".join(str(int(v)) for v in sorted(set(group["vid"])))
                if exact:
                    source = max_vid + 1
                    edges = f"{EDGES_SQL} UNION ALL SELECT -v, {source}, v, 0 FROM unnest(ARRAY[{vids}]::bigint[]) v"
                    query = "SELECT node, agg_cost FROM pgr_drivingDistance(%s, %s::bigint, 1e12, directed => false)"
                    rows = conn.execute(query, (edges, source)).fetchall()
                else:
                    query = (
                        "SELECT node, agg_cost FROM pgr_drivingDistance(%s, %s::bigint[], 1e12, directed => false, "
                        "equicost => true)"
                    )
                    rows = conn.execute(query, (EDGES_SQL, [int(v) for v in group["vid"]])).fetchall()
                got[str(kind)] = pd.DataFrame(rows, columns=["node", "agg_cost"])
            return got

        steps["(a) nearest per type, multi-start equicost"], out["equicost"] = timed(lambda: per_type(False))
        steps["(b) nearest per type, exact (virtual source)"], out["exact"] = timed(lambda: per_type(True))

        def catchments() -> pd.DataFrame:
            rows = conn.execute(
                "SELECT from_v, node, agg_cost FROM pgr_drivingDistance(%s, %s::bigint[], %s, directed => false)",
                (EDGES_SQL, [int(v) for v in site_vids], limit),
            ).fetchall()
            return pd.DataFrame(rows, columns=["from_v", "node", "agg_cost"])

        steps[f"(c) {len(site_vids)} catchments of {limit:g} m"], out["catchments"] = timed(catchments)
        out["site_vids"] = site_vids
    return steps, out


def planner_side(dsn: str, sites_xy: np.ndarray, limit: float) -> tuple[dict[str, float], dict[str, Any]]:
    """planner's loading (from PostGIS) and queries; (seconds per step, results)."""
    steps: dict[str, float] = {}

    def read() -> tuple[Any, Any]:
        with postgis.connect(dsn) as conn:
            vlog = ValidationLog()
            streets = postgis.read_layer(
                conn, postgis.LayerSource("streets", table="bench.streets"), file="", vlog=vlog
            )
            fac = postgis.read_layer(
                conn, postgis.LayerSource("facilities", table="bench.facilities"), file="", vlog=vlog
            )
        return streets, fac

    steps["read streets + facilities from PostGIS"], (streets, fac) = timed(read)
    steps["build_network"], net = timed(lambda: build_network(streets))
    steps["engine: every node a demand point (snapped)"], engine = timed(
        lambda: make_engine(shapely.points(net.xy), mode="walk", network=net)
    )
    groups = fac["type"].to_numpy()
    steps["nearest per type (nearest_groups)"], near = timed(lambda: engine.nearest_groups(fac.geometry.values, groups))
    sites = shapely.points(sites_xy)
    steps[f"{len(sites_xy)} catchments of {limit:g} m (within)"], matrix = timed(lambda: engine.within(sites, limit))
    return steps, {"net": net, "near": near, "matrix": matrix}


def compare_nearest(
    net: Network, near: dict, got: dict[str, pd.DataFrame], node_of: dict[int, int]
) -> tuple[float, int, int]:
    """(max abs diff m, nodes compared, nodes differing by more than the tolerance) over all types."""
    worst, compared, differ = 0.0, 0, 0
    for kind, frame in got.items():
        ref = np.full(net.n_nodes, np.inf)
        frame = frame.loc[frame["node"].isin(node_of)]  # not the virtual source
        idx = np.array([node_of[int(n)] for n in frame["node"]])
        np.minimum.at(ref, idx, frame["agg_cost"].to_numpy())
        ours = np.asarray(near[kind].distance, dtype=float)
        both = np.isfinite(ref) & np.isfinite(ours)
        diff = np.abs(ref[both] - ours[both])
        worst = max(worst, float(diff.max(initial=0.0)))
        compared += int(both.sum())
        differ += int((diff > TOLERANCE_M).sum()) + int((np.isfinite(ref) != np.isfinite(ours)).sum())
    return worst, compared, differ


def compare_catchments(
    matrix: sp.csr_array, frame: pd.DataFrame, site_vids: np.ndarray, node_of: dict[int, int], limit: float
) -> tuple[float, int, int]:
    """(max abs diff m, pairs both found, pairs that disagree) of planner's matrix and pgRouting's rows."""
    row_of = {int(v): i for i, v in enumerate(site_vids)}
    rows = frame["from_v"].map(row_of).to_numpy()
    cols = np.array([node_of[int(n)] for n in frame["node"]])
    ref = sp.csr_array((frame["agg_cost"].to_numpy(), (rows, cols)), shape=matrix.shape)
    ref.sum_duplicates()

    def keys(m: sp.csr_array) -> np.ndarray:
        return np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)) * m.shape[1] + m.indices

    ka, kb = keys(matrix), keys(ref)
    _, ia, ib = np.intersect1d(ka, kb, assume_unique=True, return_indices=True)
    diff = np.abs(matrix.data[ia] - ref.data[ib])
    lone = np.concatenate([np.delete(matrix.data, ia), np.delete(ref.data, ib)])
    bad = int((diff > TOLERANCE_M).sum()) + int((np.abs(lone - limit) > TOLERANCE_M).sum())
    return float(diff.max(initial=0.0)), len(ia), bad


def run(name: str, streets, n_fac: int, dsn: str, args: argparse.Namespace) -> tuple[Table, int]:
    log(f"{name}: building planner's network once to place the facilities and sites")
    net0 = build_network(streets)
    put_tables(dsn, streets, net0, n_fac, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    sites_xy = net0.xy[rng.choice(net0.n_nodes, min(args.sites, net0.n_nodes), replace=False)]
    log("warming planner's kernels (compiled once, cached on disk)")
    warm = make_engine(shapely.points(net0.xy[:100]), mode="walk", network=net0)
    warm.within(shapely.points(sites_xy[:5]), args.limit)
    warm.nearest(shapely.points(sites_xy[:5]))
    log("planner")
    ours_s, ours = planner_side(dsn, sites_xy, args.limit)
    log("pgRouting")
    theirs_s, theirs = pgrouting(dsn, sites_xy, args.limit)
    net = ours["net"]
    tree = cKDTree(net.xy)
    dist, idx = tree.query(theirs["vertices"][:, 1:])
    assert dist.max() < 1e-3, f"a pgRouting vertex is {dist.max()} m from every planner node"
    node_of = dict(zip(theirs["vertices"][:, 0].astype(int).tolist(), idx.tolist(), strict=True))
    exact = compare_nearest(net, ours["near"], theirs["exact"], node_of)
    equi = compare_nearest(net, ours["near"], theirs["equicost"], node_of)
    catch = compare_catchments(ours["matrix"], theirs["catchments"], theirs["site_vids"], node_of, args.limit)
    title = (
        f"{name}: {net.n_nodes:,} nodes, {len(net.seg_len):,} segments, {n_fac} facilities of "
        f"{len(TYPE_WEIGHTS)} types, {len(sites_xy)} catchments of {args.limit:g} m"
    )
    table = Table(title, ["step", "planner s", "pgRouting s", "check"])
    load_ours = sum(v for k, v in ours_s.items() if not k.startswith(("nearest", f"{len(sites_xy)} ")))
    load_theirs = sum(v for k, v in theirs_s.items() if not k.startswith("("))
    for k, v in ours_s.items():
        table.add(f"planner: {k}", v, None, "")
    for k, v in theirs_s.items():
        table.add(f"pgRouting: {k}", None, v, "")
    near_ours = ours_s["nearest per type (nearest_groups)"]
    catch_ours = next(v for k, v in ours_s.items() if k.endswith("(within)"))
    a_s = theirs_s["(a) nearest per type, multi-start equicost"]
    b_s = theirs_s["(b) nearest per type, exact (virtual source)"]
    c_s = next(v for k, v in theirs_s.items() if k.startswith("(c)"))
    table.add("**loading**", load_ours, load_theirs, "")
    table.add(
        "**nearest per type, loading included** (exact: b)",
        load_ours + near_ours,
        load_theirs + b_s,
        f"max diff {exact[0]:.2g} m over {exact[1]:,} node × type; {exact[2]} differ",
    )
    table.add(
        "nearest per type, equicost (a), loading included",
        load_ours + near_ours,
        load_theirs + a_s,
        f"(a) differs from planner at {equi[2]:,} of {equi[1]:,} ({equi[2] / max(equi[1], 1):.2%}), "
        f"max {equi[0]:.1f} m",
    )
    table.add(
        f"**{len(sites_xy)} catchments, loading included**",
        load_ours + catch_ours,
        load_theirs + c_s,
        f"max diff {catch[0]:.2g} m over {catch[1]:,} pairs; {catch[2]} differ",
    )
    table.notes.append(
        "wall seconds, one run each; pgRouting's steps run in the server (one backend), planner's in this process; "
        "loading: planner reads the two tables and builds its network and engine, pgRouting builds its edge table, "
        "topology and indexes and locates the facilities"
    )
    return table, exact[2] + catch[2]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", choices=["chengdu", "synthetic", "both"], default="both")
    p.add_argument("--size", choices=["small", "full"], default="small", help="the synthetic city's size")
    p.add_argument("--sites", type=int, default=500)
    p.add_argument("--limit", type=float, default=1000.0, help="catchment distance, metres")
    p.add_argument("--dsn", help="an existing PostGIS + pgRouting database (default: start a temporary server)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    shown = [postgis.redact(a) if a == args.dsn else a for a in (argv or sys.argv[1:])]  # never the password
    print_header("python bench/bench_pgrouting.py " + " ".join(shown), markdown=args.markdown)
    server = None
    if args.dsn is None:
        sys.path.insert(0, str(REPO / "tests"))
        import conftest_postgis as pg

        root = Path(tempfile.mkdtemp(prefix="planner-pg-bench-"))
        log("starting a temporary PostgreSQL server")
        server = pg._start(root)
        args.dsn = server.dsn()
    failures = 0
    try:
        if args.scenario in ("chengdu", "both"):
            if CHENGDU.exists():
                streets = read_osm_streets(CHENGDU)
                streets = streets.loc[~streets["highway"].isin(NOT_WALKABLE)]
                streets = streets.to_crs(streets.estimate_utm_crs()).reset_index(drop=True)
                table, bad = run("(i) central Chengdu OSM 2018", streets, CHENGDU_FACILITIES, args.dsn, args)
                print(table.render(markdown=args.markdown))
                failures += bad
            else:
                log(f"{CHENGDU} is absent: the Chengdu scenario is skipped")
        if args.scenario in ("synthetic", "both"):
            s = SIZES[args.size]
            streets = synthetic_streets(s.grid_side, spacing_m=s.spacing_m, seed=args.seed)
            name = f"(ii) synthetic {s.grid_side}x{s.grid_side} grid"
            table, bad = run(name, streets, s.n_facilities, args.dsn, args)
            print(table.render(markdown=args.markdown))
            failures += bad
    finally:
        if server is not None:
            import subprocess

            cmd = pg._as_server_user([str(pg.PG_BIN / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast", "stop"])
            subprocess.run(cmd, capture_output=True, check=False)
            shutil.rmtree(root, ignore_errors=True)
    if failures:
        log(f"CHECK FAILED: {failures} results differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

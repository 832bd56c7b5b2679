"""``planner import-osm`` against osmnx ``graph_from_xml`` (and pyrosm, when installed) on the same files.

Each contender runs in its own Python process under ``/usr/bin/time -v``, so the times are
whole-process (interpreter start and imports included) and the memory is the process's peak
resident set; each process also prints its own in-process time of the reading call alone.

- planner: ``import_osm`` (the streaming pyosmium pass, then facilities, buildings with floor
  area, provisional communities, and the GeoPackage written) of the .osm and of the .pbf;
- osmnx: ``graph_from_xml(simplify=False, retain_all=True)`` + ``graph_to_gdfs`` (the streets
  as lines, as planner's output has them); osmnx reads XML only, so it gets the .osm;
- pyrosm: ``OSM(pbf).get_network("all")`` when ``import pyrosm`` works (else the table says so).

Unsimplified because ``simplify=True`` drops closed rings that touch no other street (5 plazas
and squares of the Chengdu extract, so 2,273 ways instead of 2,278), and because it is osmnx's
faster mode. Street counts must agree: planner's street rows (one per way tagged highway) against the
distinct highway way ids among osmnx's edges. The script exits with status 1 if they differ.

Files: (i) the central Chengdu extract in ../shared/data/real (skipped with a message when
absent) and a PBF made from it; (ii) a synthetic city written by this script with pyosmium:
an N × N street grid (one way per 10 blocks), a building on every other block (4-node rings,
every 7th residential with ``building:levels``) and an amenity node on every 50th block;
N = 600 gives 1.08 million nodes.

Run ``python bench/bench_import_osm.py --size full --markdown`` (``--size small``: N = 120).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import osmium

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, Table, machine

CHENGDU = REPO.parent / "shared" / "data" / "real" / "chengdu_central_2018.osm"
LON0, LAT0 = 103.95, 30.55
DLON, DLAT = 0.00105, 0.0009  # about 100 m each way at 30.6 N
AMENITIES = ("kindergarten", "school", "clinic", "restaurant", "community_centre")

PLANNER = """
import json, sys, time
from planner.ingest.osm_study import import_osm
t = time.perf_counter()
r = import_osm(sys.argv[1], sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t, "streets": len(r.layers["streets"]),
                  "facilities": len(r.layers["facilities"]), "buildings": len(r.layers["buildings"])}))
"""
OSMNX = """
import json, sys, time
import osmnx as ox
t = time.perf_counter()
g = ox.graph_from_xml(sys.argv[1], simplify=False, retain_all=True)
edges = ox.graph_to_gdfs(g, nodes=False)
seconds = time.perf_counter() - t
ids = edges.loc[edges["highway"].notna(), "osmid"].explode()
print(json.dumps({"seconds": seconds, "streets": int(ids.nunique()), "edges": len(edges)}))
"""
PYROSM = """
import json, sys, time
from pyrosm import OSM
t = time.perf_counter()
net = OSM(sys.argv[1]).get_network("all")
print(json.dumps({"seconds": time.perf_counter() - t, "streets": int(net["id"].nunique())}))
"""


def synthetic(folder: Path, n: int) -> tuple[Path, Path]:
    """Write the synthetic city as .pbf and .osm; return both paths."""
    from osmium.osm.mutable import Node, Way

    pbf, xml = folder / f"city{n}.osm.pbf", folder / f"city{n}.osm"
    header = osmium.io.Header()
    header.add_box(osmium.osm.Box(LON0, LAT0, LON0 + n * DLON, LAT0 + n * DLAT))
    with osmium.SimpleWriter(str(pbf), header=header) as w:
        for i in range(n):
            for j in range(n):
                w.add_node(Node(id=i * n + j + 1, location=(LON0 + j * DLON, LAT0 + i * DLAT)))
        nid = n * n
        blocks = [(i, j) for i in range(n - 1) for j in range(n - 1)]
        for k, (i, j) in enumerate(blocks):
            if k % 2 == 0:
                x, y = LON0 + (j + 0.3) * DLON, LAT0 + (i + 0.3) * DLAT
                for dx, dy in ((0, 0), (0.4, 0), (0.4, 0.4), (0, 0.4)):
                    nid += 1
                    w.add_node(Node(id=nid, location=(x + dx * DLON, y + dy * DLAT)))
            if k % 50 == 1:
                nid += 1
                tags = {"amenity": AMENITIES[(k // 50) % len(AMENITIES)], "name": f"设施{k}"}
                w.add_node(Node(id=nid, location=(LON0 + (j + 0.5) * DLON, LAT0 + (i + 0.5) * DLAT), tags=tags))
        wid = 0
        for i in range(n):
            for start in range(0, n - 1, 10):
                stop = min(start + 10, n - 1)
                wid += 1
                w.add_way(
                    Way(id=wid, nodes=[i * n + j + 1 for j in range(start, stop + 1)], tags={"highway": "residential"})
                )
                wid += 1
                w.add_way(
                    Way(id=wid, nodes=[j * n + i + 1 for j in range(start, stop + 1)], tags={"highway": "tertiary"})
                )
        nid = n * n
        for k in range(len(blocks)):
            if k % 2 == 0:
                ring = [nid + 1, nid + 2, nid + 3, nid + 4, nid + 1]
                nid += 4
                tags = {"building": "residential", "building:levels": "6"} if k % 7 == 0 else {"building": "yes"}
                wid += 1
                w.add_way(Way(id=wid, nodes=ring, tags=tags))
            if k % 50 == 1:
                nid += 1
    with osmium.SimpleWriter(str(xml), header=header) as w:
        for obj in osmium.FileProcessor(str(pbf)):
            w.add(obj)
    return pbf, xml


def timed(script: str, *args: str, timeout: float) -> dict:
    """Run a Python snippet under /usr/bin/time -v; its JSON line plus wall seconds and peak RSS (MB)."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-c", script, *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", proc.stderr)
    if wall:
        h, m, s = wall.groups()
        out["wall"] = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    out["rss_mb"] = int(rss.group(1)) / 1024 if rss else float("nan")
    return out


def pyrosm_available() -> bool:
    return subprocess.run([sys.executable, "-c", "import pyrosm"], capture_output=True).returncode == 0


def scenario(table: Table, label: str, xml: Path, pbf: Path, folder: Path, timeout: float) -> bool:
    nodes = sum(1 for _ in osmium.FileProcessor(str(pbf), osmium.osm.NODE))
    p_xml = timed(PLANNER, str(xml), str(folder / "a.gpkg"), timeout=timeout)
    p_pbf = timed(PLANNER, str(pbf), str(folder / "b.gpkg"), timeout=timeout)
    onx = timed(OSMNX, str(xml), timeout=timeout)
    rows = [
        ("planner import-osm (.osm)", p_xml),
        ("planner import-osm (.pbf)", p_pbf),
        ("osmnx graph_from_xml (.osm)", onx),
    ]
    if pyrosm_available():
        rows.append(("pyrosm get_network (.pbf)", timed(PYROSM, str(pbf), timeout=timeout)))
    ok = True
    for name, r in rows:
        if "error" in r:
            table.rows.append([label, f"{nodes:,}", name, r["error"], "", "", "", ""])
            continue
        ratio = onx.get("wall", float("nan")) / r["wall"] if "wall" in r else float("nan")
        table.rows.append(
            [
                label,
                f"{nodes:,}",
                name,
                f"{r['seconds']:.1f}",
                f"{r['wall']:.1f}",
                f"{r['rss_mb']:,.0f}",
                f"{r['streets']:,}",
                f"{ratio:.1f}×",
            ]
        )
    if "error" not in onx and "error" not in p_xml:
        ok = p_xml["streets"] == p_pbf["streets"] == onx["streets"]
        if not ok:
            table.notes.append(f"{label}: street counts DIFFER (planner {p_xml['streets']}, osmnx {onx['streets']})")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=["small", "full"], default="small")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per contender and file")
    args = ap.parse_args()
    n = 600 if args.size == "full" else 120
    print(json.dumps(machine()))
    table = Table(
        "import-osm against osmnx (whole process under /usr/bin/time -v)",
        [
            "file",
            "nodes",
            "contender",
            "read s (in process)",
            "wall s (process)",
            "peak RSS MB",
            "streets",
            "osmnx wall / this",
        ],
    )
    if not pyrosm_available():
        table.notes.append("pyrosm: not installed (pip install pyrosm finds no distribution on this machine's index)")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if CHENGDU.exists():
            pbf = folder / "chengdu.osm.pbf"
            header = osmium.io.Reader(str(CHENGDU), osmium.osm.osm_entity_bits.NOTHING).header()
            with osmium.SimpleWriter(str(pbf), header=header) as w:
                for obj in osmium.FileProcessor(str(CHENGDU)):
                    w.add(obj)
            ok &= scenario(table, "(i) Chengdu", CHENGDU, pbf, folder, args.timeout)
        else:
            print(f"SKIPPED (i) central Chengdu: {CHENGDU} not found")
        pbf, xml = synthetic(folder, n)
        ok &= scenario(table, f"(ii) synthetic {n}×{n}", xml, pbf, folder, args.timeout)
    print(table.render(markdown=args.markdown))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

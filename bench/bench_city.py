"""``planner analyze CITY.gpkg`` as a user runs it: a process, timed with ``/usr/bin/time -v``.

The city (built once and cached): ``_common.synthetic_study`` on a 505 × 505 jittered street
grid (≈255k nodes), 100,000 cells, 2,000 facilities, 20 × 20 = 400 communities and
≈3 million residents (Poisson(30) per cell), written to a GeoPackage in EPSG:32648.

Timed, in the same run, each as a fresh process:

- ``planner analyze CITY.gpkg --out DIR --quiet``: wall seconds and peak RSS;
- the floor: a process that imports pyogrio, reads the same four layers and writes the same
  three GeoPackages (cells, communities, facilities with the output columns) with pyogrio
  alone; its own time spent reading the output files to write (not a user's wait) is
  subtracted;
- ``--profile``: a cProfile of the command in-process, by stage (imports measured apart with
  ``python -X importtime``).

Outputs are checked: ``--save DIR`` keeps the outputs of this run (run it once on the
unchanged code), ``--compare DIR`` compares this run's outputs to them (text files equal
byte for byte except the time stamp in summary.json; GeoPackage layers equal, floats within
1e-6 m or relative 1e-12). A failed comparison exits with status 1.

Run ``python bench/bench_city.py [--cache DIR] [--profile] [--markdown]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import REPO, Size, Table, log, print_header, synthetic_study

CITY = Size(grid_side=505, n_cells=100_000, n_facilities=2_000, communities_side=20)
TARGET_S, TARGET_MB = 4.0, 600.0
CPU: list[float] = []  # CPU seconds (user + system) of each timed process, in order
OUTPUT_LAYERS = {"cells.gpkg": "cells", "communities.gpkg": "communities", "facilities.gpkg": "facilities"}

CLI = "import sys; from planner.cli import main; sys.exit(main(sys.argv[1:]))"
FLOOR = r"""
import sys, time
t0 = time.perf_counter()
import pyogrio
city, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
for layer in ("communities", "facilities", "cells", "streets"):
    pyogrio.read_dataframe(city, layer=layer, use_arrow=True)
t_read = time.perf_counter()
frames = {n: pyogrio.read_dataframe(f"{src}/{n}", use_arrow=True) for n in NAMES}
t_skip = time.perf_counter() - t_read
for name, frame in frames.items():
    pyogrio.write_dataframe(frame, f"{out}/{name}", layer=name[:-5], driver="GPKG", use_arrow=True)
print(t_skip)
""".replace("NAMES", repr(tuple(OUTPUT_LAYERS)))


def build_city(path: Path, seed: int = 0) -> Path:
    """The synthetic city as a GeoPackage (cached: built when ``path`` is absent)."""
    if path.exists():
        return path
    import pyogrio

    log(f"building the synthetic city into {path}")
    study = synthetic_study(CITY, seed=seed)
    assert study.cells is not None and study.streets is not None
    rng = np.random.default_rng(seed + 7)
    cells = study.cells.copy()
    cells["population"] = rng.poisson(30, size=len(cells)).astype(float)
    comm = study.communities.copy()
    pop = cells.groupby("community_id")["population"].sum().reindex(comm["community_id"]).fillna(0.0)
    comm["population"] = pop.to_numpy()
    comm["households"] = np.round(comm["population"] / 2.7)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    layers = {
        "communities": comm,
        "facilities": study.facilities.drop(columns=["community_id", "type_raw"]),
        "cells": cells.drop(columns=["community_id"]),
        "streets": study.streets,
    }
    for layer, frame in layers.items():
        pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG", append=tmp.exists())
    os.replace(tmp, path)
    return path


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall s, peak RSS MB, stdout) of a command run under ``/usr/bin/time -v``; CPU s in :data:`CPU`."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    assert wall and rss, proc.stderr
    h, m, s = (float(g) if g else 0.0 for g in wall.groups())
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", proc.stderr))
    CPU.append(cpu)
    return h * 3600 + m * 60 + s, int(rss.group(1)) / 1024, proc.stdout


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def run_analyze(city: Path, out: Path) -> tuple[float, float]:
    wall, mb, _ = timed([sys.executable, "-c", CLI, "analyze", str(city), "--out", str(out), "--quiet"], _env())
    return wall, mb


def run_floor(city: Path, outputs: Path, scratch: Path) -> tuple[float, float]:
    wall, mb, stdout = timed([sys.executable, "-c", FLOOR, str(city), str(outputs), str(scratch)], _env())
    return wall - float(stdout.strip().splitlines()[-1]), mb


def import_seconds() -> tuple[float, list[str]]:
    """Seconds to import ``planner.cli`` and ``planner`` (python -X importtime) and heavy modules loaded."""
    code = "import planner.cli, planner, planner.outputs, sys; print(' '.join(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=_env(), check=True
    )
    head = "import time:"
    rows = [line[len(head) :].split("|") for line in proc.stderr.splitlines() if line.startswith(head)]
    total = sum(int(r[0]) for r in rows if r[0].strip().isdigit())  # self times: their sum is the total
    heavy = [
        m
        for m in ("streamlit", "folium", "matplotlib", "branca", "jinja2", "weasyprint", "osmnx", "networkx")
        if m in proc.stdout.split()
    ]
    return total / 1e6, heavy


def profile(city: Path, out: Path, top: int) -> str:
    from planner.cli import main

    prof = cProfile.Profile()
    prof.enable()
    main(["analyze", str(city), "--out", str(out), "--quiet"])
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def compare(before: Path, after: Path) -> list[str]:
    """Differences between two results folders (empty when equal)."""
    import pyogrio

    problems: list[str] = []
    for f in sorted(before.iterdir()):
        g = after / f.name
        if not g.exists():
            problems.append(f"{f.name}: missing")
            continue
        if f.name == "summary.json":
            a, b = json.loads(f.read_text("utf-8")), json.loads(g.read_text("utf-8"))
            a.pop("generated", None), b.pop("generated", None)
            if a != b:
                problems.append("summary.json differs")
        elif f.suffix == ".gpkg":
            problems += _compare_gpkg(f, g, pyogrio)
        elif f.read_bytes() != g.read_bytes():
            problems += _compare_csv(f, g)
    return problems


def _compare_gpkg(f: Path, g: Path, pyogrio) -> list[str]:
    a = pyogrio.read_dataframe(f, layer=OUTPUT_LAYERS.get(f.name))
    b = pyogrio.read_dataframe(g, layer=OUTPUT_LAYERS.get(f.name))
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return [f"{f.name}: columns or rows differ"]
    if str(a.crs) != str(b.crs):
        return [f"{f.name}: CRS differs"]
    ia, ib = pyogrio.read_info(f), pyogrio.read_info(g)
    if list(ia["dtypes"]) != list(ib["dtypes"]) or ia["geometry_type"] != ib["geometry_type"]:
        return [f"{f.name}: field types differ"]
    out = []
    for col in a.columns:
        if col == "geometry":
            if not a.geometry.geom_equals_exact(b.geometry, tolerance=1e-6).all():
                out.append(f"{f.name}: geometries differ by more than 1e-6 m")
        elif not _series_equal(a[col], b[col]):
            out.append(f"{f.name}: column {col} differs")
    return out


def _series_equal(a: pd.Series, b: pd.Series) -> bool:
    if pd.api.types.is_float_dtype(a) and pd.api.types.is_float_dtype(b):
        x, y = a.to_numpy(float), b.to_numpy(float)
        same_missing = np.array_equal(np.isnan(x), np.isnan(y))
        return bool(same_missing and np.allclose(x, y, rtol=1e-12, atol=1e-6, equal_nan=True))
    return a.astype(object).where(a.notna(), None).tolist() == b.astype(object).where(b.notna(), None).tolist()


def _compare_csv(f: Path, g: Path) -> list[str]:
    a = pd.read_csv(f, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    b = pd.read_csv(g, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return [f"{f.name}: columns or rows differ"]
    out = []
    for col in a.columns:
        if a[col].equals(b[col]):
            continue
        x, y = pd.to_numeric(a[col], errors="coerce"), pd.to_numeric(b[col], errors="coerce")
        if x.isna().sum() == (a[col] == "").sum() and _series_equal(x, y):
            continue
        out.append(f"{f.name}: column {col} differs")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "planner-bench-city",
        help="folder of the cached city (built on first use)",
    )
    p.add_argument("--repeat", type=int, default=3, help="runs of each process, best kept")
    p.add_argument("--save", type=Path, help="copy this run's outputs to DIR (the 'before' outputs)")
    p.add_argument("--compare", type=Path, help="compare this run's outputs with those in DIR")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of the command in-process")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    command = "python bench/bench_city.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print_header(command, markdown=args.markdown)
    city = build_city(args.cache / "city.gpkg")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="planner-city-") as tmp:
        out, scratch = Path(tmp) / "results", Path(tmp) / "floor"
        scratch.mkdir()
        runs, floors = [], []
        cpu_runs, cpu_floors = [], []
        for i in range(max(args.repeat, 1)):
            log(f"planner analyze, run {i + 1}")
            runs.append(run_analyze(city, out))
            cpu_runs.append(CPU[-1])
            log(f"floor, run {i + 1}")
            floors.append(run_floor(city, out, scratch))
            cpu_floors.append(CPU[-1])
        wall, mb = min(r[0] for r in runs), max(r[1] for r in runs)
        fwall, fmb = min(r[0] for r in floors), max(r[1] for r in floors)
        imports, heavy = import_seconds()
        summary = json.loads((out / "summary.json").read_text("utf-8"))
        table = Table(
            f"planner analyze of a synthetic city ({summary['network']['nodes']:,} street nodes, 100,000 cells, "
            f"2,000 facilities, {len(summary.get('communities', [])) or 400} communities, "
            f"{summary['district']['residents']:,} residents), {city.stat().st_size / 2**20:.0f} MB GeoPackage",
            ["process", "wall s", "CPU s", "peak RSS MB", "ratio to floor (wall)", "ratio (CPU)", "ratio (RSS)"],
        )
        cpu, fcpu = min(cpu_runs), min(cpu_floors)
        table.add("planner analyze CITY.gpkg --quiet", wall, cpu, mb, wall / fwall, cpu / fcpu, mb / fmb)
        table.add("floor: pyogrio reads the 4 layers, writes the 3 GeoPackages", fwall, fcpu, fmb, 1.0, 1.0, 1.0)
        table.notes.append(
            f"best wall and CPU (user + system) and worst peak RSS of {len(runs)} runs each, alternated, "
            f"/usr/bin/time -v; 1-min load average at the end {os.getloadavg()[0]:.1f}; the floor's CPU "
            "includes reading the outputs it writes (its wall time does not)"
        )
        table.notes.append(
            f"targets < {TARGET_S:g} s and < {TARGET_MB:g} MB: "
            f"{'met' if wall < TARGET_S and mb < TARGET_MB else 'NOT met'}"
        )
        table.notes.append(
            f"import planner.cli + planner: {imports:.2f} s (python -X importtime); heavy modules loaded: "
            f"{', '.join(heavy) or 'none'}"
        )
        print(table.render(markdown=args.markdown))
        if args.save:
            shutil.rmtree(args.save, ignore_errors=True)
            shutil.copytree(out, args.save)
            log(f"outputs saved to {args.save}")
        if args.compare:
            diffs = compare(args.compare, out)
            print("outputs vs " + str(args.compare) + ": " + ("equal" if not diffs else "; ".join(diffs)))
            failures += diffs
        if args.profile:
            log("profiling in-process")
            t0 = time.perf_counter()
            text = profile(city, Path(tmp) / "prof", 30)
            log(f"profiled run {time.perf_counter() - t0:.1f} s")
            print("```text\n" + text + "```" if args.markdown else text)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

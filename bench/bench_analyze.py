"""The whole ``planner analyze`` of a synthetic city, end to end.

The synthetic district (see ``_common.synthetic_study``): a jittered street grid of
``grid_side``² nodes as line segments, a cells layer with population, square communities with
households, staff and governance grids, and facilities of every type of the national
rulebook, all in EPSG:32648. Timed:

- ``planner.analyze(study, mode="walk")`` on a :class:`planner.ingest.study.Study` built directly
  from GeoDataFrames, with a per-stage breakdown taken from analyze's progress callback;
- ``planner.load_study`` of the same layers written to a GeoPackage (reading, validation,
  reprojection through WGS84 and back), and ``analyze`` of the loaded study, whose coverage
  must equal the direct study's.

``--profile`` adds a cProfile of one analyze run (top functions by cumulative and own time).

Run ``python bench/bench_analyze.py --size full`` (add ``--markdown`` for markdown tables).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import SIZES, Table, log, measure, print_header, repeat, synthetic_study

import planner
from planner import naming

TARGET_S = 10.0


class StageClock:
    """A progress callback that records when each stage of analyze starts."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float, float]] = []

    def __call__(self, stage: str, fraction: float) -> None:
        self.marks.append((stage, time.perf_counter(), time.process_time()))

    def stages(self) -> dict[str, tuple[float, float]]:
        """(wall, CPU) seconds per stage; the per-type reach stages are summed into one."""
        out: dict[str, tuple[float, float]] = {}
        for (stage, t0, c0), (_, t1, c1) in zip(self.marks, self.marks[1:], strict=False):
            name = "reach + coverage (all types)" if stage.startswith("reach:") else stage
            wall, cpu = out.get(name, (0.0, 0.0))
            out[name] = (wall + t1 - t0, cpu + c1 - c0)
        return out


def analyze_with_clock(study: planner.Study) -> tuple[planner.Analysis, StageClock]:
    clock = StageClock()
    result = planner.analyze(study, mode="walk", progress=clock)
    return result, clock


def write_gpkg(study: planner.Study, path: Path) -> None:
    study.communities.to_file(path, layer="communities", driver="GPKG")
    study.facilities.drop(columns=["community_id", "type_raw"]).to_file(path, layer="facilities", driver="GPKG")
    assert study.cells is not None and study.streets is not None
    study.cells.drop(columns=["community_id"]).to_file(path, layer="cells", driver="GPKG")
    study.streets.to_file(path, layer="streets", driver="GPKG")


def profile(study: planner.Study, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    planner.analyze(study, mode="walk")
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def coverage_shares(result: planner.Analysis) -> dict[str, float]:
    return {k: v["share_covered"] for k, v in result.summary["coverage"].items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", choices=["small", "full"], default="small")
    p.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    p.add_argument("--repeat", type=int, default=None, help="analyze runs, best time kept (default 5 full, 1 small)")
    p.add_argument("--no-gpkg", action="store_true", help="skip the GeoPackage round trip through load_study")
    p.add_argument("--profile", action="store_true", help="print a cProfile of one analyze run")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    repeats = args.repeat or (5 if args.size == "full" else 1)
    print_header(
        "python bench/bench_analyze.py " + " ".join(sys.argv[1:] if argv is None else argv), markdown=args.markdown
    )
    size = SIZES[args.size]
    log(f"generating the synthetic district ({args.size})")
    gen = measure(synthetic_study, size, seed=args.seed)
    study: planner.Study = gen.result
    assert study.cells is not None and study.streets is not None
    log("analyze (direct Study)")
    m = repeat(analyze_with_clock, repeats, study)
    result, clock = m.result
    summary = result.summary
    net = summary["network"]
    title = (
        f"planner analyze, synthetic {size.grid_side}x{size.grid_side} grid: {net['nodes']:,} street nodes, "
        f"{len(study.streets):,} street segments, {len(study.cells):,} cells, {len(study.facilities):,} facilities, "
        f"{len(study.communities):,} communities, {summary['district']['residents']:,} residents"
    )
    table = Table(title, ["step", "wall s", "cpu s", "peak MB", "note"])
    table.add("generate the synthetic Study (not planner)", gen.seconds, gen.cpu_seconds, gen.peak_mb, "")
    table.add(
        'analyze(study, mode="walk")',
        m.seconds,
        m.cpu_seconds,
        m.peak_mb,
        f"best of {m.runs}; target < {TARGET_S:g} s",
    )
    for stage, (wall, cpu) in clock.stages().items():
        table.add(f"  stage: {stage}", wall, cpu, None, "last run, from the progress callback")
    failures: list[str] = []
    if not args.no_gpkg:
        with tempfile.TemporaryDirectory(prefix="planner-bench-") as tmp:
            path = Path(tmp) / "synthetic.gpkg"
            log(f"writing {path.name}")
            w = measure(write_gpkg, study, path)
            table.add(
                "write the GeoPackage (geopandas, not planner)",
                w.seconds,
                w.cpu_seconds,
                w.peak_mb,
                f"{path.stat().st_size / 2**20:.0f} MB",
            )
            log("load_study(gpkg)")
            m_load = repeat(planner.load_study, 1, path)
            loaded = m_load.result
            table.add(
                "load_study(gpkg)",
                m_load.seconds,
                m_load.cpu_seconds,
                m_load.peak_mb,
                "read, validate, reproject via WGS84",
            )
            log("analyze (loaded study)")
            m2 = repeat(planner.analyze, 1, loaded, mode="walk")
            table.add('analyze(load_study(gpkg), mode="walk")', m2.seconds, m2.cpu_seconds, m2.peak_mb, "")
            a, b = coverage_shares(result), coverage_shares(m2.result)
            worst = max(abs(a[k] - b[k]) for k in a)
            if worst > 1e-4:
                failures.append(f"coverage of the loaded study differs from the direct study by {worst:.2e}")
            cols = [naming.dist(k) for k in study.rulebook.types]
            d1 = result.cells.set_index("cell_id")[cols]
            d2 = m2.result.cells.set_index("cell_id").reindex(d1.index)[cols]
            diff = np.nanmax(np.abs(d1.to_numpy(float) - d2.to_numpy(float)))
            table.notes.append(
                f"loaded vs direct study: max coverage share difference {worst:.1e}, "
                f"max cell distance difference {diff:.1e} m"
            )
    met = m.seconds < TARGET_S
    table.notes.append(
        f"target analyze < {TARGET_S:g} s (wall): {'met' if met else 'NOT met'} ({m.seconds:.2f} s wall, "
        f"{m.cpu_seconds:.2f} s CPU); peak MB: RSS high-water mark above the step's start"
    )
    print(table.render(markdown=args.markdown))
    if args.profile:
        log("profiling one analyze run")
        text = profile(study, 25)
        print("```text\n" + text + "```" if args.markdown else text)
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

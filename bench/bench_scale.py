"""Scale-out: a synthetic province, one process against a local Dask cluster of 1 and 2 workers.

The province (``_common.synthetic_study``): a jittered street grid, square communities
grouped 5 × 5 into districts (the partition column ``district``), cells with population and
facilities of every type. Timed, on the same machine and cores:

- ``planner.analyze(study)`` in this process (the reference);
- ``planner.scale.analyze_partitioned(study, "district")`` on a ``LocalCluster`` of 1 and of
  2 worker processes (one thread each), each from an empty output folder (nothing reused),
  without the cluster's start-up (timed apart);

and the partitioned outputs are compared with the reference (every cell once, largest
distance difference, NaN in the same cells, communities, compliance and summary equal).

The default size is what fits a 2-core machine shared with other work within a few minutes
(64 districts, 200,000 cells); ``--full`` is the province of the issue (64 districts,
2,000,000 cells, about 16 GB of memory in one process).

Run ``python bench/bench_scale.py`` (add ``--markdown`` for markdown tables).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time

import numpy as np
import pandas as pd
from _common import Size, Table, log, measure, print_header, synthetic_study

import planner
from planner import naming
from planner.scale import RunInfo, analyze_partitioned, client_for

MEASURED = Size(grid_side=505, n_cells=200_000, n_facilities=4_000, communities_side=40)
FULL = Size(grid_side=1_500, n_cells=2_000_000, n_facilities=20_000, communities_side=40)
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def province(size: Size) -> planner.Study:
    """The synthetic study with a ``district`` column: blocks of 5 × 5 communities."""
    study = synthetic_study(size, seed=13)
    comm = study.communities.assign(district=study.communities["sub_district"].str.replace("街道", "区"))
    return study.__class__(**{**study.__dict__, "communities": comm})


def compare(whole: planner.Analysis, part: planner.Analysis) -> float:
    """The largest distance difference (m); raises when any table differs."""
    assert list(part.cells["cell_id"]) == list(whole.cells["cell_id"])
    worst = 0.0
    for key in whole.study.rulebook.types:
        a = whole.cells[naming.dist(key)].to_numpy(float)
        b = part.cells[naming.dist(key)].to_numpy(float)
        assert (np.isnan(a) == np.isnan(b)).all(), key
        if (~np.isnan(a)).any():
            worst = max(worst, float(np.nanmax(np.abs(a - b))))
        assert whole.cells[naming.covered(key)].equals(part.cells[naming.covered(key)]), key
    pd.testing.assert_frame_equal(whole.communities, part.communities)
    pd.testing.assert_frame_equal(whole.checks, part.checks)
    assert whole.summary["coverage"] == part.summary["coverage"]
    assert whole.summary["rules"] == part.summary["rules"]
    assert whole.summary["network"] == part.summary["network"]
    assert worst <= 1e-6, worst
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the issue's province: 2,000,000 cells")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--memory-limit", default="4GiB", help="per worker of the local clusters")
    args = parser.parse_args(argv)
    size = FULL if args.full else MEASURED
    print_header("python bench/bench_scale.py" + (" --full" if args.full else ""), markdown=args.markdown)
    log(f"building the province: {size}")
    t0 = time.perf_counter()
    study = province(size)
    built = time.perf_counter() - t0
    n_districts = study.communities["district"].nunique()
    table = Table(
        f"Scale-out: {n_districts} districts, {len(study.cells):,} cells, {len(study.facilities):,} facilities, "
        f"{len(study.streets):,} street segments",
        ["run", "wall s", "cpu s (driver)", "peak MB (driver)", "vs one process", "note"],
    )
    table.add("build the synthetic province (not planner)", f"{built:.1f}", "", "", "", "")
    log("one process: planner.analyze")
    ref = measure(planner.analyze, study, generated=STAMP)
    whole = ref.result
    table.add(
        "planner.analyze, one process", f"{ref.seconds:.1f}", f"{ref.cpu_seconds:.1f}", f"{ref.peak_mb:.0f}", "1.00", ""
    )
    for workers in (1, 2):
        t0 = time.perf_counter()
        with client_for(n_workers=workers, memory_limit=args.memory_limit) as client:
            started = time.perf_counter() - t0
            with tempfile.TemporaryDirectory() as out:
                info = RunInfo()
                log(f"partitioned on {workers} worker(s)")
                run = measure(
                    analyze_partitioned, study, "district", out, client=client, generated=STAMP,
                    show_progress=False, write=False, info=info,
                )  # fmt: skip
        worst = compare(whole, run.result)
        table.add(
            f"analyze_partitioned by district, LocalCluster {workers} worker(s)",
            f"{run.seconds:.1f}",
            f"{run.cpu_seconds:.1f}",
            f"{run.peak_mb:.0f}",
            f"{run.seconds / ref.seconds:.2f}",
            f"cluster start {started:.1f} s (not included); cells per pass {info.cells_per_pass}; "
            f"outputs equal, max distance difference {worst:.1e} m",
        )
    print(table.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())

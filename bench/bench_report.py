"""``planner report`` of the sample district as a user waits for it: the whole command as a process.

Each run is ``/usr/bin/time -v planner report --format FMT --lang LANG`` (wall time and peak
resident memory of the process, imports and analysis included), for the HTML and PDF formats.
The floor, measured in the same run: the same command writing the XLSX report, i.e. loading
and analysing the district and writing its tables, without maps or typesetting; the report's
own cost is the difference.

``--compare DIR`` also times another checkout (e.g. the code before a change: ``/work/main``)
with ``PYTHONPATH=DIR``, interleaved run by run with this one so that both meet the same load on
a shared machine. Times are the median of ``--repeat`` runs; the spread is min–max.

Run ``python bench/bench_report.py --repeat 3 --markdown`` (add ``--compare /path/to/old``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import REPO, Table, log, print_header


def run_once(code: Path, fmt: str, lang: str, out_dir: Path) -> tuple[float, float, int]:
    """One ``planner report`` process of checkout ``code``: (wall s, peak RSS MB, output bytes)."""
    out = out_dir / f"report_{lang}.{fmt}"
    env = {**os.environ, "PYTHONPATH": str(code)}
    entry = "import sys; from planner.cli import main; sys.exit(main(sys.argv[1:]))"  # the console script
    cmd = ["/usr/bin/time", "-v", sys.executable, "-c", entry, "report", "--quiet"]
    cmd += ["--format", fmt, "--lang", lang, "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out_dir, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"planner report failed ({code}):\n{proc.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    assert wall and rss, proc.stderr[-500:]
    seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
    return seconds, int(rss[1]) / 1024, out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="runs per format and checkout (median reported)")
    p.add_argument("--lang", default="zh", choices=["zh", "en"])
    p.add_argument("--formats", nargs="+", default=["xlsx", "html", "pdf"], choices=["xlsx", "html", "pdf"])
    p.add_argument("--compare", type=Path, help="another checkout to time the same way (e.g. the code before)")
    p.add_argument("--markdown", action="store_true")
    args = p.parse_args(argv)
    if not Path("/usr/bin/time").exists():
        raise SystemExit("needs /usr/bin/time (GNU time; Debian/Ubuntu: apt-get install time)")
    print_header("python bench/bench_report.py " + " ".join(argv or sys.argv[1:]), markdown=args.markdown)
    codes = {"this checkout": REPO}
    if args.compare is not None:
        codes = {f"before ({args.compare})": args.compare.resolve(), **codes}
    results: dict[tuple[str, str], list[tuple[float, float, int]]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        for i in range(args.repeat):
            for fmt in args.formats:
                for label, code in codes.items():
                    out_dir = tmp / f"{i}-{fmt}-{abs(hash(label))}"
                    out_dir.mkdir()
                    results.setdefault((label, fmt), []).append(run_once(code, fmt, args.lang, out_dir))
                    log(f"run {i + 1}/{args.repeat} {fmt} {label}: {results[(label, fmt)][-1][0]:.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table = Table(
        f"planner report of the sample district (--lang {args.lang}), the whole process",
        ["code", "format", "wall s (median)", "wall s (min–max)", "peak RSS MB", "file MB"],
    )
    for (label, fmt), runs in results.items():
        walls = [r[0] for r in runs]
        table.add(
            label,
            fmt + (" (floor: analysis + tables)" if fmt == "xlsx" else ""),
            statistics.median(walls),
            f"{min(walls):.1f}–{max(walls):.1f}",
            statistics.median(r[1] for r in runs),
            runs[-1][2] / 1e6,
        )
    table.notes.append("wall and peak RSS from /usr/bin/time -v of the whole command (imports, analysis, report)")
    table.notes.append("the XLSX run is the floor: the same analysis and tables without maps or typesetting")
    print(table.render(markdown=args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

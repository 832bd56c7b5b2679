"""Many studies at once on Dask: one output folder per study and a merged summary (one row each).

Each study (a GeoPackage or a folder of layer files) is one task: a worker reads it, runs
:func:`planner.analyze` and writes the results into ``OUT/<study>/``, so the studies and the
output folder must be on storage every worker sees. A study whose folder already holds the
results of the same input (same size and modification time, same options) is not redone. A
study that fails twice is named in the error, after the others are written.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import PlannerError
from planner.outputs import write_atomic
from planner.scale.run import PieceFailed

DONE = ".planner-done.json"
SUMMARY = "summary.csv"


def study_paths(source: str | Path | list[str | Path]) -> list[Path]:
    """The studies named by a folder (its ``.gpkg`` files and sub-folders) or a text file listing paths.

    Raises
    ------
    PlannerError
        When the source does not exist or names no study.
    """
    if isinstance(source, list):
        paths = [Path(p) for p in source]
    else:
        src = Path(source)
        if not src.exists():
            raise PlannerError(f"{src}: no such folder or list file; give a folder of GeoPackages or a list of paths")
        if src.is_dir():
            paths = sorted(p for p in src.iterdir() if p.suffix.lower() == ".gpkg" or (p.is_dir() and _has_layers(p)))
        else:
            lines = [ln.strip() for ln in src.read_text(encoding="utf-8").splitlines()]
            paths = [(src.parent / ln) for ln in lines if ln and not ln.startswith("#")]
    if not paths:
        raise PlannerError(f"{source}: no study found (a .gpkg file or a folder with a communities file)")
    return paths


def _has_layers(folder: Path) -> bool:
    return any(f.stem.lower() == "communities" for f in folder.iterdir())


def _folder_names(paths: list[Path]) -> list[str]:
    names: list[str] = []
    for p in paths:
        base = re.sub(r"[^\w.-]+", "_", p.stem).strip("._") or "study"
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names


def _fingerprint(path: Path, options: dict) -> str:
    files = [path] if path.is_file() else sorted(f for f in path.iterdir() if f.is_file())
    text = json.dumps([[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in files] + [options])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def analyze_one(path: str, out_dir: str, options: dict, fingerprint: str) -> dict:
    """Run on a worker: analyse one study, write its folder, return its summary row."""
    import planner

    result = planner.analyze(path, **options)
    planner.write_results(result, out_dir)
    row = summary_row(result.summary)
    write_atomic(
        Path(out_dir) / DONE, lambda p: p.write_text(json.dumps({"fingerprint": fingerprint, "row": row}), "utf-8")
    )
    return row


def summary_row(summary: dict) -> dict:
    """One study's headline figures, flat: for the merged ``summary.csv``."""
    d = summary["district"]
    row: dict[str, Any] = {
        "study": summary["study"],
        "communities": d["communities"],
        "residents": d["residents"],
        "cells": d["cells"],
    }
    for key, c in summary["coverage"].items():
        row[f"share_covered_{key}"] = c["share_covered"]
        row[f"residents_covered_{key}"] = c["residents_covered"]
    for rid, r in summary["rules"].items():
        row[f"share_passing_{rid}"] = r["share_passing"]
    row["validation_records"] = summary["validation"]["records"]
    return row


def analyze_many(
    source: str | Path | list[str | Path], out: str | Path, *, client: Any, options: dict | None = None,
    show_progress: bool = True,
) -> pd.DataFrame:  # fmt: skip
    """Analyse every study of ``source`` on ``client``; write ``OUT/<study>/`` and ``OUT/summary.csv``.

    Raises
    ------
    PieceFailed
        When a study fails twice; the others are written first, and the summary is not.
    """
    from distributed import as_completed
    from tqdm import tqdm

    opts = dict(options or {})
    paths = study_paths(source)
    out = Path(out)
    rows: dict[int, dict] = {}
    futures = {}
    for i, (path, name) in enumerate(zip(paths, _folder_names(paths), strict=True)):
        folder = out / name
        fp = _fingerprint(path, opts)
        done = folder / DONE
        if done.exists() and json.loads(done.read_text("utf-8")).get("fingerprint") == fp:
            rows[i] = json.loads(done.read_text("utf-8"))["row"]
            continue
        fut = client.submit(analyze_one, str(path), str(folder), opts, fp, retries=1, pure=False)
        futures[fut.key] = (fut, i, path)
    failed = []
    bar = tqdm(total=len(paths), initial=len(rows), desc="studies", disable=not show_progress, file=sys.stderr)
    for fut in as_completed([f for f, _, _ in futures.values()]):
        _, i, path = futures[fut.key]
        if fut.status != "finished":
            failed.append(f"{path}: {fut.exception()!r}")
        else:
            rows[i] = fut.result()
        bar.update(1)
    bar.close()
    if failed:
        raise PieceFailed(f"{len(failed)} study(ies) failed twice; run again to redo only them: " + "; ".join(failed))
    table = pd.DataFrame([rows[i] for i in sorted(rows)])
    table.insert(1, "folder", _folder_names(paths))
    write_atomic(out / SUMMARY, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))
    return table

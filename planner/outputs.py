"""Write an analysis to a results folder, atomically.

Every file is written to a temporary name in the same folder and renamed into place, so a
crash never leaves a half-written file where a good one was. Inputs are never written.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.analysis import Analysis
from planner.errors import PlannerError


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target``, renamed onto it when the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)  # some writers (GDAL) refuse to overwrite an existing empty file
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_atomic(target: Path, writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return target


def for_file(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns converted to types every GIS and spreadsheet format stores (nullable → object)."""
    out = frame.copy(deep=False)  # copy-on-write: setting a column never touches ``frame``
    for col in out.columns:
        if col == "geometry":
            continue
        dtype = out[col].dtype
        if isinstance(dtype, pd.BooleanDtype | pd.StringDtype) or pd.api.types.is_object_dtype(dtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str) -> None:
    """Write one GeoPackage layer through Arrow (2-3x faster), the file as the feature-by-feature
    writer makes it: columns of Python objects (flags with missing values, text) become text.
    Feature by feature when Arrow cannot write a column."""
    import pyarrow

    frame = frame.copy(deep=False)  # copy-on-write: the caller's frame is left as it is
    for col in frame.columns:
        values = frame[col]
        if col == frame.geometry.name or not pd.api.types.is_object_dtype(values.dtype):
            continue
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            # as the feature-by-feature writer stores them: text, whatever the value (True → "True")
            frame[col] = values.map(lambda v: None if pd.isna(v) else str(v)).astype(object)
        elif values.isna().any():
            frame[col] = values.where(values.notna(), None)
    try:
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=True)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError, pyarrow.ArrowNotImplementedError):
        path.unlink(missing_ok=True)
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def json_ready(value: object) -> object:
    """Recursively convert numpy scalars and NaN to JSON values (NaN → null)."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def check_out_dir(out_dir: str | Path, names: Iterable[str], study: object | None = None) -> Path:
    """The output folder, after refusing a file as folder and any target that is one of ``study``'s inputs.

    Raises
    ------
    PlannerError
        ``out_dir`` exists and is not a folder, or ``out_dir / name`` is an input file of the study.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PlannerError(f"output path {out} exists and is not a folder; choose another --out")
    sources = getattr(study, "sources", ()) if study is not None else ()
    inputs = {Path(src.file).resolve() for src in sources}
    for name in names:
        if (out / name).resolve() in inputs:
            raise PlannerError(f"refusing to overwrite the input file {out / name}; choose another --out folder")
    return out


def write_results(result: Analysis, out_dir: str | Path) -> dict[str, Path]:
    """Write cells.gpkg, communities.gpkg/.csv, facilities.gpkg/.csv, compliance.csv,
    summary.json and validation.csv into ``out_dir``.

    CSV files are UTF-8 with a byte-order mark so that Excel shows Chinese correctly.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise PlannerError(f"output path {out} exists and is not a folder; choose another --out")
    inputs = {Path(s.file).resolve() for s in result.study.sources}
    written: dict[str, Path] = {}

    def target(name: str) -> Path:
        path = out / name
        if path.resolve() in inputs:
            raise PlannerError(f"refusing to overwrite the input file {path}; choose another --out folder")
        return path

    jobs: list[tuple[str, Callable[[], Path]]] = []

    def gpkg(frame: gpd.GeoDataFrame, name: str, layer: str) -> None:
        path = target(name)
        jobs.append((name, lambda: write_atomic(path, lambda p: write_gpkg(for_file(frame), p, layer))))

    def csv(frame: pd.DataFrame, name: str) -> None:
        path = target(name)

        def write() -> Path:
            data = for_file(frame.drop(columns="geometry", errors="ignore"))
            return write_atomic(path, lambda p: data.to_csv(p, index=False, encoding="utf-8-sig"))

        jobs.append((name, write))

    gpkg(result.cells, "cells.gpkg", "cells")
    gpkg(result.communities, "communities.gpkg", "communities")
    csv(result.communities, "communities.csv")
    gpkg(result.facilities, "facilities.gpkg", "facilities")
    csv(result.facilities, "facilities.csv")
    csv(result.checks, "compliance.csv")
    csv(result.validation, "validation.csv")
    if result.sub_districts is not None:
        csv(result.sub_districts, "sub_districts.csv")
    # GDAL and the CSV writer release the GIL for most of their work: write the files side by side
    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1, 4)) as pool:
        futures = [(name, pool.submit(job)) for name, job in jobs]
        for name, future in futures:
            written[name] = future.result()
    text = json.dumps(json_ready(result.summary), ensure_ascii=False, indent=2)
    written["summary.json"] = write_atomic(target("summary.json"), lambda p: p.write_text(text, encoding="utf-8"))
    return written

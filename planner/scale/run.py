"""Run a partitioned analysis on a Dask cluster and merge it into the whole run's outputs.

The driver (this process) reads the study, makes the cells, cuts the pieces with their halos
and submits one task per piece to a ``dask.distributed`` cluster: a local one (processes,
one thread each, a memory limit per worker) unless a scheduler address is given. Each task is
retried once; a piece that fails twice is named in the error, and nothing is merged then, so
a piece is never silently missing from the totals. Each finished piece is stored at once
under ``OUT/.pieces/<piece>/pass<k>.pkl`` (written atomically, with a fingerprint of its
inputs), so a restart after a crash redoes only the pieces that had not finished.

Passes: the first uses the halo of the largest radius plus the snapping distance; cells not
final there (a distance beyond the halo, or none) go to a second pass with a halo four times
wider, and what is still open to a last pass over the whole study.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.analysis import Analysis, Options, demand_points
from planner.errors import PlannerError
from planner.ingest.study import Study, load_study
from planner.outputs import write_atomic, write_results
from planner.reach import cells as cells_mod
from planner.reach.network import build_network
from planner.scale import halo, merge, partition

log = logging.getLogger(__name__)

#: a safety net: the passes end long before (each widening at least doubles the margin)
MAX_PASSES = 64
PIECES_DIR = ".pieces"


class PieceFailed(PlannerError):
    """One or more pieces failed on the cluster, after their retry."""


@dataclass
class RunInfo:
    """What a partitioned run did: pieces computed and reused per pass, the dashboard link."""

    computed: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    cells_per_pass: list[int] = field(default_factory=list)
    dashboard: str | None = None


@contextmanager
def client_for(scheduler: str | None = None, *, n_workers: int = 2, memory_limit: str = "auto"):
    """A ``distributed.Client``: on a new local cluster (``None`` or ``"local"``) or at ``scheduler``.

    The local cluster runs ``n_workers`` processes of one thread each, each limited to
    ``memory_limit`` (Dask's spelling: ``"2GiB"``, ``"auto"`` = the machine's memory shared
    out); it is closed on exit. A remote scheduler is only disconnected from.
    """
    from distributed import Client, LocalCluster

    if scheduler in (None, "", "local"):
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                memory_limit=memory_limit,
                dashboard_address=":0",
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
    else:
        with Client(scheduler) as client:
            yield client


def analyze_partitioned(
    study: Study | str | Path | None,
    column: str | None,
    out: str | Path,
    *,
    client: Any = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    memory_limit: str = "auto",
    mode: str = "walk",
    cell_size_m: float = 100.0,
    cell_shape: str = "square",
    max_snap_m: float = 300.0,
    generated: dt.datetime | None = None,
    show_progress: bool = True,
    task: Callable[[partition.Job], pd.DataFrame] = partition.compute_piece,
    write: bool = True,
    info: RunInfo | None = None,
) -> Analysis:
    """Analyse a study piece by piece on Dask; the result equals :func:`planner.analyze`'s.

    Parameters
    ----------
    study
        A Study, a path, or None for the sample district.
    column
        The communities' column to cut by (``sub_district``, ``district``...); None: one piece.
    out
        The output folder; the finished pieces are kept in ``out/.pieces/``.
    client
        A ``distributed.Client`` to use; else one is made from ``scheduler``
        (:func:`client_for`).
    task
        The function a worker runs per piece (default :func:`partition.compute_piece`).
    write
        Write the results into ``out`` (:func:`planner.outputs.write_results`).
    info
        Filled with what was computed and reused.

    Raises
    ------
    PieceFailed
        When a piece fails twice: its name and error are in the message.
    """
    options = Options(mode=mode, cell_size_m=cell_size_m, cell_shape=cell_shape, max_snap_m=max_snap_m)
    if not isinstance(study, Study):
        study = load_study(study)
    if options.mode == "walk" and study.streets is None:
        raise PlannerError("walking distances need streets: add a 'streets' layer, or use --mode euclidean")
    cells = study.cells
    if cells is None:
        cells = cells_mod.make_cells(study.communities, size_m=cell_size_m, shape=cell_shape, buildings=study.buildings)
    pieces = partition.split(study.communities, cells, column)
    info = info if info is not None else RunInfo()
    if client is None:
        with client_for(scheduler, n_workers=n_workers, memory_limit=memory_limit) as own:
            return analyze_partitioned(
                study, column, out, client=own, mode=mode, cell_size_m=cell_size_m, cell_shape=cell_shape,
                max_snap_m=max_snap_m, generated=generated, show_progress=show_progress, task=task, write=write,
                info=info,
            )  # fmt: skip
    info.dashboard = getattr(client, "dashboard_link", None)
    if show_progress:
        print(f"planner: {len(pieces)} piece(s) by {column!r}; Dask dashboard: {info.dashboard}", file=sys.stderr)
    merged, whole = _run_passes(study, options, cells, pieces, Path(out), client, task, show_progress, info)
    result = merge.merged_analysis(study, options, cells, merged, whole, generated=generated)
    if write:
        write_results(result, out)
    return result


def _run_passes(study, options, cells, pieces, out, client, task, show_progress, info):
    """Every pass until each (cell, type) is final; returns the merged per-cell table and the index."""
    book = study.rulebook
    types = list(book.types)
    demand = demand_points(cells)
    fac = study.facilities.reset_index(drop=True)
    network = build_network(study.streets) if options.mode == "walk" else None
    whole = halo.Whole.build(demand, fac, network, options.max_snap_m)
    table = merge.Table(len(cells), types)
    hopeless = whole.hopeless(types)
    first = partition.first_margin(book, options.max_snap_m)
    folders = {p.name: p.folder for p in pieces}
    # pass 1: each piece, every type, the first halo
    plan = [(p.name, first, p.positions, {key: np.ones(len(p.positions), dtype=bool) for key in types}) for p in pieces]
    for pass_no in range(1, MAX_PASSES + 1):
        jobs, wanted = {}, {}
        for part_of, (name, margin, positions, want) in _numbered(plan):
            keep = [key for key in types if want[key].any()]
            job = partition.make_job(whole, name, pass_no, margin, positions, keep, book, options.max_snap_m, part_of)
            jobs[job.key], wanted[job.key] = job, want
        info.cells_per_pass.append(len(np.unique(np.concatenate([j.positions for j in jobs.values()]))))
        futures, fingerprints = _submit(client, jobs, folders, out, task, info)
        results = _gather(client, futures, fingerprints, jobs, folders, out, show_progress, pass_no)
        plan = []
        for key, frame in results.items():
            job = jobs[key]
            widened = table.take(frame, job, wanted[key], hopeless, first, whole)
            plan += [(job.piece, margin, pos, want) for margin, (pos, want) in sorted(widened.items())]
        if not plan:
            return table.frame(), whole
    raise PlannerError(f"the partitioned run did not settle every cell in {MAX_PASSES} passes; report this as a bug")


def _numbered(plan):
    """The plan's entries with their number among their piece's entries (0, 1, ...)."""
    seen: dict[str, int] = {}
    for entry in plan:
        n = seen.get(entry[0], 0)
        seen[entry[0]] = n + 1
        yield n, entry


def _store_path(out: Path, folder: str, job: partition.Job) -> Path:
    return out / PIECES_DIR / folder / f"pass{job.pass_no}-{job.part}.pkl"


def _load_stored(path: Path, fingerprint: str) -> pd.DataFrame | None:
    if not path.exists():
        return None
    try:
        payload = pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        log.warning("ignoring the unreadable stored piece %s", path)
        return None
    if payload.get("fingerprint") != fingerprint:
        log.info("the inputs of %s changed: computing it again", path)
        return None
    return payload["frame"]


def _submit(client, jobs, folders, out, task, info) -> tuple[dict[str, Any], dict[str, str]]:
    """Submit the jobs not stored from an earlier run (stored ones come back as frames); their fingerprints."""
    futures: dict[str, Any] = {}
    fingerprints: dict[str, str] = {}
    for name, job in jobs.items():
        fp = fingerprints[name] = job.fingerprint()
        stored = _load_stored(_store_path(out, folders[job.piece], job), fp)
        if stored is not None:
            futures[name] = stored
            info.reused.append(name)
        else:
            futures[name] = client.submit(task, job, retries=1, pure=False, key=f"planner-piece-{fp}-{job.pass_no}")
            info.computed.append(name)
    return futures, fingerprints


def _gather(client, futures, fingerprints, jobs, folders, out, show_progress, pass_no) -> dict[str, pd.DataFrame]:
    """Wait for the pass's pieces, storing each as it finishes; name every piece that failed."""
    from distributed import as_completed
    from tqdm import tqdm

    results = {name: f for name, f in futures.items() if isinstance(f, pd.DataFrame)}
    live = {f.key: name for name, f in futures.items() if not isinstance(f, pd.DataFrame)}
    failed: list[str] = []
    bar = tqdm(total=len(futures), initial=len(results), desc=f"pieces, pass {pass_no}", disable=not show_progress,
               file=sys.stderr, leave=False)  # fmt: skip
    for fut in as_completed([futures[n] for n in live.values()]):
        name = live[fut.key]
        if fut.status != "finished":
            failed.append(f"{name}: {fut.exception()!r}")
        else:
            frame = fut.result()
            job = jobs[name]
            payload = pickle.dumps({"fingerprint": fingerprints[name], "frame": frame})
            _write_bytes(_store_path(out, folders[job.piece], job), payload)
            results[name] = frame
        bar.update(1)
    bar.close()
    if failed:
        raise PieceFailed(
            f"{len(failed)} piece(s) failed twice (pass {pass_no}); nothing was merged, so no total leaves them "
            f"out. Fix the cause and run the same command again: finished pieces are kept in {out / PIECES_DIR} "
            "and not redone. Failed: " + "; ".join(failed)
        )
    return results


def _write_bytes(path: Path, data: bytes) -> None:
    write_atomic(path, lambda p: p.write_bytes(data))

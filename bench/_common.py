"""Shared helpers of the benchmark scripts (not part of planner).

- :func:`measure`: wall and CPU time and peak resident memory of one call, in this process;
- :func:`synthetic_streets` and :func:`synthetic_study`: a reproducible synthetic city in
  EPSG:32648 (UTM 48N, the zone of Chengdu);
- :func:`nx_graph`: the networkx reference graph with the same nodes and edges as a planner
  :class:`~planner.reach.network.Network`;
- :class:`Table`: the result table, as aligned text or as markdown;
- :func:`machine`: the machine and package versions printed with every result.

Peak memory is the resident set size (RSS) high-water mark above the RSS at the start of the
call. On Linux the kernel's high-water mark (``VmHWM``) is reset before each call by writing
``5`` to ``/proc/self/clear_refs``; elsewhere a thread samples the RSS every 2 ms with
psutil, which can miss short spikes.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import importlib.metadata
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

import planner
from planner.ingest.study import Study, locate_in_communities
from planner.rules.model import Rulebook

#: the CRS of the synthetic city: WGS 84 / UTM zone 48N (Chengdu)
CRS = "EPSG:32648"
#: south-west corner of the synthetic city, metres in EPSG:32648 (south-west of central Chengdu)
ORIGIN = (395_000.0, 3_385_000.0)
#: share of facilities per type in the synthetic data (types of other rulebooks get weight 0.1)
TYPE_WEIGHTS = {
    "community_service": 0.25,
    "elderly_day_care": 0.175,
    "health_station": 0.175,
    "kindergarten": 0.15,
    "cultural_station": 0.10,
    "primary_school": 0.10,
    "junior_school": 0.05,
}
REPO = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Progress on stderr, so that stdout holds only the result tables."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- timing and memory -------------------------------------------------------------------


@dataclass
class Measure:
    """One measured call: fastest wall and CPU time, largest peak RSS above the start, result.

    ``cpu_seconds`` is the process's CPU time (all threads). Everything compared here runs on
    one thread, so on an idle machine it equals the wall time; on a shared machine it is the
    figure that other processes disturb least, and the ratios are computed from it.
    """

    seconds: float
    cpu_seconds: float
    peak_mb: float
    retained_mb: float
    result: Any = field(repr=False)
    runs: int = 1

    def merge(self, other: Measure) -> Measure:
        """Best time and worst peak of two runs of the same call (keeps the newer result)."""
        return Measure(
            min(self.seconds, other.seconds),
            min(self.cpu_seconds, other.cpu_seconds),
            max(self.peak_mb, other.peak_mb),
            other.retained_mb,
            other.result,
            self.runs + other.runs,
        )


def _status_kb(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return _status_kb("VmHWM") is not None
    except OSError:
        return False


def _rss_bytes() -> int:
    kb = _status_kb("VmRSS")
    if kb is not None:
        return kb * 1024
    import psutil

    return int(psutil.Process().memory_info().rss)


def _trim() -> None:
    """Return freed memory to the OS so that the next call starts from a clean baseline."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Sampler(threading.Thread):
    """Fallback when the kernel's high-water mark cannot be reset: poll the RSS."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _rss_bytes()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.002):
            self.peak = max(self.peak, _rss_bytes())

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return max(self.peak, _rss_bytes())


def measure(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Measure:
    """Run ``fn`` once: wall and CPU time, peak RSS above the starting RSS, RSS retained afterwards."""
    _trim()
    base = _rss_bytes()
    exact = _reset_peak()
    sampler = None if exact else _Sampler()
    if sampler:
        sampler.start()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = sampler.stop() if sampler else (_status_kb("VmHWM") or 0) * 1024
    _trim()
    retained = _rss_bytes() - base
    return Measure(seconds, cpu, max(peak - base, 0) / 2**20, retained / 2**20, result)


def repeat(fn: Callable[..., Any], times: int, *args: Any, **kwargs: Any) -> Measure:
    """Best times and worst peak memory over ``times`` runs (the result of the last run)."""
    best: Measure | None = None
    for _ in range(max(times, 1)):
        if best is not None:
            best.result = None  # free the previous result before the next run
        m = measure(fn, *args, **kwargs)
        best = m if best is None else best.merge(m)
    assert best is not None
    return best


def sequence_peak_mb(steps: Sequence[Measure]) -> float:
    """Peak RSS of steps run one after the other, each keeping what it retained."""
    held, peak = 0.0, 0.0
    for m in steps:
        peak = max(peak, held + m.peak_mb)
        held += max(m.retained_mb, 0.0)
    return peak


# --- synthetic city ----------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """Dimensions of a synthetic city."""

    grid_side: int  # street nodes per side of the jittered grid
    n_cells: int
    n_facilities: int
    communities_side: int  # communities per side (square communities)
    spacing_m: float = 40.0


SIZES = {
    "small": Size(grid_side=120, n_cells=5_000, n_facilities=200, communities_side=5),
    "full": Size(grid_side=505, n_cells=100_000, n_facilities=2_000, communities_side=25),
}


def _grid_nodes(side: int, spacing_m: float, rng: np.random.Generator) -> np.ndarray:
    i, j = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    jitter = rng.uniform(-0.2, 0.2, size=(2, side, side)) * spacing_m
    x = ORIGIN[0] + i * spacing_m + jitter[0]
    y = ORIGIN[1] + j * spacing_m + jitter[1]
    return np.column_stack([x.ravel(), y.ravel()])


def synthetic_streets(
    side: int, *, spacing_m: float = 40.0, removed_share: float = 0.08, diagonal_share: float = 0.05, seed: int = 0
) -> gpd.GeoDataFrame:
    """A jittered ``side`` × ``side`` street grid as two-point line segments in EPSG:32648.

    Nodes are ``spacing_m`` apart, moved by up to 20 % of the spacing in x and y. A share
    ``removed_share`` of the grid edges is removed at random (dead ends, superblocks) and a
    share ``diagonal_share`` of the blocks gets one diagonal shortcut. Columns: ``street_id``,
    ``highway`` (``"residential"``) and the geometry.
    """
    rng = np.random.default_rng(seed)
    xy = _grid_nodes(side, spacing_m, rng)
    idx = np.arange(side * side).reshape(side, side)
    grid_edges = np.vstack(
        [
            np.column_stack([idx[:-1, :].ravel(), idx[1:, :].ravel()]),
            np.column_stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()]),
        ]
    )
    grid_edges = grid_edges[rng.random(len(grid_edges)) >= removed_share]
    corner = idx[:-1, :-1].ravel()
    corner = corner[rng.random(len(corner)) < diagonal_share]
    rising = rng.random(len(corner)) < 0.5  # south-west to north-east, or south-east to north-west
    diagonals = np.where(
        rising[:, None],
        np.column_stack([corner, corner + side + 1]),
        np.column_stack([corner + side, corner + 1]),
    )
    edges = np.vstack([grid_edges, diagonals])
    lines = shapely.linestrings(np.stack([xy[edges[:, 0]], xy[edges[:, 1]]], axis=1))
    n = len(lines)
    return gpd.GeoDataFrame(
        {"street_id": np.char.add("s", np.arange(n).astype(str)), "highway": np.full(n, "residential")},
        geometry=lines,
        crs=CRS,
    )


def type_counts(n: int, rulebook: Rulebook) -> dict[str, int]:
    """Facilities per type: ``n`` split by :data:`TYPE_WEIGHTS` (largest remainder)."""
    keys = list(rulebook.types)
    w = np.array([TYPE_WEIGHTS.get(k, 0.1) for k in keys])
    exact = n * w / w.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: n - counts.sum()]] += 1
    return dict(zip(keys, counts.tolist(), strict=True))


def assign_types(n: int, rulebook: Rulebook, rng: np.random.Generator) -> np.ndarray:
    """A shuffled array of ``n`` facility type keys with the counts of :func:`type_counts`."""
    types = np.concatenate([np.full(c, k, dtype=object) for k, c in type_counts(n, rulebook).items()])
    return rng.permutation(types)


def _factor_pair(n: int) -> tuple[int, int]:
    """(columns, rows) with columns × rows = n and rows the largest divisor <= sqrt(n)."""
    rows = max(d for d in range(1, int(np.sqrt(n)) + 1) if n % d == 0)
    return n // rows, rows


def synthetic_study(size: Size, *, rulebook: Rulebook | None = None, seed: int = 0) -> Study:
    """A synthetic district built directly as a :class:`planner.ingest.study.Study` in EPSG:32648.

    Streets from :func:`synthetic_streets`; ``communities_side``² square communities tiling
    the street grid's extent, grouped 5 × 5 into sub-districts (街道); ``n_cells`` rectangular
    cells over the same extent with a Poisson(60) population each; ``n_facilities`` facilities
    over the rulebook's types, placed up to 30 m from a random street node, with floor areas
    between 0.6 and 1.6 times the type's minimum (so some fail the area rule).
    """
    book = rulebook or planner.load_rulebook()
    rng = np.random.default_rng(seed + 1)
    streets = synthetic_streets(size.grid_side, spacing_m=size.spacing_m, seed=seed)
    extent = (size.grid_side - 1) * size.spacing_m
    x0, y0 = ORIGIN

    # cells
    ncol, nrow = _factor_pair(size.n_cells)
    cw, ch = extent / ncol, extent / nrow
    ci, cj = np.meshgrid(np.arange(ncol), np.arange(nrow), indexing="ij")
    cx, cy = x0 + ci.ravel() * cw, y0 + cj.ravel() * ch
    cell_geom = shapely.box(cx, cy, cx + cw, cy + ch)
    cell_pop = rng.poisson(60, size=len(cell_geom))

    # communities
    k = size.communities_side
    side = extent / k
    qi, qj = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
    qx, qy = x0 + qi.ravel() * side, y0 + qj.ravel() * side
    comm_ids = np.array([f"C{i:04d}" for i in range(k * k)])
    centre = shapely.centroid(cell_geom)
    col = np.clip(((shapely.get_x(centre) - x0) // side).astype(int), 0, k - 1)
    row = np.clip(((shapely.get_y(centre) - y0) // side).astype(int), 0, k - 1)
    cell_comm = comm_ids[col * k + row]
    population = pd.Series(cell_pop).groupby(cell_comm).sum().reindex(comm_ids).to_numpy()
    households = np.round(population / 2.7).astype(int)
    communities = gpd.GeoDataFrame(
        {
            "community_id": comm_ids,
            "name": [f"社区{i:04d}" for i in range(k * k)],
            "sub_district": [f"街道{(i // 5):02d}{(j // 5):02d}" for i, j in zip(qi.ravel(), qj.ravel(), strict=True)],
            "population": population.astype(float),
            "households": households.astype(float),
            "staff": rng.integers(5, 14, size=k * k).astype(float),
            "grid_count": np.maximum(1, np.round(households / rng.uniform(250, 550, size=k * k))).astype(float),
        },
        geometry=shapely.box(qx, qy, qx + side, qy + side),
        crs=CRS,
    )
    cells = gpd.GeoDataFrame(
        {
            "cell_id": np.char.add("cell-", np.arange(len(cell_geom)).astype(str)),
            "community_id": pd.array(cell_comm, dtype="string"),
            "population": cell_pop.astype(float),
        },
        geometry=cell_geom,
        crs=CRS,
    )

    # facilities near random street nodes
    node_xy = shapely.get_coordinates(streets.geometry.values)
    node_xy = np.unique(node_xy, axis=0)
    pick = rng.choice(len(node_xy), size.n_facilities, replace=False)
    angle = rng.uniform(0, 2 * np.pi, size.n_facilities)
    radius = rng.uniform(0, 30, size.n_facilities)
    fxy = node_xy[pick] + np.column_stack([np.cos(angle), np.sin(angle)]) * radius[:, None]
    ftype = assign_types(size.n_facilities, book, rng)
    min_area = np.array(
        [book.types[t].min_floor_area_m2.value if book.types[t].min_floor_area_m2 else 3000.0 for t in ftype]
    )
    facilities = gpd.GeoDataFrame(
        {
            "facility_id": np.char.add("F", np.arange(size.n_facilities).astype(str)),
            "name": [f"设施{i}" for i in range(size.n_facilities)],
            "type": ftype.astype(str),
            "type_raw": ftype.astype(str),
            "floor_area_m2": np.round(min_area * rng.uniform(0.6, 1.6, size.n_facilities)),
        },
        geometry=shapely.points(fxy),
        crs=CRS,
    )
    facilities["community_id"] = locate_in_communities(facilities, communities)
    return Study(
        name="synthetic",
        crs=pyproj.CRS(CRS),
        rulebook=book,
        communities=communities,
        facilities=facilities,
        cells=cells,
        streets=streets,
    )


# --- networkx reference --------------------------------------------------------------------


def nx_graph(net: planner.reach.network.Network) -> Any:
    """An undirected networkx graph with exactly the nodes and edges of a planner network.

    Node ``i`` is planner's node ``i``; each planner segment is one edge with its ``length``
    in metres (planner has already kept the shortest of parallel segments).

    Nodes and edges are inserted in coordinate order (x, then y), not in planner's internal
    numbering: networkx's speed depends on insertion order (its dicts keep it), and planner
    numbers nodes along a Z-order curve for memory locality. Inserting in planner's order
    made networkx 1.5x faster on the synthetic city, a gain no analyst's graph would have.
    """
    import networkx as nx

    order = np.lexsort((net.xy[:, 1], net.xy[:, 0]))
    rank = np.empty(net.n_nodes, dtype=np.int64)
    rank[order] = np.arange(net.n_nodes)
    seg = np.lexsort((rank[net.seg_v], rank[net.seg_u]))
    g = nx.Graph()
    g.add_nodes_from(order.tolist())
    g.add_weighted_edges_from(
        zip(net.seg_u[seg].tolist(), net.seg_v[seg].tolist(), net.seg_len[seg].tolist(), strict=True),
        weight="length",
    )
    return g


def lengths_to_array(lengths: dict[int, float], n_nodes: int) -> np.ndarray:
    """A networkx ``{node: distance}`` dict as a dense array (inf where absent)."""
    out = np.full(n_nodes, np.inf)
    if lengths:
        keys = np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))
        out[keys] = np.fromiter(lengths.values(), dtype=float, count=len(lengths))
    return out


# --- output --------------------------------------------------------------------------------


@dataclass
class Table:
    """Rows of results, rendered as aligned text or markdown."""

    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([_fmt(c) for c in cells])

    def render(self, *, markdown: bool) -> str:
        if markdown:
            lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |"]
            lines.append("|" + "|".join("---" if i == 0 else "--:" for i in range(len(self.columns))) + "|")
            lines += ["| " + " | ".join(r) + " |" for r in self.rows]
            lines += [""] + [f"- {n}" for n in self.notes]
            return "\n".join(lines) + "\n"
        widths = [max(len(c), *(len(r[i]) for r in self.rows)) for i, c in enumerate(self.columns)]
        fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
        lines = [self.title, "=" * len(self.title), fmt.format(*self.columns), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*r) for r in self.rows]
        lines += [f"* {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return "n/a"
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.1e}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def machine() -> dict[str, str]:
    """The machine, Python and package versions, and the planner commit."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem = ""
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except ImportError:
        kb = None
        try:
            with open("/proc/meminfo") as f:
                kb = int(f.readline().split()[1])
        except OSError:
            pass
        mem = f"{kb / 2**20:.1f} GiB" if kb else "?"
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    versions = []
    for pkg in ("numpy", "scipy", "shapely", "geopandas", "pandas", "pyogrio", "networkx", "osmnx", "psutil"):
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{pkg} (absent)")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{nproc} cores (nproc), {cpu}, {mem} RAM, {platform.system()} {platform.release()}",
        "python": f"Python {platform.python_version()}",
        "packages": ", ".join(versions),
        "planner": f"{planner.__version__} (git {commit})",
        "load": f"1-min load average {os.getloadavg()[0]:.2f} at start (the CPUs may be shared; times are best of N)",
        "memory": "peak RSS above the step's start ("
        + ("VmHWM reset via /proc/self/clear_refs" if _reset_peak() else "psutil sampling every 2 ms")
        + ")",
    }


def print_header(command: str, *, markdown: bool) -> None:
    info = machine()
    if markdown:
        print(f"`{command}`\n")
        for k, v in info.items():
            print(f"- **{k}**: {v}")
        print()
    else:
        print(f"command: {command}")
        for k, v in info.items():
            print(f"{k}: {v}")
        print()

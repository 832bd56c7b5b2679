"""Capacitated maximal covering (CMCLP): each facility serves at most what its floor area allows.

The model (the standard LP form of capacitated covering, cells assigned *fractionally*):

- facilities are the existing ones of the type (always open) and the candidates (``x_j`` binary,
  at most ``k`` open);
- a pair ``(f, i)`` exists when cell ``i`` lies within the radius of facility ``f``;
  ``z_fi ∈ [0, 1]`` is the share of cell ``i``'s residents that ``f`` serves;
- each cell is served at most once: ``Σ_f z_fi <= 1``;
- each facility serves at most its capacity in households: ``Σ_i h_i z_fi <= cap_f · x_f``
  with ``cap_f = floor_area_f / (m² per 100 households) × 100``; ``h_i`` is the cell's
  households, its community's households in proportion to the cell's residents;
- ``z_fi <= x_j`` for each candidate pair (redundant for integer ``x``; it tightens the LP);
- maximise the residents served, ``Σ p_i z_fi``.

A cell may thus be split between facilities within its radius, and partly unserved when
their capacity runs out; whole-cell assignment (``z`` binary) would make the value depend on
the cell size. ``before`` is the same LP with no new site open, and every answer is
re-scored by :func:`served`, a separate LP on the chosen sites only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

from planner.plan.siting._highs import solve_mip
from planner.plan.siting.model import SitingError, _merge_identical
from planner.plan.siting.solve import Solved


@dataclass(frozen=True)
class Pairs:
    """Facility-cell pairs within the radius: facility ``fac[p]`` can serve cell ``cell[p]``.

    Facilities ``0 .. n_existing - 1`` are the existing ones, then the candidates.
    """

    fac: np.ndarray
    cell: np.ndarray
    n_existing: int
    n_candidates: int


def per_100_households_m2(book, type: str):
    """The floor area per 100 households (a rulebook Number) that sizes a facility of ``type``.

    Read from the community rules of kind ``complex_floor_area`` that list the type.

    Raises
    ------
    SitingError
        No such rule covers the type.
    """
    for rule in book.rules.values():
        number = rule.numbers.get("per_100_households_m2")
        if rule.kind == "complex_floor_area" and type in rule.facility_types and number is not None:
            return number
    sized = sorted({t for r in book.rules.values() if r.kind == "complex_floor_area" for t in r.facility_types})
    raise SitingError(
        f"facility type {type!r} has no floor-area standard per 100 households in rulebook {book.id}, so its "
        f"capacity is unknown; capacity works for {', '.join(sized) or 'no type'}, or add {type!r} to the "
        f"facility_types of a complex_floor_area rule (per_100_households_m2) in a city rule file"
    )


def cell_households(result, weight: np.ndarray) -> np.ndarray:
    """Each cell's households: its community's households in proportion to the cells' residents."""
    cells, comm = result.cells, result.study.communities
    if "households" not in comm.columns:
        raise SitingError(
            "capacity needs the households of each community: add a households column to the communities layer"
        )
    hh = pd.to_numeric(comm["households"], errors="coerce")
    per = pd.Series(hh.to_numpy(), index=comm["community_id"].to_numpy())
    cid = cells["community_id"].to_numpy()
    pop = pd.Series(weight).groupby(cid).transform("sum").to_numpy()
    total = per.reindex(cid).to_numpy(dtype=float)
    missing = sorted({str(c) for c, h, w in zip(cid, total, weight, strict=True) if w > 0 and not np.isfinite(h)})
    if missing:
        raise SitingError(
            f"capacity needs the households of each community; communities {', '.join(missing[:5])} have none "
            f"(households column of the communities layer): fill them in"
        )
    return np.where(pop > 0, weight * np.nan_to_num(total) / np.where(pop > 0, pop, 1.0), 0.0)


def make_pairs(existing: sp.csr_array, reach: sp.csr_array, residents: np.ndarray) -> Pairs:
    """The pairs of ``existing`` (existing × cells) and ``reach`` (candidates × cells) with residents."""
    rows = []
    for m in (existing, reach):
        coo = sp.coo_array(m)
        rows.append((coo.row.astype(np.int64), coo.col.astype(np.int64)))
    fac = np.concatenate([rows[0][0], rows[1][0] + existing.shape[0]])
    cell = np.concatenate([rows[0][1], rows[1][1]])
    keep = residents[cell] > 0
    order = np.lexsort((cell[keep], fac[keep]))
    return Pairs(fac[keep][order], cell[keep][order], existing.shape[0], reach.shape[0])


#: significant digits of the residents-per-household ratio two cells must share to be merged
RATIO_DIGITS = 12


def merge_cells(pairs: Pairs, residents: np.ndarray, households: np.ndarray) -> tuple[Pairs, np.ndarray, np.ndarray]:
    """Cells within reach of exactly the same facilities, with the same residents per household, as one.

    Exact for the fractional model: a merged cell's share ``Z_f`` served by ``f`` stands for the
    household-weighted mean of its members' shares, ``Z_f = Σ_i h_i z_fi / H``; the cell row,
    the capacity rows and the links hold for ``Z`` when they hold for ``z`` (and conversely with
    ``z_fi = Z_f``), and since ``p_i = r h_i`` for the common ratio ``r`` the residents served,
    ``Σ_i p_i z_fi = r H Z_f = P Z_f``, are the same. Cells whose ratios differ (communities of
    different household sizes or group shares) are not merged: capacity would then favour the
    cells with more residents per household.

    Returns the pairs of the merged cells (cell = merged index), their residents and households.
    """
    cells, cell_row = np.unique(pairs.cell, return_inverse=True)
    n_fac = pairs.n_existing + pairs.n_candidates
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = residents[cells] / households[cells]
    finite = np.isfinite(ratio)
    key = np.where(finite, ratio, -1.0)  # no households: capacity never binds, a class of its own
    rounded = np.array([float(f"{v:.{RATIO_DIGITS}g}") for v in key]) if len(key) else key
    _, ratio_class = np.unique(rounded, return_inverse=True)
    # one row per cell: its facilities, then one extra column naming its ratio class
    order = np.lexsort((pairs.fac, cell_row))
    counts = np.bincount(cell_row, minlength=len(cells))
    indptr = np.zeros(len(cells) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(counts + 1)
    indices = np.empty(indptr[-1], dtype=np.int64)
    slot = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(indptr[:-1], counts)
    indices[slot] = pairs.fac[order]
    indices[indptr[1:] - 1] = n_fac + ratio_class.ravel()
    rows = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(len(cells), n_fac + len(cells)))
    group, reps = _merge_identical(rows)
    p = np.bincount(group, weights=residents[cells], minlength=len(reps))
    h = np.bincount(group, weights=households[cells], minlength=len(reps))
    first = np.zeros(len(cells), dtype=bool)
    first[reps] = True
    keep = first[cell_row]
    merged = Pairs(pairs.fac[keep], group[cell_row[keep]], pairs.n_existing, pairs.n_candidates)
    again = np.lexsort((merged.cell, merged.fac))
    return Pairs(merged.fac[again], merged.cell[again], merged.n_existing, merged.n_candidates), p, h


def served(
    pairs: Pairs, open_candidates: np.ndarray, residents: np.ndarray, households: np.ndarray, capacity: np.ndarray
) -> float:
    """Residents served by the existing facilities and ``open_candidates`` (the LP, solved on its own).

    ``capacity`` has one entry per facility (existing, then candidates), in households.
    """
    is_open = np.zeros(pairs.n_existing + pairs.n_candidates, dtype=bool)
    is_open[: pairs.n_existing] = True
    is_open[pairs.n_existing + np.asarray(open_candidates, dtype=np.int64)] = True
    use = is_open[pairs.fac]
    fac, cell = pairs.fac[use], pairs.cell[use]
    if len(fac) == 0:
        return 0.0
    cells, cell_row = np.unique(cell, return_inverse=True)
    facs, fac_row = np.unique(fac, return_inverse=True)
    n = len(fac)
    a = sp.vstack(
        [
            sp.csr_array((np.ones(n), (cell_row, np.arange(n))), shape=(len(cells), n)),
            sp.csr_array((households[cell], (fac_row, np.arange(n))), shape=(len(facs), n)),
        ],
        format="csr",
    )
    b = np.concatenate([np.ones(len(cells)), capacity[facs]])
    res = linprog(-residents[cell], A_ub=a, b_ub=b, bounds=(0, 1), method="highs")
    return float(-res.fun) if res.status == 0 else float("nan")


def capacitated_covering(
    pairs: Pairs,
    residents: np.ndarray,
    households: np.ndarray,
    capacity: np.ndarray,
    k: int,
    *,
    time_limit_s: float,
    merge: bool = True,
) -> Solved:
    """The ``k`` candidates serving the most residents under capacities, with HiGHS's proven bound.

    ``value`` and ``bound`` are residents served in total (existing facilities included);
    ``value`` is re-scored by :func:`served` on the cells as given. ``merge``: solve the model
    on merged cells (:func:`merge_cells`, exact); off only to check that it is.
    """
    t0 = time.perf_counter()
    original = pairs
    n_e, n_c = pairs.n_existing, pairs.n_candidates
    cand_pair = np.flatnonzero(pairs.fac >= n_e)
    useful = np.unique(pairs.fac[cand_pair] - n_e)  # candidates reaching a cell with residents
    stats: dict[str, object] = {"pairs": len(pairs.fac), "candidates_kept": len(useful)}
    k_eff = min(k, len(useful))
    if k_eff == len(useful):  # every useful candidate open: optimal by construction
        value = served(pairs, useful, residents, households, capacity)
        return Solved(useful, value, value, True, stats)
    original_residents, original_households = residents, households
    if merge:
        pairs, residents, households = merge_cells(pairs, residents, households)
        stats["merged_cells"], stats["merged_pairs"] = len(residents), len(pairs.fac)
    cells, cell_row = np.unique(pairs.cell, return_inverse=True)
    n_p, n_cells = len(pairs.fac), len(cells)
    col_of = np.full(n_c, -1, dtype=np.int64)
    col_of[useful] = np.arange(len(useful))
    n_x = len(useful)
    # variables: x (useful candidates), then z (pairs)
    z = n_x + np.arange(n_p)
    one_cell = sp.csr_array((np.ones(n_p), (cell_row, z)), shape=(n_cells, n_x + n_p))
    fac_ids = np.arange(n_e + n_c)
    is_cand = pairs.fac >= n_e
    cap_rows = sp.csr_array(
        (
            np.concatenate([households[pairs.cell], -capacity[n_e + useful]]),
            (np.concatenate([pairs.fac, n_e + useful]), np.concatenate([z, np.arange(n_x)])),
        ),
        shape=(n_e + n_c, n_x + n_p),
    )
    cap_rhs = np.where(fac_ids < n_e, capacity, 0.0)
    link = sp.csr_array(
        (
            np.concatenate([np.ones(is_cand.sum()), -np.ones(is_cand.sum())]),
            (
                np.tile(np.arange(is_cand.sum()), 2),
                np.concatenate([z[is_cand], col_of[pairs.fac[is_cand] - n_e]]),
            ),
        ),
        shape=(int(is_cand.sum()), n_x + n_p),
    )
    card = sp.csr_array((np.ones(n_x), (np.zeros(n_x, dtype=np.int64), np.arange(n_x))), shape=(1, n_x + n_p))
    rows = sp.vstack([one_cell, cap_rows, link, card], format="csr")
    upper = np.concatenate([np.ones(n_cells), cap_rhs, np.zeros(int(is_cand.sum())), [k_eff]])
    res = solve_mip(
        np.concatenate([np.zeros(n_x), residents[pairs.cell]]),
        rows,
        np.full(rows.shape[0], -np.inf),
        upper,
        np.zeros(n_x + n_p),
        np.ones(n_x + n_p),
        np.concatenate([np.ones(n_x, bool), np.zeros(n_p, bool)]),
        maximize=True,
        time_limit_s=max(time_limit_s - (time.perf_counter() - t0), 1.0),
    )
    stats["mip_status"] = res.status
    stats["seconds"] = time.perf_counter() - t0
    chosen = np.zeros(0, dtype=np.int64) if res.x is None else useful[np.flatnonzero(res.x[:n_x] > 0.5)]
    stats["mip_objective"] = float(res.objective)
    value = served(original, chosen, original_residents, original_households, capacity)
    bound = float(res.bound) if np.isfinite(res.bound) else float(residents[cells].sum())
    proven = res.proven or bound - value <= 1e-9 * max(bound, 1.0)
    return Solved(chosen, value, value if proven else max(bound, value), proven, stats)


def ranked(
    pairs: Pairs, chosen: np.ndarray, residents: np.ndarray, households: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Order the chosen sites greedily by the residents each adds (one LP per site and step
    while there are at most 12 sites, else by the residents each serves alone);
    (order, residents added, residents served before)."""
    before = served(pairs, np.zeros(0, dtype=np.int64), residents, households, capacity)
    left = list(range(len(chosen)))
    if len(chosen) > 12:
        alone = [served(pairs, chosen[[p]], residents, households, capacity) for p in left]
        left = [left[i] for i in np.argsort(-np.asarray(alone), kind="stable")]
    order: list[int] = []
    added: list[float] = []
    current = before
    while left:
        candidates = left if len(chosen) <= 12 else left[:1]
        values = [served(pairs, chosen[[*order, p]], residents, households, capacity) for p in candidates]
        best = int(np.argmax(values))
        order.append(left.pop(left.index(candidates[best])))
        added.append(values[best] - current)
        current = values[best]
    return np.asarray(order, dtype=np.int64), np.asarray(added, dtype=float), before

"""Maximal covering (MCLP) solved exactly: reduction, greedy + swaps, Lagrangian bound, fixing, HiGHS.

The path of a city-size instance (5,000 candidates × 50,000 cells at 500 m, k = 60):

1. :func:`~planner.plan.siting.model.reduce_cover` merges identical demand rows and drops
   dominated candidates;
2. greedy and best-improvement swaps (:mod:`._kernels`) give the incumbent;
3. subgradient optimisation of the Lagrangian dual (coverage rows relaxed) gives an upper
   bound that converges to the LP bound, each step one sparse product; when it does not
   prove the incumbent optimal, an iterated local search (seeded random kicks, then swaps)
   improves the incumbent within half the time limit and a second, warm-started pass
   tightens the bound (on 5,000 × 50,000: greedy + swaps 0.8 % below the LP bound, after
   the search 0.45 %);
4. Lagrangian *fixing*: a candidate whose best possible solution (the bound with it forced in
   or out) cannot beat the incumbent is fixed. With a gap of 0.05 % nearly every candidate is
   fixed, and the MILP left for HiGHS is small;
5. HiGHS solves the rest with a relative gap tolerance of 0 and a time limit.

The bound reported is the smaller of the Lagrangian bound and HiGHS's bound on the residual
problem (each valid on its own); the caller re-scores the chosen sites from the distances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from planner.plan.siting import _kernels
from planner.plan.siting._highs import solve_mip
from planner.plan.siting.model import Cover, reduce_cover

#: subgradient iterations of the Lagrangian bound (each one sparse product)
LAGRANGE_ITERATIONS = 1000
#: swap passes of the local search
SWAP_PASSES = 200
#: iterated local search: rounds of "reopen a tenth of the sites at random, then swap", and the
#: share of the time limit they may use. Measured on 5,000 × 50,000 (k = 60): greedy + swaps
#: reach 1,275,019, 40 rounds (8 s) 1,279,152, which halves the gap to the LP bound
ILS_ROUNDS = 200
ILS_SHARE = 0.5
#: seed of the iterated local search's random kicks (fixed: results are reproducible)
ILS_SEED = 1


@dataclass(frozen=True)
class Solved:
    """Chosen candidates (indices into the instance) and the proven upper bound of what they add."""

    chosen: np.ndarray
    value: float
    bound: float
    proven: bool
    stats: dict = field(default_factory=dict)


def covered_weight(cover: Cover, local: np.ndarray) -> float:
    """Weight of the groups covered by the kept candidates ``local``."""
    m = cover.matrix
    hit = np.zeros(m.shape[1], dtype=bool)
    for j in np.asarray(local, dtype=np.int64):
        hit[m.indices[m.indptr[j] : m.indptr[j + 1]]] = True
    return float(cover.weight[hit].sum())


def heuristic(cover: Cover, k: int, fixed: np.ndarray | None = None) -> np.ndarray:
    """Greedy then swaps on a reduced instance; local indices."""
    m, t = cover.matrix, cover.transposed
    k = min(k, m.shape[0])
    fixed = np.zeros(0, dtype=np.int64) if fixed is None else np.asarray(fixed, dtype=np.int64)
    start = _kernels.greedy(m.indptr, m.indices, t.indptr, t.indices, cover.weight, k, fixed)
    if len(fixed):
        return start
    tol = 1e-9 * max(float(cover.weight.sum()), 1.0)
    return _kernels.swap(m.indptr, m.indices, t.indptr, t.indices, cover.weight, start, SWAP_PASSES, tol)


def iterated_local_search(cover: Cover, local: np.ndarray, *, rounds: int, deadline: float) -> np.ndarray:
    """Kick the incumbent (reopen a tenth of its sites at random candidates), swap, keep if better.

    Stops after ``rounds`` or at ``deadline`` (a ``time.perf_counter()`` time), whichever is first.
    """
    m, t = cover.matrix, cover.transposed
    k, n = len(local), m.shape[0]
    if k == 0 or n <= k:
        return local
    rng = np.random.default_rng(ILS_SEED)
    tol = 1e-9 * max(float(cover.weight.sum()), 1.0)
    best, best_value = local, covered_weight(cover, local)
    kick = max(1, k // 10)
    for _ in range(rounds):
        if time.perf_counter() > deadline:
            break
        trial = best.copy()
        closed = np.setdiff1d(np.arange(n), trial)
        trial[rng.choice(k, kick, replace=False)] = rng.choice(closed, min(kick, len(closed)), replace=False)
        trial = _kernels.swap(m.indptr, m.indices, t.indptr, t.indices, cover.weight, trial, SWAP_PASSES, tol)
        value = covered_weight(cover, trial)
        if value > best_value + tol:
            best, best_value = trial, value
    return best


def lagrangian_bound(
    cover: Cover, k: int, incumbent: float, start: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """An upper bound on the weight ``k`` sites can cover, and the multipliers that give it.

    ``L(λ) = Σ_g max(0, w_g − λ_g) + (sum of the k largest positive Σ_{g∈j} λ_g)`` for any
    ``0 <= λ <= w``; minimised by subgradient steps (Polyak's rule towards the incumbent).
    """
    m, w = cover.matrix.astype(float), cover.weight
    lam = w.copy() if start is None else start.copy()
    best, best_lam = np.inf, lam
    theta, stall = 1.0, 0
    for _ in range(LAGRANGE_ITERATIONS):
        c = m @ lam
        top = _top(c, k)
        value = float(np.maximum(w - lam, 0).sum() + c[top].sum())
        if not np.isfinite(best) or value < best - 1e-12 * best:
            best, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2, 0
        if best - incumbent <= 1e-9 * best or theta < 1e-6:
            break
        sub = np.bincount(m.indices[_rows(m, top)], minlength=m.shape[1]) - (lam < w)
        norm = float(sub @ sub)
        if norm == 0:
            break
        lam = np.clip(lam - theta * (value - incumbent) / norm * sub, 0, w)
    return best, best_lam


def _top(c: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest positive entries."""
    k = min(k, len(c))
    top = np.argpartition(-c, k - 1)[:k] if k > 0 else np.zeros(0, dtype=np.int64)
    return top[c[top] > 0]


def _rows(m: sp.csr_array, rows: np.ndarray) -> np.ndarray:
    """Positions in ``m.indices`` of the entries of ``rows``."""
    starts, ends = m.indptr[rows], m.indptr[rows + 1]
    lens = ends - starts
    return np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())


def fix_by_bound(
    cover: Cover, k: int, lam: np.ndarray, incumbent: float, margin: float
) -> tuple[np.ndarray, np.ndarray]:
    """Candidates fixed open and closed: those whose forced bound cannot beat ``incumbent + margin``."""
    c = cover.matrix.astype(float) @ lam
    base = float(np.maximum(cover.weight - lam, 0).sum())
    order = np.argsort(-c, kind="stable")
    k = min(k, len(c))
    kth = max(float(c[order[k - 1]]), 0.0) if k > 0 else 0.0
    nxt = max(float(c[order[k]]), 0.0) if k < len(c) else 0.0
    in_top = np.zeros(len(c), dtype=bool)
    in_top[order[:k]] = True
    total = base + np.maximum(c[order[:k]], 0).sum()
    with_j = np.where(in_top, total, total - kth + np.maximum(c, 0))
    without_j = np.where(in_top, total - np.maximum(c, 0) + nxt, total)
    return np.flatnonzero(without_j < incumbent + margin), np.flatnonzero(with_j < incumbent + margin)


def maximal_covering(
    reach: sp.csr_array, weight: np.ndarray, active: np.ndarray, k: int, *, time_limit_s: float
) -> Solved:
    """The ``k`` candidates (rows of ``reach``) covering the most ``active`` weight, with a proven bound."""
    t0 = time.perf_counter()
    cover = reduce_cover(reach, weight, active)
    n_keep, n_groups = cover.matrix.shape
    stats: dict[str, object] = {
        "demand": int(np.count_nonzero(active)),
        "groups": int(n_groups),
        "candidates_kept": int(n_keep),
    }
    k_eff = min(k, n_keep)
    local = heuristic(cover, k_eff)
    lb = covered_weight(cover, local)
    stats["heuristic_seconds"] = time.perf_counter() - t0
    integral = bool(np.all(cover.weight == np.round(cover.weight)))
    tol = 1e-9 * max(float(cover.weight.sum()), 1.0)
    if k_eff == n_keep:  # every useful candidate open: optimal by construction
        return Solved(cover.candidates[local], lb, lb, True, stats)
    bound, lam = lagrangian_bound(cover, k_eff, lb)
    if (float(np.floor(bound + tol)) if integral else bound) - lb > tol:  # not yet proven: improve the incumbent
        local = iterated_local_search(cover, local, rounds=ILS_ROUNDS, deadline=t0 + ILS_SHARE * time_limit_s)
        lb = covered_weight(cover, local)
        stats["ils_seconds"] = time.perf_counter() - t0
        again, lam_again = lagrangian_bound(cover, k_eff, lb, lam)  # Polyak steps towards the better incumbent
        if again < bound:
            bound, lam = again, lam_again
    if integral:
        bound = float(np.floor(bound + tol))
    stats["lagrangian_bound"] = bound
    stats["bound_seconds"] = time.perf_counter() - t0
    if bound - lb <= tol:
        return Solved(cover.candidates[local], lb, lb, True, stats)
    margin = (1.0 - tol) if integral else -tol
    ones, zeros = fix_by_bound(cover, k_eff, lam, lb, margin)
    stats["fixed_open"], stats["fixed_closed"] = len(ones), len(zeros)
    free = np.setdiff1d(np.arange(n_keep), np.concatenate([ones, zeros]))
    best, best_value, mip_bound, proven = local, lb, bound, False
    if len(ones) <= k_eff:
        sub, sub_bound, proven, sub_local = _residual(cover, ones, free, k_eff, t0 + time_limit_s, local)
        if sub_local is not None:
            value = covered_weight(cover, sub_local)
            if value > best_value:
                best, best_value = sub_local, value
        mip_bound = sub_bound
        stats.update(sub)
    else:  # every solution is no better than the incumbent
        proven, mip_bound = True, lb
    bound = min(bound, max(mip_bound, best_value))
    if integral:
        bound = float(np.floor(bound + tol))
    proven = proven or bound - best_value <= tol
    if proven:
        bound = best_value
    stats["seconds"] = time.perf_counter() - t0
    return Solved(cover.candidates[best], best_value, bound, proven, stats)


def _residual(
    cover: Cover, ones: np.ndarray, free: np.ndarray, k: int, deadline: float, incumbent: np.ndarray | None = None
) -> tuple[dict, float, bool, np.ndarray | None]:
    """The MILP on the candidates left free, with the fixed-open ones' groups taken out.

    ``deadline`` is a ``time.perf_counter()`` time: HiGHS gets what is left of it when called.
    ``incumbent`` (local indices of ``cover``): the best solution so far; HiGHS starts from it
    (its sites left free, in the residual model) when it beats a fresh greedy + swaps there.
    """
    m = cover.matrix
    taken = np.zeros(m.shape[1], dtype=bool)
    taken[m.indices[_rows(m, ones)]] = True
    base = float(cover.weight[taken].sum())
    k_left = k - len(ones)
    sub = reduce_cover(m[free], cover.weight, ~taken)
    n_x, n_y = sub.matrix.shape
    stats: dict[str, object] = {"mip_candidates": int(n_x), "mip_groups": int(n_y)}
    if n_x == 0 or k_left == 0:
        return stats, base, True, ones
    if k_left >= n_x:
        chosen = np.concatenate([ones, free[sub.candidates]])
        return stats, covered_weight(cover, chosen), True, chosen
    # variables: x (candidates), then y (groups); rows: y_g - Σ x_j <= 0, then Σ x <= k_left
    t = sub.transposed
    cov_rows = sp.hstack([-t.astype(float), sp.eye_array(n_y, format="csr")], format="csr")
    card = sp.csr_array(np.concatenate([np.ones(n_x), np.zeros(n_y)])[None, :])
    rows = sp.vstack([cov_rows, card], format="csr")
    start_local = heuristic(sub, k_left)
    if incumbent is not None:
        row_of = {int(c): i for i, c in enumerate(free[sub.candidates])}
        mapped = np.array([row_of[int(j)] for j in incumbent if int(j) in row_of], dtype=np.int64)
        if len(mapped) <= k_left and covered_weight(sub, mapped) > covered_weight(sub, start_local):
            start_local = mapped
    stats["mip_start"] = covered_weight(sub, start_local)
    start = np.zeros(n_x + n_y)
    start[start_local] = 1
    start[n_x:] = (sub.matrix[start_local].sum(axis=0) > 0).astype(float)
    res = solve_mip(
        np.concatenate([np.zeros(n_x), sub.weight]),
        rows,
        np.full(n_y + 1, -np.inf),
        np.concatenate([np.zeros(n_y), [k_left]]),
        np.zeros(n_x + n_y),
        np.ones(n_x + n_y),
        np.concatenate([np.ones(n_x, bool), np.zeros(n_y, bool)]),
        maximize=True,
        time_limit_s=max(deadline - time.perf_counter(), 1.0),
        start=start,
    )
    stats["mip_status"] = res.status
    if res.x is None:
        return stats, base + res.bound, False, None
    picked = np.flatnonzero(res.x[:n_x] > 0.5)
    chosen = np.concatenate([ones, free[sub.candidates[picked]]])
    return stats, base + res.bound, res.proven, chosen

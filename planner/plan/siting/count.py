"""Set covering (LSCP) and its partial form: the fewest sites covering a target weight."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from planner.plan.siting import _kernels
from planner.plan.siting._highs import solve_mip
from planner.plan.siting.model import Cover, reduce_cover
from planner.plan.siting.solve import Solved


def set_covering(
    reach: sp.csr_array, weight: np.ndarray, active: np.ndarray, need: float, *, time_limit_s: float
) -> Solved:
    """The fewest candidates (rows of ``reach``) covering at least ``need`` of the ``active`` weight.

    ``need`` must not exceed the active weight that the candidates can reach (the caller checks).
    With ``need`` equal to all of it this is the classic set covering problem (every group
    covered); otherwise a partial covering with a weight constraint. The bound reported is a
    proven lower bound on the number of sites (rounded up).
    """
    t0 = time.perf_counter()
    cover = reduce_cover(reach, weight, active)
    n_x, n_y = cover.matrix.shape
    stats: dict[str, object] = {
        "demand": int(np.count_nonzero(active)),
        "groups": int(n_y),
        "candidates_kept": int(n_x),
    }
    if need <= 0 or n_x == 0:
        return Solved(np.zeros(0, dtype=np.int64), 0.0, 0.0, True, stats)
    total = float(cover.weight.sum())
    tol = 1e-9 * max(total, 1.0)
    full = need >= total - tol
    # greedy start: open the site adding most until the need is met
    order = heuristic_order(cover, need)
    t = cover.transposed.astype(float)
    if full:  # every group: Σ_{j covers g} x_j >= 1
        rows = t
        lower, upper = np.ones(n_y), np.full(n_y, np.inf)
        cost, lo, hi, integer = np.ones(n_x), np.zeros(n_x), np.ones(n_x), np.ones(n_x, bool)
        start = np.zeros(n_x)
        start[order] = 1
    else:  # y_g <= Σ x_j, Σ w_g y_g >= need
        rows = sp.vstack(
            [
                sp.hstack([-t, sp.eye_array(n_y, format="csr")], format="csr"),
                sp.csr_array(np.concatenate([np.zeros(n_x), cover.weight])[None, :]),
            ],
            format="csr",
        )
        lower = np.concatenate([np.full(n_y, -np.inf), [need - tol]])
        upper = np.concatenate([np.zeros(n_y), [np.inf]])
        cost = np.concatenate([np.ones(n_x), np.zeros(n_y)])
        lo, hi = np.zeros(n_x + n_y), np.ones(n_x + n_y)
        integer = np.concatenate([np.ones(n_x, bool), np.zeros(n_y, bool)])
        start = np.zeros(n_x + n_y)
        start[order] = 1
        start[n_x:] = (cover.matrix[order].sum(axis=0) > 0).astype(float)
    res = solve_mip(cost, rows, lower, upper, lo, hi, integer, maximize=False, time_limit_s=time_limit_s, start=start)
    stats["mip_status"] = res.status
    chosen = order if res.x is None else np.flatnonzero(res.x[:n_x] > 0.5)
    if len(order) < len(chosen):
        chosen = order
    bound = float(np.ceil(res.bound - 1e-6)) if np.isfinite(res.bound) else 0.0
    proven = res.proven or bound >= len(chosen)
    stats["seconds"] = time.perf_counter() - t0
    return Solved(cover.candidates[chosen], float(len(chosen)), float(len(chosen)) if proven else bound, proven, stats)


def heuristic_order(cover: Cover, need: float) -> np.ndarray:
    """Greedy sites, in order, until their coverage reaches ``need`` (local indices)."""
    m, t = cover.matrix, cover.transposed
    order = _kernels.greedy(m.indptr, m.indices, t.indptr, t.indices, cover.weight, m.shape[0], np.zeros(0, np.int64))
    gains = np.zeros(len(order))
    hit = np.zeros(m.shape[1], dtype=bool)
    for i, j in enumerate(order):
        g = m.indices[m.indptr[j] : m.indptr[j + 1]]
        gains[i] = cover.weight[g[~hit[g]]].sum()
        hit[g] = True
    reached = np.cumsum(gains)
    tol = 1e-9 * max(float(cover.weight.sum()), 1.0)
    n = int(np.searchsorted(reached, need - tol)) + 1
    return order[: min(n, len(order))]

"""p-median: the ``k`` sites minimising residents × distance to the nearest open facility.

Only pairs that can matter enter the model: a candidate ``j`` and a demand point ``i`` with
``d_ij`` shorter than ``i``'s distance to its nearest existing facility ``e_i`` (that facility
is always open, so a longer pair is never used). Each demand point is assigned to one open
candidate or to its existing facility (strong formulation, ``z_ij <= x_j``). A demand point no
existing facility reaches falls back, in the model, to a penalty larger than any distance;
the caller re-scores and reports residents left unreachable. Sized for districts of a few
hundred candidates; the assignment variables grow with candidates × cells.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from planner.plan.siting._highs import solve_mip
from planner.plan.siting.solve import Solved


def p_median(dist: sp.csr_array, weight: np.ndarray, existing: np.ndarray, k: int, *, time_limit_s: float) -> Solved:
    """Choose ``k`` rows of ``dist`` (candidates × demand, metres, stored entries only).

    ``existing``: each demand point's distance to its nearest existing facility (inf: none).
    The objective value and bound are in residents × metres of the model (penalties included).
    """
    t0 = time.perf_counter()
    coo = sp.coo_array(dist)
    j, i, d = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data.astype(float)
    useful = (d < existing[i]) & (weight[i] > 0)
    j, i, d = j[useful], i[useful], d[useful]
    n_c = dist.shape[0]
    demand = np.unique(np.concatenate([i, np.flatnonzero(np.isfinite(existing) & (weight > 0))]))
    pos = np.full(len(weight), -1, dtype=np.int64)
    pos[demand] = np.arange(len(demand))
    finite = d.max() if len(d) else 0.0
    if np.isfinite(existing).any():
        finite = max(finite, float(existing[np.isfinite(existing)].max()))
    penalty = 10.0 * finite + 1.0
    fallback = np.where(np.isfinite(existing[demand]), existing[demand], penalty)
    n_p, n_d = len(d), len(demand)
    stats: dict[str, object] = {"demand": int(n_d), "pairs": int(n_p)}
    # variables: x (n_c), z pairs (n_p), z0 fallbacks (n_d)
    n_var = n_c + n_p + n_d
    assign = sp.csr_array(
        (np.ones(n_p + n_d), (np.concatenate([pos[i], np.arange(n_d)]), n_c + np.arange(n_p + n_d))),
        shape=(n_d, n_var),
    )
    link = sp.csr_array(
        (
            np.concatenate([np.ones(n_p), -np.ones(n_p)]),
            (np.tile(np.arange(n_p), 2), np.concatenate([n_c + np.arange(n_p), j])),
        ),
        shape=(n_p, n_var),
    )
    card = sp.csr_array((np.ones(n_c), (np.zeros(n_c, dtype=np.int64), np.arange(n_c))), shape=(1, n_var))
    rows = sp.vstack([assign, link, card], format="csr")
    lower = np.concatenate([np.ones(n_d), np.full(n_p, -np.inf), [-np.inf]])
    upper = np.concatenate([np.ones(n_d), np.zeros(n_p), [min(k, n_c)]])
    cost = np.concatenate([np.zeros(n_c), weight[i] * d, weight[demand] * fallback])
    integer = np.concatenate([np.ones(n_c, bool), np.zeros(n_p + n_d, bool)])
    res = solve_mip(
        cost, rows, lower, upper, np.zeros(n_var), np.ones(n_var), integer, maximize=False, time_limit_s=time_limit_s
    )
    stats["mip_status"] = res.status
    stats["seconds"] = time.perf_counter() - t0
    chosen = np.zeros(0, dtype=np.int64) if res.x is None else np.flatnonzero(res.x[:n_c] > 0.5)
    value = float(res.objective) if res.x is not None else np.inf
    return Solved(chosen, value, float(res.bound), res.proven, stats)

"""A mixed-integer program handed to HiGHS (``highspy``) as arrays, with a start and a limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.errors import PlannerError

log = logging.getLogger(__name__)

#: HiGHS's random seed, fixed so that a run is reproducible
SEED = 0


@dataclass(frozen=True)
class MipResult:
    """HiGHS's answer: the solution (None if it found none), its objective and the proven bound."""

    x: np.ndarray | None
    objective: float
    bound: float
    proven: bool
    status: str


def solve_mip(
    cost: np.ndarray,
    rows: sp.csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    *,
    maximize: bool,
    time_limit_s: float,
    start: np.ndarray | None = None,
    threads: int | None = None,
) -> MipResult:
    """Solve ``max/min cost·x`` subject to ``row_lower <= rows·x <= row_upper``, bounds, integrality.

    The relative gap tolerance is 0: HiGHS stops only at a proven optimum or at the limit.
    """
    try:
        import highspy
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise PlannerError("siting needs the HiGHS solver: pip install highspy") from exc
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("random_seed", SEED)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    lp = highspy.HighsLp()
    n = len(cost)
    lp.num_col_, lp.num_row_ = n, rows.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_, lp.col_upper_ = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -inf).astype(float)
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, inf).astype(float)
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    csc = sp.csc_array(rows)
    csc.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer]
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(np.asarray(start, dtype=float))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    solution = h.getSolution()
    has = bool(solution.value_valid) and info.primal_solution_status >= 2
    x = np.asarray(solution.col_value) if has else None
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else (inf if maximize else -inf)
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    log.debug("HiGHS: %s, objective %s, bound %s", status, info.objective_function_value, bound)
    return MipResult(x, float(info.objective_function_value) if has else np.nan, bound, proven, status)

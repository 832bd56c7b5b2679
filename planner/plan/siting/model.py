"""Instance reduction: the coverage model made small before any solver sees it.

A covering instance is a boolean candidates × demand matrix with a weight per demand point.
Three exact reductions (none changes the optimum):

- demand points already covered by an existing facility, of weight 0, or covered by no
  candidate leave the model (their weight is a constant);
- demand points covered by exactly the same candidates are merged into one *group* whose
  weight is their sum (random 64-bit hashes of the covering sets, each group then checked
  member by member, so a hash collision can only leave two points unmerged, never merge
  two different sets). On a random 5,000 × 50,000 instance at 500 m this leaves about
  30,000 groups;
- a candidate whose groups are a subset of another's is dominated: any solution using it is
  no better with the dominating candidate instead (among identical sets the lowest index is
  kept). Valid for maximal covering (weights >= 0, at most K sites) and set covering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from planner.errors import PlannerError

#: seed of the hashes that find identical covering sets (fixed: results are reproducible)
HASH_SEED = 20261203


class SitingError(PlannerError, ValueError):
    """A siting question that cannot be answered as asked (says what to change)."""


@dataclass(frozen=True)
class Cover:
    """A reduced covering instance.

    Attributes
    ----------
    matrix
        Candidates kept × groups, CSR with sorted indices, data 1 (int8).
    weight
        Weight (residents) of each group.
    candidates
        For each row of ``matrix``, the index of the candidate in the original instance.
    group_of
        For each original demand point, its group, or -1 when it left the model.
    """

    matrix: sp.csr_array
    weight: np.ndarray
    candidates: np.ndarray
    group_of: np.ndarray

    @property
    def transposed(self) -> sp.csr_array:
        """Groups × candidates kept (CSR)."""
        return _structure(self.matrix.T.tocsr())


def _structure(m: sp.csr_array) -> sp.csr_array:
    """The sparsity structure of ``m`` as int8 ones (stored zeros count as entries)."""
    out = sp.csr_array((np.ones(len(m.indices), dtype=np.int8), m.indices, m.indptr), shape=m.shape)
    out.sort_indices()
    return out


def reduce_cover(reach: sp.csr_array, weight: np.ndarray, active: np.ndarray, *, dominance: bool = True) -> Cover:
    """Reduce a covering instance.

    Parameters
    ----------
    reach
        Candidates × demand; a stored entry (its value is ignored) means "covers".
    weight
        Weight of each demand point (>= 0).
    active
        Demand points that count (e.g. not yet covered by an existing facility).
    dominance
        Drop dominated candidates.
    """
    n_cand, n_dem = reach.shape
    weight = np.asarray(weight, dtype=float)
    struct = _structure(sp.csr_array(reach))
    counts = np.diff(struct.T.tocsr().indptr)
    keep_dem = np.flatnonzero(np.asarray(active, bool) & (weight > 0) & (counts > 0))
    dem_rows = _structure(struct[:, keep_dem].T.tocsr())  # kept demand × candidates
    group_local, reps = _merge_identical(dem_rows)
    group_of = np.full(n_dem, -1, dtype=np.int64)
    group_of[keep_dem] = group_local
    gweight = np.bincount(group_local, weights=weight[keep_dem], minlength=len(reps))
    matrix = _structure(dem_rows[reps].T.tocsr())  # candidates × groups
    cands = np.arange(n_cand)
    sizes = np.diff(matrix.indptr)
    keep = sizes > 0
    if dominance:
        keep &= ~_dominated(matrix, sizes)
    cands = cands[keep]
    return Cover(_structure(matrix[cands]), gweight, cands, group_of)


def _merge_identical(rows: sp.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """Group rows with identical index sets: (group of each row, first row of each group)."""
    n = rows.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    rng = np.random.default_rng(HASH_SEED)
    lens = np.diff(rows.indptr)
    keys = [lens.astype(np.uint64)]
    for _ in range(2):
        salt = rng.integers(1, np.iinfo(np.uint64).max, size=rows.shape[1], dtype=np.uint64, endpoint=True)
        vals = salt[rows.indices]
        cums = np.concatenate([[np.uint64(0)], np.cumsum(vals, dtype=np.uint64)])  # wraps modulo 2**64
        keys.append(cums[rows.indptr[1:]] - cums[rows.indptr[:-1]])
    _, first, group = np.unique(np.column_stack(keys), axis=0, return_index=True, return_inverse=True)
    group = group.ravel().astype(np.int64)
    # check every row against its group's first row; any mismatch (a collision) gets its own group
    row_of = np.repeat(np.arange(n), lens)
    offset = np.arange(len(rows.indices)) - rows.indptr[row_of]
    rep_pos = rows.indptr[first[group[row_of]]] + offset
    bad = np.unique(row_of[rows.indices != rows.indices[rep_pos]])
    if len(bad):
        group[bad] = len(first) + np.arange(len(bad))
        first = np.concatenate([first, bad])
    # number the groups in order of their first row (deterministic and readable)
    order = np.argsort(first, kind="stable")
    renumber = np.empty_like(order)
    renumber[order] = np.arange(len(order))
    return renumber[group], first[order]


def _dominated(matrix: sp.csr_array, sizes: np.ndarray) -> np.ndarray:
    """Candidates whose group set is inside another candidate's (ties: the lower index stays)."""
    m = sp.csr_array((np.ones(len(matrix.indices), dtype=np.int32), matrix.indices, matrix.indptr), shape=matrix.shape)
    overlap = (m @ m.T).tocoo()
    i, j, common = overlap.row, overlap.col, overlap.data
    inside = (i != j) & (common == sizes[i]) & ((sizes[j] > sizes[i]) | ((sizes[j] == sizes[i]) & (j < i)))
    out = np.zeros(matrix.shape[0], dtype=bool)
    out[i[inside]] = True
    return out

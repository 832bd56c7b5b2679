"""The engine under workstations and grids: bounded, contiguous, balanced partitions.

A graph (polygons and their neighbours) is cut into ``k`` connected regions. Each node has a
*size* that the bounds apply to (1 per community for workstations: the bounds count
communities; the households for grids: the bounds are households) and a *measure* to balance.

The method follows the region models of spopt (AZP, max-p) with both bounds made part of the
objective:

1. **Seeded growth.** ``k`` seeds spread out by hop distance (farthest-point, seeded); the region
   with the smallest measure takes its nearest free neighbour while it stays under the ceiling;
   what is left joins its smallest neighbour.
2. **Local search** (AZP-like). Moves of one node to a neighbouring region and swaps of two
   neighbouring nodes between regions, kept only when the region they leave stays connected;
   accepted when they lower the bound violation (``max(0, lo - s) + max(0, s - hi)`` summed over
   regions) or keep it and lower the sum of squared measures (for a fixed ``k`` that is the
   variance, so the coefficient of variation, of the regions' measures).

3. **Kicks** (iterated local search): a few random moves that keep the bounds and contiguity,
   then the local search again; kept when better.

Several seeds and region counts are tried and the best kept: no bound violated first, then the
lowest coefficient of variation. Everything is deterministic for a given ``seed``; the search is
bounded by ``max_passes``, never by a clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from planner.plan.regions.contiguity import is_connected

__all__ = ["Solution", "cv", "region_counts", "solve_component"]

#: random moves per kick of the iterated local search (it alternates between this and twice as many)
KICK_MOVES = 2


@dataclass(frozen=True)
class Solution:
    """One partition of one connected component.

    Attributes
    ----------
    labels
        Region (0..k-1) of each node of the component, in the component's node order.
    violation
        Sum over regions of how far the region's size lies outside ``[lo, hi]``.
    sum_sq
        Sum over regions of the squared deviation of the measure from their mean.
    """

    labels: np.ndarray
    violation: float
    sum_sq: float

    @property
    def k(self) -> int:
        """Number of regions."""
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Per-region sums of ``values`` (aligned to the component's nodes)."""
        return np.bincount(self.labels, weights=values, minlength=self.k)


def cv(values: np.ndarray) -> float:
    """Coefficient of variation ``std / mean`` (population std, ``ddof=0``); NaN when undefined."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0 or values.mean() == 0:
        return math.nan
    return float(values.std() / values.mean())


def _viol(s: float, lo: float, hi: float) -> float:
    return max(0.0, lo - s) + max(0.0, s - hi)


def region_counts(total: float, lo: float, hi: float) -> tuple[list[int], bool]:
    """The numbers of regions that can hold ``total`` within ``[lo, hi]`` each.

    Returns the feasible counts (``ceil(total/hi) .. floor(total/lo)``) and True, or, when none
    is feasible, the nearest counts on either side and False.
    """
    k_lo = max(1, math.ceil(total / hi - 1e-9)) if hi > 0 else 1
    k_hi = math.floor(total / lo + 1e-9) if lo > 0 else max(k_lo, int(total))
    if k_hi >= k_lo:
        return list(range(k_lo, k_hi + 1)), True
    return sorted({max(1, k_hi), k_lo}), False


def _hops(neighbours: list[list[int]], sources: list[int]) -> np.ndarray:
    dist = np.full(len(neighbours), np.iinfo(np.int64).max, dtype=np.int64)
    queue = deque(sources)
    dist[sources] = 0
    while queue:
        v = queue.popleft()
        for u in neighbours[v]:
            if dist[u] > dist[v] + 1:
                dist[u] = dist[v] + 1
                queue.append(u)
    return dist


def _seeds(neighbours: list[list[int]], k: int, rng: np.random.Generator) -> list[int]:
    seeds = [int(rng.integers(len(neighbours)))]
    nearest = _hops(neighbours, seeds)
    while len(seeds) < k:
        far = np.flatnonzero(nearest == nearest.max())
        pick = int(far[rng.integers(len(far))])
        seeds.append(pick)
        nearest = np.minimum(nearest, _hops(neighbours, [pick]))
    return seeds


def _grow(neighbours, k, size, measure, hi, rng) -> np.ndarray:
    m = len(neighbours)
    seeds = _seeds(neighbours, k, rng)
    hop = np.stack([_hops(neighbours, [s]) for s in seeds])
    lab = np.full(m, -1, dtype=np.int64)
    rsize = np.zeros(k)
    rmeas = np.zeros(k)
    frontier: list[set[int]] = [set() for _ in range(k)]
    for r, s in enumerate(seeds):
        lab[s] = r
        rsize[r], rmeas[r] = size[s], measure[s]
    for r, s in enumerate(seeds):
        frontier[r] = {u for u in neighbours[s] if lab[u] < 0}
    free = m - k
    while free:
        best = None
        for r in np.argsort(rmeas, kind="stable"):
            options = [u for u in frontier[r] if lab[u] < 0 and rsize[r] + size[u] <= hi]
            if options:
                best = (int(r), min(options, key=lambda u: (hop[r, u], u)))
                break
        if best is None:  # nobody can grow under the ceiling: the rest joins its smallest neighbour
            for v in np.flatnonzero(lab < 0):
                regions = {int(lab[u]) for u in neighbours[v] if lab[u] >= 0}
                if regions:
                    r = min(regions, key=lambda q: (rsize[q], q))
                    best = (r, int(v))
                    break
        assert best is not None  # the component is connected, so some free node always touches a region
        r, node = best
        lab[node] = r
        rsize[r] += size[node]
        rmeas[r] += measure[node]
        frontier[r].discard(node)
        frontier[r].update(u for u in neighbours[node] if lab[u] < 0)
        free -= 1
    return lab


class _State:
    def __init__(self, neighbours, lab, size, measure, lo, hi):
        self.nb, self.lab, self.size, self.measure, self.lo, self.hi = neighbours, lab, size, measure, lo, hi
        k = int(lab.max()) + 1
        self.members = [set(np.flatnonzero(lab == r).tolist()) for r in range(k)]
        self.rsize = np.bincount(lab, weights=size, minlength=k)
        self.rmeas = np.bincount(lab, weights=measure, minlength=k)
        scale = float(np.mean(self.rmeas)) if k else 1.0
        self.eps = 1e-9 * max(scale * scale, 1.0)

    def viol(self, r: int, delta: float = 0.0, leaving: int = 0) -> float:
        """Violation of region ``r`` after its size changes by ``delta`` and ``leaving`` nodes go."""
        if len(self.members[r]) - leaving <= 0:
            return 0.0  # the region disappears
        return _viol(self.rsize[r] + delta, self.lo, self.hi)

    def better(self, dv: float, ds: float) -> bool:
        return dv < -1e-9 or (abs(dv) <= 1e-9 and ds < -self.eps)

    def try_move(self, v: int) -> bool:
        a = int(self.lab[v])
        w, mv = self.size[v], self.measure[v]
        best = None
        for b in sorted({int(self.lab[u]) for u in self.nb[v]} - {a}):
            dv = self.viol(a, -w, 1) + self.viol(b, w) - self.viol(a) - self.viol(b)
            ds = 2 * mv * (self.rmeas[b] - self.rmeas[a] + mv)
            if self.better(dv, ds) and (best is None or (dv, ds) < best[:2]):
                best = (dv, ds, b)
        if best is None:
            return False
        rest = self.members[a] - {v}
        if rest and not is_connected(rest, self.nb):
            return False
        self._apply(v, a, best[2])
        return True

    def try_swap(self, v: int) -> bool:
        a = int(self.lab[v])
        for u in self.nb[v]:
            b = int(self.lab[u])
            if b == a:
                continue
            dw = self.size[v] - self.size[u]
            dm = self.measure[v] - self.measure[u]
            dv = self.viol(a, -dw) + self.viol(b, dw) - self.viol(a) - self.viol(b)
            ds = 2 * dm * (self.rmeas[b] - self.rmeas[a] + dm)
            if not self.better(dv, ds):
                continue
            new_a = (self.members[a] - {v}) | {int(u)}
            new_b = (self.members[b] - {int(u)}) | {v}
            if is_connected(new_a, self.nb) and is_connected(new_b, self.nb):
                self._apply(v, a, b)
                self._apply(int(u), b, a)
                return True
        return False

    def try_merge(self, a: int) -> bool:
        """Merge region ``a`` into a neighbouring region when that lowers the violation."""
        if not self.members[a]:
            return False
        near = sorted({int(self.lab[u]) for v in self.members[a] for u in self.nb[v]} - {a})
        best = None
        for b in near:
            dv = _viol(self.rsize[a] + self.rsize[b], self.lo, self.hi) - self.viol(a) - self.viol(b)
            if dv < -1e-9 and (best is None or dv < best[0]):
                best = (dv, b)
        if best is None:
            return False
        for v in sorted(self.members[a]):
            self._apply(v, a, best[1])
        return True

    def _apply(self, v: int, a: int, b: int) -> None:
        self.members[a].discard(v)
        self.members[b].add(v)
        self.lab[v] = b
        self.rsize[a] -= self.size[v]
        self.rsize[b] += self.size[v]
        self.rmeas[a] -= self.measure[v]
        self.rmeas[b] += self.measure[v]

    def labels(self) -> np.ndarray:
        """Labels renumbered 0..k-1 (regions emptied by moves removed)."""
        _, lab = np.unique(self.lab, return_inverse=True)
        return lab.astype(np.int64)


def _improve(neighbours, lab, size, measure, lo, hi, max_passes, start=None) -> np.ndarray:
    """Descend with moves and swaps until none helps, then try merges; repeat while they help.

    A work list holds the nodes to look at (all, or ``start``); after a change only the nodes
    of the two regions involved and their neighbours are looked at again, so a descent after a
    small kick costs little. At most ``max_passes`` × nodes looks per round.
    """
    state = _State(neighbours, lab.copy(), size, measure, lo, hi)
    m = len(neighbours)
    for _ in range(max_passes):
        queue = deque(range(m) if start is None else sorted(start))
        queued = set(queue)
        budget = max_passes * m
        while queue and budget > 0:
            v = queue.popleft()
            queued.discard(v)
            budget -= 1
            a = int(state.lab[v])
            if state.try_move(v) or state.try_swap(v):
                touched = sorted(state.members[a] | state.members[int(state.lab[v])])
                for u in touched + [int(x) for t in touched for x in neighbours[t]]:
                    if u not in queued:
                        queued.add(u)
                        queue.append(u)
        merged = False
        for r in range(len(state.members)):
            merged |= state.try_merge(r)
        if not merged:
            break
        start = None
    return state.labels()


def _score(lab, size, measure, lo, hi) -> Solution:
    k = int(lab.max()) + 1
    s = np.bincount(lab, weights=size, minlength=k)
    meas = np.bincount(lab, weights=measure, minlength=k)
    violation = float(sum(_viol(x, lo, hi) for x in s))
    return Solution(labels=lab, violation=violation, sum_sq=float(((meas - meas.mean()) ** 2).sum()))


def solve_component(
    neighbours: list[list[int]],
    size: np.ndarray,
    measure: np.ndarray,
    lo: float,
    hi: float,
    ks: list[int],
    *,
    seed: int = 0,
    restarts: int = 4,
    max_passes: int = 60,
    kicks: int = 60,
) -> dict[int, Solution]:
    """The best partition found for each region count in ``ks`` of one connected component.

    Parameters
    ----------
    neighbours
        Local adjacency: for each node of the component, its neighbours (local indices).
    size, measure
        Per node: what the bounds apply to, and what is balanced.
    lo, hi
        Bounds on each region's total ``size``, inclusive.
    ks
        Region counts to try.
    seed, restarts, max_passes, kicks
        Seed of the random seeding; seeds tried per count; passes of the local search at most;
        kicks of the iterated local search on the best partition of each count.

    Returns
    -------
    dict
        Region count → best :class:`Solution` (least violation, then least ``sum_sq``).
    """
    size = np.asarray(size, dtype=float)
    measure = np.asarray(measure, dtype=float)
    m = len(neighbours)
    out: dict[int, Solution] = {}
    rng = np.random.default_rng(seed)
    for k in ks:
        k = min(max(int(k), 1), m)
        for _ in range(restarts):
            lab = _grow(neighbours, k, size, measure, hi, rng)
            lab = _improve(neighbours, lab, size, measure, lo, hi, max_passes)
            sol = _score(lab, size, measure, lo, hi)
            best = out.get(k)
            if best is None or (sol.violation, sol.sum_sq) < (best.violation, best.sum_sq):
                out[k] = sol
            if k == m or k == 1:
                break  # one way to do it
        if k in out and 1 < k < m:
            out[k] = _kicked(neighbours, out[k], size, measure, lo, hi, rng, kicks, max_passes)
    return out


def _kick(neighbours, lab, size, measure, lo, hi, rng, n_moves: int) -> tuple[np.ndarray, set[int]]:
    """A few random moves that keep every region connected and the violation no worse."""
    state = _State(neighbours, lab.copy(), size, measure, lo, hi)
    done, moved = 0, []
    for v in rng.permutation(len(neighbours)):
        a = int(state.lab[v])
        others = sorted({int(state.lab[u]) for u in neighbours[v]} - {a})
        if not others or len(state.members[a]) <= 1:
            continue
        b = others[int(rng.integers(len(others)))]
        w = size[v]
        dv = state.viol(a, -w) + state.viol(b, w) - state.viol(a) - state.viol(b)
        if dv > 1e-9 or not is_connected(state.members[a] - {int(v)}, neighbours):
            continue
        state._apply(int(v), a, b)
        moved += [a, b]
        done += 1
        if done == n_moves:
            break
    touched = {int(x) for r in moved for x in state.members[r]}
    return state.lab.copy(), touched | {int(u) for t in touched for u in neighbours[t]}


def _kicked(neighbours, sol: Solution, size, measure, lo, hi, rng, kicks: int, max_passes: int) -> Solution:
    """Iterated local search: kick the best partition, descend again, keep what is better."""
    best = sol
    for i in range(kicks):
        lab, touched = _kick(neighbours, best.labels, size, measure, lo, hi, rng, KICK_MOVES + i % KICK_MOVES)
        lab = _improve(neighbours, lab, size, measure, lo, hi, max_passes, start=touched)
        new = _score(lab, size, measure, lo, hi)
        if new.k == best.k and (new.violation, new.sum_sq) < (best.violation, best.sum_sq):
            best = new
    return best

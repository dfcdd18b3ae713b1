"""Multi-objective kernels: non-dominated sorting, crowding distance, Pareto mask, hypervolume.

Every objective is minimised. Each public kernel is a numba function with a plain NumPy
version beside it (suffix ``_numpy``) that uses a simpler algorithm. The tests check both
against each other and against pymoo/moocore.

All kernels take ``F`` as an ``(n_points, n_objectives)`` float64 array (or anything
``np.asarray`` converts to one), and ``n_points`` may be 0. NaN and -inf are rejected.
``+inf`` is accepted where a kernel's docstring allows it, so a failed candidate can be
scored ``+inf`` and every other point then dominates it.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "crowding_distance",
    "crowding_distance_numpy",
    "hypervolume_2d",
    "hypervolume_2d_numpy",
    "non_dominated_sort",
    "non_dominated_sort_numpy",
    "pareto_mask",
    "pareto_mask_numpy",
]


def _as_objectives(F: object, *, allow_inf: bool) -> np.ndarray:
    """Validate an objective matrix and return it as a C-contiguous float64 array."""
    array = np.ascontiguousarray(F, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"F must be a 2-D array of shape (n_points, n_objectives); got shape {array.shape}")
    if array.shape[1] < 1:
        raise ValueError(f"F needs at least one objective column; got shape {array.shape}")

    nan_rows = np.flatnonzero(np.isnan(array).any(axis=1))
    if nan_rows.size:
        row = int(nan_rows[0])
        raise ValueError(
            f"F contains NaN in row {row} ({array[row].tolist()}); objective values must be numbers "
            "(score a failed candidate with +inf or leave it out)"
        )
    if not allow_inf and not np.isfinite(array).all():
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise ValueError(f"F contains an infinite value in row {row} ({array[row].tolist()}); this kernel needs finite values")
    if (array == -np.inf).any():
        row = int(np.flatnonzero((array == -np.inf).any(axis=1))[0])
        raise ValueError(f"F contains -inf in row {row} ({array[row].tolist()}); objective values must be above -inf")
    return array


@numba.njit(cache=True)
def _lexicographic_order_kernel(F: np.ndarray) -> np.ndarray:
    # One quicksort on the first objective, then each run of equal leading objectives is
    # sorted by the next one. This is about ten times faster than np.lexsort when ties are
    # rare. The order among identical rows is arbitrary, which no caller depends on.
    n, m = F.shape
    order = np.argsort(F[:, 0])
    for k in range(1, m):
        start = 0
        while start < n:
            end = start + 1
            while end < n:
                same = True
                for c in range(k):
                    if F[order[end], c] != F[order[start], c]:
                        same = False
                        break
                if not same:
                    break
                end += 1
            if end - start > 1:
                run = order[start:end].copy()
                order[start:end] = run[np.argsort(F[run, k])]
            start = end
    return order


def _lexicographic_order(F: np.ndarray) -> np.ndarray:
    """Return row indices sorted by the first objective, ties broken by the next ones."""
    return _lexicographic_order_kernel(F).astype(np.int64)


@numba.njit(cache=True)
def _dominates(F: np.ndarray, a: int, b: int) -> bool:
    """Return True if row ``a`` Pareto-dominates row ``b`` (no worse anywhere, better somewhere)."""
    strictly_better = False
    for k in range(F.shape[1]):
        if F[a, k] > F[b, k]:
            return False
        if F[a, k] < F[b, k]:
            strictly_better = True
    return strictly_better


# ---------------------------------------------------------------------------------------------
# Non-dominated sorting


@numba.njit(cache=True)
def _non_dominated_sort_kernel(F: np.ndarray, order: np.ndarray) -> np.ndarray:
    # Efficient non-dominated sort with binary search over fronts (ENS-BS; Zhang, Tian, Cheng
    # and Jin, IEEE Trans. Evol. Comput. 19(2), 2015). Points arrive in lexicographic order, so
    # a point can only be dominated by points already placed. Whether front k contains a
    # dominator of p is monotone in k (a dominator in front k has one of its own in front
    # k - 1), which makes binary search valid. Each front is a linked list, newest member first.
    n = F.shape[0]
    ranks = np.empty(n, dtype=np.int64)
    front_head = np.full(n, -1, dtype=np.int64)
    next_member = np.full(n, -1, dtype=np.int64)
    n_fronts = 0

    for p in order:
        low = 0
        high = n_fronts
        while low < high:
            middle = (low + high) // 2
            member = front_head[middle]
            dominated = False
            while member != -1:
                if _dominates(F, member, p):
                    dominated = True
                    break
                member = next_member[member]
            if dominated:
                low = middle + 1
            else:
                high = middle

        ranks[p] = low
        next_member[p] = front_head[low]
        front_head[low] = p
        if low == n_fronts:
            n_fronts += 1
    return ranks


@numba.njit(cache=True)
def _non_dominated_sort_2d_kernel(F: np.ndarray, order: np.ndarray) -> np.ndarray:
    # With two objectives and lexicographic order, the newest member of a front has the
    # front's smallest second objective, so it alone decides whether the front dominates
    # a new point. Members with an equal second objective are duplicates of the new point
    # (two distinct non-dominated points cannot share it), and duplicates do not dominate.
    n = F.shape[0]
    ranks = np.empty(n, dtype=np.int64)
    front_last = np.empty(n, dtype=np.int64)
    n_fronts = 0

    for p in order:
        low = 0
        high = n_fronts
        while low < high:
            middle = (low + high) // 2
            if _dominates(F, front_last[middle], p):
                low = middle + 1
            else:
                high = middle
        ranks[p] = low
        front_last[low] = p
        if low == n_fronts:
            n_fronts += 1
    return ranks


def non_dominated_sort(F: object) -> np.ndarray:
    """Rank points by Pareto front: 0 for the non-dominated front, 1 for the next, and so on.

    Returns an int64 array of length ``n_points``. Identical points share a rank. ``+inf``
    entries are allowed. Two objectives take O(n log n) time; more take O(m n^2)
    comparisons in the worst case. Memory is O(n).
    """
    F = _as_objectives(F, allow_inf=True)
    if F.shape[0] == 0:
        return np.empty(0, dtype=np.int64)
    if F.shape[1] == 2:
        return _non_dominated_sort_2d_kernel(F, _lexicographic_order(F))
    # NOTE: the O(m n^2) worst case shows at three objectives: benchmarks/bench_kernels.py
    # measured moocore (behind pymoo 0.6.2) about 3x faster at n = 5000, m = 3.
    return _non_dominated_sort_kernel(F, _lexicographic_order(F))


def _domination_matrix(F: np.ndarray) -> np.ndarray:
    """Return a boolean matrix D with D[i, j] True when point i dominates point j."""
    no_worse = (F[:, None, :] <= F[None, :, :]).all(axis=2)
    better = (F[:, None, :] < F[None, :, :]).any(axis=2)
    return no_worse & better


def non_dominated_sort_numpy(F: object) -> np.ndarray:
    """NumPy version of :func:`non_dominated_sort`: peels fronts off a full domination matrix.

    Memory O(n^2 m), so meant for tests and small inputs.
    """
    F = _as_objectives(F, allow_inf=True)
    n = F.shape[0]
    dominates = _domination_matrix(F)
    dominator_counts = dominates.sum(axis=0)
    ranks = np.full(n, -1, dtype=np.int64)
    remaining = np.ones(n, dtype=bool)

    rank = 0
    while remaining.any():
        front = remaining & (dominator_counts == 0)
        ranks[front] = rank
        remaining &= ~front
        dominator_counts -= dominates[front].sum(axis=0)
        rank += 1
    return ranks


# ---------------------------------------------------------------------------------------------
# Pareto mask


@numba.njit(cache=True)
def _pareto_mask_kernel(F: np.ndarray, order: np.ndarray) -> np.ndarray:
    # In lexicographic order only earlier points can dominate a later one, and a dominated
    # dominator implies a non-dominated one, so each point is checked against the front so far.
    n = F.shape[0]
    mask = np.zeros(n, dtype=np.bool_)
    front = np.empty(n, dtype=np.int64)
    front_size = 0

    for p in order:
        dominated = False
        for t in range(front_size):
            if _dominates(F, front[t], p):
                dominated = True
                break
        if not dominated:
            mask[p] = True
            front[front_size] = p
            front_size += 1
    return mask


@numba.njit(cache=True)
def _pareto_mask_2d_kernel(F: np.ndarray, order: np.ndarray) -> np.ndarray:
    # Same argument as the two-objective sort: only the newest front member can dominate.
    n = F.shape[0]
    mask = np.zeros(n, dtype=np.bool_)
    last = -1
    for p in order:
        if last == -1 or not _dominates(F, last, p):
            mask[p] = True
            last = p
    return mask


def pareto_mask(F: object) -> np.ndarray:
    """Return a boolean mask of the non-dominated points (rank 0); duplicates are all kept.

    Two objectives take O(n log n) time, more take O(m n h) for a front of h points.
    """
    F = _as_objectives(F, allow_inf=True)
    if F.shape[0] == 0:
        return np.empty(0, dtype=bool)
    if F.shape[1] == 2:
        return _pareto_mask_2d_kernel(F, _lexicographic_order(F))
    return _pareto_mask_kernel(F, _lexicographic_order(F))


def pareto_mask_numpy(F: object, *, block_rows: int = 1024) -> np.ndarray:
    """NumPy version of :func:`pareto_mask`, comparing blocks of ``block_rows`` candidates at a time."""
    F = _as_objectives(F, allow_inf=True)
    mask = np.empty(F.shape[0], dtype=bool)
    for start in range(0, F.shape[0], block_rows):
        block = F[start : start + block_rows]
        no_worse = (F[:, None, :] <= block[None, :, :]).all(axis=2)
        better = (F[:, None, :] < block[None, :, :]).any(axis=2)
        mask[start : start + block_rows] = ~(no_worse & better).any(axis=0)
    return mask


# ---------------------------------------------------------------------------------------------
# Crowding distance


@numba.njit(cache=True)
def _crowding_distance_kernel(F: np.ndarray) -> np.ndarray:
    n, m = F.shape
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance

    for k in range(m):
        # A stable sort fixes which of several tied points becomes the boundary.
        order = np.argsort(F[:, k], kind="mergesort")
        span = F[order[n - 1], k] - F[order[0], k]
        if span == 0.0:
            continue
        distance[order[0]] = np.inf
        distance[order[n - 1]] = np.inf
        for i in range(1, n - 1):
            distance[order[i]] += (F[order[i + 1], k] - F[order[i - 1], k]) / span
    return distance


def crowding_distance(F_front: object) -> np.ndarray:
    """Return the NSGA-II crowding distance of each point of one front (Deb et al. 2002).

    For each objective the points are sorted with a stable sort, so ties keep their input
    order. The two extreme points get ``inf``, and every other point adds the gap between
    its two neighbours divided by the objective's range. The per-objective terms are summed, as in
    Deb et al.; pymoo's ``calc_crowding_distance`` averages them, so it returns this value
    divided by ``n_objectives``. An objective whose range is zero adds nothing, not even
    to its extreme points, and fronts of one or two points are all ``inf``. Values must be
    finite.
    """
    F_front = _as_objectives(F_front, allow_inf=False)
    return _crowding_distance_kernel(F_front)


def crowding_distance_numpy(F_front: object) -> np.ndarray:
    """NumPy version of :func:`crowding_distance`, vectorised over objectives."""
    F_front = _as_objectives(F_front, allow_inf=False)
    n, m = F_front.shape
    if n <= 2:
        return np.full(n, np.inf)

    order = np.argsort(F_front, axis=0, kind="stable")
    sorted_values = np.take_along_axis(F_front, order, axis=0)
    span = sorted_values[-1] - sorted_values[0]
    gaps = np.empty((n, m))
    gaps[1:-1] = sorted_values[2:] - sorted_values[:-2]
    gaps[[0, -1]] = np.inf
    varying = span > 0
    gaps[:, varying] /= span[varying]
    gaps[:, ~varying] = 0.0

    per_objective = np.empty((n, m))
    np.put_along_axis(per_objective, order, gaps, axis=0)
    return per_objective.sum(axis=1)


# ---------------------------------------------------------------------------------------------
# Hypervolume


def _check_reference_2d(ref: object) -> np.ndarray:
    reference = np.asarray(ref, dtype=np.float64)
    if reference.shape != (2,):
        raise ValueError(f"ref must hold one value per objective, shape (2,); got shape {reference.shape}")
    if not np.isfinite(reference).all():
        raise ValueError(f"ref must be finite; got {reference.tolist()}")
    return reference


def _check_points_2d(F: object) -> np.ndarray:
    F = _as_objectives(F, allow_inf=True)
    if F.shape[1] != 2:
        raise ValueError(f"hypervolume_2d needs 2 objectives; got F of shape {F.shape}")
    return F


@numba.njit(cache=True)
def _hypervolume_2d_kernel(F: np.ndarray, order: np.ndarray, ref_x: float, ref_y: float) -> float:
    # Sweep in order of increasing first objective: a point adds the strip between its own
    # second objective and the best one seen so far, reaching to ref_x.
    area = 0.0
    best_y = ref_y
    for p in order:
        x = F[p, 0]
        y = F[p, 1]
        if x < ref_x and y < best_y:
            area += (ref_x - x) * (best_y - y)
            best_y = y
    return area


def hypervolume_2d(F: object, ref: object) -> float:
    """Return the exact area dominated by the points of ``F`` and bounded by ``ref``.

    Points that do not strictly dominate ``ref`` (including ``+inf`` rows) add nothing.
    ``ref`` must be finite. O(n log n).
    """
    F = _check_points_2d(F)
    reference = _check_reference_2d(ref)
    if F.shape[0] == 0:
        return 0.0
    return float(_hypervolume_2d_kernel(F, _lexicographic_order(F), reference[0], reference[1]))


def hypervolume_2d_numpy(F: object, ref: object) -> float:
    """NumPy version of :func:`hypervolume_2d`: sums the rectangles of the non-dominated points."""
    F = _check_points_2d(F)
    reference = _check_reference_2d(ref)
    inside = F[(F < reference).all(axis=1)]
    if inside.shape[0] == 0:
        return 0.0

    front = np.unique(inside[pareto_mask_numpy(inside)], axis=0)
    front = front[np.argsort(front[:, 0])]
    # Sorted by x, the non-dominated points have strictly decreasing y, so each one owns
    # the rectangle from its x to the next point's x.
    next_x = np.append(front[1:, 0], reference[0])
    return float(np.sum((next_x - front[:, 0]) * (reference[1] - front[:, 1])))

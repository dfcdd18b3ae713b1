"""Multi-objective kernels: numba versions against the NumPy versions and against pymoo/moocore."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from imcnas.search import kernels

pymoo_nds = pytest.importorskip("pymoo.util.nds.non_dominated_sorting")
from pymoo.indicators.hv import HV  # noqa: E402
from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance  # noqa: E402

SHAPES = [(0, 2), (1, 2), (2, 3), (3, 1), (5, 2), (60, 2), (300, 2), (300, 3), (200, 4)]


def random_front(n, m, seed, *, integer):
    """Integer data has many duplicates and ties; continuous data has none."""
    rng = np.random.default_rng(seed)
    if integer:
        return rng.integers(0, 5, size=(n, m)).astype(np.float64)
    return rng.random((n, m))


def pymoo_ranks(F):
    _, ranks = pymoo_nds.NonDominatedSorting().do(F, return_rank=True)
    return ranks


@pytest.mark.parametrize("integer", [True, False], ids=["ties", "continuous"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: f"{shape[0]}x{shape[1]}")
def test_non_dominated_sort_matches_numpy_and_pymoo(shape, integer):
    F = random_front(*shape, seed=shape[0] * 10 + shape[1], integer=integer)

    ranks = kernels.non_dominated_sort(F)

    assert ranks.dtype == np.int64
    np.testing.assert_array_equal(ranks, kernels.non_dominated_sort_numpy(F))
    if shape[0]:
        np.testing.assert_array_equal(ranks, pymoo_ranks(F))


@pytest.mark.parametrize("integer", [True, False], ids=["ties", "continuous"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: f"{shape[0]}x{shape[1]}")
def test_pareto_mask_matches_rank_zero(shape, integer):
    F = random_front(*shape, seed=shape[0] + 7, integer=integer)

    mask = kernels.pareto_mask(F)

    np.testing.assert_array_equal(mask, kernels.non_dominated_sort_numpy(F) == 0)
    np.testing.assert_array_equal(mask, kernels.pareto_mask_numpy(F, block_rows=7))


def test_non_dominated_sort_closed_form_chain():
    # Points on a diagonal chain dominate each other in turn: ranks are their order.
    F = np.array([[3.0, 3.0], [0.0, 0.0], [2.0, 2.0], [1.0, 1.0]])

    np.testing.assert_array_equal(kernels.non_dominated_sort(F), [3, 0, 2, 1])


def test_non_dominated_sort_duplicates_share_rank():
    F = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [2.0, 2.0], [2.0, 2.0]])

    np.testing.assert_array_equal(kernels.non_dominated_sort(F), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(kernels.pareto_mask(F), [True, True, True, False, False])


def test_non_dominated_sort_accepts_inf_rows():
    F = np.array([[np.inf, np.inf], [1.0, 2.0], [np.inf, 0.0]])

    np.testing.assert_array_equal(kernels.non_dominated_sort(F), [1, 0, 0])
    np.testing.assert_array_equal(kernels.non_dominated_sort_numpy(F), [1, 0, 0])


@pytest.mark.parametrize("integer", [True, False], ids=["ties", "continuous"])
@pytest.mark.parametrize("shape", [(3, 2), (4, 1), (10, 2), (50, 3), (200, 4)], ids=str)
def test_crowding_distance_matches_numpy_and_pymoo(shape, integer):
    F = random_front(*shape, seed=shape[0] * 3 + shape[1], integer=integer)

    distance = kernels.crowding_distance(F)

    np.testing.assert_allclose(distance, kernels.crowding_distance_numpy(F), rtol=1e-12, atol=0)
    # pymoo averages the per-objective terms instead of summing them (Deb et al. 2002).
    np.testing.assert_allclose(distance, calc_crowding_distance(F) * shape[1], rtol=1e-12, atol=0)


def test_crowding_distance_closed_form():
    # Evenly spaced points on a line: interior points get 2 / 4 per objective, ends get inf.
    F = np.array([[0.0, 4.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [4.0, 0.0]])

    np.testing.assert_array_equal(kernels.crowding_distance(F), [np.inf, 1.0, 1.0, 1.0, np.inf])


def test_crowding_distance_constant_objective_adds_nothing():
    F = np.array([[0.0, 5.0], [1.0, 5.0], [3.0, 5.0]])

    np.testing.assert_array_equal(kernels.crowding_distance(F), [np.inf, 1.0, np.inf])
    np.testing.assert_array_equal(kernels.crowding_distance(np.ones((4, 2))), np.zeros(4))


@pytest.mark.parametrize("n", [0, 1, 2])
def test_crowding_distance_small_fronts_are_inf(n):
    F = np.arange(2.0 * n).reshape(n, 2)

    np.testing.assert_array_equal(kernels.crowding_distance(F), np.full(n, np.inf))
    np.testing.assert_array_equal(kernels.crowding_distance_numpy(F), np.full(n, np.inf))


@pytest.mark.parametrize("integer", [True, False], ids=["ties", "continuous"])
@pytest.mark.parametrize("n", [1, 2, 10, 300, 2000])
def test_hypervolume_2d_matches_numpy_and_pymoo(n, integer):
    F = random_front(n, 2, seed=n, integer=integer)
    # The reference cuts through the data, so some points lie outside the box.
    ref = np.array([3.5, 3.5]) if integer else np.array([0.9, 0.95])

    volume = kernels.hypervolume_2d(F, ref)

    assert volume == pytest.approx(kernels.hypervolume_2d_numpy(F, ref), rel=1e-12, abs=0)
    assert volume == pytest.approx(HV(ref_point=ref)(F), rel=1e-12, abs=0)


def test_hypervolume_2d_closed_form():
    # Staircase (1, 3), (2, 1) with reference (4, 4): 3 + 6 - overlap 2 = 7.
    F = np.array([[1.0, 3.0], [2.0, 1.0], [3.0, 3.0], [np.inf, 0.0], [5.0, 0.0]])

    assert kernels.hypervolume_2d(F, [4.0, 4.0]) == 7.0
    assert kernels.hypervolume_2d_numpy(F, [4.0, 4.0]) == 7.0


def test_hypervolume_2d_empty_and_outside_points():
    assert kernels.hypervolume_2d(np.empty((0, 2)), [1.0, 1.0]) == 0.0
    assert kernels.hypervolume_2d([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0]) == 0.0
    assert kernels.hypervolume_2d_numpy([[1.0, 0.0]], [1.0, 1.0]) == 0.0


@pytest.mark.parametrize(
    "function",
    [kernels.non_dominated_sort, kernels.non_dominated_sort_numpy, kernels.pareto_mask,
     kernels.pareto_mask_numpy, kernels.crowding_distance, kernels.crowding_distance_numpy],
    ids=lambda function: function.__name__,
)
def test_kernels_reject_nan(function):
    F = np.array([[0.0, 1.0], [np.nan, 2.0]])

    with pytest.raises(ValueError, match="NaN in row 1"):
        function(F)


@pytest.mark.parametrize("function", [kernels.non_dominated_sort, kernels.pareto_mask, kernels.crowding_distance])
def test_kernels_reject_bad_shapes(function):
    with pytest.raises(ValueError, match=r"2-D array .* got shape \(3,\)"):
        function(np.zeros(3))
    with pytest.raises(ValueError, match="at least one objective"):
        function(np.zeros((3, 0)))


def test_kernels_reject_minus_inf():
    with pytest.raises(ValueError, match="-inf in row 0"):
        kernels.non_dominated_sort([[-np.inf, 0.0]])


def test_crowding_distance_rejects_inf():
    with pytest.raises(ValueError, match="infinite value in row 1"):
        kernels.crowding_distance([[0.0, 1.0], [np.inf, 0.0], [1.0, 1.0]])


def test_hypervolume_2d_rejects_bad_reference_and_shape():
    with pytest.raises(ValueError, match="ref must be finite"):
        kernels.hypervolume_2d([[0.0, 0.0]], [np.inf, 1.0])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        kernels.hypervolume_2d([[0.0, 0.0]], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="needs 2 objectives"):
        kernels.hypervolume_2d(np.zeros((2, 3)), [1.0, 1.0])


objective_matrices = st.integers(1, 40).flatmap(
    lambda n: arrays(np.float64, (n, 3), elements=st.integers(0, 6).map(float))
)


@settings(max_examples=60, deadline=None)
@given(objective_matrices)
def test_ranks_follow_the_domination_relation(F):
    ranks = kernels.non_dominated_sort(F)
    dominates = kernels._domination_matrix(F)

    for j in range(len(F)):
        dominator_ranks = ranks[dominates[:, j]]
        # No point dominates another of the same or a later front ...
        assert (dominator_ranks < ranks[j]).all()
        # ... and a point of front r > 0 has a dominator in front r - 1.
        if ranks[j] > 0:
            assert (dominator_ranks == ranks[j] - 1).any()


@settings(max_examples=60, deadline=None)
@given(objective_matrices, st.randoms(use_true_random=False))
def test_ranks_do_not_depend_on_row_order(F, random):
    permutation = np.array(random.sample(range(len(F)), len(F)))

    ranks = kernels.non_dominated_sort(F)

    np.testing.assert_array_equal(kernels.non_dominated_sort(F[permutation]), ranks[permutation])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.just(2)), elements=st.floats(0, 10)))
def test_hypervolume_2d_only_counts_the_front(F):
    ref = [10.5, 10.5]

    volume = kernels.hypervolume_2d(F, ref)

    assert volume == pytest.approx(kernels.hypervolume_2d(F[kernels.pareto_mask(F)], ref), rel=1e-12)
    assert volume <= kernels.hypervolume_2d(np.vstack([F, [[5.0, 5.0]]]), ref) + 1e-9
    assert volume == pytest.approx(kernels.hypervolume_2d_numpy(F, ref), rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(objective_matrices)
def test_lexicographic_order_matches_lexsort(F):
    order = kernels._lexicographic_order(F)

    # Identical rows may come in any order, so compare the sorted rows, not the indices.
    np.testing.assert_array_equal(F[order], F[np.lexsort(F.T[::-1])])
    assert sorted(order.tolist()) == list(range(len(F)))

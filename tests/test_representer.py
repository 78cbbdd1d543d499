"""Tests of lecturekit.representer."""

import warnings

import numpy as np
import pytest

from lecturekit.kernels import RBF, Laplace, Matern, RationalQuadratic
from lecturekit.representer import RepresenterMap, cholesky_with_nugget, rkhs_penalty

MAP_KERNELS = pytest.mark.parametrize(
    "kernel",
    [RBF(1.0), Matern(1.0, 2.5), Matern(0.7, 1.5), Laplace(1.0), RBF(0.8) + 0.5 * RationalQuadratic(2.0, 1.0)],
    ids=["rbf", "matern25", "matern15", "laplace", "rbf+rq"],
)


def _separated_points(n=12, d=2, spacing=1.5, seed=0):
    """Points of a jittered grid, at least ``spacing / 2`` apart."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(n ** (1 / d)))
    grid = np.stack(np.meshgrid(*[np.arange(side)] * d), axis=-1).reshape(-1, d)[:n]
    return spacing * (grid + rng.uniform(-0.25, 0.25, size=(n, d)))


@MAP_KERNELS
def test_map_interpolates(kernel):
    X = _separated_points()
    z = np.random.default_rng(1).standard_normal((12, 3))
    S = RepresenterMap(kernel, nugget=1e-10).fit(X, z)
    assert S.nugget_ == 1e-10
    out = S(X)
    assert out.shape == (12, 3)
    np.testing.assert_allclose(out, z, atol=1e-6)
    np.testing.assert_array_equal(S.transform(X), out)
    # the map is smooth in between, not an interpolant that is zero off the data
    mid = 0.5 * (X[:1] + X[1:2])
    assert np.all(np.isfinite(S(mid))) and np.abs(S(mid)).max() > 1e-3


@MAP_KERNELS
def test_penalty_is_z_Q_inverse_z(kernel):
    X = _separated_points()
    z = np.random.default_rng(2).standard_normal((12, 2))
    Q = kernel(X)
    assert np.linalg.cond(Q) < 1e3  # a well-conditioned case
    expected = sum(z[:, j] @ np.linalg.solve(Q, z[:, j]) for j in range(2))
    S = RepresenterMap(kernel, nugget=1e-12).fit(X, z)
    assert S.penalty() == pytest.approx(expected, rel=1e-9)
    assert rkhs_penalty(X, z, kernel, nugget=1e-12) == pytest.approx(expected, rel=1e-9)
    # the coefficients solve Q c = z
    np.testing.assert_allclose(Q @ S.coef_, z, atol=1e-9)


def test_penalty_of_far_apart_points_is_sum_of_squares():
    X = np.array([[0.0], [10.0], [20.0]])
    z = np.array([[1.0, -1.0], [2.0, 0.5], [3.0, 0.0]])
    # Q(X, X) = I + O(exp(-50))
    assert rkhs_penalty(X, z, RBF(1.0)) == pytest.approx(np.sum(z**2), rel=1e-7)


@MAP_KERNELS
def test_map_recovers_a_function_in_the_rkhs_span(kernel):
    rng = np.random.default_rng(3)
    X = _separated_points(16)
    centres = X[[2, 7, 11]]  # f = sum_k w_k Q(., c_k) lies in span{Q(., x_i)}
    w = rng.standard_normal((3, 2))
    S = RepresenterMap(kernel, nugget=1e-12).fit(X, kernel(X, centres) @ w)
    new = rng.uniform(X.min(axis=0), X.max(axis=0), size=(30, 2))
    expected = kernel(new, centres) @ w
    assert np.abs(expected).max() > 0.1
    np.testing.assert_allclose(S(new), expected, atol=1e-6)
    # and its norm: |f|^2 = sum_j w_j^T Q(c, c) w_j
    assert S.penalty() == pytest.approx(np.trace(w.T @ kernel(centres) @ w), rel=1e-6)


def test_one_dimensional_z_is_one_output():
    X = np.array([[0.0], [1.0], [2.0]])
    S = RepresenterMap(RBF(1.0)).fit(X, [0.0, 1.0, 0.0])
    assert S.coef_.shape == (3, 1)
    assert S(X).shape == (3, 1)
    np.testing.assert_allclose(S(X)[:, 0], [0.0, 1.0, 0.0], atol=1e-6)


# -- singular and badly conditioned matrices --------------------------------------
def _duplicated_points():
    # the repeated point comes first, so the Cholesky pivot is exactly 1 - 1 = 0
    return np.array([[0.0, 0.0], [0.0, 0.0], [1.5, 0.0], [0.0, 1.5], [1.5, 1.5]])


def test_cholesky_with_nugget_raises_the_nugget_for_singular_matrices():
    K = RBF(1.0)(_duplicated_points())
    L, used = cholesky_with_nugget(K, 1e-18)
    assert used > 1e-18
    assert used < 1e-12  # raised tenfold at a time, stopping at the first that works
    assert np.allclose(L, np.tril(L))
    np.testing.assert_allclose(L @ L.T, K + used * np.mean(np.diag(K)) * np.eye(5), rtol=1e-13, atol=1e-15)
    # a positive definite matrix keeps its nugget
    K2 = RBF(1.0)(_duplicated_points()[1:])
    L2, used2 = cholesky_with_nugget(K2, 1e-8)
    assert used2 == 1e-8
    np.testing.assert_allclose(L2 @ L2.T, K2 + 1e-8 * np.eye(4), rtol=1e-13, atol=1e-15)


def test_cholesky_with_nugget_uses_a_relative_nugget():
    K = 5.0 * np.ones((3, 3))  # singular, mean diagonal 5
    L, used = cholesky_with_nugget(K, 1e-8)
    np.testing.assert_allclose(L @ L.T, K + used * 5.0 * np.eye(3), rtol=1e-13)


def test_cholesky_with_nugget_errors():
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        cholesky_with_nugget(np.array([[1.0, 2.0], [2.0, 1.0]]))  # eigenvalue -1
    with pytest.raises(ValueError, match="positive diagonal, got mean diagonal 0.0"):
        cholesky_with_nugget(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="nugget.*got -1"):
        cholesky_with_nugget(np.eye(2), -1.0)


def test_map_warns_when_it_raises_the_nugget():
    X = _duplicated_points()
    z = np.array([[1.0], [1.0], [2.0], [-1.0], [0.5]])  # consistent values at the repeated point
    with pytest.warns(RuntimeWarning, match=r"nugget=1e-18.*used"):
        S = RepresenterMap(RBF(1.0), nugget=1e-18).fit(X, z)
    assert S.nugget_ > S.nugget == 1e-18
    np.testing.assert_allclose(S(X), z, atol=1e-6)
    assert np.isfinite(S.penalty())


def test_map_with_the_default_nugget_handles_repeated_points_silently():
    X = _duplicated_points()
    z = np.array([[1.0], [1.0], [2.0], [-1.0], [0.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S = RepresenterMap(RBF(1.0)).fit(X, z)
    assert S.nugget_ == 1e-8
    np.testing.assert_allclose(S(X), z, atol=1e-6)


def test_nugget_trades_interpolation_for_smoothness():
    X = _separated_points(9, 1, spacing=0.4)
    z = np.random.default_rng(4).standard_normal((9, 1))
    small = RepresenterMap(RBF(1.0), nugget=1e-10).fit(X, z)
    large = RepresenterMap(RBF(1.0), nugget=1e-2).fit(X, z)
    assert np.abs(small(X) - z).max() < np.abs(large(X) - z).max()
    assert large.penalty() < small.penalty()
    # with the nugget, S(X) = z - eps (Q + eps I)^{-1} z exactly
    Q = RBF(1.0)(X)
    eps = 1e-2 * np.mean(np.diag(Q))
    np.testing.assert_allclose(large(X), z - eps * np.linalg.solve(Q + eps * np.eye(9), z), rtol=1e-8, atol=1e-10)


# -- errors -----------------------------------------------------------------------
def test_z_with_the_wrong_number_of_rows():
    with pytest.raises(ValueError, match=r"3 rows for 4 points"):
        RepresenterMap(RBF(1.0)).fit(np.zeros((4, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"3 rows for 4 points"):
        rkhs_penalty(np.zeros((4, 2)), np.zeros(3), RBF(1.0))


def test_call_and_penalty_before_fit():
    S = RepresenterMap(RBF(1.0))
    with pytest.raises(RuntimeError, match=r"call fit\(X, z\) first"):
        S(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match=r"call fit\(X, z\) first"):
        S.penalty()


def test_other_errors():
    X = _separated_points(4)
    with pytest.raises(TypeError, match="lecturekit kernel"):
        RepresenterMap("rbf").fit(X, np.zeros((4, 1)))
    S = RepresenterMap(RBF(1.0)).fit(X, np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"x with 3 .*X with 2"):
        S(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="z must contain only finite"):
        RepresenterMap(RBF(1.0)).fit(X, np.full((4, 1), np.nan))
    with pytest.raises(ValueError, match="nugget.*got 0.0"):
        RepresenterMap(RBF(1.0), nugget=0.0).fit(X, np.zeros((4, 1)))

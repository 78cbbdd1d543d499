"""Tests of lecturekit.pushforward."""

import numpy as np
import pytest
from scipy import integrate, stats

from lecturekit.pushforward import (
    affine_map,
    empirical_inverse_cdf_map,
    inverse_cdf_map,
    push_forward,
    pushforward_density,
    sample_pushforward,
)


# -- push_forward and sample_pushforward ------------------------------------------
def test_push_forward_shapes():
    X = np.random.default_rng(0).standard_normal((10, 3))
    assert push_forward(lambda x: x, X).shape == (10, 3)
    out = push_forward(lambda x: x[:, :2] * 2.0, X)
    np.testing.assert_array_equal(out, X[:, :2] * 2.0)
    # a map returning one number per sample gives one column
    out = push_forward(lambda x: x.sum(axis=1), X)
    assert out.shape == (10, 1)
    np.testing.assert_allclose(out[:, 0], X.sum(axis=1), rtol=1e-15)
    # lists are accepted and the output is float
    out = push_forward(lambda x: x.astype(int), [[1.0], [2.0]])
    assert out.dtype == np.float64 and out.tolist() == [[1.0], [2.0]]


def test_push_forward_errors():
    X = np.zeros((4, 2))
    with pytest.raises(TypeError, match=r"T must be a callable map, got 3"):
        push_forward(3, X)
    with pytest.raises(ValueError, match=r"one point per sample.*\(4, n_outputs\).*\(3, 2\)"):
        push_forward(lambda x: x[:3], X)
    with pytest.raises(ValueError, match=r"one point per sample.*\(\)"):
        push_forward(lambda x: 1.0, X)
    with pytest.raises(ValueError, match=r"one point per sample.*\(4, 2, 1\)"):
        push_forward(lambda x: x[..., None], X)
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        push_forward(lambda x: x, np.zeros(4))


def test_sample_pushforward():
    Y = sample_pushforward(lambda x: 3.0 * x + 5.0, 20000, n_features=2, random_state=0)
    assert Y.shape == (20000, 2)
    se = 3.0 / np.sqrt(20000)
    np.testing.assert_allclose(Y.mean(axis=0), 5.0, atol=4 * se)
    np.testing.assert_allclose(Y.std(axis=0), 3.0, atol=4 * 3.0 / np.sqrt(2 * 20000))
    np.testing.assert_array_equal(Y, sample_pushforward(lambda x: 3.0 * x + 5.0, 20000, 2, random_state=0))
    np.testing.assert_array_equal(
        sample_pushforward(lambda x: x, 5, 2, random_state=1),
        np.random.default_rng(1).standard_normal((5, 2)),
    )


# -- inverse CDF maps ---------------------------------------------------------------
@pytest.mark.parametrize("target", [stats.expon(), stats.beta(2, 5)], ids=["expon", "beta25"])
def test_inverse_cdf_map_pushes_gaussian_to_target(target):
    T = inverse_cdf_map(target)
    Z = np.random.default_rng(0).standard_normal((5000, 1))
    Y = push_forward(T, Z)
    assert Y.shape == (5000, 1)
    assert stats.kstest(Y[:, 0], target.cdf).pvalue > 0.01
    # the test has power: a slightly different target is rejected
    wrong = stats.expon(scale=1.1) if target.dist.name == "expon" else stats.beta(2, 4.5)
    assert stats.kstest(Y[:, 0], wrong.cdf).pvalue < 0.01


def test_inverse_cdf_map_is_monotone_and_exact_at_quantiles():
    T = inverse_cdf_map(stats.expon())
    q = np.array([0.01, 0.25, 0.5, 0.9, 0.999])
    np.testing.assert_allclose(T(stats.norm.ppf(q)[:, None])[:, 0], -np.log1p(-q), rtol=1e-12)
    x = np.linspace(-4, 4, 101)
    assert np.all(np.diff(T(x)) > 0)


def test_inverse_cdf_map_needs_a_ppf():
    with pytest.raises(TypeError, match="ppf"):
        inverse_cdf_map(lambda u: u)


def test_empirical_inverse_cdf_map_matches_quantiles():
    y = np.array([3.0, 1.0, 2.0])
    T = empirical_inverse_cdf_map(y)
    # levels (i + 1/2) / n map to the sorted samples, linearly in between, clamped outside
    levels = np.array([1 / 6, 1 / 2, 5 / 6])
    np.testing.assert_allclose(T(stats.norm.ppf(levels)), [1.0, 2.0, 3.0], rtol=1e-12)
    assert T(np.array([[stats.norm.ppf(1 / 3)]]))[0, 0] == pytest.approx(1.5, rel=1e-12)
    assert T(np.array([[-10.0]]))[0, 0] == 1.0
    assert T(np.array([[10.0]]))[0, 0] == 3.0
    assert empirical_inverse_cdf_map([[3.0], [1.0], [2.0]])(np.array([[0.0]]))[0, 0] == 2.0


def test_empirical_inverse_cdf_map_reproduces_a_sample():
    rng = np.random.default_rng(1)
    y = rng.exponential(size=2000)
    T = empirical_inverse_cdf_map(y)
    Z = rng.standard_normal((100000, 1))
    out = push_forward(T, Z)[:, 0]
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        # the pushed sample's quantiles are the data's, up to the sampling error of the
        # 1e5 draws (sd sqrt(q (1 - q) / 1e5) in level, times dy/dq = 1 / density = 1 / (1 - q)
        # for Exp(1)) and half a level step 1 / 2000 between quantile conventions
        tol = (4 * np.sqrt(q * (1 - q) / len(Z)) + 1 / len(y)) / (1 - q)
        assert np.quantile(out, q) == pytest.approx(np.quantile(y, q), abs=tol)
    assert out.min() >= y.min() and out.max() <= y.max()


def test_empirical_inverse_cdf_map_errors():
    with pytest.raises(ValueError, match="at least 2 sample"):
        empirical_inverse_cdf_map([1.0])
    with pytest.raises(ValueError, match="finite"):
        empirical_inverse_cdf_map([1.0, np.nan, 2.0])


# -- affine maps ------------------------------------------------------------------
def test_affine_map_values():
    T = affine_map([[2.0, 0.0], [1.0, 1.0]], [0.0, 1.0])
    np.testing.assert_array_equal(T(np.array([[1.0, 1.0], [0.0, -1.0]])), [[2.0, 3.0], [0.0, 0.0]])
    # a non-square A: R^2 -> R^3
    T3 = affine_map(np.ones((3, 2)), np.arange(3.0))
    assert T3(np.zeros((4, 2))).shape == (4, 3)


def test_affine_map_pushes_gaussian_to_gaussian():
    A = np.array([[2.0, 0.0], [1.0, 0.5]])
    b = np.array([-1.0, 3.0])
    n = 40000
    Y = push_forward(affine_map(A, b), np.random.default_rng(2).standard_normal((n, 2)))
    C = A @ A.T
    sd = np.sqrt(np.diag(C))
    np.testing.assert_allclose(Y.mean(axis=0), b, atol=4 * sd.max() / np.sqrt(n))
    # standard error of a sample covariance entry: sqrt((C_ii C_jj + C_ij^2) / n)
    se = np.sqrt((np.outer(np.diag(C), np.diag(C)) + C**2) / n)
    assert np.all(np.abs(np.cov(Y.T) - C) < 4 * se)


def test_affine_map_shape_mismatch():
    with pytest.raises(ValueError, match="A has 2 rows but b has 3 entries"):
        affine_map(np.eye(2), np.zeros(3))


# -- densities --------------------------------------------------------------------
def _lognormal_density():
    return pushforward_density(
        lambda x: stats.norm.pdf(x[:, 0]),
        np.log,  # T^{-1}(y) = log y for T(x) = exp(x)
        lambda y: 1.0 / y[:, 0],
    )


def test_pushforward_density_of_exp_is_lognormal():
    p = _lognormal_density()
    y = np.linspace(0.01, 20.0, 500)
    np.testing.assert_allclose(p(y[:, None]), stats.lognorm(s=1.0).pdf(y), rtol=1e-12)
    np.testing.assert_allclose(p(y), stats.lognorm(s=1.0).pdf(y), rtol=1e-12)  # 1-D input


def test_pushforward_density_integrates_to_one():
    p = _lognormal_density()
    # on a log-spaced grid from e^-9 to e^9 (mass outside: 2 Phi(-9) ~ 2e-19)
    y = np.exp(np.linspace(-9.0, 9.0, 20001))
    assert integrate.trapezoid(p(y), y) == pytest.approx(1.0, abs=1e-6)
    # a 2-D map with a non-constant Jacobian: T(x) = (x1, x2 + x1^3), det DT^{-1} = 1
    q = pushforward_density(
        lambda x: stats.norm.pdf(x[:, 0]) * stats.norm.pdf(x[:, 1]),
        lambda y: np.column_stack([y[:, 0], y[:, 1] - y[:, 0] ** 3]),
        lambda y: np.ones(len(y)),
    )
    # mass with |y1| > 6: 2e-9; given y1, y2 ~ N(y1^3, 1) lies well inside |y2| < 230
    g1 = np.linspace(-6, 6, 241)
    g2 = np.linspace(-230, 230, 2301)
    Y1, Y2 = np.meshgrid(g1, g2, indexing="ij")
    vals = q(np.column_stack([Y1.ravel(), Y2.ravel()])).reshape(Y1.shape)
    total = integrate.trapezoid(integrate.trapezoid(vals, g2, axis=1), g1)
    assert total == pytest.approx(1.0, abs=1e-4)
    # and it is the density of pushed samples: compare a box probability
    X = np.random.default_rng(3).standard_normal((50000, 2))
    TX = np.column_stack([X[:, 0], X[:, 1] + X[:, 0] ** 3])
    inside = (TX[:, 0] > 0.5) & (TX[:, 0] < 1.5) & (TX[:, 1] > 0.0) & (TX[:, 1] < 2.0)
    box = (g1 > 0.5 - 1e-9) & (g1 < 1.5 + 1e-9)
    fine2 = np.linspace(0.0, 2.0, 401)
    B1, B2 = np.meshgrid(g1[box], fine2, indexing="ij")
    vb = q(np.column_stack([B1.ravel(), B2.ravel()])).reshape(B1.shape)
    prob = integrate.trapezoid(integrate.trapezoid(vb, fine2, axis=1), g1[box])
    assert inside.mean() == pytest.approx(prob, abs=4 * np.sqrt(prob * (1 - prob) / 50000))

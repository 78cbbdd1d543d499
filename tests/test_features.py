"""Tests of lecturekit.features (random Fourier features)."""

import numpy as np
import pytest

from lecturekit.features import RandomFourierFeatures, rff_mmd2, rff_mmd2_and_gradient
from lecturekit.kernels import RBF, Laplace, Matern, Polynomial, RationalQuadratic
from lecturekit.mmd import mmd2

from kernel_cases import STATIONARY_KERNELS as STATIONARY  # noqa: E402
from numerics import numerical_gradient  # noqa: E402
stationary_kernels = pytest.mark.parametrize("kernel", STATIONARY)


def _grid():
    """A 5 x 5 grid in the plane: pairwise distances from 0 to about 2.8."""
    g = np.linspace(-1.0, 1.0, 5)
    return np.array([[a, b] for a in g for b in g])


@stationary_kernels
def test_features_approximate_the_kernel(kernel):
    X = _grid()
    D = 20000
    rff = RandomFourierFeatures(kernel, n_features=D, random_state=0).fit(X)
    Phi = rff.transform(X)
    assert Phi.shape == (25, 2 * D)
    K = kernel(X)
    mass = K[0, 0]
    assert rff.mass_ == pytest.approx(mass, rel=1e-14)
    assert K.max() - K.min() > 0.3 * mass  # the kernel varies over the grid
    err = np.abs(Phi @ Phi.T - K)
    # each entry is a mean of D bounded terms with standard deviation <= mass / sqrt(D)
    assert err.max() < 5 * mass / np.sqrt(D)
    np.testing.assert_allclose(np.diag(Phi @ Phi.T), mass, rtol=1e-12)  # cos^2 + sin^2
    np.testing.assert_allclose(rff.approximate_kernel(X), Phi @ Phi.T, rtol=1e-12)
    Y = X[:7] + 0.3
    np.testing.assert_allclose(rff.approximate_kernel(X, Y), Phi @ rff.transform(Y).T, rtol=1e-12)


@stationary_kernels
def test_error_shrinks_like_one_over_sqrt_D(kernel):
    X = _grid()
    K = kernel(X)
    iu = np.triu_indices(len(X), k=1)
    Ds = np.array([100, 400, 1600, 6400])
    rms = []
    for D in Ds:
        sq = []
        for seed in range(8):
            Kh = RandomFourierFeatures(kernel, int(D), random_state=seed).fit(X).approximate_kernel(X)
            sq.append(np.mean((Kh - K)[iu] ** 2))
        rms.append(np.sqrt(np.mean(sq)))
    slope = np.polyfit(np.log(Ds), np.log(rms), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.1)


# fast=True is the fused loop of lecturekit._fast when numba is installed (else numpy)
fast_and_numpy = pytest.mark.parametrize("fast", [True, False], ids=["fast", "numpy"])


@fast_and_numpy
@pytest.mark.parametrize("block_size", [1, 7, 50, 64, 10000])
def test_mean_embedding_equals_mean_of_features(block_size, fast):
    Y = np.random.default_rng(1).standard_normal((50, 3))
    rff = RandomFourierFeatures(RBF(1.0) + Laplace(2.0), 300, random_state=2).fit(Y)
    e = rff.mean_embedding(Y, block_size=block_size, fast=fast)
    assert e.shape == (600,)
    np.testing.assert_allclose(e, rff.transform(Y).mean(axis=0), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "kernel",
    [RBF(0.8), Matern(1.0, 0.5), Laplace(1.0), 3.0 * (RBF(1.0) + RationalQuadratic(0.5, 2.0))],
    ids=["rbf", "matern05", "laplace", "3*(rbf+rq)"],
)
@fast_and_numpy
@pytest.mark.parametrize("d", [2, 7])
def test_rff_mmd2_gradient_matches_finite_differences(kernel, fast, d):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((6, d))
    Y = rng.standard_normal((40, d)) + np.eye(1, d)
    rff = RandomFourierFeatures(kernel, 200, random_state=4).fit(Y)
    e = rff.mean_embedding(Y, fast=fast)
    value, grad = rff_mmd2_and_gradient(X, rff, e, fast=fast)
    # the value is the biased MMD^2 under the approximate kernel phi(x) . phi(y)
    Kxx, Kyy, Kxy = rff.approximate_kernel(X), rff.approximate_kernel(Y), rff.approximate_kernel(X, Y)
    assert value == pytest.approx(Kxx.mean() + Kyy.mean() - 2 * Kxy.mean(), rel=1e-10)
    G = numerical_gradient(lambda Z: rff_mmd2_and_gradient(Z, rff, e, fast=fast)[0], X)
    assert np.abs(G).max() > 1e-3
    np.testing.assert_allclose(grad, G, rtol=1e-5, atol=1e-6 * np.abs(G).max())


@fast_and_numpy
def test_rff_mmd2_and_gradient_vanishes_on_the_target(fast):
    Y = np.random.default_rng(1).standard_normal((100, 2))
    rff = RandomFourierFeatures(RBF(1.0), 100, random_state=0).fit(Y)
    value, grad = rff_mmd2_and_gradient(Y, rff, rff.mean_embedding(Y, fast=fast), fast=fast)
    assert value == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_allclose(grad, 0.0, atol=1e-14)


@pytest.mark.parametrize(
    "kernel", [RBF(1.0), Matern(1.0, 1.5), 2.0 * RBF(0.6) * Laplace(3.0)], ids=["rbf", "matern15", "2*rbf*laplace"]
)
def test_rff_mmd2_is_close_to_exact_mmd2(kernel):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    Y = rng.standard_normal((200, 2)) + [1.0, 0.0]
    D = 5000
    mass = kernel.diag(X[:1])[0]
    exact = mmd2(X, Y, kernel)
    approx = np.array([rff_mmd2(X, Y, kernel, n_features=D, random_state=s) for s in range(2)])
    assert exact > 0.09
    # over 30 seeds the error's standard deviation here is about 0.1 * mass / sqrt(D)
    # (and its mean is within noise of 0); allow 4 of them, under 6% of exact
    assert np.max(np.abs(approx - exact)) < 4 * 0.1 * mass / np.sqrt(D)
    # the seed matters and is honoured
    assert approx[0] != approx[1]
    assert approx[0] == rff_mmd2(X, Y, kernel, n_features=D, random_state=0)


# -- errors and reproducibility ---------------------------------------------------
@pytest.mark.parametrize(
    "kernel",
    [Polynomial(2, 1.0), RBF(1.0) + Polynomial(2), Laplace(1.0) * Polynomial(3, 0.5), 2.0 * Polynomial()],
    ids=["poly", "rbf+poly", "laplace*poly", "2*poly"],
)
def test_nonstationary_kernels_are_rejected(kernel):
    with pytest.raises(TypeError, match="stationary"):
        RandomFourierFeatures(kernel, 10, random_state=0).fit(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="stationary"):
        rff_mmd2(np.zeros((3, 2)), np.ones((3, 2)), kernel, 10, random_state=0)


def test_non_kernel_is_rejected():
    with pytest.raises(TypeError, match="lecturekit kernel"):
        RandomFourierFeatures(lambda x, y: x @ y.T).fit(np.zeros((3, 2)))


def test_transform_before_fit_is_a_runtime_error():
    rff = RandomFourierFeatures(RBF(1.0), 10)
    for method in (rff.transform, rff.mean_embedding, rff.approximate_kernel):
        with pytest.raises(RuntimeError, match="call fit"):
            method(np.zeros((3, 2)))


def test_dimension_mismatch_is_a_value_error():
    rff = RandomFourierFeatures(RBF(1.0), 10, random_state=0).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"2 features.*\(4, 3\)"):
        rff.transform(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"2 features.*\(4, 1\)"):
        rff.mean_embedding(np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"X with 2 .*Y with 3"):
        rff_mmd2(np.zeros((4, 2)), np.zeros((4, 3)), RBF(1.0))


@pytest.mark.parametrize("block_size, exc", [(0, ValueError), (2.5, TypeError)])
def test_bad_block_size(block_size, exc):
    rff = RandomFourierFeatures(RBF(1.0), 10, random_state=0).fit(np.zeros((3, 2)))
    for fast in (True, False):
        with pytest.raises(exc, match="block_size"):
            rff.mean_embedding(np.zeros((3, 2)), block_size=block_size, fast=fast)


@stationary_kernels
@pytest.mark.parametrize("n, D, d, block_size", [(3, 5, 1, 8192), (257, 700, 2, 100), (90, 300, 8, 64)])
def test_fast_path_equals_numpy_path(kernel, n, D, d, block_size):
    # the fused loops of lecturekit._fast (more cases in tests/test_fast.py); without
    # numba both calls run the numpy code
    rng = np.random.default_rng(5)
    X = rng.standard_normal((n, d))
    Y = rng.standard_normal((2 * n + 1, d)) + 0.5
    rff = RandomFourierFeatures(kernel, D, random_state=6).fit(Y)
    e_fast = rff.mean_embedding(Y, block_size=block_size)
    e_ref = rff.mean_embedding(Y, block_size=block_size, fast=False)
    np.testing.assert_allclose(e_fast, e_ref, rtol=1e-10, atol=1e-12 * np.abs(e_ref).max())
    v_fast, g_fast = rff_mmd2_and_gradient(X, rff, e_ref)
    v_ref, g_ref = rff_mmd2_and_gradient(X, rff, e_ref, fast=False)
    assert v_fast == pytest.approx(v_ref, rel=1e-10, abs=1e-15)
    np.testing.assert_allclose(g_fast, g_ref, rtol=1e-9, atol=1e-10 * np.abs(g_ref).max())


@pytest.mark.parametrize("n_features, exc", [(0, ValueError), (-5, ValueError), (10.5, TypeError), ("10", TypeError)])
def test_bad_n_features(n_features, exc):
    with pytest.raises(exc, match="n_features"):
        RandomFourierFeatures(RBF(1.0), n_features, random_state=0).fit(np.zeros((3, 2)))


@pytest.mark.parametrize("kernel", STATIONARY)
def test_same_random_state_same_frequencies(kernel):
    X = np.zeros((2, 3))
    a = RandomFourierFeatures(kernel, 50, random_state=7).fit(X)
    b = RandomFourierFeatures(kernel, 50, random_state=7).fit(X)
    c = RandomFourierFeatures(kernel, 50, random_state=8).fit(X)
    assert a.frequencies_.shape == (50, 3)
    np.testing.assert_array_equal(a.frequencies_, b.frequencies_)
    assert not np.array_equal(a.frequencies_, c.frequencies_)
    g = np.random.default_rng(7)
    d = RandomFourierFeatures(kernel, 50, random_state=g).fit(X)
    np.testing.assert_array_equal(d.frequencies_, a.frequencies_)  # a Generator is used as given


def test_rbf_frequencies_have_the_right_law():
    # w ~ N(0, I / l^2) for RBF(l): the spectral measure of exp(-|r|^2 / (2 l^2))
    rff = RandomFourierFeatures(RBF(0.5), 50000, random_state=0).fit(np.zeros((1, 2)))
    W = rff.frequencies_
    np.testing.assert_allclose(W.mean(axis=0), 0.0, atol=4 * 2.0 / np.sqrt(50000))
    np.testing.assert_allclose(W.var(axis=0), 4.0, rtol=4 * np.sqrt(2 / 50000))

"""Tests of lecturekit.mmd."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecturekit.kernels import RBF, Laplace, Matern
from lecturekit.mmd import kernel_sum, median_heuristic, mmd2, mmd2_and_gradient

PROPERTY = settings(max_examples=50, deadline=None, derandomize=True, database=None)

from kernel_cases import ALL_KERNELS as KERNELS  # noqa: E402
from numerics import numerical_gradient  # noqa: E402

all_kernels = pytest.mark.parametrize("kernel", KERNELS)


def _dense_mmd2(X, Y, kernel, unbiased):
    n, m = len(X), len(Y)
    Kxx, Kyy, Kxy = kernel(X), kernel(Y), kernel(X, Y)
    if unbiased:
        xx = (Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))
        yy = (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
    else:
        xx, yy = Kxx.mean(), Kyy.mean()
    return xx + yy - 2 * Kxy.mean()


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((101, 2))
    Y = rng.standard_normal((83, 2)) * [1.0, 1.5] + [0.7, 0.0]
    return X, Y


# -- basic properties -------------------------------------------------------------
@all_kernels
def test_mmd2_of_a_sample_with_itself_is_zero(kernel, samples):
    X, _ = samples
    assert mmd2(X, X, kernel) == 0.0
    assert mmd2(X, X.copy(), kernel) == pytest.approx(0.0, abs=1e-12 * abs(kernel(X)).max())


@all_kernels
@pytest.mark.parametrize("unbiased", [False, True])
def test_mmd2_is_symmetric_and_biased_is_nonnegative(kernel, samples, unbiased):
    X, Y = samples
    a, b = mmd2(X, Y, kernel, unbiased), mmd2(Y, X, kernel, unbiased)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-14)
    if not unbiased:
        assert a > 0


@all_kernels
@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("block_size", [7, 64, 100, 101, 256])
def test_blocked_equals_dense(kernel, samples, unbiased, block_size):
    X, Y = samples  # 101 and 83 points: not multiples of 7 or 64
    expected = _dense_mmd2(X, Y, kernel, unbiased)
    got = mmd2(X, Y, kernel, unbiased, block_size=block_size)
    scale = np.abs(kernel(Y)).max()
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-13 * scale)


@pytest.mark.parametrize("block_size", [1, 3, 7, 64])
def test_kernel_sum_blocks(block_size):
    A = np.random.default_rng(1).standard_normal((23, 3))
    B = np.random.default_rng(2).standard_normal((17, 3))
    k = Matern(1.3, 1.5)
    K = k(A)
    assert kernel_sum(k, A, block_size=block_size) == pytest.approx(K.sum(), rel=1e-12)
    assert kernel_sum(k, A, exclude_diagonal=True, block_size=block_size) == pytest.approx(
        K.sum() - np.trace(K), rel=1e-12
    )
    assert kernel_sum(k, A, B, block_size=block_size) == pytest.approx(k(A, B).sum(), rel=1e-12)


def test_biased_and_unbiased_differ_by_the_diagonal():
    X = np.array([[0.0], [1.0]])
    Y = np.array([[3.0], [5.0]])
    k = RBF(1.0)
    e = np.exp
    kxx, kyy = e(-0.5), e(-2.0)
    kxy = np.mean([e(-9 / 2), e(-25 / 2), e(-4 / 2), e(-16 / 2)])
    assert mmd2(X, Y, k) == pytest.approx((2 + 2 * kxx) / 4 + (2 + 2 * kyy) / 4 - 2 * kxy, rel=1e-14)
    assert mmd2(X, Y, k, unbiased=True) == pytest.approx(kxx + kyy - 2 * kxy, rel=1e-14)


def test_unbiased_estimator_has_mean_zero_for_equal_distributions():
    rng = np.random.default_rng(2024)
    k = RBF(1.0)
    unbiased, biased = [], []
    for _ in range(200):
        X = rng.standard_normal((40, 2))
        Y = rng.standard_normal((40, 2))
        unbiased.append(mmd2(X, Y, k, unbiased=True))
        biased.append(mmd2(X, Y, k))
    unbiased, biased = np.array(unbiased), np.array(biased)
    se = unbiased.std(ddof=1) / np.sqrt(len(unbiased))
    assert abs(unbiased.mean()) < 3 * se
    assert unbiased.min() < 0  # the U-statistic can be negative
    # the V-statistic is biased upwards by far more than the noise: the check has power
    assert biased.mean() > 10 * biased.std(ddof=1) / np.sqrt(len(biased))


def _gaussian_mmd2(a, s, b, t, ls, d):
    """Population MMD^2 between N(a, s^2 I) and N(b, t^2 I) under RBF(ls) in d dims."""

    def ek(v, mu2):  # E k(x, y) when x - y ~ N(mu, v I)
        return (ls**2 / (ls**2 + v)) ** (d / 2) * np.exp(-mu2 / (2 * (ls**2 + v)))

    gap = float(np.sum((np.asarray(a) - np.asarray(b)) ** 2))
    return ek(2 * s**2, 0.0) + ek(2 * t**2, 0.0) - 2 * ek(s**2 + t**2, gap)


def test_unbiased_estimator_matches_gaussian_closed_form():
    n, d, ls = 4000, 2, 0.8
    a, s = np.zeros(d), 1.0
    b, t = np.array([1.0, 0.0]), 0.7
    rng = np.random.default_rng(11)
    X = a + s * rng.standard_normal((n, d))
    Y = b + t * rng.standard_normal((n, d))
    k = RBF(ls)
    truth = _gaussian_mmd2(a, s, b, t, ls, d)
    estimate = mmd2(X, Y, k, unbiased=True)
    # standard deviation of the U-statistic from its Hoeffding projection:
    # Var ~ 4 Var(h1(z_i)) / n, h1(z_i) = E[k(x_i, x') + k(y_i, y') - k(x_i, y') - k(x', y_i)]
    # (its variance is estimated from 500 of the n points, to within about 6%)
    i = slice(0, 500)
    h1 = k(X[i], X).mean(1) + k(Y[i], Y).mean(1) - k(X[i], Y).mean(1) - k(Y[i], X).mean(1)
    sd = np.sqrt(4 * h1.var(ddof=1) / n)
    assert sd < truth / 10  # the comparison below is a sharp one
    # (over seeds, (estimate - truth) / sd has mean ~0 and spread ~1.25: the projection
    # slightly underestimates the variance at this n)
    assert abs(estimate - truth) < 4 * sd


def test_gaussian_closed_form_reduces_to_point_masses():
    # s = t = 0: two points at distance |a - b|, MMD^2 = 2 - 2 k(a, b)
    val = _gaussian_mmd2([0.0, 0.0], 0.0, [1.0, 0.0], 0.0, 1.0, 2)
    assert val == pytest.approx(mmd2([[0.0, 0.0]], [[1.0, 0.0]], RBF(1.0)), rel=1e-14)


# -- the gradient -----------------------------------------------------------------
def _fd_mmd2_gradient(X, Y, kernel, unbiased, h=1e-6):
    return numerical_gradient(lambda Z: mmd2(Z, Y, kernel, unbiased), X, h)




@all_kernels
@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("block_size", [3, 256])
def test_mmd2_and_gradient_matches_mmd2_and_finite_differences(kernel, unbiased, block_size, request):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((7, 2))
    Y = rng.standard_normal((6, 2)) * 0.8 + 0.9
    value, grad = mmd2_and_gradient(X, Y, kernel, unbiased, block_size=block_size)
    assert grad.shape == X.shape
    assert value == pytest.approx(mmd2(X, Y, kernel, unbiased), rel=1e-11, abs=1e-14)
    G_fd = _fd_mmd2_gradient(X, Y, kernel, unbiased)
    assert np.abs(G_fd).max() > 1e-3
    np.testing.assert_allclose(grad, G_fd, rtol=1e-5, atol=1e-6 * np.abs(G_fd).max())


@all_kernels
@pytest.mark.parametrize("unbiased", [False, True])
def test_yy_term_gives_the_same_result(kernel, unbiased, samples):
    X, Y = samples
    m = len(Y)
    K = kernel(Y)
    yy = (K.sum() - np.trace(K)) / (m * (m - 1)) if unbiased else K.mean()
    v1, g1 = mmd2_and_gradient(X, Y, kernel, unbiased)
    v2, g2 = mmd2_and_gradient(X, Y, kernel, unbiased, yy_term=yy)
    assert v2 == pytest.approx(v1, rel=1e-12, abs=1e-14)
    np.testing.assert_array_equal(g2, g1)
    # the term is really used: a wrong one shifts the value by exactly the error
    v3, _ = mmd2_and_gradient(X, Y, kernel, unbiased, yy_term=yy + 1.0)
    assert v3 == pytest.approx(v1 + 1.0, rel=1e-12)


def test_gradient_vanishes_when_samples_agree():
    X = np.random.default_rng(3).standard_normal((20, 2))
    value, grad = mmd2_and_gradient(X, X.copy(), RBF(1.0))
    assert value == pytest.approx(0.0, abs=1e-14)
    np.testing.assert_allclose(grad, 0.0, atol=1e-14)


# -- errors -----------------------------------------------------------------------
@pytest.mark.parametrize("func", [mmd2, mmd2_and_gradient])
@pytest.mark.parametrize("bad", [lambda x, y: x @ y.T, "rbf", None], ids=["lambda", "str", "None"])
def test_bad_kernels_are_type_errors(func, bad):
    X = np.zeros((3, 2))
    with pytest.raises(TypeError, match="kernel must be a lecturekit kernel"):
        func(X, X, bad)


@pytest.mark.parametrize("func", [mmd2, mmd2_and_gradient])
def test_bad_samples(func):
    k = RBF(1.0)
    with pytest.raises(ValueError, match=r"X with 2 .*Y with 3"):
        func(np.zeros((4, 2)), np.zeros((4, 3)), k)
    with pytest.raises(ValueError, match=r"Y must hold at least 2 sample"):
        func(np.zeros((4, 2)), np.zeros((1, 2)), k, True)
    with pytest.raises(ValueError, match=r"X must hold at least 2 sample"):
        func(np.zeros((1, 2)), np.zeros((4, 2)), k, True)
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        func(np.zeros(4), np.zeros((4, 1)), k)
    with pytest.raises(ValueError, match=r"finite"):
        func(np.array([[np.inf, 0.0]]), np.zeros((4, 2)), k)
    # one sample on each side is enough for the biased statistic
    value = mmd2(np.zeros((1, 2)), np.ones((1, 2)), k)
    assert value == pytest.approx(2.0 - 2.0 * np.exp(-1.0), rel=1e-14)


@pytest.mark.parametrize("func", [mmd2, mmd2_and_gradient])
@pytest.mark.parametrize("bad", ["no", "False", 0, 1, None, np.float64(1.0)])
def test_unbiased_must_be_a_bool(func, bad):
    """unbiased="no" used to mean True (a non-empty string is truthy)."""
    X = np.random.default_rng(0).standard_normal((5, 2))
    with pytest.raises(TypeError, match=r"unbiased must be True or False, got"):
        func(X, X + 1.0, RBF(1.0), bad)
    value = mmd2(X, X + 1.0, RBF(1.0), np.bool_(True))  # a numpy bool is a bool
    assert value == mmd2(X, X + 1.0, RBF(1.0), True)


def test_mmd2_rejects_bad_block_size():
    X = np.zeros((3, 1))
    with pytest.raises(ValueError, match="block_size.*got 0"):
        mmd2(X, X, RBF(1.0), block_size=0)
    with pytest.raises(TypeError, match="block_size.*2.5"):
        mmd2(X, X, RBF(1.0), block_size=2.5)


# -- median heuristic -------------------------------------------------------------
@pytest.mark.parametrize("block_size, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError)])
def test_kernel_sum_rejects_a_block_size_below_one(block_size, exc):
    A = np.zeros((5, 2))
    with pytest.raises(exc, match="block_size must be an integer >= 1"):
        kernel_sum(RBF(1.0), A, block_size=block_size)


def test_values_whose_squares_overflow_are_refused_not_scored():
    """Points ~1e155 apart: |x - y|^2 overflows to inf, and the MMD of two different
    samples came out as 0 or NaN with only a numpy warning."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((50, 2)) * 1e155, rng.standard_normal((60, 2)) * 3e155
    with pytest.raises(ValueError, match=r"X has values up to .*e\+155.*overflow.*rescale"):
        mmd2(X, Y, RBF(1.0))
    with pytest.raises(ValueError, match="rescale"):
        mmd2_and_gradient(X / 1e155, Y, RBF(1.0))
    assert mmd2(X / 1e152, Y / 1e152, RBF(1e3)) > 0  # values ~1e3 are fine


def test_median_heuristic_known_values():
    assert median_heuristic([[0.0], [1.0], [3.0]]) == pytest.approx(2.0, rel=1e-15)
    # the pooled sample: same three points
    assert median_heuristic([[0.0]], [[1.0], [3.0]]) == pytest.approx(2.0, rel=1e-15)
    # a 3-4-5 right triangle: distances 3, 4, 5
    assert median_heuristic([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]]) == pytest.approx(4.0, rel=1e-15)
    # it scales with the data
    X = np.random.default_rng(0).standard_normal((51, 3))
    assert median_heuristic(7.0 * X) == pytest.approx(7.0 * median_heuristic(X), rel=1e-12)


def test_median_heuristic_of_gaussian_sample():
    # |x - y| for x, y ~ N(0, I_2) is sqrt(2) times a Rayleigh variable, median sqrt(2 * 2 ln 2)
    # (the estimate's relative standard deviation at n = 1000 is about 1.4%)
    X = np.random.default_rng(1).standard_normal((1000, 2))
    assert median_heuristic(X) == pytest.approx(np.sqrt(4 * np.log(2)), rel=0.055)


def test_median_heuristic_subsampling_is_reproducible():
    X = np.random.default_rng(2).standard_normal((300, 2))
    a = median_heuristic(X, max_samples=50, random_state=3)
    assert a == median_heuristic(X, max_samples=50, random_state=3)
    assert a != median_heuristic(X, max_samples=50, random_state=4)
    assert a == pytest.approx(median_heuristic(X), rel=0.15)


def test_median_heuristic_with_an_even_number_of_pairs():
    # distances 1, 2, 3, 4, 6, 7: the median distance is 3.5, not sqrt((9 + 16) / 2)
    assert median_heuristic([[0.0], [1.0], [3.0], [7.0]]) == pytest.approx(3.5, rel=1e-15)


def test_median_heuristic_errors():
    with pytest.raises(ValueError, match="at least 2 points, got 1"):
        median_heuristic([[1.0, 2.0]])
    with pytest.raises(ValueError, match="median heuristic is 0"):
        median_heuristic(np.ones((5, 2)))
    with pytest.raises(ValueError, match="median heuristic is 0"):
        median_heuristic([[0.0], [0.0], [0.0], [0.0], [1.0]])  # 6 of the 10 pairs coincide
    with pytest.raises(ValueError, match=r"X with 1 .*Y with 2"):
        median_heuristic([[0.0], [1.0]], [[0.0, 1.0]])
    with pytest.raises(ValueError, match="max_samples.*got 1"):
        median_heuristic([[0.0], [1.0]], max_samples=1)


# -- properties -------------------------------------------------------------------
_samples = arrays(np.float64, st.tuples(st.integers(2, 8), st.just(2)), elements=st.floats(-3, 3, allow_nan=False))


@PROPERTY
@given(X=_samples, Y=_samples, ls=st.floats(0.2, 4.0), unbiased=st.booleans())
def test_property_mmd2_nonnegative_and_symmetric(X, Y, ls, unbiased):
    k = RBF(ls) + Laplace(2 * ls)
    a = mmd2(X, Y, k, unbiased)
    assert a == pytest.approx(mmd2(Y, X, k, unbiased), rel=1e-10, abs=1e-12)
    if not unbiased:
        assert a >= 0.0


@PROPERTY
@given(
    X=_samples,
    Y=_samples,
    ls=st.floats(0.2, 4.0),
    shift=arrays(np.float64, 2, elements=st.floats(-10, 10, allow_nan=False)),
)
def test_property_mmd2_is_translation_invariant(X, Y, ls, shift):
    for k in (RBF(ls), Matern(ls, 2.5), Laplace(ls)):
        for unbiased in (False, True):
            assert mmd2(X + shift, Y + shift, k, unbiased) == pytest.approx(
                mmd2(X, Y, k, unbiased), abs=1e-9
            )

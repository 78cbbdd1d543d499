"""Tests of lecturekit.kernels."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lecturekit.kernels import (
    RBF,
    Kernel,
    Laplace,
    Matern,
    Polynomial,
    ProductKernel,
    RationalQuadratic,
    ScaledKernel,
    SumKernel,
    kernel_from_dict,
    kernel_to_dict,
    make_kernel,
)


from kernel_cases import ALL_KERNELS as KERNELS  # noqa: E402
all_kernels = pytest.mark.parametrize("kernel", KERNELS)


@pytest.fixture(scope="module")
def XY():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((5, 3))
    Y = rng.standard_normal((4, 3))
    # general position: no coordinate of x_i equals that of y_j, and no two points
    # coincide, so Matern(nu=0.5) and the L1 Laplace kernel are differentiable
    assert np.min(np.abs(X[:, None, :] - Y[None, :, :])) > 1e-3
    return X, Y


# -- basic matrix properties ------------------------------------------------------
@all_kernels
def test_gram_without_Y_equals_gram_with_X_twice(kernel, XY):
    X, _ = XY
    K = kernel(X)
    assert K.shape == (5, 5)
    np.testing.assert_allclose(K, kernel(X, X.copy()), rtol=1e-13, atol=1e-15)


@all_kernels
def test_gram_is_symmetric(kernel, XY):
    X, Y = XY
    Z = np.vstack([X, Y])
    K = kernel(Z)
    np.testing.assert_allclose(K, K.T, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(kernel(X, Y), kernel(Y, X).T, rtol=1e-13, atol=1e-15)


@all_kernels
def test_gram_is_positive_semidefinite(kernel):
    rng = np.random.default_rng(7)
    Z = rng.standard_normal((40, 2))
    Z[5] = Z[4]  # a repeated point makes the matrix singular
    eig = np.linalg.eigvalsh(kernel(Z))
    assert eig.min() >= -1e-8 * eig.max()




@all_kernels
def test_diag_equals_diagonal_of_gram(kernel, XY, request):
    X, Y = XY
    Z = np.vstack([X, Y])
    d = kernel.diag(Z)
    assert d.shape == (9,)
    np.testing.assert_allclose(d, np.diag(kernel(Z)), rtol=1e-13)


# -- gradients --------------------------------------------------------------------
def _fd_gradient(kernel, X, Y, h=1e-6):
    """Central differences of k(x_i, y_j) in x_i, shape (n, m, d)."""
    G = np.empty((X.shape[0], Y.shape[0], X.shape[1]))
    for c in range(X.shape[1]):
        E = np.zeros_like(X)
        E[:, c] = h
        # row i of k(X + E, Y) depends on x_i only, so one call per coordinate
        G[:, :, c] = (kernel(X + E, Y) - kernel(X - E, Y)) / (2 * h)
    return G


@all_kernels
def test_gradient_matches_finite_differences(kernel, XY):
    X, Y = XY
    G = kernel.gradient(X, Y)
    assert G.shape == (5, 4, 3)
    G_fd = _fd_gradient(kernel, X, Y)
    assert np.abs(G_fd).max() > 1e-3  # not a vacuous comparison
    np.testing.assert_allclose(G, G_fd, rtol=1e-5, atol=1e-7 * np.abs(G_fd).max())


@all_kernels
def test_weighted_gradient_is_weighted_sum_of_gradient(kernel, XY):
    X, Y = XY
    W = np.random.default_rng(3).standard_normal((5, 4))
    expected = np.einsum("ij,ijk->ik", W, kernel.gradient(X, Y))
    got = kernel.weighted_gradient(X, Y, W)
    assert got.shape == (5, 3)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@all_kernels
def test_gram_and_weighted_gradient_consistent(kernel, XY):
    X, Y = XY
    W = np.random.default_rng(4).standard_normal((5, 4))
    K, G = kernel.gram_and_weighted_gradient(X, Y, W)
    np.testing.assert_allclose(K, kernel(X, Y), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(G, kernel.weighted_gradient(X, Y, W), rtol=1e-10, atol=1e-12)
    # a scalar weight is a constant matrix of weights
    K2, G2 = kernel.gram_and_weighted_gradient(X, Y, 0.3)
    np.testing.assert_allclose(K2, K, rtol=1e-12)
    np.testing.assert_allclose(
        G2, kernel.weighted_gradient(X, Y, np.full((5, 4), 0.3)), rtol=1e-10, atol=1e-12
    )


@all_kernels
def test_weighted_gradient_rejects_wrong_weight_shape(kernel, XY):
    X, Y = XY
    with pytest.raises(ValueError, match=r"\(5, 4\).*\(4, 5\)"):
        kernel.weighted_gradient(X, Y, np.ones((4, 5)))


@pytest.mark.parametrize("offset", [0.0, 100.0])
def test_matern05_is_exactly_one_at_coincident_points(offset):
    X = np.random.default_rng(0).standard_normal((50, 3)) + offset
    K = Matern(1.0, 0.5)(X)
    # k(x, x) = exp(0) = 1; the distance from a point to itself is 0
    np.testing.assert_allclose(np.diag(K), 1.0, rtol=1e-12)


def test_stationary_gradient_is_zero_at_coincident_points():
    x = np.array([[0.3, -1.2]])
    for k in (RBF(1.0), Matern(1.0, 0.5), Matern(1.0, 1.5), Laplace(1.0), RationalQuadratic()):
        np.testing.assert_array_equal(k.gradient(x, x), np.zeros((1, 1, 2)))


# -- closed forms -----------------------------------------------------------------
def test_rbf_value_at_distance_one():
    K = RBF(1.0)([[0.0, 0.0], [1.0, 0.0]])
    assert K[0, 1] == pytest.approx(np.exp(-0.5), rel=1e-14)
    assert K[0, 0] == 1.0


def test_rbf_lengthscale_convention():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    for ls in (0.3, 1.0, 2.7):
        r2 = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
        np.testing.assert_allclose(RBF(ls)(X, Y), np.exp(-r2 / (2 * ls**2)), rtol=1e-12)


def test_rational_quadratic_value():
    x, y = [[0.0, 0.0]], [[0.6, 0.8]]  # distance 1
    expected = (1 + 1 / (2 * 1.5 * 0.8**2)) ** -1.5
    assert RationalQuadratic(0.8, 1.5)(x, y)[0, 0] == pytest.approx(expected, rel=1e-14)
    # large alpha: the RBF limit
    assert RationalQuadratic(0.8, 1e7)(x, y)[0, 0] == pytest.approx(
        RBF(0.8)(x, y)[0, 0], rel=1e-6
    )


@pytest.mark.parametrize(
    "nu, profile",
    [
        (0.5, lambda r: np.exp(-r)),
        (1.5, lambda r: (1 + np.sqrt(3) * r) * np.exp(-np.sqrt(3) * r)),
        (2.5, lambda r: (1 + np.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-np.sqrt(5) * r)),
    ],
)
def test_matern_values(nu, profile):
    x, y = [[0.0, 0.0]], [[0.6, 0.8]]  # distance 1
    assert Matern(1.0, nu)(x, y)[0, 0] == pytest.approx(profile(1.0), rel=1e-14)
    assert Matern(0.9, nu)(x, y)[0, 0] == pytest.approx(profile(1 / 0.9), rel=1e-14)


def test_matern15_at_distance_one():
    assert Matern(1.0, 1.5)([[0.0]], [[1.0]])[0, 0] == pytest.approx(
        (1 + np.sqrt(3)) * np.exp(-np.sqrt(3)), rel=1e-14
    )


def test_laplace_uses_l1_norm():
    x, y = [[0.0, 0.0]], [[1.0, -2.0]]
    assert Laplace(1.1)(x, y)[0, 0] == pytest.approx(np.exp(-3 / 1.1), rel=1e-14)
    # not the Euclidean norm (that would be Matern nu=0.5)
    assert Laplace(1.1)(x, y)[0, 0] != pytest.approx(Matern(1.1, 0.5)(x, y)[0, 0], rel=1e-3)


def test_polynomial_value():
    x, y = [[1.0, 2.0]], [[3.0, 0.5]]  # x.y = 4
    assert Polynomial(2, 1.0)(x, y)[0, 0] == pytest.approx(25.0, rel=1e-15)
    assert Polynomial(3, 0.5)(x, y)[0, 0] == pytest.approx(4.5**3, rel=1e-15)
    assert Polynomial(1, 0.0)(x, y)[0, 0] == pytest.approx(4.0, rel=1e-15)


def test_composites_combine_their_parts(XY):
    X, Y = XY
    a, b, c = RBF(1.0), Matern(0.5, 2.5), Laplace(1.0)
    np.testing.assert_allclose((a + b)(X, Y), a(X, Y) + b(X, Y), rtol=1e-13)
    np.testing.assert_allclose((a * b)(X, Y), a(X, Y) * b(X, Y), rtol=1e-13)
    np.testing.assert_allclose((2.0 * a)(X, Y), 2.0 * a(X, Y), rtol=1e-14)
    np.testing.assert_allclose((a * 3)(X, Y), 3.0 * a(X, Y), rtol=1e-14)
    p = Polynomial(2)
    np.testing.assert_allclose(((a + p) * c)(X, Y), (a(X, Y) + p(X, Y)) * c(X, Y), rtol=1e-13)
    assert isinstance(a + b, SumKernel)
    assert isinstance(a * b, ProductKernel)
    assert isinstance(2 * a, ScaledKernel) and isinstance(a * 2, ScaledKernel)


def test_stationary_flags():
    assert RBF().stationary and Laplace().stationary and Matern().stationary
    assert (RBF() * RationalQuadratic()).stationary and (2.0 * (RBF() + Laplace())).stationary
    assert not Polynomial().stationary
    assert not (RBF() + Polynomial()).stationary
    assert not ((RBF() + Polynomial()) * Laplace()).stationary


# -- serialisation and names ------------------------------------------------------
@all_kernels
def test_dict_round_trip(kernel, XY):
    X, Y = XY
    spec = json.loads(json.dumps(kernel_to_dict(kernel)))
    back = kernel_from_dict(spec)
    assert back == kernel
    assert hash(back) == hash(kernel)
    assert type(back) is type(kernel)
    np.testing.assert_array_equal(back(X, Y), kernel(X, Y))


def test_equality_distinguishes_parameters():
    assert RBF(0.7) != RBF(0.8)
    assert RBF(1.0) != Laplace(1.0)
    assert Matern(1.0, 0.5) != Matern(1.0, 1.5)
    assert 2.0 * RBF(1.0) != 3.0 * RBF(1.0)
    assert RBF(1.0) + Matern(0.5, 2.5) != RBF(1.0) * Matern(0.5, 2.5)


def test_kernel_from_dict_unknown_type():
    with pytest.raises(ValueError, match="'Cosine'"):
        kernel_from_dict({"type": "Cosine", "lengthscale": 1.0})


def test_kernel_to_dict_rejects_foreign_kernel():
    class MyKernel(Kernel):
        pass

    with pytest.raises(TypeError, match="MyKernel"):
        kernel_to_dict(MyKernel())


@pytest.mark.parametrize(
    "name, params, expected",
    [
        ("rbf", {"lengthscale": 0.5}, RBF(0.5)),
        ("Gaussian", {"lengthscale": 0.5}, RBF(0.5)),
        ("RBF", {}, RBF(1.0)),
        ("rq", {"lengthscale": 2.0, "alpha": 3.0}, RationalQuadratic(2.0, 3.0)),
        ("rational_quadratic", {}, RationalQuadratic()),
        ("Rational-Quadratic", {"alpha": 2.0}, RationalQuadratic(1.0, 2.0)),
        ("matern", {"lengthscale": 0.9, "nu": 2.5}, Matern(0.9, 2.5)),
        ("laplace", {"lengthscale": 1.1}, Laplace(1.1)),
        ("polynomial", {"degree": 3, "offset": 0.5}, Polynomial(3, 0.5)),
    ],
)
def test_make_kernel_by_name(name, params, expected):
    assert make_kernel(name, **params) == expected


def test_make_kernel_passes_kernels_through_and_rejects_unknown_names():
    k = RBF(1.0) + Laplace(2.0)
    assert make_kernel(k) is k
    with pytest.raises(ValueError, match="unknown kernel name 'cosine'"):
        make_kernel("cosine")
    with pytest.raises(TypeError, match="3.5"):
        make_kernel(3.5)


# -- bad parameters ---------------------------------------------------------------
STATIONARY_CLASSES = pytest.mark.parametrize(
    "cls", [RBF, RationalQuadratic, Matern, Laplace], ids=lambda c: c.__name__
)


@STATIONARY_CLASSES
@pytest.mark.parametrize(
    "value, match",
    [(0, r"lengthscale.*got 0\.0"), (-1.5, r"lengthscale.*got -1\.5"), (float("nan"), r"lengthscale.*got nan"),
     (float("inf"), r"lengthscale.*got inf")],
)
def test_bad_lengthscale_value(cls, value, match):
    with pytest.raises(ValueError, match=match):
        cls(lengthscale=value)


@STATIONARY_CLASSES
@pytest.mark.parametrize("value", ["1.0", None, True, [1.0]])
def test_bad_lengthscale_type(cls, value):
    with pytest.raises(TypeError, match=r"lengthscale.*" + repr(value).replace("[", r"\[").replace("]", r"\]")):
        cls(lengthscale=value)


def test_bad_rational_quadratic_alpha():
    with pytest.raises(ValueError, match=r"alpha.*got -2\.0"):
        RationalQuadratic(1.0, -2.0)
    with pytest.raises(ValueError, match=r"alpha.*got 0\.0"):
        RationalQuadratic(1.0, 0.0)


@pytest.mark.parametrize("nu", [1.0, 2.0, 0.0, -0.5, "1.5", None])
def test_bad_matern_nu(nu):
    with pytest.raises(ValueError, match=r"nu must be one of .*got " + repr(nu).replace(".", r"\.")):
        Matern(1.0, nu)


def test_bad_polynomial_parameters():
    with pytest.raises(ValueError, match=r"degree.*got 0"):
        Polynomial(degree=0)
    with pytest.raises(ValueError, match=r"degree.*got -2"):
        Polynomial(degree=-2)
    with pytest.raises(TypeError, match=r"degree.*2\.5"):
        Polynomial(degree=2.5)
    with pytest.raises(ValueError, match=r"offset.*got -1"):
        Polynomial(2, offset=-1)
    with pytest.raises(ValueError, match=r"offset.*got nan"):
        Polynomial(2, offset=float("nan"))


@all_kernels
def test_kernel_plus_number_is_a_type_error(kernel):
    with pytest.raises(TypeError, match=r"1\.0"):
        kernel + 1.0
    with pytest.raises(TypeError, match=r"1\.0"):
        1.0 + kernel
    with pytest.raises(TypeError):
        kernel + "rbf"


@all_kernels
def test_nonpositive_scale_is_a_value_error(kernel):
    with pytest.raises(ValueError, match=r"scale.*got -1\.0"):
        -1 * kernel
    with pytest.raises(ValueError, match=r"scale.*got 0\.0"):
        kernel * 0.0
    with pytest.raises(ValueError, match=r"scale.*got nan"):
        float("nan") * kernel


# -- bad inputs -------------------------------------------------------------------
@all_kernels
def test_one_dimensional_input_is_rejected_with_reshape_hint(kernel):
    with pytest.raises(ValueError, match=r"shape \(3,\).*reshape\(-1, 1\)"):
        kernel(np.zeros(3))
    with pytest.raises(ValueError, match=r"Y must be a 2-D.*shape \(3,\)"):
        kernel(np.zeros((3, 1)), np.zeros(3))


@all_kernels
def test_mismatched_dimensions_are_rejected(kernel):
    with pytest.raises(ValueError, match=r"X with 2 .*Y with 3"):
        kernel(np.zeros((4, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"X with 2 .*Y with 3"):
        kernel.gradient(np.zeros((4, 2)), np.zeros((5, 3)))


@all_kernels
def test_nan_and_empty_inputs_are_rejected(kernel):
    X = np.ones((4, 2))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"X must contain only finite values, got 1 NaN"):
        kernel(X)
    with pytest.raises(ValueError, match=r"Y must contain only finite"):
        kernel(np.ones((4, 2)), X)
    with pytest.raises(ValueError, match=r"at least 1 sample.*\(0, 2\)"):
        kernel(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"X must contain only finite"):
        kernel.diag(X)


# -- properties -------------------------------------------------------------------
def _points(max_n=8, max_d=3):
    return st.tuples(st.integers(1, max_n), st.integers(1, max_d)).flatmap(
        lambda shape: arrays(np.float64, shape, elements=st.floats(-4, 4, allow_nan=False))
    )


_lengthscales = st.floats(0.1, 5.0)


def _stationary_kernel(draw_ls, which):
    return [
        RBF(draw_ls),
        RationalQuadratic(draw_ls, 0.7),
        Matern(draw_ls, 0.5),
        Matern(draw_ls, 1.5),
        Matern(draw_ls, 2.5),
        Laplace(draw_ls),
        RBF(draw_ls) + Matern(2 * draw_ls, 2.5),
        1.7 * RBF(draw_ls) * Laplace(draw_ls),
    ][which]


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(X=_points(), ls=_lengthscales, which=st.integers(0, 8))
def test_property_gram_symmetric_psd(X, ls, which):
    kernel = Polynomial(2, ls) if which == 8 else _stationary_kernel(ls, which)
    K = kernel(X)
    np.testing.assert_allclose(K, K.T, rtol=1e-12, atol=1e-14)
    eig = np.linalg.eigvalsh(K)
    assert eig.min() >= -1e-8 * max(eig.max(), 1e-300)


@settings(max_examples=50, deadline=None, derandomize=True, database=None)
@given(
    X=arrays(np.float64, (5, 2), elements=st.floats(-4, 4, allow_nan=False)),
    ls=_lengthscales,
    which=st.integers(0, 7),
    shift=arrays(np.float64, 2, elements=st.floats(-10, 10, allow_nan=False)),
)
def test_property_stationary_kernels_are_translation_invariant(X, ls, which, shift):
    kernel = _stationary_kernel(ls, which)
    Y = X[::-1] * 0.5 + 0.25
    np.testing.assert_allclose(kernel(X + shift, Y + shift), kernel(X, Y), rtol=1e-7, atol=1e-9)

"""Checks for the exercises of chapter 5, "The representer formula"."""

import numpy as np
from scipy import linalg

from ..kernels import RBF, Laplace, Matern, RationalQuadratic
from ..mmd import mmd2_and_gradient
from ..representer import RepresenterMap, cholesky_with_nugget, rkhs_penalty
from ..transport import TransportProblem
from ._core import Case, register

# Every kernel used below has Q(x, x) = 1, so lecturekit's relative nugget 1e-8 is
# the absolute nugget eps = 1e-8 that the exercises ask for.
NUGGET = 1e-8


def _factor(kernel, X):
    """The lower Cholesky factor of ``Q(X, X) + eps I``, as lecturekit computes it."""
    return cholesky_with_nugget(kernel(X), NUGGET)[0]


def _lower(L, B):
    """``L^{-1} B``."""
    return linalg.solve_triangular(L, B, lower=True, check_finite=False)


def _upper(L, B):
    """``L^{-T} B``."""
    return linalg.solve_triangular(L, B, lower=True, trans="T", check_finite=False)


def _without_nugget(K, B):
    """``K^{-1} B`` with no nugget, for the values that answer without it return."""
    return np.linalg.solve(K, B)


def _with_duplicates(seed, n, d, n_repeated, d_out):
    """Reference points with ``n_repeated`` of them repeated, and equal values there."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    z = rng.standard_normal((n, d_out))
    return np.vstack([X, X[:n_repeated]]), np.vstack([z, z[:n_repeated]])


# ---------------------------------------------------------------------------------
# ch5-ex-parallel: the representer map, coded with a Cholesky factor

_NO_NUGGET = ("this is the result without the nugget: factor Q(X, X) + eps I with eps = 1e-8, "
              "as the exercise asks and lecturekit does. Without it a badly conditioned "
              "Q(X, X) loses digits, and a singular one cannot be factored at all.")


def _representer_reference(x, X, z, kernel):
    return RepresenterMap(kernel, nugget=NUGGET).fit(X, z)(x)


def _representer_wrong(x, X, z, kernel, *, nugget_free=True):
    L = _factor(kernel, X)
    Qx = kernel(x, X)
    wrong = {
        "one triangular solve gives L^{-1} z, the whitened variables, not the "
        "coefficients: with Q(X, X) + eps I = L L^T, c = (L L^T)^{-1} z needs a solve "
        "with L and then one with L^T.": Qx @ _lower(L, z),
        "the two triangular solves are in the wrong order: (L L^T)^{-1} = L^{-T} L^{-1}, "
        "so solve with L first, then with L^T (scipy.linalg.cholesky returns the upper "
        "factor L^T unless you pass lower=True).": Qx @ _lower(L, _upper(L, z)),
        "both triangular solves use the same matrix: (L L^T)^{-1} z needs one solve with L "
        "and one with its transpose L^T.": Qx @ _lower(L, _lower(L, z)),
        "both triangular solves use the same matrix L^T: (L L^T)^{-1} z needs one solve "
        "with L and then one with L^T.": Qx @ _upper(L, _upper(L, z)),
        "the values z are not the coefficients of the map: T(x) = Q(x, X) c with "
        "c = Q(X, X)^{-1} z.": Qx @ z,
    }
    if len(x) == len(X):
        wrong["the kernel matrix is the wrong way round: Q(x, X) has one row per new point "
              "and one column per reference point, shape (n_new, n)."] = (
            kernel(X, x) @ _upper(L, _lower(L, z)))
    if nugget_free:
        wrong[_NO_NUGGET] = Qx @ _without_nugget(kernel(X), z)
    return wrong


@register("ch5-parallel", chapter=5, title="The representer formula by orthogonal decomposition",
          label="ch5-ex-parallel",
          answer="a function representer_map(x, X, z, kernel) -> array of shape (n_new, d_out), "
                 "T(x) = Q(x, X) (Q(X, X) + eps I)^{-1} z with eps = 1e-8, for new points x "
                 "(n_new, d), reference points X (n, d) and values z (n, d_out)")
def _parallel():
    hint = ("evaluate your map at the reference points X: it must reproduce z to about "
            "1e-6. Then check the shapes: Q(x, X) is (n_new, n), the coefficients (n, d_out).")
    cases = []
    settings = [
        ("n = 30 reference points in 2-D with values in 3-D, 17 new points, RBF(0.5)",
         0, 30, 2, 3, 17, RBF(0.5)),
        ("n = 20 reference points in 3-D with values in 2-D, 20 new points (as many as "
         "reference points), Laplace(1.0)", 1, 20, 3, 2, 20, Laplace(1.0)),
        ("n = 12 reference points in 1-D, z of shape (12, 1), a single new point, "
         "RationalQuadratic(0.7, alpha=2)", 2, 12, 1, 1, 1, RationalQuadratic(0.7, alpha=2.0)),
    ]
    for description, seed, n, d, d_out, n_new, kernel in settings:
        rng = np.random.default_rng(seed)
        X, z = rng.standard_normal((n, d)), rng.standard_normal((n, d_out))
        x = rng.standard_normal((n_new, d))
        cases.append(Case(description, args=(x, X, z, kernel),
                          expected=_representer_reference(x, X, z, kernel),
                          wrong=_representer_wrong(x, X, z, kernel, nugget_free=n > 15),
                          rtol=1e-6, atol=1e-9, hint=hint))

    # the new points are the reference points: the map interpolates
    rng = np.random.default_rng(3)
    X, z = rng.standard_normal((25, 2)), rng.standard_normal((25, 2))
    kernel = Matern(0.8, nu=2.5)
    cases.append(Case("x = X, 25 points in 2-D, Matern(0.8, nu=2.5): the map must return z, "
                      "up to the nugget", args=(X, X, z, kernel),
                      expected=_representer_reference(X, X, z, kernel),
                      wrong=_representer_wrong(X, X, z, kernel), rtol=1e-6, atol=1e-9,
                      hint=hint))

    # repeated reference points: Q(X, X) is singular, only the nugget makes it factor
    X, z = _with_duplicates(4, 10, 2, 3, 2)
    x = np.random.default_rng(5).standard_normal((6, 2))
    kernel = RBF(0.6)
    cases.append(Case("13 reference points in 2-D of which 3 are repeated (with equal values), "
                      "6 new points, RBF(0.6): Q(X, X) is singular", args=(x, X, z, kernel),
                      expected=_representer_reference(x, X, z, kernel),
                      wrong=_representer_wrong(x, X, z, kernel, nugget_free=False),
                      rtol=1e-6, atol=1e-8,
                      hint="two equal reference points give two equal rows of Q(X, X), which "
                           "is then singular: factor Q(X, X) + eps I with eps = 1e-8, not "
                           "Q(X, X)."))
    return cases


# ---------------------------------------------------------------------------------
# ch5-ex-gradient: the gradient in the whitened variables


def _gradient_reference(X, Y, z, mmd_kernel, map_kernel, reg):
    problem = TransportProblem(X, Y, mmd_kernel, map_kernel, reg=reg, nugget=NUGGET)
    a = _lower(problem.L, z)
    return problem(a.ravel())[1].reshape(z.shape)


def _gradient_wrong(X, Y, z, mmd_kernel, map_kernel, reg):
    L = _factor(map_kernel, X)
    a = _lower(L, z)
    G = mmd2_and_gradient(X + z, Y, mmd_kernel)[1]
    return {
        "the chain rule through z = L a multiplies the gradient by the transpose: "
        "grad_a = L^T grad_z, not L grad_z.": L @ G + 2 * reg * a,
        "G is the gradient with respect to z; f depends on a through z = L a, so the chain "
        "rule multiplies it by L^T.": G + 2 * reg * a,
        "the whitened variables solve L a = z, that is a = L^{-1} z (a triangular solve "
        "with L), not L^T a = z.": L.T @ G + 2 * reg * _upper(L, z),
        "the derivative of reg |a|^2 is 2 reg a: the factor 2 is missing.":
            L.T @ G + reg * a,
        "the penalty's gradient must be multiplied by the weight reg.": L.T @ G + 2 * a,
        "the penalty reg |a|^2 contributes 2 reg a to the gradient; that term is missing.":
            L.T @ G,
        "in the whitened variables the penalty is reg |a|^2, so its gradient is 2 reg a "
        "(with a = L^{-1} z), not 2 reg z.": L.T @ G + 2 * reg * z,
        "the residual map pushes x_i to x_i + z_i: take the MMD gradient at the points "
        "X + z, not at z.": L.T @ mmd2_and_gradient(z, Y, mmd_kernel)[1] + 2 * reg * a,
        "the objective uses the biased squared MMD (the V-statistic, lk.mmd2_and_gradient's "
        "default), not the unbiased one.":
            L.T @ mmd2_and_gradient(X + z, Y, mmd_kernel, unbiased=True)[1] + 2 * reg * a,
    }


@register("ch5-gradient", chapter=5, title="The gradient in whitened variables",
          label="ch5-ex-gradient",
          answer="a function whitened_gradient(X, Y, z, mmd_kernel, map_kernel, reg) -> array "
                 "of shape (n, d), the gradient of f(a) = MMD_K^2(X + L a, Y) + reg |a|^2 with "
                 "respect to a, at the a with L a = z (Q(X, X) + 1e-8 I = L L^T)")
def _gradient():
    cases = []
    settings = [
        ("n = 25 reference points, m = 40 data points in 2-D, K = RBF(0.5), Q = RBF(0.8), "
         "reg = 0.05", 0, 25, 40, 2, RBF(0.5), RBF(0.8), 0.05, 0.3),
        ("n = 15, m = 10 in 3-D, K = RationalQuadratic(1.0, alpha=1), Q = Laplace(1.5), "
         "reg = 0.3", 1, 15, 10, 3, RationalQuadratic(1.0, alpha=1.0), Laplace(1.5), 0.3, 0.2),
        ("n = 10, m = 30 in 1-D, K = RBF(0.3), Q = Matern(1.0, nu=1.5), reg = 0.002",
         2, 10, 30, 1, RBF(0.3), Matern(1.0, nu=1.5), 0.002, 0.5),
        ("z = 0 (the identity map), n = 20, m = 20 in 2-D, K = RBF(1.0), Q = RBF(0.5), "
         "reg = 0.1", 3, 20, 20, 2, RBF(1.0), RBF(0.5), 0.1, 0.0),
    ]
    for description, seed, n, m, d, K, Q, reg, size in settings:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        Y = rng.standard_normal((m, d)) + 0.7
        # smooth displacements: z = L a for a moderate a
        z = _factor(Q, X) @ (size * rng.standard_normal((n, d)))
        cases.append(Case(description, args=(X, Y, z, K, Q, reg),
                          expected=_gradient_reference(X, Y, z, K, Q, reg),
                          wrong=_gradient_wrong(X, Y, z, K, Q, reg), rtol=1e-6, atol=1e-10,
                          hint="compare with central finite differences of f in a, one entry "
                               "of a at a time; then look at the two terms of the gradient "
                               "separately."))
    return cases


# ---------------------------------------------------------------------------------
# ch5-ex-norm: the penalty and its gradient


def _norm_wrong(X, z, kernel):
    L = _factor(kernel, X)
    w = _lower(L, z)                       # L^{-1} z
    c = _upper(L, w)                       # (Q + eps I)^{-1} z
    K = kernel(X)
    wrong = {
        "that is the squared norm c^T Q(X, X) c of the fitted function; the penalty is "
        "computed with the matrix that is factored, Q(X, X) + eps I, which adds "
        "eps |c|^2.": float(np.sum(c * (K @ c))),
        "the penalty is the sum over the coordinates j of z_j^T Q^{-1} z_j, the trace of "
        "z^T Q^{-1} z, not the sum of all its entries (the off-diagonal ones mix different "
        "coordinates).": float(np.sum(w.T @ w)),
        "with Q(X, X) + eps I = L L^T, z^T (L L^T)^{-1} z = |L^{-1} z|^2: solve with L, "
        "not with L^T.": float(np.sum(_upper(L, z) ** 2)),
        "the squared norm of the coefficients c = Q^{-1} z is not the RKHS norm of the "
        "map: that is c^T Q c = z^T Q^{-1} z.": float(np.sum(c * c)),
        "the penalty uses the inverse of Q(X, X), not Q(X, X) itself.":
            float(np.sum(z * (K @ z))),
        "Q(X, X)^{-1} is missing: the penalty is z^T Q^{-1} z, not |z|^2.": float(np.sum(z * z)),
        "the penalty is the squared norm: do not take a square root.":
            float(np.sqrt(np.sum(w * w))),
        "the penalty is a sum over the points and the coordinates, not a mean.":
            float(np.mean(w * w)),
    }
    if z.shape[1] > 1:
        wrong["every coordinate of the map contributes: sum z_j^T Q^{-1} z_j over all the "
              "columns j of z, not only the first."] = float(np.sum(w[:, 0] ** 2))
    return wrong


@register("ch5-norm", chapter=5, title="The penalty is a squared RKHS norm", label="ch5-ex-norm",
          answer="a function rkhs_penalty(X, z, kernel) -> float, the sum over the columns z_j "
                 "of z of z_j^T (Q(X, X) + eps I)^{-1} z_j with eps = 1e-8")
def _norm():
    hint = ("factor Q(X, X) + eps I = L L^T; the penalty is the sum of the squares of all "
            "the entries of L^{-1} z, a single number.")
    cases = []
    settings = [
        ("40 points in 2-D, random values in 2-D, RBF(0.3)", 0, 40, 2, 2, RBF(0.3)),
        ("20 points in 3-D, random values in 4-D, Laplace(1.0)", 1, 20, 3, 4, Laplace(1.0)),
        ("15 points in 1-D, z of shape (15, 1), RBF(0.4)", 2, 15, 1, 1, RBF(0.4)),
    ]
    for description, seed, n, d, d_out, kernel in settings:
        rng = np.random.default_rng(seed)
        X, z = rng.standard_normal((n, d)), rng.standard_normal((n, d_out))
        wrong = _norm_wrong(X, z, kernel)
        wrong[_NO_NUGGET] = float(np.sum(z * _without_nugget(kernel(X), z)))
        cases.append(Case(description, args=(X, z, kernel), expected=rkhs_penalty(X, z, kernel),
                          wrong=wrong, rtol=1e-6, atol=1e-10, hint=hint))

    # smooth values at many points: Q(X, X) is singular to working precision
    X = np.random.default_rng(3).standard_normal((60, 2))
    z = np.column_stack([np.sin(2 * X[:, 0]), np.cos(X[:, 1])])
    kernel = RBF(0.7)
    cases.append(Case("the smooth values sin(2 x_1), cos(x_2) at 60 points in 2-D, RBF(0.7): "
                      "Q(X, X) is singular to working precision", args=(X, z, kernel),
                      expected=rkhs_penalty(X, z, kernel), wrong=_norm_wrong(X, z, kernel),
                      rtol=1e-5, atol=1e-10, hint=hint))

    X, z = _with_duplicates(4, 10, 2, 3, 2)
    kernel = RBF(0.6)
    cases.append(Case("13 points in 2-D of which 3 are repeated (with equal values), RBF(0.6): "
                      "Q(X, X) is singular", args=(X, z, kernel),
                      expected=rkhs_penalty(X, z, kernel), wrong=_norm_wrong(X, z, kernel),
                      rtol=1e-6, atol=1e-10,
                      hint="two equal reference points give two equal rows of Q(X, X), which "
                           "is then singular: factor Q(X, X) + eps I with eps = 1e-8."))
    return cases


def _norm_gradient_wrong(X, z, kernel, reg):
    L = _factor(kernel, X)
    c = _upper(L, _lower(L, z))
    return {
        "the gradient of z^T A z is 2 A z for a symmetric A: the factor 2 is missing.":
            reg * c,
        "the penalty is multiplied by reg, and so is its gradient.": 2 * c,
        "the gradient of reg z^T A z is 2 reg A z: both the factor 2 and reg are missing.": c,
        "that is 2 reg a with a = L^{-1} z, the gradient in the whitened variables; with "
        "respect to z it is 2 reg (L L^T)^{-1} z, a solve with L and then with L^T.":
            2 * reg * _lower(L, z),
        "the gradient involves the inverse of Q(X, X) + eps I, not the matrix itself.":
            2 * reg * (kernel(X) @ z),
        "the inverse of Q(X, X) is missing: the gradient of reg z^T Q^{-1} z is "
        "2 reg Q^{-1} z.": 2 * reg * z,
    }


@register("ch5-norm-gradient", chapter=5, title="The penalty is a squared RKHS norm",
          label="ch5-ex-norm",
          answer="a function penalty_gradient(X, z, kernel, reg) -> array of shape (n, d_out), "
                 "the gradient with respect to z of reg times the penalty of rkhs_penalty")
def _norm_gradient():
    hint = ("differentiate reg z_j^T A z_j for one column j with A = (Q(X, X) + eps I)^{-1} "
            "symmetric; the gradient has the shape of z.")
    cases = []
    settings = [
        ("40 points in 2-D, values in 2-D, RBF(0.3), reg = 0.05", 0, 40, 2, 2, RBF(0.3), 0.05),
        ("20 points in 3-D, values in 4-D, Laplace(1.0), reg = 3.0", 1, 20, 3, 4,
         Laplace(1.0), 3.0),
        ("15 points in 1-D, z of shape (15, 1), Matern(0.5, nu=1.5), reg = 0.001", 2, 15, 1,
         1, Matern(0.5, nu=1.5), 0.001),
    ]
    for description, seed, n, d, d_out, kernel, reg in settings:
        rng = np.random.default_rng(seed)
        X, z = rng.standard_normal((n, d)), rng.standard_normal((n, d_out))
        expected = 2 * reg * RepresenterMap(kernel, nugget=NUGGET).fit(X, z).coef_
        cases.append(Case(description, args=(X, z, kernel, reg), expected=expected,
                          wrong=_norm_gradient_wrong(X, z, kernel, reg), rtol=1e-6,
                          atol=1e-10, hint=hint))
    X, z = _with_duplicates(4, 10, 2, 3, 2)
    kernel, reg = RBF(0.6), 0.1
    expected = 2 * reg * RepresenterMap(kernel, nugget=NUGGET).fit(X, z).coef_
    cases.append(Case("13 points in 2-D of which 3 are repeated (with equal values), RBF(0.6), "
                      "reg = 0.1: Q(X, X) is singular", args=(X, z, kernel, reg),
                      expected=expected, wrong=_norm_gradient_wrong(X, z, kernel, reg),
                      rtol=1e-6, atol=1e-8,
                      hint="two equal reference points give two equal rows of Q(X, X), which "
                           "is then singular: solve with Q(X, X) + eps I, eps = 1e-8."))
    return cases

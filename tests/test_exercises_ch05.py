"""Chapter 5's exercise checks: right answers pass, typical mistakes fail with their hint."""

import numpy as np
import pytest
from scipy import linalg

import lecturekit as lk
from lecturekit.exercises import _core
from exercise_checks import fails_with as _fails_with  # noqa: E402

EPS = 1e-8


def _factor(Q):
    """Lower factor of Q + eps I, with numpy (not lecturekit's helper)."""
    return np.linalg.cholesky(Q + EPS * np.eye(len(Q)))


def _lo(L, B):
    return linalg.solve_triangular(L, B, lower=True)


def _up(L, B):
    return linalg.solve_triangular(L.T, B, lower=False)


# ---------------------------------------------------------------------------------
# ch5-parallel: representer_map(x, X, z, kernel)


def representer_map(x, X, z, kernel):
    L = _factor(kernel(X))
    return kernel(x, X) @ _up(L, _lo(L, z))


def representer_map_solve(x, X, z, kernel):
    # another correct route: a dense solve with the nugget
    return kernel(x, X) @ np.linalg.solve(kernel(X) + EPS * np.eye(len(X)), z)


@pytest.mark.parametrize("answer", [representer_map, representer_map_solve])
def test_parallel_right_answers_pass(answer):
    result = lk.exercises.check("ch5-parallel", answer, verbose=False)
    assert result and result.n_cases == 5


def test_parallel_one_solve():
    def one_solve(x, X, z, kernel):
        return kernel(x, X) @ _lo(_factor(kernel(X)), z)
    _fails_with("ch5-parallel", one_solve, "one triangular solve", "whitened", case=1)


def test_parallel_solves_in_wrong_order():
    def swapped(x, X, z, kernel):
        L = _factor(kernel(X))
        return kernel(x, X) @ _lo(L, _up(L, z))
    _fails_with("ch5-parallel", swapped, "wrong order", case=1)


def test_parallel_upper_factor_taken_for_lower():
    # scipy's default factor is the upper R = L^T; using it as if it were L
    def upper(x, X, z, kernel):
        R = linalg.cholesky(kernel(X) + EPS * np.eye(len(X)))  # R^T R = Q + eps I
        w = linalg.solve_triangular(R, z)                  # meant as L^{-1} z
        return kernel(x, X) @ linalg.solve_triangular(R, w, trans="T")
    _fails_with("ch5-parallel", upper, "wrong order", "lower=True", case=1)


@pytest.mark.parametrize("solve", [_lo, _up])
def test_parallel_same_solve_twice(solve):
    def twice(x, X, z, kernel):
        L = _factor(kernel(X))
        return kernel(x, X) @ solve(L, solve(L, z))
    _fails_with("ch5-parallel", twice, "use the same matrix", case=1)


def test_parallel_values_as_coefficients():
    def no_solve(x, X, z, kernel):
        return kernel(x, X) @ z
    _fails_with("ch5-parallel", no_solve, "not the coefficients", case=1)


def test_parallel_no_nugget():
    def no_nugget(x, X, z, kernel):
        return kernel(x, X) @ np.linalg.solve(kernel(X), z)
    _fails_with("ch5-parallel", no_nugget, "without the nugget", case=1)


def test_parallel_kernel_matrix_wrong_way_round():
    # Q(X, x) @ c only has the right shape when n_new == n: case 1 raises, case 2 is wrong
    def transposed_kernel(x, X, z, kernel):
        c = np.linalg.solve(kernel(X) + EPS * np.eye(len(X)), z)
        if len(x) != len(X):
            return representer_map(x, X, z, kernel)
        return kernel(X, x) @ c
    _fails_with("ch5-parallel", transposed_kernel, "wrong way round", "(n_new, n)", case=2)


def test_parallel_transposed_result():
    def transposed(x, X, z, kernel):
        return representer_map(x, X, z, kernel).T
    _fails_with("ch5-parallel", transposed, "expected shape (17, 3), got (3, 17)", "transposed",
                case=1)


def test_parallel_singular_without_nugget_raises():
    # plain Cholesky works on the well-conditioned cases, fails on repeated points
    def plain(x, X, z, kernel):
        if len(X) == 13:
            L = np.linalg.cholesky(kernel(X))
        else:
            L = _factor(kernel(X))
        return kernel(x, X) @ _up(L, _lo(L, z))
    _fails_with("ch5-parallel", plain, "raised LinAlgError", "repeated", "eps I", case=5)


def test_parallel_unfinished_starter():
    def starter(x, X, z, kernel):
        """The starter's body."""
        ...  # your code here
    _fails_with("ch5-parallel", starter, "returned None", "still `...`", case=1)


# ---------------------------------------------------------------------------------
# ch5-gradient: whitened_gradient(X, Y, z, mmd_kernel, map_kernel, reg)


def _pieces(X, Y, z, mmd_kernel, map_kernel):
    L = _factor(map_kernel(X))
    G = lk.mmd2_and_gradient(X + z, Y, mmd_kernel, fast=False)[1]
    return L, _lo(L, z), G


def whitened_gradient(X, Y, z, mmd_kernel, map_kernel, reg):
    L, a, G = _pieces(X, Y, z, mmd_kernel, map_kernel)
    return L.T @ G + 2 * reg * a


def test_gradient_right_answer_passes():
    result = lk.exercises.check("ch5-gradient", whitened_gradient, verbose=False)
    assert result and result.n_cases == 4


def test_gradient_matches_finite_differences():
    # the reference itself, against central differences of f(a) built from lk.mmd2
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((6, 2)), rng.standard_normal((8, 2)) + 0.5
    K, Q, reg = lk.RBF(0.7), lk.RBF(0.9), 0.2
    L = _factor(Q(X))
    a0 = 0.3 * rng.standard_normal((6, 2))

    def f(a):
        return lk.mmd2(X + L @ a, Y, K) + reg * np.sum(a * a)

    h = 1e-6
    fd = np.zeros_like(a0)
    for idx in np.ndindex(a0.shape):
        e = np.zeros_like(a0)
        e[idx] = h
        fd[idx] = (f(a0 + e) - f(a0 - e)) / (2 * h)
    assert np.allclose(whitened_gradient(X, Y, L @ a0, K, Q, reg), fd, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("mistake, words", [
    (lambda L, a, G, z, reg: L @ G + 2 * reg * a, ["L^T grad_z, not L grad_z"]),
    (lambda L, a, G, z, reg: G + 2 * reg * a, ["gradient with respect to z", "L^T"]),
    (lambda L, a, G, z, reg: L.T @ G + 2 * reg * _up(L, z), ["a = L^{-1} z", "not L^T a = z"]),
    (lambda L, a, G, z, reg: L.T @ G + reg * a, ["2 reg a", "factor 2 is missing"]),
    (lambda L, a, G, z, reg: L.T @ G + 2 * a, ["multiplied by the weight reg"]),
    (lambda L, a, G, z, reg: L.T @ G, ["that term is missing"]),
    (lambda L, a, G, z, reg: L.T @ G + 2 * reg * z, ["not 2 reg z"]),
])
def test_gradient_typical_mistakes(mistake, words):
    def wrong(X, Y, z, mmd_kernel, map_kernel, reg):
        L, a, G = _pieces(X, Y, z, mmd_kernel, map_kernel)
        return mistake(L, a, G, z, reg)
    _fails_with("ch5-gradient", wrong, *words, case=1)


def test_gradient_plain_map():
    def plain(X, Y, z, mmd_kernel, map_kernel, reg):
        L, a, _ = _pieces(X, Y, z, mmd_kernel, map_kernel)
        return L.T @ lk.mmd2_and_gradient(z, Y, mmd_kernel)[1] + 2 * reg * a
    _fails_with("ch5-gradient", plain, "X + z, not at z", case=1)


def test_gradient_unbiased_mmd():
    def unbiased(X, Y, z, mmd_kernel, map_kernel, reg):
        L, a, _ = _pieces(X, Y, z, mmd_kernel, map_kernel)
        G = lk.mmd2_and_gradient(X + z, Y, mmd_kernel, unbiased=True)[1]
        return L.T @ G + 2 * reg * a
    _fails_with("ch5-gradient", unbiased, "biased squared MMD", case=1)


def test_gradient_flat_result_and_raising_function():
    def flat(X, Y, z, mmd_kernel, map_kernel, reg):
        return whitened_gradient(X, Y, z, mmd_kernel, map_kernel, reg).ravel()
    _fails_with("ch5-gradient", flat, "expected shape (25, 2), got (50,)", "arranged differently")

    def broken(X, Y, z, mmd_kernel, map_kernel, reg):
        return np.linalg.cholesky(-map_kernel(X))
    _fails_with("ch5-gradient", broken, "raised LinAlgError", "finite differences", case=1)


# ---------------------------------------------------------------------------------
# ch5-norm: rkhs_penalty(X, z, kernel)


def rkhs_penalty(X, z, kernel):
    w = _lo(_factor(kernel(X)), z)
    return float(np.sum(w**2))


def rkhs_penalty_trace(X, z, kernel):
    return float(np.trace(z.T @ np.linalg.solve(kernel(X) + EPS * np.eye(len(X)), z)))


@pytest.mark.parametrize("answer", [rkhs_penalty, rkhs_penalty_trace])
def test_norm_right_answers_pass(answer):
    result = lk.exercises.check("ch5-norm", answer, verbose=False)
    assert result and result.n_cases == 5


def _w_c_K(X, z, kernel):
    K = kernel(X)
    L = _factor(K)
    w = _lo(L, z)
    return L, w, _up(L, w), K


@pytest.mark.parametrize("mistake, words", [
    (lambda L, w, c, K, z: np.sum(c * (K @ c)), ["norm c^T Q(X, X) c of the fitted function",
                                                 "adds eps |c|^2"]),
    (lambda L, w, c, K, z: np.sum(w.T @ w), ["the trace of z^T Q^{-1} z", "not the sum of all"]),
    (lambda L, w, c, K, z: np.sum(_up(L, z) ** 2), ["|L^{-1} z|^2", "not with L^T"]),
    (lambda L, w, c, K, z: np.sum(c**2), ["squared norm of the coefficients"]),
    (lambda L, w, c, K, z: np.sum(z * (K @ z)), ["inverse of Q(X, X), not Q(X, X) itself"]),
    (lambda L, w, c, K, z: np.sum(z**2), ["not |z|^2"]),
    (lambda L, w, c, K, z: np.sqrt(np.sum(w**2)), ["do not take a square root"]),
    (lambda L, w, c, K, z: np.mean(w**2), ["not a mean"]),
    (lambda L, w, c, K, z: np.sum(w[:, 0] ** 2), ["not only the first"]),
])
def test_norm_typical_mistakes(mistake, words):
    def wrong(X, z, kernel):
        return float(mistake(*_w_c_K(X, z, kernel), z))
    _fails_with("ch5-norm", wrong, *words, case=1)


def test_norm_no_nugget():
    def no_nugget(X, z, kernel):
        return float(np.sum(z * np.linalg.solve(kernel(X), z)))
    _fails_with("ch5-norm", no_nugget, "without the nugget", case=1)


def test_norm_per_coordinate_and_singular_edge_cases():
    def per_coordinate(X, z, kernel):
        return np.sum(_lo(_factor(kernel(X)), z) ** 2, axis=0)
    _fails_with("ch5-norm", per_coordinate, "expected a number, got shape (2,)", "single number",
                case=1)

    def plain(X, z, kernel):   # no nugget: fine until Q(X, X) is singular
        L = np.linalg.cholesky(kernel(X) + (0.0 if len(X) == 13 else EPS) * np.eye(len(X)))
        return float(np.sum(_lo(L, z) ** 2))
    _fails_with("ch5-norm", plain, "raised LinAlgError", "repeated", case=5)


# ---------------------------------------------------------------------------------
# ch5-norm-gradient: penalty_gradient(X, z, kernel, reg)


def penalty_gradient(X, z, kernel, reg):
    L = _factor(kernel(X))
    return 2 * reg * _up(L, _lo(L, z))


def test_norm_gradient_right_answer_passes():
    result = lk.exercises.check("ch5-norm-gradient", penalty_gradient, verbose=False)
    assert result and result.n_cases == 4


def test_norm_gradient_matches_finite_differences():
    rng = np.random.default_rng(12)
    X, z = rng.standard_normal((5, 2)), rng.standard_normal((5, 3))
    kernel, reg = lk.Laplace(1.0), 0.7
    h = 1e-6
    fd = np.zeros_like(z)
    for idx in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[idx] = h
        fd[idx] = reg * (rkhs_penalty(X, z + e, kernel) - rkhs_penalty(X, z - e, kernel)) / (2 * h)
    assert np.allclose(penalty_gradient(X, z, kernel, reg), fd, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("mistake, words", [
    (lambda L, c, K, z, reg: reg * c, ["2 A z", "factor 2 is missing"]),
    (lambda L, c, K, z, reg: 2 * c, ["multiplied by reg"]),
    (lambda L, c, K, z, reg: c, ["both the factor 2 and reg are missing"]),
    (lambda L, c, K, z, reg: 2 * reg * _lo(L, z), ["whitened variables", "then with L^T"]),
    (lambda L, c, K, z, reg: 2 * reg * K @ z, ["not the matrix itself"]),
    (lambda L, c, K, z, reg: 2 * reg * z, ["inverse of Q(X, X) is missing"]),
])
def test_norm_gradient_typical_mistakes(mistake, words):
    def wrong(X, z, kernel, reg):
        L, _, c, K = _w_c_K(X, z, kernel)
        return mistake(L, c, K, z, reg)
    _fails_with("ch5-norm-gradient", wrong, *words, case=1)


def test_norm_gradient_transposed_and_none():
    def transposed(X, z, kernel, reg):
        return penalty_gradient(X, z, kernel, reg).T
    # case 1 is square in the wrong way only if n == d_out; here (40, 2) vs (2, 40)
    _fails_with("ch5-norm-gradient", transposed, "got (2, 40)", "transposed", case=1)

    def forgot_return(X, z, kernel, reg):
        penalty_gradient(X, z, kernel, reg)
    _fails_with("ch5-norm-gradient", forgot_return, "returned None", "return", case=1)


# ---------------------------------------------------------------------------------
# all four checks


NAMES = ["ch5-parallel", "ch5-gradient", "ch5-norm", "ch5-norm-gradient"]


def test_chapter_5_has_a_check_per_exercise():
    assert lk.exercises.available(chapter=5) == NAMES
    labels = {_core._REGISTRY[name].label for name in NAMES}
    assert labels == {"ch5-ex-parallel", "ch5-ex-gradient", "ch5-ex-norm"}


@pytest.mark.parametrize("name", NAMES)
def test_cases_do_not_depend_on_global_random_state(name):
    cases = _core._REGISTRY[name].cases

    def snapshot(seed):
        np.random.seed(seed)
        return [(c.description, c.args, c.expected, c.wrong) for c in cases()]

    first, second = snapshot(0), snapshot(12345)
    assert len(first) == len(second)
    for (d1, args1, exp1, wrong1), (d2, args2, exp2, wrong2) in zip(first, second):
        assert d1 == d2
        for a1, a2 in zip(args1, args2):
            if isinstance(a1, np.ndarray):
                assert np.array_equal(a1, a2)
            else:
                assert repr(a1) == repr(a2)
        assert np.array_equal(exp1, exp2)
        assert list(wrong1) == list(wrong2)
        assert all(np.array_equal(wrong1[k], wrong2[k]) for k in wrong1)


@pytest.mark.parametrize("name", NAMES)
def test_typical_mistakes_differ_from_the_answer(name):
    # a hint whose value equals the expected one would never be shown; and two hints
    # with the same value on the first case would make the second unreachable there
    for i, case in enumerate(_core._REGISTRY[name].cases()):
        expected = np.asarray(case.expected, float)
        for hint, value in case.wrong.items():
            value = np.asarray(value, float)
            if i == 0:
                assert not np.allclose(value, expected, rtol=case.rtol, atol=case.atol), hint
        if i == 0:
            values = list(case.wrong.values())
            for j in range(len(values)):
                for k in range(j):
                    assert not np.allclose(values[j], values[k], rtol=1e-6), \
                        list(case.wrong)[j]


@pytest.mark.parametrize("name", NAMES)
def test_report_does_not_show_the_reference(name):
    def wrong(*args):
        return 0.5
    result = lk.exercises.check(name, wrong, verbose=False)
    assert not result
    for secret in ("solve_triangular", "cho_solve", "_reference", "def "):
        assert secret not in result.message


def test_checks_are_fast():
    import time

    for name, answer in zip(NAMES, [representer_map, whitened_gradient, rkhs_penalty,
                                    penalty_gradient]):
        start = time.perf_counter()
        assert lk.exercises.check(name, answer, verbose=False)
        assert time.perf_counter() - start < 1.0, name

"""Tests of the checks of chapter 3 (lecturekit/exercises/ch03.py).

For every check: a correct answer written here, independently of the reference code,
passes; each typical wrong answer fails at the expected case with the hint that names
the mistake; broken answers (raising, returning None, the wrong shape) fail cleanly.
The last tests tie the checks to the exercises of book/ch03_mmd.ipynb.
"""

import json
import math
import pathlib
import re
import time

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import lecturekit as lk
from lecturekit.exercises import _core
from exercise_checks import fails_with as shared_fails_with  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "book" / "ch03_mmd.ipynb"
NAMES = ["ch3-signs", "ch3-unbiased", "ch3-gradient", "ch3-minimisers", "ch3-closed-form",
         "ch3-best-lengthscale"]


def check(name, answer):
    return lk.exercises.check(name, answer, verbose=False)


def fails_with(name, answer, *words, case=None):
    """The shared assertion, and the report never shows code."""
    result = shared_fails_with(name, answer, *words, case=case)
    assert "def " not in result.message and "np." not in result.message
    return result


def raises(*args):
    raise ZeroDivisionError("boom")


def returns_none(*args):
    return None


# ---------------------------------------------------------------------------------
# ch3-signs


def test_signs_accepts_pairs_with_a_negative_unbiased_estimate():
    S = np.array([[0.0], [1.0]])
    assert check("ch3-signs", (S, S.copy()))
    assert check("ch3-signs", [[[0.0, 0.0], [0.5, 0.0]], [[0.1, 0.0], [0.4, 0.0]]])  # lists
    assert check("ch3-signs", (np.array([[0.0], [1.0], [2.0]]), np.array([[0.1], [1.1]])))


def test_signs_rejects_a_positive_estimate_with_a_hint():
    far = (np.array([[0.0], [1.0]]), np.array([[10.0], [11.0]]))
    fails_with("ch3-signs", far, "not negative", "Try two identical samples")


@pytest.mark.parametrize("answer, words", [
    ((np.array([0.0, 1.0]), np.array([0.0, 1.0])), ["one point per row"]),
    ((np.zeros((2, 1)), np.zeros((2, 2))), ["same number of columns"]),
    ((np.array([[0.0]]), np.array([[0.0], [1.0]])), ["at least 2 points"]),
    (np.array([[0.0], [1.0]]), ["expected a pair", "one array"]),
    ((..., ...), ["Ellipsis", "placeholder"]),
    (returns_none, ["expected a pair"]),
    ((np.array([[0.0], [np.nan]]), np.array([[0.0], [1.0]])), ["NaN"]),
])
def test_signs_rejects_malformed_answers(answer, words):
    fails_with("ch3-signs", answer, *words, case=1)


# ---------------------------------------------------------------------------------
# ch3-unbiased


def _off_diagonal_mean(K):
    return K[~np.eye(len(K), dtype=bool)].mean()


def unbiased_ok(X, Y, kernel):
    return (_off_diagonal_mean(kernel(X)) + _off_diagonal_mean(kernel(Y))
            - 2 * kernel(X, Y).mean())


def biased(X, Y, kernel):
    return kernel(X).mean() + kernel(Y).mean() - 2 * kernel(X, Y).mean()


def divides_by_n_squared(X, Y, kernel):
    n, m = len(X), len(Y)
    Kxx, Kyy = kernel(X), kernel(Y)
    return ((Kxx.sum() - np.trace(Kxx)) / n**2 + (Kyy.sum() - np.trace(Kyy)) / m**2
            - 2 * kernel(X, Y).mean())


def cross_term_once(X, Y, kernel):
    return _off_diagonal_mean(kernel(X)) + _off_diagonal_mean(kernel(Y)) - kernel(X, Y).mean()


def drops_cross_diagonal(X, Y, kernel):
    n = len(X)
    Kxy = kernel(X, Y)
    return (_off_diagonal_mean(kernel(X)) + _off_diagonal_mean(kernel(Y))
            - 2 * (Kxy.sum() - np.trace(Kxy)) / (n * (n - 1)))


def same_size_for_y(X, Y, kernel):
    n = len(X)
    Kxx, Kyy = kernel(X), kernel(Y)
    return ((Kxx.sum() - np.trace(Kxx)) / (n * (n - 1)) + (Kyy.sum() - np.trace(Kyy))
            / (n * (n - 1)) - 2 * kernel(X, Y).mean())


def test_unbiased_accepts_a_correct_estimator():
    assert check("ch3-unbiased", unbiased_ok)
    # and lecturekit's own
    assert check("ch3-unbiased", lambda X, Y, k: lk.mmd2(X, Y, k, unbiased=True))


@pytest.mark.parametrize("answer, words, case", [
    (biased, ["biased estimator (V-statistic)"], 1),
    (divides_by_n_squared, ["divided by n^2", "divide by n(n-1)"], 1),
    (cross_term_once, ["factor 2"], 1),
    (drops_cross_diagonal, ["including i = j"], 1),
    (same_size_for_y, ["m(m-1) terms, not n(n-1)"], 2),
    (lambda X, Y, k: -unbiased_ok(X, Y, k), ["wrong sign"], 1),
    (raises, ["raised ZeroDivisionError: boom"], 1),
    (returns_none, ["returned None", "return"], 1),
    (lambda X, Y, k: np.array([1.0, 2.0, 3.0]), ["expected a number", "shape (3,)"], 1),
    (lambda X, Y, k: np.nan, ["NaN"], 1),
])
def test_unbiased_rejects_typical_mistakes(answer, words, case):
    result = fails_with("ch3-unbiased", answer, *words, case=case)
    if answer is biased:
        assert "expected" in result.message and "got" in result.message


def test_unbiased_rejects_a_value_instead_of_a_function():
    with pytest.raises(TypeError, match="without calling it"):
        check("ch3-unbiased", 0.0)


# ---------------------------------------------------------------------------------
# ch3-gradient


def gradient_ok(X, Y, lengthscale, *, denominator=2.0, repel_factor=2.0, attract=True,
                repel=True, lengthscale_factor=True, cross_transposed=False):
    """The gradient written with broadcasting, and the mistakes as switches."""
    n, m = len(X), len(Y)

    def grad_1(A, B):   # (n, k, d): the gradient of K(a, b) in a, for all pairs
        diff = A[:, None, :] - B[None, :, :]
        K = np.exp(-np.sum(diff**2, axis=-1) / (denominator * lengthscale**2))
        if cross_transposed:
            K = K.T
        scale = 2.0 / denominator / lengthscale**2 if lengthscale_factor else 1.0
        return -scale * K[:, :, None] * diff

    grad = np.zeros_like(X)
    if repel:
        grad += repel_factor / n**2 * grad_1(X, X).sum(axis=1)
    if attract:
        grad -= 2.0 / (n * m) * grad_1(X, Y).sum(axis=1)
    return grad


def test_gradient_accepts_a_correct_gradient():
    assert check("ch3-gradient", gradient_ok)


def test_gradient_reference_agrees_with_finite_differences():
    # the test's own gradient is right: compare it with central differences of lk.mmd2
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((6, 2)), rng.standard_normal((4, 2))
    eps = 1e-6
    numeric = np.zeros_like(X)
    for index in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[index] = eps
        numeric[index] = (lk.mmd2(X + E, Y, lk.RBF(0.7))
                          - lk.mmd2(X - E, Y, lk.RBF(0.7))) / (2 * eps)
    assert np.allclose(gradient_ok(X, Y, 0.7), numeric, atol=1e-7)


@pytest.mark.parametrize("answer, words, case", [
    (lambda X, Y, l: gradient_ok(X, Y, l, denominator=1.0),
     ["exp(-|x - y|^2 / l^2)", "(2 l^2)"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l).T, ["transposed", "expected shape (20, 2)"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l) / 2, ["half the right one", "factor 2"], 1),
    (lambda X, Y, l: -gradient_ok(X, Y, l), ["wrong sign"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l, repel=False), ["only the attraction"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l, repel_factor=1.0), ["2/n^2", "not 1/n^2"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l, lengthscale_factor=False),
     ["factor 1/l^2 is missing"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l, cross_transposed=True),
     ["cross Gram matrix is transposed"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l).ravel(), ["arranged differently"], 1),
    (lambda X, Y, l: gradient_ok(X, Y, l).sum(axis=1), ["axis"], 1),
    (raises, ["raised ZeroDivisionError"], 1),
    (returns_none, ["returned None"], 1),
])
def test_gradient_rejects_typical_mistakes(answer, words, case):
    fails_with("ch3-gradient", answer, *words, case=case)


def test_gradient_transposed_in_one_dimension_is_named():
    # right on the first cases, transposed only where d = 1 (case 4, 12 points)
    def flat_in_1d(X, Y, l):
        g = gradient_ok(X, Y, l)
        return g.T if X.shape[1] == 1 else g

    fails_with("ch3-gradient", flat_in_1d, "transposed", case=4)


# ---------------------------------------------------------------------------------
# ch3-minimisers


def swap_first_two(X, Y):
    z2 = Y.copy()
    z2[[0, 1]] = z2[[1, 0]]
    return Y.copy(), z2


def assignment_and_reverse(X, Y):
    # the optimal assignment of the chapter, and the same pairing read backwards
    cost = np.sum((X[:, None, :] - Y[None, :, :]) ** 2, axis=-1)
    _, sigma = linear_sum_assignment(cost)
    return [Y[sigma].tolist(), Y[sigma[::-1]].tolist()]


def test_minimisers_accepts_correct_answers():
    assert check("ch3-minimisers", swap_first_two)
    assert check("ch3-minimisers", assignment_and_reverse)
    assert check("ch3-minimisers", lambda X, Y: np.stack(swap_first_two(X, Y)))


def with_replacement(X, Y):
    rng = np.random.default_rng(0)
    return Y.copy(), Y[rng.integers(0, len(Y), size=len(Y))]


def same_when_two(X, Y):
    # different pairings, except for n = 2, where two random draws coincided
    if len(Y) == 2:
        return Y[::-1].copy(), Y[::-1].copy()
    return swap_first_two(X, Y)


@pytest.mark.parametrize("answer, words, case", [
    (lambda X, Y: (Y, Y), ["same assignment", "both are Y, unchanged",
                           "not on which x_i is sent to which y_j"], 1),
    (lambda X, Y: (Y[::-1], Y[::-1]), ["same assignment"], 1),
    (same_when_two, ["same assignment", "half of the time"], 3),
    (lambda X, Y: (X, Y), ["z1 is not a minimiser", "z = X", "only when"], 1),
    (lambda X, Y: (Y, X), ["z2 is not a minimiser", "z = X"], 1),
    (with_replacement, ["z2 is not a minimiser", "with replacement"], 1),
    (lambda X, Y: (Y, -Y), ["squared MMD to Y", "each y_j must be used once"], 1),
    (lambda X, Y: (Y + 0.01, Y[::-1]), ["z1 is not a minimiser"], 1),
    (lambda X, Y: (Y[:-1], Y[1:]), ["z1 has shape (5, 2), expected (6, 2)", "one row per"], 1),
    (lambda X, Y: (Y.T, Y[::-1].T), ["z1 is transposed", "n rows and d columns"], 1),
    (lambda X, Y: Y, ["one array of shape (6, 2)", "as a pair"], 1),
    (lambda X, Y: (Y, Y[::-1], Y), ["expected a pair", "3 items"], 1),
    (lambda X, Y: 3.0, ["expected a pair"], 1),
    (lambda X, Y: (Y, ...), ["z2 is Ellipsis"], 1),
    (lambda X, Y: (Y, np.full_like(Y, np.nan)), ["NaN"], 1),
    (raises, ["raised ZeroDivisionError"], 1),
    (returns_none, ["returned None", "return"], 1),
])
def test_minimisers_rejects_typical_mistakes(answer, words, case):
    fails_with("ch3-minimisers", answer, *words, case=case)


def test_minimisers_cases_have_distinct_data_points():
    # the check relies on it: every reordering is then a different array
    for case in _core._lookup("ch3-minimisers").cases():
        X, Y = case.args
        assert X.shape == Y.shape and len(Y) >= 2
        assert len(np.unique(Y, axis=0)) == len(Y)


# ---------------------------------------------------------------------------------
# ch3-closed-form and ch3-best-lengthscale


def gaussians_ok(a, s1, c, s2, lengthscale):
    """Coordinate by coordinate, with the standard library."""
    a, c = np.atleast_1d(a), np.atleast_1d(c)
    l2 = lengthscale**2

    def expected_kernel(delta, var):   # E K(x, y) when x - y ~ N(delta, var I)
        value = 1.0
        for dk in delta:
            value *= math.sqrt(l2 / (l2 + var)) * math.exp(-dk**2 / (2 * (l2 + var)))
        return value

    zero = np.zeros_like(a)
    return (expected_kernel(zero, 2 * s1**2) + expected_kernel(zero, 2 * s2**2)
            - 2 * expected_kernel(a - c, s1**2 + s2**2))


def gaussians_mistake(*, within=2.0, power_d=True, variances=False, cross=2.0,
                      denominator=2.0):
    def f(a, s1, c, s2, lengthscale):
        if variances:
            s1, s2 = math.sqrt(s1), math.sqrt(s2)
        d = np.atleast_1d(a).size if power_d else 1
        l2 = denominator / 2 * lengthscale**2

        def g(delta2, var):
            return (l2 / (l2 + var)) ** (d / 2) * math.exp(-delta2 / (2 * (l2 + var)))

        return (g(0.0, within * s1**2) + g(0.0, within * s2**2)
                - cross * g(float(np.sum((a - c) ** 2)), s1**2 + s2**2))

    return f


def test_closed_form_accepts_a_correct_formula():
    assert check("ch3-closed-form", gaussians_ok)
    assert check("ch3-closed-form", gaussians_mistake())   # the switches' defaults are right


def test_closed_form_agrees_with_sampling():
    # the test's own formula against the unbiased estimator averaged over samples
    rng = np.random.default_rng(3)
    a, c = np.array([0.0, 0.0]), np.array([1.0, 0.5])
    estimates = [lk.mmd2(a + rng.standard_normal((400, 2)),
                         c + 0.6 * rng.standard_normal((400, 2)), lk.RBF(1.0), unbiased=True)
                 for _ in range(20)]
    se = np.std(estimates) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - gaussians_ok(a, 1.0, c, 0.6, 1.0)) < 4 * se


@pytest.mark.parametrize("answer, words, case", [
    (gaussians_mistake(denominator=1.0), ["exp(-|x - y|^2 / l^2)"], 1),
    (gaussians_mistake(within=1.0), ["variance 2 s^2, not s^2"], 1),
    (gaussians_mistake(power_d=False), ["power d/2"], 1),
    (gaussians_mistake(variances=True), ["standard deviations"], 1),
    (gaussians_mistake(cross=1.0), ["factor 2 of the expansion"], 1),
    (raises, ["raised ZeroDivisionError"], 1),
    (returns_none, ["returned None"], 1),
    (lambda a, s1, c, s2, l: np.full(a.size, 0.1), ["expected a number"], 1),
])
def test_closed_form_rejects_typical_mistakes(answer, words, case):
    fails_with("ch3-closed-form", answer, *words, case=case)


def test_best_lengthscale():
    grid = np.linspace(1.2, 1.8, 6001)
    best = grid[np.argmax([gaussians_ok([0.0, 0.0], 1.0, [1.0, 0.0], 1.0, l) for l in grid])]
    assert abs(best - 1.458) < 1e-3
    assert check("ch3-best-lengthscale", round(best, 2))
    assert check("ch3-best-lengthscale", np.float64(best))
    fails_with("ch3-best-lengthscale", round(best / math.sqrt(2), 2),
               "exp(-|x - y|^2 / l^2)", case=1)
    fails_with("ch3-best-lengthscale", 1.7, "expected 1.45", "got 1.7", "logarithmic grid")
    fails_with("ch3-best-lengthscale", 1.48)      # outside two decimals
    fails_with("ch3-best-lengthscale", ..., "placeholder")
    fails_with("ch3-best-lengthscale", None, "placeholder")


# ---------------------------------------------------------------------------------
# all checks of the chapter


def test_the_chapter_has_these_checks_in_book_order():
    assert lk.exercises.available(chapter=3) == NAMES


def _cases_snapshot(name):
    snapshot = []
    for case in _core._lookup(name).cases():
        args = None if case.args is None else [np.asarray(a, dtype=object) if not
                                               isinstance(a, np.ndarray) else a
                                               for a in case.args]
        snapshot.append((case.description, args, case.expected, sorted(case.wrong)))
    return snapshot


@pytest.mark.parametrize("name", NAMES)
def test_cases_do_not_depend_on_the_global_random_state(name):
    np.random.seed(0)
    first = _cases_snapshot(name)
    np.random.seed(12345)
    np.random.standard_normal(1000)
    second = _cases_snapshot(name)
    assert len(first) == len(second) > 0
    for (d1, a1, e1, w1), (d2, a2, e2, w2) in zip(first, second):
        assert d1 == d2 and w1 == w2
        if a1 is not None:
            for u, v in zip(a1, a2):
                if isinstance(u, np.ndarray) and u.dtype != object:
                    assert np.array_equal(u, v)
        if e1 is not None:
            assert np.array_equal(np.asarray(e1), np.asarray(e2))


def test_a_check_does_not_touch_the_global_random_state():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    check("ch3-minimisers", swap_first_two)
    check("ch3-unbiased", unbiased_ok)
    assert np.array_equal(np.random.get_state()[1], before)


CORRECT = {"ch3-signs": (np.array([[0.0], [1.0]]), np.array([[0.0], [1.0]])),
           "ch3-unbiased": unbiased_ok, "ch3-gradient": gradient_ok,
           "ch3-minimisers": swap_first_two, "ch3-closed-form": gaussians_ok,
           "ch3-best-lengthscale": 1.46}


@pytest.mark.parametrize("name", NAMES)
def test_checks_are_fast(name):
    start = time.perf_counter()
    assert check(name, CORRECT[name])
    assert time.perf_counter() - start < 2.0


def test_reports_say_what_passed():
    result = lk.exercises.check("ch3-gradient", gradient_ok, verbose=False)
    assert result.message == "\u2713 ch3-gradient: all 4 cases pass."
    assert result.n_cases == 4 and result.failed_case is None


# ---------------------------------------------------------------------------------
# the checks and the exercises of the notebook


@pytest.fixture(scope="module")
def notebook():
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def test_every_exercise_has_a_check_and_every_check_an_exercise(notebook):
    text = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "markdown")
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    assert labels == ["ch3-ex-signs", "ch3-ex-unbiased", "ch3-ex-gradient",
                      "ch3-ex-minimisers", "ch3-ex-closed-form"]
    checked = [_core._lookup(name).label for name in NAMES]
    assert set(checked) == set(labels)
    assert re.search(r"```\{exercise\} \(T2\) has many minimisers \(★★\)\n"
                     r":label: ch3-ex-minimisers", text)


@pytest.mark.parametrize("name", NAMES)
def test_each_check_is_named_asserted_and_started(notebook, name):
    markdown = "\n".join("".join(c["source"]) for c in notebook["cells"]
                         if c["cell_type"] == "markdown")
    code = "\n".join("".join(c["source"]) for c in notebook["cells"]
                     if c["cell_type"] == "code")
    starters = "\n".join(c["metadata"]["student"] for c in notebook["cells"]
                         if "student" in c["metadata"])
    call = f'lk.exercises.check("{name}", '
    assert call in markdown, "the exercise text names the check"
    assert "assert " + call in code, "the solution asserts the check"
    assert call in starters and "assert " + call not in starters, "the starter calls it"


def test_starters_leave_the_answers_open(notebook):
    starters = [c["metadata"]["student"] for c in notebook["cells"] if "student" in c["metadata"]]
    assert len(starters) == 5
    for starter in starters:
        assert "..." in starter and "return" not in starter
        compile(starter, "<starter>", "exec")

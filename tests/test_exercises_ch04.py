"""Chapter 4's checks: right answers pass, typical wrong ones fail with the right hint."""

import itertools
import time
import warnings

import numpy as np
import pytest

import lecturekit as lk
from lecturekit.exercises import ch04
from lecturekit.kernels import RBF
from exercise_checks import fails_with  # noqa: E402


def check(name, answer):
    return lk.exercises.check(name, answer, verbose=False)


def test_chapter_4_checks_are_registered():
    assert lk.exercises.available(chapter=4) == [
        "ch4-map-norm", "ch4-held-out-score", "ch4-tune", "ch4-kink"]


# ---------------------------------------------------------------------------------
# ch4-map-norm


def map_sq_norm(C, centres, kernel):
    # coordinate by coordinate, as in the definition
    G = kernel(centres, centres)
    return sum(float(C[:, j] @ G @ C[:, j]) for j in range(C.shape[1]))


def test_map_norm_accepts_right_answers():
    assert check("ch4-map-norm", map_sq_norm)
    # the trace form, returned as a 0-d array
    assert check("ch4-map-norm", lambda C, X, k: np.trace(C.T @ k(X) @ C))
    # through the values z = Q(X, X) C and rkhs_penalty: equal up to the nugget
    assert check("ch4-map-norm", lambda C, X, k: lk.rkhs_penalty(X, k(X) @ C, k))


@pytest.mark.parametrize("wrong, words", [
    (lambda C, X, k: np.sqrt(map_sq_norm(C, X, k)), ["squared norm", "no square root"]),
    (lambda C, X, k: np.sum(C.T @ k(X) @ C), ["off-diagonal", "trace"]),
    (lambda C, X, k: float(C[:, 0] @ k(X) @ C[:, 0]), ["first coordinate"]),
    (lambda C, X, k: float(np.sum(C * C)), ["Euclidean norm of its coefficients"]),
    (lambda C, X, k: lk.rkhs_penalty(X, C, k), ["coefficients, not values"]),
    (lambda C, X, k: map_sq_norm(C, X, k) / C.shape[1], ["average", "sum"]),
    (lambda C, X, k: 2 * map_sq_norm(C, X, k), ["twice"]),
])
def test_map_norm_detects_typical_mistakes(wrong, words):
    fails_with("ch4-map-norm", wrong, *words)


def test_map_norm_detects_a_transposed_coefficient_matrix():
    # C read as (d, m): fails with a shape error where m != d, and with the hint on the
    # square case
    def rows_as_coordinates(C, X, k):
        return float(np.trace(C @ k(X) @ C.T))

    result = fails_with("ch4-map-norm", rows_as_coordinates, "raised ValueError",
                        "C has shape (m, d)")
    assert result.failed_case == 1

    def rows_when_it_runs(C, X, k):
        G = k(X)
        return float(np.trace(C @ G @ C.T)) if C.shape[0] == C.shape[1] == G.shape[0] \
            else map_sq_norm(C, X, k)

    result = fails_with("ch4-map-norm", rows_when_it_runs, "one column per coordinate")
    assert result.failed_case == 3


def test_map_norm_edge_cases():
    # a vector of per-coordinate norms instead of one number
    fails_with("ch4-map-norm", lambda C, X, k: np.sum(C * (k(X) @ C), axis=0),
               "expected a number", "one number")
    # a body still `...`
    fails_with("ch4-map-norm", lambda C, X, k: None, "returned None")
    # ignoring the kernel's diagonal works for RBF-like kernels but not for the
    # polynomial kernel of the single-centre case
    result = fails_with("ch4-map-norm", lambda C, X, k: float(np.sum(C * C))
                        if len(X) == 1 else map_sq_norm(C, X, k), "Q(X, X) weighs")
    assert result.failed_case == 4


# ---------------------------------------------------------------------------------
# ch4-held-out-score


def held_out_score(train, valid, reg, lengthscale, *, score_on=None, kernels=None,
                   raw=False):
    mmd_l, map_l = kernels or (0.25, lengthscale)
    model = lk.KernelTransport(mmd_kernel=RBF(mmd_l), map_kernel=RBF(map_l), reg=reg,
                               n_reference=100, max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=lk.ConvergenceWarning)
        model.fit(train)
    samples = model.sample(1000, random_state=2)
    target = valid if score_on is None else score_on(train, valid)
    if raw:
        return lk.metrics.heldout_mmd2(samples, target)
    return lk.metrics.normalized_mmd(samples, target, random_state=3)


def test_held_out_score_accepts_the_right_answer_quickly():
    check("ch4-held-out-score", held_out_score)   # warm the reference's cache
    start = time.perf_counter()
    assert check("ch4-held-out-score", held_out_score)
    assert time.perf_counter() - start < 2.0


def test_held_out_score_detects_typical_mistakes():
    fails_with("ch4-held-out-score",
               lambda tr, va, r, l: held_out_score(tr, va, r, l, score_on=lambda t, v: t),
               "against the training half")
    fails_with("ch4-held-out-score",
               lambda tr, va, r, l: held_out_score(va, tr, r, l), "fitted on the validation")
    fails_with("ch4-held-out-score",
               lambda tr, va, r, l: held_out_score(tr, va, r, l, kernels=(l, 0.25)),
               "map kernel Q")
    fails_with("ch4-held-out-score",
               lambda tr, va, r, l: held_out_score(tr, va, r, l, raw=True), "raw held-out")

    def pushed_reference(train, valid, reg, lengthscale):
        model = lk.KernelTransport(mmd_kernel=RBF(0.25), map_kernel=RBF(lengthscale),
                                   reg=reg, n_reference=100, max_iter=100, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=lk.ConvergenceWarning)
            model.fit(train)
        return lk.metrics.normalized_mmd(model.pushed_reference(), valid, random_state=3)

    fails_with("ch4-held-out-score", pushed_reference, "pushed reference points")


def test_held_out_score_other_settings_get_the_fallback_hint():
    def other_seed(train, valid, reg, lengthscale):
        model = lk.KernelTransport(mmd_kernel=RBF(0.25), map_kernel=RBF(lengthscale),
                                   reg=reg, n_reference=100, max_iter=100, random_state=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=lk.ConvergenceWarning)
            model.fit(train)
        return lk.metrics.normalized_mmd(model.sample(1000, random_state=2), valid,
                                         random_state=3)

    fails_with("ch4-held-out-score", other_seed, "exactly the settings")
    fails_with("ch4-held-out-score", lambda *args: 1 / 0, "raised ZeroDivisionError")


# ---------------------------------------------------------------------------------
# ch4-tune


def tune(score, regs, lengthscales):
    best, best_pair = np.inf, None
    for reg, ell in itertools.product(regs, lengthscales):
        value = score(reg, ell)
        if value < best:
            best, best_pair = value, (reg, ell)
    return best_pair


def test_tune_accepts_right_answers():
    assert check("ch4-tune", tune)

    def last_of_ties(score, regs, lengthscales):   # picks the other pair of a tie
        values = np.array([[score(r, l) for l in lengthscales] for r in regs])
        flat = values.size - 1 - np.argmin(values[::-1, ::-1].ravel())
        i, j = np.unravel_index(flat, values.shape)
        return [regs[i], lengthscales[j]]          # a list is a pair too

    assert check("ch4-tune", last_of_ties)


def test_tune_detects_typical_mistakes():
    def argmax(score, regs, lengthscales):
        return tune(lambda r, l: -score(r, l), regs, lengthscales)

    fails_with("ch4-tune", argmax, "largest score", "lower scores are better")

    def swapped(score, regs, lengthscales):
        return tune(score, regs, lengthscales)[::-1]

    fails_with("ch4-tune", swapped, "wrong order")

    def positions(score, regs, lengthscales):
        values = np.array([[score(r, l) for l in lengthscales] for r in regs])
        return np.unravel_index(np.argmin(values), values.shape)

    fails_with("ch4-tune", positions, "positions")

    def one_at_a_time(score, regs, lengthscales):
        reg = min(regs, key=lambda r: score(r, lengthscales[0]))
        return reg, min(lengthscales, key=lambda l: score(reg, l))

    result = fails_with("ch4-tune", one_at_a_time, "one parameter at a time")
    assert result.failed_case == 2

    def starts_at_one(score, regs, lengthscales):
        best, best_pair = 1.0, None
        for reg, ell in itertools.product(regs, lengthscales):
            if score(reg, ell) < best:
                best, best_pair = score(reg, ell), (reg, ell)
        return best_pair

    result = fails_with("ch4-tune", starts_at_one, "returned None", "infinity")
    assert result.failed_case == 4

    def returns_the_score(score, regs, lengthscales):
        return score(*tune(score, regs, lengthscales))

    fails_with("ch4-tune", returns_the_score, "expected a pair")

    def skips_the_last(score, regs, lengthscales):   # range(len(grid) - 1)
        return tune(score, regs[:max(len(regs) - 1, 1)],
                    lengthscales[:max(len(lengthscales) - 1, 1)])

    result = fails_with("ch4-tune", skips_the_last, "which scores", "every pair")
    assert result.failed_case == 2


def test_tune_edge_cases():
    def arguments_swapped(score, regs, lengthscales):
        return min(itertools.product(regs, lengthscales), key=lambda p: score(p[1], p[0]))

    fails_with("ch4-tune", arguments_swapped, "raised ValueError", "in this order")
    fails_with("ch4-tune", lambda score, regs, ls: (0.5, 0.5), "one of the grid points")
    fails_with("ch4-tune", lambda score, regs, ls: ..., "Ellipsis")


# ---------------------------------------------------------------------------------
# ch4-kink


def kink_size(T, x, u, h):
    norms = [np.sqrt(np.sum((T(x[i:i + 1] + h * u[i:i + 1]) - 2 * T(x[i:i + 1])
                             + T(x[i:i + 1] - h * u[i:i + 1])) ** 2))
             for i in range(len(x))]
    return sum(norms) / (len(x) * h)


def second(T, x, u, h):
    return T(x + h * u) - 2 * T(x) + T(x - h * u)


def test_kink_accepts_the_right_answer():
    assert check("ch4-kink", kink_size)


@pytest.mark.parametrize("wrong, words", [
    (lambda T, x, u, h: kink_size(T, x, u, h) / h, ["divided by h^2"]),
    (lambda T, x, u, h: np.mean(np.linalg.norm(T(x + h * u) - T(x) + T(x - h * u),
                                               axis=1)) / h, ["-2 T(x)"]),
    (lambda T, x, u, h: np.mean(np.linalg.norm(T(x + h * u) - T(x), axis=1)) / h,
     ["first difference"]),
    (lambda T, x, u, h: np.mean(np.linalg.norm(T(x + u) - 2 * T(x) + T(x - u), axis=1)) / h,
     ["the step is h u"]),
    (lambda T, x, u, h: np.mean(np.sum(second(T, x, u, h) ** 2, axis=1)) / h,
     ["without the square"]),
    (lambda T, x, u, h: np.linalg.norm(second(T, x, u, h)) / h, ["not one norm"]),
    (lambda T, x, u, h: np.sum(np.linalg.norm(second(T, x, u, h), axis=1)) / h,
     ["not their sum"]),
    (lambda T, x, u, h: np.mean(np.abs(second(T, x, u, h))) / h,
     ["not the mean of their absolute values"]),
])
def test_kink_detects_typical_mistakes(wrong, words):
    fails_with("ch4-kink", wrong, *words)


def test_kink_edge_cases():
    # per-point values instead of their mean
    fails_with("ch4-kink", lambda T, x, u, h: np.linalg.norm(second(T, x, u, h), axis=1) / h,
               "expected a number")
    # a function that only works in 1-D
    fails_with("ch4-kink", lambda T, x, u, h: float(np.mean(np.abs(second(T, x, u, h)[:, 1]))),
               "raised IndexError")
    # the 1-D norm written as an absolute value passes the 1-D case only
    result = fails_with("ch4-kink", lambda T, x, u, h: np.mean(np.abs(second(T, x, u, h))) / h)
    assert result.failed_case == 2


# ---------------------------------------------------------------------------------
# all checks


@pytest.mark.parametrize("name", ["ch4-map-norm", "ch4-held-out-score", "ch4-tune", "ch4-kink"])
def test_cases_do_not_depend_on_global_random_state(name):
    def snapshot():
        ch04._score_case.cache_clear()
        return [(case.description, case.args, case.expected)
                for case in ch04_cases(name)]

    np.random.seed(0)
    first = snapshot()
    np.random.seed(12345)
    np.random.random(100)
    second_ = snapshot()
    assert len(first) == len(second_) >= 2
    for (d1, a1, e1), (d2, a2, e2) in zip(first, second_):
        assert d1 == d2
        for x, y in zip(a1, a2):
            if isinstance(x, np.ndarray):
                assert np.array_equal(x, y)
        if e1 is not None:
            assert np.array_equal(np.asarray(e1), np.asarray(e2))


def ch04_cases(name):
    from lecturekit.exercises._core import _lookup
    return _lookup(name).cases()


@pytest.mark.parametrize("name", ["ch4-map-norm", "ch4-tune", "ch4-kink"])
def test_checks_are_fast(name):
    answers = {"ch4-map-norm": map_sq_norm, "ch4-tune": tune, "ch4-kink": kink_size}
    start = time.perf_counter()
    assert check(name, answers[name])
    assert time.perf_counter() - start < 0.3


def test_failure_messages_do_not_leak_the_reference():
    result = check("ch4-map-norm", lambda C, X, k: 0.0)
    assert "np." not in result.message and "def " not in result.message
    assert "case 1 of 5" in result.message and "expected" in result.message

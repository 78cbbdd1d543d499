"""The checks of chapter 2's exercises: right answers pass, typical mistakes get their hint."""

import time

import numpy as np
import pytest
from scipy import stats

import lecturekit as lk
from lecturekit.exercises import _core
from exercise_checks import fails_with  # noqa: E402

check = lk.exercises.check
NAMES = ["ch2-affine-density", "ch2-laplace-quantile", "ch2-laplace", "ch2-rotation"]


def test_the_chapter_registers_its_checks():
    assert lk.exercises.available(chapter=2) == NAMES
    labels = {_core._REGISTRY[n].label for n in NAMES}
    assert labels == {"ch2-ex-affine-density", "ch2-ex-laplace", "ch2-ex-rotation"}


# ---------------------------------------------------------------------------------
# ch2-affine-density: the density of N(b, a^2), by scipy rather than by hand


def affine_right(y, a, b):
    return stats.norm(loc=b, scale=abs(a)).pdf(y)


def test_affine_density_right_answer_passes():
    assert check("ch2-affine-density", affine_right)


@pytest.mark.parametrize("wrong, words", [
    (lambda y, a, b: stats.norm.pdf((y - b) / a) / a, ["case 2", "absolute value"]),
    (lambda y, a, b: stats.norm.pdf((y - b) / a) * abs(a), ["inverse map", "not the derivative"]),
    (lambda y, a, b: stats.norm.pdf((y - b) / a), ["is missing", "integrate to 1"]),
    (lambda y, a, b: stats.norm(b, np.sqrt(abs(a))).pdf(y), ["not the variance"]),
    (lambda y, a, b: stats.norm(b, a**2).pdf(y), ["a^2 as the standard deviation"]),
    (lambda y, a, b: stats.norm.pdf(a * y + b) / abs(a), ["preimage", "not at the image"]),
])
def test_affine_density_mistakes_get_their_hint(wrong, words):
    fails_with("ch2-affine-density", wrong, *words)


def test_affine_density_column_output_is_named():
    result = fails_with("ch2-affine-density", lambda y, a, b: affine_right(y, a, b)[:, None],
                        "got a column", "flat array")
    assert result.failed_case == 1


def test_affine_density_starter_and_errors():
    fails_with("ch2-affine-density", lambda y, a, b: ..., "Ellipsis")
    fails_with("ch2-affine-density", lambda y, a, b: y[:, 0], "raised IndexError")
    # right for a > 0 only: the negative slope of case 2 gives the absolute-value hint
    fails_with("ch2-affine-density", lambda y, a, b: stats.norm(b, a).pdf(y), "case 2")
    with pytest.raises(TypeError, match="Pass the function itself"):
        check("ch2-affine-density", affine_right(np.zeros(3), 1.0, 0.0))


# ---------------------------------------------------------------------------------
# ch2-laplace-quantile and ch2-laplace


def quantile_right(u, m, s):
    # solve F(y) = u by bisection on the CDF: independent of the closed form
    lo, hi = np.full(u.shape, m - 60 * s), np.full(u.shape, m + 60 * s)
    F = stats.laplace(m, s).cdf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = F(mid) < u
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def test_laplace_quantile_right_answers_pass():
    assert check("ch2-laplace-quantile", quantile_right)
    assert check("ch2-laplace-quantile", lambda u, m, s: stats.laplace(m, s).ppf(u))
    # the combined formula with sign(u - 1/2) is right too
    assert check("ch2-laplace-quantile", lambda u, m, s:
                 m - s * np.sign(u - 0.5) * np.log1p(-2 * np.abs(u - 0.5)))


def _branches(lower, upper):
    def quantile(u, m, s):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(u < 0.5, lower(u, m, s), upper(u, m, s))
    return quantile


LAPLACE_MISTAKES = [
    (lambda u, m, s: m + s * np.log(2 * u), ["lower branch", "own", "logarithm and sign"]),
    (_branches(lambda u, m, s: m + s * np.log(2 * u), lambda u, m, s: m + s * np.log(2 - 2 * u)),
     ["must lie above m", "minus sign"]),
    (_branches(lambda u, m, s: m - s * np.log(2 - 2 * u), lambda u, m, s: m + s * np.log(2 * u)),
     ["branches are swapped"]),
    (lambda u, m, s: m - s * np.log1p(-2 * np.abs(u - 0.5)), ["sign of u - 1/2"]),
    (_branches(lambda u, m, s: m + np.log(2 * u) / s, lambda u, m, s: m - np.log(2 - 2 * u) / s),
     ["s is a scale", "rate"]),
]


@pytest.mark.parametrize("wrong, words", LAPLACE_MISTAKES)
def test_laplace_quantile_mistakes_get_their_hint(wrong, words):
    fails_with("ch2-laplace-quantile", wrong, *words)


def test_laplace_quantile_edge_cases():
    # right on the lower branch only: case 3 has only levels above the median
    lower_only = _branches(lambda u, m, s: m + s * np.log(2 * u),
                           lambda u, m, s: np.full_like(u, m))
    assert fails_with("ch2-laplace-quantile", lower_only, "case 1").failed_case == 1
    fails_with("ch2-laplace-quantile", lambda u, m, s: quantile_right(u, m, s)[:, None],
               "got a column", "entry by entry")
    fails_with("ch2-laplace-quantile", lambda u, m, s: None, "returned None")

    def raises(u, m, s):
        raise ValueError("not yet")
    fails_with("ch2-laplace-quantile", raises, "raised ValueError: not yet")


def map_right(x, m, s):
    return quantile_right(stats.norm.cdf(x), m, s)


def test_laplace_map_right_answers_pass():
    assert check("ch2-laplace", map_right)
    assert check("ch2-laplace", lambda x, m, s: lk.inverse_cdf_map(stats.laplace(m, s))(x))


def _map_from(quantile, level=stats.norm.cdf):
    def T(x, m, s):
        with np.errstate(divide="ignore", invalid="ignore"):
            return quantile(level(x), m, s)
    return T


@pytest.mark.parametrize("wrong, words", [
    (_map_from(wrong), words) for wrong, words in LAPLACE_MISTAKES
] + [
    (_map_from(lambda u, m, s: stats.laplace(m, s).ppf(u), level=lambda x: x),
     ["levels u in (0, 1)", "first send x"]),
    (_map_from(lambda u, m, s: stats.laplace(m, s).ppf(u), level=stats.norm.ppf),
     ["norm.ppf", "other direction"]),
    (_map_from(lambda u, m, s: stats.laplace(m, s).ppf(u), level=stats.norm.pdf),
     ["not its density"]),
])
def test_laplace_map_mistakes_get_their_hint(wrong, words):
    fails_with("ch2-laplace", wrong, *words)


def test_laplace_map_branch_error_without_phi_is_named():
    # log(2u) on both branches, applied to x itself: NaN for x < 0, the "Phi" hint first
    fails_with("ch2-laplace", _map_from(lambda u, m, s: m + s * np.log(2 * u), level=lambda x: x),
               "NaN", "levels u in (0, 1)")


def test_laplace_map_flat_output_and_errors():
    fails_with("ch2-laplace", lambda x, m, s: map_right(x, m, s)[:, 0],
               "got a flat array", "keep the column")
    fails_with("ch2-laplace", lambda x, m, s: ..., "Ellipsis")
    # a map written for one argument only
    fails_with("ch2-laplace", lambda x: x, "raised TypeError")


# ---------------------------------------------------------------------------------
# ch2-rotation: the density of N(0, A A^T), by scipy


def linear_right(y, A):
    d = A.shape[0]
    return np.atleast_1d(stats.multivariate_normal(np.zeros(d), A @ A.T).pdf(y))


def _phi(x):
    return np.exp(-0.5 * np.sum(x**2, axis=1)) / (2 * np.pi) ** (x.shape[1] / 2)


def test_rotation_right_answer_passes():
    assert check("ch2-rotation", linear_right)


@pytest.mark.parametrize("wrong, words, case", [
    (lambda y, A: _phi(y @ np.linalg.inv(A).T) / np.linalg.det(A), ["absolute value"], 2),
    (lambda y, A: _phi(y @ np.linalg.inv(A).T) * abs(np.linalg.det(A)),
     ["det A^{-1} = 1/det A, not det A"], 3),
    (lambda y, A: _phi(y @ np.linalg.inv(A).T), ["is missing", "not for a general A"], 3),
    (lambda y, A: _phi(y @ A) / abs(np.linalg.det(A)), ["A^{-1} = A^T holds only"], 3),
    (lambda y, A: _phi(y @ np.linalg.inv(A)) / abs(np.linalg.det(A)),
     ["rows of y are points", "N(0, A^T A)"], 3),
    (lambda y, A: _phi(y @ A.T) / abs(np.linalg.det(A)), ["preimage", "not at the image A y"], 3),
])
def test_rotation_mistakes_get_their_hint(wrong, words, case):
    result = fails_with("ch2-rotation", wrong, *words)
    assert result.failed_case == case


def test_rotation_edge_cases():
    # the standard Gaussian density is right for orthogonal matrices only
    result = fails_with("ch2-rotation", lambda y, A: _phi(y), "case 3")
    assert result.failed_case == 3
    fails_with("ch2-rotation", lambda y, A: linear_right(y, A)[:, None], "got a column",
               "one density value per point")
    # a density that only works in 2-D fails on the 3-D rotation, saying so
    fails_with("ch2-rotation", lambda y, A: _phi(y[:, :2]), "case 1", "expected")


# ---------------------------------------------------------------------------------
# all checks


@pytest.mark.parametrize("name", NAMES)
def test_cases_do_not_depend_on_global_random_state(name):
    cases = _core._REGISTRY[name].cases
    np.random.seed(0)
    first = cases()
    np.random.seed(12345)
    np.random.uniform(size=1000)
    second = cases()
    assert len(first) == len(second) >= 3
    for a, b in zip(first, second):
        assert a.description == b.description
        for u, v in zip(a.args, b.args):
            np.testing.assert_array_equal(u, v)
        np.testing.assert_array_equal(a.expected, b.expected)
        assert list(a.wrong) == list(b.wrong)


@pytest.mark.parametrize("name", NAMES)
def test_checks_are_fast_and_quiet(name, capsys):
    answer = {"ch2-affine-density": affine_right, "ch2-laplace-quantile": quantile_right,
              "ch2-laplace": map_right, "ch2-rotation": linear_right}[name]
    start = time.perf_counter()
    result = check(name, answer, verbose=False)
    assert result and time.perf_counter() - start < 2.0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", NAMES)
def test_every_mistake_is_told_apart_from_the_answer_somewhere(name):
    cases = _core._REGISTRY[name].cases()
    seen = {}
    for case in cases:
        assert np.all(np.isfinite(case.expected))
        for hint, value in case.wrong.items():
            differs = (np.shape(value) == np.shape(case.expected)
                       and not np.allclose(value, case.expected, rtol=case.rtol,
                                           atol=case.atol))
            seen[hint] = seen.get(hint, False) or differs
    assert seen and all(seen.values()), [h for h, ok in seen.items() if not ok]

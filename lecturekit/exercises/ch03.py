"""Checks for the exercises of chapter 3, "Relaxation with MMD".

- ``ch3-signs`` (exercise ``ch3-ex-signs``): a pair ``(X, Y)`` of samples whose
  unbiased squared MMD is negative;
- ``ch3-unbiased`` (``ch3-ex-unbiased``): a function ``mmd2_unbiased(X, Y, kernel)``;
- ``ch3-gradient`` (``ch3-ex-gradient``): a function
  ``mmd2_gradient_rbf(X, Y, lengthscale)``;
- ``ch3-minimisers`` (``ch3-ex-minimisers``): a function ``two_minimisers(X, Y)``
  returning two different zero-loss assignments ``z = S(X)`` of problem (T2);
- ``ch3-closed-form`` and ``ch3-best-lengthscale`` (``ch3-ex-closed-form``): a
  function ``mmd2_gaussians(a, s1, c, s2, lengthscale)`` and a number.

Every case is built from fixed seeds; the reference values come from the private
functions of this module or from :mod:`lecturekit.mmd`.
"""

import numpy as np

from ..datasets import make_toy
from ..kernels import RBF, Laplace, RationalQuadratic
from ..mmd import median_heuristic, mmd2, mmd2_and_gradient
from ._core import Case, register

_LENGTHSCALE_HINT = ("you used the kernel exp(-|x - y|^2 / l^2); the book's RBF kernel is "
                     "exp(-|x - y|^2 / (2 l^2)).")
_RETURN_HINT = "does it end with a `return` statement, or is the body still `...`?"


def _samples(seed, n, m, d, shift=0.5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((m, d)) + shift


# ---------------------------------------------------------------------------------
# ch3-ex-signs


@register("ch3-signs", chapter=3, title="Signs of the two estimators", label="ch3-ex-signs",
          answer="a pair (X, Y) of sample arrays, shape (n, d) and (m, d), whose unbiased "
                 "squared MMD under RBF(1.0) is negative", kind="object")
def _signs():
    def negative_u(pair):
        if isinstance(pair, np.ndarray) and pair.ndim < 3:
            return (f"expected a pair (X, Y), got one array of shape {pair.shape}",
                    "pass the two samples together: check('ch3-signs', (X, Y)).")
        try:
            X, Y = pair
        except (TypeError, ValueError):
            return (f"expected a pair (X, Y), got {type(pair).__name__}",
                    "pass the two samples together: check('ch3-signs', (X, Y)).")
        for name, sample in (("X", X), ("Y", Y)):
            if sample is None or sample is Ellipsis:
                return (f"your sample {name} is {sample!r}",
                        "replace the placeholder `...` by an array, one point per row.")
        try:
            X, Y = np.asarray(X, float), np.asarray(Y, float)
        except (TypeError, ValueError) as err:
            return (f"the samples are not arrays of numbers ({err})",
                    "one point per row: the points 0 and 1 on a line are [[0.0], [1.0]].")
        if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
            return (f"X and Y must be 2-D with the same number of columns, got shapes "
                    f"{X.shape} and {Y.shape}",
                    "one point per row: the points 0 and 1 on a line are [[0.0], [1.0]].")
        if len(X) < 2 or len(Y) < 2:
            return (f"the unbiased estimator needs at least 2 points per sample, got "
                    f"{len(X)} and {len(Y)}",
                    "with one point the sum over pairs i != l is empty and n(n-1) = 0.")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            return ("the samples contain NaN or infinite values", "")
        u = mmd2(X, Y, RBF(1.0), unbiased=True)
        if u < 0:
            return None
        return (f"the unbiased estimate is {u:.4g}, not negative",
                "the U-statistic leaves out K(x_i, x_i) = 1 but keeps the cross terms; it is "
                "smallest when the two samples are alike. Try two identical samples.")

    return [Case("your pair under RBF(1.0)", args=None, compare=negative_u)]


# ---------------------------------------------------------------------------------
# ch3-ex-unbiased


def _unbiased_reference(X, Y, kernel):
    n, m = len(X), len(Y)
    Kxx, Kyy = kernel(X), kernel(Y)
    return ((Kxx.sum() - np.trace(Kxx)) / (n * (n - 1))
            + (Kyy.sum() - np.trace(Kyy)) / (m * (m - 1))
            - 2 * kernel(X, Y).mean())


@register("ch3-unbiased", chapter=3, title="The unbiased estimator by hand",
          label="ch3-ex-unbiased", answer="a function mmd2_unbiased(X, Y, kernel) -> float")
def _unbiased():
    cases = []
    # n = m first: it is the case that separates the within-sample diagonals
    # (left out) from the cross diagonal (kept)
    settings = [
        ("n = 30, m = 30 points in 2-D, RBF(0.5)", 3, 30, 30, 2, RBF(0.5)),
        ("n = 40, m = 70 points in 3-D, RBF(1.5)", 0, 40, 70, 3, RBF(1.5)),
        ("n = 25, m = 10 points in 1-D, RationalQuadratic(0.7, alpha=2)", 1, 25, 10, 1,
         RationalQuadratic(0.7, alpha=2.0)),
        ("two points per sample in 2-D, Laplace(1.0)", 2, 2, 2, 2, Laplace(1.0)),
    ]
    for description, seed, n, m, d, kernel in settings:
        X, Y = _samples(seed, n, m, d)
        Kxx, Kyy, Kxy = kernel(X), kernel(Y), kernel(X, Y)
        off_x, off_y = Kxx.sum() - np.trace(Kxx), Kyy.sum() - np.trace(Kyy)
        wrong = {
            "this is the biased estimator (V-statistic): the unbiased one leaves out the "
            "diagonal terms K(x_i, x_i) and K(y_j, y_j) and divides by n(n-1) and m(m-1).":
                mmd2(X, Y, kernel),
            "the diagonal is left out, but the sums are divided by n^2 and m^2; with n(n-1) "
            "terms left, divide by n(n-1).":
                off_x / n**2 + off_y / m**2 - 2 * Kxy.mean(),
            "the cross term K(x_i, y_j) appears twice in the expansion: it needs the "
            "factor 2.":
                off_x / (n * (n - 1)) + off_y / (m * (m - 1)) - Kxy.mean(),
        }
        if n == m:
            wrong["the cross sum keeps every pair (x_i, y_j), including i = j: only the "
                  "within-sample sums drop their diagonals."] = (
                off_x / (n * (n - 1)) + off_y / (m * (m - 1))
                - 2 * (Kxy.sum() - np.trace(Kxy)) / (n * (n - 1)))
        else:
            wrong["the sum over Y has m(m-1) terms, not n(n-1): each sample has its own "
                  "size."] = off_x / (n * (n - 1)) + off_y / (n * (n - 1)) - 2 * Kxy.mean()
        cases.append(Case(description, args=(X, Y, kernel),
                          expected=_unbiased_reference(X, Y, kernel), wrong=wrong,
                          hint="compare your three terms one by one with the definition; "
                               "each sum has its own number of terms."))
    return cases


# ---------------------------------------------------------------------------------
# ch3-ex-gradient


def _gradient_reference(X, Y, lengthscale):
    return mmd2_and_gradient(X, Y, RBF(lengthscale), fast=False)[1]


@register("ch3-gradient", chapter=3, title="The gradient of the biased squared MMD",
          label="ch3-ex-gradient",
          answer="a function mmd2_gradient_rbf(X, Y, lengthscale) -> array of shape (n, d), "
                 "the gradient of the biased squared MMD with respect to X")
def _gradient():
    cases = []
    settings = [("n = 20, m = 20 points in 2-D, lengthscale 0.5", 3, 20, 20, 2, 0.5),
                ("n = 30, m = 45 points in 2-D, lengthscale 0.8", 0, 30, 45, 2, 0.8),
                ("n = 7, m = 3 points in 5-D, lengthscale 2.0", 1, 7, 3, 5, 2.0),
                ("n = 12, m = 12 points in 1-D, lengthscale 0.3", 2, 12, 12, 1, 0.3)]
    for description, seed, n, m, d, ell in settings:
        X, Y = _samples(seed, n, m, d, shift=1.0)
        reference = _gradient_reference(X, Y, ell)
        k = RBF(ell)
        Kxx, Kxy = k(X), k(X, Y)
        # sum_l K(x_i, x_l) (x_i - x_l) and sum_j K(x_i, y_j) (x_i - y_j), row by row
        repel = X * Kxx.sum(axis=1)[:, None] - Kxx @ X
        attract = X * Kxy.sum(axis=1)[:, None] - Kxy @ Y
        wrong = {
            _LENGTHSCALE_HINT: _gradient_reference(X, Y, ell / np.sqrt(2)),
            "only the attraction to Y is there: x_i also appears in the first double sum, "
            "which pushes the points of X apart.": 2.0 / (n * m) * attract / ell**2,
            "the terms K(x_i, x_l) come twice (a = i and b = i), which gives 2/n^2 in front "
            "of the first sum, not 1/n^2.":
                (-1.0 / n**2 * repel + 2.0 / (n * m) * attract) / ell**2,
            "the factor 1/l^2 is missing: differentiating exp(-|x - y|^2 / (2 l^2)) brings "
            "down -(x - y) / l^2.": (-2.0 / n**2 * repel + 2.0 / (n * m) * attract),
        }
        if n == m:
            # K(Y, X) where K(X, Y) is needed: the cross Gram matrix transposed
            attract_t = X * Kxy.sum(axis=0)[:, None] - Kxy.T @ Y
            wrong["the cross Gram matrix is transposed: the gradient at x_i needs row i of "
                  "K(X, Y), the values K(x_i, y_j) for all j, not K(y_i, x_j)."] = (
                (-2.0 / n**2 * repel + 2.0 / (n * m) * attract_t) / ell**2)
        cases.append(Case(description, args=(X, Y, ell), expected=reference, wrong=wrong,
                          rtol=1e-6, atol=1e-10,
                          hint="check against central finite differences of lk.mmd2 on "
                               "one coordinate at a time."))
    return cases


# ---------------------------------------------------------------------------------
# ch3-ex-minimisers


def _match_rows(z, Y, atol=1e-6):
    """For each row of z the index of the nearest row of Y, and whether it is that row."""
    dist2 = np.sum((z[:, None, :] - Y[None, :, :]) ** 2, axis=-1)
    nearest = np.argmin(dist2, axis=1)
    return nearest, np.sqrt(dist2[np.arange(len(z)), nearest]) <= atol


def _minimisers_judge(X, Y):
    n, d = Y.shape
    lengthscale = median_heuristic(Y)
    kernel = RBF(lengthscale)

    def judge(got):
        if got is None or got is Ellipsis:
            return (f"your function returned {got!r}", _RETURN_HINT)
        if isinstance(got, np.ndarray) and got.ndim != 3:
            return (f"your function returned one array of shape {got.shape}",
                    "return the two assignments together, as a pair (z1, z2).")
        try:
            items = list(got)
        except TypeError:
            return (f"expected a pair (z1, z2), got {type(got).__name__}",
                    "return the two assignments together, as a pair (z1, z2).")
        if len(items) != 2:
            return (f"expected a pair (z1, z2), got {len(items)} items",
                    "return exactly two assignments.")
        matches = []
        for k, z in enumerate(items, 1):
            if z is None or z is Ellipsis:
                return (f"z{k} is {z!r}", "replace the placeholder `...` by your array.")
            try:
                z = np.asarray(z, dtype=float)
            except (TypeError, ValueError):
                return (f"z{k} is not an array of numbers", "")
            if z.shape != (n, d):
                if z.shape == (d, n):
                    hint = ("z{k} is transposed: row i of z = S(X) is the point S(x_i), so "
                            "z has n rows and d columns, like X and Y.").format(k=k)
                else:
                    hint = ("z = S(X) has one row per reference point, S(x_i), and one "
                            "column per coordinate: the shape of X and of Y.")
                return (f"z{k} has shape {z.shape}, expected {(n, d)}", hint)
            if not np.all(np.isfinite(z)):
                return (f"z{k} contains NaN or infinite values", "")
            nearest, exact = _match_rows(z, Y)
            loss = mmd2(z, Y, kernel)
            if exact.all() and len(np.unique(nearest)) == n and loss < 1e-10:
                matches.append(nearest)
                continue
            what = (f"z{k} is not a minimiser: its squared MMD to Y under "
                    f"RBF({lengthscale:.3g}) is {loss:.3g}, not 0")
            if np.allclose(z, X):
                return (what, "z = X leaves the reference points where they are. The loss "
                              "compares the points S(x_i) with the data: it is 0 only when "
                              "they are the data points.")
            if exact.all():
                return (what, "every row is a data point, but some data points appear "
                              "several times and others not at all (indices drawn with "
                              "replacement?); zero loss needs each y_j exactly once.")
            return (what, "for a characteristic kernel the loss is 0 only when S(X) and Y "
                          "are the same set of points: each row of z must be a data point "
                          "y_j, and each y_j must be used once.")
        if np.array_equal(matches[0], matches[1]):
            what = ("z1 and z2 are the same assignment: every x_i is sent to the same data "
                    "point in both")
            if np.array_equal(matches[0], np.arange(n)):
                what += " (both are Y, unchanged)"
            hint = ("the loss depends only on the set of points S(X), not on which x_i is "
                    "sent to which y_j: pair the points differently for z2.")
            if n <= 3:
                hint += (" Two pairings drawn at random can coincide (for n = 2, half of the "
                         "time): make sure the second one differs from the first.")
            return (what, hint)
        return None

    return judge


@register("ch3-minimisers", chapter=3, title="(T2) has many minimisers",
          label="ch3-ex-minimisers",
          answer="a function two_minimisers(X, Y) -> (z1, z2): two different arrays of shape "
                 "(n, d), each the values z = S(X) of a map S with zero loss in (T2)")
def _minimisers():
    rng = np.random.default_rng(30)
    settings = [
        ("n = 6 reference and data points in 2-D",
         rng.standard_normal((6, 2)), rng.standard_normal((6, 2)) + 1.0),
        ("n = 40 reference and data points in 3-D",
         rng.standard_normal((40, 3)), 2.0 * rng.standard_normal((40, 3))),
        ("n = 2 points in 1-D, where there are only 2! = 2 minimising assignments",
         np.array([[-0.3], [0.8]]), np.array([[1.0], [2.5]])),
        ("n = 300: the moons data and reference points of the (T2) section",
         np.random.default_rng(7).standard_normal((300, 2)),
         make_toy("moons", 300, random_state=5)),
    ]
    return [Case(description, args=(X, Y), compare=_minimisers_judge(X, Y),
                 hint="each row of z must be a data point y_j, each used once, and the two "
                      "pairings must differ.")
            for description, X, Y in settings]


# ---------------------------------------------------------------------------------
# ch3-ex-closed-form


def _gaussians_reference(a, s1, c, s2, lengthscale, *, power=None, within=2.0, cross=2.0):
    # power: the exponent of the prefactor (d/2 when None); within: the variance of x - x'
    # for two draws of one Gaussian, in units of s^2 (2 is right); cross: the factor of
    # the cross term (2 is right); the other values are mistakes
    a = np.atleast_1d(np.asarray(a, float))
    c = np.atleast_1d(np.asarray(c, float))
    p = a.size / 2 if power is None else power
    l2 = np.asarray(lengthscale, float) ** 2

    def g(delta2, tau2):
        return (l2 / (l2 + tau2)) ** p * np.exp(-delta2 / (2 * (l2 + tau2)))

    return (g(0.0, within * s1**2) + g(0.0, within * s2**2)
            - cross * g(np.sum((a - c) ** 2), s1**2 + s2**2))


@register("ch3-closed-form", chapter=3, title="The squared MMD between two Gaussians",
          label="ch3-ex-closed-form",
          answer="a function mmd2_gaussians(a, s1, c, s2, lengthscale) -> float, the squared "
                 "MMD between N(a, s1^2 I) and N(c, s2^2 I) under RBF(lengthscale)")
def _closed_form():
    settings = [("d = 2, a = (0, 0), s1 = 1, c = (1, 0.5), s2 = 0.6, lengthscale 1",
                 [0.0, 0.0], 1.0, [1.0, 0.5], 0.6, 1.0),
                ("d = 1, a = 0, s1 = 0.5, c = 2, s2 = 0.5, lengthscale 0.3",
                 [0.0], 0.5, [2.0], 0.5, 0.3),
                ("d = 5, equal means, s1 = 1, s2 = 2, lengthscale 3",
                 np.zeros(5), 1.0, np.zeros(5), 2.0, 3.0)]
    cases = []
    for description, a, s1, c, s2, ell in settings:
        d = np.atleast_1d(a).size
        wrong = {_LENGTHSCALE_HINT: _gaussians_reference(a, s1, c, s2, ell / np.sqrt(2)),
                 "for two independent draws x, x' of the same Gaussian, x - x' has "
                 "variance 2 s^2, not s^2.":
                     _gaussians_reference(a, s1, c, s2, ell, within=1.0),
                 "s1 and s2 are standard deviations: the covariances are s1^2 I and "
                 "s2^2 I.": _gaussians_reference(a, np.sqrt(s1), c, np.sqrt(s2), ell),
                 "the cross term E K(x, y) comes with the factor 2 of the expansion "
                 "|m_P - m_R|^2.": _gaussians_reference(a, s1, c, s2, ell, cross=1.0)}
        if d > 1:
            wrong["the prefactor is a product over the d coordinates: raise it to the power "
                  "d/2."] = _gaussians_reference(a, s1, c, s2, ell, power=0.5)
        cases.append(Case(description, args=(np.asarray(a, float), s1, np.asarray(c, float),
                                             s2, ell),
                          expected=_gaussians_reference(a, s1, c, s2, ell), wrong=wrong,
                          hint="average lk.mmd2(X, Y, lk.RBF(l), unbiased=True) over many "
                               "samples and compare with your formula."))
    return cases


@register("ch3-best-lengthscale", chapter=3, title="The squared MMD between two Gaussians",
          label="ch3-ex-closed-form",
          answer="a number: the lengthscale that maximises the squared MMD between "
                 "N(0, I_2) and N((1, 0), I_2) under the RBF kernel, to 2 decimals",
          kind="value")
def _best_lengthscale():
    grid = np.logspace(-1, 1, 20001)
    best = grid[np.argmax(_gaussians_reference([0.0, 0.0], 1.0, [1.0, 0.0], 1.0, grid))]
    return [Case("the maximiser of your closed form over the lengthscale", args=None,
                 expected=best, rtol=0, atol=0.01,
                 wrong={"this maximises the formula for the kernel exp(-|x - y|^2 / l^2); "
                        "the book's RBF kernel is exp(-|x - y|^2 / (2 l^2)).":
                        best / np.sqrt(2)},
                 hint="evaluate your closed form on a fine logarithmic grid of lengthscales, "
                      "say 0.1 to 10, and take the argmax.")]

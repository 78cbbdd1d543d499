"""Checks for the exercises of chapter 4, "Regularisation".

* ``ch4-map-norm`` (exercise ``ch4-ex-identity``): the squared RKHS norm of a
  vector-valued kernel expansion, ``tr(C^T Q(X, X) C)``.
* ``ch4-held-out-score`` and ``ch4-tune`` (exercise ``ch4-ex-tune-reg``): the
  validation score of one fit, and the choice of ``(reg, lengthscale)`` on a grid.
* ``ch4-kink`` (exercise ``ch4-ex-matern``): the size of a map's kinks, measured
  with a second difference.
"""

import functools
import warnings

import numpy as np

from ..datasets import make_toy, train_test_split
from ..kernels import RBF, Matern, Polynomial, RationalQuadratic
from ..metrics import heldout_mmd2, normalized_mmd
from ..representer import RepresenterMap, rkhs_penalty
from ..transport import ConvergenceWarning, KernelTransport
from ._core import Case, register

# ---------------------------------------------------------------------------------
# ch4-ex-identity: the squared norm of a vector-valued kernel expansion


def _map_sq_norm_reference(C, centres, kernel):
    G = kernel(centres)
    return float(np.sum(C * (G @ C)))   # sum_j C[:, j]^T G C[:, j]


@register("ch4-map-norm", chapter=4, title="Scaling, and the identity map",
          label="ch4-ex-identity",
          answer="a function map_sq_norm(C, centres, kernel) -> float, the squared RKHS "
                 "norm of the map T(x) = sum_i Q(x, x_i) C[i, :] with coefficients C of "
                 "shape (m, d) on centres of shape (m, d), Q = kernel")
def _map_norm():
    settings = [
        ("m = 20 centres in 2-D, d = 2 coordinates, RBF(0.5)", 0, 20, 2, RBF(0.5)),
        ("m = 12 centres in 3-D, d = 3 coordinates, RationalQuadratic(0.8, alpha=2)",
         1, 12, 3, RationalQuadratic(0.8, alpha=2.0)),
        ("m = 3 centres in 3-D (a square coefficient matrix), Matern(1.0, nu=1.5)",
         2, 3, 3, Matern(1.0, nu=1.5)),
        ("a single centre x_1 = 1.5 in 1-D, Polynomial(degree=2, offset=1)",
         None, 1, 1, Polynomial(degree=2, offset=1.0)),
        ("m = 5 centres in 2-D, all coefficients zero (the zero map), RBF(1.0)",
         3, 5, 2, RBF(1.0)),
    ]
    cases = []
    for description, seed, m, d, kernel in settings:
        if seed is None:
            centres, C = np.array([[1.5]]), np.array([[-0.7]])
        else:
            rng = np.random.default_rng(seed)
            centres = rng.standard_normal((m, d))
            C = rng.standard_normal((m, d))
            if "zero" in description:
                C = np.zeros((m, d))
        G = kernel(centres)
        expected = _map_sq_norm_reference(C, centres, kernel)
        wrong = {
            "this is the norm ||T||_Q; the exercise asks for the squared norm, the sum of "
            "the coordinates' c^T Q(X, X) c, with no square root.": np.sqrt(expected),
            "you added every entry of the d x d matrix C^T Q(X, X) C; its off-diagonal "
            "entries pair two different coordinates. The map's squared norm adds the "
            "squared norms of its coordinates: only the diagonal (the trace).":
                float(np.sum(C.T @ G @ C)),
            "only the first coordinate counts here: the squared norm of a map is the sum "
            "over all d coordinates T^j.": float(C[:, 0] @ G @ C[:, 0]),
            "the squared norm of an expansion is not the squared Euclidean norm of its "
            "coefficients: Q(X, X) weighs every pair c_i c_k.": float(np.sum(C * C)),
            "C holds coefficients, not values: the formula z^T Q(X, X)^{-1} z (which "
            "rkhs_penalty computes) is for the values z = Q(X, X) C of the map at the "
            "centres; for coefficients it is c^T Q(X, X) c.": rkhs_penalty(centres, C, kernel),
        }
        if d > 2:
            wrong["you averaged over the coordinates: the squared norm of a map is their "
                  "sum."] = expected / d
        elif d == 2:
            wrong["your result is half the right one: did you average over the two "
                  "coordinates? The squared norm of a map is their sum."] = expected / 2
        if m == d:
            wrong["C has one row per centre and one column per coordinate: coordinate j "
                  "of the map is T^j = sum_i C[i, j] Q(., x_i), so it uses the column "
                  "C[:, j], not the row."] = float(np.sum(C * (C @ G)))   # tr(C G C^T)
        cases.append(Case(description, args=(C, centres, kernel), expected=expected,
                          rtol=1e-5, atol=1e-9, wrong=wrong,
                          hint="C has shape (m, d): row i belongs to the centre x_i, column "
                               "j to the coordinate T^j. The squared norm of the map is one "
                               "number, the sum over j of C[:, j]^T Q(X, X) C[:, j]."))
    return cases


# ---------------------------------------------------------------------------------
# ch4-ex-tune-reg: one validation score, then the best (reg, lengthscale) on a grid

_SCORE_SETTINGS = dict(n_reference=100, max_iter=100, random_state=0)


def _fit(train, reg, mmd_lengthscale, map_lengthscale):
    model = KernelTransport(mmd_kernel=RBF(mmd_lengthscale), map_kernel=RBF(map_lengthscale),
                            reg=reg, **_SCORE_SETTINGS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        return model.fit(train)


def _score(model, test):
    return normalized_mmd(model.sample(1000, random_state=2), test, random_state=3)


_SCORE_PROBLEMS = [
    # description, toy, n, n_validation, seed, reg, lengthscale
    ("8gaussians, 120 training and 120 validation points, reg = 1e-3, lengthscale 0.5",
     "8gaussians", 240, 120, 20, 1e-3, 0.5),
    ("moons, 150 training and 50 validation points, reg = 1e-2, lengthscale 1.5",
     "moons", 200, 50, 21, 1e-2, 1.5),
]


@functools.lru_cache(maxsize=None)
def _score_case(index):
    """The data, the reference score and the scores of typical mistakes (cached: they
    are deterministic, and the fits are the slow part of the check)."""
    _, toy, n, n_valid, seed, reg, ell = _SCORE_PROBLEMS[index]
    data = make_toy(toy, n, random_state=seed)
    train, valid = train_test_split(data, test_size=n_valid, random_state=seed + 100)
    model = _fit(train, reg, 0.25, ell)
    samples = model.sample(1000, random_state=2)
    expected = normalized_mmd(samples, valid, random_state=3)
    wrong = {
        "you scored the samples against the training half: the model was fitted to it, "
        "so that score is optimistic. Fit on the training half, score on the validation "
        "half.": normalized_mmd(samples, train, random_state=3),
        "you fitted on the validation half and scored on the training half: fit on "
        "`train`, score on `valid`.": _score(_fit(valid, reg, 0.25, ell), train),
        "the lengthscale being tuned is that of the map kernel Q (map_kernel), which "
        "lives on the Gaussian reference space; the MMD kernel K (mmd_kernel) stays "
        "RBF(0.25).": _score(_fit(train, reg, ell, 0.25), valid),
        "you scored the pushed reference points, which the fit placed on the training "
        "data; the score is for fresh samples, model.sample(1000, random_state=2).":
            normalized_mmd(model.pushed_reference(), valid, random_state=3),
        "this is the raw held-out MMD^2; the score asked for is normalized_mmd, the ratio "
        "to the untrained Gaussian.": heldout_mmd2(samples, valid),
    }
    return train, valid, expected, wrong


@register("ch4-held-out-score", chapter=4, title="Tune reg and the lengthscale on held-out data",
          label="ch4-ex-tune-reg",
          answer="a function held_out_score(train, valid, reg, lengthscale) -> float: fit "
                 "KernelTransport with mmd_kernel=RBF(0.25), map_kernel=RBF(lengthscale), "
                 "reg=reg, n_reference=100, max_iter=100, random_state=0 on train, and return "
                 "normalized_mmd(model.sample(1000, random_state=2), valid, random_state=3)")
def _held_out_score():
    cases = []
    for index, (description, _, _, _, _, reg, ell) in enumerate(_SCORE_PROBLEMS):
        train, valid, expected, wrong = _score_case(index)
        cases.append(Case(description, args=(train, valid, reg, ell), expected=expected,
                          rtol=1e-4, atol=1e-8, wrong=wrong,
                          hint="use exactly the settings of the exercise: the kernels, "
                               "n_reference=100, max_iter=100, random_state=0 for the fit, "
                               "1000 samples with random_state=2, and random_state=3 for "
                               "normalized_mmd."))
    return cases


class _GridScore:
    """A score over a grid of (reg, lengthscale), given as a table (rows: regs)."""

    def __init__(self, regs, lengthscales, table):
        self.regs = [float(r) for r in regs]
        self.lengthscales = [float(ell) for ell in lengthscales]
        self.table = np.asarray(table, float)

    def _position(self, value, grid, name, other):
        matches = [i for i, g in enumerate(grid) if np.isclose(float(value), g, rtol=1e-12)]
        if not matches:
            hint = (f" (it is one of the {other}: call score(reg, lengthscale) in this order)"
                    if any(np.isclose(float(value), g) for g in getattr(self, other)) else "")
            raise ValueError(f"score was called with {name} = {value!r}, which is not on "
                             f"the grid of {name}s{hint}")
        return matches[0]

    def __call__(self, reg, lengthscale):
        i = self._position(reg, self.regs, "reg", "lengthscales")
        j = self._position(lengthscale, self.lengthscales, "lengthscale", "regs")
        return float(self.table[i, j])

    def pair(self, i, j):
        return (self.regs[i], self.lengthscales[j])

    def coordinatewise(self):
        """The two one-parameter-at-a-time answers (reg first, or lengthscale first)."""
        T = self.table
        i = int(np.argmin(T[:, 0]))
        first = self.pair(i, int(np.argmin(T[i])))
        j = int(np.argmin(T[0]))
        second = self.pair(int(np.argmin(T[:, j])), j)
        return first, second


def _tune_compare(score):
    best = score.table.min()
    minimisers = [score.pair(i, j) for i, j in zip(*np.nonzero(score.table == best))]
    worst = [score.pair(i, j)
             for i, j in zip(*np.nonzero(np.isclose(score.table, score.table.max())))]
    coordinatewise = score.coordinatewise()
    right = " or ".join(f"({r:g}, {ell:g})" for r, ell in minimisers)

    def same(a, b):
        return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-9, atol=0)

    def compare(got):
        if got is None or got is Ellipsis:
            return (f"your function returned {got!r}",
                    "does it end with a `return` statement, or is the body still `...`? If "
                    "it keeps a best pair, start from the first pair's score or from "
                    "infinity, not from a guess such as 0 or 1: scores can lie on either "
                    "side of it.")
        try:
            pair = tuple(float(v) for v in np.asarray(got, float).ravel())
        except (TypeError, ValueError):
            pair = ()
        if len(pair) != 2:
            return (f"expected a pair (reg, lengthscale), got {got!r}",
                    "return the two values as a tuple (reg, lengthscale), not the score "
                    "nor a list of pairs.")
        if any(same(pair, p) for p in minimisers):
            return None
        what = f"expected {right} (score {best:.4g}), got ({pair[0]:g}, {pair[1]:g})"
        if any(same(pair[::-1], p) for p in minimisers):
            return (what, "the two values are in the wrong order: return (reg, lengthscale).")
        ints = [int(v) for v in pair if float(v).is_integer()]
        if (len(ints) == 2 and ints[0] < len(score.regs) and ints[1] < len(score.lengthscales)
                and any(same(score.pair(*ints), p) for p in minimisers)):
            return (what, "these are the positions of the best pair in the two grids; "
                          "return the values of reg and of the lengthscale.")
        on_grid = [(i, j) for i in range(len(score.regs))
                   for j in range(len(score.lengthscales)) if same(pair, score.pair(i, j))]
        if not on_grid:
            return (what, "the pair must be one of the grid points: a reg from `regs` and "
                          "a lengthscale from `lengthscales`.")
        got_score = score.table[on_grid[0]]
        what += f", which scores {got_score:.4g}"
        if any(same(pair, p) for p in worst):
            return (what, "this is the pair with the largest score: lower scores are "
                          "better (0 is perfect), so keep the smallest.")
        if any(same(pair, p) for p in coordinatewise):
            return (what, "you tuned one parameter at a time; the best lengthscale depends "
                          "on reg, so score every pair (reg, lengthscale) of the grid.")
        return (what, "score every pair (reg, lengthscale) of the two grids, each once, and "
                      "keep the pair with the smallest score.")

    return compare


@register("ch4-tune", chapter=4, title="Tune reg and the lengthscale on held-out data",
          label="ch4-ex-tune-reg",
          answer="a function tune(score, regs, lengthscales) -> (reg, lengthscale), the pair "
                 "of the two grids with the smallest score(reg, lengthscale)")
def _tune():
    def bowl(regs, lengthscales):
        r = np.log10(np.asarray(regs, float))[:, None]
        ell = np.log(np.asarray(lengthscales, float) / 0.5)[None, :]
        return 0.1 + (r + 3.0) ** 2 + 4.0 * ell**2

    regs4, ls3 = [1e-4, 1e-3, 1e-2, 1e-1], [0.2, 0.5, 1.5]
    settings = [
        ("5 regs x 4 lengthscales, a bowl with its minimum inside the grid",
         list(np.logspace(-5, -1, 5)), [0.25, 0.5, 1.0, 2.0], None),
        ("4 regs x 3 lengthscales, the best lengthscale depends on reg",
         regs4, ls3, [[0.30, 0.40, 0.50],
                      [0.35, 0.25, 0.45],
                      [0.60, 0.28, 0.10],
                      [0.90, 0.70, 0.65]]),
        ("grids given as numpy arrays, the minimum in a corner (largest reg and lengthscale)",
         np.array([0.01, 0.1, 1.0]), np.array([0.3, 3.0]), [[0.9, 0.7], [0.8, 0.5], [0.6, 0.2]]),
        ("every score above 1 (all pairs worse than the Gaussian)",
         regs4, ls3, [[1.40, 1.30, 1.35],
                      [1.20, 1.10, 1.25],
                      [1.30, 1.15, 1.05],
                      [1.50, 1.45, 1.60]]),
        ("negative scores (as an unbiased MMD^2 estimate can be), and a tie: either best "
         "pair is accepted",
         [1e-3, 1e-2], [0.2, 0.5, 1.5], [[-0.02, -0.05, 0.01], [-0.05, 0.03, 0.02]]),
        ("a single reg and a single lengthscale", [1e-3], [0.5], [[0.4]]),
    ]
    cases = []
    for description, regs, lengthscales, table in settings:
        if table is None:
            table = bowl(regs, lengthscales)
        score = _GridScore(regs, lengthscales, table)
        cases.append(Case(description, args=(score, regs, lengthscales),
                          compare=_tune_compare(score),
                          hint="call score(reg, lengthscale) for every reg in regs and every "
                               "lengthscale in lengthscales."))
    return cases


# ---------------------------------------------------------------------------------
# ch4-ex-matern: the size of the kinks of a map


def _kink_reference(T, x, u, h):
    second = T(x + h * u) - 2.0 * T(x) + T(x - h * u)
    return float(np.mean(np.linalg.norm(second, axis=1)) / h)


def _smooth_map(x):
    return np.column_stack([np.sin(x[:, 0]) * np.cos(x[:, 1]), x[:, 0] ** 2 - x[:, 1]])


def _abs_map(x):
    return np.abs(x)


def _linear_map(x):
    return x @ np.array([[2.0, -1.0, 0.5], [0.0, 1.0, 3.0], [1.0, 1.0, -2.0]])


def _unit(rng, shape):
    u = rng.standard_normal(shape)
    return u / np.linalg.norm(u, axis=1, keepdims=True)


@register("ch4-kink", chapter=4, title="A Matérn map kernel gives rougher maps",
          label="ch4-ex-matern",
          answer="a function kink_size(T, x, u, h) -> float, the mean over the points x_i "
                 "of |T(x_i + h u_i) - 2 T(x_i) + T(x_i - h u_i)| / h, where T maps an "
                 "array of shape (p, d) to one of shape (p, d)")
def _kink():
    rng = np.random.default_rng(40)
    centres = rng.standard_normal((10, 2))
    matern = RepresenterMap(Matern(0.5, nu=0.5)).fit(centres, rng.standard_normal((10, 2)))
    settings = [
        ("T(x) = |x| in 1-D at 5 points, two of them closer than h to the kink at 0, "
         "h = 1e-3", _abs_map, np.array([[-1.0], [0.0], [0.5], [0.0005], [2.0]]),
         np.array([[1.0], [1.0], [-1.0], [1.0], [1.0]]), 1e-3),
        ("a smooth map in 2-D at 20 random points, random unit directions, h = 1e-2",
         _smooth_map, rng.standard_normal((20, 2)), _unit(rng, (20, 2)), 1e-2),
        ("a Matern(0.5, nu=0.5) kernel expansion in 2-D at its 10 centres, h = 1e-3",
         matern, centres, _unit(rng, (10, 2)), 1e-3),
        ("a linear map in 3-D at a single point, h = 0.1 (no kink: the answer is 0)",
         _linear_map, np.array([[0.3, -1.2, 0.7]]), _unit(rng, (1, 3)), 0.1),
    ]
    cases = []
    for description, T, x, u, h in settings:
        expected = _kink_reference(T, x, u, h)
        second = T(x + h * u) - 2.0 * T(x) + T(x - h * u)
        wrong = {
            "you divided by h^2: that estimates a second derivative, which does not exist "
            "at a kink (it grows like 1/h). The kink size divides by h.": expected / h,
            "the middle term of the second difference is -2 T(x), not -T(x).":
                float(np.mean(np.linalg.norm(T(x + h * u) - T(x) + T(x - h * u), axis=1)) / h),
            "this is a first difference, a slope; a kink is a jump of the slope, which the "
            "second difference T(x + h u) - 2 T(x) + T(x - h u) measures.":
                float(np.mean(np.linalg.norm(T(x + h * u) - T(x), axis=1)) / h),
            "the step is h u, not u: evaluate T at x + h u and x - h u.":
                float(np.mean(np.linalg.norm(T(x + u) - 2.0 * T(x) + T(x - u), axis=1)) / h),
            "take the Euclidean norm of each point's second difference, then the mean; "
            "without the square.": float(np.mean(np.sum(second**2, axis=1)) / h),
            "take the norm of each point's second difference (over its d coordinates), "
            "then the mean over the points; not one norm of the whole array.":
                float(np.linalg.norm(second) / h),
            "average the norms over the points (divide by their number p), not their sum.":
                float(np.sum(np.linalg.norm(second, axis=1)) / h),
            "the norm of a point's second difference is over its d coordinates together, "
            "sqrt(sum of squares), not the mean of their absolute values.":
                float(np.mean(np.abs(second)) / h),
        }
        cases.append(Case(description, args=(T, x, u, h), expected=expected,
                          rtol=1e-6, atol=1e-8, wrong=wrong,
                          hint="the kink size is (1/h) times the mean over the points of "
                               "|T(x_i + h u_i) - 2 T(x_i) + T(x_i - h u_i)|, the Euclidean "
                               "norm in R^d."))
    return cases

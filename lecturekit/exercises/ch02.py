"""Checks for the exercises of chapter 2, "Push-forward measures"."""

import numpy as np
from scipy import stats

from ._core import Case, _numeric_mismatch, register

# ---------------------------------------------------------------------------------
# helpers shared by the checks of this chapter


def _std_normal_pdf(x):
    """The density of N(0, I_d) at the rows of ``x``, shape (n, d) -> (n,)."""
    x = np.asarray(x, dtype=float)
    d = x.shape[1]
    return np.exp(-0.5 * np.sum(x**2, axis=1)) / (2.0 * np.pi) ** (d / 2)


def _with_shape_hints(case, *, flat=None, column=None, nan_wrong=None, nan_where=None):
    """Give ``case`` a comparison that names two mistakes the generic one cannot.

    ``flat``: hint when a column ``(n, 1)`` comes back where a flat ``(n,)`` array is
    expected; ``column``: hint for the converse. ``nan_wrong`` maps hints to values
    of typical mistakes that contain NaN (a logarithm of a negative number), which
    the generic comparison reports only as "contains NaN"; ``nan_where``, a pair
    (mask, hint), gives the hint when every non-finite entry of the result lies where
    the mask is true. Everything else is compared as usual: the case's ``wrong``
    values, factor 2, sign, NaN.
    """
    expected = np.asarray(case.expected, dtype=float)
    nan_wrong = nan_wrong or {}

    def compare(got):
        try:
            g = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            g = None
        if g is not None and g.shape != expected.shape and g.size == expected.size > 1:
            if expected.ndim == 1 and g.shape == expected.shape + (1,) and flat:
                return (f"expected a flat array of shape {expected.shape}, got a column "
                        f"of shape {g.shape}", flat)
            if expected.ndim == 2 and expected.shape[1] == 1 and g.ndim == 1 and column:
                return (f"expected a column of shape {expected.shape}, got a flat array "
                        f"of shape {g.shape}", column)
        if g is not None and g.shape == expected.shape and not np.all(np.isfinite(g)):
            for hint, value in nan_wrong.items():
                if np.allclose(g, value, rtol=case.rtol, atol=case.atol, equal_nan=True):
                    n_bad = int(np.sum(~np.isfinite(g)))
                    return (f"the result contains NaN or infinite values at {n_bad} of "
                            f"{g.size} entries", hint)
            if nan_where is not None and np.all(nan_where[0][~np.isfinite(g)]):
                n_bad = int(np.sum(~np.isfinite(g)))
                return (f"the result contains NaN or infinite values at {n_bad} of "
                        f"{g.size} entries", nan_where[1])
        return _numeric_mismatch(got, case.expected, case)

    case.compare = compare
    return case


# ---------------------------------------------------------------------------------
# ch2-ex-affine-density


def _affine_density_reference(y, a, b):
    # change of variables with T^{-1}(y) = (y - b) / a and |d T^{-1} / dy| = 1 / |a|
    y = np.asarray(y, dtype=float)
    return np.exp(-0.5 * ((y - b) / a) ** 2) / np.sqrt(2.0 * np.pi) / abs(a)


def _phi(z):
    return np.exp(-0.5 * np.asarray(z, dtype=float) ** 2) / np.sqrt(2.0 * np.pi)


_AFFINE_HINTS = {
    "abs": "a density is never negative: the change of variables multiplies by the "
           "absolute value |det DT^{-1}(y)| = 1/|a|. For a < 0 the derivative 1/a of the "
           "inverse is negative, and only its absolute value is a density factor.",
    "jacobian_T": "the factor is the derivative of the inverse map T^{-1}(y) = (y - b)/a, "
                  "which is 1/|a|, not the derivative |a| of T: a map that spreads the "
                  "points out (|a| > 1) must lower the density.",
    "no_jacobian": "the factor |det DT^{-1}(y)| = 1/|a| is missing: without it the "
                   "density does not integrate to 1.",
    "variance": "a is the scale (standard deviation), not the variance: T_# N(0, 1) = "
                "N(b, a^2) has standard deviation |a|.",
    "scale_a2": "you used a^2 as the standard deviation: T_# N(0, 1) = N(b, a^2) has "
                "variance a^2 and standard deviation |a|.",
    "forward": "the density at y looks up the source density at the preimage "
               "T^{-1}(y) = (y - b)/a, not at the image T(y).",
}


@register("ch2-affine-density", chapter=2, title="The density of an affine push-forward",
          label="ch2-ex-affine-density",
          answer="a function affine_density(y, a, b) -> array of shape (n,): the density "
                 "of T_# N(0, 1) for T(x) = a x + b at the points of the flat array y, "
                 "shape (n,)")
def _affine_density():
    settings = [
        ("a = 2, b = 1, 201 points y in [-10, 10]", 2.0, 1.0, np.linspace(-10, 10, 201)),
        ("a = -0.5 (a negative slope), b = 3, 101 points y in [0, 6]", -0.5, 3.0,
         np.linspace(0.0, 6.0, 101)),
        ("a = 0.1, b = 0: a narrow, tall density, 81 points y in [-0.4, 0.4]", 0.1, 0.0,
         np.linspace(-0.4, 0.4, 81)),
        ("a = -3, b = -2, the single point y = [-2.0]", -3.0, -2.0, np.array([-2.0])),
    ]
    cases = []
    for description, a, b, y in settings:
        z = (y - b) / a
        wrong = {
            _AFFINE_HINTS["abs"]: _phi(z) / a,
            _AFFINE_HINTS["jacobian_T"]: _phi(z) * abs(a),
            _AFFINE_HINTS["no_jacobian"]: _phi(z),
            _AFFINE_HINTS["scale_a2"]: _phi((y - b) / a**2) / a**2,
            _AFFINE_HINTS["forward"]: _phi(a * y + b) / abs(a),
        }
        if a > 0:
            wrong[_AFFINE_HINTS["variance"]] = _phi((y - b) / np.sqrt(a)) / np.sqrt(a)
        case = Case(description, args=(y, a, b), expected=_affine_density_reference(y, a, b),
                    wrong=wrong,
                    hint="write T^{-1}(y) and its derivative, then put them into the change "
                         "of variables p(y) = phi(T^{-1}(y)) |d T^{-1}/dy|; compare with a "
                         "histogram of a x + b for Gaussian draws x.")
        cases.append(_with_shape_hints(
            case, flat="y is a flat array of shape (n,) and the density has one value per "
                       "point: return a flat array of the same shape, not a column."))
    return cases


# ---------------------------------------------------------------------------------
# ch2-ex-laplace


def _laplace_quantile_reference(u, m, s):
    # the two branches of F(y) = u, each in the form that is accurate in its tail
    u = np.asarray(u, dtype=float)
    lower = u < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lower, m + s * np.log(2.0 * u), m - s * np.log(2.0 - 2.0 * u))


def _laplace_mistakes(u, m, s):
    """The values that typical wrong quantile functions return at the levels u."""
    u = np.asarray(u, dtype=float)
    lower = u < 0.5
    with np.errstate(divide="ignore", invalid="ignore"):
        low, up = np.log(2.0 * u), np.log(2.0 - 2.0 * u)
        v = u - 0.5
        return {
            _LAPLACE_HINTS["log2u"]: m + s * low,
            _LAPLACE_HINTS["upper_sign"]: np.where(lower, m + s * low, m + s * up),
            _LAPLACE_HINTS["swapped"]: np.where(lower, m - s * up, m + s * low),
            _LAPLACE_HINTS["no_sign"]: m - s * np.log1p(-2.0 * np.abs(v)),
            _LAPLACE_HINTS["rate"]: np.where(lower, m + low / s, m - up / s),
        }


_LAPLACE_HINTS = {
    "log2u": "log(2u) solves F(y) = u only on the lower branch, u < 1/2. Above the "
             "median, solve 1 - exp(-(y - m)/s)/2 = u instead: the other branch has its own "
             "logarithm and sign.",
    "upper_sign": "on the upper branch (u >= 1/2) the quantile must lie above m, but "
                  "yours lies below: solving 1 - exp(-(y - m)/s)/2 = u for y brings a "
                  "minus sign in front of the logarithm.",
    "swapped": "the branches are swapped: levels u < 1/2 belong to the branch y < m of "
               "the CDF, levels u >= 1/2 to the branch y >= m.",
    "no_sign": "levels u < 1/2 must give points below m: the sign of u - 1/2 decides on "
               "which side of m the quantile lies.",
    "rate": "s is a scale: the distance y - m grows in proportion to s. Dividing by s "
            "treats s as a rate 1/s.",
}


@register("ch2-laplace-quantile", chapter=2,
          title="An inverse-CDF map onto the Laplace distribution", label="ch2-ex-laplace",
          answer="a function laplace_quantile(u, m, s) -> array of the shape of u: the "
                 "quantile function of the Laplace distribution with location m and scale "
                 "s, entry by entry, for a flat array u of levels in (0, 1)")
def _laplace_quantile():
    rng = np.random.default_rng(20)
    settings = [
        ("m = 0, s = 1, 99 levels u = 0.01, ..., 0.99", 0.0, 1.0, np.linspace(0.01, 0.99, 99)),
        ("m = 1, s = 0.7, 50 random levels", 1.0, 0.7, rng.uniform(0.0, 1.0, 50)),
        ("m = -2, s = 3, 40 levels above the median only", -2.0, 3.0,
         np.linspace(0.5, 0.999, 40)),
        ("m = 0.5, s = 2, the tails and the median: u = 1e-6, 1e-3, 0.5, 1 - 1e-3, 1 - 1e-6",
         0.5, 2.0, np.array([1e-6, 1e-3, 0.5, 1.0 - 1e-3, 1.0 - 1e-6])),
    ]
    cases = []
    for description, m, s, u in settings:
        case = Case(description, args=(u, m, s),
                    expected=_laplace_quantile_reference(u, m, s),
                    wrong=_laplace_mistakes(u, m, s), rtol=1e-6, atol=1e-9,
                    hint="solve F(y) = u separately on the branch y < m (where F(y) < 1/2) "
                         "and on the branch y >= m; check that F(your quantile) gives u "
                         "back.")
        cases.append(_with_shape_hints(
            case, flat="the levels u come as a flat array of shape (n,); the quantile "
                       "function works entry by entry and returns the same shape, not a "
                       "column."))
    return cases


def _laplace_map_reference(x, m, s):
    # T = F^{-1} o Phi, as lecturekit builds it from scipy.stats
    from ..pushforward import inverse_cdf_map

    return inverse_cdf_map(stats.laplace(m, s))(x)


_MAP_HINTS = {
    "no_phi": "the quantile function takes levels u in (0, 1): first send x to the level "
              "u = Phi(x) with the standard normal CDF, then apply F^{-1}.",
    "ppf": "Phi^{-1} (norm.ppf) sends levels to points; the map needs the other direction, "
           "the standard normal CDF Phi (norm.cdf), which sends N(0, 1) to Uniform(0, 1).",
    "pdf": "u = Phi(x) is the standard normal CDF, not its density phi(x): only the CDF "
           "turns N(0, 1) into Uniform(0, 1).",
}


@register("ch2-laplace", chapter=2, title="An inverse-CDF map onto the Laplace distribution",
          label="ch2-ex-laplace",
          answer="a function laplace_map(x, m, s) -> array of shape (n, 1): the map "
                 "T = F^{-1} o Phi onto the Laplace distribution with location m and scale "
                 "s, applied to the points x, a column of shape (n, 1)")
def _laplace_map():
    settings = [
        ("m = 1, s = 0.7, 200 standard Gaussian draws x", 1.0, 0.7,
         np.random.default_rng(21).standard_normal((200, 1))),
        ("m = 0, s = 1, 61 points x in [-3, 3], x = 0 included", 0.0, 1.0,
         np.linspace(-3.0, 3.0, 61)[:, None]),
        ("m = -2, s = 2.5, the single point x = [[0.0]]", -2.0, 2.5, np.array([[0.0]])),
        ("m = 0.5, s = 0.2, the tails x = -6, -4, 4, 6", 0.5, 0.2,
         np.array([[-6.0], [-4.0], [4.0], [6.0]])),
    ]
    cases = []
    for description, m, s, x in settings:
        u = stats.norm.cdf(x)
        wrong = _laplace_mistakes(u, m, s)
        wrong[_MAP_HINTS["pdf"]] = _laplace_quantile_reference(stats.norm.pdf(x), m, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            nan_wrong = {
                _MAP_HINTS["ppf"]: _laplace_quantile_reference(stats.norm.ppf(x), m, s),
            }
        for key in list(wrong):
            if not np.all(np.isfinite(wrong[key])):
                nan_wrong[key] = wrong.pop(key)
        case = Case(description, args=(x, m, s), expected=_laplace_map_reference(x, m, s),
                    wrong=wrong, rtol=1e-6, atol=1e-9,
                    hint="check the two steps apart: u = Phi(x) must lie in (0, 1), and "
                         "laplace_quantile(u, m, s) must pass its own check.")
        cases.append(_with_shape_hints(
            case, column="a map for lk.push_forward takes the points as a column of shape "
                         "(n, 1) and returns one of the same shape: keep the column "
                         "instead of taking x[:, 0] or flattening.",
            nan_wrong=nan_wrong,
            # NaN only at points x outside (0, 1): x went into the quantile function as
            # if it were a level
            nan_where=((x <= 0) | (x >= 1), _MAP_HINTS["no_phi"])))
    return cases


# ---------------------------------------------------------------------------------
# ch2-ex-rotation


def _linear_density_reference(y, A):
    # T^{-1}(y) = A^{-1} y for every row y, and |det DT^{-1}| = 1 / |det A|
    y, A = np.asarray(y, dtype=float), np.asarray(A, dtype=float)
    x = np.linalg.solve(A, y.T).T
    return _std_normal_pdf(x) / abs(np.linalg.det(A))


_LINEAR_HINTS = {
    "abs": "a density is never negative: the change of variables multiplies by the "
           "absolute value |det DT^{-1}(y)| = 1/|det A|, and det A < 0 here (a "
           "reflection, or any map that reverses orientation).",
    "jacobian_T": "the factor is the Jacobian determinant of the inverse map, "
                  "det A^{-1} = 1/det A, not det A: a map that expands volume must lower "
                  "the density.",
    "no_jacobian": "the factor |det DT^{-1}(y)| = 1/|det A| is missing; it is 1 for an "
                   "orthogonal matrix, but not for a general A.",
    "transpose_inverse": "A^{-1} = A^T holds only for orthogonal matrices; for a general "
                         "invertible A the preimage is T^{-1}(y) = A^{-1} y.",
    "row_convention": "the rows of y are points y_i, and A^{-1} acts on each point as "
                      "on a column vector, A^{-1} y_i; for the array of rows that is not "
                      "the same as multiplying by A^{-1} from the right. Your density is "
                      "that of N(0, A^T A), not N(0, A A^T).",
    "forward": "the density at y looks up the source density at the preimage "
               "T^{-1}(y) = A^{-1} y, not at the image A y.",
}


def _orthogonal(d, seed, det_sign):
    R = stats.ortho_group.rvs(dim=d, random_state=seed)
    if np.sign(np.linalg.det(R)) != det_sign:
        R[:, 0] = -R[:, 0]
    return R


@register("ch2-rotation", chapter=2, title="Rotations preserve the standard Gaussian",
          label="ch2-ex-rotation",
          answer="a function linear_density(y, A) -> array of shape (n,): the density of "
                 "T_# N(0, I_d) for T(x) = A x, A an invertible (d, d) matrix, at the rows "
                 "of y, shape (n, d)")
def _rotation():
    rng = np.random.default_rng(22)
    A4 = rng.standard_normal((4, 4))
    if np.linalg.det(A4) > 0:
        A4[:, 0] = -A4[:, 0]
    settings = [
        ("a rotation R of R^3 (det R = +1), 40 points", _orthogonal(3, 23, +1),
         1.5 * rng.standard_normal((40, 3))),
        ("an orthogonal matrix of R^3 with det = -1 (it includes a reflection), 40 points",
         _orthogonal(3, 24, -1), 1.5 * rng.standard_normal((40, 3))),
        ("the general matrix A = [[2, 0.5], [0, 0.8]] of R^2, 30 points",
         np.array([[2.0, 0.5], [0.0, 0.8]]), 2.0 * rng.standard_normal((30, 2))),
        ("d = 1, A = [[-0.5]], y of shape (25, 1)", np.array([[-0.5]]),
         np.linspace(-2.0, 2.0, 25)[:, None]),
        ("a random 4 x 4 matrix with det A < 0, a single point y of shape (1, 4)", A4,
         rng.standard_normal((1, 4))),
    ]
    cases = []
    for description, A, y in settings:
        det = np.linalg.det(A)
        A_inv = np.linalg.inv(A)
        wrong = {
            _LINEAR_HINTS["abs"]: _std_normal_pdf(y @ A_inv.T) / det,
            _LINEAR_HINTS["jacobian_T"]: _std_normal_pdf(y @ A_inv.T) * abs(det),
            _LINEAR_HINTS["no_jacobian"]: _std_normal_pdf(y @ A_inv.T),
            _LINEAR_HINTS["transpose_inverse"]: _std_normal_pdf(y @ A) / abs(det),
            _LINEAR_HINTS["row_convention"]: _std_normal_pdf(y @ A_inv) / abs(det),
            _LINEAR_HINTS["forward"]: _std_normal_pdf(y @ A.T) / abs(det),
        }
        case = Case(description, args=(y, A), expected=_linear_density_reference(y, A),
                    wrong=wrong,
                    hint="write the preimage T^{-1}(y) and the Jacobian determinant of "
                         "T^{-1}, then compare your density with that of N(0, A A^T), which "
                         "the affine formula predicts.")
        cases.append(_with_shape_hints(
            case, flat="one density value per point: return a flat array of shape (n,), "
                       "not a column of shape (n, 1)."))
    return cases

"""The straightforward baseline: kernel transport as a careful student writes it.

This is the solver of the representer chapter written directly from the
formulas, with nothing but numpy and scipy:

* the reference set ``X`` has as many Gaussian points as there are data points;
* at every objective call the dense Gram matrices ``K(P, P)`` (``n x n``) and
  ``K(P, Y)`` (``n x m``) of the pushed points ``P = X + L a`` are built in one
  piece with numpy -- no blocking, no compiled loops, no caching except the
  constant ``mean K(Y, Y)`` term;
* the whitened parametrisation ``z = L a`` with ``Q(X, X) + eps I = L L^T``;
* scipy's L-BFGS-B with the analytic gradient.

The kernels are the ones ``lecturekit`` uses by default, but evaluated by the
code below, which only knows RBF and rational-quadratic kernels and positive
sums of scaled ones (``flatten_kernel`` reads a lecturekit kernel object into a
list of such terms). ``check_against_lecturekit`` verifies at start-up that the
objective and gradient equal those of ``lecturekit.transport.TransportProblem``.

Usage::

    from baseline import StudentTransport
    model = StudentTransport(random_state=0).fit(Y)
    samples = model.sample(1000, random_state=1)
"""

import time

import numpy as np
from scipy import linalg, optimize

# --------------------------------------------------------------------------------------
# Kernels: a kernel is a list of terms (weight, kind, lengthscale, alpha),
# k(x, y) = sum_t weight_t * g_t(|x - y|^2 / lengthscale_t^2).
# --------------------------------------------------------------------------------------


def flatten_kernel(kernel, weight=1.0):
    """Read a lecturekit kernel (RBF, RationalQuadratic, c * k, k1 + k2) into a list of terms."""
    name = type(kernel).__name__
    if name == "RBF":
        return [(weight, "rbf", float(kernel.lengthscale), None)]
    if name == "RationalQuadratic":
        return [(weight, "rq", float(kernel.lengthscale), float(kernel.alpha))]
    if name == "ScaledKernel":
        return flatten_kernel(kernel.kernel, weight * float(kernel.scale))
    if name == "SumKernel":
        return flatten_kernel(kernel.k1, weight) + flatten_kernel(kernel.k2, weight)
    raise TypeError(f"the baseline only knows RBF and rational quadratic kernels, got {kernel!r}")


def sq_dists(A, B):
    """|a_i - b_j|^2 for all pairs, an (n, m) matrix."""
    D = (A * A).sum(axis=1)[:, None] + (B * B).sum(axis=1)[None, :] - 2.0 * A @ B.T
    return np.maximum(D, 0.0)


def gram(terms, A, B):
    """The Gram matrix k(A, B)."""
    D = sq_dists(A, B)
    K = np.zeros_like(D)
    for w, kind, ell, alpha in terms:
        s = D / ell**2
        if kind == "rbf":
            K += w * np.exp(-0.5 * s)
        else:
            K += w * (1.0 + s / (2.0 * alpha)) ** (-alpha)
    return K


def gram_and_derivative(terms, A, B):
    """k(A, B) and dk/d(|a - b|^2), both (n, m) matrices."""
    D = sq_dists(A, B)
    K = np.zeros_like(D)
    dK = np.zeros_like(D)
    for w, kind, ell, alpha in terms:
        s = D / ell**2
        if kind == "rbf":
            e = np.exp(-0.5 * s)
            K += w * e
            dK += w * (-0.5 / ell**2) * e
        else:
            base = 1.0 + s / (2.0 * alpha)
            e = base ** (-alpha)
            K += w * e
            dK += w * (-0.5 / ell**2) * e / base
    return K, dK


def mmd2_and_gradient(P, Y, terms, yy):
    """Biased squared MMD between P and Y and its gradient in P, with dense matrices.

    grad_i = (2 / n^2) sum_l grad_1 k(p_i, p_l) - (2 / (n m)) sum_j grad_1 k(p_i, y_j),
    and grad_1 k(p, y) = 2 dk/d(|p - y|^2) (p - y).
    """
    n, m = P.shape[0], Y.shape[0]
    Kpp, dKpp = gram_and_derivative(terms, P, P)
    Kpy, dKpy = gram_and_derivative(terms, P, Y)
    value = Kpp.sum() / n**2 + yy - 2.0 * Kpy.sum() / (n * m)
    # sum_j c_ij (p_i - y_j) = p_i * rowsum(c)_i - (c @ Y)_i
    g_pp = 2.0 * (P * dKpp.sum(axis=1)[:, None] - dKpp @ P)
    g_py = 2.0 * (P * dKpy.sum(axis=1)[:, None] - dKpy @ Y)
    grad = (2.0 / n**2) * g_pp - (2.0 / (n * m)) * g_py
    return float(value), grad


def cholesky_with_nugget(K, nugget=1e-8):
    """Lower Cholesky factor of K + eps I, eps = nugget * mean(diag K), raising eps if needed."""
    scale = float(np.mean(np.diag(K)))
    while True:
        try:
            return linalg.cholesky(K + nugget * scale * np.eye(K.shape[0]), lower=True), nugget
        except linalg.LinAlgError:
            if nugget >= 1e-2:
                raise
            nugget *= 10.0


# --------------------------------------------------------------------------------------
# The problem and the solver
# --------------------------------------------------------------------------------------


class Objective:
    """f(a) = MMD^2(X + L a, Y) + reg |a|^2 and its gradient L^T grad_P + 2 reg a.

    Counts the calls and the time spent in them (``n_calls``, ``seconds``).
    """

    def __init__(self, X, Y, mmd_terms, map_terms, reg, nugget=1e-8):
        self.X, self.Y, self.reg = X, Y, reg
        self.mmd_terms = mmd_terms
        self.L, self.nugget = cholesky_with_nugget(gram(map_terms, X, X), nugget)
        m = Y.shape[0]
        self.yy = gram(mmd_terms, Y, Y).sum() / m**2  # the constant term, computed once
        self.n_calls = 0
        self.seconds = 0.0

    def __call__(self, a_flat):
        start = time.perf_counter()
        d = self.X.shape[1]
        a = a_flat.reshape(-1, d)
        P = self.X + self.L @ a
        value, grad_P = mmd2_and_gradient(P, self.Y, self.mmd_terms, self.yy)
        f = value + self.reg * float(np.sum(a * a))
        g = self.L.T @ grad_P + 2.0 * self.reg * a
        self.n_calls += 1
        self.seconds += time.perf_counter() - start
        return f, g.ravel()


class StudentTransport:
    """Residual kernel transport x -> x + T(x) fitted with dense matrices (see the module docstring).

    Parameters mirror ``lecturekit.KernelTransport``; ``mmd_kernel`` and
    ``map_kernel`` are lecturekit kernel objects (None: lecturekit's defaults),
    and the reference set always has ``len(Y)`` points. ``settings`` holds the
    regularisation and the stopping rule (``reg``, ``max_iter``, ``tol``,
    ``gtol``, ``maxcor``, ``nugget``, ``normalise``); None: the ones lecturekit
    uses, read by :func:`lecturekit_solver_settings`, so both solvers stop by
    the same rule.
    """

    def __init__(self, mmd_kernel=None, map_kernel=None, settings=None, random_state=None):
        self.mmd_kernel = mmd_kernel
        self.map_kernel = map_kernel
        self.settings = settings
        self.random_state = random_state

    def fit(self, Y):
        import lecturekit as lk  # only for the default kernels

        Y = np.asarray(Y, dtype=float)
        n, d = Y.shape
        # standardise as lecturekit does: a constant feature gets scale 0
        self.mean_ = Y.mean(axis=0)
        scale = Y.std(axis=0)
        scale[scale <= 1e-12 * max(1.0, float(np.abs(Y).max()))] = 0.0
        self.scale_ = scale
        Ys = (Y - self.mean_) / np.where(scale > 0, scale, 1.0)

        K = self.mmd_kernel if self.mmd_kernel is not None else lk.transport.default_mmd_kernel(d)
        Q = self.map_kernel if self.map_kernel is not None else lk.transport.default_map_kernel(d)
        self.mmd_terms_, self.map_terms_ = flatten_kernel(K), flatten_kernel(Q)

        cfg = self.settings if self.settings is not None else lecturekit_solver_settings()
        rng = np.random.default_rng(self.random_state)
        X = rng.standard_normal((n, d))  # as many reference points as data points
        start = time.perf_counter()
        objective = Objective(X, Ys, self.mmd_terms_, self.map_terms_, cfg["reg"], cfg["nugget"])
        self.setup_seconds_ = time.perf_counter() - start
        a0 = np.zeros(n * d)
        # divide the objective by its starting value if lecturekit does (then ftol is relative)
        f0 = objective(a0)[0] if cfg["normalise"] else 1.0

        def scaled(a):
            f, g = objective(a)
            return f / f0, g / f0

        result = optimize.minimize(
            scaled, a0, jac=True, method="L-BFGS-B",
            options={"maxiter": cfg["max_iter"], "ftol": cfg["tol"], "gtol": cfg["gtol"],
                     "maxcor": cfg["maxcor"]},
        )
        a = result.x.reshape(n, d)
        self.reference_ = X
        self.coef_ = linalg.solve_triangular(objective.L, a, lower=True, trans="T")  # L^T c = a
        self.result_ = result
        self.settings_ = cfg
        self.n_iter_ = int(result.nit)
        self.n_calls_ = objective.n_calls
        self.objective_seconds_ = objective.seconds
        return self

    def transform(self, X):
        """x + T(x) with T(x) = Q(x, X) c, in data coordinates."""
        out = X + gram(self.map_terms_, X, self.reference_) @ self.coef_
        return self.mean_ + self.scale_ * out

    def sample(self, n_samples, random_state=None):
        rng = np.random.default_rng(random_state)
        return self.transform(rng.standard_normal((n_samples, self.reference_.shape[1])))


def lecturekit_solver_settings():
    """The regularisation and stopping rule of ``lecturekit.KernelTransport``'s defaults.

    ``reg``, ``max_iter``, ``tol`` and ``nugget`` are its constructor defaults;
    the L-BFGS-B options it passes to scipy (``gtol``, ``maxcor``) and whether
    it divides the objective by its starting value (``normalise``) are read by
    watching one tiny fit. The baseline then stops by exactly the same rule.
    """
    import warnings

    import lecturekit as lk

    params = lk.KernelTransport().get_params()
    seen = {}
    real_minimize = optimize.minimize

    def spy(fun, x0, *args, **kwargs):
        seen["options"] = dict(kwargs.get("options") or {})
        seen["method"] = kwargs.get("method")
        seen["f_start"] = float(fun(np.array(x0, copy=True))[0])
        return real_minimize(fun, x0, *args, **kwargs)

    optimize.minimize = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Y = np.random.default_rng(0).standard_normal((40, 2)) * [1.0, 0.3] + 2.0
            lk.KernelTransport(max_iter=2, random_state=0).fit(Y)
    finally:
        optimize.minimize = real_minimize
    options = seen.get("options", {})
    if seen.get("method", "L-BFGS-B") != "L-BFGS-B":
        raise RuntimeError(f"lecturekit now uses {seen['method']}, the baseline uses L-BFGS-B")
    return {
        "reg": params["reg"], "max_iter": params["max_iter"], "tol": params["tol"],
        "nugget": params["nugget"], "gtol": options.get("gtol", 1e-5),
        "maxcor": options.get("maxcor", 10),
        "normalise": abs(seen.get("f_start", 0.0) - 1.0) < 1e-12,
    }


# --------------------------------------------------------------------------------------
# The start-up check
# --------------------------------------------------------------------------------------


def check_against_lecturekit(n=150, m=170, d=2, reg=1e-3, seed=0, rtol=1e-8):
    """Assert that the baseline's objective and gradient equal lecturekit's at a random point.

    Uses lecturekit's default kernels for dimension ``d`` and
    ``lecturekit.transport.TransportProblem`` (exact MMD, residual map, no
    inducing points). Returns the two relative differences.
    """
    import lecturekit as lk
    from lecturekit.transport import TransportProblem

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Y = 0.7 * rng.standard_normal((m, d)) + 0.5
    K, Q = lk.transport.default_mmd_kernel(d), lk.transport.default_map_kernel(d)
    reference = TransportProblem(X, Y, K, Q, reg=reg)
    ours = Objective(X, Y, flatten_kernel(K), flatten_kernel(Q), reg, nugget=1e-8)
    a = 0.3 * rng.standard_normal(n * d)
    f_ref, g_ref = reference(a)
    f, g = ours(a)
    rel_f = abs(f - f_ref) / abs(f_ref)
    rel_g = float(np.linalg.norm(g - g_ref) / np.linalg.norm(g_ref))
    assert rel_f <= rtol and rel_g <= rtol, (
        f"the baseline disagrees with lecturekit.transport.TransportProblem: relative "
        f"differences {rel_f:.2e} (objective) and {rel_g:.2e} (gradient) > {rtol:g}"
    )
    return rel_f, rel_g


if __name__ == "__main__":
    print("lecturekit's solver settings:", lecturekit_solver_settings())
    print("relative differences to lecturekit (objective, gradient):", check_against_lecturekit())
    print("  d = 64:", check_against_lecturekit(d=64))

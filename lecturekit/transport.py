"""The kernel transport solver (book chapters 5 and 6).

Problem (T3) of the book, after the representer formula: with reference
points ``X = (x_1, ..., x_n)`` drawn from ``N(0, I)`` and data ``Y``,

``min_z  MMD_K(x + z, Y)^2 + reg * sum_j z[:, j]^T Q(X, X)^{-1} z[:, j]``

for the residual map ``x -> x + T(x)`` (``residual=True``, as in the
lecture's code), or with ``z`` in place of ``x + z`` for the plain map.
The loss is the *squared* MMD (the biased V-statistic), smooth in ``z``.

Parametrisation. With the Cholesky factor ``Q(X, X) + eps I = L L^T`` we
write ``z = L a``; the penalty becomes ``|a|^2`` and the problem in ``a`` is
much better conditioned than in ``z`` (the "whitened" parametrisation).
With ``n_inducing = m`` the map is restricted to ``T(x) = Q(x, U) c`` for
``m`` inducing points ``U``; writing ``c = L_U^{-T} a`` gives
``z = Q(X, U) L_U^{-T} a`` and again the penalty ``|a|^2``, in ``O(n m)``
memory instead of ``O(n^2)``.

The problem is solved with L-BFGS (``scipy.optimize.minimize``) and the
analytic gradient ``B^T grad_z MMD^2 + 2 reg a`` with ``z = B a``.

High dimension (book chapter 7). For data of more than ``AUTO_REDUCE_ABOVE = 8``
dimensions and default kernels, :class:`KernelTransport` first projects the
standardised data onto its leading principal components, whitens them, and
learns the map in that ``k``-dimensional latent space (``n_components``).
"""

import contextlib
import errno
import inspect
import json
import numbers
import os
import time
import zipfile
import zlib

import numpy as np
from scipy import linalg, optimize

from . import _fast, _modelfile
from ._fast import one_blas_thread
from ._validation import (
    ConstantFeatureWarning,
    check_int,
    check_is_fitted,
    check_nonnegative,
    check_random_state,
    check_samples,
    constant_features,
    warn_at_caller,
)
from .features import RandomFourierFeatures, rff_mmd2_and_gradient
from .kernels import RBF, Kernel, RationalQuadratic, kernel_from_dict, kernel_to_dict, sq_dists
from .mmd import kernel_sum, median_heuristic, mmd2_and_gradient
from .representer import cholesky_with_nugget

__all__ = ["KernelTransport", "TransportProblem", "ConvergenceWarning", "ConstantFeatureWarning",
           "default_mmd_kernel",
           "default_map_kernel", "default_latent_kernel", "lecture_map_params"]

#: The most memory the large matrices of one fit may take at once (see ``_fit_memory``):
#: ``fit`` refuses, before it allocates anything, a problem that needs more.
MAX_FIT_BYTES = 2 * 1024**3
#: The name of ``MAX_FIT_BYTES`` in lecturekit 0.1.0, when it bounded the dense factor only.
MAX_DENSE_BYTES = MAX_FIT_BYTES
#: Above this many data points the default MMD switches to random features.
AUTO_FEATURES_ABOVE = 20_000
AUTO_N_FEATURES = 2000
#: ``n_components="auto"`` reduces the dimension only for data of more dimensions than this.
AUTO_REDUCE_ABOVE = 8
#: ``n_components="auto"`` keeps the principal components with more variance than an
#: average feature (the Kaiser-Guttman rule), at most this many.
AUTO_MAX_COMPONENTS = 16
#: With ``n_reference=None`` and ``n_inducing="auto"`` in the data space: this many Gaussian
#: reference points, and the map expanded on this many of them (inducing points).
AUTO_N_REFERENCE = 3000
AUTO_N_INDUCING = 500
#: The reference count of a reduced (latent) space fit with ``n_reference=None``: ``min(n, 1000)``.
LATENT_N_REFERENCE = 1000
#: Defaults of ``reg`` and ``tol`` in the data space, and what replaces them in a reduced space.
DEFAULT_REG, LATENT_REG = 1e-8, 1e-7
DEFAULT_TOL, LATENT_TOL = 1e-6, 1e-4
FILE_FORMAT = "lecturekit.KernelTransport"
#: Version 2 added ``n_components`` and the fitted attributes of the reduction; version 3
#: allows ``n_inducing="auto"`` (3000 reference points, 500 inducing points).
FILE_VERSION = 3


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before it converged."""


def default_mmd_kernel(n_dims):
    """The default MMD kernel ``K`` on standardised data of dimension ``n_dims``.

    ``RationalQuadratic(lengthscale=sqrt(n_dims / 2) / 5, alpha=1)``, that is
    ``k(x, y) = 1 / (1 + |x - y|^2 / (2 l^2))`` with ``l = 0.2`` in 2-D. It is
    a scale mixture of RBF kernels: its peak resolves structure at the scale
    ``l`` while its heavy tails still pull points that are far from the data,
    so no single RBF lengthscale has to be right. It needs no exponential,
    which makes it cheap. (Typical distances between standardised points grow
    like ``sqrt(n_dims)``, hence the scaling.)

    The peak is short so that the loss sees the gaps between thin or separate
    pieces of the data: with it the default map leaves less mass between the
    arms of a spiral or the blobs of a ring (the classifier two-sample accuracy
    on the two spirals drops from about 0.58 to 0.56, on six blobs on a ring
    from 0.62 to 0.58; ``benchmarks/quality.py``). The lecture's settings, and
    earlier defaults, used ``sqrt(n_dims) / 4`` (0.35 in 2-D);
    :func:`lecture_map_params` keeps it.

    Examples
    --------
    >>> default_mmd_kernel(2)
    RationalQuadratic(lengthscale=0.2, alpha=1.0)
    >>> default_mmd_kernel(8)
    RationalQuadratic(lengthscale=0.4, alpha=1.0)
    """
    n_dims = check_int(n_dims, "n_dims", minimum=1)
    return RationalQuadratic(round(float(np.sqrt(n_dims / 2.0) / 5.0), 12), 1.0)


def default_map_kernel(n_dims, inducing=None):
    """The default map kernel ``Q``: an RBF kernel on the Gaussian reference space.

    Its lengthscale is the width over which the map may change its direction:
    ``sqrt(n_dims / 2) / 4``, or, when the ``inducing`` points the map is
    expanded on are given, the median distance from an inducing point to its
    fifth nearest neighbour among them if that is larger.

    A quarter of ``sqrt(n_dims / 2)`` (in 2-D, 0.25 standard deviations of the
    reference Gaussian) lets one smooth map bend a Gaussian into thin curved
    structures such as spirals or rings; with ``AUTO_N_REFERENCE`` reference
    points for ``AUTO_N_INDUCING`` inducing points (see
    :class:`KernelTransport`) the short lengthscale does not let the map
    overfit its reference points. In more dimensions the inducing points are
    far apart (500 Gaussian points in 8-D are about 1.9 apart from their fifth
    neighbour, against 0.2 in 2-D), and a kernel narrower than that spacing
    makes the map a set of isolated bumps that leaves most points where they
    are; the second rule keeps every point of the reference space under the
    bumps of several inducing points. (The lecture's map uses ``sqrt(n_dims) / 2``,
    which blurs thin structure in 2-D; earlier defaults used ``sqrt(n_dims) / 4``.)

    Parameters
    ----------
    n_dims : int
        The dimension of the reference space.
    inducing : array of shape (m, n_dims), optional
        The points the map is expanded on (at least 6).

    Examples
    --------
    >>> default_map_kernel(2)
    RBF(lengthscale=0.25)
    >>> U = np.random.default_rng(0).standard_normal((500, 8))
    >>> default_map_kernel(8, U)  # the spacing of 500 points in 8-D
    RBF(lengthscale=1.9...)
    """
    n_dims = check_int(n_dims, "n_dims", minimum=1)
    lengthscale = float(np.sqrt(n_dims / 2.0) / 4.0)
    if inducing is not None and inducing.shape[0] > 5:
        D = np.sqrt(np.maximum(sq_dists(inducing, inducing), 0.0))  # (m, m)
        fifth = np.partition(D, 5, axis=1)[:, 5]  # column 0 is the point itself
        lengthscale = max(lengthscale, float(np.median(fifth)))
    return RBF(round(lengthscale, 12))


def lecture_map_params(n_dims):
    """The settings of the lecture's map: one dense representer map with smooth kernels.

    ``dict(n_inducing=None, reg=1e-4, map_kernel=RBF(sqrt(n_dims) / 2),
    mmd_kernel=RationalQuadratic(sqrt(n_dims) / 4, 1))``, to pass to
    :class:`KernelTransport` as ``KernelTransport(**lecture_map_params(d))``.
    The map is expanded on every reference point (``min(len(Y), 1000)`` of them
    unless ``n_reference`` is given), as in the lecture's representer formula;
    these were the defaults of lecturekit 0.1.0. The book's chapters 4 to 6 use
    them to follow the lecture; chapter 6 shows why the defaults now differ
    (fresh samples of such a map blur thin structure, see
    :func:`default_map_kernel` and :func:`default_mmd_kernel`).

    Examples
    --------
    >>> params = lecture_map_params(2)
    >>> params["n_inducing"], params["reg"]
    (None, 0.0001)
    >>> params["map_kernel"], params["mmd_kernel"]
    (RBF(lengthscale=0.707106781187), RationalQuadratic(lengthscale=0.353553390593, alpha=1.0))
    """
    n_dims = check_int(n_dims, "n_dims", minimum=1)
    return {"n_inducing": None, "reg": 1e-4,
            "map_kernel": RBF(round(float(np.sqrt(n_dims) / 2.0), 12)),
            "mmd_kernel": RationalQuadratic(round(float(np.sqrt(n_dims) / 4.0), 12), 1.0)}


def default_latent_kernel(latent):
    """The default kernel in a reduced (latent) space: ``RBF(median / 2)``.

    ``median`` is :func:`~lecturekit.mmd.median_heuristic` of the whitened
    latent coordinates ``latent`` of the data (at most 1000 of them, a fixed
    subsample). :class:`KernelTransport` uses it for both kernels when a
    dimension reduction is active and the kernel is left as None; it is the
    choice of the book's chapter 7 for the digits.

    Examples
    --------
    >>> latent = np.random.default_rng(0).standard_normal((500, 10))
    >>> default_latent_kernel(latent)
    RBF(lengthscale=2.1...)
    """
    try:
        median = median_heuristic(latent)
    except ValueError:  # most points coincide (e.g. constant data): the Gaussian's own median
        median = float(np.sqrt(2.0 * latent.shape[1]))
    return RBF(median / 2.0)


def _fit_memory(n_reference, n_inducing=None, n_features=None):
    """The large matrices a fit holds at once: a list of ``(description, bytes, fix)``.

    What :class:`KernelTransport` allocates at its peak, measured with the
    default kernels (kernels made of several terms hold a few more temporary
    matrices while they are evaluated):

    * the exact map (``n_inducing=None``): three ``n x n`` matrices, the kernel
      matrix ``Q(X, X)``, ``Q(X, X) + eps I`` and its Cholesky factor;
    * ``m`` inducing points: three ``n x m`` matrices (``Q(U, X)`` while it is
      computed, and ``B = Q(X, U) L_U^{-T}``) and three ``m x m`` ones;
    * ``D`` random features without numba: five ``n x D`` matrices (the
      features, their cosines and sines, and the gradient's products); with
      numba they are summed tile by tile and take no such memory.

    The exact MMD needs no ``n x n`` matrix (it is summed in blocks).

    Parameters
    ----------
    n_reference : int
    n_inducing : int or None
    n_features : int or None

    Returns
    -------
    list of (str, int, str)
        What is allocated, its size in bytes, and how to make it smaller.

    Examples
    --------
    >>> [size for _, size, _ in _fit_memory(1000)]  # three 1000 x 1000 matrices
    [24000000]
    >>> [size for _, size, _ in _fit_memory(3000, 500)]  # the default, 3000 on 500 points
    [36000000, 6000000]
    """
    n = n_reference
    if n_inducing is None:
        parts = [(f"3 matrices of {n} x {n} floats (Q(X, X), Q(X, X) + eps I and its Cholesky "
                  f"factor)", 3 * 8 * n * n,
                  "pass n_inducing (e.g. 500) to expand the map on fewer points, and n_features "
                  "(e.g. 2000) for a faster MMD, or lower n_reference")]
    else:
        m = n_inducing
        parts = [(f"3 matrices of {n} x {m} floats (n_reference x n_inducing: Q(U, X) and "
                  f"B = Q(X, U) L_U^-T)", 3 * 8 * n * m, "lower n_inducing or n_reference"),
                 (f"3 matrices of {m} x {m} floats (n_inducing x n_inducing)", 3 * 8 * m * m,
                  "lower n_inducing")]
    if n_features is not None and not _fast.HAVE_NUMBA:
        parts.append((f"5 matrices of {n} x {n_features} floats (n_reference x n_features: the "
                      f"random features, computed with numpy because numba is missing)",
                      5 * 8 * n * n_features,
                      "install numba (its fused loops need no such matrices), or lower "
                      "n_features or n_reference"))
    return parts


def _check_fit_memory(n_reference, n_inducing, n_features):
    """Raise ``ValueError`` if the fit's matrices would take more than ``MAX_FIT_BYTES``."""
    parts = _fit_memory(n_reference, n_inducing, n_features)
    total = sum(size for _, size, _ in parts)
    limit = min(MAX_FIT_BYTES, MAX_DENSE_BYTES)  # either name may have been lowered
    if total > limit:
        what = " and ".join(description for description, _, _ in parts)
        largest = max(parts, key=lambda part: part[1])
        raise ValueError(
            f"this fit is too large for memory: it would hold {what}, {total / 1024**3:.1f} GiB "
            f"at once, more than the {limit / 1024**3:.3g} GiB allowed "
            f"(lecturekit.transport.MAX_FIT_BYTES); {largest[2]}."
        )


def _latent_to_data(P, mean, scale, components, latent_scale):
    """Latent points ``P`` (n, k) to data coordinates: ``mean + scale * ((P * latent_scale) @ components)``."""
    return mean + scale * ((P * latent_scale) @ components)  # (n, k) @ (k, d) -> (n, d)


def _principal_components(Z):
    """Right singular vectors and variances of the centred ``Z``, largest first.

    The sign of each direction is fixed (its largest entry in absolute value is
    positive), so the result does not depend on the LAPACK build.
    """
    _, singular_values, Vt = np.linalg.svd(Z, full_matrices=False)
    rows = np.arange(Vt.shape[0])
    signs = np.sign(Vt[rows, np.argmax(np.abs(Vt), axis=1)])
    signs[signs == 0] = 1.0
    return Vt * signs[:, None], singular_values ** 2 / Z.shape[0]


class TransportProblem:
    """The finite problem of chapter 5 in the whitened parametrisation, as a function of ``a``.

    ``f(a) = MMD_K(base + B a, Y)^2 + reg |a|^2`` with ``base = X`` (residual
    map) or 0, and ``B = L`` (the Cholesky factor of ``Q(X, X) + eps I``) or
    ``B = Q(X, U) L_U^{-T}`` with inducing points ``U``, so that ``z = B a`` and
    ``|a|^2 = sum_j z[:, j]^T Q^{-1} z[:, j]``. Calling the problem returns
    ``(f, grad f)`` for a flat ``a``, as ``scipy.optimize.minimize(jac=True)`` expects.

    Parameters
    ----------
    X : array of shape (n, d)
        Reference points (standardised coordinates).
    Y : array of shape (m, d)
        Data (standardised coordinates).
    mmd_kernel, map_kernel : Kernel
    reg : float
    residual : bool
    n_features : int or None
        Random-feature MMD with this many frequencies; None for the exact MMD.
    n_inducing : int or None
        Expand the map on the first ``n_inducing`` points of ``X``.
    nugget : float
    random_state : None, int or numpy.random.Generator
        For the random features.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((30, 2)), rng.standard_normal((40, 2)) + 1.0
    >>> problem = TransportProblem(X, Y, RBF(1.0), RBF(1.0), reg=1e-3)
    >>> f, g = problem(problem.initial_point().ravel())
    >>> g.shape
    (60,)
    """

    def __init__(self, X, Y, mmd_kernel, map_kernel, reg, residual=True, n_features=None,
                 n_inducing=None, nugget=1e-8, random_state=None):
        self.X, self.Y = X, Y
        self.reg = reg
        self.residual = residual
        self.d = X.shape[1]
        self.U = X if n_inducing is None else X[:n_inducing]
        self.L, self.nugget_ = cholesky_with_nugget(map_kernel(self.U), nugget)
        if n_inducing is None:
            self.B = self.L
        else:
            # Q(X, U) L^{-T}: the triangular solve L W = Q(U, X), transposed -> (n, m)
            self.B = linalg.solve_triangular(
                self.L, map_kernel(self.U, X), lower=True, check_finite=False
            ).T
        self.base = X if residual else 0.0
        if n_features is None:
            yy = kernel_sum(mmd_kernel, Y) / Y.shape[0] ** 2

            def mmd_term(P):
                return mmd2_and_gradient(P, Y, mmd_kernel, yy_term=yy)
        else:
            rng = check_random_state(random_state)
            self.features = RandomFourierFeatures(mmd_kernel, n_features, rng).fit(Y)
            target = self.features.mean_embedding(Y)

            def mmd_term(P):
                return rff_mmd2_and_gradient(P, self.features, target)
        self.mmd_term = mmd_term

    def initial_point(self):
        """``a = 0`` (the identity map) for the residual map; else the ``a`` with ``B a`` closest to ``X``."""
        if self.residual:
            return np.zeros((self.B.shape[1], self.d))
        return np.linalg.lstsq(self.B, self.X, rcond=None)[0]

    def pushed(self, a):
        """The pushed reference points ``base + B a``, shape ``(n, d)``."""
        return self.base + self.B @ a.reshape(-1, self.d)  # (n, m) @ (m, d) -> (n, d)

    def __call__(self, a_flat):
        a = a_flat.reshape(-1, self.d)
        value, grad_P = self.mmd_term(self.base + self.B @ a)
        f = value + self.reg * float(np.sum(a * a))
        g = self.B.T @ grad_P + 2.0 * self.reg * a  # (m, n) @ (n, d) -> (m, d)
        return f, g.ravel()


class KernelTransport:
    """A generative model: a kernel transport map pushing ``N(0, I)`` onto the data.

    ``fit(Y)`` draws ``n_reference`` Gaussian reference points ``X`` and solves
    the finite problem of the book's chapter 5 (see the module docstring) for
    ``z = T(X)``; the map is then the representer interpolant
    ``T^j(x) = Q(x, X) Q(X, X)^{-1} z[:, j]``, and ``sample(n)`` pushes fresh
    Gaussian draws through ``x -> x + T(x)`` (``residual=True``).

    In more than 8 dimensions, with both kernels left as None, the map is
    learned in a low-dimensional space of principal components instead (see
    ``n_components`` and the Notes): ``KernelTransport().fit(Y).sample(1000)``
    then works on the 8x8 digits (``d = 64``) as well as on 2-D toy data.

    Parameters
    ----------
    mmd_kernel : Kernel or None
        The kernel ``K`` of the MMD. None: in the data space,
        :func:`default_mmd_kernel`, the rational quadratic kernel with
        lengthscale ``sqrt(d / 2) / 5`` and ``alpha = 1`` on the standardised data;
        in a reduced space, :func:`default_latent_kernel`, ``RBF(median / 2)``
        with the median distance between the data's latent coordinates.
    map_kernel : Kernel or None
        The kernel ``Q`` of the map's RKHS norm. None: in the data space,
        :func:`default_map_kernel` of the inducing points: ``RBF(sqrt(d / 2) / 4)``,
        or wider where the inducing points are further apart (in more than
        about 3 dimensions); in a reduced space the same ``RBF(median / 2)`` as
        the MMD. :func:`lecture_map_params` gives the lecture's ``RBF(sqrt(d) / 2)``.
    reg : float, default 1e-8
        ``lambda >= 0``, the weight of the RKHS penalty (on the objective
        divided by its starting value, see ``tol``). The default is weak: with
        many more reference points than inducing points the map is kept from
        overfitting by its few degrees of freedom, and the penalty only keeps
        the problem well posed. When a reduction is active, the default value
        is replaced by 1e-7 (``LATENT_REG``); pass any other value to use it as
        given. The value used is ``reg_``.
    residual : bool, default True
        Learn ``x -> x + T(x)`` (True) or ``x -> T(x)`` (False).
    n_reference : int or None
        Number of Gaussian reference points ``n``. None: 3000
        (``AUTO_N_REFERENCE``) when ``n_inducing="auto"`` and the map acts on
        the data space; ``min(len(Y), 1000)`` otherwise.
    n_features : int or None
        If given, the MMD uses ``n_features`` random Fourier frequencies (the
        target is embedded once, in one pass). None: the exact MMD, unless
        ``len(Y) > 20000``, where 2000 random features are used.
    n_inducing : "auto", int or None, default "auto"
        If an int ``m``, the map is restricted to ``m`` inducing points (the first
        ``m`` reference points): ``T(x) = Q(x, U) c``, memory ``O(n m)`` instead
        of ``O(n^2)``. None: the map is expanded on every reference point, the
        representer map of the lecture. "auto": with ``n_reference=None`` in the
        data space, 500 inducing points (``AUTO_N_INDUCING``) for 3000 reference
        points; otherwise None. Six reference points per degree of freedom make
        the fitted map generalise: the MMD is matched on points the map cannot
        move one by one, so fresh Gaussian points land where the reference
        points do (the book's chapter 6 shows the difference).
    standardize : bool, default True
        Fit on data centred and scaled per feature; samples are mapped back to
        data coordinates. A constant feature of the data (one whose standard
        deviation is at most 1e-12 times its own largest absolute value) is
        reproduced in every sample (its scale is 0), and a
        :class:`ConstantFeatureWarning` names it. With a reduction, the principal
        components are those of the standardised data (of the centred data
        when False: for features in one common unit, such as pixels, pass
        ``standardize=False`` to let large-variance features lead the PCA).
    max_iter : int, default 500
        Maximum number of L-BFGS iterations.
    tol : float, default 1e-6
        Stop when an iteration lowers the objective by less than ``tol`` times
        its starting value (scipy's ``ftol`` on the objective divided by its
        value at the start). When a reduction is active, the default value
        1e-6 is replaced by 1e-4 (further iterations cost time without better
        samples there); the value used is ``tol_``.
    nugget : float, default 1e-8
        Relative nugget on ``Q(X, X)`` (see :mod:`lecturekit.representer`).
    random_state : None, int or numpy.random.Generator
        Draws the reference points and the random features.
    progress : bool, default False
        Show a progress bar (terminal or notebook) during ``fit``.
    callback : callable or None
        Called after each iteration as ``callback(iteration, samples)`` with the
        current pushed reference points in data coordinates (dimension ``d``,
        also with a reduction).
    n_components : "auto", int or None, default "auto"
        Learn the map in a space of principal components ("latent space").
        None: no reduction, the map acts on the (standardised) data space.
        An int ``k``: project the (standardised) data onto its first ``k``
        principal components (``1 <= k <= min(n_samples, d)``), whitened to unit
        variance; :meth:`transform` then takes ``k``-dimensional Gaussian
        points, and ``sample``, ``pushed_reference`` and ``callback`` give
        ``d``-dimensional data points. "auto": no reduction for data of at
        most 8 dimensions (``AUTO_REDUCE_ABOVE``) or when a kernel is given (a
        kernel you choose is taken to act on the standardised data space; pass
        an int to combine your kernels with a reduction); otherwise ``k`` is
        the number of components with more variance than an average feature
        (the Kaiser-Guttman rule: with ``standardize=True``, the eigenvalues of
        the correlation matrix above 1), at least 1 and at most 16
        (``AUTO_MAX_COMPONENTS``).

    Attributes
    ----------
    reference_ : array of shape (n_reference, k)
        The Gaussian reference points ``X`` (standardised, or latent, coordinates).
    inducing_ : array of shape (m, k)
        The points ``U`` the map is expanded on (``reference_`` without inducing points).
    z_ : array of shape (n_reference, k)
        The solution ``z = T(X)`` (standardised, or latent, coordinates).
    coef_ : array of shape (m, k)
        ``T(x) = Q(x, U) @ coef_``.
    mmd_kernel_, map_kernel_ : Kernel
        The kernels used.
    reg_, tol_ : float
        The penalty weight and the tolerance used (see ``reg`` and ``tol``).
    n_features_ : int or None
        Random features used for the MMD (None: exact).
    nugget_ : float
        The relative nugget used.
    mean_, scale_ : arrays of shape (d,)
        The standardisation of the data (with a reduction the data are always
        centred: ``mean_`` is their mean even when ``standardize=False``).
    n_features_in_ : int
        ``d``, the dimension of the data.
    n_latent_ : int
        The dimension of the space the map is learned in, and of the points
        :meth:`transform` takes: ``k`` with a reduction, ``d`` without.
    components_ : array of shape (k, d) or None
        The principal directions, orthonormal rows in standardised data
        coordinates (None without a reduction).
    latent_scale_ : array of shape (k,) or None
        The standard deviation of the data along each component (the latent
        coordinates are divided by it). A point ``c`` of the latent space is
        the data point ``mean_ + scale_ * ((c * latent_scale_) @ components_)``.
    explained_variance_ratio_ : float or None
        The share of the (standardised) data's variance the components keep.
    n_iter_ : int
    loss_history_ : list of float
        The objective after each iteration (the first entry is the starting point).
    mmd2_ : float
        The squared MMD term at the solution; ``penalty_`` the RKHS term.
    result_ : scipy.optimize.OptimizeResult
        The optimiser's result (None after ``load``).
    fit_time_ : float
        Seconds spent in ``fit``.

    Notes
    -----
    Why a reduction in high dimension (book chapter 7): ``d``-dimensional
    standardised points are all about ``sqrt(2 d)`` apart, so in 64 dimensions
    the Gaussian reference points are isolated (``Q(X, X)`` is nearly the
    identity and the penalty outweighs the ``O(1 / n)`` MMD gradient) and the
    default MMD kernel hardly varies between pairs: the fit stops after a few
    iterations with samples that look like noise. In a latent space of at most
    16 whitened principal components the reference points have neighbours,
    the median-heuristic kernels resolve the distances that occur, and the
    defaults fit the digits (``k = 16`` of 64) in a few seconds with blurry
    but mostly recognisable samples. The recipe is that of chapter 7 (there
    with ``k = 10``, ``reg = 1e-6``, 600 reference points and 500 random
    features), with ``k`` and ``reg`` chosen as described above. Data of at
    most 8 dimensions, and fits with a kernel given, are computed exactly as
    without the reduction; ``n_components=None`` restores the data-space fit
    in any dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from lecturekit.datasets import make_toy
    >>> Y = make_toy("moons", 500, random_state=0)
    >>> model = KernelTransport(random_state=0).fit(Y)
    >>> samples = model.sample(1000, random_state=1)
    >>> samples.shape
    (1000, 2)
    >>> model.loss_history_[-1] < model.loss_history_[0]
    True
    """

    def __init__(
        self,
        mmd_kernel=None,
        map_kernel=None,
        reg=DEFAULT_REG,
        residual=True,
        n_reference=None,
        n_features=None,
        n_inducing="auto",
        standardize=True,
        max_iter=500,
        tol=DEFAULT_TOL,
        nugget=1e-8,
        random_state=None,
        progress=False,
        callback=None,
        n_components="auto",
    ):
        self.mmd_kernel = mmd_kernel
        self.map_kernel = map_kernel
        self.reg = reg
        self.residual = residual
        self.n_reference = n_reference
        self.n_features = n_features
        self.n_inducing = n_inducing
        self.standardize = standardize
        self.max_iter = max_iter
        self.tol = tol
        self.nugget = nugget
        self.random_state = random_state
        self.progress = progress
        self.callback = callback
        self.n_components = n_components

    # -- scikit-learn conventions -------------------------------------------
    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=False):
        """The constructor arguments, as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"{name!r} is not a parameter of KernelTransport; valid ones: {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [
            f"{k}={v!r}" for k, v in self.get_params().items()
            if not (v is defaults[k] or (type(v) is type(defaults[k]) and v == defaults[k]))
        ]
        return f"KernelTransport({', '.join(changed)})"

    # -- validation ------------------------------------------------------------
    def _validate_params(self, n_data, n_dims):
        for name in ("mmd_kernel", "map_kernel"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Kernel):
                raise TypeError(
                    f"{name} must be a lecturekit kernel (e.g. RBF(lengthscale=0.5)) or None "
                    f"for the default, got {value!r} of type {type(value).__name__}."
                )
        reg = check_nonnegative(self.reg, "reg")
        max_iter = check_int(self.max_iter, "max_iter", minimum=1)
        n_components = self._validate_n_components(n_data, n_dims)
        n_ref = check_int(self.n_reference, "n_reference", minimum=2, allow_none=True)
        auto_inducing = isinstance(self.n_inducing, str) and self.n_inducing == "auto"
        if isinstance(self.n_inducing, str) and not auto_inducing:
            raise ValueError(
                f"n_inducing must be 'auto', None or an integer >= 1, got {self.n_inducing!r}; "
                f"use 'auto' for the default, None to expand the map on every reference point."
            )
        n_inducing = None if auto_inducing else check_int(
            self.n_inducing, "n_inducing", minimum=1, allow_none=True)
        if n_ref is None:
            if n_components is None and auto_inducing:
                # many more reference points than inducing points: the map cannot fit
                # individual reference points, so what it learns holds between them too
                n_ref, n_inducing = AUTO_N_REFERENCE, AUTO_N_INDUCING
            else:
                n_ref = min(n_data, LATENT_N_REFERENCE)
        n_ref = max(n_ref, 2)
        n_features = check_int(self.n_features, "n_features", minimum=1, allow_none=True)
        if n_features is None and self.n_features is None and n_data > AUTO_FEATURES_ABOVE:
            n_features = AUTO_N_FEATURES
        if n_inducing is not None and n_inducing > n_ref:
            raise ValueError(
                f"n_inducing must be at most n_reference = {n_ref}, got {n_inducing}; "
                f"use n_inducing=None to expand the map on all reference points."
            )
        _check_fit_memory(n_ref, n_inducing, n_features)
        tol = check_nonnegative(self.tol, "tol")
        if not isinstance(self.residual, (bool, np.bool_)):
            raise TypeError(f"residual must be True or False, got {self.residual!r}.")
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise TypeError(f"standardize must be True or False, got {self.standardize!r}.")
        if self.callback is not None and not callable(self.callback):
            raise TypeError(f"callback must be callable or None, got {self.callback!r}.")
        return reg, max_iter, n_ref, n_features, n_inducing, tol, n_components

    def _validate_n_components(self, n_data, n_dims):
        """None (no reduction), "auto" (reduce, choose k from the data) or an int k."""
        value = self.n_components
        if value is None:
            return None
        if isinstance(value, str):
            if value != "auto":
                raise ValueError(
                    f"n_components must be 'auto', None or an integer >= 1, got {value!r}; "
                    f"use 'auto' for the default, None to fit in the data space, or the "
                    f"number of principal components to keep."
                )
            kernels_given = self.mmd_kernel is not None or self.map_kernel is not None
            if n_dims <= AUTO_REDUCE_ABOVE or kernels_given:
                return None
            return "auto"
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(
                f"n_components must be 'auto', None or an integer >= 1, got {value!r} of "
                f"type {type(value).__name__}; e.g. n_components=10 keeps 10 principal components."
            )
        limit = min(n_data, n_dims)
        if not 1 <= value <= limit:
            raise ValueError(
                f"n_components must be between 1 and min(n_samples, n_features) = {limit} for "
                f"data of shape ({n_data}, {n_dims}), got {value}; keep fewer components, or "
                f"pass n_components=None to fit in the data space."
            )
        return int(value)

    # -- fitting -----------------------------------------------------------------
    def fit(self, Y):
        """Fit the map to the samples ``Y`` of shape ``(n_samples, n_features)``.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        Y = check_samples(Y, "Y", min_samples=2)
        n_data, d = Y.shape
        reg, max_iter, n_ref, n_features, n_inducing, tol, n_components = (
            self._validate_params(n_data, d)
        )
        rng = check_random_state(self.random_state)
        with one_blas_thread():  # see _fast.one_blas_thread: results independent of the cores
            if n_components is not None:
                return self._fit_reduced(Y, n_components, reg, max_iter, n_ref, n_features,
                                         n_inducing, tol, rng, start)
            return self._fit_data_space(Y, reg, max_iter, n_ref, n_features, n_inducing, tol,
                                        rng, start)

    def _fit_data_space(self, Y, reg, max_iter, n_ref, n_features, n_inducing, tol, rng, start):
        """Fit in the (standardised) data space, without a reduction."""
        d = Y.shape[1]
        # Standardise the data.
        if self.standardize:
            mean = Y.mean(axis=0)
            scale = Y.std(axis=0)
            # a constant feature gets scale 0: every sample reproduces the constant
            scale[constant_features(Y, scale)] = 0.0
        else:
            mean, scale = np.zeros(d), np.ones(d)
        Ys = (Y - mean) / np.where(scale > 0, scale, 1.0)

        K = self.mmd_kernel if self.mmd_kernel is not None else default_mmd_kernel(d)
        X = rng.standard_normal((n_ref, d))
        if self.map_kernel is not None:
            Q = self.map_kernel
        else:  # the inducing points are the first n_inducing reference points
            Q = default_map_kernel(d, X if n_inducing is None else X[:n_inducing])
        return self._solve(X, Ys, mean, scale, K, Q, reg, max_iter, n_features,
                           n_inducing, tol, rng, start, reduction=None)

    def _fit_reduced(self, Y, n_components, reg, max_iter, n_ref, n_features, n_inducing, tol,
                     rng, start):
        """Fit in the space of the first principal components of the standardised data.

        The data are centred (and scaled per feature with ``standardize``),
        projected onto ``k`` principal directions ``P`` and whitened: the latent
        coordinates are ``c = ((y - mean) / scale) @ P^T / latent_scale``. The
        map is learned on them, from ``k``-dimensional Gaussian reference points.
        """
        d = Y.shape[1]
        mean = Y.mean(axis=0)
        if self.standardize:
            scale = Y.std(axis=0)
            scale[constant_features(Y, scale)] = 0.0
        else:
            scale = np.ones(d)
        Ys = (Y - mean) / np.where(scale > 0, scale, 1.0)  # constant features: columns of 0
        directions, variances = _principal_components(Ys)
        total = float(np.sum(variances))
        if n_components == "auto":
            # Kaiser-Guttman: the components with more variance than an average feature
            k = int(np.count_nonzero(variances > total / d))
            k = min(max(k, 1), AUTO_MAX_COMPONENTS)
        else:
            k = n_components
        components = np.ascontiguousarray(directions[:k])
        C = Ys @ components.T  # (N, d) @ (d, k) -> (N, k)
        latent_scale = np.sqrt(variances[:k])
        # a direction without variance (rank-deficient data) stays at 0, like a constant feature
        latent_scale[latent_scale <= 1e-12 * max(1.0, float(latent_scale[0]))] = 0.0
        Cs = C / np.where(latent_scale > 0, latent_scale, 1.0)

        if self.mmd_kernel is None or self.map_kernel is None:
            latent_kernel = default_latent_kernel(Cs)
        K = self.mmd_kernel if self.mmd_kernel is not None else latent_kernel
        Q = self.map_kernel if self.map_kernel is not None else RBF(latent_kernel.lengthscale)
        # the defaults of reg and tol are those of the data space; a latent space has its own
        reg = LATENT_REG if reg == DEFAULT_REG else reg
        tol = LATENT_TOL if tol == DEFAULT_TOL else tol

        X = rng.standard_normal((n_ref, k))
        reduction = {
            "components": components,
            "latent_scale": latent_scale,
            "explained": float(np.sum(variances[:k]) / total) if total > 0 else 1.0,
        }
        return self._solve(X, Cs, mean, scale, K, Q, reg, max_iter, n_features, n_inducing,
                           tol, rng, start, reduction=reduction)

    def _solve(self, X, Ys, mean, scale, K, Q, reg, max_iter, n_features, n_inducing, tol,
               rng, start, reduction):
        """Solve the finite problem for the reference points ``X`` and set the fitted attributes.

        ``reduction`` is None (``X`` and ``Ys`` in standardised data coordinates)
        or a dict with the ``components``, ``latent_scale`` and ``explained``
        variance of a reduction (``X`` and ``Ys`` in latent coordinates).
        """
        d = X.shape[1]
        if reduction is None:
            def to_data(P):
                return mean + scale * P
        else:
            def to_data(P):
                return _latent_to_data(P, mean, scale, reduction["components"],
                                       reduction["latent_scale"])
        problem = TransportProblem(
            X, Ys, K, Q, reg=reg, residual=bool(self.residual), n_features=n_features,
            n_inducing=n_inducing, nugget=self.nugget, random_state=rng,
        )
        a0 = problem.initial_point()

        history = [problem(a0.ravel())[0]]
        # Optimise f / f(a0): the objective starts at 1 whatever the data's scale,
        # so the tolerances mean the same thing for every data set.
        f_unit = history[0] if history[0] > 0 else 1.0
        bar = None
        if self.progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=max_iter, desc="KernelTransport.fit", unit="it")
        last = {}

        def wrapped(a_flat):
            f, g = problem(a_flat)
            last["f"] = f
            return f / f_unit, g / f_unit

        def step(xk):
            history.append(last["f"])
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{last['f']:.3e}")
            if self.callback is not None:
                self.callback(len(history) - 1, to_data(problem.pushed(xk)))

        try:
            result = optimize.minimize(
                wrapped,
                a0.ravel(),
                jac=True,
                method="L-BFGS-B",
                callback=step,
                options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-9, "maxcor": 20},
            )
        finally:
            if bar is not None:
                bar.close()

        result.fun = result.fun * f_unit  # back to the units of the objective
        result.jac = result.jac * f_unit
        a = result.x.reshape(-1, d)
        z = problem.B @ a
        # T(x) = Q(x, U) L^{-T} a: solve L^T coef = a
        coef = linalg.solve_triangular(problem.L, a, lower=True, trans="T", check_finite=False)
        mmd_value, _ = problem.mmd_term(problem.base + z)

        self.mean_, self.scale_ = mean, scale
        self.mmd_kernel_, self.map_kernel_ = K, Q
        self.reg_, self.tol_ = float(reg), float(tol)
        self.n_features_ = n_features
        self.nugget_ = problem.nugget_
        self.reference_ = X
        self.inducing_ = problem.U
        self.a_ = a
        self.z_ = z
        self.coef_ = coef
        self.n_iter_ = int(result.nit)
        self.loss_history_ = [float(v) for v in history]
        self.mmd2_ = float(mmd_value)
        self.penalty_ = float(np.sum(a * a))
        self.result_ = result
        self.n_latent_ = d
        if reduction is None:
            self.n_features_in_ = d
            self.components_ = self.latent_scale_ = self.explained_variance_ratio_ = None
        else:
            self.components_ = reduction["components"]
            self.latent_scale_ = reduction["latent_scale"]
            self.explained_variance_ratio_ = reduction["explained"]
            self.n_features_in_ = self.components_.shape[1]
        self.fit_time_ = time.perf_counter() - start

        if not result.success:
            warn_at_caller(  # shown at the user's call of fit
                f"KernelTransport stopped after {result.nit} iterations without converging "
                f"({result.message}). The samples may still be usable; to converge, raise "
                f"max_iter (now {max_iter}), raise reg (now {reg:g}) for a smoother problem, "
                f"or use fewer reference points.",
                ConvergenceWarning,
            )
        return self

    # -- using the map ---------------------------------------------------------
    def _check_is_fitted(self, method):
        check_is_fitted(self, "coef_", method)  # NotFittedError, as in scikit-learn

    def to_data_space(self, P):
        """Points ``P`` of the space the map acts on, in data coordinates.

        Without a reduction: ``mean_ + scale_ * P`` (undo the standardisation).
        With one: ``mean_ + scale_ * ((P * latent_scale_) @ components_)``, a
        point of the ``n_latent_``-dimensional latent space mapped back to the
        ``d``-dimensional data space. ``to_data_space(reference_)`` shows the
        reference points before the map (the identity map's samples).

        Parameters
        ----------
        P : array of shape (n_points, k)

        Returns
        -------
        array of shape (n_points, d)
        """
        self._check_is_fitted("to_data_space")
        P = self._check_latent(P, "P")
        with one_blas_thread():
            return self._to_data(P)

    def _to_data(self, P):
        if self.components_ is None:
            return self.mean_ + self.scale_ * P
        return _latent_to_data(P, self.mean_, self.scale_, self.components_, self.latent_scale_)

    def _check_latent(self, X, name):
        X = check_samples(X, name)
        if X.shape[1] == self.n_latent_:
            return X
        if self.components_ is None:
            raise ValueError(
                f"{name} must have {self.n_features_in_} features, the dimension of the data the "
                f"model was fitted on; got shape {X.shape}."
            )
        raise ValueError(
            f"{name} must have {self.n_latent_} columns: this model learned its map in a "
            f"{self.n_latent_}-dimensional latent space of principal components (n_latent_ = "
            f"{self.n_latent_}) and maps its Gaussian points to the {self.n_features_in_}-"
            f"dimensional data; got shape {X.shape}. Draw {name} as "
            f"rng.standard_normal((n, {self.n_latent_})), use sample(n) for new data points, "
            f"or fit with n_components=None to learn the map in the data space."
        )

    def transform(self, X, *, block_size=4096):
        """Evaluate the fitted map at Gaussian points ``X``, returning data coordinates.

        ``X`` are points of the reference space, i.e. draws of ``N(0, I)`` of
        dimension ``n_latent_``: the data's dimension ``d`` without a reduction,
        the latent dimension ``k`` with one (see ``n_components``). The result
        is ``to_data_space(x + T(x))`` (``x`` dropped when ``residual=False``):
        ``mean + scale * (x + T(x))`` without a reduction.

        Parameters
        ----------
        X : array of shape (n_points, k)

        Returns
        -------
        array of shape (n_points, d)
        """
        self._check_is_fitted("transform")
        X = self._check_latent(X, "X")
        block_size = check_int(block_size, "block_size", minimum=1)
        out = np.empty_like(X)
        with one_blas_thread():  # as in fit: the result does not depend on the cores
            for start in range(0, X.shape[0], block_size):
                Xb = X[start:start + block_size]
                # (b, m) @ (m, d) -> (b, d)
                Tb = self.map_kernel_(Xb, self.inducing_) @ self.coef_
                out[start:start + block_size] = Xb + Tb if self.residual else Tb
            return self._to_data(out)

    def sample(self, n_samples, random_state=None):
        """Generate ``n_samples`` new samples: ``transform`` of fresh ``N(0, I)`` draws.

        Examples
        --------
        >>> from lecturekit.datasets import make_toy
        >>> model = KernelTransport(random_state=0).fit(make_toy("circles", 300, random_state=0))
        >>> bool(np.array_equal(model.sample(4, random_state=7), model.sample(4, random_state=7)))
        True
        """
        self._check_is_fitted("sample")
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        rng = check_random_state(random_state)
        return self.transform(rng.standard_normal((n_samples, self.n_latent_)))

    def pushed_reference(self):
        """The pushed reference points ``x_i + z_i`` (or ``z_i``) in data coordinates."""
        self._check_is_fitted("pushed_reference")
        P = self.reference_ + self.z_ if self.residual else self.z_
        with one_blas_thread():
            return self._to_data(P)

    # -- persistence ---------------------------------------------------------------
    _ARRAYS = ("mean_", "scale_", "reference_", "inducing_", "a_", "z_", "coef_")
    #: Arrays of a reduction, stored only when one is active (None otherwise).
    _REDUCTION_ARRAYS = ("components_", "latent_scale_")
    _SCALARS = ("n_features_", "nugget_", "n_iter_", "mmd2_", "penalty_", "fit_time_",
                "loss_history_", "reg_", "tol_", "n_latent_", "explained_variance_ratio_")

    def save(self, path):
        """Save the fitted model to ``path`` as a ``.npz`` file (no pickle).

        Kernels are stored as JSON descriptions; arrays as they are, so
        ``KernelTransport.load(path)`` gives bit-identical samples. Parameters
        given as numpy scalars (``np.int64(200)``) are stored as Python numbers;
        a ``random_state`` that is not an integer (a Generator) is stored as None.

        The file is written next to ``path`` and renamed to ``path`` once it is
        complete and on disk: if saving fails (a parameter that cannot be
        stored, Ctrl-C, a full disk), an existing file at ``path`` is left as
        it was.
        """
        self._check_is_fitted("save")
        params = self.get_params()
        params.pop("callback")
        rs = params.pop("random_state")
        is_seed = isinstance(rs, numbers.Integral) and not isinstance(rs, (bool, np.bool_))
        params["random_state"] = int(rs) if is_seed else None
        for name in ("mmd_kernel", "map_kernel"):
            if params[name] is not None:
                params[name] = kernel_to_dict(params[name])
        meta = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "params": {name: _modelfile.plain(value, name) for name, value in params.items()},
            "mmd_kernel_": kernel_to_dict(self.mmd_kernel_),
            "map_kernel_": kernel_to_dict(self.map_kernel_),
            **{name: _modelfile.plain(getattr(self, name), name) for name in self._SCALARS},
        }
        text = json.dumps(meta)  # fails, if it does, before the file is touched
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        if self.components_ is not None:
            arrays.update({name: getattr(self, name) for name in self._REDUCTION_ARRAYS})
        _modelfile.write_atomically(path, lambda fh: np.savez(fh, meta=np.array(text), **arrays))

    @classmethod
    def load(cls, path):
        """Load a model written by :meth:`save` (any version of lecturekit).

        Nothing is unpickled, and only the members of a model are read, each
        after its declared shape and dtype have been checked.

        Parameters
        ----------
        path : str, path-like or binary file object

        Returns
        -------
        KernelTransport

        Raises
        ------
        FileNotFoundError
            If there is no file at ``path``.
        ValueError
            If the file is not a saved ``KernelTransport`` or is damaged (the
            message says what is wrong), or was saved by a newer lecturekit.
        """
        where = repr(path if hasattr(path, "read") else os.fspath(path))
        with contextlib.ExitStack() as stack:
            if hasattr(path, "read"):
                fh = path
            else:
                try:
                    fh = stack.enter_context(open(path, "rb"))
                except FileNotFoundError:
                    raise FileNotFoundError(
                        errno.ENOENT, "No KernelTransport model file at this path (check the "
                        "path, or write one with model.save(path))", os.fspath(path)) from None
            try:
                meta, arrays = cls._read_model_file(fh)
            except _NewerFileVersion as exc:
                raise ValueError(
                    f"{where} was saved by a newer lecturekit (file version {exc.args[0]}, "
                    f"this one reads up to {FILE_VERSION}); upgrade lecturekit."
                ) from None
            except _MALFORMED as exc:
                reason = str(exc) if isinstance(exc, _modelfile.DamagedFile) else (
                    f"{type(exc).__name__}: {exc}")
                raise ValueError(
                    f"{where} is not a saved KernelTransport model (a lecturekit model file) "
                    f"or is damaged: {reason.rstrip('.')}. Load only files written by "
                    f"model.save(path)."
                ) from None
        model = cls(**meta["params"])
        for name in cls._ARRAYS + cls._REDUCTION_ARRAYS:
            setattr(model, name, arrays.get(name))  # no reduction: components_ is None
        model.mmd_kernel_ = meta["mmd_kernel_"]
        model.map_kernel_ = meta["map_kernel_"]
        for name in cls._SCALARS:
            setattr(model, name, meta[name])
        model.n_features_in_ = model.mean_.shape[0]
        model.result_ = None
        return model

    @classmethod
    def _read_model_file(cls, fh):
        """The checked ``(meta, arrays)`` of the model file ``fh``, or ``DamagedFile``."""
        size = _modelfile.file_size(fh)
        archive = zipfile.ZipFile(fh)
        members = set(archive.namelist())
        if "meta.npy" not in members:
            raise _modelfile.DamagedFile(
                f"it has no 'meta' member (the description of a model); its members are "
                f"{sorted(members)[:10]}")
        names = cls._ARRAYS + cls._REDUCTION_ARRAYS
        _modelfile.check_expansion(
            archive, ["meta.npy"] + [name + ".npy" for name in names if name + ".npy" in members],
            size)

        header = _modelfile.read_header(archive, "meta.npy")
        if header[0] != () or header[2].kind != "U":
            raise _modelfile.DamagedFile(
                f"its 'meta' member is an array of shape {header[0]} and dtype {header[2]}, "
                f"not the JSON text of a model")
        meta = json.loads(str(_modelfile.read_array(archive, "meta.npy", header)[()]))
        meta = cls._check_meta(meta)

        reduction = meta["explained_variance_ratio_"] is not None
        names = cls._ARRAYS + (cls._REDUCTION_ARRAYS if reduction else ())
        missing = [name for name in names if name + ".npy" not in members]
        if missing:
            raise _modelfile.DamagedFile(f"the member(s) {missing} of a fitted model are missing")
        if not reduction and any(name + ".npy" in members for name in cls._REDUCTION_ARRAYS):
            raise _modelfile.DamagedFile(
                "it holds the arrays of a reduction (components_) but its description has none")
        headers = {name: _modelfile.read_header(archive, name + ".npy") for name in names}
        cls._check_shapes({name: h[0] for name, h in headers.items()}, meta, reduction)
        for name, (_, _, dtype, _) in headers.items():
            if dtype.kind != "f" or dtype.itemsize != 8:
                raise _modelfile.DamagedFile(
                    f"member {name!r} holds {dtype} values, not float64")
        arrays = {name: _modelfile.read_array(archive, name + ".npy", headers[name])
                  for name in names}
        for name, array in arrays.items():
            if not np.all(np.isfinite(array)):
                raise _modelfile.DamagedFile(f"member {name!r} contains NaN or infinite values")
        for name in ("scale_", "latent_scale_"):
            if name in arrays and np.any(arrays[name] < 0):
                raise _modelfile.DamagedFile(f"member {name!r} contains negative scales")
        return meta, arrays

    @classmethod
    def _check_meta(cls, meta):
        """The description of a model file, checked and brought to the current version."""
        if not isinstance(meta, dict) or meta.get("format") != FILE_FORMAT:
            raise _modelfile.DamagedFile(f"its description has no '{FILE_FORMAT}' header")
        version = meta.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise _modelfile.DamagedFile(f"its file version is {version!r}, not an integer >= 1")
        if version > FILE_VERSION:
            raise _NewerFileVersion(version)
        params = meta.get("params")
        if not isinstance(params, dict):
            raise _modelfile.DamagedFile("its description has no parameters")
        expected = [name for name in cls._param_names() if name != "callback"]
        if version < 2:
            # version 1 knew no reduction: refitting these parameters fits in the data space
            expected.remove("n_components")
            params["n_components"] = None
            meta.update(reg_=params.get("reg"), tol_=params.get("tol"), n_latent_=None,
                        explained_variance_ratio_=None)
        missing = sorted(set(expected) - set(params))
        if missing:
            raise _modelfile.DamagedFile(f"its description lacks the parameter(s) {missing}")
        storable = set(cls._param_names()) - {"callback"}  # save never stores the callback
        unknown = sorted(set(params) - storable)
        if unknown:
            raise _modelfile.DamagedFile(f"its description has unknown parameter(s) {unknown}")
        for name in ("mmd_kernel", "map_kernel"):
            if params[name] is not None:
                params[name] = _saved_kernel(params[name], f"parameter {name}")
        for name, value in params.items():
            if name not in ("mmd_kernel", "map_kernel") and not (
                    value is None or isinstance(value, (bool, int, float, str))):
                raise _modelfile.DamagedFile(f"its parameter {name} is {value!r}, not a number, "
                                             f"string, boolean or None")
        if not isinstance(params["residual"], bool):
            raise _modelfile.DamagedFile(
                f"its parameter residual is {params['residual']!r}, not True or False")
        for name in ("mmd_kernel_", "map_kernel_"):
            meta[name] = _saved_kernel(meta.get(name), name)

        def number(name, minimum=None, integer=False, optional=False):
            if name not in meta:
                raise _modelfile.DamagedFile(f"its description lacks {name}")
            value = meta[name]
            if optional and value is None:
                return
            kinds = (int,) if integer else (int, float)
            if (isinstance(value, bool) or not isinstance(value, kinds)
                    or not np.isfinite(value) or (minimum is not None and value < minimum)):
                kind = "an integer" if integer else "a finite number"
                raise _modelfile.DamagedFile(
                    f"its {name} is {value!r}, not {kind}"
                    f"{'' if minimum is None else f' >= {minimum}'}"
                    f"{' or None' if optional else ''}")

        number("n_features_", 1, integer=True, optional=True)
        number("n_iter_", 0, integer=True)
        number("n_latent_", 1, integer=True, optional=version < 2)
        for name in ("nugget_", "fit_time_", "reg_", "tol_"):
            number(name, 0)
        for name in ("mmd2_", "penalty_"):
            number(name)
        number("explained_variance_ratio_", 0, optional=True)
        history = meta.get("loss_history_")
        if not (isinstance(history, list) and history and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
                for v in history)):
            raise _modelfile.DamagedFile(
                "its loss_history_ is not a non-empty list of finite numbers")
        return meta

    @staticmethod
    def _check_shapes(shapes, meta, reduction):
        """Raise :class:`DamagedFile` unless the arrays' shapes fit each other and ``meta``."""
        d = shapes["mean_"][0] if len(shapes["mean_"]) == 1 else None
        n = shapes["reference_"][0] if len(shapes["reference_"]) == 2 else None
        m = shapes["inducing_"][0] if len(shapes["inducing_"]) == 2 else None
        if meta["n_latent_"] is None:  # version 1: the map acts on the data space
            meta["n_latent_"] = d
        k = meta["n_latent_"]
        expected = {"mean_": (d,), "scale_": (d,), "reference_": (n, k), "z_": (n, k),
                    "inducing_": (m, k), "a_": (m, k), "coef_": (m, k)}
        if reduction:
            expected.update(components_=(k, d), latent_scale_=(k,))
        for name, shape in expected.items():
            if None in shape or shapes[name] != shape:
                raise _modelfile.DamagedFile(
                    f"member {name!r} has shape {shapes[name]}, expected {shape} (mean_ of "
                    f"shape {shapes['mean_']}, reference_ {shapes['reference_']}, "
                    f"inducing_ {shapes['inducing_']} and n_latent_ = {k})")
        if not (d >= 1 and 1 <= m <= n and 1 <= k and (k <= d if reduction else k == d)):
            raise _modelfile.DamagedFile(
                f"its sizes do not fit a model: {d} features, {n} reference points, {m} "
                f"inducing points, a map in {k} dimensions")


def _saved_kernel(spec, name):
    """The kernel a model file describes as ``spec``; :class:`DamagedFile` if it is not one."""
    try:
        kernel = kernel_from_dict(spec)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _modelfile.DamagedFile(
            f"its {name} is not the description of a lecturekit kernel "
            f"({type(exc).__name__}: {str(exc).rstrip('.')})") from None
    if not isinstance(kernel, Kernel):
        raise _modelfile.DamagedFile(f"its {name} is not the description of a lecturekit kernel")
    return kernel


class _NewerFileVersion(Exception):
    """A file version this lecturekit does not know (raised by ``KernelTransport._check_meta``)."""


#: What reading a malformed model file can raise; ``load`` turns each into a ``ValueError``.
_MALFORMED = (ValueError, KeyError, TypeError, AttributeError, RecursionError, EOFError,
              OSError, zipfile.BadZipFile, zlib.error, NotImplementedError, OverflowError)

"""The representer formula (book chapter 5).

For fixed values ``z_i = S(x_i)`` the function of least RKHS norm in the
space of a kernel ``Q`` that takes these values is, coordinate by coordinate,

``S^j(x) = Q(x, X) Q(X, X)^{-1} z[:, j]``  with  ``|S^j|_Q^2 = z[:, j]^T Q(X, X)^{-1} z[:, j]``.

``Q(X, X)`` can be singular (repeated points) or badly conditioned (smooth
kernels, close points), so the code never forms an inverse: it factors
``Q(X, X) + eps I = L L^T`` (Cholesky) with a small nugget
``eps = nugget * mean(diag Q)`` and solves triangular systems. If the
factorisation fails the nugget is raised tenfold until it succeeds; the one
used is reported as ``nugget_``. The nugget makes the map interpolate only
up to ``eps``: ``S(x_i) = z_i - eps (Q + eps I)^{-1} z_i``.
"""

import warnings

import numpy as np
from scipy import linalg

from ._validation import check_positive, check_same_dimension, check_samples
from .kernels import Kernel

__all__ = ["RepresenterMap", "rkhs_penalty", "cholesky_with_nugget"]

MAX_NUGGET = 1e-2


def cholesky_with_nugget(K, nugget=1e-8):
    """Lower Cholesky factor of ``K + eps I`` with ``eps = nugget * mean(diag K)``.

    The relative nugget is multiplied by 10 until the factorisation succeeds
    (at most up to ``1e-2``).

    Returns
    -------
    L : array of shape (n, n)
        Lower triangular, ``L @ L.T == K + eps * I``.
    nugget : float
        The relative nugget actually used.

    Examples
    --------
    >>> K = np.ones((3, 3))  # singular
    >>> L, used = cholesky_with_nugget(K, 1e-8)
    >>> bool(np.allclose(L @ L.T, K + used * np.eye(3)))
    True
    """
    K = np.asarray(K, dtype=float)
    scale = float(np.mean(np.diag(K)))
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(
            f"the kernel matrix must have a positive diagonal, got mean diagonal {scale!r}."
        )
    nugget = check_positive(nugget, "nugget")
    n_tries = max(int(np.floor(np.log10(MAX_NUGGET / nugget) + 1e-9)), 0) + 1
    for k in range(n_tries):
        trial = nugget * 10.0**k
        try:
            Kn = K + (trial * scale) * np.eye(K.shape[0])
            return linalg.cholesky(Kn, lower=True, check_finite=False), trial
        except linalg.LinAlgError:
            pass
    raise np.linalg.LinAlgError(
        f"the kernel matrix is not positive definite even with a relative nugget of "
        f"{MAX_NUGGET}; check that the kernel is positive semi-definite."
    )


class RepresenterMap:
    """The minimal-norm interpolant ``S^j = Q(., X) Q(X, X)^{-1} z[:, j]``.

    Parameters
    ----------
    kernel : Kernel
        The map kernel ``Q``.
    nugget : float, default 1e-8
        Relative nugget added to the diagonal of ``Q(X, X)`` (see the module docstring).

    Attributes
    ----------
    X_ : array of shape (n_samples, n_features)
    coef_ : array of shape (n_samples, n_outputs)
        ``(Q(X, X) + eps I)^{-1} z``.
    cholesky_ : array of shape (n_samples, n_samples)
    nugget_ : float
        The relative nugget used.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> z = np.array([[0.0], [1.0], [0.0]])
    >>> S = RepresenterMap(RBF(1.0)).fit(X, z)
    >>> bool(np.allclose(S(X), z, atol=1e-6))
    True
    >>> round(S.penalty(), 4)
    2.8413
    """

    def __init__(self, kernel, nugget=1e-8):
        self.kernel = kernel
        self.nugget = nugget

    def fit(self, X, z):
        """Factor ``Q(X, X)`` and solve for the coefficients."""
        if not isinstance(self.kernel, Kernel):
            raise TypeError(f"kernel must be a lecturekit kernel, got {self.kernel!r}.")
        X = check_samples(X, "X")
        z = check_samples(z, "z", allow_1d=True)
        if z.shape[0] != X.shape[0]:
            raise ValueError(
                f"z must have one row per point of X, got {z.shape[0]} rows for "
                f"{X.shape[0]} points (z has shape {z.shape}, X has shape {X.shape})."
            )
        self.cholesky_, self.nugget_ = cholesky_with_nugget(self.kernel(X), self.nugget)
        if self.nugget_ > self.nugget:
            warnings.warn(
                f"Q(X, X) was not numerically positive definite with nugget={self.nugget}; "
                f"used {self.nugget_} instead (the map now interpolates only up to it).",
                RuntimeWarning,
                stacklevel=2,
            )
        self.X_ = X
        self.z_ = z
        self.coef_ = linalg.cho_solve((self.cholesky_, True), z, check_finite=False)
        return self

    def __call__(self, x):
        """Evaluate the map: ``Q(x, X) @ coef_``, shape ``(n_points, n_outputs)``."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("RepresenterMap is not fitted yet: call fit(X, z) first.")
        x = check_samples(x, "x")
        check_same_dimension(x, self.X_, ("x", "X"))
        return self.kernel(x, self.X_) @ self.coef_  # (p, n) @ (n, d) -> (p, d)

    transform = __call__

    def penalty(self):
        """``sum_j z[:, j]^T (Q(X, X) + eps I)^{-1} z[:, j]``, the squared RKHS norm of the map."""
        if not hasattr(self, "coef_"):
            raise RuntimeError("RepresenterMap is not fitted yet: call fit(X, z) first.")
        w = linalg.solve_triangular(self.cholesky_, self.z_, lower=True, check_finite=False)
        return float(np.sum(w * w))


def rkhs_penalty(X, z, kernel, nugget=1e-8):
    """``sum_j z[:, j]^T Q(X, X)^{-1} z[:, j]`` through a Cholesky factor (no inverse).

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> X = np.array([[0.0], [10.0]])  # far apart: Q(X, X) ~ I
    >>> round(rkhs_penalty(X, [[1.0], [2.0]], RBF(1.0)), 6)
    5.0
    """
    return RepresenterMap(kernel, nugget).fit(X, z).penalty()

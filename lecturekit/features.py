"""Random Fourier features for stationary kernels (book chapter 3).

By Bochner's theorem a continuous stationary kernel with ``k(0) = c`` is
``k(x, y) = c E_w[cos(w . (x - y))]`` for a probability measure on the
frequencies ``w``. Drawing ``D`` frequencies ``w_1, ..., w_D`` and setting

``phi(x) = sqrt(c / D) [cos(w_1 . x), ..., cos(w_D . x), sin(w_1 . x), ..., sin(w_D . x)]``

gives ``phi(x) . phi(y) = (c / D) sum_k cos(w_k . (x - y))``, an unbiased
estimate of ``k(x, y)`` whose error shrinks like ``1 / sqrt(D)``
(Rahimi & Recht, 2007). The frequency laws, with lengthscale ``l``:

* ``RBF``: ``w ~ N(0, I / l^2)``;
* ``RationalQuadratic(l, alpha)``: ``w ~ N(0, g I / l^2)`` with ``g ~ Gamma(alpha, rate alpha)``
  (the kernel is a Gamma mixture of Gaussians);
* ``Matern(l, nu)``: ``w = t / l`` with ``t`` multivariate Student-t with ``2 nu`` degrees of freedom;
* ``Laplace(l)`` (L1 norm): independent Cauchy coordinates with scale ``1 / l``;
* ``c * k``: the frequencies of ``k``, with ``c`` times its mass; ``k1 + k2``: a
  mixture; ``k1 * k2``: the sum of independent frequencies of ``k1`` and ``k2``.

The random-feature squared MMD is ``|mean phi(X) - mean phi(Y)|^2``, which is
the biased squared MMD under the approximate kernel ``phi(x) . phi(y)``. It
costs ``O((n + m) D)`` instead of ``O((n + m)^2)``, and the target's mean
embedding ``mean phi(Y)`` is computed once, in one pass over ``Y``.

The numpy code below is the reference the book reads. When numba is installed,
:meth:`RandomFourierFeatures.mean_embedding` and :func:`rff_mmd2_and_gradient`
compute the same sums with the fused, compiled loops of ``lecturekit._fast``
(no ``(n, D)`` matrices, a vectorised cos and sin); ``fast=False`` selects the
numpy code, and ``tests/test_features.py`` and ``tests/test_fast.py`` check
that both agree.
"""

import numpy as np

from . import _fast
from ._validation import check_int, check_random_state, check_same_dimension, check_samples
from .kernels import (
    RBF,
    Kernel,
    Laplace,
    Matern,
    ProductKernel,
    RationalQuadratic,
    ScaledKernel,
    SumKernel,
)

__all__ = ["RandomFourierFeatures", "rff_mmd2", "rff_mmd2_and_gradient"]


def sample_frequencies(kernel, n_features, n_dims, rng):
    """Draw ``n_features`` frequencies of ``kernel``: returns ``(W, mass)``.

    ``W`` has shape ``(n_features, n_dims)``; ``mass = k(x, x)``.
    """
    D, d = n_features, n_dims
    if type(kernel) is RBF:
        return rng.standard_normal((D, d)) / kernel.lengthscale, 1.0
    if type(kernel) is RationalQuadratic:
        g = rng.gamma(shape=kernel.alpha, scale=1.0 / kernel.alpha, size=(D, 1))
        return rng.standard_normal((D, d)) * np.sqrt(g) / kernel.lengthscale, 1.0
    if type(kernel) is Matern:
        dof = 2.0 * kernel.nu
        u = rng.chisquare(dof, size=(D, 1))
        return rng.standard_normal((D, d)) / np.sqrt(u / dof) / kernel.lengthscale, 1.0
    if type(kernel) is Laplace:
        return rng.standard_cauchy((D, d)) / kernel.lengthscale, 1.0
    if isinstance(kernel, ScaledKernel):
        W, mass = sample_frequencies(kernel.kernel, D, d, rng)
        return W, kernel.scale * mass
    if isinstance(kernel, SumKernel):
        W1, m1 = sample_frequencies(kernel.k1, D, d, rng)
        W2, m2 = sample_frequencies(kernel.k2, D, d, rng)
        pick_first = rng.random(D) < m1 / (m1 + m2)
        return np.where(pick_first[:, None], W1, W2), m1 + m2
    if isinstance(kernel, ProductKernel):
        W1, m1 = sample_frequencies(kernel.k1, D, d, rng)
        W2, m2 = sample_frequencies(kernel.k2, D, d, rng)
        return W1 + W2, m1 * m2
    raise TypeError(
        f"random Fourier features exist only for stationary kernels (RBF, "
        f"RationalQuadratic, Matern, Laplace and their sums, products and positive "
        f"multiples), got {kernel!r}; use the exact MMD (n_features=None) for this kernel."
    )


class RandomFourierFeatures:
    """Random Fourier features ``phi`` with ``phi(x) . phi(y) ~= k(x, y)``.

    Parameters
    ----------
    kernel : Kernel
        A stationary kernel (see the module docstring for the frequency laws).
    n_features : int, default 500
        ``D``, the number of frequencies; ``phi(x)`` has ``2 D`` entries.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    frequencies_ : array of shape (n_features, n_dims)
    mass_ : float
        ``k(x, x)``.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> X = np.random.default_rng(0).standard_normal((50, 2))
    >>> rff = RandomFourierFeatures(RBF(1.0), n_features=4000, random_state=0).fit(X)
    >>> Phi = rff.transform(X)
    >>> Phi.shape
    (50, 8000)
    >>> bool(np.abs(Phi @ Phi.T - RBF(1.0)(X)).max() < 0.1)
    True
    """

    def __init__(self, kernel, n_features=500, random_state=None):
        self.kernel = kernel
        self.n_features = n_features
        self.random_state = random_state

    def fit(self, X):
        """Draw the frequencies for data of ``X``'s dimension (``X`` itself is not used otherwise)."""
        if not isinstance(self.kernel, Kernel):
            raise TypeError(f"kernel must be a lecturekit kernel, got {self.kernel!r}.")
        D = check_int(self.n_features, "n_features")
        X = check_samples(X, "X")
        rng = check_random_state(self.random_state)
        self.frequencies_, self.mass_ = sample_frequencies(self.kernel, D, X.shape[1], rng)
        self.n_dims_ = X.shape[1]
        return self

    def _check_fitted(self, X):
        if not hasattr(self, "frequencies_"):
            raise RuntimeError(
                "RandomFourierFeatures is not fitted yet: call fit(X) first to draw the frequencies."
            )
        X = check_samples(X, "X")
        if X.shape[1] != self.n_dims_:
            raise ValueError(
                f"X must have {self.n_dims_} features like the data the features were "
                f"fitted on, got shape {X.shape}."
            )
        return X

    def transform(self, X):
        """``phi(X)``, shape ``(n_samples, 2 * n_features)``."""
        X = self._check_fitted(X)
        P = X @ self.frequencies_.T  # (n, d) @ (d, D) -> (n, D)
        s = np.sqrt(self.mass_ / self.frequencies_.shape[0])
        return s * np.hstack([np.cos(P), np.sin(P)])

    def mean_embedding(self, Y, block_size=8192, *, fast=True):
        """``mean_j phi(y_j)``, shape ``(2 * n_features,)``, in one pass over blocks of ``Y``.

        Each block of ``block_size`` points is summed on its own and the block sums
        are added in order. With ``fast`` (and numba installed) the blocks are
        summed by the fused loop of ``lecturekit._fast``, in parallel for large
        ``Y``, without any ``(block_size, n_features)`` temporary; ``fast=False``
        runs the numpy code below (the same numbers up to rounding).
        """
        Y = self._check_fitted(Y)
        block_size = check_int(block_size, "block_size")
        D = self.frequencies_.shape[0]
        if fast and _fast.HAVE_NUMBA:
            sum_cos, sum_sin = _fast.rff_sums(Y, self.frequencies_, block_size)
            return np.sqrt(self.mass_ / D) * np.concatenate([sum_cos, sum_sin]) / Y.shape[0]
        total = np.zeros(2 * D)
        for start in range(0, Y.shape[0], block_size):
            P = Y[start:start + block_size] @ self.frequencies_.T
            total[:D] += np.cos(P).sum(axis=0)
            total[D:] += np.sin(P).sum(axis=0)
        return np.sqrt(self.mass_ / D) * total / Y.shape[0]

    def approximate_kernel(self, X, Y=None):
        """``phi(X) phi(Y)^T``, the random-feature estimate of ``k(X, Y)``."""
        PX = self.transform(X)
        return PX @ (PX if Y is None else self.transform(Y)).T


def rff_mmd2_and_gradient(X, features, target_embedding, *, fast=True):
    """Random-feature squared MMD between ``X`` and a target, and its gradient in ``X``.

    ``value = |mean phi(X) - e|^2`` with ``e = mean phi(Y)`` precomputed, and

    ``d value / d x_i = (2 / n) s sum_k (cos(w_k . x_i) delta_sin_k - sin(w_k . x_i) delta_cos_k) w_k``

    where ``delta = mean phi(X) - e`` and ``s = sqrt(mass / D)``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    features : RandomFourierFeatures
        Fitted.
    target_embedding : array of shape (2 * D,)
        ``features.mean_embedding(Y)``.
    fast : bool, default True
        With numba installed, use the fused compiled loops of ``lecturekit._fast``:
        the same numbers up to rounding, in two passes over ``X`` (the mean
        features, then the gradient rows) without the ``(n, D)`` matrices below.
        False always uses the numpy code below, the one the book reads.

    Returns
    -------
    value : float
    grad : array of shape (n_samples, n_dims)

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> Y = np.random.default_rng(1).standard_normal((100, 2))
    >>> rff = RandomFourierFeatures(RBF(1.0), 100, random_state=0).fit(Y)
    >>> value, grad = rff_mmd2_and_gradient(Y, rff, rff.mean_embedding(Y))
    >>> round(value, 12), grad.shape
    (0.0, (100, 2))
    """
    W = features.frequencies_
    if fast and _fast.HAVE_NUMBA:
        return _fast.rff_value_and_gradient(X, W, features.mass_, target_embedding)
    n, D = X.shape[0], W.shape[0]
    s = np.sqrt(features.mass_ / D)
    P = X @ W.T  # (n, d) @ (d, D) -> (n, D)
    C, S = np.cos(P), np.sin(P)
    delta_cos = s * C.mean(axis=0) - target_embedding[:D]
    delta_sin = s * S.mean(axis=0) - target_embedding[D:]
    value = float(delta_cos @ delta_cos + delta_sin @ delta_sin)
    # (n, D) @ (D, d) -> (n, d)
    grad = (2.0 * s / n) * ((C * delta_sin - S * delta_cos) @ W)
    return value, grad


def rff_mmd2(X, Y, kernel, n_features=500, random_state=None):
    """The random-feature estimate of the biased squared MMD between ``X`` and ``Y``.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> from lecturekit.mmd import mmd2
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((300, 2)), rng.standard_normal((300, 2)) + 1.0
    >>> approx = rff_mmd2(X, Y, RBF(1.0), n_features=5000, random_state=0)
    >>> bool(abs(approx - mmd2(X, Y, RBF(1.0))) < 0.02)
    True
    """
    X = check_samples(X, "X")
    Y = check_samples(Y, "Y")
    check_same_dimension(X, Y)
    rff = RandomFourierFeatures(kernel, n_features, random_state).fit(X)
    return rff_mmd2_and_gradient(X, rff, rff.mean_embedding(Y))[0]

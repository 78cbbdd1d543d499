"""The maximum mean discrepancy (book chapter 3).

For a kernel ``K`` with mean embeddings ``m_P = E_{x~P} K(., x)`` the squared
MMD is ``MMD_K(P, Q)^2 = |m_P - m_Q|_K^2``. From samples ``X`` (n points) and
``Y`` (m points):

* biased (V-statistic), the default::

      MMD^2 = mean K(X, X) + mean K(Y, Y) - 2 mean K(X, Y)

  where the means include the diagonal ``i = j``. It is the exact squared MMD
  between the two empirical measures, is always ``>= 0``, and is what the
  transport solver minimises;
* unbiased (U-statistic): the same with the diagonal terms left out of the
  first two means (divided by ``n (n - 1)`` and ``m (m - 1)``). Its mean is the
  population ``MMD^2``; it can be negative.

Everything here returns the *squared* MMD and says so in its name. Kernel
sums are accumulated over blocks of at most ``block_size`` rows and columns,
so memory stays bounded however many samples are passed.
"""

import numpy as np

from ._validation import (
    check_bool,
    check_int,
    check_random_state,
    check_same_dimension,
    check_samples,
)
from . import _fast
from .kernels import Kernel

__all__ = ["mmd2", "mmd2_and_gradient", "median_heuristic", "kernel_sum"]

DEFAULT_BLOCK_SIZE = 256


def _check_kernel(kernel):
    if not isinstance(kernel, Kernel):
        raise TypeError(
            f"kernel must be a lecturekit kernel such as RBF(lengthscale=1.0), "
            f"got {kernel!r} of type {type(kernel).__name__}."
        )


def _block_pairs(n, m, block_size):
    for i in range(0, n, block_size):
        for j in range(0, m, block_size):
            yield slice(i, min(i + block_size, n)), slice(j, min(j + block_size, m))


def kernel_sum(kernel, A, B=None, *, exclude_diagonal=False, block_size=DEFAULT_BLOCK_SIZE):
    """``sum_{i, j} K(a_i, b_j)`` computed block by block.

    With ``B=None`` the sum is over ``K(A, A)``; ``exclude_diagonal`` then
    leaves out the terms ``i = j``.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> A = np.zeros((3, 2))
    >>> float(kernel_sum(RBF(1.0), A))
    9.0
    >>> float(kernel_sum(RBF(1.0), A, exclude_diagonal=True))
    6.0
    """
    block_size = check_int(block_size, "block_size", minimum=1)
    same = B is None
    B = A if same else B
    total = 0.0
    for si, sj in _block_pairs(A.shape[0], B.shape[0], block_size):
        Kb = kernel._gram(A[si], B[sj])
        if same and exclude_diagonal and si.start == sj.start:
            total += Kb.sum() - np.trace(Kb)
        else:
            total += Kb.sum()
    return total


def mmd2(X, Y, kernel, unbiased=False, *, block_size=DEFAULT_BLOCK_SIZE):
    """The squared MMD between the samples ``X`` and ``Y``.

    Parameters
    ----------
    X : array of shape (n_samples_X, n_features)
    Y : array of shape (n_samples_Y, n_features)
    kernel : Kernel
        E.g. ``RBF(lengthscale=1.0)``.
    unbiased : bool, default False
        False for the biased V-statistic (the squared MMD between the empirical
        measures, always >= 0); True for the unbiased U-statistic (needs at
        least 2 samples on each side; may be negative).
    block_size : int
        Kernel matrices are built in blocks of at most this many rows and columns.

    Returns
    -------
    float
        The squared MMD.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 2))
    >>> mmd2(X, X, RBF(1.0))
    0.0
    >>> mmd2(X, X + 3.0, RBF(1.0)) > 0.5
    True
    """
    _check_kernel(kernel)
    unbiased = check_bool(unbiased, "unbiased")
    min_samples = 2 if unbiased else 1
    X = check_samples(X, "X", min_samples=min_samples)
    Y = check_samples(Y, "Y", min_samples=min_samples)
    check_same_dimension(X, Y)
    block_size = check_int(block_size, "block_size")
    n, m = X.shape[0], Y.shape[0]
    if unbiased:
        xx = kernel_sum(kernel, X, exclude_diagonal=True, block_size=block_size) / (n * (n - 1))
        yy = kernel_sum(kernel, Y, exclude_diagonal=True, block_size=block_size) / (m * (m - 1))
    else:
        xx = kernel_sum(kernel, X, block_size=block_size) / n**2
        yy = kernel_sum(kernel, Y, block_size=block_size) / m**2
    xy = kernel_sum(kernel, X, Y, block_size=block_size) / (n * m)
    value = float(xx + yy - 2.0 * xy)
    if not unbiased:
        # The V-statistic is a squared norm; clip round-off below zero.
        value = max(value, 0.0)
    return value


def _self_term(kernel, X, weight, exclude_diagonal, block_size):
    """``sum K(X, X)`` and ``weight * sum_l grad_1 K(x_i, x_l)`` (n, d), blockwise."""
    n = X.shape[0]
    total = 0.0
    grad = np.zeros_like(X)
    for si, sj in _block_pairs(n, n, block_size):
        W = weight
        diagonal_block = si.start == sj.start
        if exclude_diagonal and diagonal_block:
            W = np.full((si.stop - si.start, sj.stop - sj.start), weight)
            np.fill_diagonal(W, 0.0)
        Kb, Gb = kernel.gram_and_weighted_gradient(X[si], X[sj], W)
        total += Kb.sum() - (np.trace(Kb) if exclude_diagonal and diagonal_block else 0.0)
        grad[si] += Gb
    return total, grad


def _cross_term(kernel, X, Y, weight, block_size):
    """``sum K(X, Y)`` and ``weight * sum_j grad_1 K(x_i, y_j)`` (n, d), blockwise."""
    total = 0.0
    grad = np.zeros_like(X)
    for si, sj in _block_pairs(X.shape[0], Y.shape[0], block_size):
        Kb, Gb = kernel.gram_and_weighted_gradient(X[si], Y[sj], weight)
        total += Kb.sum()
        grad[si] += Gb
    return total, grad


def mmd2_and_gradient(X, Y, kernel, unbiased=False, *, yy_term=None, block_size=DEFAULT_BLOCK_SIZE,
                      fast=True):
    """The squared MMD and its gradient with respect to the points ``X``.

    For the biased estimator, with ``n = len(X)`` and ``m = len(Y)``,

    ``d MMD^2 / d x_i = (2 / n^2) sum_l grad_1 K(x_i, x_l) - (2 / (n m)) sum_j grad_1 K(x_i, y_j)``

    (the factor 2 in the first sum because ``x_i`` appears in both arguments of
    a symmetric kernel). The unbiased estimator leaves out ``l = i`` and divides
    by ``n (n - 1)``.

    Parameters
    ----------
    X, Y, kernel, unbiased
        As in :func:`mmd2`.
    yy_term : float, optional
        The precomputed ``mean K(Y, Y)`` term (diagonal excluded when
        unbiased); the solver passes it since it does not depend on ``X``.
    fast : bool, default True
        For sums of RBF, rational quadratic and Matérn kernels, use the fused
        compiled loop of ``lecturekit._fast`` (same numbers, no kernel matrix in
        memory). False always uses the numpy code below, the one the book reads.

    Returns
    -------
    value : float
        The squared MMD.
    grad : array of shape (n_samples_X, n_features)
        Its gradient with respect to ``X``.

    Examples
    --------
    >>> from lecturekit.kernels import RBF
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0]])
    >>> value, grad = mmd2_and_gradient(X, X, RBF(1.0))
    >>> value, bool(np.allclose(grad, 0.0))
    (0.0, True)
    """
    _check_kernel(kernel)
    unbiased = check_bool(unbiased, "unbiased")
    min_samples = 2 if unbiased else 1
    X = check_samples(X, "X", min_samples=min_samples)
    Y = check_samples(Y, "Y", min_samples=min_samples)
    check_same_dimension(X, Y)
    block_size = check_int(block_size, "block_size")
    n, m = X.shape[0], Y.shape[0]
    norm_xx = n * (n - 1) if unbiased else n**2
    terms = _fast.fast_terms(kernel) if fast else None
    if terms is not None:
        # the same sums, fused and compiled (lecturekit/_fast.py)
        sxx, gxx = _fast.pair_sums(X, X, terms, 2.0 / norm_xx, exclude_diagonal=unbiased)
        sxy, gxy = _fast.pair_sums(X, Y, terms, 2.0 / (n * m))
    else:
        sxx, gxx = _self_term(kernel, X, 2.0 / norm_xx, unbiased, block_size)
        sxy, gxy = _cross_term(kernel, X, Y, 2.0 / (n * m), block_size)
    if yy_term is None:
        norm_yy = m * (m - 1) if unbiased else m**2
        yy_term = kernel_sum(kernel, Y, exclude_diagonal=unbiased, block_size=block_size) / norm_yy
    value = sxx / norm_xx + yy_term - 2.0 * sxy / (n * m)
    return float(value), gxx - gxy


def median_heuristic(X, Y=None, *, max_samples=1000, random_state=0):
    """The median distance ``|x_i - x_j|`` between distinct points (``X`` and ``Y`` pooled).

    A common data-driven lengthscale for ``RBF``: distances much shorter than
    it are "near", much longer are "far". At most ``max_samples`` points,
    drawn at random, are used.

    Returns
    -------
    float
        The median pairwise Euclidean distance, a lengthscale in the book's
        convention ``exp(-|x - y|^2 / (2 l^2))``.

    Examples
    --------
    >>> median_heuristic([[0.0], [1.0], [3.0]])
    2.0
    """
    X = check_samples(X, "X", min_samples=1)
    if Y is not None:
        Y = check_samples(Y, "Y")
        check_same_dimension(X, Y)
        X = np.vstack([X, Y])
    if X.shape[0] < 2:
        raise ValueError(
            f"the median heuristic needs at least 2 points, got {X.shape[0]}."
        )
    max_samples = check_int(max_samples, "max_samples", minimum=2)
    if X.shape[0] > max_samples:
        rng = check_random_state(random_state)
        X = X[rng.choice(X.shape[0], max_samples, replace=False)]
    from .kernels import sq_dists

    D = sq_dists(X, X)
    iu = np.triu_indices(X.shape[0], k=1)
    med = float(np.median(np.sqrt(D[iu])))
    if med == 0.0:
        raise ValueError(
            "the median heuristic is 0: more than half of the pairs of points coincide; "
            "pass a lengthscale explicitly."
        )
    return med

"""Fused, parallel kernel sums for the solver's hot loop (compiled with numba).

The readable implementation is :func:`lecturekit.mmd.mmd2_and_gradient`, which
builds kernel matrices block by block with numpy. The solver evaluates the
same two quantities hundreds of times,

* ``S = sum_{i, j} K(a_i, b_j)`` and
* ``G_i = w * sum_j grad_1 K(a_i, b_j)``,

for radial kernels ``K(a, b) = g(|a - b|^2)`` (RBF, rational quadratic,
Matérn and positive combinations of them). This module computes both in one
pass over the pairs, without any ``(n, m)`` temporary, in parallel over
``i``. It is an optimisation only: ``tests/test_fast.py`` checks it against
the numpy path, and every caller falls back to numpy when numba is missing
or the kernel is not a sum of radial terms.
"""

import numpy as np

from .kernels import RBF, Matern, RationalQuadratic, ScaledKernel, SumKernel

try:  # numba is a dependency, but the package still works without it
    import numba

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is absent
    HAVE_NUMBA = False

RBF_TERM, RQ_TERM, MATERN05_TERM, MATERN15_TERM, MATERN25_TERM = range(5)


def radial_terms(kernel, weight=1.0):
    """Flatten a positive combination of radial kernels into term arrays, or None.

    Returns ``(kinds, inv_l2, params, weights)`` with one entry per base kernel, or
    None when the kernel is not a positive sum of RBF, RationalQuadratic and Matern.
    """
    if isinstance(kernel, ScaledKernel):
        return radial_terms(kernel.kernel, weight * kernel.scale)
    if isinstance(kernel, SumKernel):
        left = radial_terms(kernel.k1, weight)
        right = radial_terms(kernel.k2, weight)
        if left is None or right is None:
            return None
        return tuple(np.concatenate([a, b]) for a, b in zip(left, right))
    if type(kernel) is RBF:
        kind, param = RBF_TERM, 0.0
    elif type(kernel) is RationalQuadratic:
        kind, param = RQ_TERM, kernel.alpha
    elif type(kernel) is Matern:
        kind = {0.5: MATERN05_TERM, 1.5: MATERN15_TERM, 2.5: MATERN25_TERM}[kernel.nu]
        param = 0.0
    else:
        return None
    return (
        np.array([kind], dtype=np.int64),
        np.array([1.0 / kernel.lengthscale**2]),
        np.array([param]),
        np.array([weight]),
    )


if HAVE_NUMBA:

    @numba.njit(fastmath=True, cache=True, nogil=True, inline="always")
    def _one_row(i, A, BT, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal,
                 row_sums, G):
        # Row i: the squared distances to every b_j, then each kernel term's value
        # and derivative in d/d(sq), all in simple loops over j that the compiler
        # vectorises; no (n, m) array is ever stored.
        d = A.shape[1]
        m = BT.shape[1]
        sq = np.zeros(m)
        for c in range(d):
            a = A[i, c]
            for j in range(m):
                diff = a - BT[c, j]
                sq[j] += diff * diff
        kv = np.zeros(m)  # kernel values k(a_i, b_j)
        dv = np.zeros(m)  # derivatives dk/d(sq)
        for t in range(kinds.shape[0]):
            il = inv_l2[t]
            w = weights[t]
            kind = kinds[t]
            if kind == 0:  # RBF: exp(-s / 2), s = sq / l^2
                for j in range(m):
                    e = np.exp(-0.5 * il * sq[j])
                    kv[j] += w * e
                    dv[j] -= 0.5 * w * il * e
            elif kind == 1:  # rational quadratic: (1 + s / (2 alpha))^-alpha
                alpha = params[t]
                if alpha == 1.0:
                    for j in range(m):
                        e = 1.0 / (1.0 + 0.5 * il * sq[j])
                        kv[j] += w * e
                        dv[j] -= 0.5 * w * il * e * e
                else:
                    for j in range(m):
                        base = 1.0 + il * sq[j] / (2.0 * alpha)
                        e = base ** (-alpha)
                        kv[j] += w * e
                        dv[j] -= 0.5 * w * il * e / base
            elif kind == 2:  # Matern 1/2: exp(-r), r = sqrt(s)
                for j in range(m):
                    r = np.sqrt(il * sq[j])
                    e = np.exp(-r)
                    kv[j] += w * e
                    if r > 0.0:
                        dv[j] -= w * il * e / (2.0 * r)
            elif kind == 3:  # Matern 3/2: (1 + sqrt(3 s)) exp(-sqrt(3 s))
                for j in range(m):
                    r = np.sqrt(3.0 * il * sq[j])
                    e = np.exp(-r)
                    kv[j] += w * (1.0 + r) * e
                    dv[j] -= 1.5 * w * il * e
            else:  # Matern 5/2: (1 + r + r^2 / 3) exp(-r), r = sqrt(5 s)
                for j in range(m):
                    r = np.sqrt(5.0 * il * sq[j])
                    e = np.exp(-r)
                    kv[j] += w * (1.0 + r + r * r / 3.0) * e
                    dv[j] -= (5.0 / 6.0) * w * il * (1.0 + r) * e
        if exclude_diagonal:
            kv[i] = 0.0
            dv[i] = 0.0
        total = 0.0
        dsum = 0.0
        for j in range(m):
            total += kv[j]
            dsum += dv[j]
        row_sums[i] = total
        # sum_j 2 dv_j (a_i - b_j) = 2 (a_i sum_j dv_j - sum_j dv_j b_j)
        for c in range(d):
            acc = 0.0
            for j in range(m):
                acc += dv[j] * BT[c, j]
            G[i, c] = 2.0 * grad_weight * (A[i, c] * dsum - acc)

    @numba.njit(parallel=True, fastmath=True, cache=True, nogil=True)
    def _pair_sums_parallel(A, B, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal):
        n, d = A.shape
        BT = np.ascontiguousarray(B.T)  # (d, m): unit stride in the inner loops
        row_sums = np.zeros(n)
        G = np.zeros((n, d))
        for i in numba.prange(n):
            _one_row(i, A, BT, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal,
                     row_sums, G)
        return row_sums.sum(), G

    @numba.njit(fastmath=True, cache=True, nogil=True)
    def _pair_sums_serial(A, B, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal):
        n, d = A.shape
        BT = np.ascontiguousarray(B.T)
        row_sums = np.zeros(n)
        G = np.zeros((n, d))
        for i in range(n):
            _one_row(i, A, BT, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal,
                     row_sums, G)
        return row_sums.sum(), G


#: Below this many pairs one thread is faster: starting threads costs more than it saves,
#: and on a busy machine a parallel loop waits for its slowest thread.
PARALLEL_MIN_PAIRS = 4_000_000


def pair_sums(A, B, terms, grad_weight, exclude_diagonal=False):
    """``(sum_ij K(a_i, b_j), grad_weight * sum_j grad_1 K(a_i, b_j))`` in one fused pass.

    ``terms`` comes from :func:`radial_terms`. With ``exclude_diagonal`` the
    pairs ``i = j`` are left out (``A`` and ``B`` must then be the same points).
    """
    kinds, inv_l2, params, weights = terms
    big = A.shape[0] * B.shape[0] >= PARALLEL_MIN_PAIRS
    run = _pair_sums_parallel if big else _pair_sums_serial
    return run(
        np.ascontiguousarray(A, dtype=np.float64),
        np.ascontiguousarray(B, dtype=np.float64),
        kinds, inv_l2, params, weights, float(grad_weight), bool(exclude_diagonal),
    )


def fast_terms(kernel):
    """The radial terms of ``kernel`` when the fused path applies, else None."""
    if not HAVE_NUMBA:
        return None
    return radial_terms(kernel)

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

Every sum is taken in a fixed order, whatever the number of threads: the
parallel loops write one partial sum per row (or per chunk of rows) into an
array, and one thread adds the partial sums in order. The results are
therefore the same bits on one core or on many, and the same as those of the
serial loops.

The second half of the module does the same for the random Fourier features of
:mod:`lecturekit.features`: the sums ``sum_j cos(w_k . y_j)`` and
``sum_j sin(w_k . y_j)`` (the mean embedding) and the gradient of the
random-feature MMD, tile by tile with a vectorised sine and cosine.
"""

import contextlib

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
    def _pair_rows_parallel(A, B, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal):
        # The rows in parallel, each into its own entry of row_sums. The total is left
        # to _sum_rows: a sum inside this function would be split between the threads,
        # and its last bits would depend on their number.
        n, d = A.shape
        BT = np.ascontiguousarray(B.T)  # (d, m): unit stride in the inner loops
        row_sums = np.zeros(n)
        G = np.zeros((n, d))
        for i in numba.prange(n):
            _one_row(i, A, BT, kinds, inv_l2, params, weights, grad_weight, exclude_diagonal,
                     row_sums, G)
        return row_sums, G

    @numba.njit(fastmath=True, cache=True, nogil=True)
    def _sum_rows(row_sums):
        # one thread, always the same order: the sum _pair_sums_serial takes
        return row_sums.sum()

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


@contextlib.contextmanager
def keyboard_interrupts():
    """Let Ctrl-C during a parallel compiled loop reach the caller as ``KeyboardInterrupt``.

    Python runs its SIGINT handler only between bytecodes. While numba's
    parallel loop runs, the first Python code executed is a small helper that
    numba's runtime calls (``numba.core.serialize._numba_unpickle``); the
    ``KeyboardInterrupt`` raised there does not pass through the compiled
    function, which reports ``SystemError: ... returned a result with an
    exception set`` instead, with the ``KeyboardInterrupt`` at the end of its
    chain of causes. This context turns such a ``SystemError`` back into
    ``KeyboardInterrupt``.
    """
    try:
        yield
    except SystemError as err:
        cause, seen = err, set()
        while cause is not None and id(cause) not in seen:
            if isinstance(cause, KeyboardInterrupt):
                raise KeyboardInterrupt from None
            seen.add(id(cause))
            cause = cause.__cause__ or cause.__context__
        raise


#: Below this many pairs one thread is faster: starting threads costs more than it saves,
#: and on a busy machine a parallel loop waits for its slowest thread.
PARALLEL_MIN_PAIRS = 4_000_000


def pair_sums(A, B, terms, grad_weight, exclude_diagonal=False):
    """``(sum_ij K(a_i, b_j), grad_weight * sum_j grad_1 K(a_i, b_j))`` in one fused pass.

    ``terms`` comes from :func:`radial_terms`. With ``exclude_diagonal`` the
    pairs ``i = j`` are left out (``A`` and ``B`` must then be the same points).
    Large inputs are computed in parallel over the rows of ``A``; the row sums
    are then added in row order on one thread, so the result does not depend
    on the number of threads.
    """
    # the compiled loops do not check their indices: wrong shapes must not reach them
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[1]:
        raise ValueError(
            f"pair_sums needs two 2-D arrays with the same number of columns, got shapes "
            f"{A.shape} and {B.shape}."
        )
    if exclude_diagonal and A.shape != B.shape:
        raise ValueError(
            f"pair_sums with exclude_diagonal=True leaves out the pairs (a_i, b_i) of the same "
            f"points, so A and B must have the same shape, got {A.shape} and {B.shape}."
        )
    kinds, inv_l2, params, weights = terms
    args = (np.ascontiguousarray(A, dtype=np.float64), np.ascontiguousarray(B, dtype=np.float64),
            kinds, inv_l2, params, weights, float(grad_weight), bool(exclude_diagonal))
    if A.shape[0] * B.shape[0] < PARALLEL_MIN_PAIRS:
        return _pair_sums_serial(*args)
    with keyboard_interrupts():
        row_sums, G = _pair_rows_parallel(*args)
    return _sum_rows(row_sums), G


def fast_terms(kernel):
    """The radial terms of ``kernel`` when the fused path applies, else None."""
    if not HAVE_NUMBA:
        return None
    return radial_terms(kernel)


# --------------------------------------------------------------------------------------
# Random Fourier features (lecturekit.features)
# --------------------------------------------------------------------------------------
#
# The readable implementation is in lecturekit/features.py: ``P = X @ W.T`` then
# numpy's cos and sin of the whole ``(n, D)`` matrix. Here the same sums are taken
# tile by tile (``RFF_ROWS`` points by ``RFF_TILE`` frequencies, a few hundred KB),
# and cos and sin come from one inlined polynomial ``_sincos`` that the compiler
# vectorises: on the development machine ~1.5 ns for both, against ~28 ns for
# numpy's cos plus sin.
#
# ``_sincos`` is fdlibm's scheme (the one behind most C libraries' sin and cos):
# ``x = q pi/2 + r`` with ``|r| <= pi/4``, ``pi/2`` split into three parts (Cody and
# Waite) so that ``r`` is exact to about one rounding for ``|x| < 2^20``; then
# fdlibm's minimax polynomials for sin and cos on ``[-pi/4, pi/4]`` (errors below
# one unit in the last place) and the quadrant ``q mod 4`` picks signs and swaps
# them. For ``|x| > RFF_SINCOS_LIMIT`` (and for inf or nan) the entry is redone with
# libm's cos and sin, which reduce exactly; with sensible data that never happens.
#
# These functions must not be compiled with fastmath's reassociation: it would
# undo the split reduction and fdlibm's compensated sums. ``_STRICT`` allows only
# fused multiply-adds, which keep (or improve) every step's accuracy.

_STRICT = {"contract"}

#: Above this |w . x| the fast sin/cos hands the entry to libm (the reduction of the
#: polynomial stays exact to about one rounding up to ~1.6e6).
RFF_SINCOS_LIMIT = 2.0**19
#: Frequencies per tile (the tiles are padded with zero frequencies to a multiple of 8).
RFF_TILE = 256
#: Points per tile.
RFF_ROWS = 64
#: From this dimension on, the tile products ``X_tile @ W_tile.T`` go to BLAS
#: (one call per tile); below it a simple loop is faster than the call.
RFF_BLAS_MIN_DIMS = 4
#: Below this many (point, frequency) terms per pass the loops run on one thread
#: (about 3.5 ms of work: compare PARALLEL_MIN_PAIRS, the same trade-off for the
#: exact sums). On two idle cores the parallel loops are twice as fast from ~2e5
#: terms on, but on a busy machine a parallel loop waits for its slowest thread.
RFF_PARALLEL_MIN_TERMS = 2_000_000
#: The most chunk sums held at once by :func:`rff_sums` (more chunks are summed in
#: batches of this many, the batches added in order).
RFF_MAX_CHUNKS = 256
#: Points per chunk in the first pass of the value-and-gradient (the mean
#: features of X): chunks are summed separately, in parallel when large enough.
RFF_X_CHUNK = 512

_TWO_OVER_PI = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # first 33 bits of pi/2
_PIO2_2 = 6.07710050630396597660e-11  # next 33 bits
_PIO2_2T = 2.02226624879595063154e-21  # pi/2 - _PIO2_1 - _PIO2_2
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11


def rff_tiles(W, tile=None):
    """The frequencies ``W`` (shape ``(D, d)``) laid out in tiles for the fused loops.

    Returns ``(WT3, Wpad)``: ``WT3[t]`` is tile ``t`` transposed, shape ``(d, T)``,
    and ``Wpad`` is ``W`` padded with zero rows to ``n_tiles * T`` (``T`` a
    multiple of 8 near ``tile``). The zero frequencies of the padding give
    ``cos = 1`` and ``sin = 0``; their sums are dropped.
    """
    D, d = W.shape
    tile = RFF_TILE if tile is None else tile
    n_tiles = -(-D // tile)
    T = -(-(-(-D // n_tiles)) // 8) * 8
    Wpad = np.zeros((n_tiles * T, d))
    Wpad[:D] = W
    WT3 = np.ascontiguousarray(Wpad.reshape(n_tiles, T, d).transpose(0, 2, 1))
    return WT3, Wpad


if HAVE_NUMBA:

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True, inline="always")
    def _sincos(x):
        # (sin x, cos x) for |x| <= RFF_SINCOS_LIMIT, fdlibm's reduction and kernels
        q = np.floor(x * _TWO_OVER_PI + 0.5)
        r = x - q * _PIO2_1
        r = r - q * _PIO2_2
        r = r - q * _PIO2_2T
        z = r * r
        sn = r + (z * r) * (_S1 + z * (_S2 + z * (_S3 + z * (_S4 + z * (_S5 + z * _S6)))))
        hz = 0.5 * z
        w = 1.0 - hz
        tail = z * z * (_C1 + z * (_C2 + z * (_C3 + z * (_C4 + z * (_C5 + z * _C6)))))
        cs = w + (((1.0 - w) - hz) + tail)
        iq = np.int64(q)
        odd = (iq & 1) != 0
        s = cs if odd else sn
        c = sn if odd else cs
        s = -s if (iq & 2) != 0 else s
        c = -c if ((iq + 1) & 2) != 0 else c
        return s, c

    @numba.njit(fastmath=True, cache=True, nogil=True)
    def _dot(a, b):
        # sum_k a_k b_k, reassociated into vector lanes (its own fastmath function,
        # so that the flags do not reach _sincos)
        acc = 0.0
        for k in range(a.shape[0]):
            acc += a[k] * b[k]
        return acc

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _tile_product(A, j0, nb, WT, P, use_blas):
        # P[:nb] = A[j0:j0 + nb] @ WT, WT of shape (d, T)
        d = A.shape[1]
        if use_blas and nb == P.shape[0]:
            np.dot(A[j0:j0 + nb], WT, P)
            return
        if use_blas:
            P[:nb] = np.dot(A[j0:j0 + nb], WT)
            return
        T = WT.shape[1]
        for j in range(nb):
            row = P[j]
            a = A[j0 + j, 0]
            w = WT[0]
            for k in range(T):
                row[k] = a * w[k]
            for c in range(1, d):
                a = A[j0 + j, c]
                w = WT[c]
                for k in range(T):
                    row[k] += a * w[k]

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _chunk_sums(Y, start, stop, WT3, use_blas, limit, out):
        # out[0, t*T + k] += sum_j cos(w . y_j), out[1, ...] += sum_j sin(...), j in [start, stop)
        n_tiles, _, T = WT3.shape
        P = np.empty((RFF_ROWS, T))
        for j0 in range(start, stop, RFF_ROWS):
            nb = min(RFF_ROWS, stop - j0)
            for t in range(n_tiles):
                _tile_product(Y, j0, nb, WT3[t], P, use_blas)
                acc_c = out[0, t * T:(t + 1) * T]
                acc_s = out[1, t * T:(t + 1) * T]
                for j in range(nb):
                    row = P[j]
                    n_bad = 0
                    for k in range(T):
                        x = row[k]
                        ok = abs(x) <= limit  # False for inf and nan
                        s, c = _sincos(x if ok else 0.0)
                        acc_c[k] += c if ok else 0.0
                        acc_s[k] += s if ok else 0.0
                        n_bad += 0 if ok else 1
                    if n_bad > 0:  # rare: entries too large for the fast reduction
                        for k in range(T):
                            x = row[k]
                            if not abs(x) <= limit:
                                acc_c[k] += np.cos(x)
                                acc_s[k] += np.sin(x)

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True, parallel=True)
    def _rff_sums_parallel(Y, WT3, chunk, use_blas, limit, partial):
        # partial[i] = the sums over chunk i (partial starts at zero)
        n = Y.shape[0]
        for i in numba.prange(partial.shape[0]):
            _chunk_sums(Y, i * chunk, min(n, (i + 1) * chunk), WT3, use_blas, limit, partial[i])

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _rff_sums_serial(Y, WT3, chunk, use_blas, limit, partial):
        n = Y.shape[0]
        for i in range(partial.shape[0]):
            _chunk_sums(Y, i * chunk, min(n, (i + 1) * chunk), WT3, use_blas, limit, partial[i])

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _sum_chunks(partial):
        # the chunk sums added in order (the same numbers however they were computed)
        total = partial[0].copy()
        for i in range(1, partial.shape[0]):
            total += partial[i]
        return total

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _gradient_rows(X, j0, nb, WT3, Wpad, a, b, use_blas, limit, G):
        # G[j0 + j] = sum_k (a_k cos(w_k . x_j) + b_k sin(w_k . x_j)) w_k, j < nb
        n_tiles, d, T = WT3.shape
        P = np.empty((RFF_ROWS, T))
        R = np.empty((RFF_ROWS, T))
        Gb = np.zeros((RFF_ROWS, d))
        for t in range(n_tiles):
            _tile_product(X, j0, nb, WT3[t], P, use_blas)
            at = a[t * T:(t + 1) * T]
            bt = b[t * T:(t + 1) * T]
            for j in range(nb):
                row = P[j]
                r = R[j]
                n_bad = 0
                for k in range(T):
                    x = row[k]
                    ok = abs(x) <= limit
                    s, c = _sincos(x if ok else 0.0)
                    r[k] = (at[k] * c + bt[k] * s) if ok else 0.0
                    n_bad += 0 if ok else 1
                if n_bad > 0:
                    for k in range(T):
                        x = row[k]
                        if not abs(x) <= limit:
                            r[k] = at[k] * np.cos(x) + bt[k] * np.sin(x)
            if use_blas:
                Gb[:nb] += np.dot(R[:nb], Wpad[t * T:(t + 1) * T])
            else:
                WT = WT3[t]
                for j in range(nb):
                    for c in range(d):
                        Gb[j, c] += _dot(R[j], WT[c])
        G[j0:j0 + nb] = Gb[:nb]

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True, parallel=True)
    def _rff_gradient_parallel(X, WT3, Wpad, a, b, use_blas, limit):
        n, d = X.shape
        G = np.empty((n, d))
        n_blocks = (n + RFF_ROWS - 1) // RFF_ROWS
        for i in numba.prange(n_blocks):
            j0 = i * RFF_ROWS
            _gradient_rows(X, j0, min(RFF_ROWS, n - j0), WT3, Wpad, a, b, use_blas, limit, G)
        return G

    @numba.njit(fastmath=_STRICT, cache=True, nogil=True)
    def _rff_gradient_serial(X, WT3, Wpad, a, b, use_blas, limit):
        n, d = X.shape
        G = np.empty((n, d))
        for j0 in range(0, n, RFF_ROWS):
            _gradient_rows(X, j0, min(RFF_ROWS, n - j0), WT3, Wpad, a, b, use_blas, limit, G)
        return G


def _check_points(X, W):
    # the compiled loops do not check their indices: wrong shapes must not reach them
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] != W.shape[1]:
        raise ValueError(
            f"the points must have shape (n_samples, {W.shape[1]}) with n_samples >= 1 "
            f"like the random features' frequencies, got shape {X.shape}."
        )


def _rff_options(n, D, d):
    return n * D >= RFF_PARALLEL_MIN_TERMS, d >= RFF_BLAS_MIN_DIMS


_blas_controller = None


def _one_blas_thread(use_blas):
    """Limit BLAS to one thread while the fused loops call it (from numba's threads).

    BLAS threads on top of numba's oversubscribe the cores: on a busy 2-core
    machine that made the 64-dimensional case up to 15 times slower. The
    controller is made once (a limit then costs ~10 us; the solver has already
    set the same limit).
    """
    global _blas_controller
    if not use_blas:
        return contextlib.nullcontext()
    if _blas_controller is None:
        import scipy.linalg.cython_blas  # noqa: F401  (loads the BLAS that numba's np.dot calls)
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


def one_blas_thread():
    """A context in which BLAS runs on one thread (``KernelTransport`` fits and samples in it).

    The solver's matrix products are small, so BLAS threads only add start-up
    and waiting costs (large on a busy machine); and on one thread the results
    cannot depend on the number of cores. The same limit as
    ``threadpoolctl.threadpool_limits(limits=1, user_api="blas")``, from a
    controller made once.
    """
    return _one_blas_thread(True)


def rff_sums(Y, W, chunk, tiles=None):
    """``(sum_j cos(W y_j), sum_j sin(W y_j))``, each of shape ``(D,)``, in one fused pass.

    The points are taken in chunks of ``chunk``; each chunk is summed on its own
    (in parallel for large inputs) and the chunk sums are added in order, so the
    result does not depend on the number of threads. Memory: ``2 D`` floats per
    chunk, for at most ``RFF_MAX_CHUNKS`` chunks at a time, plus one tile per thread.
    """
    Y = np.ascontiguousarray(Y, dtype=np.float64)
    _check_points(Y, W)
    n, d = Y.shape
    D = W.shape[0]
    chunk = int(chunk)
    WT3, _ = rff_tiles(W) if tiles is None else tiles
    parallel, use_blas = _rff_options(n, D, d)
    run = _rff_sums_parallel if parallel and n > chunk else _rff_sums_serial
    # at most RFF_MAX_CHUNKS chunk sums in memory at once (2 n_features floats each)
    per_batch = RFF_MAX_CHUNKS * chunk
    total = None
    with _one_blas_thread(use_blas), keyboard_interrupts():
        for start in range(0, n, per_batch):
            Yb = Y[start:start + per_batch]
            partial = np.zeros((-(-Yb.shape[0] // chunk), 2, WT3.shape[0] * WT3.shape[2]))
            run(Yb, WT3, chunk, use_blas, float(RFF_SINCOS_LIMIT), partial)
            batch = _sum_chunks(partial)
            total = batch if total is None else total + batch
    return total[0, :D], total[1, :D]


def rff_value_and_gradient(X, W, mass, target_embedding):
    """The fused form of :func:`lecturekit.features.rff_mmd2_and_gradient` (same arguments).

    Two passes over ``X``: the mean features (chunked sums, as :func:`rff_sums`),
    then the gradient rows, each a sum over the frequencies; nothing of size
    ``(n, D)`` is stored.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    _check_points(X, W)
    n, d = X.shape
    D = W.shape[0]
    target_embedding = np.asarray(target_embedding, dtype=np.float64)
    if target_embedding.shape != (2 * D,):
        raise ValueError(
            f"target_embedding must have shape ({2 * D},) for {D} random features, "
            f"got {target_embedding.shape}."
        )
    tiles = rff_tiles(W)
    WT3, Wpad = tiles
    s = np.sqrt(mass / D)
    sum_cos, sum_sin = rff_sums(X, W, RFF_X_CHUNK, tiles)
    delta_cos = s * (sum_cos / n) - target_embedding[:D]
    delta_sin = s * (sum_sin / n) - target_embedding[D:]
    value = float(delta_cos @ delta_cos + delta_sin @ delta_sin)
    # d value / d x_i = (2 s / n) sum_k (cos_ik delta_sin_k - sin_ik delta_cos_k) w_k
    a = np.zeros(Wpad.shape[0])
    b = np.zeros(Wpad.shape[0])
    a[:D] = (2.0 * s / n) * delta_sin
    b[:D] = (-2.0 * s / n) * delta_cos
    parallel, use_blas = _rff_options(n, D, d)
    run = _rff_gradient_parallel if parallel and n > RFF_ROWS else _rff_gradient_serial
    with _one_blas_thread(use_blas), keyboard_interrupts():
        grad = run(X, WT3, Wpad, a, b, use_blas, float(RFF_SINCOS_LIMIT))
    return value, grad

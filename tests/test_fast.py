"""The fused compiled path (lecturekit._fast) against the readable numpy path."""

import numpy as np
import pytest

import lecturekit as lk
from lecturekit import _fast
from lecturekit.kernels import RBF, Laplace, Matern, Polynomial, RationalQuadratic

pytestmark = pytest.mark.skipif(not _fast.HAVE_NUMBA, reason="numba is not installed")

RADIAL = [
    RBF(0.5),
    RationalQuadratic(0.3, 1.0),
    RationalQuadratic(0.8, 2.5),
    Matern(0.7, 0.5),
    Matern(0.9, 1.5),
    Matern(1.1, 2.5),
    lk.default_mmd_kernel(3),
    2.0 * (RBF(0.4) + 0.5 * RationalQuadratic(1.0, 1.0)) + Matern(2.0, 2.5),
]


@pytest.mark.parametrize("kernel", RADIAL, ids=repr)
@pytest.mark.parametrize("unbiased", [False, True])
def test_fused_path_equals_numpy_path(kernel, unbiased):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((130, 3))
    Y = rng.standard_normal((90, 3)) * 1.5 + 0.3
    X[5] = X[7]  # a repeated point: the Matérn 1/2 gradient at r = 0 is taken as 0
    v_fast, g_fast = lk.mmd2_and_gradient(X, Y, kernel, unbiased, fast=True)
    v_ref, g_ref = lk.mmd2_and_gradient(X, Y, kernel, unbiased, fast=False)
    assert v_fast == pytest.approx(v_ref, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(g_fast, g_ref, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("kernel", [Laplace(1.0), Polynomial(2, 1.0), RBF(1.0) * RBF(2.0),
                                    RBF(1.0) + Laplace(1.0)], ids=repr)
def test_kernels_without_a_fused_form_fall_back(kernel):
    assert _fast.radial_terms(kernel) is None
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((20, 2)), rng.standard_normal((25, 2))
    v, g = lk.mmd2_and_gradient(X, Y, kernel)
    assert v == pytest.approx(lk.mmd2(X, Y, kernel), rel=1e-12)


def test_radial_terms_flatten_weights():
    kinds, inv_l2, params, weights = _fast.radial_terms(3.0 * (RBF(2.0) + 0.5 * RationalQuadratic(1.0, 2.0)))
    assert kinds.tolist() == [_fast.RBF_TERM, _fast.RQ_TERM]
    np.testing.assert_allclose(inv_l2, [0.25, 1.0])
    np.testing.assert_allclose(params, [0.0, 2.0])
    np.testing.assert_allclose(weights, [3.0, 1.5])


def test_parallel_and_serial_loops_agree(monkeypatch):
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((150, 2)), rng.standard_normal((120, 2))
    K = lk.default_mmd_kernel(2) + 0.5 * RBF(0.3)
    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 0)
    v_par, g_par = lk.mmd2_and_gradient(X, Y, K)
    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 10**12)
    v_ser, g_ser = lk.mmd2_and_gradient(X, Y, K)
    # the same rows, summed in the same order: the same bits
    assert v_par == v_ser
    assert np.array_equal(g_par, g_ser)


@pytest.mark.parametrize("shapes, exclude_diagonal", [
    (((5, 2), (3, 2)), True),    # wrote past the end of a length-3 array
    (((3, 2), (5, 2)), True),
    (((4, 2), (4, 3)), False),   # read past the end of B's rows
    (((4,), (4, 2)), False),
])
def test_pair_sums_rejects_shapes_its_loop_cannot_handle(shapes, exclude_diagonal):
    """The compiled loop does not check its indices: pair_sums checks the shapes first."""
    terms = _fast.radial_terms(RBF(1.0))
    A, B = np.zeros(shapes[0]), np.zeros(shapes[1])
    with pytest.raises(ValueError, match="pair_sums"):
        _fast.pair_sums(A, B, terms, 1.0, exclude_diagonal=exclude_diagonal)


def _with_threads(n_threads, function):
    """``function()`` computed with numba limited to ``n_threads`` threads."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        return function()
    finally:
        numba.set_num_threads(before)


def _two_threads_available():
    import numba

    return numba.config.NUMBA_NUM_THREADS >= 2


@pytest.mark.skipif(not _two_threads_available(), reason="needs numba with at least 2 threads")
@pytest.mark.parametrize("unbiased", [False, True])
def test_parallel_sums_do_not_depend_on_the_number_of_threads(monkeypatch, unbiased):
    """The parallel loop sums its rows in a fixed order: 1 or 2 threads, the same bits."""
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((3000, 2)), rng.standard_normal((2000, 2)) + 0.3
    K = lk.default_mmd_kernel(2)
    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 0)
    one = _with_threads(1, lambda: lk.mmd2_and_gradient(X, Y, K, unbiased))
    two = _with_threads(2, lambda: lk.mmd2_and_gradient(X, Y, K, unbiased))
    assert one[0] == two[0]
    assert np.array_equal(one[1], two[1])


def _interrupt_after(seconds):
    """A started timer that sends SIGINT (Ctrl-C) to this process after ``seconds``."""
    import os
    import signal
    import threading

    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


needs_sigint = pytest.mark.skipif(
    __import__("sys").platform == "win32" or not hasattr(__import__("signal"), "SIGINT"),
    reason="sends SIGINT to the process")


@needs_sigint
@pytest.mark.parametrize("loop", ["pairs", "rff"])
def test_ctrl_c_in_a_parallel_loop_is_a_keyboard_interrupt(monkeypatch, loop):
    """numba reports Ctrl-C in a parallel loop as SystemError; the caller sees KeyboardInterrupt."""
    import time

    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 0)
    monkeypatch.setattr(_fast, "RFF_PARALLEL_MIN_TERMS", 0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 2))
    if loop == "pairs":
        terms = _fast.radial_terms(lk.default_mmd_kernel(2))

        def work():
            return _fast.pair_sums(X, X, terms, 1.0)
    else:
        W = rng.standard_normal((2000, 2))

        def work():
            return _fast.rff_value_and_gradient(X, W, 1.0, np.zeros(4000))
    work()  # compiled before the clock starts
    timer = _interrupt_after(0.3)
    deadline = time.monotonic() + 30.0
    try:
        with pytest.raises(KeyboardInterrupt):
            while time.monotonic() < deadline:
                work()
    finally:
        timer.cancel()
    value, _ = work()  # the loops still work afterwards
    assert np.isfinite(value)


# -- random Fourier features ------------------------------------------------------
from lecturekit.features import RandomFourierFeatures, rff_mmd2_and_gradient  # noqa: E402

RFF_KERNELS = [
    RBF(0.7),
    RationalQuadratic(0.8, 1.5),
    Matern(0.9, 1.5),
    Laplace(0.5),  # Cauchy frequencies: some |w . x| in the hundreds
    2.0 * (RBF(1.0) + RationalQuadratic(0.3, 0.5)),
    RBF(0.6) * Laplace(3.0) + 0.5 * Matern(1.0, 2.5),
]
# (n, D, d): one point; n < RFF_ROWS; n not a multiple of RFF_ROWS; D below, at and
# above a tile (partial, padded last tile); d = 1, small (loops) and >= 6 (BLAS tiles)
RFF_SHAPES = [(1, 3, 1), (5, 40, 2), (130, 256, 2), (203, 700, 3), (70, 260, 7), (90, 500, 64)]


def _rff_case(kernel, n, D, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * 1.5
    Y = rng.standard_normal((n + 57, d)) + 0.3
    rff = RandomFourierFeatures(kernel, D, random_state=seed).fit(Y)
    return X, Y, rff


def _assert_embeddings_close(fast, ref):
    np.testing.assert_allclose(fast, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


@pytest.mark.parametrize("kernel", RFF_KERNELS, ids=repr)
@pytest.mark.parametrize("n, D, d", RFF_SHAPES)
def test_rff_fused_value_and_gradient_equal_numpy(kernel, n, D, d):
    X, Y, rff = _rff_case(kernel, n, D, d)
    e = rff.mean_embedding(Y, fast=False)
    v_fast, g_fast = rff_mmd2_and_gradient(X, rff, e, fast=True)
    v_ref, g_ref = rff_mmd2_and_gradient(X, rff, e, fast=False)
    assert g_fast.shape == g_ref.shape == (n, d)
    assert v_fast == pytest.approx(v_ref, rel=1e-10, abs=1e-15)
    np.testing.assert_allclose(g_fast, g_ref, rtol=1e-9, atol=1e-10 * np.abs(g_ref).max())


@pytest.mark.parametrize("kernel", RFF_KERNELS, ids=repr)
@pytest.mark.parametrize("n, D, d", RFF_SHAPES)
def test_rff_fused_mean_embedding_equals_numpy(kernel, n, D, d):
    _, Y, rff = _rff_case(kernel, n, D, d)
    fast = rff.mean_embedding(Y, block_size=100, fast=True)
    ref = rff.mean_embedding(Y, block_size=100, fast=False)
    assert fast.shape == (2 * D,)
    _assert_embeddings_close(fast, ref)


@pytest.mark.parametrize("n, D, d", RFF_SHAPES)
@pytest.mark.parametrize("block_size", [1, 7, 64, 8192])
def test_rff_fused_mean_embedding_block_sizes(n, D, d, block_size):
    # one point per block, partial last blocks, fewer points than one block
    _, Y, rff = _rff_case(RationalQuadratic(0.5, 1.0), n, D, d)
    fast = rff.mean_embedding(Y, block_size=block_size, fast=True)
    _assert_embeddings_close(fast, rff.mean_embedding(Y, block_size=block_size, fast=False))
    _assert_embeddings_close(fast, rff.transform(Y).mean(axis=0))


@pytest.mark.parametrize("max_chunks", [1, 3, 256])
def test_rff_mean_embedding_in_batches_of_chunks(monkeypatch, max_chunks):
    _, Y, rff = _rff_case(RBF(0.8), 100, 300, 2, seed=3)
    ref = rff.mean_embedding(Y, block_size=7, fast=False)
    monkeypatch.setattr(_fast, "RFF_MAX_CHUNKS", max_chunks)
    _assert_embeddings_close(rff.mean_embedding(Y, block_size=7), ref)


@pytest.mark.parametrize("blas_min_dims", [1, 10**6], ids=["blas", "loops"])
@pytest.mark.parametrize("d", [1, 3, 9])
def test_rff_tile_products_by_blas_and_by_loops(monkeypatch, blas_min_dims, d):
    X, Y, rff = _rff_case(RBF(1.0) + Laplace(2.0), 150, 300, d, seed=1)
    e = rff.mean_embedding(Y, fast=False)
    monkeypatch.setattr(_fast, "RFF_BLAS_MIN_DIMS", blas_min_dims)
    _assert_embeddings_close(rff.mean_embedding(Y, block_size=50), e)
    v_fast, g_fast = rff_mmd2_and_gradient(X, rff, e)
    v_ref, g_ref = rff_mmd2_and_gradient(X, rff, e, fast=False)
    assert v_fast == pytest.approx(v_ref, rel=1e-10)
    np.testing.assert_allclose(g_fast, g_ref, rtol=1e-9, atol=1e-10 * np.abs(g_ref).max())


@pytest.mark.parametrize("d", [2, 8])
def test_rff_parallel_and_serial_loops_give_the_same_numbers(monkeypatch, d):
    # the chunk sums are added in a fixed order: the thread count does not matter
    X, Y, rff = _rff_case(RBF(0.5), 700, 300, d, seed=2)
    Y = np.vstack([Y] * 20)
    e = rff.mean_embedding(Y, fast=False)
    monkeypatch.setattr(_fast, "RFF_MAX_CHUNKS", 4)  # the 16 blocks of Y in 4 batches
    results = []
    for min_terms in (0, 10**15):
        monkeypatch.setattr(_fast, "RFF_PARALLEL_MIN_TERMS", min_terms)
        results.append((rff.mean_embedding(Y, block_size=1000),) + rff_mmd2_and_gradient(X, rff, e))
    (e_par, v_par, g_par), (e_ser, v_ser, g_ser) = results
    np.testing.assert_array_equal(e_par, e_ser)
    assert v_par == v_ser
    np.testing.assert_array_equal(g_par, g_ser)
    _assert_embeddings_close(e_par, e)


def test_fast_sincos_is_accurate_to_two_units_in_the_last_place():
    rng = np.random.default_rng(3)
    x = np.concatenate([
        rng.standard_normal(300) * 3.0,
        rng.uniform(-1e-6, 1e-6, 50),
        np.arange(-40, 41) * (np.pi / 4),  # quadrant boundaries and the edges of the reduction
        np.arange(-40, 41) * (np.pi / 2) + 1e-12,
        rng.uniform(-_fast.RFF_SINCOS_LIMIT, _fast.RFF_SINCOS_LIMIT, 300),
        [0.0, -0.0, _fast.RFF_SINCOS_LIMIT, 355.0, 103993.0],  # 355 / 113 and 103993 / 33102 are close to pi
    ])
    s, c = np.array([_fast._sincos(v) for v in x]).T
    for fast, ref in ((s, np.sin(x)), (c, np.cos(x))):
        ulp = np.spacing(np.maximum(np.abs(ref), 1e-300))
        assert np.all(np.abs(fast - ref) <= 2 * ulp + 1e-300)


@pytest.mark.parametrize("limit", [0.5, _fast.RFF_SINCOS_LIMIT])
def test_rff_large_arguments_go_to_libm(monkeypatch, limit):
    # d = 1: w . x is one product, computed identically by numpy and the loops
    rng = np.random.default_rng(4)
    X = np.concatenate([rng.standard_normal(40), rng.uniform(-1e8, 1e8, 30), [3e12]])[:, None]
    rff = RandomFourierFeatures(RBF(0.3), 120, random_state=5).fit(X)
    e = rff.mean_embedding(X[::-1] + 0.5, fast=False)
    monkeypatch.setattr(_fast, "RFF_SINCOS_LIMIT", limit)
    _assert_embeddings_close(rff.mean_embedding(X), rff.mean_embedding(X, fast=False))
    v_fast, g_fast = rff_mmd2_and_gradient(X, rff, e)
    v_ref, g_ref = rff_mmd2_and_gradient(X, rff, e, fast=False)
    assert v_fast == pytest.approx(v_ref, rel=1e-12)
    np.testing.assert_allclose(g_fast, g_ref, rtol=1e-10, atol=1e-12 * np.abs(g_ref).max())


def test_rff_non_finite_points_give_nan_like_numpy():
    X = np.array([[0.0, 1.0], [np.inf, 0.0]])
    rff = RandomFourierFeatures(RBF(1.0), 20, random_state=0).fit(X[:1])
    e = rff.mean_embedding(X[:1])
    for fast in (True, False):
        with np.errstate(invalid="ignore"):  # numpy warns about cos(inf)
            v, g = rff_mmd2_and_gradient(X, rff, e, fast=fast)
        assert np.isnan(v) and np.isnan(g).all()


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")  # max_iter=40
def test_rff_solver_fits_the_same_map_with_and_without_the_fused_path(monkeypatch):
    Y = lk.make_toy("moons", 600, random_state=0)
    fits = []
    for have_numba in (True, False):
        monkeypatch.setattr(_fast, "HAVE_NUMBA", have_numba)
        fits.append(lk.KernelTransport(n_features=300, max_iter=40, random_state=0).fit(Y))
    fast, ref = fits
    assert fast.n_iter_ == ref.n_iter_
    assert fast.mmd2_ == pytest.approx(ref.mmd2_, rel=1e-6)
    np.testing.assert_allclose(fast.coef_, ref.coef_, rtol=1e-6, atol=1e-8 * np.abs(ref.coef_).max())


@pytest.mark.parametrize("shape", [(5, 3), (0, 2), (4,)])
def test_rff_fused_path_rejects_wrong_shapes(shape):
    # the compiled loops do not check indices, so the wrappers check the shapes
    rff = RandomFourierFeatures(RBF(1.0), 20, random_state=0).fit(np.zeros((3, 2)))
    e = rff.mean_embedding(np.ones((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        rff_mmd2_and_gradient(np.zeros(shape), rff, e)
    with pytest.raises(ValueError, match="shape"):
        _fast.rff_sums(np.zeros(shape), rff.frequencies_, 10)


def test_rff_fused_path_rejects_a_wrong_target_embedding():
    rff = RandomFourierFeatures(RBF(1.0), 20, random_state=0).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="target_embedding"):
        rff_mmd2_and_gradient(np.zeros((3, 2)), rff, np.zeros(20))

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
    assert v_par == pytest.approx(v_ser, rel=1e-12)
    np.testing.assert_allclose(g_par, g_ser, rtol=1e-10, atol=1e-15)

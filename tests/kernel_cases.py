"""The one list of kernels that the kernel, MMD and random-feature tests run over."""

import pytest

from lecturekit.kernels import RBF, Laplace, Matern, Polynomial, RationalQuadratic

ALL_KERNELS = [
    pytest.param(RBF(0.7), id="rbf"),
    pytest.param(RationalQuadratic(0.8, 1.5), id="rq"),
    pytest.param(Matern(0.9, 0.5), id="matern05"),
    pytest.param(Matern(0.9, 1.5), id="matern15"),
    pytest.param(Matern(0.9, 2.5), id="matern25"),
    pytest.param(Laplace(1.1), id="laplace"),
    pytest.param(Polynomial(2, 1.0), id="poly2"),
    pytest.param(Polynomial(3, 0.5), id="poly3"),
    pytest.param(RBF(1.0) + Matern(0.5, 2.5), id="rbf+matern"),
    pytest.param(2.0 * RBF(0.3), id="2*rbf"),
    pytest.param(RBF(1.0) * RationalQuadratic(2.0, 1.0), id="rbf*rq"),
    pytest.param(0.5 * (RBF(0.5) + RBF(2.0)), id="0.5*(rbf+rbf)"),
    pytest.param((RBF(1.0) + Polynomial(2)) * Laplace(1.0), id="(rbf+poly)*laplace"),
]

#: The kernels with random Fourier features (stationary ones and their combinations).
STATIONARY_KERNELS = [case for case in ALL_KERNELS if case.values[0].stationary]

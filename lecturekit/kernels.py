"""Kernels as small callable objects (book chapters 3 and 4).

Every kernel ``k`` is called as ``k(X, Y=None)`` and returns the Gram matrix
``k(X, Y)[i, j] = k(x_i, y_j)`` of shape ``(n_samples_X, n_samples_Y)``;
``k(X)`` means ``k(X, X)``. Kernels compose: ``k1 + k2``, ``k1 * k2`` and
``c * k`` for a number ``c > 0`` are kernels again.

One lengthscale convention is used throughout: with ``r = |x - y|`` the RBF
kernel is ``exp(-r^2 / (2 l^2))`` and every other stationary kernel is written
in terms of ``r / l`` in the same way.

Each kernel also gives the gradient with respect to its first argument, which
the MMD gradient needs, through :meth:`Kernel.gradient` (the full
``(n, m, d)`` array, for checking) and :meth:`Kernel.weighted_gradient`
(``sum_j W[i, j] * grad_x k(x_i, y_j)``, without the ``(n, m, d)`` array).
"""

import json
import numbers

import numpy as np

from ._validation import check_int, check_positive, check_same_dimension, check_samples

__all__ = [
    "Kernel",
    "StationaryKernel",
    "RBF",
    "RationalQuadratic",
    "Matern",
    "Laplace",
    "Polynomial",
    "SumKernel",
    "ProductKernel",
    "ScaledKernel",
    "make_kernel",
    "kernel_to_dict",
    "kernel_from_dict",
]


def _pair(X, Y):
    X = check_samples(X, "X")
    if Y is None:
        return X, X
    Y = check_samples(Y, "Y")
    check_same_dimension(X, Y)
    return X, Y


def sq_dists(X, Y):
    """Squared Euclidean distances ``|x_i - y_j|^2``, shape ``(n, m)``, clipped at 0."""
    # |x|^2 + |y|^2 - 2 x.y : (n, 1) + (1, m) - (n, d) @ (d, m) -> (n, m)
    nx = np.einsum("ij,ij->i", X, X)[:, None]
    ny = np.einsum("ij,ij->i", Y, Y)[None, :]
    D = nx + ny
    D -= 2.0 * (X @ Y.T)
    # below the rounding level of this formula (~eps (|x|^2 + |y|^2)) the true value
    # is indistinguishable from 0; set it to 0 so that k(x, x) is exact
    D[D <= 8.0 * np.finfo(float).eps * (nx + ny)] = 0.0
    return D


class Kernel:
    """Base class: a positive semi-definite kernel ``k(x, y)`` on ``R^d``.

    Subclasses implement ``_gram(X, Y)`` and ``_weighted_gradient(X, Y, W)``
    on validated float arrays.
    """

    #: Whether ``k(x, y)`` depends on ``x - y`` only (then random features exist).
    stationary = False
    #: Whether ``k(x, y)`` depends on ``|x - y|^2`` only; such kernels share one
    #: distance matrix between all their terms (see ``_radial``).
    radial = False

    def __call__(self, X, Y=None):
        X, Y = _pair(X, Y)
        return self._gram(X, Y)

    def diag(self, X):
        """The diagonal ``k(x_i, x_i)``, shape ``(n_samples,)``."""
        X = check_samples(X, "X")
        return np.array([self._gram(x[None, :], x[None, :])[0, 0] for x in X])

    def gradient(self, X, Y=None):
        """Gradient of ``k(x_i, y_j)`` with respect to ``x_i``: shape ``(n, m, d)``.

        Meant for checking and teaching; it stores an ``(n, m, d)`` array.
        Use :meth:`weighted_gradient` in computations.
        """
        X, Y = _pair(X, Y)
        n, m = X.shape[0], Y.shape[0]
        G = np.empty((n, m, X.shape[1]))
        for j in range(m):
            W = np.zeros((n, m))
            W[:, j] = 1.0
            G[:, j, :] = self._weighted_gradient(X, Y, W)
        return G

    def weighted_gradient(self, X, Y, W):
        """``G[i] = sum_j W[i, j] * grad_x k(x_i, y_j)``, shape ``(n, d)``.

        Parameters
        ----------
        X : array of shape (n, d)
        Y : array of shape (m, d)
        W : array of shape (n, m)
            Weights, e.g. ``2 / n**2`` for the MMD gradient.
        """
        X, Y = _pair(X, Y)
        W = np.asarray(W, dtype=float)
        if W.shape != (X.shape[0], Y.shape[0]):
            raise ValueError(
                f"W must have shape (n_samples_X, n_samples_Y) = "
                f"{(X.shape[0], Y.shape[0])}, got {W.shape}."
            )
        return self._weighted_gradient(X, Y, W)

    def gram_and_weighted_gradient(self, X, Y, W):
        """Return ``(k(X, Y), weighted_gradient(X, Y, W))`` sharing work where possible.

        For radial kernels, ``k(x, y) = g(|x - y|^2)``, the distances are computed
        once and ``grad_x k = 2 g'(|x - y|^2) (x - y)``.
        """
        if self.radial:
            K, P = self._radial(sq_dists(X, Y), W)
            return K, _gradient_from_radial(X, Y, P)
        return self._gram(X, Y), self._weighted_gradient(X, Y, W)

    # -- composition ---------------------------------------------------------
    def __add__(self, other):
        if isinstance(other, Kernel):
            return SumKernel(self, other)
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            raise TypeError(
                f"a kernel plus a number is not supported (got {other!r}); "
                "add kernels (k1 + k2) or scale one (c * k with c > 0)."
            )
        return NotImplemented

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Kernel):
            return ProductKernel(self, other)
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return ScaledKernel(other, self)
        return NotImplemented

    __rmul__ = __mul__

    def __eq__(self, other):
        return type(self) is type(other) and kernel_to_dict(self) == kernel_to_dict(other)

    def __hash__(self):
        return hash(json.dumps(kernel_to_dict(self), sort_keys=True))

    def _params(self):
        return {}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({args})"


def _gradient_from_radial(X, Y, P):
    """``sum_j 2 P_ij (x_i - y_j)``, with ``P = W * g'(|x - y|^2)``."""
    # x_i * rowsum(P) - P @ Y : (n, d) - (n, m) @ (m, d) -> (n, d)
    return 2.0 * (X * P.sum(axis=1)[:, None] - P @ Y)


class StationaryKernel(Kernel):
    """A radial kernel ``k(x, y) = f(s)`` with ``s = |x - y|^2 / l^2``.

    Subclasses give the profile ``f`` and its derivative ``f'`` in ``s``; the
    gradient is then ``grad_x k = f'(s) * 2 (x - y) / l^2``.
    """

    stationary = True
    radial = True

    def __init__(self, lengthscale=1.0):
        self.lengthscale = check_positive(lengthscale, "lengthscale")

    def _params(self):
        return {"lengthscale": self.lengthscale}

    def _scaled_sq(self, X, Y):
        return sq_dists(X, Y) / self.lengthscale**2

    def _gram(self, X, Y):
        return self._profile(self._scaled_sq(X, Y))

    def diag(self, X):
        X = check_samples(X, "X")
        return np.full(X.shape[0], float(self._profile(np.zeros(1))[0]))

    def _radial(self, D2, W):
        """``(K, W * dK/dD2)`` from the squared distances ``D2``."""
        K, dK = self._profile_and_derivative(D2 / self.lengthscale**2)
        return K, W * dK / self.lengthscale**2

    def _weighted_gradient(self, X, Y, W):
        return self.gram_and_weighted_gradient(X, Y, W)[1]

    def _profile_and_derivative(self, s):
        return self._profile(s), self._dprofile(s)


class RBF(StationaryKernel):
    """The Gaussian (RBF) kernel ``k(x, y) = exp(-|x - y|^2 / (2 l^2))``.

    Parameters
    ----------
    lengthscale : float
        ``l > 0``; points closer than about ``l`` look alike to the kernel.

    Examples
    --------
    >>> k = RBF(lengthscale=1.0)
    >>> K = k([[0.0, 0.0], [1.0, 0.0]])
    >>> round(float(K[0, 1]), 6)  # exp(-1/2)
    0.606531
    """

    def _profile(self, s):
        return np.exp(-0.5 * s)

    def _dprofile(self, s):
        return -0.5 * np.exp(-0.5 * s)

    def _profile_and_derivative(self, s):
        K = np.exp(-0.5 * s)
        return K, -0.5 * K


class RationalQuadratic(StationaryKernel):
    """The rational quadratic kernel ``k(x, y) = (1 + |x - y|^2 / (2 alpha l^2))^(-alpha)``.

    A scale mixture of RBF kernels (a Gamma mixture of precisions); it tends to
    ``RBF(l)`` as ``alpha -> infinity`` and has heavier tails for small ``alpha``.

    Parameters
    ----------
    lengthscale : float
        ``l > 0``.
    alpha : float
        ``alpha > 0``, the shape of the mixture.

    Examples
    --------
    >>> k = RationalQuadratic(lengthscale=1.0, alpha=1.0)
    >>> float(k([[0.0]], [[2.0]])[0, 0])  # (1 + 4/2)^-1
    0.3333333333333333
    """

    def __init__(self, lengthscale=1.0, alpha=1.0):
        super().__init__(lengthscale)
        self.alpha = check_positive(alpha, "alpha")

    def _params(self):
        return {"lengthscale": self.lengthscale, "alpha": self.alpha}

    def _profile(self, s):
        return (1.0 + s / (2.0 * self.alpha)) ** (-self.alpha)

    def _dprofile(self, s):
        return -0.5 * (1.0 + s / (2.0 * self.alpha)) ** (-self.alpha - 1.0)

    def _profile_and_derivative(self, s):
        base = 1.0 + s / (2.0 * self.alpha)
        K = base ** (-self.alpha)
        return K, -0.5 * K / base


class Matern(StationaryKernel):
    """The Matérn kernel for ``nu`` in {0.5, 1.5, 2.5}, with ``r = |x - y| / l``.

    * ``nu = 0.5``: ``exp(-r)``
    * ``nu = 1.5``: ``(1 + sqrt(3) r) exp(-sqrt(3) r)``
    * ``nu = 2.5``: ``(1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)``

    Its RKHS holds functions with about ``nu`` derivatives, which makes it a
    natural choice for the map kernel ``Q``. For ``nu = 0.5`` the gradient at
    ``x = y`` does not exist; 0 is returned there (a subgradient).

    Examples
    --------
    >>> k = Matern(lengthscale=1.0, nu=1.5)
    >>> round(float(k([[0.0]], [[1.0]])[0, 0]), 6)
    0.483358
    """

    _allowed = (0.5, 1.5, 2.5)

    def __init__(self, lengthscale=1.0, nu=1.5):
        super().__init__(lengthscale)
        if isinstance(nu, bool) or not isinstance(nu, numbers.Real) or float(nu) not in self._allowed:
            raise ValueError(
                f"nu must be one of {self._allowed} (the Matérn kernels with a closed "
                f"form), got {nu!r}; use nu=0.5, 1.5 or 2.5."
            )
        self.nu = float(nu)

    def _params(self):
        return {"lengthscale": self.lengthscale, "nu": self.nu}

    def _profile(self, s):
        r = np.sqrt(s)
        if self.nu == 0.5:
            return np.exp(-r)
        if self.nu == 1.5:
            a = np.sqrt(3.0) * r
            return (1.0 + a) * np.exp(-a)
        a = np.sqrt(5.0) * r
        return (1.0 + a + a * a / 3.0) * np.exp(-a)

    def _dprofile(self, s):
        r = np.sqrt(s)
        if self.nu == 0.5:
            # d/ds exp(-sqrt(s)) = -exp(-r) / (2 r); set to 0 at r = 0.
            with np.errstate(divide="ignore", invalid="ignore"):
                out = -np.exp(-r) / (2.0 * r)
            out[r == 0] = 0.0
            return out
        if self.nu == 1.5:
            return -1.5 * np.exp(-np.sqrt(3.0) * r)
        a = np.sqrt(5.0) * r
        return -(5.0 / 6.0) * (1.0 + a) * np.exp(-a)


class Laplace(Kernel):
    """The Laplace kernel ``k(x, y) = exp(-|x - y|_1 / l)`` with the L1 norm.

    A product of one-dimensional exponential kernels, so its random features
    have independent Cauchy frequencies. (With the Euclidean norm instead it
    would be ``Matern(l, nu=0.5)``.) Its gradient at ``x_c = y_c`` is taken as 0.

    Examples
    --------
    >>> k = Laplace(lengthscale=2.0)
    >>> round(float(k([[0.0, 0.0]], [[1.0, 1.0]])[0, 0]), 6)  # exp(-2/2)
    0.367879
    """

    stationary = True

    def __init__(self, lengthscale=1.0):
        self.lengthscale = check_positive(lengthscale, "lengthscale")

    def _params(self):
        return {"lengthscale": self.lengthscale}

    def _l1(self, X, Y):
        D = np.zeros((X.shape[0], Y.shape[0]))
        for c in range(X.shape[1]):
            D += np.abs(X[:, c, None] - Y[None, :, c])
        return D

    def _gram(self, X, Y):
        return np.exp(-self._l1(X, Y) / self.lengthscale)

    def diag(self, X):
        X = check_samples(X, "X")
        return np.ones(X.shape[0])

    def _weighted_gradient(self, X, Y, W):
        # grad_x k = -k * sign(x - y) / l, one coordinate at a time (no (n, m, d) array)
        P = W * self._gram(X, Y)
        G = np.empty_like(X)
        for c in range(X.shape[1]):
            G[:, c] = -np.sum(P * np.sign(X[:, c, None] - Y[None, :, c]), axis=1)
        return G / self.lengthscale


class Polynomial(Kernel):
    """The polynomial kernel ``k(x, y) = (x . y + offset)^degree``.

    Not stationary: it has no random Fourier features.

    Parameters
    ----------
    degree : int
        A positive integer.
    offset : float
        ``offset >= 0`` (a negative offset would not give a positive semi-definite kernel).

    Examples
    --------
    >>> k = Polynomial(degree=2, offset=1.0)
    >>> float(k([[1.0, 2.0]], [[3.0, 0.5]])[0, 0])  # (3 + 1 + 1)^2
    25.0
    """

    def __init__(self, degree=2, offset=1.0):
        self.degree = check_int(degree, "degree", minimum=1)
        if isinstance(offset, bool) or not isinstance(offset, numbers.Real) or not np.isfinite(offset) or offset < 0:
            raise ValueError(
                f"offset must be a finite number >= 0 so that the kernel is positive "
                f"semi-definite, got {offset!r}."
            )
        self.offset = float(offset)

    def _params(self):
        return {"degree": self.degree, "offset": self.offset}

    def _gram(self, X, Y):
        return (X @ Y.T + self.offset) ** self.degree

    def diag(self, X):
        X = check_samples(X, "X")
        return (np.einsum("ij,ij->i", X, X) + self.offset) ** self.degree

    def _weighted_gradient(self, X, Y, W):
        # grad_x k = p (x.y + c)^(p-1) y : (n, m) @ (m, d) -> (n, d)
        P = W * (self.degree * (X @ Y.T + self.offset) ** (self.degree - 1))
        return P @ Y


class SumKernel(Kernel):
    """``k1 + k2``: the sum of two kernels."""

    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2
        self.stationary = k1.stationary and k2.stationary
        self.radial = k1.radial and k2.radial

    def _gram(self, X, Y):
        if self.radial:
            return self._radial(sq_dists(X, Y), 0.0)[0]
        return self.k1._gram(X, Y) + self.k2._gram(X, Y)

    def _radial(self, D2, W):
        K1, P1 = self.k1._radial(D2, W)
        K2, P2 = self.k2._radial(D2, W)
        K1 += K2
        P1 += P2
        return K1, P1

    def diag(self, X):
        return self.k1.diag(X) + self.k2.diag(X)

    def _weighted_gradient(self, X, Y, W):
        if self.radial:
            return self.gram_and_weighted_gradient(X, Y, W)[1]
        return self.k1._weighted_gradient(X, Y, W) + self.k2._weighted_gradient(X, Y, W)

    def __repr__(self):
        return f"{self.k1!r} + {self.k2!r}"


class ProductKernel(Kernel):
    """``k1 * k2``: the pointwise product of two kernels (a kernel by Schur's theorem)."""

    def __init__(self, k1, k2):
        self.k1, self.k2 = k1, k2
        self.stationary = k1.stationary and k2.stationary

    def _gram(self, X, Y):
        return self.k1._gram(X, Y) * self.k2._gram(X, Y)

    def diag(self, X):
        return self.k1.diag(X) * self.k2.diag(X)

    def _weighted_gradient(self, X, Y, W):
        # grad (k1 k2) = k2 grad k1 + k1 grad k2
        K1 = self.k1._gram(X, Y)
        K2 = self.k2._gram(X, Y)
        return self.k1._weighted_gradient(X, Y, W * K2) + self.k2._weighted_gradient(X, Y, W * K1)

    def __repr__(self):
        return f"({self.k1!r}) * ({self.k2!r})"


class ScaledKernel(Kernel):
    """``c * k`` for a number ``c > 0``."""

    def __init__(self, scale, kernel):
        self.scale = check_positive(scale, "the scale of a kernel (c in c * k)")
        self.kernel = kernel
        self.stationary = kernel.stationary
        self.radial = kernel.radial

    def _radial(self, D2, W):
        K, P = self.kernel._radial(D2, W)
        K *= self.scale
        P *= self.scale
        return K, P

    def _gram(self, X, Y):
        return self.scale * self.kernel._gram(X, Y)

    def diag(self, X):
        return self.scale * self.kernel.diag(X)

    def _weighted_gradient(self, X, Y, W):
        return self.scale * self.kernel._weighted_gradient(X, Y, W)

    def __repr__(self):
        return f"{self.scale!r} * {self.kernel!r}"


_BY_NAME = {
    "rbf": RBF,
    "gaussian": RBF,
    "rationalquadratic": RationalQuadratic,
    "rq": RationalQuadratic,
    "matern": Matern,
    "laplace": Laplace,
    "polynomial": Polynomial,
}


def make_kernel(name, **params):
    """Build a kernel from its name, e.g. ``make_kernel("rbf", lengthscale=0.5)``.

    Names (case-insensitive): rbf (or gaussian), rationalquadratic (or rq),
    matern, laplace, polynomial. A :class:`Kernel` is returned unchanged.

    Examples
    --------
    >>> make_kernel("RBF", lengthscale=0.5)
    RBF(lengthscale=0.5)
    """
    if isinstance(name, Kernel):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a kernel must be a Kernel object or a name, got {name!r}.")
    key = name.lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in _BY_NAME:
        raise ValueError(
            f"unknown kernel name {name!r}; choose one of "
            f"{sorted(set(_BY_NAME))} or pass a Kernel object such as RBF(1.0)."
        )
    return _BY_NAME[key](**params)


def kernel_to_dict(kernel):
    """A JSON-ready description of a kernel, composites included (used by ``save``)."""
    if isinstance(kernel, SumKernel):
        return {"type": "sum", "k1": kernel_to_dict(kernel.k1), "k2": kernel_to_dict(kernel.k2)}
    if isinstance(kernel, ProductKernel):
        return {"type": "product", "k1": kernel_to_dict(kernel.k1), "k2": kernel_to_dict(kernel.k2)}
    if isinstance(kernel, ScaledKernel):
        return {"type": "scaled", "scale": kernel.scale, "kernel": kernel_to_dict(kernel.kernel)}
    if type(kernel) in (RBF, RationalQuadratic, Matern, Laplace, Polynomial):
        return {"type": type(kernel).__name__, **kernel._params()}
    raise TypeError(f"cannot describe kernel {kernel!r} of type {type(kernel).__name__}.")


def kernel_from_dict(spec):
    """Inverse of :func:`kernel_to_dict`."""
    kind = spec["type"]
    if kind == "sum":
        return SumKernel(kernel_from_dict(spec["k1"]), kernel_from_dict(spec["k2"]))
    if kind == "product":
        return ProductKernel(kernel_from_dict(spec["k1"]), kernel_from_dict(spec["k2"]))
    if kind == "scaled":
        return ScaledKernel(spec["scale"], kernel_from_dict(spec["kernel"]))
    classes = {c.__name__: c for c in (RBF, RationalQuadratic, Matern, Laplace, Polynomial)}
    if kind not in classes:
        raise ValueError(f"unknown kernel type {kind!r} in a saved description.")
    params = {k: v for k, v in spec.items() if k != "type"}
    return classes[kind](**params)

"""Push-forward measures (book chapter 2).

For a probability measure ``mu`` and a map ``T``, the push-forward is
``(T_# mu)(A) = mu(T^{-1}(A))`` where ``T^{-1}(A) = {x : T(x) in A}`` is the
*preimage* of ``A``. For random variables: if ``x ~ mu`` then ``T(x) ~ T_# mu``.
So a map with ``T_# N(0, I) = nu`` is a generative model for ``nu``: push
fresh Gaussian draws through it.
"""

import numpy as np
from scipy import stats

from ._validation import check_random_state, check_samples

__all__ = [
    "push_forward",
    "sample_pushforward",
    "inverse_cdf_map",
    "empirical_inverse_cdf_map",
    "affine_map",
    "pushforward_density",
]


def push_forward(T, X):
    """Apply the map ``T`` to every sample: the samples ``T(x_i)`` of ``T_# mu``.

    Parameters
    ----------
    T : callable
        Takes an array of shape ``(n_samples, n_features)`` and returns one of
        shape ``(n_samples, n_outputs)``.
    X : array of shape (n_samples, n_features)
        Samples of ``mu``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0]])
    >>> push_forward(lambda x: 2 * x + 1, X).ravel().tolist()
    [1.0, 3.0]
    """
    if not callable(T):
        raise TypeError(f"T must be a callable map, got {T!r} of type {type(T).__name__}.")
    X = check_samples(X, "X")
    TX = np.asarray(T(X), dtype=float)
    if TX.ndim == 1 and TX.shape[0] == X.shape[0]:
        TX = TX.reshape(-1, 1)
    if TX.ndim != 2 or TX.shape[0] != X.shape[0]:
        raise ValueError(
            f"T must return one point per sample, an array of shape ({X.shape[0]}, n_outputs); "
            f"it returned shape {TX.shape}."
        )
    return TX


def sample_pushforward(T, n_samples, n_features=1, random_state=None):
    """Draw ``n_samples`` points of ``T_# N(0, I)``: push Gaussian draws through ``T``.

    Examples
    --------
    >>> Y = sample_pushforward(lambda x: 3 * x + 5, 10000, random_state=0)
    >>> round(float(Y.mean()), 1), round(float(Y.std()), 1)
    (5.0, 3.0)
    """
    rng = check_random_state(random_state)
    return push_forward(T, rng.standard_normal((n_samples, n_features)))


def inverse_cdf_map(target):
    """The 1-D map ``T = F_nu^{-1} o Phi`` with ``T_# N(0, 1) = nu``.

    ``Phi`` is the standard normal CDF: it sends ``N(0, 1)`` to ``Uniform(0, 1)``,
    and the quantile function ``F_nu^{-1}`` sends the uniform to ``nu``.
    In one dimension this monotone map is also the optimal transport map.

    Parameters
    ----------
    target : a frozen ``scipy.stats`` distribution
        E.g. ``scipy.stats.expon()``; it must have a ``ppf`` method.

    Returns
    -------
    callable
        ``T(x)`` for arrays of shape ``(n_samples, 1)`` (or any shape, elementwise).

    Examples
    --------
    >>> from scipy import stats
    >>> T = inverse_cdf_map(stats.expon())
    >>> round(float(T(np.array([[0.0]]))[0, 0]), 6)  # the median of Exp(1), log 2
    0.693147
    """
    if not hasattr(target, "ppf"):
        raise TypeError(
            f"target must be a frozen scipy.stats distribution with a ppf method, "
            f"e.g. scipy.stats.expon(), got {target!r}."
        )

    def T(x):
        return target.ppf(stats.norm.cdf(np.asarray(x, dtype=float)))

    return T


def empirical_inverse_cdf_map(y):
    """The 1-D inverse-CDF map onto the empirical quantiles of the samples ``y``.

    Examples
    --------
    >>> T = empirical_inverse_cdf_map([1.0, 2.0, 3.0])
    >>> float(T(np.array([[0.0]]))[0, 0])  # Phi(0) = 0.5: the median
    2.0
    """
    y = np.sort(check_samples(y, "y", allow_1d=True, min_samples=2)[:, 0])
    levels = (np.arange(len(y)) + 0.5) / len(y)

    def T(x):
        return np.interp(stats.norm.cdf(np.asarray(x, dtype=float)), levels, y)

    return T


def affine_map(A, b):
    """The map ``x -> A x + b``; it pushes ``N(0, I)`` to ``N(b, A A^T)``.

    Examples
    --------
    >>> T = affine_map([[2.0, 0.0], [1.0, 1.0]], [0.0, 1.0])
    >>> T(np.array([[1.0, 1.0]])).tolist()
    [[2.0, 3.0]]
    """
    A = np.atleast_2d(np.asarray(A, dtype=float))
    b = np.asarray(b, dtype=float).ravel()
    if A.shape[0] != b.shape[0]:
        raise ValueError(f"A has {A.shape[0]} rows but b has {b.shape[0]} entries; they must match.")

    def T(x):
        return np.asarray(x, dtype=float) @ A.T + b  # (n, d) @ (d, d') -> (n, d')

    return T


def pushforward_density(source_density, T_inverse, jacobian_det_inverse):
    """Density of ``T_# mu`` by the change of variables, for an invertible smooth ``T``.

    ``p_{T_# mu}(y) = p_mu(T^{-1}(y)) |det D T^{-1}(y)|``.

    Parameters
    ----------
    source_density : callable
        ``p_mu`` evaluated on an ``(n, d)`` array, returning ``(n,)``.
    T_inverse : callable
        ``T^{-1}`` on an ``(n, d)`` array.
    jacobian_det_inverse : callable
        ``det D T^{-1}(y)`` on an ``(n, d)`` array, returning ``(n,)``.

    Examples
    --------
    >>> from scipy import stats
    >>> p = pushforward_density(lambda x: stats.norm.pdf(x[:, 0]),
    ...                         lambda y: (y - 1.0) / 2.0,
    ...                         lambda y: np.full(len(y), 0.5))
    >>> y = np.array([[1.0]])
    >>> bool(np.isclose(p(y)[0], stats.norm(1.0, 2.0).pdf(1.0)))
    True
    """
    def density(y):
        y = check_samples(y, "y", allow_1d=True)
        return source_density(T_inverse(y)) * np.abs(jacobian_det_inverse(y))

    return density

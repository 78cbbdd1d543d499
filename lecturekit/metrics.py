"""Held-out quality of generated samples (book chapter 7).

A generative model is judged on data it was not fitted on: the generated
samples are compared with a held-out *test* set drawn from the data
distribution, never with the training set (a model that copies its training
points would look perfect there). This module gives

* :func:`heldout_mmd2` and :func:`normalized_mmd`: the squared MMD between
  generated and test samples, raw or relative to the untrained Gaussian;
* :func:`energy_distance`: a kernel-free two-sample distance;
* :func:`permutation_test`: is the difference between two samples significant?
* :func:`nearest_neighbor_distances` and :func:`memorization_ratio`: does the
  model copy its training points?
"""

from collections import namedtuple

import numpy as np

from ._validation import check_int, check_random_state, check_same_dimension, check_samples
from .kernels import RBF, Kernel, sq_dists
from .mmd import median_heuristic, mmd2

__all__ = [
    "heldout_mmd2",
    "normalized_mmd",
    "energy_distance",
    "permutation_test",
    "PermutationTestResult",
    "nearest_neighbor_distances",
    "memorization_ratio",
]

#: The default kernel of :func:`heldout_mmd2` on standardised data: ``exp(-|x - y|^2)``.
DEFAULT_LENGTHSCALE = 1.0 / np.sqrt(2.0)

_BLOCK = 1024


def _check_kernel(kernel, name="kernel"):
    if not isinstance(kernel, Kernel):
        raise TypeError(
            f"{name} must be a lecturekit kernel such as RBF(lengthscale=1.0) or None "
            f"for the default, got {kernel!r} of type {type(kernel).__name__}."
        )


def _pair(A, B, names):
    A = check_samples(A, names[0], allow_1d=True)
    B = check_samples(B, names[1], allow_1d=True)
    check_same_dimension(A, B, names)
    return A, B


def _standardizer(test):
    """Per-feature mean and std of ``test`` (a zero std is replaced by 1)."""
    mean = test.mean(axis=0)
    std = test.std(axis=0)
    std[std == 0] = 1.0
    return mean, std


def heldout_mmd2(generated, test, kernel=None, standardize=True):
    """The squared MMD between generated samples and a held-out test set.

    ``MMD^2 = mean K(G, G) + mean K(T, T) - 2 mean K(G, T)`` (the biased
    V-statistic, always ``>= 0``), computed on standardised data
    ``(x - mu) / sigma`` where ``mu`` and ``sigma`` are the per-feature mean
    and standard deviation of the *test* set (a zero ``sigma`` is replaced by
    1). The default kernel is ``K(x, y) = exp(-|x - y|^2)``, i.e.
    ``RBF(1 / sqrt(2))``. See book chapter 7.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    test : array_like of shape (n_test, n_features)
        Held-out data, not used to fit the model.
    kernel : Kernel, optional
        Applied to the standardised data; default ``RBF(1 / sqrt(2))``.
    standardize : bool, default True
        If False, the kernel is applied to the raw data.

    Returns
    -------
    float
        The squared MMD; 0 for identical samples.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> test = rng.standard_normal((300, 2))
    >>> heldout_mmd2(test, test)
    0.0
    >>> heldout_mmd2(test + 2.0, test) > 0.3
    True
    """
    generated, test = _pair(generated, test, ("generated", "test"))
    if kernel is None:
        kernel = RBF(DEFAULT_LENGTHSCALE)
    _check_kernel(kernel)
    if not isinstance(standardize, (bool, np.bool_)):
        raise TypeError(f"standardize must be True or False, got {standardize!r}.")
    if standardize:
        mean, std = _standardizer(test)
        generated = (generated - mean) / std
        test = (test - mean) / std
    return mmd2(generated, test, kernel)


def normalized_mmd(generated, test, random_state=None, *, kernel=None):
    """The held-out squared MMD relative to that of the untrained Gaussian.

    ``MMD^2(generated, test) / MMD^2(gaussian, test)``, both on data
    standardised by the test set's per-feature mean and standard deviation,
    where ``gaussian`` holds ``len(generated)`` draws of ``N(0, I)`` in these
    standardised coordinates: the samples a transport map would give before
    any training (Pandey, Hosseini, Batlle and Owhadi 2024, arXiv:2402.08077;
    book chapter 7). Values near 0 are good; about 1 means no better than the
    Gaussian; above 1 worse.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    test : array_like of shape (n_test, n_features)
    random_state : None, int or numpy.random.Generator
        For the Gaussian draw; the same int gives the same value.
    kernel : Kernel, optional
        As in :func:`heldout_mmd2`; default ``RBF(1 / sqrt(2))``.

    Returns
    -------
    float
        The ratio, ``>= 0``.

    Notes
    -----
    The biased estimate has a floor of about ``(1 - mean K(x, x'))(1/n + 1/m)``
    even for a perfect model, so a fresh draw of the data scores a little above
    0 (e.g. about 0.04 for 1000 moons). When the data look nearly Gaussian to
    the kernel (e.g. the "rings") the denominator is small and the ratio is
    noisy; use more samples or report :func:`heldout_mmd2` as well.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> test = 3.0 + rng.exponential(size=(400, 2))
    >>> fresh = 3.0 + rng.exponential(size=(400, 2))
    >>> normalized_mmd(fresh, test, random_state=0) < 0.2
    True
    """
    generated, test = _pair(generated, test, ("generated", "test"))
    if kernel is None:
        kernel = RBF(DEFAULT_LENGTHSCALE)
    _check_kernel(kernel)
    rng = check_random_state(random_state)
    mean, std = _standardizer(test)
    generated = (generated - mean) / std
    test = (test - mean) / std
    gaussian = rng.standard_normal(generated.shape)
    baseline = mmd2(gaussian, test, kernel)
    if baseline == 0.0:
        raise ValueError(
            "the Gaussian baseline has MMD^2 = 0 to the test set, so the ratio is "
            "undefined; use heldout_mmd2 instead."
        )
    return mmd2(generated, test, kernel) / baseline


def _distances(A, B):
    """Euclidean distances ``|a_i - b_j|``, shape ``(n, m)``.

    Uses ``|a|^2 + |b|^2 - 2 a.b``; pairs whose squared distance is within
    round-off of 0 are recomputed from ``a - b``, so that coincident points
    are at distance exactly 0 (the square root would magnify the round-off).
    """
    D = sq_dists(A, B)
    size = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :]
    rows, cols = np.nonzero(D <= 1e-8 * size)
    if rows.size:
        diff = A[rows] - B[cols]
        D[rows, cols] = np.einsum("ij,ij->i", diff, diff)
    return np.sqrt(D)


def _mean_distance(A, B, block_size):
    """``mean_{i, j} |a_i - b_j|`` accumulated over blocks."""
    total = 0.0
    for i in range(0, A.shape[0], block_size):
        for j in range(0, B.shape[0], block_size):
            total += _distances(A[i:i + block_size], B[j:j + block_size]).sum()
    return total / (A.shape[0] * B.shape[0])


def energy_distance(X, Y, *, block_size=_BLOCK):
    """The squared energy distance between the samples ``X`` and ``Y``.

    ``E(X, Y) = 2 mean |x_i - y_j| - mean |x_i - x_k| - mean |y_j - y_l|``,
    the V-statistic (all pairs, the diagonal included) with Euclidean norms
    (Szekely and Rizzo). It is the squared MMD of the distance-induced kernel
    and is 0 exactly when the two empirical measures agree (book chapter 3).
    Distances are computed in blocks of ``block_size`` rows, so memory stays
    bounded.

    Parameters
    ----------
    X : array_like of shape (n_samples_X, n_features)
    Y : array_like of shape (n_samples_Y, n_features)
        1-D arrays are read as one feature.
    block_size : int
        The largest block of the distance matrix held in memory.

    Returns
    -------
    float
        The squared energy distance, ``>= 0``.

    Examples
    --------
    >>> X = np.array([[0.0], [1.0]])
    >>> energy_distance(X, X)
    0.0
    >>> energy_distance([0.0], [3.0])  # 2 * 3 - 0 - 0
    6.0
    """
    X, Y = _pair(X, Y, ("X", "Y"))
    block_size = check_int(block_size, "block_size")
    # Centring on the pooled mean reduces round-off in |x|^2 + |y|^2 - 2 x.y.
    centre = np.vstack([X, Y]).mean(axis=0)
    X, Y = X - centre, Y - centre
    xy = _mean_distance(X, Y, block_size)
    xx = _mean_distance(X, X, block_size)
    yy = _mean_distance(Y, Y, block_size)
    return max(float(2.0 * xy - xx - yy), 0.0)


#: The result of :func:`permutation_test`.
PermutationTestResult = namedtuple(
    "PermutationTestResult", ["statistic", "pvalue", "null_distribution"]
)
PermutationTestResult.__doc__ = """The result of a permutation two-sample test.

Attributes
----------
statistic : float
    The unbiased squared MMD between the two samples.
pvalue : float
    ``(1 + #{null >= statistic}) / (1 + n_permutations)``.
null_distribution : ndarray of shape (n_permutations,)
    The statistic on random relabellings of the pooled sample.
"""

_MAX_POOLED = 10000


def permutation_test(X, Y, kernel=None, n_permutations=200, random_state=None):
    """A permutation two-sample test with the unbiased squared MMD as statistic.

    Under the null hypothesis ``P = Q`` the labels "from X" and "from Y" are
    exchangeable: the statistic on the observed split is compared with its
    values on ``n_permutations`` random splits of the pooled sample of the same
    sizes. The p-value ``(1 + #{null >= observed}) / (1 + n_permutations)``
    counts the observed split as one of the permutations, so it is never 0 and
    the test has the right level (book chapter 3).

    Parameters
    ----------
    X : array_like of shape (n_samples_X, n_features)
    Y : array_like of shape (n_samples_Y, n_features)
        At least 2 samples each; at most 10000 samples together (the pooled
        kernel matrix is stored). 1-D arrays are read as one feature.
    kernel : Kernel, optional
        Default ``RBF(l)`` with ``l`` the median heuristic on the pooled sample.
    n_permutations : int, default 200
        The number of random splits; the smallest possible p-value is
        ``1 / (n_permutations + 1)``.
    random_state : None, int or numpy.random.Generator
        For the permutations; the same int gives the same result.

    Returns
    -------
    PermutationTestResult
        A named tuple ``(statistic, pvalue, null_distribution)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 2))
    >>> result = permutation_test(X, X + 1.0, n_permutations=99, random_state=0)
    >>> result.pvalue  # the smallest possible value, 1 / 100
    0.01
    """
    X, Y = _pair(X, Y, ("X", "Y"))
    for A, name in ((X, "X"), (Y, "Y")):
        if A.shape[0] < 2:
            raise ValueError(
                f"{name} must hold at least 2 samples for the unbiased MMD, got shape "
                f"{A.shape}."
            )
    n, m = X.shape[0], Y.shape[0]
    N = n + m
    if N > _MAX_POOLED:
        raise ValueError(
            f"permutation_test stores the pooled {N} x {N} kernel matrix and accepts at "
            f"most {_MAX_POOLED} samples together, got {n} + {m} = {N}; test a random "
            f"subsample, e.g. X[:2000] and Y[:2000]."
        )
    n_permutations = check_int(n_permutations, "n_permutations", minimum=1)
    rng = check_random_state(random_state)
    Z = np.vstack([X, Y])
    if kernel is None:
        kernel = RBF(median_heuristic(Z))
    _check_kernel(kernel)
    K = kernel(Z)
    total = K.sum()
    row_sums = K.sum(axis=1)
    diag = np.diag(K).copy()
    trace = diag.sum()

    def statistics(A):
        # A: (N, p) 0/1 indicators of membership in the first sample, one column per split.
        # a^T K a, a^T K 1 and a^T diag(K) for every column a: shapes (p,).
        s_aa = np.einsum("ip,ip->p", A, K @ A)
        s_a1 = row_sums @ A
        d_a = diag @ A
        s_xx = s_aa - d_a
        s_yy = total - 2.0 * s_a1 + s_aa - (trace - d_a)
        s_xy = s_a1 - s_aa
        return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2.0 * s_xy / (n * m)

    observed = np.zeros((N, 1))
    observed[:n] = 1.0
    statistic = float(statistics(observed)[0])
    null = np.empty(n_permutations)
    batch = 64
    for start in range(0, n_permutations, batch):
        p = min(batch, n_permutations - start)
        A = np.zeros((N, p))
        for col in range(p):
            A[rng.permutation(N)[:n], col] = 1.0
        null[start:start + p] = statistics(A)
    pvalue = (1.0 + np.count_nonzero(null >= statistic)) / (1.0 + n_permutations)
    return PermutationTestResult(statistic, float(pvalue), null)


def nearest_neighbor_distances(generated, train, *, return_indices=False, block_size=_BLOCK):
    """The Euclidean distance from each generated point to its nearest training point.

    ``d_i = min_j |g_i - t_j|``, computed in blocks of ``block_size`` rows and
    columns so that memory stays bounded (book chapter 7). A distance of 0
    means an exact copy of a training point.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    train : array_like of shape (n_train, n_features)
    return_indices : bool, default False
        Also return the index in ``train`` of each nearest neighbour.
    block_size : int
        The largest block of the distance matrix held in memory.

    Returns
    -------
    distances : ndarray of shape (n_generated,)
    indices : ndarray of shape (n_generated,)
        Only if ``return_indices`` is True.

    Examples
    --------
    >>> train = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> nearest_neighbor_distances([[0.0, 1.0], [3.0, 4.0]], train)
    array([1., 0.])
    """
    generated, train = _pair(generated, train, ("generated", "train"))
    block_size = check_int(block_size, "block_size")
    centre = train.mean(axis=0)
    G, T = generated - centre, train - centre
    n = G.shape[0]
    best = np.full(n, np.inf)
    index = np.zeros(n, dtype=np.int64)
    for i in range(0, n, block_size):
        rows = slice(i, min(i + block_size, n))
        for j in range(0, T.shape[0], block_size):
            D = sq_dists(G[rows], T[j:j + block_size])
            arg = D.argmin(axis=1)
            val = D[np.arange(D.shape[0]), arg]
            better = val < best[rows]
            best[rows] = np.where(better, val, best[rows])
            index[rows] = np.where(better, arg + j, index[rows])
    # Recompute the winning distances exactly (copies give exactly 0).
    distances = np.linalg.norm(generated - train[index], axis=1)
    if return_indices:
        return distances, index
    return distances


def memorization_ratio(generated, train, test):
    """How much closer generated samples are to the training set than fresh data.

    ``ratio = median_i d(g_i, train) / median_j d(t_j, train)`` where
    ``d(x, train)`` is the distance from ``x`` to its nearest training point
    and ``t_j`` are held-out test points, drawn from the data distribution
    independently of the training set (book chapter 7). A model that generates
    new samples from the data distribution gives a ratio near 1; a model that
    copies its training points gives a ratio near 0. A ratio well above 1
    means the samples lie away from the data altogether.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    train : array_like of shape (n_train, n_features)
        The data the model was fitted on.
    test : array_like of shape (n_test, n_features)
        Held-out data, disjoint from ``train``.

    Returns
    -------
    float
        The ratio of the two median nearest-neighbour distances.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> train, test = rng.standard_normal((2, 500, 2))
    >>> memorization_ratio(train[:100], train, test)  # exact copies
    0.0
    """
    generated, train = _pair(generated, train, ("generated", "train"))
    test = check_samples(test, "test", allow_1d=True)
    check_same_dimension(train, test, ("train", "test"))
    reference = float(np.median(nearest_neighbor_distances(test, train)))
    if reference == 0.0:
        raise ValueError(
            "the median distance from the test points to the training set is 0: more "
            "than half of the test points also appear in train; pass a held-out test set "
            "disjoint from train, e.g. from train_test_split."
        )
    return float(np.median(nearest_neighbor_distances(generated, train))) / reference

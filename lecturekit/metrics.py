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
* :func:`classifier_two_sample_test`: can a nearest-neighbour classifier tell
  generated points from test points? (0.5 = no, 1 = always);
* :func:`normalized_mmd_scales`: the normalised MMD at several lengthscales,
  from fine (sees blur) to coarse (the published protocol);
* :func:`data_copying_test` and :func:`copy_fraction`: memorisation measures
  that catch a model copying *some* of its training points, which the median
  of :func:`memorization_ratio` misses;
* :func:`score_sampler`: all of these over repeated draws, side by side with
  reference samplers (a fresh sample of the target, a copy of the training
  set, a Gaussian), because a single draw misleads.
"""

from collections import namedtuple

import numpy as np
from scipy.stats import rankdata
from threadpoolctl import threadpool_limits

from ._validation import (
    _describe,
    check_int,
    check_positive,
    check_random_state,
    check_same_dimension,
    check_samples,
)
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
    "classifier_two_sample_test",
    "normalized_mmd_scales",
    "data_copying_test",
    "DataCopyingResult",
    "copy_fraction",
    "score_sampler",
    "SamplerScores",
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


# -- classifier two-sample test ------------------------------------------------------
def _import_sklearn(function):
    """Import scikit-learn, or say how to install it."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{function} needs scikit-learn, which is not installed; install it with "
            f"`pip install scikit-learn`."
        ) from None


def _subsample(X, n, rng):
    """``n`` rows of ``X`` drawn at random without replacement (``X`` itself if it has ``n``)."""
    if X.shape[0] == n:
        return X
    return X[rng.choice(X.shape[0], size=n, replace=False)]


def classifier_two_sample_test(generated, test, *, n_neighbors=5, n_splits=5, random_state=None):
    """How well a classifier tells generated points from held-out test points.

    The generated points get the label 1 and the test points the label 0. A
    k-nearest-neighbour classifier (scikit-learn's ``KNeighborsClassifier``
    with ``n_neighbors`` neighbours and otherwise its default settings) is
    trained and scored by ``n_splits``-fold stratified cross-validation, and
    the mean held-out accuracy is returned (a classifier two-sample test,
    C2ST: Lopez-Paz and Oquab, ICLR 2017; book chapter 7)::

        accuracy = mean over the folds of
                   #{held-out points labelled correctly} / #{held-out points}

    Before that the two classes are balanced, by subsampling the larger set
    at random (without replacement) to the size of the smaller, and both are
    standardised as ``(x - mu) / sigma`` with ``mu`` and ``sigma`` the test
    set's per-feature mean and standard deviation (a zero ``sigma`` is
    replaced by 1), so that every feature counts alike in the distances.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    test : array_like of shape (n_test, n_features)
        Held-out data, not used to fit the model.
    n_neighbors : int, default 5
        The number of neighbours that vote (scikit-learn's default).
    n_splits : int, default 5
        The number of cross-validation folds, ``>= 2``. Each class needs at
        least ``2 * n_splits`` points after balancing.
    random_state : None, int or numpy.random.Generator
        For the subsample and the folds; the same int gives the same value.

    Returns
    -------
    float
        The cross-validated accuracy in ``[0, 1]``: 0.5 means that the
        classifier cannot tell the two samples apart, 1.0 that it always can.

    Notes
    -----
    **What the number means.** With balanced classes, guessing scores 0.5
    and the best possible classifier scores ``(1 + TV(P, Q)) / 2``, where
    ``TV`` is the total-variation distance between the two distributions;
    the k-NN accuracy estimates this from below. An accuracy of 0.6 means the
    classifier labels 60 % of the held-out points correctly.

    **What it sees.** A k-NN classifier decides from a point's few nearest
    neighbours, so it sees structure at that scale. It catches a spiral
    blurred by noise as wide as the gap between the arms, which the coarse
    :func:`normalized_mmd` cannot tell from true samples (2000 points of the
    "2spirals" plus noise of standard deviation 0.3: accuracy about 0.70
    against 0.50 for a fresh draw, normalised MMD 0.044 against 0.033 +- 0.004).

    **What it does not see.** A sampler that returns bootstrap copies of the
    training set also scores above 0.5 (0.55 to 0.6 on the 2-D toy sets at
    2000 points): a duplicated point is its twin's exact nearest neighbour,
    so a held-out copy is labelled "generated" by its twin in the training
    folds. Yet copying half the data is not a good model. Check
    :func:`data_copying_test` as well.

    **Noise.** The value moves by about +-0.01 from one draw of 2000
    generated points to the next, so a difference of 0.01 between two models
    from single draws means nothing; compare over repeated draws on the same
    test set (:func:`score_sampler` does this).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> test = rng.standard_normal((400, 2))
    >>> same = rng.standard_normal((400, 2))  # a fresh draw of the same distribution
    >>> abs(classifier_two_sample_test(same, test, random_state=0) - 0.5) < 0.05
    True
    >>> classifier_two_sample_test(same + 3.0, test, random_state=0) > 0.95
    True
    """
    generated, test = _pair(generated, test, ("generated", "test"))
    n_neighbors = check_int(n_neighbors, "n_neighbors", minimum=1)
    n_splits = check_int(n_splits, "n_splits", minimum=2)
    n = min(generated.shape[0], test.shape[0])
    if n < 2 * n_splits:
        raise ValueError(
            f"classifier_two_sample_test needs at least 2 * n_splits = {2 * n_splits} "
            f"points in each of generated and test, got {generated.shape[0]} generated "
            f"and {test.shape[0]} test points; pass more points or a smaller n_splits."
        )
    # the smallest training part of a fold: 2n points minus the largest held-out fold
    n_fit = 2 * n - -(-2 * n // n_splits)
    if n_neighbors > n_fit:
        raise ValueError(
            f"n_neighbors must be at most the number of points a fold is trained on, "
            f"{n_fit} here, got n_neighbors={n_neighbors}; pass a smaller n_neighbors "
            f"or more points."
        )
    _import_sklearn("classifier_two_sample_test")
    from sklearn.model_selection import StratifiedKFold
    from sklearn.neighbors import KNeighborsClassifier

    rng = check_random_state(random_state)
    mean, std = _standardizer(test)
    generated = (_subsample(generated, n, rng) - mean) / std
    test = (_subsample(test, n, rng) - mean) / std
    X = np.vstack([generated, test])  # (2n, d)
    labels = np.concatenate([np.ones(n, dtype=int), np.zeros(n, dtype=int)])
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True,
                            random_state=int(rng.integers(2**31 - 1)))
    accuracies = []
    for fit_rows, held_rows in folds.split(X, labels):
        classifier = KNeighborsClassifier(n_neighbors=n_neighbors)
        classifier.fit(X[fit_rows], labels[fit_rows])
        accuracies.append(classifier.score(X[held_rows], labels[held_rows]))
    return float(np.mean(accuracies))


# -- the normalised MMD at several lengthscales -----------------------------------------
#: The default lengthscales of :func:`normalized_mmd_scales` for 2-D data, fine to
#: coarse; in ``d`` dimensions they are multiplied by ``sqrt(d / 2)``. The last is
#: the kernel of :func:`normalized_mmd`.
DEFAULT_LENGTHSCALES = (0.05, 0.1, 0.2, 0.5, DEFAULT_LENGTHSCALE)

_PAIR_BLOCK = 512


def _default_lengthscales(n_features):
    """``DEFAULT_LENGTHSCALES * sqrt(d / 2)``, plus ``1 / sqrt(2)`` itself, ascending."""
    scale = np.sqrt(n_features / 2.0)
    values = {float(c * scale) for c in DEFAULT_LENGTHSCALES} | {DEFAULT_LENGTHSCALE}
    return tuple(sorted(values))


def _check_lengthscales(lengthscales, n_features):
    if lengthscales is None:
        return _default_lengthscales(n_features)
    if isinstance(lengthscales, (str, bytes)) or not np.iterable(lengthscales):
        raise TypeError(
            f"lengthscales must be a sequence of positive numbers such as (0.1, 0.5) "
            f"or None for the defaults, got {_describe(lengthscales)}."
        )
    values = [check_positive(value, "each lengthscale") for value in lengthscales]
    if not values:
        raise ValueError(
            "lengthscales must hold at least one positive number, got an empty "
            "sequence; pass e.g. (0.1, 0.5) or None for the defaults."
        )
    return tuple(sorted(set(values)))


def _pair_means(A, B, lengthscales, distances=False):
    """Means over all pairs of ``exp(-|a - b|^2 / (2 l^2))`` for each ``l``, and of ``|a - b|``.

    One pass over blocks of the squared-distance matrix serves every
    lengthscale (and the energy distance). Returns an array of shape
    ``(n_lengthscales,)`` and a float (0.0 unless ``distances`` is True).
    """
    factors = np.array([-0.5 / l**2 for l in lengthscales])
    kernel_total = np.zeros(len(lengthscales))
    distance_total = 0.0
    for i in range(0, A.shape[0], _PAIR_BLOCK):
        for j in range(0, B.shape[0], _PAIR_BLOCK):
            D2 = sq_dists(A[i:i + _PAIR_BLOCK], B[j:j + _PAIR_BLOCK])  # (block, block)
            for k, factor in enumerate(factors):
                kernel_total[k] += np.exp(factor * D2).sum()
            if distances:
                distance_total += np.sqrt(D2).sum()
    n_pairs = A.shape[0] * B.shape[0]
    return kernel_total / n_pairs, distance_total / n_pairs


class _HeldOutDistances:
    """Squared MMDs (RBF, several lengthscales) and the energy distance to one test set.

    The test set is already standardised; its own terms ``mean K(T, T)`` and
    ``mean |t - t'|`` are computed once, so scoring many samples against the
    same test set costs two blocks of pairs per sample, not three.
    """

    def __init__(self, test, lengthscales):
        self.test = test
        self.lengthscales = lengthscales
        self.test_kernel, self.test_distance = _pair_means(test, test, lengthscales, True)

    def mmd2_and_energy(self, X, energy=True):
        """``(MMD^2 per lengthscale, energy distance)`` between ``X`` and the test set."""
        xx_kernel, xx_distance = _pair_means(X, X, self.lengthscales, energy)
        xt_kernel, xt_distance = _pair_means(X, self.test, self.lengthscales, energy)
        # biased V-statistics: squared norms, so clip the round-off below 0
        mmd2_values = np.maximum(xx_kernel + self.test_kernel - 2.0 * xt_kernel, 0.0)
        energy_value = max(2.0 * xt_distance - xx_distance - self.test_distance, 0.0)
        return mmd2_values, (energy_value if energy else None)

    def gaussian_baseline(self, gaussian):
        """``MMD^2(gaussian, test)`` per lengthscale: the denominators of the ratios."""
        baseline, _ = self.mmd2_and_energy(gaussian, energy=False)
        if np.any(baseline == 0.0):
            raise ValueError(
                "the Gaussian baseline has MMD^2 = 0 to the test set, so the ratio is "
                "undefined; use heldout_mmd2 instead."
            )
        return baseline


def normalized_mmd_scales(generated, test, *, lengthscales=None, random_state=None):
    """The normalised MMD of :func:`normalized_mmd` at several lengthscales, fine to coarse.

    For each lengthscale ``l`` the ratio::

        MMD_l^2(generated, test) / MMD_l^2(gaussian, test),
        K_l(x, y) = exp(-|x - y|^2 / (2 l^2)),

    with both squared MMDs the biased V-statistic on data standardised by
    the test set's per-feature mean and standard deviation (a zero standard
    deviation is replaced by 1), and ``gaussian`` ``len(generated)`` draws
    of ``N(0, I)`` in these coordinates: the untrained transport map. The
    same Gaussian draw serves every lengthscale, so the entries differ by the
    kernel only. Values near 0 are good; about 1 means no better than the
    Gaussian (book chapter 7).

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    test : array_like of shape (n_test, n_features)
        Held-out data, not used to fit the model.
    lengthscales : sequence of float, optional
        In the standardised units. The default, for ``d`` features, is
        ``(0.05, 0.1, 0.2, 0.5, 1 / sqrt(2)) * sqrt(d / 2)`` together with
        ``1 / sqrt(2)`` itself (see Notes); in 2-D that is
        ``(0.05, 0.1, 0.2, 0.5, 0.7071...)``.
    random_state : None, int or numpy.random.Generator
        For the Gaussian draw. The same int gives the same values, and the
        same draw as :func:`normalized_mmd`: the entry at ``1 / sqrt(2)``
        equals ``normalized_mmd(generated, test, random_state)`` (up to
        round-off).

    Returns
    -------
    dict
        ``{lengthscale: ratio}``, lengthscales (floats) in increasing order.

    Notes
    -----
    **The default lengthscales.** On standardised data two independent
    points are at mean squared distance ``E|x - y|^2 = 2 d``; a lengthscale
    fixed in absolute terms would see every pair as "far apart" in high
    dimension. Multiplying by ``sqrt(d / 2)`` keeps each lengthscale the same
    fraction of the typical distance as in the plane, and leaves the 2-D
    values as written. The coarsest of them in 2-D, ``1 / sqrt(2)``, is the
    kernel of :func:`normalized_mmd` (the published KODE protocol: Pandey,
    Hosseini, Batlle and Owhadi 2024), so its entry is the number published
    tables report; in other dimensions ``1 / sqrt(2)`` is added to the list
    for the same reason. For ``n_features = 2`` the lengthscales are
    ``DEFAULT_LENGTHSCALES``, and ``DEFAULT_LENGTHSCALE`` (``1 / sqrt(2)``)
    is a key of the result.

    **Fine and coarse.** A coarse kernel compares the samples in the large:
    it rates a spiral blurred by noise of standard deviation 0.3 as good as
    fresh samples (2000 points: 0.044 against 0.033 +- 0.004 at
    ``1 / sqrt(2)``). A fine kernel compares them point by point and sees the
    blur (0.56 against 0.14 at ``l = 0.1``).

    **Compare within a column.** The biased estimate has a floor of about
    ``(1 - mean K(x, x'))(1 / n + 1 / m)`` even for a perfect model, which
    grows as ``l`` shrinks: fresh draws of 2000 spiral points score about
    0.30 at ``l = 0.05``, 0.14 at ``l = 0.1`` and 0.03 at ``1 / sqrt(2)``.
    Compare each entry with the same entry for a fresh sample of the target
    (:func:`score_sampler`), never one lengthscale with another.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> test = rng.exponential(size=(300, 2))
    >>> fresh = rng.exponential(size=(300, 2))
    >>> scales = normalized_mmd_scales(fresh, test, random_state=0)
    >>> [round(l, 3) for l in scales]
    [0.05, 0.1, 0.2, 0.5, 0.707]
    >>> old = normalized_mmd(fresh, test, random_state=0)
    >>> bool(np.isclose(scales[DEFAULT_LENGTHSCALE], old))
    True
    >>> normalized_mmd_scales(fresh, test, lengthscales=[0.3], random_state=0)  # doctest: +ELLIPSIS
    {0.3: 0.16...}

    The fine end sees what the coarse end misses, here a spiral blurred by
    noise:

    >>> from lecturekit.datasets import make_toy
    >>> test = make_toy("2spirals", 1000, random_state=0)
    >>> fresh = make_toy("2spirals", 1000, random_state=1)
    >>> blurred = make_toy("2spirals", 1000, random_state=2) + 0.3 * rng.standard_normal((1000, 2))
    >>> for name, sample in [("fresh", fresh), ("blurred", blurred)]:
    ...     scales = normalized_mmd_scales(sample, test, random_state=0)
    ...     print(f"{name:8s}", [round(value, 2) for value in scales.values()])
    fresh    [0.46, 0.24, 0.18, 0.09, 0.08]
    blurred  [0.83, 0.68, 0.48, 0.17, 0.14]
    """
    generated, test = _pair(generated, test, ("generated", "test"))
    lengthscales = _check_lengthscales(lengthscales, test.shape[1])
    rng = check_random_state(random_state)
    mean, std = _standardizer(test)
    generated = (generated - mean) / std
    test = (test - mean) / std
    gaussian = rng.standard_normal(generated.shape)  # the draw of normalized_mmd
    distances = _HeldOutDistances(test, lengthscales)
    baseline = distances.gaussian_baseline(gaussian)
    values, _ = distances.mmd2_and_energy(generated, energy=False)
    return {l: float(v / b) for l, v, b in zip(lengthscales, values, baseline)}


# -- memorisation: the data-copying test and the share of copies ------------------------
#: :func:`data_copying_test` keeps a cell only if it holds at least this many generated
#: and this many test points (Meehan, Chaudhuri and Dasgupta use 20 generated points).
MIN_CELL_POINTS = 20
#: The default cells of :func:`data_copying_test` hold about this many test points.
POINTS_PER_CELL = 100
_KMEANS_N_INIT = 5

#: The result of :func:`data_copying_test`.
DataCopyingResult = namedtuple(
    "DataCopyingResult", ["statistic", "cell_statistics", "cell_mass", "kept"]
)
DataCopyingResult.__doc__ = """The result of the data-copying test.

Attributes
----------
statistic : float
    ``C_T``, the test-mass-weighted mean of the kept cells' z-scores: about 0
    healthy, ``<< 0`` copying, ``>> 0`` underfitting.
cell_statistics : ndarray of shape (n_cells,)
    The z-scored Mann-Whitney statistic of each cell; NaN for the cells left out.
cell_mass : ndarray of shape (n_cells,)
    The share of the test points in each cell (the weights).
kept : ndarray of shape (n_cells,)
    True for the cells with at least 20 generated and 20 test points, the
    cells that count.
"""


def _mann_whitney_z(a, b):
    """The Mann-Whitney U statistic of ``a`` against ``b``, z-scored.

    ``U = #{(i, k): a_i > b_k} + #{(i, k): a_i = b_k} / 2``, computed from
    the ranks of the pooled sample (ties get their average rank), then
    ``(U - n1 n2 / 2) / sqrt(n1 n2 (n1 + n2 + 1) / 12)``.
    """
    n1, n2 = a.shape[0], b.shape[0]
    ranks = rankdata(np.concatenate([a, b]))  # average ranks for ties
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    return (u - n1 * n2 / 2.0) / np.sqrt(n1 * n2 * (n1 + n2 + 1) / 12.0)


def _check_train_test(train, test):
    train = check_samples(train, "train", allow_1d=True)
    test = check_samples(test, "test", allow_1d=True)
    check_same_dimension(train, test, ("train", "test"))
    return train, test


class _CopyingCells:
    """The cells of :func:`data_copying_test`, fitted once for a training and a test set.

    k-means on the standardised training set; the cell and the
    nearest-training-point distance of every test point are kept, so that
    scoring several generated samples (as :func:`score_sampler` does) fits
    the cells once.
    """

    def __init__(self, train, test, n_cells, n_generated, random_state):
        if n_cells is None:
            n_cells = max(1, min(test.shape[0], n_generated) // POINTS_PER_CELL)
            n_cells = min(n_cells, train.shape[0])
        n_cells = check_int(n_cells, "n_cells", minimum=1)
        if n_cells > train.shape[0]:
            raise ValueError(
                f"n_cells must be at most the number of training points, "
                f"{train.shape[0]}, since k-means puts at least one in each cell; "
                f"got n_cells={n_cells}. Pass a smaller n_cells or None."
            )
        _import_sklearn("data_copying_test")
        from sklearn.cluster import KMeans

        rng = check_random_state(random_state)
        self.mean, self.std = _standardizer(test)
        self.train = (train - self.mean) / self.std
        test = (test - self.mean) / self.std
        self.kmeans = KMeans(n_clusters=n_cells, n_init=_KMEANS_N_INIT,
                             random_state=int(rng.integers(2**31 - 1)))
        # One thread: on small data the OpenMP threads of k-means cost more than
        # they give, and on a busy machine far more (seconds instead of milliseconds).
        with threadpool_limits(limits=1):
            self.kmeans.fit(self.train)
            self.test_cells = self.kmeans.predict(test)
        self.n_cells = n_cells
        self.test_distances = nearest_neighbor_distances(test, self.train)
        self.cell_mass = np.bincount(self.test_cells, minlength=n_cells) / test.shape[0]

    def __call__(self, generated):
        generated = (generated - self.mean) / self.std
        with threadpool_limits(limits=1):
            cells = self.kmeans.predict(generated)
        distances = nearest_neighbor_distances(generated, self.train)
        z = np.full(self.n_cells, np.nan)
        kept = np.zeros(self.n_cells, dtype=bool)
        for cell in range(self.n_cells):
            a = distances[cells == cell]
            b = self.test_distances[self.test_cells == cell]
            if a.shape[0] >= MIN_CELL_POINTS and b.shape[0] >= MIN_CELL_POINTS:
                z[cell] = _mann_whitney_z(a, b)
                kept[cell] = True
        if not kept.any():
            raise ValueError(
                f"no cell holds at least {MIN_CELL_POINTS} generated and "
                f"{MIN_CELL_POINTS} test points ({self.n_cells} cells, "
                f"{generated.shape[0]} generated points), so the data-copying "
                f"statistic is undefined; pass more generated points or fewer cells "
                f"(n_cells)."
            )
        weights = self.cell_mass[kept]
        statistic = float(weights @ z[kept] / weights.sum())
        return DataCopyingResult(statistic, z, self.cell_mass.copy(), kept)


def data_copying_test(generated, train, test, *, n_cells=None, random_state=None):
    """The data-copying statistic ``C_T`` of Meehan, Chaudhuri and Dasgupta (AISTATS 2020).

    Are the generated points *closer* to the training points than fresh data
    are? All data are standardised by the test set's per-feature mean and
    standard deviation, and space is cut into ``n_cells`` cells by k-means on
    the training set. In each cell ``pi`` the distances to the nearest
    training point, ``a_i = min_j |g_i - t_j|`` of the ``n1`` generated
    points and ``b_k`` of the ``n2`` test points in the cell, are compared by
    the Mann-Whitney statistic, z-scored as if both came from the same
    distribution::

        U(pi) = #{(i, k): a_i > b_k} + #{(i, k): a_i = b_k} / 2
        Z(pi) = (U(pi) - n1 n2 / 2) / sqrt(n1 n2 (n1 + n2 + 1) / 12)

    and the statistic is their mean weighted by the share ``P(pi)`` of the
    test points in each cell::

        C_T = sum_pi P(pi) Z(pi) / sum_pi P(pi)

    over the cells that hold at least 20 generated and 20 test points
    (Meehan et al. keep the cells with more than 20 generated points). See
    book chapter 7.

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    train : array_like of shape (n_train, n_features)
        The data the model was fitted on.
    test : array_like of shape (n_test, n_features)
        Held-out data from the same distribution, disjoint from ``train``.
    n_cells : int, optional
        The number of k-means cells. The default,
        ``min(n_test, n_generated) // 100`` (at least 1, at most ``n_train``),
        gives cells of about 100 test points, enough for a z-score in each and
        local enough to see where the model copies.
    random_state : None, int or numpy.random.Generator
        For k-means (5 restarts); the same int gives the same cells.

    Returns
    -------
    DataCopyingResult
        A named tuple ``(statistic, cell_statistics, cell_mass, kept)``;
        ``statistic`` is ``C_T``.

    Notes
    -----
    **Reading it.** ``C_T`` about 0 (within about +-0.5 at 2000 points, more
    for fewer): the generated points are as far from the training set as
    fresh data, as for a model that generalises. ``C_T << 0``: they are closer, the model copies its
    training points (a copy is at distance exactly 0; the ranks give ties
    their average rank). ``C_T >> 0``: they are farther, the model
    underfits: blurred samples, or samples off the data.

    **Its scale.** Each ``Z`` grows like the square root of the number ``N``
    of points in a cell: if a share ``p`` of the generated points are copies
    and the rest are fresh, ``Z`` is about ``-(p / 2) sqrt(6 N)`` for ``N``
    generated and ``N`` test points in a cell. With the default cells of
    about 100 test points, 20 % copies give about -2.5 and a sampler that
    only returns training points about -12 (Meehan et al.'s moons example,
    5 cells of 200, gives -17). Compare values only at the same number of
    cells and sample sizes.

    **What it does not see.** Cells with too few generated points are left
    out, so a model that misses part of the data is not penalised for it
    here (the two-sample metrics see that). Copying in one cell and blurring
    in another can cancel in the mean: look at ``cell_statistics``.

    Differences from Meehan et al.'s code: the data are standardised first,
    distances are to the whole training set (not only to the training points
    in the same cell), and ``U`` has no continuity correction.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy
    >>> train = make_toy("moons", 1000, random_state=0)
    >>> test = make_toy("moons", 1000, random_state=1)
    >>> fresh = make_toy("moons", 1000, random_state=2)
    >>> result = data_copying_test(fresh, train, test, random_state=0)
    >>> result.cell_statistics.shape  # 1000 // 100 cells
    (10,)
    >>> abs(result.statistic) < 1
    True
    >>> data_copying_test(train, train, test, random_state=0).statistic < -5  # all copies
    True
    """
    generated = check_samples(generated, "generated", allow_1d=True)
    train, test = _check_train_test(train, test)
    check_same_dimension(generated, train, ("generated", "train"))
    n_cells = check_int(n_cells, "n_cells", minimum=1, allow_none=True)
    cells = _CopyingCells(train, test, n_cells, generated.shape[0], random_state)
    return cells(generated)


def copy_fraction(generated, train, test, *, quantile=0.01):
    """The estimated share of generated points that are copies of training points.

    Let ``d(x) = min_j |x - t_j|`` be the distance from ``x`` to its nearest
    training point, on data standardised by the test set's per-feature mean
    and standard deviation, and ``r`` the ``quantile`` of ``d`` over the
    held-out test points: only a share ``q = quantile`` of fresh data come
    closer to the training set than ``r``. If a share ``p`` of the generated
    points are copies (``d = 0 < r``) and the rest behave like fresh data,
    the share of generated points closer than ``r`` is
    ``f = p + (1 - p) q``; solving for ``p``::

        copy_fraction = (f - q) / (1 - q),   f = #{i : d(g_i) < r} / n_generated

    estimates the share of copies (book chapter 7).

    Parameters
    ----------
    generated : array_like of shape (n_generated, n_features)
    train : array_like of shape (n_train, n_features)
        The data the model was fitted on.
    test : array_like of shape (n_test, n_features)
        Held-out data from the same distribution, disjoint from ``train``.
    quantile : float, default 0.01
        ``q``, in ``(0, 1)``: a point counts as a near-copy if it is closer to
        a training point than all but this share of fresh data. ``r`` is
        estimated from about ``q * n_test`` test points, which must be at
        least 1.

    Returns
    -------
    float
        The estimated share of copies, between ``-q / (1 - q)`` and 1.

    Notes
    -----
    Healthy values are about 0: fresh draws of the data give 0 +- 0.005
    with 2000 points each. Verbatim copies give their share: a
    sampler that returns 20 % training points and 80 % fresh points gives
    0.20, one that only returns training points 1.0; points a hair's breadth
    from a training point (much closer than ``r``) count as copies too.
    Negative values, down to ``-q / (1 - q)``, mean the generated points keep
    *farther* from the training set than fresh data (blur, or samples off the
    data); :func:`data_copying_test` measures that side.

    Unlike the median of :func:`memorization_ratio` (about 0.8 for 20 %
    copies, hard to tell from 1), this counts the copies directly. A
    complement is the share of generated points closer to a training than to
    a test point (0.5 ideal when ``n_train = n_test``; Platzer and Reutterer
    2021). Distance-based measures are diagnostics, not privacy guarantees.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy
    >>> train = make_toy("moons", 1000, random_state=0)
    >>> test = make_toy("moons", 1000, random_state=1)
    >>> fresh = make_toy("moons", 1000, random_state=2)
    >>> abs(copy_fraction(fresh, train, test)) < 0.02
    True
    >>> half_copies = np.vstack([train[:500], fresh[:500]])
    >>> round(copy_fraction(half_copies, train, test), 1)
    0.5
    """
    generated = check_samples(generated, "generated", allow_1d=True)
    train, test = _check_train_test(train, test)
    check_same_dimension(generated, train, ("generated", "train"))
    quantile = check_positive(quantile, "quantile")
    if quantile >= 1.0:
        raise ValueError(
            f"quantile must be between 0 and 1 (exclusive), got {quantile!r}; "
            f"e.g. quantile=0.01."
        )
    if quantile * test.shape[0] < 1.0:
        raise ValueError(
            f"copy_fraction estimates the {quantile!r}-quantile of the test points' "
            f"distances from quantile * n_test test points, which must be at least 1, "
            f"got {quantile!r} * {test.shape[0]} = {quantile * test.shape[0]:.3g}; "
            f"pass a larger test set or a larger quantile."
        )
    mean, std = _standardizer(test)
    train = (train - mean) / std
    radius = float(np.quantile(nearest_neighbor_distances((test - mean) / std, train), quantile))
    if radius == 0.0:
        raise ValueError(
            f"more than a share {quantile!r} of the test points also appear in train "
            f"(distance 0), so copies cannot be told from test points; pass a held-out "
            f"test set disjoint from train, e.g. from train_test_split."
        )
    distances = nearest_neighbor_distances((generated - mean) / std, train)
    below = float(np.mean(distances < radius))
    return (below - quantile) / (1.0 - quantile)


# -- scoring a sampler over repeated draws ----------------------------------------------
def _decimals(sds):
    """Enough decimals to show the smallest standard deviation to two significant digits."""
    sds = [sd for sd in sds if np.isfinite(sd) and sd > 0]
    if not sds:
        return 3
    return int(np.clip(1 - np.floor(np.log10(min(sds))), 0, 6))


class SamplerScores:
    """The result of :func:`score_sampler`: each metric's mean and sd over the draws.

    Printing it shows a table: one row per sampler (the model, then the
    references), one column per metric, each entry ``mean ± sd`` over the
    draws, and under it what each metric measures. :meth:`to_markdown` gives
    the same as a Markdown table, e.g. for a benchmark report; in a notebook
    the object shows as that table.

    Attributes
    ----------
    table : dict
        ``{row: {metric: (mean, sd)}}``, with ``sd`` the standard deviation
        over the draws (``ddof=1``).
    draws : dict
        ``{row: {metric: ndarray of shape (n_draws,)}}``, the value of every
        draw. Draw ``i`` of every row was scored on the same test set with the
        same metric seeds, so rows can also be compared draw by draw.
    rows : tuple of str
        The row names, in order.
    metrics : tuple of str
        The metric names, in order.
    notes : dict
        ``{metric: what it measures}``, printed under the table (empty for
        metrics passed by the user).
    n_draws : int
        The number of draws.
    n_samples : int
        The number of points in each draw.
    """

    def __init__(self, draws, n_samples, notes=None):
        self.draws = draws
        self.rows = tuple(draws)
        self.metrics = tuple(draws[self.rows[0]])
        self.n_draws = len(draws[self.rows[0]][self.metrics[0]])
        self.n_samples = n_samples
        self.notes = dict(notes or {})
        self.table = {
            row: {
                metric: (float(np.mean(values)), float(np.std(values, ddof=1)))
                for metric, values in by_metric.items()
            }
            for row, by_metric in draws.items()
        }

    def _title(self):
        return (f"Mean ± sd over {self.n_draws} draws of {self.n_samples} points, "
                f"every row scored on the same test set")

    def _cells(self, row):
        """The entries ``mean ± sd`` of a row, with the same decimals down each column."""
        cells = []
        for metric in self.metrics:
            decimals = _decimals([self.table[other][metric][1] for other in self.rows])
            mean, sd = self.table[row][metric]
            cells.append(f"{mean:.{decimals}f} ± {sd:.{decimals}f}")
        return cells

    def to_markdown(self, notes=True):
        """The table in Markdown, with the title and (if ``notes``) the notes under it.

        Parameters
        ----------
        notes : bool, default True
            Also list what each metric measures.

        Returns
        -------
        str
        """
        lines = [
            "| sampler | " + " | ".join(self.metrics) + " |",
            "|---|" + "---:|" * len(self.metrics),
        ]
        lines += [f"| {row} | " + " | ".join(self._cells(row)) + " |" for row in self.rows]
        lines += ["", self._title() + "."]
        if notes and self.notes:
            lines += [""] + [f"- **{name}**: {text}" for name, text in self.notes.items()]
        return "\n".join(lines)

    def __str__(self):
        grid = [["", *self.metrics]] + [[row, *self._cells(row)] for row in self.rows]
        widths = [max(len(line[k]) for line in grid) for k in range(len(grid[0]))]
        lines = [self._title()]
        for line in grid:
            first = line[0].ljust(widths[0])
            rest = (text.rjust(width) for text, width in zip(line[1:], widths[1:]))
            lines.append("  ".join([first, *rest]).rstrip())
        lines += [f"  {name}: {text}" for name, text in self.notes.items()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_markdown_(self):
        return self.to_markdown()


def _check_sampler(sampler, name):
    if not callable(sampler):
        raise TypeError(
            f"{name} must be a function {name}(n, random_state) that returns n points, "
            f"e.g. lambda n, rs: model.sample(n, random_state=rs), got "
            f"{_describe(sampler)}."
        )


def _draw(sampler, name, n, seed, n_features):
    """``sampler(n, seed)``, checked to be ``n`` points with the test set's features."""
    points = check_samples(sampler(n, seed), f"the output of {name}(n, random_state)",
                           allow_1d=True)
    if points.shape != (n, n_features):
        raise ValueError(
            f"{name}(n, random_state) must return an array of shape (n, n_features) = "
            f"({n}, {n_features}), n points with as many features as test, got shape "
            f"{points.shape}."
        )
    return points


def _moment_matched_gaussian(train):
    """A sampler of ``N(mean, cov)`` with the training set's mean and full covariance."""
    mean = train.mean(axis=0)
    cov = np.atleast_2d(np.cov(train, rowvar=False, bias=True))
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    # cov = factor @ factor.T; eigenvalues below 0 are round-off
    factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))

    def gaussian(n, random_state):
        z = check_random_state(random_state).standard_normal((n, train.shape[1]))
        return mean + z @ factor.T  # (n, d) @ (d, d) -> (n, d)

    return gaussian


class _DefaultMetrics:
    """The default metrics of :func:`score_sampler` against one test set.

    What every row shares is computed once: the test set's own kernel and
    distance terms, the data-copying cells, and, per draw (per ``seed``), the
    Gaussian that normalises the MMD.
    """

    def __init__(self, train, test, n_samples, random_state):
        self.test = test
        self.mean, self.std = _standardizer(test)
        fine = 0.1 * np.sqrt(test.shape[1] / 2.0)
        self.lengthscales = (fine, DEFAULT_LENGTHSCALE)
        self.distances = _HeldOutDistances((test - self.mean) / self.std, self.lengthscales)
        self.copying = _CopyingCells(train, test, None, n_samples, random_state)
        self.fine, self.coarse = (f"MMD l={l:.2g}" for l in self.lengthscales)
        self.notes = {
            "C2ST": "classifier two-sample accuracy; 0.5 ideal, 1 = separable",
            self.fine: "normalised MMD, fine lengthscale (sees blur); 0 ideal, 1 = N(0, I)",
            self.coarse: "normalised MMD, coarse lengthscale of normalized_mmd (published)",
            "energy": "energy distance on the standardised data; 0 ideal",
            "C_T": "data copying; about 0 healthy, << 0 copies training points, >> 0 blurs",
        }
        self._seed, self._baseline = None, None

    def __call__(self, generated, seed):
        if seed != self._seed:  # a new draw: a new Gaussian for the normalised MMD
            gaussian = check_random_state(seed).standard_normal(generated.shape)
            self._baseline = self.distances.gaussian_baseline(gaussian)
            self._seed = seed
        mmd2_values, energy = self.distances.mmd2_and_energy((generated - self.mean) / self.std)
        ratios = mmd2_values / self._baseline
        return {
            "C2ST": classifier_two_sample_test(generated, self.test, random_state=seed),
            self.fine: float(ratios[0]),
            self.coarse: float(ratios[1]),
            "energy": float(energy),
            "C_T": self.copying(generated).statistic,
        }


class _UserMetrics:
    """The metrics passed to :func:`score_sampler`: ``f(generated, train, test, seed)``."""

    def __init__(self, metrics, train, test):
        self.metrics, self.train, self.test = metrics, train, test
        self.notes = {}

    def __call__(self, generated, seed):
        scores = {}
        for name, metric in self.metrics.items():
            value = metric(generated, self.train, self.test, seed)
            try:
                scores[name] = float(value)
            except (TypeError, ValueError):
                raise TypeError(
                    f"the metric {name!r} must return a number, got "
                    f"{_describe(value)}."
                ) from None
        return scores


def _check_metrics(metrics):
    if not isinstance(metrics, dict) or not metrics:
        raise TypeError(
            f"metrics must be None for the defaults or a non-empty dict "
            f"{{name: f}} with f(generated, train, test, random_state) -> float, e.g. "
            f"{{'energy': lambda g, train, test, rs: energy_distance(g, test)}}, got "
            f"{_describe(metrics)}."
        )
    for name, metric in metrics.items():
        if not isinstance(name, str) or not callable(metric):
            raise TypeError(
                f"metrics must map names (str) to functions f(generated, train, test, "
                f"random_state) -> float, got the entry {name!r}: {_describe(metric)}."
            )


def score_sampler(sample, train, test, *, target=None, n_draws=5, n_samples=None,
                  random_state=None, metrics=None):
    """Score a sampler over repeated draws, next to reference samplers, on one test set.

    A single draw misleads: at 2000 points the normalised MMD of a fresh
    sample of the target varies by 50 % from draw to draw. This draws
    ``n_draws`` samples of ``n_samples`` points from each of

    * ``"model"``: ``sample(n, random_state)``, the sampler being judged;
    * ``"fresh target"``: ``target(n, random_state)``, fresh draws of the
      data distribution, where one can draw them (omitted when ``target`` is
      None). The floor: the best any model can expect;
    * ``"copy train"``: the training set resampled with replacement, a
      memoriser. Two-sample metrics rate it well; the data-copying statistic
      exposes it;
    * ``"Gaussian"``: the Gaussian with the training set's mean and full
      covariance (moment-matched), what a transport map gives before it
      learns anything beyond its linear part; a trained model must beat it
      by far,

    scores every sample against the same ``test`` set, and reports each
    metric's mean and standard deviation over the draws (book chapter 7).
    Within a draw every row gets the same metric seed (the same Gaussian in
    the normalised MMD, the same cross-validation folds), so the rows are
    compared on equal terms.

    Parameters
    ----------
    sample : callable
        ``sample(n, random_state)`` returns ``n`` generated points, an array
        of shape ``(n, n_features)``; ``random_state`` is an int. E.g.
        ``lambda n, rs: model.sample(n, random_state=rs)``.
    train : array_like of shape (n_train, n_features)
        The data the model was fitted on (for the "copy train" and
        "Gaussian" rows and the data-copying statistic).
    test : array_like of shape (n_test, n_features)
        Held-out data, disjoint from ``train``.
    target : callable, optional
        ``target(n, random_state)`` returns ``n`` fresh points of the data
        distribution, e.g. ``lambda n, rs: make_toy("moons", n,
        random_state=rs)``.
    n_draws : int, default 5
        The number of draws per row, ``>= 2`` (for a standard deviation).
    n_samples : int, optional
        The number of points per draw; default ``len(test)``.
    random_state : None, int or numpy.random.Generator
        Every seed (samples, metrics, k-means cells) is drawn from it; the
        same int gives the same table, provided ``sample`` and ``target`` are
        themselves reproducible given their seeds.
    metrics : dict, optional
        ``{name: f}`` with ``f(generated, train, test, random_state) ->
        float``, to use instead of the defaults. The default columns are:
        ``"C2ST"``, :func:`classifier_two_sample_test`; ``"MMD l=0.1"``, the
        normalised MMD at the fine lengthscale ``0.1 sqrt(d / 2)`` of
        :func:`normalized_mmd_scales` (the label shows its value, 0.1 in
        2-D); ``"MMD l=0.71"``, the normalised MMD at
        ``1 / sqrt(2)``, :func:`normalized_mmd`; ``"energy"``,
        :func:`energy_distance` on data standardised by the test set; and
        ``"C_T"``, :func:`data_copying_test` with cells fitted once per call.

    Returns
    -------
    SamplerScores
        Print it for the table; ``.table[row][metric]`` is ``(mean, sd)``,
        ``.draws[row][metric]`` the values of the draws, ``.to_markdown()``
        the table in Markdown.

    Notes
    -----
    How to read the table: the model is good where it comes close to the
    "fresh target" row in every column. The "copy train" row shows what
    memorising would score: the two-sample columns (C2ST, the MMDs, energy)
    rate it close to the fresh target, and only ``C_T`` exposes it; a model
    that scores like it on the two-sample columns while its ``C_T`` stays
    near 0 is as good as its training data allow. The "Gaussian" row shows
    how much training bought. A difference between two rows smaller than
    their standard deviations is not a difference.

    The run time is dominated by the pairs of points: at 2000 points in 2-D,
    5 draws and 4 rows take a few seconds.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy, train_test_split
    >>> train, test = train_test_split(make_toy("moons", 600, random_state=0), random_state=0)
    >>> def blurred_moons(n, random_state):  # stands in for model.sample
    ...     rng = np.random.default_rng(random_state)
    ...     return make_toy("moons", n, random_state=rng) + 0.2 * rng.standard_normal((n, 2))
    >>> scores = score_sampler(blurred_moons, train, test, n_draws=2, random_state=0,
    ...                        target=lambda n, rs: make_toy("moons", n, random_state=rs))
    >>> print(scores)
    Mean ± sd over 2 draws of 300 points, every row scored on the same test set
                             C2ST      MMD l=0.1     MMD l=0.71             energy              C_T
    model         0.5625 ± 0.0247  0.429 ± 0.037  0.179 ± 0.120  0.01073 ± 0.00400    3.906 ± 0.150
    fresh target  0.4833 ± 0.0047  0.315 ± 0.037  0.109 ± 0.038  0.01168 ± 0.00309   -0.690 ± 1.034
    copy train    0.5283 ± 0.0071  0.451 ± 0.021  0.099 ± 0.055  0.00990 ± 0.00837  -12.602 ± 0.044
    Gaussian      0.7908 ± 0.0059  0.999 ± 0.061  1.085 ± 0.328  0.04938 ± 0.00060    9.106 ± 0.538
      C2ST: classifier two-sample accuracy; 0.5 ideal, 1 = separable
      MMD l=0.1: normalised MMD, fine lengthscale (sees blur); 0 ideal, 1 = N(0, I)
      MMD l=0.71: normalised MMD, coarse lengthscale of normalized_mmd (published)
      energy: energy distance on the standardised data; 0 ideal
      C_T: data copying; about 0 healthy, << 0 copies training points, >> 0 blurs

    With 300 points and 2 draws the coarse columns cannot rank the samplers;
    the fine MMD, the C2ST and ``C_T`` show the blur. ``scores.table`` holds
    the numbers:

    >>> mean, sd = scores.table["model"]["C_T"]
    >>> mean > 3 * sd > 0  # the blurred model keeps away from the training points
    True
    """
    train, test = _check_train_test(train, test)
    if train.shape[0] < 2:
        raise ValueError(
            f"train must hold at least 2 points (for the Gaussian's covariance), got "
            f"shape {train.shape}."
        )
    _check_sampler(sample, "sample")
    if target is not None:
        _check_sampler(target, "target")
    n_draws = check_int(n_draws, "n_draws", minimum=2)
    n_samples = check_int(n_samples, "n_samples", minimum=1, allow_none=True)
    if n_samples is None:
        n_samples = test.shape[0]
    if metrics is not None:
        _check_metrics(metrics)
    rng = check_random_state(random_state)

    def copy_train(n, random_state):
        return train[check_random_state(random_state).integers(0, train.shape[0], size=n)]

    samplers = {"model": sample, "fresh target": target, "copy train": copy_train,
                "Gaussian": _moment_matched_gaussian(train)}
    names = {"model": "sample", "fresh target": "target"}  # for error messages
    rows = [row for row, sampler in samplers.items() if sampler is not None]
    # One thread for BLAS and OpenMP while scoring: the blocks of pairs are small, and
    # on a busy machine more threads made the scoring three times slower.
    with threadpool_limits(limits=1):
        if metrics is None:
            score = _DefaultMetrics(train, test, n_samples, rng)
        else:
            score = _UserMetrics(metrics, train, test)
    values = {row: [] for row in rows}
    for _ in range(n_draws):
        # a seed for each sampler whether or not there is a target, so that the model's
        # draws do not depend on it; one metric seed shared by the rows of this draw
        seeds = dict(zip(samplers, rng.integers(2**31 - 1, size=len(samplers)).tolist()))
        metric_seed = int(rng.integers(2**31 - 1))
        for row in rows:
            points = _draw(samplers[row], names.get(row, row), n_samples, seeds[row],
                           test.shape[1])
            with threadpool_limits(limits=1):
                values[row].append(score(points, metric_seed))
    draws = {
        row: {name: np.array([scores[name] for scores in values[row]])
              for name in values[row][0]}
        for row in rows
    }
    return SamplerScores(draws, n_samples, score.notes)

"""Toy data sets and the 8x8 digits (book chapter 1, and the experiments of chapter 7).

Every toy sampler draws ``n_samples`` points *independently* from a fixed
distribution: a random position along a curve or surface (or a random
component of a mixture) plus Gaussian noise. Two calls with different seeds
give different samples, and the rows come in random order, never sorted along
the curve. The toy sets of :data:`TOY_DATASETS` lie in the plane: float64
arrays of shape ``(n_samples, 2)``, roughly within ``[-4, 4]^2``. Those of
:data:`TOY_DATASETS_ND` have more dimensions (3 and 8, the number in the name)
and the same spread, a standard deviation of about 1 to 2 per feature.

================  ============================================================
name              distribution
================  ============================================================
``moons``         two interleaving half circles
``circles``       two concentric circles, radii 1 and 2
``rings``         four concentric circles, radii 0.75, 1.5, 2.25 and 3
``8gaussians``    eight Gaussian blobs on a circle of radius ``2 sqrt(2)``
``pinwheel``      five curved arms
``2spirals``      two interleaved spirals
``checkerboard``  uniform on the black squares of a 4 x 4 board
``swissroll``     the two-dimensional Swiss roll, a single spiral
``swissroll3d``   the classic Swiss roll in 3-D: that spiral, rolled along a
                  uniform height (shape ``(n_samples, 3)``)
``blobs8d``       five Gaussian blobs in 8-D, of unequal widths and weights
                  (shape ``(n_samples, 8)``)
================  ============================================================
"""

import numbers

import numpy as np

from ._validation import (
    check_int,
    check_nonnegative,
    check_positive,
    check_random_state,
    check_samples,
)

__all__ = ["TOY_DATASETS", "TOY_DATASETS_ND", "make_toy", "load_digits", "train_test_split"]


def _angle_points(radius, angle):
    # (n,), (n,) -> (n, 2): polar to Cartesian coordinates
    return np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])


def _moons(n, rng):
    # Upper half circle of radius 1 centred at (0, 0); lower one centred at (1, 0.5).
    t = rng.uniform(0.0, np.pi, size=n)
    lower = rng.random(n) < 0.5
    x = np.where(lower, 1.0 - np.cos(t), np.cos(t))
    y = np.where(lower, 0.5 - np.sin(t), np.sin(t))
    # centre on the origin and stretch to a spread of about 1
    return 2.0 * (np.column_stack([x, y]) - np.array([0.5, 0.25]))


def _circles(n, rng):
    radius = rng.choice(np.array([1.0, 2.0]), size=n)
    return _angle_points(radius, rng.uniform(0.0, 2.0 * np.pi, size=n))


def _rings(n, rng):
    radius = rng.choice(np.array([0.75, 1.5, 2.25, 3.0]), size=n)
    return _angle_points(radius, rng.uniform(0.0, 2.0 * np.pi, size=n))


def _eight_gaussians(n, rng):
    k = rng.integers(0, 8, size=n)
    return _angle_points(np.full(n, 2.0 * np.sqrt(2.0)), k * (np.pi / 4.0))


def _pinwheel(n, rng):
    # Five arms; the radial coordinate is random and each arm bends with the radius.
    n_arms, radial_std, rate = 5, 0.3, 0.25
    arm = rng.integers(0, n_arms, size=n)
    radius = 1.0 + radial_std * rng.standard_normal(n)
    angle = arm * (2.0 * np.pi / n_arms) + rate * np.exp(radius)
    return 2.0 * _angle_points(radius, angle)


def _two_spirals(n, rng):
    # sqrt(u) puts more points on the longer outer turns (uniform along the arc).
    t = np.sqrt(rng.random(n)) * 3.0 * np.pi
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    points = np.column_stack([-np.cos(t) * t, np.sin(t) * t]) / 3.0
    return sign[:, None] * points


def _checkerboard(n, rng):
    # x1 uniform on [-2, 2); x2 uniform on the two unit squares of the same colour
    # in the column of x1; then stretched by 2 to [-4, 4]^2.
    x1 = rng.uniform(-2.0, 2.0, size=n)
    x2 = rng.random(n) - 2.0 * rng.integers(0, 2, size=n) + np.floor(x1) % 2
    return 2.0 * np.column_stack([x1, x2])


def _swissroll(n, rng):
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    return np.column_stack([t * np.cos(t), t * np.sin(t)]) / 5.0


def _swissroll_3d(n, rng):
    # The classic roll (t cos t, height, t sin t): the 2-D swiss roll in the first and
    # third coordinates, a uniform height in [-2, 2] in the second.
    t = 1.5 * np.pi * (1.0 + 2.0 * rng.random(n))
    height = rng.uniform(-2.0, 2.0, size=n)
    return np.column_stack([t * np.cos(t) / 5.0, height, t * np.sin(t) / 5.0])


# The blobs of "blobs8d": centres drawn once as np.random.default_rng(4).standard_normal((5, 8)),
# scaled so that the closest two are 3.6 apart, centred on their weighted mean and rounded.
# Pairwise distances 3.6 to 7.2: at least 4 times the widest blob's standard deviation (0.9).
_BLOB_CENTRES = np.array([
    [0.32, -0.29, 1.46, 0.35, -1.65, 0.53, -0.01, -0.57],
    [-0.89, 0.24, -0.35, 1.51, 0.82, 1.18, -1.11, 2.09],
    [-1.27, 1.33, -1.06, -1.6, -0.41, -0.31, 1.26, -0.89],
    [3.02, -2.38, -0.65, -1.61, 1.4, -2.14, 0.34, -0.49],
    [-0.73, 1.18, -0.42, 0.79, 1.63, -0.7, -0.23, -1.01],
])
_BLOB_WEIGHTS = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
# each blob's standard deviation, as a multiple of ``noise`` (default 0.9, the widest blob's)
_BLOB_RELATIVE_SD = np.array([0.5, 0.8, 0.6, 1.0, 0.7])


def _blobs_8d(n, rng):
    # Returns the centres and each point's noise multiplier: make_toy adds the noise.
    blob = rng.choice(len(_BLOB_WEIGHTS), size=n, p=_BLOB_WEIGHTS)
    return _BLOB_CENTRES[blob], _BLOB_RELATIVE_SD[blob]


# name -> (sampler, default noise standard deviation). A sampler returns the noiseless
# points, shape (n, d), or a pair (points, noise multiplier per point of shape (n,)).
_SAMPLERS = {
    "moons": (_moons, 0.1),
    "circles": (_circles, 0.08),
    "rings": (_rings, 0.08),
    "8gaussians": (_eight_gaussians, 0.35),
    "pinwheel": (_pinwheel, 0.2),
    "2spirals": (_two_spirals, 0.1),
    "checkerboard": (_checkerboard, 0.0),
    "swissroll": (_swissroll, 0.15),
    "swissroll3d": (_swissroll_3d, 0.15),
    "blobs8d": (_blobs_8d, 0.9),
}

#: The two-dimensional toy sets of :func:`make_toy`.
TOY_DATASETS = ("moons", "circles", "rings", "8gaussians", "pinwheel", "2spirals",
                "checkerboard", "swissroll")
#: The toy sets of :func:`make_toy` in more than two dimensions.
TOY_DATASETS_ND = ("swissroll3d", "blobs8d")


def _toy_key(name):
    if not isinstance(name, str):
        raise TypeError(
            f"name must be the name of a toy data set, one of "
            f"{list(TOY_DATASETS + TOY_DATASETS_ND)}, "
            f"got {name!r} of type {type(name).__name__}; e.g. make_toy('moons', 500)."
        )
    key = name.strip().lower().replace("_", "").replace("-", "").replace(" ", "")
    if key not in _SAMPLERS:
        raise ValueError(
            f"unknown toy data set {name!r}; the name must be one of "
            f"{list(TOY_DATASETS + TOY_DATASETS_ND)}, e.g. make_toy('moons', 500)."
        )
    return key


def make_toy(name, n_samples, random_state=None, noise=None):
    """Draw ``n_samples`` i.i.d. points from a toy distribution (2-D, or 3-D and 8-D).

    Each point is ``y = c + noise * e`` where ``c`` is drawn at random from the
    noiseless shape (a uniform angle on a circle, a uniform position along a
    spiral, one of eight centres, ...) and ``e ~ N(0, I_d)``; see the table in
    the module docstring and book chapter 1. For ``"blobs8d"`` the noise of a
    point of blob ``k`` is ``noise * s_k * e``, with the blobs' relative widths
    ``s_k`` = 0.5, 0.8, 0.6, 1.0 and 0.7 (weights 0.3, 0.25, 0.2, 0.15 and 0.1),
    so that the blobs differ in width; their centres are fixed, 3.6 to 7.2
    apart.

    Parameters
    ----------
    name : str
        One of :data:`TOY_DATASETS`, the two-dimensional sets: ``"moons"``,
        ``"circles"``, ``"rings"``, ``"8gaussians"``, ``"pinwheel"``,
        ``"2spirals"``, ``"checkerboard"``, ``"swissroll"``; or one of
        :data:`TOY_DATASETS_ND`: ``"swissroll3d"`` (3-D), ``"blobs8d"`` (8-D).
        Case, ``_``, ``-`` and spaces are ignored.
    n_samples : int
        The number of points, ``>= 1``.
    random_state : None, int or numpy.random.Generator
        The source of randomness; the same int gives bit-identical samples.
    noise : float, optional
        The standard deviation of the Gaussian noise ``e``, in the units of the
        returned data (``>= 0``). ``None`` uses the data set's default: 0.1 for
        moons, 0.08 for circles and rings, 0.35 for 8gaussians, 0.2 for
        pinwheel, 0.1 for 2spirals, 0 for checkerboard, 0.15 for swissroll and
        swissroll3d, and 0.9 for blobs8d (the widest blob's standard deviation;
        ``noise=0`` gives the five centres).

    Returns
    -------
    Y : ndarray of shape (n_samples, n_features)
        The samples, float64, in random order; ``n_features`` is 2 for the
        sets of :data:`TOY_DATASETS`, 3 for swissroll3d and 8 for blobs8d.

    Examples
    --------
    >>> Y = make_toy("moons", 500, random_state=0)
    >>> Y.shape, Y.dtype
    ((500, 2), dtype('float64'))
    >>> bool(np.array_equal(Y, make_toy("moons", 500, random_state=0)))
    True
    >>> bool(np.abs(make_toy("checkerboard", 1000, random_state=0)).max() <= 4.0)
    True
    >>> make_toy("swissroll3d", 500, random_state=0).shape
    (500, 3)
    >>> len(np.unique(make_toy("blobs8d", 500, random_state=0, noise=0), axis=0))
    5
    """
    key = _toy_key(name)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    sampler, default_noise = _SAMPLERS[key]
    if noise is None:
        noise = default_noise
    else:
        try:
            noise = check_nonnegative(noise, "noise")
        except ValueError:
            raise ValueError(
                f"noise must be a finite standard deviation >= 0, got {noise!r}; "
                f"use 0 for the noiseless shape or None for the default "
                f"({default_noise} for {key!r})."
            ) from None
    rng = check_random_state(random_state)
    Y = sampler(n_samples, rng)
    relative_noise = 1.0
    if isinstance(Y, tuple):  # (points, noise multiplier per point)
        Y, relative_noise = Y[0], Y[1][:, None]
    if noise > 0:
        Y = Y + noise * relative_noise * rng.standard_normal(Y.shape)
    return np.ascontiguousarray(Y, dtype=np.float64)


def load_digits(return_labels=False):
    """The 8x8 handwritten digits shipped with scikit-learn, one image per row.

    1797 grey-scale images of the digits 0 to 9, each flattened row by row to
    64 pixel intensities between 0 and 16 (the UCI "optical recognition of
    handwritten digits" test set). The data ship with scikit-learn, so no
    download is needed; used in book chapter 7.

    Parameters
    ----------
    return_labels : bool, default False
        If True, also return the digit shown in each image.

    Returns
    -------
    Y : ndarray of shape (1797, 64)
        float64 pixel intensities in ``[0, 16]``; ``Y[i].reshape(8, 8)`` is an image.
    labels : ndarray of shape (1797,)
        The digits, int64; only when ``return_labels`` is True.

    Examples
    --------
    >>> Y, labels = load_digits(return_labels=True)
    >>> Y.shape, Y.dtype, float(Y.max()), int(labels[0])
    ((1797, 64), dtype('float64'), 16.0, 0)
    """
    if not isinstance(return_labels, (bool, np.bool_)):
        raise TypeError(f"return_labels must be True or False, got {return_labels!r}.")
    try:
        from sklearn import datasets as sk_datasets
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits data; install it "
            "with `pip install scikit-learn` (or `pip install lecturekit[digits]`)."
        ) from None
    bunch = sk_datasets.load_digits()
    Y = np.ascontiguousarray(bunch.data, dtype=np.float64)
    if return_labels:
        return Y, np.asarray(bunch.target, dtype=np.int64)
    return Y


def train_test_split(Y, test_size=0.5, random_state=None):
    """Split the rows of ``Y`` at random into a training and a test set.

    The model is fitted on the training rows; the test rows are held out to
    judge the generated samples (see :mod:`lecturekit.metrics` and book
    chapter 7).

    Parameters
    ----------
    Y : array_like of shape (n_samples, n_features)
        At least 2 samples.
    test_size : float or int, default 0.5
        A fraction in ``(0, 1)`` of the rows (rounded, at least 1 row on each
        side), or a number of rows between 1 and ``n_samples - 1``.
    random_state : None, int or numpy.random.Generator
        The source of randomness; the same int gives the same split.

    Returns
    -------
    train : ndarray of shape (n_samples - n_test, n_features)
    test : ndarray of shape (n_test, n_features)

    Examples
    --------
    >>> Y = np.arange(20.0).reshape(10, 2)
    >>> train, test = train_test_split(Y, test_size=0.3, random_state=0)
    >>> train.shape, test.shape
    ((7, 2), (3, 2))
    >>> sorted(np.vstack([train, test])[:, 0].tolist()) == Y[:, 0].tolist()
    True
    """
    Y = check_samples(Y, "Y", min_samples=2)
    n = Y.shape[0]
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = check_int(test_size, "test_size", minimum=1)
        if n_test > n - 1:
            raise ValueError(
                f"test_size as a number of rows must be between 1 and n_samples - 1 = "
                f"{n - 1}, got {n_test}; pass fewer rows or a fraction such as 0.5."
            )
    else:
        try:
            fraction = check_positive(test_size, "test_size")
        except ValueError:
            fraction = None
        if fraction is None or not fraction < 1.0:
            raise ValueError(
                f"test_size as a fraction must lie strictly between 0 and 1, got "
                f"{test_size!r}; e.g. test_size=0.5, or pass a number of rows."
            )
        n_test = min(max(int(round(fraction * n)), 1), n - 1)
    rng = check_random_state(random_state)
    order = rng.permutation(n)
    return Y[order[n_test:]], Y[order[:n_test]]

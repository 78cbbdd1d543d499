"""Baseline generative models: what a user would try first (book chapter 7 and the benchmark).

A kernel transport map has to earn its keep against simple models. This
module gives the honest baselines with which book chapter 7 ("Beyond the
lecture") and the benchmark (``benchmarks/``) compare
:class:`~lecturekit.transport.KernelTransport`. All of them have its shape:
``Sampler(...).fit(Y).sample(n_samples, random_state=...)``, for data ``Y``
of shape ``(n_samples, n_features)`` in any dimension.

* :class:`GaussianMixtureSampler`: a Gaussian mixture whose number of
  components is chosen by BIC.
* :class:`KDESampler`: a Gaussian kernel density estimate with a
  cross-validated bandwidth, sampled as "a random training point plus
  Gaussian noise"; with a small bandwidth it comes close to copying the
  training set.
* :class:`CopySampler`: the training points themselves, drawn at random. A
  memoriser: on kernel two-sample metrics (MMD, energy distance) it scores
  about as well as a fresh draw of the data, on the data-copying tests (see
  :func:`lecturekit.metrics.memorization_ratio`) as badly as possible. A
  model that generalises should beat it where it counts.
* :class:`GaussianSampler`: the moment-matched Gaussian (the data's mean and
  covariance). It is what a transport map gives before it learns anything
  beyond its linear part: the reference a trained map must beat by far.

In two dimensions the mixture and the KDE are hard to beat: measured on
several of this project's 2-D toy sets, a classifier tells their samples from held-out
data with 50-59 % accuracy (50 % is indistinguishable), against 69-71 % for
``KernelTransport()`` with its defaults and 62-63 % for copying the
training set. A map's case rests on smoothness, a latent space, conditional
use and high dimension.

The mixture and the KDE standardise each feature (``(y - mean) / std``)
before they choose components or a bandwidth, and map their samples back to
the data's units. A feature that is constant in the training data (its
standard deviation at most ``1e-12`` times its own largest absolute value, the
rule of ``KernelTransport``) is left out of that choice, reproduced exactly in
every sample, and named in a ``ConstantFeatureWarning``.
:class:`GaussianMixtureSampler` needs scikit-learn; the others need only NumPy.

Examples
--------
>>> from lecturekit.datasets import make_toy
>>> Y = make_toy("moons", 300, random_state=0)
>>> KDESampler(random_state=0).fit(Y).sample(4, random_state=1).shape
(4, 2)
"""

import inspect
import numbers
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ._validation import (
    _describe,
    _reject_strings,
    check_int,
    check_is_fitted,
    check_random_state,
    check_samples,
    constant_features,
)
from .kernels import sq_dists

__all__ = ["GaussianMixtureSampler", "KDESampler", "CopySampler", "GaussianSampler"]

#: The covariance structures of scikit-learn's ``GaussianMixture``.
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
#: :class:`GaussianMixtureSampler` tries at most one component per this many samples.
SAMPLES_PER_COMPONENT = 10
#: The default bandwidth grid of :class:`KDESampler`, before scaling by ``sqrt(d)``.
DEFAULT_BANDWIDTH_RANGE = (0.01, 1.0)
DEFAULT_N_BANDWIDTHS = 20
#: The largest block of the distance matrix held in memory during cross-validation.
_BLOCK_ENTRIES = 2**22


def _standardizer(Y):
    """Per-feature mean, scale and constant-feature mask of ``Y``.

    A feature is constant when its standard deviation is at most ``1e-12``
    times its own largest absolute value (the rule of ``KernelTransport``, in
    ``lecturekit._validation.constant_features``; a ``ConstantFeatureWarning``
    names such features); its scale is then 0 and its mean is its first value,
    so that ``mean + scale * z`` reproduces it exactly for any finite ``z``.
    """
    mean = Y.mean(axis=0)
    scale = Y.std(axis=0)
    constant = constant_features(Y, scale)
    scale[constant] = 0.0
    mean[constant] = Y[0, constant]
    return mean, scale, constant


def _standardized_varying(Y, mean, scale, constant):
    """The standardised non-constant features of ``Y``, shape ``(n_samples, n_varying)``."""
    keep = ~constant
    return (Y[:, keep] - mean[keep]) / scale[keep]


def _check_not_all_constant(constant, n_samples, cls_name):
    if np.all(constant):
        raise ValueError(
            f"{cls_name} needs at least one feature that varies, but every feature of Y is "
            f"constant (all {n_samples} rows are equal); there is nothing to fit. Use "
            f"CopySampler or GaussianSampler, which reproduce such data."
        )


class _Sampler:
    """Shared conventions: parameters, ``repr``, the fitted check and ``sample``'s checks."""

    @classmethod
    def _param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep=False):
        """The constructor arguments, as a dict."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params):
        """Set constructor arguments; unknown names raise ``ValueError``."""
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(
                    f"{name!r} is not a parameter of {type(self).__name__}; "
                    f"valid ones: {valid}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self):
        parameters = inspect.signature(type(self).__init__).parameters.values()
        defaults = {p.name: p.default for p in parameters if p.name != "self"}
        changed = [
            f"{k}={v!r}" for k, v in self.get_params().items()
            if not (v is defaults[k] or (type(v) is type(defaults[k]) and np.all(v == defaults[k])))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_is_fitted(self, method):
        check_is_fitted(self, "n_features_in_", method)  # NotFittedError, as in scikit-learn

    def _start_sampling(self, n_samples, random_state):
        self._check_is_fitted("sample")
        n_samples = check_int(n_samples, "n_samples", minimum=1)
        return n_samples, check_random_state(random_state)


# -- the Gaussian mixture ---------------------------------------------------------------
def _component_grid(cap):
    """The candidate numbers of components up to ``cap``: 1 to 8, then steps of 14 to 25 %.

    ``1, 2, ..., 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, ...`` (``2^m`` times
    1, 1.25, 1.5 and 1.75 above 8), and ``cap`` itself.
    """
    grid = set(range(1, min(cap, 8) + 1))
    m = 3
    while 2**m < cap:
        grid.update(v for v in (2**m * f for f in (1.25, 1.5, 1.75, 2.0)) if v <= cap)
        m += 1
    grid.add(cap)
    return sorted(int(v) for v in grid)


class GaussianMixtureSampler(_Sampler):
    """A Gaussian mixture with its number of components chosen by BIC.

    On the standardised data, scikit-learn's ``GaussianMixture`` is fitted with
    ``k`` components for each candidate ``k`` and the one with the smallest
    Bayesian information criterion

    ``BIC(k) = -2 log L_k + p_k log(n_samples)``

    is kept (``L_k`` the maximised likelihood, ``p_k`` the number of free
    parameters: ``k - 1`` weights, ``k d`` means and the covariances). Samples
    draw a component with probability its weight, then a point from its
    Gaussian, and are mapped back to the data's units. Used in book chapter 7
    and in the benchmark as a baseline.

    Parameters
    ----------
    max_components : int, default 20
        The largest number of components tried, ``>= 1``. The candidates are
        also capped at ``max(1, n_samples // 10)``, at least 10 samples per
        component on average, so small data sets work: a data set of 15 points
        gets one component.
    covariance_type : {"full", "tied", "diag", "spherical"}, default "full"
        As in scikit-learn's ``GaussianMixture``: a full covariance per
        component, one shared by all, diagonal ones, or one variance each.
    random_state : None, int or numpy.random.Generator
        Seeds the k-means initialisation of every fit; the same int gives the
        same model. A Generator is turned into one int seed at ``fit``.

    Attributes
    ----------
    n_components_ : int
        The number of components chosen.
    candidates_ : ndarray of shape (n_candidates,)
        The numbers of components tried, increasing.
    bic_ : ndarray of shape (n_candidates,)
        The BIC of each candidate, computed on the standardised non-constant
        features (standardising shifts every ``log L_k`` by the same constant,
        so the choice is that of the BIC in the data's units).
    model_ : sklearn.mixture.GaussianMixture
        The chosen mixture, fitted on the standardised non-constant features
        ``(Y[:, ~constant_] - mean_[~constant_]) / scale_[~constant_]``.
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation (``scale_`` is 0 for a constant feature).
    constant_ : ndarray of bool, shape (n_features,)
        True for the features that are constant in ``Y`` (reproduced exactly).
    n_features_in_ : int
    fit_time_ : float
        Seconds spent in ``fit``.

    Notes
    -----
    The search is coarse to fine: every ``k`` from 1 to 8, then
    ``10, 12, 14, 16, 20, 24, 28, 32, 40, ...`` (steps of 14 to 25 %) up to
    the cap, then every ``k`` between the two neighbours of the best
    candidate. When the BIC has a single minimum this finds the best ``k``
    among all integers up to the cap, with at most 16 fits for the default
    ``max_components=20``. Each fit uses ``n_init=1`` (one k-means start) and
    scikit-learn's defaults otherwise (``reg_covar=1e-6`` on the standardised
    data), in one thread: the matrices are small, and on a busy machine
    threads slowed the fits tenfold or more. Measured on 2 busy cores:
    0.2-0.7 s for 2000 points in 2-D, 4-6 s for the 1797 8x8 digits (64-D,
    61 non-constant features; BIC chooses 4 full-covariance components).

    In high dimension a full covariance has ``d (d + 1) / 2`` parameters per
    component, and BIC favours few components (or ``covariance_type="diag"``
    is the better model); the mixture then blurs, much as the moment-matched
    Gaussian does.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy
    >>> Y = make_toy("8gaussians", 800, random_state=0)
    >>> model = GaussianMixtureSampler(random_state=0).fit(Y)
    >>> model.n_components_
    8
    >>> model.sample(5, random_state=1).shape
    (5, 2)
    """

    def __init__(self, max_components=20, covariance_type="full", random_state=None):
        self.max_components = max_components
        self.covariance_type = covariance_type
        self.random_state = random_state

    def fit(self, Y):
        """Fit a mixture for each candidate number of components and keep the best by BIC.

        Parameters
        ----------
        Y : array_like of shape (n_samples, n_features)
            At least 2 samples, and at least one feature that is not constant.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        max_components = check_int(self.max_components, "max_components", minimum=1)
        if self.covariance_type not in COVARIANCE_TYPES:
            raise ValueError(
                f"covariance_type must be one of {COVARIANCE_TYPES}, got "
                f"{_describe(self.covariance_type)}; the default is 'full'."
            )
        try:
            from sklearn.mixture import GaussianMixture
        except ImportError:
            raise ImportError(
                "GaussianMixtureSampler needs scikit-learn for its GaussianMixture; install "
                "it with `pip install scikit-learn` (or `pip install lecturekit[digits]`)."
            ) from None
        Y = check_samples(Y, "Y", min_samples=2)
        n_samples = Y.shape[0]
        mean, scale, constant = _standardizer(Y)
        _check_not_all_constant(constant, n_samples, "GaussianMixtureSampler")
        Z = _standardized_varying(Y, mean, scale, constant)
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        cap = max(1, min(max_components, n_samples // SAMPLES_PER_COMPONENT))

        models, bics = {}, {}

        def try_k(k):
            if k not in models:
                gm = GaussianMixture(n_components=k, covariance_type=self.covariance_type,
                                     n_init=1, random_state=seed)
                models[k] = gm.fit(Z)
                bics[k] = float(gm.bic(Z))

        with threadpool_limits(limits=1):
            coarse = _component_grid(cap)
            for k in coarse:
                try_k(k)
            best = min(coarse, key=lambda k: (bics[k], k))
            i = coarse.index(best)
            low = coarse[i - 1] if i > 0 else best
            high = coarse[i + 1] if i + 1 < len(coarse) else best
            for k in range(low + 1, high):
                try_k(k)

        candidates = sorted(models)
        best = min(candidates, key=lambda k: (bics[k], k))
        self.candidates_ = np.array(candidates)
        self.bic_ = np.array([bics[k] for k in candidates])
        self.n_components_ = best
        self.model_ = models[best]
        self.mean_, self.scale_, self.constant_ = mean, scale, constant
        self.n_features_in_ = Y.shape[1]
        self.fit_time_ = time.perf_counter() - start
        return self

    def _covariance_factors(self):
        """Lower factors ``F_j`` with ``F_j F_j^T`` the covariance of component ``j``."""
        gm = self.model_
        k, d = gm.means_.shape
        cov = gm.covariances_
        if self.model_.covariance_type == "full":
            return np.linalg.cholesky(cov)  # (k, d, d)
        if self.model_.covariance_type == "tied":
            return np.broadcast_to(np.linalg.cholesky(cov), (k, d, d))
        if self.model_.covariance_type == "diag":
            return np.sqrt(cov)[:, :, None] * np.eye(d)  # (k, d) -> (k, d, d)
        return np.sqrt(cov)[:, None, None] * np.eye(d)  # spherical: (k,) -> (k, d, d)

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` new points from the chosen mixture, in random order.

        Parameters
        ----------
        n_samples : int
        random_state : None, int or numpy.random.Generator
            The same int gives bit-identical samples.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        n_samples, rng = self._start_sampling(n_samples, random_state)
        gm = self.model_
        weights = gm.weights_ / gm.weights_.sum()
        labels = rng.choice(len(weights), size=n_samples, p=weights)
        noise = rng.standard_normal((n_samples, gm.means_.shape[1]))
        factors = self._covariance_factors()
        Z = np.empty_like(noise)
        for j in range(len(weights)):
            rows = labels == j
            Z[rows] = gm.means_[j] + noise[rows] @ factors[j].T  # (m, d) @ (d, d) -> (m, d)
        return self._to_data(Z)

    def _to_data(self, Z):
        out = np.empty((Z.shape[0], self.n_features_in_))
        out[:, self.constant_] = self.mean_[self.constant_]
        keep = ~self.constant_
        out[:, keep] = self.mean_[keep] + self.scale_[keep] * Z
        return out


# -- the kernel density estimate -------------------------------------------------------
def _check_bandwidths(bandwidths):
    """None, a positive number, or a non-empty 1-D array of positive numbers (sorted)."""
    if bandwidths is None:
        return None
    if isinstance(bandwidths, numbers.Real) and not isinstance(bandwidths, bool):
        values = np.array([float(bandwidths)])
    else:
        if isinstance(bandwidths, (str, bytes)):
            raise TypeError(
                f"bandwidths must be None, a positive number or a 1-D array of positive "
                f"numbers, got {_describe(bandwidths)}; e.g. bandwidths=np.geomspace(0.01, 1, 20)."
            )
        _reject_strings(np.asarray(bandwidths), "bandwidths")
        try:
            values = np.asarray(bandwidths, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"bandwidths must be None, a positive number or a 1-D array of positive "
                f"numbers, got {_describe(bandwidths)}; e.g. bandwidths=np.geomspace(0.01, 1, 20)."
            ) from None
        if values.ndim != 1 or values.size == 0:
            raise ValueError(
                f"bandwidths must be None, a positive number or a non-empty 1-D array of "
                f"positive numbers, got an array of shape {values.shape}; e.g. "
                f"bandwidths=np.geomspace(0.01, 1, 20)."
            )
    bad = ~(np.isfinite(values) & (values > 0))
    if np.any(bad):
        raise ValueError(
            f"bandwidths must be finite and greater than 0 (in standardised units), got "
            f"{float(values[bad][0])!r}; e.g. bandwidths=np.geomspace(0.01, 1, 20)."
        )
    return np.unique(values)


def _log_likelihood_sums(test, train, bandwidths):
    """``sum_i log p_h(test_i)`` for each ``h``: the Gaussian KDE of ``train``, shape ``(n_h,)``.

    ``p_h(x) = mean_j N(x; train_j, h^2 I)``; the distances are computed once per
    block of test points and shared by all bandwidths (``logsumexp`` with the
    nearest training point as shift).
    """
    n_train, d = train.shape
    out = np.zeros(len(bandwidths))
    block = max(1, _BLOCK_ENTRIES // n_train)
    log_norm = np.log(n_train) + 0.5 * d * np.log(2.0 * np.pi * bandwidths**2)
    for i in range(0, test.shape[0], block):
        D = sq_dists(test[i:i + block], train)  # (b, n_train)
        nearest = D.min(axis=1, keepdims=True)
        D -= nearest
        for j, h in enumerate(bandwidths):
            s = np.exp(D * (-0.5 / h**2)).sum(axis=1)  # >= 1: the nearest point gives exp(0)
            out[j] += np.sum(np.log(s)) - nearest.sum() * (0.5 / h**2)
        out -= D.shape[0] * log_norm
    return out


class KDESampler(_Sampler):
    """A Gaussian kernel density estimate with a cross-validated bandwidth, and its sampler.

    On the standardised data ``z_1, ..., z_n`` the density is

    ``p(z) = (1 / n) sum_i (2 pi h^2)^(-d / 2) exp(-|z - z_i|^2 / (2 h^2))``,

    so a sample is a training point drawn at random plus Gaussian noise of
    standard deviation ``h`` in every standardised feature, mapped back to
    the data's units (noise of ``h * std`` in each feature). The bandwidth
    ``h`` maximises the mean held-out log-likelihood over ``cv`` folds. Used
    in book chapter 7 and in the benchmark as a baseline.

    Parameters
    ----------
    bandwidths : None, float or array_like of shape (n_bandwidths,)
        The candidate bandwidths ``h``, in standardised units (multiples of
        each feature's standard deviation). None: 20 log-spaced values from
        ``0.01 sqrt(d)`` to ``sqrt(d)``, with ``d`` the number of non-constant
        features (typical distances between standardised points grow like
        ``sqrt(d)``). A single number is used as it is, without
        cross-validation.
    cv : int, default 5
        The number of cross-validation folds, ``>= 2`` and at most the
        number of samples.
    random_state : None, int or numpy.random.Generator
        Shuffles the rows into folds; the same int gives the same bandwidth.

    Attributes
    ----------
    bandwidth_ : float
        The bandwidth chosen, in standardised units.
    bandwidths_ : ndarray of shape (n_bandwidths,)
        The candidates, increasing.
    cv_scores_ : ndarray of shape (n_bandwidths,) or None
        The held-out log-likelihood per point of each candidate, averaged over
        all points (each held out once), of the density of the standardised
        non-constant features; None when a single bandwidth was given.
    train_ : ndarray of shape (n_samples, n_features)
        A copy of the training data, the centres of the kernels.
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation (``scale_`` is 0 for a constant feature).
    constant_ : ndarray of bool, shape (n_features,)
        True for the features that are constant in ``Y`` (reproduced exactly).
    n_features_in_ : int
    fit_time_ : float
        Seconds spent in ``fit``.

    Notes
    -----
    The default grid: the cross-validated bandwidth measured 0.05 to 0.16 on
    the 2-D toy sets (0.05 to 0.1 at 2000 points, 0.1 to 0.16 at 200), 0.3
    to 0.55 on Gaussian data and about 0.55 on the digits (61 non-constant
    features), all well inside ``[0.01, 1] sqrt(d)``; neighbouring candidates
    differ by a factor 1.27. If ``bandwidth_`` is the smallest or the largest
    candidate, the best value may lie outside: pass a wider grid. Data with
    many repeated rows (rounded or discrete values) push the choice towards
    the smallest candidate, since a held-out point that repeats a training
    point is likelier the narrower the kernel.

    The cross-validation computes every held-out-to-training distance once
    and all bandwidths from it: ``O(n^2 d)`` work, plus ``n^2`` exponentials
    per candidate. Measured on 2 busy cores: about 0.6 s for 2000 points in
    2-D, 0.3-0.6 s for the 1797 digits. A sample costs ``O(n_samples d)``.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy
    >>> Y = make_toy("circles", 500, random_state=0)
    >>> model = KDESampler(random_state=0).fit(Y)
    >>> 0.02 < model.bandwidth_ < 0.3
    True
    >>> model.sample(3, random_state=1).shape
    (3, 2)
    """

    def __init__(self, bandwidths=None, cv=5, random_state=None):
        self.bandwidths = bandwidths
        self.cv = cv
        self.random_state = random_state

    def fit(self, Y):
        """Choose the bandwidth by cross-validation and keep the training points.

        Parameters
        ----------
        Y : array_like of shape (n_samples, n_features)
            At least 2 samples (at least ``cv`` with more than one candidate
            bandwidth), and at least one feature that is not constant.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        grid = _check_bandwidths(self.bandwidths)
        if isinstance(self.cv, bool) or not isinstance(self.cv, numbers.Integral):
            raise TypeError(
                f"cv must be an integer number of folds >= 2, got {_describe(self.cv)}; "
                f"e.g. cv=5."
            )
        if self.cv < 2:
            raise ValueError(
                f"cv must be an integer number of folds >= 2, got {self.cv!r}; "
                f"e.g. cv=5 (each fold is held out once)."
            )
        cv = int(self.cv)
        Y = check_samples(Y, "Y", min_samples=2)
        n_samples = Y.shape[0]
        mean, scale, constant = _standardizer(Y)
        _check_not_all_constant(constant, n_samples, "KDESampler")
        Z = _standardized_varying(Y, mean, scale, constant)
        d = Z.shape[1]
        if grid is None:
            grid = np.sqrt(d) * np.geomspace(*DEFAULT_BANDWIDTH_RANGE, DEFAULT_N_BANDWIDTHS)
        rng = check_random_state(self.random_state)

        if len(grid) == 1 and self.bandwidths is not None and np.ndim(self.bandwidths) == 0:
            scores = None
            best = float(grid[0])
        else:
            if cv > n_samples:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} samples, got {n_samples}; "
                    f"pass a smaller cv (>= 2) or more data."
                )
            folds = np.array_split(rng.permutation(n_samples), cv)
            totals = np.zeros(len(grid))
            held_out = np.zeros(n_samples, dtype=bool)
            with threadpool_limits(limits=1, user_api="blas"):
                for fold in folds:
                    held_out[:] = False
                    held_out[fold] = True
                    totals += _log_likelihood_sums(Z[held_out], Z[~held_out], grid)
            scores = totals / n_samples
            best = float(grid[np.argmax(scores)])

        self.bandwidths_ = grid
        self.cv_scores_ = scores
        self.bandwidth_ = best
        self.train_ = Y.copy()
        self.mean_, self.scale_, self.constant_ = mean, scale, constant
        self.n_features_in_ = Y.shape[1]
        self.fit_time_ = time.perf_counter() - start
        return self

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` points: random training points plus noise of ``bandwidth_`` std.

        Parameters
        ----------
        n_samples : int
        random_state : None, int or numpy.random.Generator
            The same int gives bit-identical samples.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        n_samples, rng = self._start_sampling(n_samples, random_state)
        rows = rng.integers(self.train_.shape[0], size=n_samples)
        noise = rng.standard_normal((n_samples, self.n_features_in_))
        # scale_ is 0 for a constant feature: it keeps its training value exactly
        return self.train_[rows] + (self.bandwidth_ * self.scale_) * noise


# -- copying the training set ----------------------------------------------------------
class CopySampler(_Sampler):
    """Copying the training set: samples are training points drawn at random.

    The empirical distribution of the data as a generative model, a pure
    memoriser. It is the reference for memorisation: on two-sample metrics
    it scores about as well as fresh data, on the data-copying tests (see
    :func:`lecturekit.metrics.memorization_ratio`) as badly as possible. Used
    in book chapter 7 and in the benchmark as a baseline.

    Parameters
    ----------
    replace : bool, default True
        Draw with replacement (the bootstrap). Without, a call returns
        distinct training rows and ``n_samples`` can be at most the number of
        training points.

    Attributes
    ----------
    train_ : ndarray of shape (n_samples, n_features)
        A copy of the training data.
    n_features_in_ : int
    fit_time_ : float
        Seconds spent in ``fit``.

    Examples
    --------
    >>> Y = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> samples = CopySampler(replace=False).fit(Y).sample(3, random_state=0)
    >>> sorted(samples[:, 0].tolist())
    [0.0, 2.0, 4.0]
    """

    def __init__(self, replace=True):
        self.replace = replace

    def fit(self, Y):
        """Keep a copy of the training points ``Y`` of shape ``(n_samples, n_features)``.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        if not isinstance(self.replace, (bool, np.bool_)):
            raise TypeError(f"replace must be True or False, got {_describe(self.replace)}.")
        Y = check_samples(Y, "Y", min_samples=1)
        self.train_ = Y.copy()
        self.n_features_in_ = Y.shape[1]
        self.fit_time_ = time.perf_counter() - start
        return self

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` training rows at random (with replacement if ``replace``).

        Parameters
        ----------
        n_samples : int
        random_state : None, int or numpy.random.Generator
            The same int gives the same rows.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        n_samples, rng = self._start_sampling(n_samples, random_state)
        n_train = self.train_.shape[0]
        if not self.replace and n_samples > n_train:
            raise ValueError(
                f"CopySampler(replace=False) can return at most the {n_train} training rows, "
                f"got n_samples={n_samples}; ask for fewer or use replace=True."
            )
        rows = rng.choice(n_train, size=n_samples, replace=bool(self.replace))
        return self.train_[rows].copy()


# -- the moment-matched Gaussian -------------------------------------------------------
class GaussianSampler(_Sampler):
    """The moment-matched Gaussian ``N(mean, cov)`` of the data.

    ``mean`` and ``cov`` are the mean and the covariance of the data's
    empirical distribution (the maximum-likelihood Gaussian, ``cov`` with
    divisor ``n_samples``). A samples is ``mean + F^T e`` with ``e ~ N(0, I)``
    and ``F^T F = cov`` from the singular value decomposition of the centred
    data, so singular covariances (constant or collinear features) are
    sampled exactly. It is the distribution a transport map gives when it has
    learned nothing beyond its linear part; a trained map must beat it by far.
    Used in book chapter 7 and in the benchmark as a baseline.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    covariance_ : ndarray of shape (n_features, n_features)
        The empirical covariance (divisor ``n_samples``).
    scale_ : ndarray of shape (n_features,)
        The per-feature standard deviation (0 for a constant feature).
    constant_ : ndarray of bool, shape (n_features,)
        True for the features that are constant in ``Y`` (reproduced exactly).
    n_features_in_ : int
    fit_time_ : float
        Seconds spent in ``fit``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Y = rng.normal([1.0, -2.0], [1.0, 3.0], size=(1000, 2))
    >>> model = GaussianSampler().fit(Y)
    >>> np.round(model.mean_)
    array([ 1., -2.])
    >>> model.sample(4, random_state=1).shape
    (4, 2)
    """

    def __init__(self):
        pass

    def fit(self, Y):
        """Estimate the mean and covariance of ``Y`` of shape ``(n_samples, n_features)``.

        Returns
        -------
        self
        """
        start = time.perf_counter()
        Y = check_samples(Y, "Y", min_samples=1)
        n_samples = Y.shape[0]
        mean, scale, constant = _standardizer(Y)
        Z = (Y - mean) / np.where(constant, 1.0, scale)
        Z[:, constant] = 0.0
        # Z = U S Vt: the standardised covariance is Vt^T (S^2 / n) Vt = F^T F. One thread:
        # the matrix is small, and threads slowed this SVD a hundredfold on a busy machine.
        with threadpool_limits(limits=1, user_api="blas"):
            _, s, Vt = np.linalg.svd(Z, full_matrices=False)
        factor = (s / np.sqrt(n_samples))[:, None] * Vt  # (r, d)
        self._factor = factor
        self.mean_, self.scale_, self.constant_ = mean, scale, constant
        scaled = factor * scale  # (r, d): the factor in data units
        self.covariance_ = scaled.T @ scaled  # (d, r) @ (r, d) -> (d, d)
        self.n_features_in_ = Y.shape[1]
        self.fit_time_ = time.perf_counter() - start
        return self

    def sample(self, n_samples, random_state=None):
        """Draw ``n_samples`` points from ``N(mean_, covariance_)``.

        Parameters
        ----------
        n_samples : int
        random_state : None, int or numpy.random.Generator
            The same int gives bit-identical samples.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        n_samples, rng = self._start_sampling(n_samples, random_state)
        noise = rng.standard_normal((n_samples, self._factor.shape[0]))
        # scale_ is 0 for a constant feature: it keeps its value exactly
        return self.mean_ + self.scale_ * (noise @ self._factor)  # (n, r) @ (r, d) -> (n, d)

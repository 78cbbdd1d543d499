"""Checks for the exercises of chapter 7, "Beyond the lecture"."""

import numpy as np

from ..features import RandomFourierFeatures
from ..kernels import RBF, Laplace
from ..metrics import memorization_ratio, nearest_neighbor_distances
from ..mmd import median_heuristic, mmd2
from ._core import Case, register

# ---------------------------------------------------------------------------------
# ch7-ex-pca: projecting onto k principal components and back


def _pca_reference(train, images, k):
    mean = train.mean(axis=0)
    _, _, Vt = np.linalg.svd(train - mean, full_matrices=False)
    P = Vt[:k]                                     # (k, d): rows are the directions
    return mean + (images - mean) @ P.T @ P        # (m, d) @ (d, k) @ (k, d) -> (m, d)


def _pca_data(seed, n, d, mean_level=4.0):
    """n points in d dimensions with a non-zero mean and well separated variances."""
    rng = np.random.default_rng(seed)
    spread = 3.0 * 0.6 ** np.arange(d)             # distinct standard deviations
    rotation, _ = np.linalg.qr(rng.standard_normal((d, d)))
    centre = mean_level + rng.standard_normal(d)
    return centre + (rng.standard_normal((n, d)) * spread) @ rotation.T


@register("ch7-pca", chapter=7, title="How many components?", label="ch7-ex-pca",
          answer="a function pca_reconstruct(train, images, k) -> array of shape (m, d): "
                 "the images, shape (m, d), projected onto the first k principal directions "
                 "of train, shape (n, d), and mapped back to the original coordinates")
def _pca():
    settings = [
        ("train of 40 points in 6-D, 15 other images, k = 2", 0, 40, 15, 6, 2),
        ("train of 60 points in 10-D, 20 other images, k = 1", 1, 60, 20, 10, 1),
        ("fewer training points than dimensions: 5 points in 8-D, k = 3", 2, 5, 12, 8, 3),
        ("k = d = 4: nothing is discarded, the images must come back unchanged",
         3, 30, 10, 4, 4),
        ("a single image (m = 1) in 5-D, k = 2", 4, 25, 1, 5, 2),
    ]
    cases = []
    for description, seed, n, m, d, k in settings:
        data = _pca_data(seed, n + m, d)
        train, images = data[:n], data[n:]
        mean = train.mean(axis=0)
        _, _, Vt_c = np.linalg.svd(train - mean, full_matrices=False)
        _, _, Vt_raw = np.linalg.svd(train, full_matrices=False)
        P = Vt_c[:k]
        wrong = {
            "the data were not centred: subtract the training mean before the SVD and "
            "before projecting, and add it back at the end; without centring, the first "
            "direction points at the mean instead of along the spread.":
                images @ Vt_raw[:k].T @ Vt_raw[:k],
            "the mean is not added back: the projection lives in the centred coordinates, "
            "so the reconstruction is the mean plus the projected deviation.":
                (images - mean) @ P.T @ P,
            "the principal directions were computed from centred data, but the images "
            "were projected without subtracting the training mean first.":
                mean + images @ P.T @ P,
            "these are the k directions of SMALLEST variance: np.linalg.eigh sorts "
            "eigenvalues in increasing order (np.linalg.svd sorts singular values in "
            "decreasing order).":
                mean + (images - mean) @ Vt_c[-k:].T @ Vt_c[-k:],
        }
        if k < d and Vt_c.shape[0] == d:
            wrong["the principal directions are the ROWS of the V^T that np.linalg.svd "
                  "returns (it returns V transposed), not its columns."] = (
                mean + (images - mean) @ Vt_c[:, :k] @ Vt_c[:, :k].T)
        if m > 1:
            wrong["centre the images with the TRAINING mean, not with their own mean: "
                  "the projection is one fixed map, learned from the training data, "
                  "applied to every image."] = (
                mean + (images - images.mean(axis=0)) @ P.T @ P)
        cases.append(Case(description, args=(train, images, k),
                          expected=_pca_reference(train, images, k), wrong=wrong,
                          rtol=1e-6, atol=1e-8,
                          hint="return the reconstructed images in the original "
                               "coordinates, shape (m, d), not their k coordinates; the "
                               "k directions are those of largest variance of the "
                               "centred training data."))
    return cases


# ---------------------------------------------------------------------------------
# ch7-ex-timing: fitting a power law t = c n^p


def _power_law_reference(sizes, times):
    p, log_c = np.polyfit(np.log(np.asarray(sizes, float)),
                          np.log(np.asarray(times, float)), 1)
    return np.array([np.exp(log_c), p])


@register("ch7-timing", chapter=7, title="How the exact fit time grows",
          label="ch7-ex-timing",
          answer="a function fit_power_law(sizes, times) -> (c, p) with times ~ c * sizes**p, "
                 "fitted by least squares on log(times) against log(sizes)")
def _timing():
    rng = np.random.default_rng(11)
    noisy_sizes = np.array([100, 200, 400, 800, 1600, 3200, 6400])
    noisy_times = 2e-6 * noisy_sizes ** 1.4 * np.exp(0.3 * rng.standard_normal(7))
    settings = [
        ("an exact power law: t = 3e-6 n^2 at n = 250, 500, 1000, 2000",
         np.array([250, 500, 1000, 2000]), 3e-6 * np.array([250, 500, 1000, 2000]) ** 2.0),
        ("noisy times around 2e-6 n^1.4 at 7 sizes from 100 to 6400",
         noisy_sizes, noisy_times),
        ("two sizes only, given as Python lists: n = [100, 400], t = [0.01, 0.08]",
         [100, 400], [0.01, 0.08]),
        ("a time that does not depend on n: t = 0.5 s at n = 10, 100, 1000",
         np.array([10, 100, 1000]), np.full(3, 0.5)),
    ]
    cases = []
    for description, sizes, times in settings:
        n, t = np.asarray(sizes, float), np.asarray(times, float)
        c, p = _power_law_reference(n, t)
        slope, intercept = np.polyfit(n, t, 1)
        slope10, intercept10 = np.polyfit(np.log10(n), np.log10(t), 1)
        back_slope, back_intercept = np.polyfit(np.log(t), np.log(n), 1) if np.ptp(t) > 0 \
            else (np.inf, 0.0)
        wrong = {
            "np.polyfit returns the slope first and the intercept second: the slope is p "
            "and the intercept is log c, and the answer is (c, p).": np.array([p, np.log(c)]),
            "the intercept of the line is log c, not c: take its exponential.":
                np.array([np.log(c), p]),
            "the two outputs are swapped: return (c, p), the prefactor first.":
                np.array([p, c]),
            "this is a straight line fitted to t against n; a power law is a straight "
            "line on log-log axes: fit log t against log n.": np.array([intercept, slope]),
            "this is a straight line fitted to t against n, returned as (slope, "
            "intercept); a power law is a straight line on log-log axes: fit log t "
            "against log n.": np.array([slope, intercept]),
            "the line was fitted in base-10 logarithms, so its intercept is log10 c: "
            "c = 10**intercept, not exp(intercept).": np.array([np.exp(intercept10), slope10]),
        }
        if np.isfinite(back_slope) and back_slope != 0:
            wrong["this fits log n against log t and inverts the line; least squares on "
                  "log t asks for the line that predicts log t from log n, which differs "
                  "when the times are noisy."] = np.array(
                [np.exp(-back_intercept / back_slope), 1 / back_slope])
        cases.append(Case(description, args=(sizes, times), expected=np.array([c, p]),
                          wrong=wrong, rtol=1e-6, atol=1e-12,
                          hint="taking logs turns t = c n^p into log t = log c + p log n, a "
                               "straight line; fit it by least squares and return (c, p)."))
    return cases


# ---------------------------------------------------------------------------------
# ch7-ex-one-pass: the mean feature vector, block by block


def _blocks(Y, block_size):
    return [Y[start:start + block_size] for start in range(0, len(Y), block_size)]


@register("ch7-one-pass", chapter=7, title="One pass over the data", label="ch7-ex-one-pass",
          answer="a function mean_embedding_in_blocks(features, Y, block_size) -> array of "
                 "shape (2 D,): the mean of features.transform(y) over the rows y of Y, "
                 "computed block_size rows at a time")
def _one_pass():
    settings = [
        ("2500 points in 3-D, blocks of 1000: the last block has 500 points", 0, 2500, 3,
         RBF(0.7), 50, 1000),
        ("3000 points in 2-D, blocks of 1000: three full blocks", 1, 3000, 2, RBF(1.5),
         40, 1000),
        ("300 points in 2-D, blocks of 1000: one block, larger than Y", 2, 300, 2,
         Laplace(1.0), 30, 1000),
        ("1000 points in 4-D, blocks of 64: the last block has 40 points", 3, 1000, 4,
         RBF(2.0), 25, 64),
        ("7 points in 1-D, blocks of 1 point", 4, 7, 1, RBF(0.5), 10, 1),
    ]
    cases = []
    for description, seed, N, d, kernel, D, block_size in settings:
        Y = np.random.default_rng(seed).standard_normal((N, d)) + 0.5
        features = RandomFourierFeatures(kernel, n_features=D, random_state=seed).fit(Y)
        blocks = _blocks(Y, block_size)
        sums = [features.transform(B).sum(axis=0) for B in blocks]
        full = [s for s, B in zip(sums, blocks) if len(B) == block_size]
        wrong = {
            "the mean of the block means gives every block the same weight, but the last "
            "block is shorter: add up the sums of the blocks and divide by the total "
            "number of points.":
                np.mean([s / len(B) for s, B in zip(sums, blocks)], axis=0),
            "the sum is divided by (number of blocks) x block_size, but the last block "
            "need not be full: divide by the number of points, len(Y).":
                np.sum(sums, axis=0) / (len(blocks) * block_size),
            "the sum of the features is not divided by the number of points: the mean "
            "embedding is an average.": np.sum(sums, axis=0),
        }
        if len(full) < len(blocks):
            skipped = ("the loop skips the last block because it is shorter than "
                       "block_size (or all of Y when block_size > len(Y)): step through "
                       "Y in strides of block_size until its end, and keep the remainder.")
            if full:
                wrong[skipped] = np.sum(full, axis=0) / (len(full) * block_size)
                wrong[skipped.replace("skips", "leaves out")] = np.sum(full, axis=0) / N
            else:
                wrong[skipped] = np.zeros(2 * D)
        cases.append(Case(description, args=(features, Y, block_size),
                          expected=features.transform(Y).mean(axis=0), wrong=wrong,
                          rtol=1e-7, atol=1e-10,
                          hint="the result must equal features.transform(Y).mean(axis=0) "
                               "while holding at most block_size rows of features in "
                               "memory at a time."))
    return cases


# ---------------------------------------------------------------------------------
# ch7-ex-dataset: a model of one's own data, judged on held-out data

_N_SAMPLES = 1000
_GAP = 0.5            # the samples must close at least this fraction of the gap
_MEMORISATION = 0.5   # below this memorisation ratio, the samples copy the training data
_RESOLVED = 0.7       # the training data must score below this fraction of the untrained map

_JUDGE_HINT = (
    "look at model.loss_history_ (did the objective drop?). Take both kernels from the "
    "median heuristic of the standardised training data, as the digits section does, "
    "and a small reg (1e-6 to 1e-4). In more than a handful of dimensions, fit in a PCA "
    "space and map the samples back, as for the digits."
)


def _placeholder(value):
    return "still the placeholder `...`" if value is Ellipsis else repr(value)


def _as_data(value, name):
    if value is None or value is Ellipsis:
        return None, (f"your {name} data are {_placeholder(value)}",
                      "pass the arrays themselves: check('ch7-dataset', (model, train, "
                      "test)).")
    try:
        A = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None, (f"your {name} data are not an array of numbers but "
                      f"{type(value).__name__}", "pass a 2-D array, one point per row.")
    if A.ndim != 2:
        return None, (f"your {name} data must be a 2-D array (one point per row), got "
                      f"shape {A.shape}", "a data set of n points in d dimensions has "
                                          "shape (n, d).")
    if not np.all(np.isfinite(A)):
        return None, (f"your {name} data contain NaN or infinite values",
                      "drop or fill the missing values before splitting.")
    return A, None


def _standardise_by(A, reference):
    mean, std = reference.mean(axis=0), reference.std(axis=0)
    std[std == 0] = 1.0
    return (A - mean) / std


def _judge_dataset(answer):
    """None if the model is a fair model of the held-out data, else (message, hint)."""
    try:
        model, train, test = answer
    except (TypeError, ValueError):
        return (f"expected a tuple (model, train, test), got {type(answer).__name__}",
                "pass your fitted model, the data it was fitted on and your held-out data: "
                "check('ch7-dataset', (model, train, test)).")
    if model is None or model is Ellipsis:
        return (f"your model is {_placeholder(model)}",
                "fit a KernelTransport to your training data and pass the fitted model.")
    train, problem = _as_data(train, "training")
    if problem:
        return problem
    test, problem = _as_data(test, "held-out")
    if problem:
        return problem
    if train.shape[1] != test.shape[1]:
        return (f"the training data have {train.shape[1]} columns and the held-out data "
                f"{test.shape[1]}", "split the rows of one data set, not its columns.")
    d = train.shape[1]
    if d < 2:
        return (f"your data have {d} column", "choose a data set with several features.")
    if len(train) < 20 or len(test) < 20:
        return (f"{len(train)} training and {len(test)} held-out points are too few to "
                "judge a model", "keep at least 20 points on each side of the split.")
    copies = np.mean(nearest_neighbor_distances(test, train) == 0)
    if copies > 0.1:
        return (f"{copies:.0%} of your held-out points are also training points",
                "the held-out data must be disjoint from the training data: split the rows "
                "once, e.g. with lk.train_test_split, fit on one part, judge on the other.")
    if not hasattr(model, "sample"):
        return (f"your model, a {type(model).__name__}, has no sample method",
                "pass the fitted KernelTransport itself (or an object whose "
                "sample(n_samples, random_state=...) returns points in data coordinates).")
    if (getattr(model, "standardize", False) and hasattr(model, "mean_")
            and np.shape(model.mean_) == (d,)
            and not np.allclose(model.mean_, train.mean(axis=0), rtol=1e-6,
                                atol=1e-9 * (1 + np.abs(train).max()))):
        return ("your model was not fitted on these training data: the mean it "
                "standardised by differs from the mean of train",
                "pass the data you called fit with, and hold out other rows to judge it.")
    try:
        samples = np.asarray(model.sample(_N_SAMPLES, random_state=0), dtype=float)
    except Exception as err:  # not fitted, or a wrapper that fails
        return (f"model.sample({_N_SAMPLES}, random_state=0) raised "
                f"{type(err).__name__}: {err}",
                "fit the model first, and pass the fitted model.")
    if samples.shape != (_N_SAMPLES, d):
        return (f"model.sample({_N_SAMPLES}) returned shape {samples.shape}, expected "
                f"({_N_SAMPLES}, {d}), the dimension of your data",
                "samples must live where the data live; if you fitted in a PCA space, map "
                "them back to the data's coordinates.")
    if not np.all(np.isfinite(samples)):
        return ("the samples contain NaN or infinite values",
                "check the training data for constant or missing features.")

    # the held-out squared MMD (unbiased), on data standardised by the held-out set,
    # under an RBF kernel at the median distance of the standardised held-out data
    S_test = _standardise_by(test, test)
    kernel = RBF(median_heuristic(S_test))
    untrained = (train.mean(axis=0) + train.std(axis=0)
                 * np.random.default_rng(0).standard_normal((_N_SAMPLES, d)))

    def score(A):
        return mmd2(_standardise_by(A, test), S_test, kernel, unbiased=True)

    ours, floor, base = score(samples), score(train), score(untrained)
    numbers = (f"held-out squared MMD: your samples {ours:.3g}, the untrained map "
               f"{base:.3g}, your training data {floor:.3g}")
    if not floor < _RESOLVED * base:
        return (numbers + "; on these held-out data the MMD cannot tell your data from a "
                          "Gaussian, so it cannot judge a model",
                "hold out more points (a third of the data or more) or choose a data set "
                "that is further from a Gaussian.")
    closed = (base - ours) / (base - floor)
    if closed < _GAP:
        return (numbers + f"; your samples close {closed:.0%} of the gap between the "
                          f"untrained map and the data, at least {_GAP:.0%} is asked",
                _JUDGE_HINT)
    ratio = memorization_ratio(samples, train, test)
    if ratio < _MEMORISATION:
        return (f"memorisation ratio {ratio:.2f}, at least {_MEMORISATION} is asked: your "
                f"samples are much closer to the training points than held-out data are; "
                f"they copy the training data",
                "raise reg, use fewer reference points, or a map kernel with a longer "
                "lengthscale, so that the map cannot send the reference points onto "
                "training points.")
    return None


@register("ch7-dataset", chapter=7, title="Your own data set", label="ch7-ex-dataset",
          answer="a tuple (model, train, test): your fitted KernelTransport (or any object "
                 "whose sample(n_samples, random_state=...) returns points in data "
                 "coordinates), the data, shape (n, d), it was fitted on, and your "
                 f"held-out data, shape (m, d). On the held-out data, the squared MMD "
                 f"(unbiased, RBF kernel at the median distance, data standardised by the "
                 f"held-out set) of {_N_SAMPLES} samples must close at least {_GAP:.0%} of "
                 f"the gap between the untrained map (a Gaussian with the training means "
                 f"and variances) and the training data themselves, and their "
                 f"memorisation ratio must be at least {_MEMORISATION}", kind="object")
def _dataset():
    return [Case(f"{_N_SAMPLES} samples of your model, judged on your held-out data",
                 args=None, compare=_judge_dataset, hint=_JUDGE_HINT)]

"""The checks of chapter 7's exercises: right answers pass, typical mistakes get their hint."""

import inspect

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA

import lecturekit as lk
from lecturekit.exercises import _core, ch07
from exercise_checks import fails_with  # noqa: E402

NAMES = ["ch7-pca", "ch7-timing", "ch7-one-pass", "ch7-dataset"]


def test_registered_for_chapter_7():
    assert lk.exercises.available(chapter=7) == NAMES
    for name in NAMES:
        assert _core._REGISTRY[name].label.startswith("ch7-ex-")


# ---------------------------------------------------------------------------------
# ch7-pca


def reconstruct_with_eigh(train, images, k):
    """PCA from the eigenvectors of the covariance, sorted by decreasing eigenvalue."""
    mean = train.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(train, rowvar=False))
    top = vectors[:, np.argsort(values)[::-1][:k]]            # (d, k)
    return mean + (images - mean) @ top @ top.T


def reconstruct_with_sklearn(train, images, k):
    pca = PCA(n_components=k).fit(train)
    return pca.inverse_transform(pca.transform(images))


@pytest.mark.parametrize("answer", [reconstruct_with_eigh, reconstruct_with_sklearn])
def test_pca_right_answers_pass(answer):
    assert lk.exercises.check("ch7-pca", answer, verbose=False)


def svd_rows(train, k, centre=True):
    mean = train.mean(axis=0) if centre else 0.0
    return np.linalg.svd(train - mean, full_matrices=False)[2][:k]


def test_pca_not_centred():
    def uncentred(train, images, k):
        P = svd_rows(train, k, centre=False)
        return images @ P.T @ P
    fails_with("ch7-pca", uncentred, "not centred")


def test_pca_mean_not_added_back():
    def no_mean(train, images, k):
        P = svd_rows(train, k)
        return (images - train.mean(axis=0)) @ P.T @ P
    fails_with("ch7-pca", no_mean, "mean is not added back")


def test_pca_images_not_centred():
    def images_raw(train, images, k):
        P = svd_rows(train, k)
        return train.mean(axis=0) + images @ P.T @ P
    fails_with("ch7-pca", images_raw, "without subtracting the training mean")


def test_pca_columns_of_vt():
    def columns(train, images, k):
        mean = train.mean(axis=0)
        Vt = np.linalg.svd(train - mean, full_matrices=False)[2]
        return mean + (images - mean) @ Vt[:, :k] @ Vt[:, :k].T
    fails_with("ch7-pca", columns, "ROWS of the V^T")


def test_pca_eigh_ascending_order():
    def smallest(train, images, k):
        mean = train.mean(axis=0)
        vectors = np.linalg.eigh(np.cov(train, rowvar=False))[1][:, :k]
        return mean + (images - mean) @ vectors @ vectors.T
    fails_with("ch7-pca", smallest, "SMALLEST variance", "increasing order")


def test_pca_images_own_mean():
    def own_mean(train, images, k):
        P = svd_rows(train, k)
        return train.mean(axis=0) + (images - images.mean(axis=0)) @ P.T @ P
    fails_with("ch7-pca", own_mean, "TRAINING mean")


def test_pca_coordinates_instead_of_pixels():
    def coordinates(train, images, k):
        return (images - train.mean(axis=0)) @ svd_rows(train, k).T   # (m, k)
    result = fails_with("ch7-pca", coordinates, "expected shape (15, 6), got shape (15, 2)",
                        "not their k coordinates")
    assert result.failed_case == 1


def test_pca_function_that_raises():
    def broken(train, images, k):
        raise NotImplementedError("not yet")
    fails_with("ch7-pca", broken, "raised NotImplementedError")


def test_pca_full_rank_case_is_the_identity():
    case = [c for c in ch07._pca() if "k = d" in c.description][0]
    train, images, k = case.args
    assert np.allclose(case.expected, images)


# ---------------------------------------------------------------------------------
# ch7-timing


def power_law_lstsq(sizes, times):
    A = np.column_stack([np.ones(len(sizes)), np.log(sizes)])
    (log_c, p), *_ = np.linalg.lstsq(A, np.log(times), rcond=None)
    return np.exp(log_c), p


def test_timing_right_answer_passes():
    assert lk.exercises.check("ch7-timing", power_law_lstsq, verbose=False)


def test_timing_expected_values_on_the_exact_power_law():
    case = ch07._timing()[0]
    assert np.allclose(case.expected, [3e-6, 2.0])


@pytest.mark.parametrize("answer, words", [
    (lambda n, t: np.polyfit(np.log(n), np.log(t), 1), ("slope first",)),
    (lambda n, t: (np.polyfit(np.log(n), np.log(t), 1)[1], np.polyfit(np.log(n), np.log(t), 1)[0]),
     ("intercept of the line is log c",)),
    (lambda n, t: power_law_lstsq(n, t)[::-1], ("swapped",)),
    (lambda n, t: tuple(np.polyfit(np.asarray(n, float), t, 1)[::-1]), ("log-log axes",)),
    (lambda n, t: tuple(np.polyfit(np.asarray(n, float), t, 1)), ("(slope", "log-log axes")),
    (lambda n, t: (np.exp(np.polyfit(np.log10(n), np.log10(t), 1)[1]),
                   np.polyfit(np.log10(n), np.log10(t), 1)[0]), ("base-10",)),
], ids=["polyfit order", "log c", "swapped", "linear", "linear slope first", "log10"])
def test_timing_typical_mistakes(answer, words):
    fails_with("ch7-timing", answer, *words)


def test_timing_regression_the_wrong_way_round():
    def inverted(sizes, times):
        slope, intercept = np.polyfit(np.log(times), np.log(sizes), 1)
        return np.exp(-intercept / slope), 1 / slope
    result = fails_with("ch7-timing", inverted, "log n against log t")
    assert result.failed_case == 2       # exact data cannot tell the two lines apart


def test_timing_wrong_number_of_outputs():
    fails_with("ch7-timing", lambda n, t: 2.0, "expected shape (2,), got a number")


# ---------------------------------------------------------------------------------
# ch7-one-pass


def blockwise(features, Y, block_size):
    total, count = 0.0, 0
    for start in range(0, len(Y), block_size):
        block = Y[start:start + block_size]
        total = total + features.transform(block).sum(axis=0)
        count += len(block)
    return total / count


def test_one_pass_right_answers_pass():
    assert lk.exercises.check("ch7-one-pass", blockwise, verbose=False)
    assert lk.exercises.check("ch7-one-pass",
                              lambda f, Y, b: f.mean_embedding(Y, block_size=b),
                              verbose=False)


def test_one_pass_expected_is_the_library_embedding():
    for case in ch07._one_pass():
        features, Y, _ = case.args
        assert np.allclose(case.expected, features.mean_embedding(Y))


def test_one_pass_mean_of_means():
    def mean_of_means(features, Y, block_size):
        means = [features.transform(Y[s:s + block_size]).mean(axis=0)
                 for s in range(0, len(Y), block_size)]
        return np.mean(means, axis=0)
    result = fails_with("ch7-one-pass", mean_of_means, "mean of the block means",
                        "last block is shorter")
    assert result.failed_case == 1


def test_one_pass_divided_by_blocks_times_size():
    def padded(features, Y, block_size):
        sums = [features.transform(Y[s:s + block_size]).sum(axis=0)
                for s in range(0, len(Y), block_size)]
        return np.sum(sums, axis=0) / (len(sums) * block_size)
    fails_with("ch7-one-pass", padded, "divide by the number of points")


def test_one_pass_last_block_skipped():
    def full_blocks_only(features, Y, block_size):
        total, count = np.zeros(2 * features.frequencies_.shape[0]), 0
        for s in range(0, len(Y) - block_size + 1, block_size):
            total += features.transform(Y[s:s + block_size]).sum(axis=0)
            count += block_size
        return total / max(count, 1)
    fails_with("ch7-one-pass", full_blocks_only, "skips the last block")

    def divided_by_n(features, Y, block_size):
        n_full = len(Y) // block_size
        total = sum(features.transform(Y[i * block_size:(i + 1) * block_size]).sum(axis=0)
                    for i in range(n_full))
        return total / len(Y)
    fails_with("ch7-one-pass", divided_by_n, "leaves out the last block")


def test_one_pass_block_larger_than_data():
    def only_full(features, Y, block_size):
        if block_size > len(Y):
            return np.zeros(2 * features.frequencies_.shape[0])
        return blockwise(features, Y, block_size)
    result = fails_with("ch7-one-pass", only_full, "block_size > len(Y)")
    assert result.failed_case == 3


def test_one_pass_sum_not_mean():
    def total(features, Y, block_size):
        return blockwise(features, Y, block_size) * len(Y)
    fails_with("ch7-one-pass", total, "not divided by the number of points")


def test_one_pass_block_means_stacked():
    def stacked(features, Y, block_size):
        return np.array([features.transform(Y[s:s + block_size]).mean(axis=0)
                         for s in range(0, len(Y), block_size)])
    fails_with("ch7-one-pass", stacked, "expected shape (100,)")


# ---------------------------------------------------------------------------------
# ch7-dataset


@pytest.fixture(scope="module")
def iris():
    data = load_iris().data
    train, test = lk.train_test_split(data, test_size=0.4, random_state=0)
    S = (train - train.mean(axis=0)) / train.std(axis=0)
    ell = lk.median_heuristic(S)

    def fit(reg, on=train):
        return lk.KernelTransport(mmd_kernel=lk.RBF(ell / 2), map_kernel=lk.RBF(ell),
                                  reg=reg, random_state=0).fit(on)
    return train, test, fit


def test_dataset_good_model_passes(iris):
    train, test, fit = iris
    assert lk.exercises.check("ch7-dataset", (fit(1e-6), train, test), verbose=False)


def test_dataset_stiff_model_fails(iris):
    train, test, fit = iris
    fails_with("ch7-dataset", (fit(1e-2), train, test), "of the gap", "loss_history_")


def test_dataset_untrained_gaussian_fails(iris):
    train, test, _ = iris

    class Untrained:
        def sample(self, n, random_state=None):
            rng = np.random.default_rng(random_state)
            return train.mean(axis=0) + train.std(axis=0) * rng.standard_normal((n, 4))
    fails_with("ch7-dataset", (Untrained(), train, test), "of the gap")


def test_dataset_copies_fail(iris):
    train, test, _ = iris

    class Copier:
        def sample(self, n, random_state=None):
            rng = np.random.default_rng(random_state)
            return train[rng.integers(len(train), size=n)]
    fails_with("ch7-dataset", (Copier(), train, test), "memorisation ratio 0.00, at least 0.5", "raise reg")


def test_dataset_model_fitted_on_other_data(iris):
    train, test, fit = iris
    fails_with("ch7-dataset", (fit(1e-6, on=test), train, test),
               "not fitted on these training data")


def test_dataset_held_out_is_the_training_set(iris):
    train, _, fit = iris
    fails_with("ch7-dataset", (fit(1e-6), train, train),
               "100% of your held-out points are also training points", "disjoint")


def test_dataset_placeholders_and_shapes(iris):
    train, test, fit = iris
    fails_with("ch7-dataset", (..., train, test), "your model is still the placeholder `...`")
    fails_with("ch7-dataset", (fit(1e-6), ..., test), "training data are still the placeholder `...`")
    fails_with("ch7-dataset", fit(1e-6), "expected a tuple (model, train, test)")
    fails_with("ch7-dataset", (fit(1e-6), train[:, :2], test), "2 columns")
    fails_with("ch7-dataset", (lk.KernelTransport(), train, test),
               "raised NotFittedError", "fit the model first")

    class TwoFeatures:
        def sample(self, n, random_state=None):
            return np.zeros((n, 2))
    fails_with("ch7-dataset", (TwoFeatures(), train, test), "expected (1000, 4)")


def test_dataset_data_the_mmd_cannot_judge():
    rng = np.random.default_rng(3)
    data = rng.standard_normal((300, 3))
    train, test = data[:200], data[200:]
    model = lk.KernelTransport(random_state=0).fit(train)
    fails_with("ch7-dataset", (model, train, test), "cannot tell your data from a Gaussian")


# ---------------------------------------------------------------------------------
# all checks


@pytest.mark.parametrize("name", ["ch7-pca", "ch7-timing", "ch7-one-pass"])
def test_cases_do_not_depend_on_global_random_state(name):
    np.random.seed(0)
    first = _core._REGISTRY[name].cases()
    np.random.seed(12345)
    np.random.standard_normal(100)
    second = _core._REGISTRY[name].cases()
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert a.description == b.description
        assert np.array_equal(a.expected, b.expected)
        for x, y in zip(a.args, b.args):
            if isinstance(x, lk.RandomFourierFeatures):
                assert np.array_equal(x.frequencies_, y.frequencies_)
            else:
                assert np.array_equal(np.asarray(x), np.asarray(y))


def test_dataset_verdict_does_not_depend_on_global_random_state(iris):
    train, test, fit = iris
    model = fit(1e-4)
    messages = []
    for seed in (0, 99):
        np.random.seed(seed)
        messages.append(lk.exercises.check("ch7-dataset", (model, train, test),
                                           verbose=False).message)
    assert messages[0] == messages[1]


@pytest.mark.parametrize("name, answer", [
    ("ch7-pca", lambda train, images, k: images),
    ("ch7-timing", lambda n, t: (1.0, 1.0)),
    ("ch7-one-pass", lambda f, Y, b: np.zeros(2 * f.frequencies_.shape[0])),
])
def test_failures_do_not_print_the_reference(name, answer):
    result = fails_with(name, answer)
    source = inspect.getsource(ch07)
    code_lines = [line.strip() for line in source.splitlines()
                  if line.strip().startswith(("return mean", "p, log_c", "P = Vt"))]
    assert code_lines
    for line in code_lines:
        assert line not in result.message


def test_checks_are_fast(iris):
    import time
    train, test, fit = iris
    model = fit(1e-6)
    answers = {"ch7-pca": reconstruct_with_eigh, "ch7-timing": power_law_lstsq,
               "ch7-one-pass": blockwise, "ch7-dataset": (model, train, test)}
    lk.exercises.check("ch7-one-pass", blockwise, verbose=False)   # warm up BLAS
    for name, answer in answers.items():
        start = time.perf_counter()
        assert lk.exercises.check(name, answer, verbose=False)
        assert time.perf_counter() - start < 1.0, name

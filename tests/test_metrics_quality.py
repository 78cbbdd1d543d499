"""Tests of the sample-quality measures of lecturekit.metrics.

The classifier two-sample test, the normalised MMD at several lengthscales,
the memorisation measures (data-copying statistic, share of copies) and
score_sampler. Each test checks what a number means on samples whose answer
is known: fresh draws of the target, blurred draws, shifted draws, copies.
"""

import sys

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from lecturekit.datasets import make_toy
from lecturekit.kernels import RBF
from lecturekit.metrics import (
    DEFAULT_LENGTHSCALE,
    DEFAULT_LENGTHSCALES,
    DataCopyingResult,
    SamplerScores,
    classifier_two_sample_test,
    copy_fraction,
    data_copying_test,
    energy_distance,
    memorization_ratio,
    nearest_neighbor_distances,
    normalized_mmd,
    normalized_mmd_scales,
    score_sampler,
)


def blurred(name, n, seed, noise=0.3):
    """Fresh draws of a toy set plus Gaussian noise: a model that underfits."""
    rng = np.random.default_rng(seed)
    return make_toy(name, n, random_state=rng) + noise * rng.standard_normal((n, 2))


# -- classifier_two_sample_test ----------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_c2st_is_near_one_half_for_two_fresh_draws(seed):
    test = make_toy("moons", 1000, random_state=100)
    fresh = make_toy("moons", 1000, random_state=seed)
    assert abs(classifier_two_sample_test(fresh, test, random_state=seed) - 0.5) < 0.04


def test_c2st_grows_with_a_shift_to_one_for_separated_samples():
    test = make_toy("moons", 1000, random_state=100)
    fresh = make_toy("moons", 1000, random_state=1)
    accuracy = [classifier_two_sample_test(fresh + np.array([0.0, shift]), test, random_state=0)
                for shift in (0.0, 0.25, 3.0)]  # the moons' y has standard deviation 1
    assert accuracy[0] < 0.55 < accuracy[1] < 0.9 < 0.99 < accuracy[2]


def test_c2st_sees_a_blurred_spiral_that_the_coarse_mmd_cannot_tell_from_true_samples():
    test = make_toy("2spirals", 1000, random_state=0)
    c2st = {"fresh": [], "blurred": []}
    coarse = {"fresh": [], "blurred": []}
    for seed in range(3):
        samples = {"fresh": make_toy("2spirals", 1000, random_state=10 + seed),
                   "blurred": blurred("2spirals", 1000, 20 + seed)}
        for kind, sample in samples.items():
            c2st[kind].append(classifier_two_sample_test(sample, test, random_state=seed))
            coarse[kind].append(normalized_mmd(sample, test, random_state=seed))
    # the classifier separates every blurred draw from every fresh one by a wide margin
    assert max(c2st["fresh"]) < 0.56
    assert min(c2st["blurred"]) > max(c2st["fresh"]) + 0.08
    # the coarse (KODE-protocol) MMD rates the blurred spiral within 50 % of true samples
    assert np.mean(coarse["blurred"]) < 1.5 * np.mean(coarse["fresh"])


def test_c2st_balances_unequal_sizes_and_is_deterministic_per_seed():
    test = make_toy("moons", 1000, random_state=100)
    small = make_toy("moons", 300, random_state=1)
    # test is subsampled to 300 points; the classes are balanced, so still about 0.5
    value = classifier_two_sample_test(small, test, random_state=3)
    assert abs(value - 0.5) < 0.07
    assert value == classifier_two_sample_test(small, test, random_state=3)
    rng_value = classifier_two_sample_test(small, test, random_state=np.random.default_rng(3))
    assert rng_value == value
    # a different seed gives a different subsample and folds
    assert classifier_two_sample_test(small, test, random_state=4) != value
    assert isinstance(value, float)


def test_c2st_standardises_by_the_test_set():
    test = make_toy("moons", 500, random_state=100)
    blur = blurred("moons", 500, 1)
    scale = np.array([1000.0, 0.001])  # without standardising only x would count
    value = classifier_two_sample_test(blur, test, random_state=0)
    assert value > 0.6
    assert classifier_two_sample_test(blur * scale, test * scale, random_state=0) == value


def test_c2st_validation():
    X = make_toy("moons", 100, random_state=0)
    with pytest.raises(ValueError, match="n_neighbors must be an integer >= 1"):
        classifier_two_sample_test(X, X, n_neighbors=0)
    with pytest.raises(TypeError, match="n_neighbors"):
        classifier_two_sample_test(X, X, n_neighbors=2.5)
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        classifier_two_sample_test(X, X, n_splits=1)
    with pytest.raises(ValueError, match=r"at least 2 \* n_splits = 10 points.*got 9 generated"):
        classifier_two_sample_test(X[:9], X)
    with pytest.raises(ValueError, match="n_neighbors must be at most"):
        classifier_two_sample_test(X[:10], X[:10], n_neighbors=50)
    with pytest.raises(ValueError, match="same number of features"):
        classifier_two_sample_test(X, X[:, :1])
    with pytest.raises(ValueError, match="finite"):
        classifier_two_sample_test(np.full((20, 2), np.nan), X)


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch):
    X = make_toy("moons", 100, random_state=0)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # `import sklearn` now fails
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        classifier_two_sample_test(X, X)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        data_copying_test(X, X, X + 1.0)


# -- normalized_mmd_scales -------------------------------------------------------------
def test_mmd_scales_equal_normalized_mmd_with_the_same_gaussian_draw():
    rng = np.random.default_rng(0)
    test = rng.normal([5.0, -2.0], [3.0, 0.5], size=(200, 2))
    gen = rng.normal([5.5, -2.0], [3.0, 0.7], size=(150, 2))
    scales = normalized_mmd_scales(gen, test, lengthscales=[0.3, 1.0, 0.1], random_state=7)
    assert list(scales) == [0.1, 0.3, 1.0]  # increasing
    for lengthscale, value in scales.items():
        expected = normalized_mmd(gen, test, random_state=7, kernel=RBF(lengthscale))
        assert value == pytest.approx(expected, rel=1e-10)
    # the defaults include the KODE lengthscale, so the old number is one of the entries
    default = normalized_mmd_scales(gen, test, random_state=7)
    assert default[DEFAULT_LENGTHSCALE] == pytest.approx(
        normalized_mmd(gen, test, random_state=7), rel=1e-10)


@pytest.mark.parametrize("n_features", [1, 2, 8])
def test_mmd_scales_default_lengthscales_grow_like_sqrt_dimension(n_features):
    rng = np.random.default_rng(1)
    test, gen = rng.standard_normal((2, 60, n_features))
    lengthscales = list(normalized_mmd_scales(gen, test, random_state=0))
    scaled = [c * np.sqrt(n_features / 2.0) for c in DEFAULT_LENGTHSCALES]
    assert lengthscales == sorted(set(scaled) | {DEFAULT_LENGTHSCALE})
    if n_features == 2:
        assert lengthscales == list(DEFAULT_LENGTHSCALES)


def test_mmd_scales_fine_lengthscale_sees_the_blur_that_the_coarse_one_misses():
    test = make_toy("2spirals", 1000, random_state=0)
    ratios = {}
    for seed in range(3):
        fresh = normalized_mmd_scales(make_toy("2spirals", 1000, random_state=10 + seed),
                                      test, random_state=seed)
        blur = normalized_mmd_scales(blurred("2spirals", 1000, 20 + seed), test,
                                     random_state=seed)
        for lengthscale in fresh:
            ratios.setdefault(lengthscale, []).append(blur[lengthscale] / fresh[lengthscale])
    assert np.mean(ratios[0.1]) > 2.0  # fine: the blurred spiral scores twice as bad
    assert np.mean(ratios[DEFAULT_LENGTHSCALE]) < 1.5  # coarse: within the noise
    # the ratio shrinks from fine to coarse
    means = [np.mean(ratios[l]) for l in sorted(ratios)]
    assert means[1] > means[3] > means[4]


def test_mmd_scales_of_the_gaussian_itself_are_about_one():
    test = make_toy("moons", 800, random_state=1)
    rng = np.random.default_rng(5)
    gaussian = test.mean(axis=0) + test.std(axis=0) * rng.standard_normal((800, 2))
    for value in normalized_mmd_scales(gaussian, test, random_state=0).values():
        assert 0.8 < value < 1.25


def test_mmd_scales_validation():
    X = make_toy("moons", 50, random_state=0)
    with pytest.raises(ValueError, match="at least one"):
        normalized_mmd_scales(X, X, lengthscales=[])
    with pytest.raises(ValueError, match="greater than 0"):
        normalized_mmd_scales(X, X, lengthscales=[0.1, -1.0])
    with pytest.raises(TypeError, match="sequence of positive numbers"):
        normalized_mmd_scales(X, X, lengthscales=0.5)
    with pytest.raises(TypeError, match="sequence of positive numbers"):
        normalized_mmd_scales(X, X, lengthscales="0.5")
    with pytest.raises(TypeError, match="random_state"):
        normalized_mmd_scales(X, X, random_state="zero")


# -- memorisation: data_copying_test and copy_fraction -----------------------------------
@pytest.fixture(scope="module")
def moons_split():
    train = make_toy("moons", 1000, random_state=1)
    test = make_toy("moons", 1000, random_state=2)
    fresh = make_toy("moons", 1000, random_state=3)
    rng = np.random.default_rng(4)
    # 20 % verbatim training points, 80 % fresh draws
    copies = np.vstack([train[rng.choice(1000, size=200, replace=False)], fresh[:800]])
    return train, test, fresh, copies


def test_twenty_percent_copies_fool_the_median_ratio_but_not_the_new_measures(moons_split):
    train, test, fresh, copies = moons_split
    # the old measure: the median distance barely moves
    assert memorization_ratio(copies, train, test) > 0.7
    assert memorization_ratio(fresh, train, test) > 0.9
    # the data-copying statistic: clearly negative for copies, about 0 for fresh draws
    assert data_copying_test(copies, train, test, random_state=0).statistic < -1.5
    assert abs(data_copying_test(fresh, train, test, random_state=0).statistic) < 0.8
    # the share of copies: 0.2 for copies, about 0 for fresh draws
    assert copy_fraction(copies, train, test) == pytest.approx(0.2, abs=0.02)
    assert abs(copy_fraction(fresh, train, test)) < 0.01


def test_blurred_samples_give_a_large_positive_data_copying_statistic(moons_split):
    train, test, _, _ = moons_split
    blur = blurred("moons", 1000, 5)
    assert data_copying_test(blur, train, test, random_state=0).statistic > 3.0
    # farther from the training set than fresh data: no copies, a negative share
    assert -0.01 / 0.99 - 1e-12 <= copy_fraction(blur, train, test) < 0.0


def test_copying_the_training_set(moons_split):
    train, test, _, _ = moons_split
    bootstrap = train[np.random.default_rng(0).integers(0, 1000, size=1000)]
    assert copy_fraction(bootstrap, train, test) == 1.0
    # every generated distance is 0: U = 0 in every cell, Z = -sqrt(3 n1 n2 / (n1 + n2 + 1))
    result = data_copying_test(bootstrap, train, test, random_state=0)
    assert result.statistic < -9.0


def test_data_copying_statistic_in_one_cell_is_the_z_scored_mann_whitney_u(moons_split):
    train, test, _, copies = moons_split
    result = data_copying_test(copies, train, test, n_cells=1, random_state=0)
    mean, std = test.mean(axis=0), test.std(axis=0)
    a = nearest_neighbor_distances((copies - mean) / std, (train - mean) / std)
    b = nearest_neighbor_distances((test - mean) / std, (train - mean) / std)
    u = mannwhitneyu(a, b).statistic  # ties (the copies at 0) count 1/2
    n1, n2 = len(a), len(b)
    z = (u - n1 * n2 / 2) / np.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    assert result.statistic == pytest.approx(z, rel=1e-12)
    assert result.cell_statistics.shape == (1,)


def test_data_copying_result_is_the_test_mass_weighted_mean_of_kept_cells(moons_split):
    train, test, fresh, _ = moons_split
    generated = fresh[:300]  # few generated points: some cells fall below 20 of them
    result = data_copying_test(generated, train, test, n_cells=15, random_state=1)
    assert isinstance(result, DataCopyingResult)
    assert result.cell_statistics.shape == result.cell_mass.shape == result.kept.shape == (15,)
    assert result.cell_mass.sum() == pytest.approx(1.0)
    assert 0 < result.kept.sum() < 15
    assert np.all(np.isnan(result.cell_statistics[~result.kept]))
    weights = result.cell_mass[result.kept]
    expected = weights @ result.cell_statistics[result.kept] / weights.sum()
    assert result.statistic == pytest.approx(expected)
    # default cells: about 100 test (and generated) points each
    assert data_copying_test(fresh, train, test, random_state=1).cell_mass.shape == (10,)


def test_memorisation_measures_are_invariant_to_feature_scaling(moons_split):
    train, test, _, copies = moons_split
    scale = np.array([100.0, 0.01])
    assert copy_fraction(copies * scale, train * scale, test * scale) == pytest.approx(
        copy_fraction(copies, train, test))
    assert data_copying_test(copies * scale, train * scale, test * scale,
                             random_state=0).statistic == pytest.approx(
        data_copying_test(copies, train, test, random_state=0).statistic, rel=1e-6)


def test_memorisation_validation(moons_split):
    train, test, fresh, _ = moons_split
    with pytest.raises(ValueError, match="n_cells must be at most the number of training"):
        data_copying_test(fresh, train[:5], test, n_cells=6)
    with pytest.raises(ValueError, match="n_cells must be an integer >= 1"):
        data_copying_test(fresh, train, test, n_cells=0)
    with pytest.raises(ValueError, match="no cell holds at least 20 generated"):
        data_copying_test(fresh[:10], train, test)
    with pytest.raises(ValueError, match="same number of features"):
        data_copying_test(fresh[:, :1], train, test)
    with pytest.raises(ValueError, match="between 0 and 1"):
        copy_fraction(fresh, train, test, quantile=1.0)
    with pytest.raises(ValueError, match="greater than 0"):
        copy_fraction(fresh, train, test, quantile=0.0)
    with pytest.raises(ValueError, match="at least 1"):
        copy_fraction(fresh, train, test[:50], quantile=0.01)
    with pytest.raises(ValueError, match="also appear in train"):
        copy_fraction(fresh, train, train)
    with pytest.raises(ValueError, match="train and test must have the same number"):
        copy_fraction(fresh, train, test[:, :1])


# -- score_sampler ---------------------------------------------------------------------
def moons_target(n, random_state):
    return make_toy("moons", n, random_state=random_state)


def blurred_moons(n, random_state):
    return blurred("moons", n, random_state, noise=0.2)


@pytest.fixture(scope="module")
def moons_scores():
    train = make_toy("moons", 400, random_state=1)
    test = make_toy("moons", 400, random_state=2)
    scores = score_sampler(blurred_moons, train, test, target=moons_target, n_draws=2,
                           random_state=0)
    return train, test, scores


def test_score_sampler_table_has_the_rows_and_metrics(moons_scores):
    _, _, scores = moons_scores
    assert isinstance(scores, SamplerScores)
    assert scores.rows == ("model", "fresh target", "copy train", "Gaussian")
    assert scores.metrics == ("C2ST", "MMD l=0.1", "MMD l=0.71", "energy", "C_T")
    assert scores.n_draws == 2 and scores.n_samples == 400
    for row in scores.rows:
        for metric in scores.metrics:
            values = scores.draws[row][metric]
            assert values.shape == (2,)
            mean, sd = scores.table[row][metric]
            assert mean == pytest.approx(values.mean())
            assert sd == pytest.approx(values.std(ddof=1))
    text = str(scores)
    assert text == repr(scores)
    assert "over 2 draws of 400 points" in text
    for name in scores.rows + scores.metrics:
        assert name in text
    markdown = scores.to_markdown()
    assert markdown.startswith("| sampler | C2ST | MMD l=0.1 | MMD l=0.71 | energy | C_T |")
    lines = markdown.splitlines()
    assert lines[1] == "|---|" + "---:|" * 5
    assert [line.split(" | ")[0] for line in lines[2:6]] == [f"| {row}" for row in scores.rows]
    assert "**C_T**" in markdown and "**C_T**" not in scores.to_markdown(notes=False)


def test_score_sampler_fresh_target_beats_the_gaussian_on_every_metric(moons_scores):
    _, _, scores = moons_scores
    # distance from the ideal value of each metric: 0.5 for the C2ST, 0 for the others
    ideal = {"C2ST": 0.5, "C_T": 0.0}
    for metric in scores.metrics:
        fresh = abs(scores.table["fresh target"][metric][0] - ideal.get(metric, 0.0))
        gaussian = abs(scores.table["Gaussian"][metric][0] - ideal.get(metric, 0.0))
        assert fresh < gaussian, metric


def test_score_sampler_rows_mean_what_they_say(moons_scores):
    _, _, scores = moons_scores
    t = {row: {m: v[0] for m, v in values.items()} for row, values in scores.table.items()}
    assert t["copy train"]["C_T"] < -5  # the memoriser is caught
    assert t["model"]["C_T"] > 2  # the blurred model keeps away from the training points
    assert t["model"]["MMD l=0.1"] > t["fresh target"]["MMD l=0.1"]
    assert 0.7 < t["Gaussian"]["MMD l=0.1"] < 1.3  # about the normalising Gaussian


def test_score_sampler_is_deterministic_and_the_model_does_not_depend_on_target(moons_scores):
    train, test, scores = moons_scores
    again = score_sampler(blurred_moons, train, test, target=moons_target, n_draws=2,
                          random_state=0)
    without = score_sampler(blurred_moons, train, test, n_draws=2, random_state=0)
    assert without.rows == ("model", "copy train", "Gaussian")
    for row in scores.rows:
        for metric in scores.metrics:
            np.testing.assert_array_equal(again.draws[row][metric], scores.draws[row][metric])
            if row != "fresh target":
                np.testing.assert_array_equal(without.draws[row][metric],
                                              scores.draws[row][metric])
    other = score_sampler(blurred_moons, train, test, n_draws=2, random_state=1)
    assert not np.array_equal(other.draws["model"]["C2ST"], scores.draws["model"]["C2ST"])


def test_score_sampler_with_user_metrics_and_sample_size():
    train = make_toy("moons", 200, random_state=1)
    test = make_toy("moons", 200, random_state=2)
    seen = []

    def energy(generated, train_, test_, random_state):
        seen.append((generated.shape, train_ is train, random_state))
        return energy_distance(generated, test_)

    scores = score_sampler(moons_target, train, test, n_draws=3, n_samples=150,
                           random_state=0, metrics={"raw energy": energy})
    assert scores.metrics == ("raw energy",)
    assert scores.notes == {}
    assert len(seen) == 3 * 3  # three rows, three draws
    assert all(shape == (150, 2) and same for shape, same, _ in seen)
    # the rows of one draw share the metric seed; the draws do not
    seeds = [seed for _, _, seed in seen]
    assert len(set(seeds[:3])) == 1 and len(set(seeds)) == 3
    assert all(isinstance(seed, int) for seed in seeds)


def test_score_sampler_validation():
    train = make_toy("moons", 100, random_state=1)
    test = make_toy("moons", 100, random_state=2)
    with pytest.raises(TypeError, match=r"sample must be a function sample\(n, random_state\)"):
        score_sampler(train, train, test)
    with pytest.raises(TypeError, match="target must be a function"):
        score_sampler(moons_target, train, test, target="moons")
    with pytest.raises(ValueError, match="n_draws must be an integer >= 2"):
        score_sampler(moons_target, train, test, n_draws=1)
    with pytest.raises(ValueError, match=r"sample\(n, random_state\) must return an array of "
                                         r"shape \(n, n_features\) = \(100, 2\)"):
        score_sampler(lambda n, rs: moons_target(n + 1, rs), train, test)
    with pytest.raises(ValueError, match=r"target\(n, random_state\) must return"):
        score_sampler(moons_target, train, test, target=lambda n, rs: np.zeros((n, 3)))
    with pytest.raises(TypeError, match="metrics must be None"):
        score_sampler(moons_target, train, test, metrics=[energy_distance])
    with pytest.raises(TypeError, match="metrics must map names"):
        score_sampler(moons_target, train, test, metrics={"energy": "energy_distance"})
    with pytest.raises(TypeError, match="must return a number"):
        score_sampler(moons_target, train, test, metrics={"bad": lambda g, tr, te, rs: "x"})
    with pytest.raises(ValueError, match="train must hold at least 2 points"):
        score_sampler(moons_target, train[:1], test)

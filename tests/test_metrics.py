"""Tests of lecturekit.metrics."""

import numpy as np
import pytest

from lecturekit.datasets import make_toy
from lecturekit.kernels import RBF
from lecturekit.metrics import (
    PermutationTestResult,
    energy_distance,
    heldout_mmd2,
    memorization_ratio,
    nearest_neighbor_distances,
    normalized_mmd,
    permutation_test,
)
from lecturekit.mmd import mmd2


# -- heldout_mmd2 ------------------------------------------------------------------
def test_heldout_mmd2_is_mmd2_with_exp_kernel_on_standardised_data():
    rng = np.random.default_rng(0)
    test = rng.normal([5.0, -2.0], [3.0, 0.5], size=(200, 2))
    gen = rng.normal([5.5, -2.0], [3.0, 0.7], size=(150, 2))
    mean, std = test.mean(axis=0), test.std(axis=0)
    expected = mmd2((gen - mean) / std, (test - mean) / std, RBF(1 / np.sqrt(2)))
    assert heldout_mmd2(gen, test) == pytest.approx(expected, rel=1e-12)
    # exp(-|x - y|^2): two single points at standardised distance 1
    raw = heldout_mmd2([[0.0]], [[1.0]], standardize=False)
    assert raw == pytest.approx(2.0 - 2.0 * np.exp(-1.0))


def test_heldout_mmd2_is_invariant_to_feature_scaling_and_handles_constant_features():
    rng = np.random.default_rng(1)
    test, gen = rng.standard_normal((2, 100, 3))
    scale = np.array([1.0, 100.0, 0.01])
    assert heldout_mmd2(gen * scale, test * scale) == pytest.approx(heldout_mmd2(gen, test))
    test[:, 2] = 7.0  # zero std: divided by 1
    assert np.isfinite(heldout_mmd2(gen, test))


def test_heldout_mmd2_custom_kernel_and_validation():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((50, 2))
    assert heldout_mmd2(X, X, kernel=RBF(0.3)) == 0.0
    with pytest.raises(TypeError, match="kernel"):
        heldout_mmd2(X, X, kernel="rbf")
    with pytest.raises(ValueError, match="same number of features"):
        heldout_mmd2(X, X[:, :1])
    with pytest.raises(ValueError, match="finite"):
        heldout_mmd2(np.full((3, 2), np.nan), X)


# -- normalized_mmd ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["moons", "8gaussians", "pinwheel"])
def test_normalized_mmd_of_a_fresh_draw_is_near_zero(name):
    test = make_toy(name, 1000, random_state=1)
    fresh = make_toy(name, 1000, random_state=2)
    assert normalized_mmd(fresh, test, random_state=0) < 0.1


@pytest.mark.parametrize("name", ["moons", "8gaussians", "checkerboard"])
def test_normalized_mmd_of_the_untrained_gaussian_is_about_one(name):
    test = make_toy(name, 1000, random_state=1)
    rng = np.random.default_rng(5)
    # N(0, I) in the coordinates standardised by the test set
    gaussian = test.mean(axis=0) + test.std(axis=0) * rng.standard_normal((1000, 2))
    assert 0.8 < normalized_mmd(gaussian, test, random_state=0) < 1.25


def test_normalized_mmd_shifted_target_is_worse_than_gaussian():
    rng = np.random.default_rng(3)
    test = 10.0 + rng.exponential(size=(500, 2))
    shifted = test.mean(axis=0) + 3.0 * test.std(axis=0) + rng.exponential(size=(500, 2))
    assert normalized_mmd(shifted, test, random_state=0) > 1.0


def test_normalized_mmd_is_deterministic_per_seed():
    test = make_toy("moons", 300, random_state=1)
    gen = make_toy("moons", 300, random_state=2)
    a = normalized_mmd(gen, test, random_state=7)
    assert a == normalized_mmd(gen, test, random_state=7)
    assert a != normalized_mmd(gen, test, random_state=8)


# -- energy_distance ------------------------------------------------------------------
def test_energy_distance_identical_and_shifted():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 3))
    assert energy_distance(X, X.copy()) == 0.0
    assert energy_distance(X, X + 0.5) > 0.05
    assert energy_distance(X, X + 2.0) > energy_distance(X, X + 0.5)


def test_energy_distance_matches_a_direct_computation_and_blocks_do_not_matter():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((40, 2))
    Y = rng.standard_normal((30, 2)) + [1.0, 0.0]

    def mean_dist(A, B):
        return np.linalg.norm(A[:, None, :] - B[None, :, :], axis=2).mean()

    direct = 2 * mean_dist(X, Y) - mean_dist(X, X) - mean_dist(Y, Y)
    assert energy_distance(X, Y) == pytest.approx(direct, rel=1e-10)
    assert energy_distance(X, Y, block_size=7) == pytest.approx(direct, rel=1e-10)
    # 1-D input is one feature
    assert energy_distance([0.0, 1.0], [2.0]) == pytest.approx(2 * 1.5 - 0.5 - 0.0)


def test_energy_distance_validation():
    with pytest.raises(ValueError, match="same number of features"):
        energy_distance(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="block_size.*0"):
        energy_distance(np.zeros((3, 2)), np.zeros((3, 2)), block_size=0)


# -- permutation_test ------------------------------------------------------------------
def test_permutation_test_detects_a_clear_difference():
    X = make_toy("moons", 200, random_state=0)
    Y = make_toy("circles", 200, random_state=1)
    result = permutation_test(X, Y, n_permutations=200, random_state=0)
    assert isinstance(result, PermutationTestResult)
    assert result.pvalue == pytest.approx(1 / 201)
    assert result.null_distribution.shape == (200,)
    assert result.statistic > result.null_distribution.max()


def test_permutation_test_statistic_is_the_unbiased_mmd2():
    X = make_toy("moons", 60, random_state=0)
    Y = make_toy("moons", 50, random_state=1)
    kernel = RBF(0.7)
    result = permutation_test(X, Y, kernel=kernel, n_permutations=10, random_state=0)
    assert result.statistic == pytest.approx(mmd2(X, Y, kernel, unbiased=True), rel=1e-10)


def test_permutation_null_values_are_mmd2_of_random_splits():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 15, 2))
    kernel = RBF(1.0)
    result = permutation_test(X, Y, kernel=kernel, n_permutations=300, random_state=0)
    Z = np.vstack([X, Y])
    # every null value is the unbiased MMD^2 of some split of Z into 15 + 15 points
    split_values = [mmd2(Z[p[:15]], Z[p[15:]], kernel, unbiased=True)
                    for p in (rng.permutation(30) for _ in range(2000))]
    assert min(split_values) - 1e-12 <= result.null_distribution.min()
    assert result.null_distribution.max() <= max(split_values) + 0.05
    assert abs(np.mean(split_values) - result.null_distribution.mean()) < 0.01


def test_permutation_test_equal_distributions_gives_spread_out_pvalues():
    pvalues = [
        permutation_test(
            make_toy("moons", 60, random_state=seed),
            make_toy("moons", 60, random_state=1000 + seed),
            n_permutations=99,
            random_state=seed,
        ).pvalue
        for seed in range(30)
    ]
    pvalues = np.array(pvalues)
    # under the null the p-value is (close to) uniform: few small ones, median near 1/2
    assert np.mean(pvalues <= 0.05) <= 0.2
    assert 0.25 < np.median(pvalues) < 0.75


def test_permutation_test_is_deterministic_per_seed_and_validates():
    X = make_toy("moons", 40, random_state=0)
    Y = make_toy("moons", 40, random_state=1)
    a = permutation_test(X, Y, n_permutations=50, random_state=3)
    b = permutation_test(X, Y, n_permutations=50, random_state=3)
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.pvalue == b.pvalue
    with pytest.raises(ValueError, match="at least 2"):
        permutation_test(X[:1], Y)
    with pytest.raises(ValueError, match="n_permutations.*0"):
        permutation_test(X, Y, n_permutations=0)
    with pytest.raises(ValueError, match="subsample"):
        permutation_test(np.zeros((6000, 1)), np.zeros((6000, 1)))


# -- nearest neighbours and memorisation ------------------------------------------------
def test_nearest_neighbor_distances_brute_force_and_blocks():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((70, 3))
    T = rng.standard_normal((90, 3))
    D = np.linalg.norm(G[:, None, :] - T[None, :, :], axis=2)
    d, idx = nearest_neighbor_distances(G, T, return_indices=True, block_size=16)
    np.testing.assert_allclose(d, D.min(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(idx, D.argmin(axis=1))
    # copies are at distance exactly 0, even far from the origin
    far = 1e4 + T[:5]
    assert np.all(nearest_neighbor_distances(far, 1e4 + T) == 0.0)


def test_memorization_ratio_fresh_samples_about_one_copies_small():
    train = make_toy("moons", 500, random_state=0)
    test = make_toy("moons", 500, random_state=1)
    fresh = make_toy("moons", 500, random_state=2)
    assert 0.7 < memorization_ratio(fresh, train, test) < 1.4
    rng = np.random.default_rng(0)
    copies = train[rng.choice(500, 300)] + 1e-3 * rng.standard_normal((300, 2))
    assert memorization_ratio(copies, train, test) < 0.1
    assert memorization_ratio(train, train, test) == 0.0


def test_memorization_ratio_validation():
    train = make_toy("moons", 50, random_state=0)
    with pytest.raises(ValueError, match="disjoint"):
        memorization_ratio(train, train, train)
    with pytest.raises(ValueError, match="same number of features"):
        memorization_ratio(train, train, np.zeros((5, 3)))
    with pytest.raises(ValueError, match="same number of features"):
        nearest_neighbor_distances(np.zeros((5, 3)), train)

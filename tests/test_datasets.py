"""Tests of lecturekit.datasets."""

import numpy as np
import pytest

import lecturekit as lk
from lecturekit.datasets import (
    TOY_DATASETS,
    TOY_DATASETS_ND,
    load_digits,
    make_toy,
    train_test_split,
)

DIMENSIONS_ND = {"swissroll3d": 3, "blobs8d": 8}


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_shape_dtype_and_scale(name):
    Y = make_toy(name, 1000, random_state=0)
    assert Y.shape == (1000, 2)
    assert Y.dtype == np.float64
    assert np.all(np.isfinite(Y))
    # roughly unit-ish spread, centred, within [-4, 4] up to the Gaussian noise
    assert np.all(Y.std(axis=0) > 0.5) and np.all(Y.std(axis=0) < 3.0)
    assert np.quantile(np.abs(Y), 0.99) <= 4.0
    assert np.all(np.abs(Y.mean(axis=0)) < 0.6)


@pytest.mark.parametrize("name", TOY_DATASETS_ND)
def test_nd_shape_dtype_and_scale(name):
    Y = make_toy(name, 2000, random_state=0)
    assert Y.shape == (2000, DIMENSIONS_ND[name])
    assert Y.dtype == np.float64 and Y.flags.c_contiguous
    assert np.all(np.isfinite(Y))
    # the same spread as the 2-D sets, in every feature
    assert np.all(Y.std(axis=0) > 0.5) and np.all(Y.std(axis=0) < 3.0)
    assert np.quantile(np.abs(Y), 0.99) <= 4.0
    assert np.all(np.abs(Y.mean(axis=0)) < 0.6)


def test_the_lists_of_names():
    # other code loops over TOY_DATASETS and assumes 2-D data
    for name in TOY_DATASETS:
        assert make_toy(name, 5, random_state=0).shape == (5, 2)
    assert TOY_DATASETS_ND == ("swissroll3d", "blobs8d")
    assert not set(TOY_DATASETS) & set(TOY_DATASETS_ND)
    assert lk.TOY_DATASETS_ND == TOY_DATASETS_ND and "TOY_DATASETS_ND" in lk.datasets.__all__


@pytest.mark.parametrize("name", TOY_DATASETS + TOY_DATASETS_ND)
def test_same_seed_same_samples_other_seed_differs(name):
    a = make_toy(name, 300, random_state=3)
    b = make_toy(name, 300, random_state=3)
    c = make_toy(name, 300, random_state=4)
    assert np.array_equal(a, b)  # bit-identical
    assert not np.allclose(a, c)
    gen = make_toy(name, 300, random_state=np.random.default_rng(3))
    assert np.array_equal(gen, a)


@pytest.mark.parametrize("name", TOY_DATASETS + TOY_DATASETS_ND)
def test_iid_not_sorted_along_the_curve(name):
    Y = make_toy(name, 2000, random_state=0, noise=0.0)
    # evenly spaced or sorted points have small steps between consecutive rows;
    # i.i.d. rows are as far apart as two random rows
    steps = np.linalg.norm(np.diff(Y, axis=0), axis=1).mean()
    rng = np.random.default_rng(1)
    random_pairs = np.linalg.norm(Y[rng.permutation(2000)] - Y, axis=1).mean()
    assert steps > 0.8 * random_pairs
    # and the points are not on a fixed grid: no duplicated positions
    assert len(np.unique(Y.round(10), axis=0)) > 1900 or name in ("8gaussians", "blobs8d")


def test_eight_gaussians_noiseless_is_eight_centres_in_random_order():
    Y = make_toy("8gaussians", 800, random_state=0, noise=0.0)
    centres = np.unique(Y.round(10), axis=0)
    assert len(centres) == 8
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0 * np.sqrt(2.0))
    assert not np.all(np.diff(np.arctan2(Y[:, 1], Y[:, 0])) >= 0)


def test_noise_zero_lies_on_the_curve():
    Y = make_toy("circles", 500, random_state=0, noise=0.0)
    radii = np.linalg.norm(Y, axis=1)
    assert np.all(np.isclose(radii, 1.0) | np.isclose(radii, 2.0))
    Y = make_toy("rings", 500, random_state=0, noise=0.0)
    assert set(np.round(np.linalg.norm(Y, axis=1), 8)) == {0.75, 1.5, 2.25, 3.0}
    Y = make_toy("checkerboard", 2000, random_state=0)
    assert np.abs(Y).max() <= 4.0
    # uniform on the black squares: the colour of the 2x2 cell is fixed
    cell = np.floor(Y / 2.0).astype(int)
    assert len(set(((cell[:, 0] + cell[:, 1]) % 2).tolist())) == 1


def test_swissroll3d_noiseless_lies_on_the_rolled_surface():
    Y = make_toy("swissroll3d", 2000, random_state=0, noise=0.0)
    # (t cos t, height, t sin t) / 5 with t = 5 r in [1.5 pi, 4.5 pi]: the angle is 5 r
    r = np.hypot(Y[:, 0], Y[:, 2])
    np.testing.assert_allclose(Y[:, 0], r * np.cos(5.0 * r), atol=1e-12)
    np.testing.assert_allclose(Y[:, 2], r * np.sin(5.0 * r), atol=1e-12)
    assert np.all((r >= 1.5 * np.pi / 5.0 - 1e-12) & (r <= 4.5 * np.pi / 5.0 + 1e-12))
    # the height is uniform on [-2, 2], independent of the position along the roll
    assert np.all(np.abs(Y[:, 1]) <= 2.0)
    assert abs(Y[:, 1].std() - 4.0 / np.sqrt(12.0)) < 0.05
    assert abs(np.corrcoef(Y[:, 1], r)[0, 1]) < 0.1


def test_swissroll3d_seen_from_above_is_the_2d_swissroll():
    # the first and third coordinates have the distribution of "swissroll" (noise included)
    top = make_toy("swissroll3d", 1000, random_state=0)[:, [0, 2]]
    flat = make_toy("swissroll", 1000, random_state=1)
    other = make_toy("swissroll", 1000, random_state=2)
    floor = lk.energy_distance(other, flat)
    assert lk.energy_distance(top, flat) < 3.0 * floor + 1e-3
    # and it is not just any roll: a shifted one is far
    assert lk.energy_distance(top + 0.5, flat) > 10.0 * floor


def test_blobs8d_noiseless_is_five_well_separated_centres_with_their_weights():
    Y = make_toy("blobs8d", 20000, random_state=0, noise=0.0)
    centres, counts = np.unique(Y, axis=0, return_counts=True)
    assert centres.shape == (5, 8)
    distances = np.linalg.norm(centres[:, None] - centres[None], axis=-1)
    closest = distances[np.triu_indices(5, 1)].min()
    # the widest blob has standard deviation 0.9 (the default noise): 4 sd apart or more
    np.testing.assert_allclose(closest, 3.6, atol=0.01)
    np.testing.assert_allclose(np.sort(counts / 20000), [0.1, 0.15, 0.2, 0.25, 0.3], atol=0.01)
    assert np.all(np.abs(counts @ centres / 20000) < 0.05)  # centred on their weighted mean


def test_blobs8d_has_five_clusters_of_unequal_widths():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    # the same seed without noise gives every point's centre: the true blob labels
    Y = make_toy("blobs8d", 2000, random_state=3)
    centres = make_toy("blobs8d", 2000, random_state=3, noise=0.0)
    _, blob = np.unique(centres, axis=0, return_inverse=True)
    blob = blob.ravel()
    # k-means with 5 clusters finds the blobs, and 5 is where the inertia stops dropping
    inertia = {k: KMeans(k, n_init=5, random_state=0).fit(Y).inertia_ for k in (4, 5, 6)}
    labels = KMeans(5, n_init=5, random_state=0).fit_predict(Y)
    assert adjusted_rand_score(blob, labels) > 0.98
    assert inertia[4] / inertia[5] > 1.15 and inertia[5] / inertia[6] < 1.06
    # unequal widths, and one Gaussian would not do: most of the variance is between blobs
    widths = np.array([(Y - centres)[blob == k].std() for k in range(5)])
    assert widths.max() > 1.6 * widths.min()
    within = np.sum((Y - centres) ** 2) / np.sum((Y - Y.mean(axis=0)) ** 2)
    assert within < 0.35
    # noise scales every blob's width
    half = make_toy("blobs8d", 2000, random_state=3, noise=0.45)  # half the default 0.9
    np.testing.assert_allclose(half - centres, 0.5 * (Y - centres))


def test_noise_changes_the_spread():
    clean = make_toy("circles", 2000, random_state=0, noise=0.0)
    noisy = make_toy("circles", 2000, random_state=0, noise=0.3)
    r_clean = np.linalg.norm(clean, axis=1)
    r_noisy = np.linalg.norm(noisy, axis=1)
    assert np.abs(r_noisy - np.round(r_noisy)).mean() > np.abs(r_clean - np.round(r_clean)).mean()


def test_name_is_forgiving_about_case_and_separators():
    np.testing.assert_array_equal(
        make_toy("2_Spirals", 10, random_state=0),
        make_toy("2spirals", 10, random_state=0),
    )
    np.testing.assert_array_equal(
        make_toy("Swiss-Roll", 10, random_state=0), make_toy("swissroll", 10, random_state=0)
    )
    np.testing.assert_array_equal(
        make_toy("Swiss Roll 3D", 10, random_state=0), make_toy("swissroll3d", 10, random_state=0)
    )
    np.testing.assert_array_equal(
        make_toy("Blobs_8D", 10, random_state=0), make_toy("blobs8d", 10, random_state=0)
    )


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        make_toy("banana", 10)
    message = str(info.value)
    assert "'banana'" in message
    for name in TOY_DATASETS + TOY_DATASETS_ND:
        assert name in message
    with pytest.raises(TypeError, match="moons"):
        make_toy(3, 10)


@pytest.mark.parametrize("bad", [0, -5])
def test_bad_n_samples_mentions_the_value(bad):
    with pytest.raises(ValueError, match=f"n_samples.*{bad}"):
        make_toy("moons", bad)


@pytest.mark.parametrize("bad", [2.5, "10", None, True])
def test_n_samples_must_be_an_integer(bad):
    with pytest.raises(TypeError, match="n_samples"):
        make_toy("moons", bad)


def test_bad_noise_and_random_state():
    with pytest.raises(ValueError, match=r"noise.*-0\.1"):
        make_toy("moons", 10, noise=-0.1)
    with pytest.raises(TypeError, match="noise"):
        make_toy("moons", 10, noise="a lot")
    with pytest.raises(TypeError, match="random_state"):
        make_toy("moons", 10, random_state="seed")


def test_load_digits():
    Y = load_digits()
    assert Y.shape == (1797, 64)
    assert Y.dtype == np.float64
    assert Y.min() == 0.0 and Y.max() == 16.0
    Y2, labels = load_digits(return_labels=True)
    np.testing.assert_array_equal(Y, Y2)
    assert labels.shape == (1797,)
    assert set(labels.tolist()) == set(range(10))


def test_load_digits_without_sklearn_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "sklearn" or name.startswith("sklearn."):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()


def test_train_test_split():
    Y = np.arange(200.0).reshape(100, 2)
    train, test = train_test_split(Y, test_size=0.25, random_state=0)
    assert train.shape == (75, 2) and test.shape == (25, 2)
    # a partition of the rows
    rows = np.sort(np.vstack([train, test])[:, 0])
    np.testing.assert_array_equal(rows, Y[:, 0])
    # deterministic per seed, different for another seed, and shuffled
    again = train_test_split(Y, test_size=0.25, random_state=0)
    np.testing.assert_array_equal(again[1], test)
    other = train_test_split(Y, test_size=0.25, random_state=1)
    assert not np.array_equal(other[1], test)
    assert not np.array_equal(np.sort(test[:, 0]), Y[75:, 0])
    # an integer is a number of rows
    train, test = train_test_split(Y, test_size=10, random_state=0)
    assert test.shape == (10, 2)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.2, 0, 100])
def test_train_test_split_bad_sizes(bad):
    Y = np.zeros((100, 2))
    with pytest.raises(ValueError, match=f"test_size.*{bad}"):
        train_test_split(Y, test_size=bad)


def test_train_test_split_validates_Y():
    with pytest.raises(ValueError, match="Y"):
        train_test_split(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="2-D"):
        train_test_split(np.zeros(5))

"""Tests of lecturekit.baselines: the simple models the transport map is compared with."""

import numpy as np
import pytest
from scipy.special import logsumexp

import lecturekit as lk
from lecturekit.baselines import (
    CopySampler,
    GaussianMixtureSampler,
    GaussianSampler,
    KDESampler,
)
from lecturekit.metrics import energy_distance

SAMPLERS = [
    pytest.param(lambda: GaussianMixtureSampler(max_components=6, random_state=0), id="gmm"),
    pytest.param(lambda: KDESampler(random_state=0), id="kde"),
    pytest.param(lambda: CopySampler(), id="copy"),
    pytest.param(lambda: GaussianSampler(), id="gaussian"),
]


@pytest.fixture(scope="module")
def eight_gaussians():
    """Training data, a fresh draw of the same distribution, and the fitted mixture and KDE."""
    Y = lk.make_toy("8gaussians", 2000, random_state=0)
    test = lk.make_toy("8gaussians", 2000, random_state=1)
    gmm = GaussianMixtureSampler(random_state=0).fit(Y)
    kde = KDESampler(random_state=0).fit(Y)
    return Y, test, gmm, kde


# -- shared behaviour ------------------------------------------------------------------
@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize("d", [1, 2, 5])
def test_shapes_in_any_dimension(make, d):
    rng = np.random.default_rng(d)
    Y = rng.standard_normal((200, d)) @ rng.standard_normal((d, d)) + 3.0
    model = make().fit(Y)
    samples = model.sample(37, random_state=0)
    assert samples.shape == (37, d)
    assert samples.dtype == np.float64
    assert np.all(np.isfinite(samples))
    assert model.n_features_in_ == d


@pytest.mark.parametrize("make", SAMPLERS)
def test_same_seed_same_samples_and_generators_accepted(make):
    Y = lk.make_toy("moons", 300, random_state=0)
    model = make().fit(Y)
    a = model.sample(50, random_state=7)
    assert np.array_equal(a, model.sample(50, random_state=7))
    assert np.array_equal(a, model.sample(50, random_state=np.random.default_rng(7)))
    assert not np.array_equal(a, model.sample(50, random_state=8))
    # a Generator is consumed: two draws from one stream differ
    rng = np.random.default_rng(0)
    first, second = model.sample(50, random_state=rng), model.sample(50, random_state=rng)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("cls", [GaussianMixtureSampler, KDESampler])
def test_fit_is_deterministic_given_random_state(cls):
    Y = lk.make_toy("pinwheel", 400, random_state=0)
    first = cls(random_state=3).fit(Y).sample(40, random_state=0)
    assert np.array_equal(first, cls(random_state=3).fit(Y).sample(40, random_state=0))
    from_generator = cls(random_state=np.random.default_rng(3)).fit(Y).sample(40, random_state=0)
    again = cls(random_state=np.random.default_rng(3)).fit(Y).sample(40, random_state=0)
    assert np.array_equal(from_generator, again)


@pytest.mark.parametrize("make", SAMPLERS)
def test_not_fitted_raises_a_clear_error(make):
    """scikit-learn's convention: NotFittedError, a ValueError and an AttributeError."""
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match=r"is not fitted yet: call fit\(Y\)") as info:
        make().sample(3)
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)
    assert lk.NotFittedError is NotFittedError


@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize(
    "Y, error, match",
    [
        ([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]], ValueError, "finite"),
        (np.arange(20.0), ValueError, r"2-D array.*reshape\(-1, 1\)"),
        (np.zeros((4, 2, 2)), ValueError, "2-D array"),
        ("data", TypeError, "array of samples"),
    ],
)
def test_bad_data_raise_clear_errors(make, Y, error, match):
    with pytest.raises(error, match=match):
        make().fit(Y)


@pytest.mark.parametrize("make", SAMPLERS)
@pytest.mark.parametrize("n_samples, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError)])
def test_bad_n_samples(make, n_samples, error):
    model = make().fit(lk.make_toy("moons", 100, random_state=0))
    with pytest.raises(error, match="n_samples must be an integer >= 1"):
        model.sample(n_samples)


@pytest.mark.parametrize("make", SAMPLERS)
def test_constant_features_are_reproduced_exactly(make):
    rng = np.random.default_rng(0)
    Y = np.column_stack([rng.standard_normal(300), np.full(300, 0.1), rng.exponential(size=300),
                         np.full(300, -7.3)])
    samples = make().fit(Y).sample(500, random_state=1)
    assert np.all(samples[:, 1] == 0.1)
    assert np.all(samples[:, 3] == -7.3)
    assert np.std(samples[:, 0]) > 0.5 and np.std(samples[:, 2]) > 0.5


@pytest.mark.parametrize("make", [s for s in SAMPLERS if s.id != "copy"])
def test_constant_features_are_decided_per_column(make):
    """A feature beside a timestamp column, and data in small units, are not constant;
    the features that are constant are named in a warning (the rule of KernelTransport)."""
    rng = np.random.default_rng(0)
    Y = np.column_stack([1.7e12 + 60_000.0 * np.arange(300), rng.standard_normal(300),
                         1e-9 + 1e-13 * rng.standard_normal(300), np.full(300, 2.0)])
    with pytest.warns(lk.ConstantFeatureWarning, match=r"columns \[3\]") as record:
        model = make().fit(Y)
    assert len(record) == 1 and record[0].filename == __file__
    if hasattr(model, "constant_"):
        assert model.constant_.tolist() == [False, False, False, True]
    samples = model.sample(500, random_state=1)
    assert samples[:, 1].std() > 0.3 and samples[:, 2].std() > 1e-14


@pytest.mark.parametrize(
    "cls, attribute", [(GaussianMixtureSampler, "n_components_"), (KDESampler, "bandwidth_")]
)
def test_a_constant_feature_does_not_change_the_choice(cls, attribute):
    Y = lk.make_toy("8gaussians", 600, random_state=0)
    with_constant = np.column_stack([Y[:, 0], np.full(len(Y), 5.0), Y[:, 1]])
    plain = cls(random_state=0).fit(Y)
    padded = cls(random_state=0).fit(with_constant)
    assert getattr(padded, attribute) == getattr(plain, attribute)
    assert padded.constant_.tolist() == [False, True, False]


@pytest.mark.parametrize("cls", [GaussianMixtureSampler, KDESampler])
def test_samples_follow_a_change_of_units(cls):
    """Standardising inside fit: the model of a * Y + b is the model of Y in the new units."""
    Y = lk.make_toy("moons", 400, random_state=0)
    a, b = np.array([1000.0, 0.001]), np.array([5.0, -3.0])
    plain = cls(random_state=0).fit(Y)
    moved = cls(random_state=0).fit(a * Y + b)
    np.testing.assert_allclose(
        (moved.sample(100, random_state=2) - b) / a, plain.sample(100, random_state=2),
        rtol=1e-6, atol=1e-6,
    )


@pytest.mark.parametrize("cls", [GaussianMixtureSampler, KDESampler])
def test_data_without_a_varying_feature_are_refused(cls):
    with pytest.raises(ValueError, match="every feature of Y is constant"):
        cls().fit(np.ones((50, 3)))


@pytest.mark.parametrize("cls", [CopySampler, GaussianSampler])
def test_data_without_a_varying_feature_are_reproduced(cls):
    Y = np.tile([0.1, 2.0], (20, 1))
    assert np.array_equal(cls().fit(Y).sample(5, random_state=0), np.tile([0.1, 2.0], (5, 1)))


def test_params_and_repr():
    model = KDESampler(cv=3)
    assert model.get_params() == {"bandwidths": None, "cv": 3, "random_state": None}
    assert repr(model) == "KDESampler(cv=3)"
    assert model.set_params(cv=4) is model and model.cv == 4
    assert repr(GaussianSampler()) == "GaussianSampler()"
    with pytest.raises(ValueError, match="'bandwidth' is not a parameter of KDESampler"):
        model.set_params(bandwidth=0.1)


# -- the Gaussian mixture --------------------------------------------------------------
def test_bic_finds_the_eight_gaussians(eight_gaussians):
    _, _, gmm, _ = eight_gaussians
    assert gmm.n_components_ == 8
    assert gmm.candidates_.shape == gmm.bic_.shape
    assert np.all(np.diff(gmm.candidates_) > 0)
    assert gmm.candidates_[np.argmin(gmm.bic_)] == 8
    assert gmm.model_.n_components == 8
    # the weights are near 1/8 and the centres on the circle of radius 2 sqrt(2)
    np.testing.assert_allclose(gmm.model_.weights_, 1 / 8, atol=0.02)
    centres = gmm.mean_ + gmm.scale_ * gmm.model_.means_
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2 * np.sqrt(2), rtol=0.05)


def test_bic_picks_one_component_for_gaussian_data():
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((2000, 2)) @ np.array([[2.0, 0.0], [1.5, 0.5]]) + 4.0
    model = GaussianMixtureSampler(random_state=0).fit(Y)
    assert model.n_components_ == 1


def test_candidates_are_coarse_to_fine_and_capped():
    Y = lk.make_toy("8gaussians", 2000, random_state=0)
    model = GaussianMixtureSampler(max_components=40, random_state=0).fit(Y)
    tried = set(model.candidates_.tolist())
    assert {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40} <= tried
    assert 9 in tried and 30 not in tried  # refined around the best (8) only
    small = GaussianMixtureSampler(random_state=0).fit(Y[:35])
    assert small.candidates_.tolist() == [1, 2, 3]  # at least 10 points per component
    tiny = GaussianMixtureSampler(random_state=0).fit(Y[:5])
    assert tiny.n_components_ == 1 and tiny.candidates_.tolist() == [1]


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_covariance_types_sample_their_mixture(covariance_type):
    """The sampler draws from model_: the sample's mean and covariance are the mixture's."""
    Y = lk.make_toy("moons", 600, random_state=0)
    model = GaussianMixtureSampler(max_components=4, covariance_type=covariance_type,
                                   random_state=0).fit(Y)
    gm = model.model_
    mean = gm.weights_ @ gm.means_
    # the mixture's covariance: sum_j w_j (C_j + m_j m_j^T) - m m^T
    if covariance_type == "full":
        C = gm.covariances_
    elif covariance_type == "tied":
        C = np.broadcast_to(gm.covariances_, (gm.n_components, 2, 2))
    elif covariance_type == "diag":
        C = gm.covariances_[:, :, None] * np.eye(2)
    else:
        C = gm.covariances_[:, None, None] * np.eye(2)
    cov = np.einsum("j,jab->ab", gm.weights_, C + np.einsum("ja,jb->jab", gm.means_, gm.means_))
    cov -= np.outer(mean, mean)
    Z = (model.sample(40000, random_state=1) - model.mean_) / model.scale_
    np.testing.assert_allclose(Z.mean(axis=0), mean, atol=0.03)
    np.testing.assert_allclose(np.cov(Z.T), cov, atol=0.04)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"max_components": 0}, ValueError, "max_components must be an integer >= 1, got 0"),
        ({"max_components": 2.5}, TypeError, "max_components must be an integer >= 1"),
        ({"max_components": True}, TypeError, "max_components must be an integer >= 1"),
        ({"covariance_type": "ful"}, ValueError, "covariance_type must be one of .*'ful'"),
    ],
)
def test_gmm_bad_parameters(params, error, match):
    with pytest.raises(error, match=match):
        GaussianMixtureSampler(**params).fit(lk.make_toy("moons", 100, random_state=0))


# -- the kernel density estimate -------------------------------------------------------
def test_kde_leave_one_out_scores_match_the_formula():
    """With cv = n every fold is one point, whatever the shuffle: check against the definition."""
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((25, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    hs = np.array([0.2, 0.5, 1.0])
    model = KDESampler(bandwidths=hs, cv=25).fit(Y)
    Z = (Y - Y.mean(axis=0)) / Y.std(axis=0)
    expected = []
    for h in hs:
        logs = []
        for i in range(25):
            others = np.delete(Z, i, axis=0)
            log_kernels = (-np.sum((Z[i] - others) ** 2, axis=1) / (2 * h * h)
                           - 1.5 * np.log(2 * np.pi * h * h))
            logs.append(logsumexp(log_kernels) - np.log(24))
        expected.append(np.mean(logs))
    np.testing.assert_allclose(model.cv_scores_, expected, rtol=1e-10)
    assert model.bandwidth_ == hs[np.argmax(expected)]
    assert np.array_equal(model.bandwidths_, hs)


def test_kde_default_grid_and_choice():
    Y = lk.make_toy("moons", 500, random_state=0)
    model = KDESampler(random_state=0).fit(Y)
    np.testing.assert_allclose(model.bandwidths_, np.sqrt(2) * np.geomspace(0.01, 1, 20))
    assert model.cv_scores_.shape == (20,)
    assert model.bandwidth_ == model.bandwidths_[np.argmax(model.cv_scores_)]
    # an interior maximum: the grid brackets the choice
    assert model.bandwidths_[0] < model.bandwidth_ < model.bandwidths_[-1]


def test_kde_bandwidth_shrinks_as_n_grows():
    rng = np.random.default_rng(0)
    small = KDESampler(random_state=0).fit(rng.standard_normal((100, 2)))
    large = KDESampler(random_state=0).fit(rng.standard_normal((2000, 2)))
    # the optimal bandwidth of a Gaussian KDE scales like n^(-1/6) in 2-D: 0.61 for 20x the data
    assert large.bandwidth_ < 0.8 * small.bandwidth_


def test_kde_bandwidth_is_smaller_for_thin_structure():
    circles = KDESampler(random_state=0).fit(lk.make_toy("circles", 1000, random_state=0))
    gaussian = KDESampler(random_state=0).fit(np.random.default_rng(0).standard_normal((1000, 2)))
    assert circles.bandwidth_ < 0.3 * gaussian.bandwidth_
    assert 0.02 < circles.bandwidth_ < 0.15


def test_kde_samples_are_training_points_plus_noise_of_the_bandwidth():
    """A fixed bandwidth h in standardised units is noise of sd h * std in data units."""
    Y = np.array([[0.0, 1.0], [100.0, 3.0]] * 50)  # column 0 has std 50
    model = KDESampler(bandwidths=0.1).fit(Y)
    assert model.cv_scores_ is None and model.bandwidth_ == 0.1
    samples = model.sample(20000, random_state=0)
    near_zero = samples[samples[:, 0] < 50, 0]
    assert 0.4 < near_zero.size / 20000 < 0.6
    np.testing.assert_allclose(near_zero.std(), 0.1 * 50.0, rtol=0.03)
    assert abs(near_zero.mean()) < 4 * 5.0 / np.sqrt(near_zero.size)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"cv": 1}, ValueError, "cv must be an integer number of folds >= 2, got 1"),
        ({"cv": 2.0}, TypeError, "cv must be an integer number of folds >= 2"),
        ({"cv": "5"}, TypeError, "cv must be an integer number of folds >= 2"),
        ({"cv": 11}, ValueError, r"cv=11 folds need at least 11 samples, got 10"),
        ({"bandwidths": 0.0}, ValueError, "bandwidths must be finite and greater than 0"),
        ({"bandwidths": [0.1, -1.0]}, ValueError, r"greater than 0 .*got -1\.0"),
        ({"bandwidths": [0.1, np.nan]}, ValueError, "bandwidths must be finite"),
        ({"bandwidths": []}, ValueError, r"non-empty 1-D array .*shape \(0,\)"),
        ({"bandwidths": [[0.1, 0.2]]}, ValueError, r"shape \(1, 2\)"),
        ({"bandwidths": "auto"}, TypeError, "bandwidths must be None, a positive number"),
        ({"bandwidths": "0.5"}, TypeError, "bandwidths must be None, a positive number"),
        ({"bandwidths": ["0.1", "0.2"]}, TypeError, r"bandwidths must .*numbers.*'0\.1'"),
    ],
)
def test_kde_bad_parameters(params, error, match):
    Y = lk.make_toy("moons", 10, random_state=0)
    with pytest.raises(error, match=match):
        KDESampler(**params).fit(Y)


# -- samples against held-out data -----------------------------------------------------
def test_mixture_and_kde_samples_are_close_to_held_out_data(eight_gaussians):
    Y, test, gmm, kde = eight_gaussians
    gaussian = energy_distance(GaussianSampler().fit(Y).sample(2000, random_state=3), test)
    copied = energy_distance(CopySampler().fit(Y).sample(2000, random_state=3), test)
    for model in (gmm, kde):
        score = energy_distance(model.sample(2000, random_state=3), test)
        assert score < 0.2 * gaussian  # the wrong distribution is far off
        assert score < 2.0 * copied  # about as close as the training set itself


# -- copying and the Gaussian ----------------------------------------------------------
def test_copy_sampler_returns_only_training_rows():
    Y = lk.make_toy("swissroll", 200, random_state=0)
    samples = CopySampler().fit(Y).sample(1000, random_state=0)
    rows = {tuple(row) for row in Y}
    assert all(tuple(row) in rows for row in samples)
    assert len({tuple(row) for row in samples}) < 200  # with replacement: repeats
    distinct = CopySampler(replace=False).fit(Y).sample(200, random_state=0)
    assert len({tuple(row) for row in distinct}) == 200


def test_copy_sampler_keeps_its_own_copy_and_refuses_too_many_without_replacement():
    Y = np.arange(10.0).reshape(5, 2)
    model = CopySampler(replace=False).fit(Y)
    Y[:] = -1.0
    assert np.all(model.sample(5, random_state=0) >= 0)
    with pytest.raises(ValueError, match=r"at most the 5 training rows, got n_samples=6"):
        model.sample(6)
    with pytest.raises(TypeError, match="replace must be True or False, got 'no'"):
        CopySampler(replace="no").fit(Y)


def test_gaussian_sampler_matches_mean_and_covariance():
    rng = np.random.default_rng(0)
    A = np.array([[2.0, 0.0, 0.0], [1.0, 0.5, 0.0], [-1.0, 0.3, 0.1]])
    Y = rng.exponential(size=(500, 3)) @ A.T + [10.0, -5.0, 0.0]
    model = GaussianSampler().fit(Y)
    np.testing.assert_allclose(model.mean_, Y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model.covariance_, np.cov(Y.T, bias=True), rtol=1e-10, atol=1e-12)
    n = 40000
    samples = model.sample(n, random_state=1)
    sd = np.sqrt(np.diag(model.covariance_))
    assert np.all(np.abs(samples.mean(axis=0) - model.mean_) < 4 * sd / np.sqrt(n))
    # entrywise: var(x_a x_b) <= 2 C_aa C_bb for Gaussians, so 5 standard errors is honest
    tolerance = 5 * np.sqrt(2.0 * np.outer(sd**2, sd**2) / n)
    assert np.all(np.abs(np.cov(samples.T) - model.covariance_) < tolerance)


def test_gaussian_sampler_with_collinear_features_stays_on_their_line():
    t = np.random.default_rng(0).standard_normal(100)
    Y = np.column_stack([t, 3.0 * t + 1.0])
    samples = GaussianSampler().fit(Y).sample(200, random_state=0)
    np.testing.assert_allclose(samples[:, 1], 3.0 * samples[:, 0] + 1.0, atol=1e-9)

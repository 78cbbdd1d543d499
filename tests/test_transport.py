"""Tests of the transport solver: objective, gradients, fitting, persistence, bad input."""

import warnings

import numpy as np
import pytest

import lecturekit as lk
from lecturekit.kernels import RBF, Matern, RationalQuadratic
from lecturekit.metrics import normalized_mmd
from lecturekit.transport import ConvergenceWarning, KernelTransport, TransportProblem
from numerics import numerical_gradient


@pytest.mark.parametrize("residual", [True, False])
@pytest.mark.parametrize("n_features", [None, 50])
@pytest.mark.parametrize("n_inducing", [None, 6])
def test_objective_gradient_matches_finite_differences(residual, n_features, n_inducing):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 2))
    Y = rng.standard_normal((15, 2)) * 0.5 + 1.0
    K = 0.5 * RBF(0.7) + 0.5 * RationalQuadratic(1.5, 2.0)
    problem = TransportProblem(
        X, Y, K, Matern(1.2, 2.5), reg=0.05, residual=residual,
        n_features=n_features, n_inducing=n_inducing, random_state=1,
    )
    a = 0.3 * rng.standard_normal(problem.initial_point().size)
    f, g = problem(a)
    g_fd = numerical_gradient(lambda b: problem(b)[0], a)
    np.testing.assert_allclose(g, g_fd, rtol=1e-5, atol=1e-8)
    assert np.isfinite(f)


def test_penalty_is_rkhs_norm_of_z():
    """|a|^2 equals sum_j z_j^T (Q + eps I)^{-1} z_j for z = B a (whitening is exact)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 2))
    Q = RBF(1.0)
    problem = TransportProblem(X, X, RBF(1.0), Q, reg=1.0, nugget=1e-6)
    a = rng.standard_normal((20, 2))
    z = problem.B @ a
    Qn = Q(X) + problem.nugget_ * np.mean(np.diag(Q(X))) * np.eye(20)
    expected = np.trace(z.T @ np.linalg.solve(Qn, z))
    np.testing.assert_allclose(np.sum(a * a), expected, rtol=1e-6)


@pytest.fixture(scope="module")
def moons_model():
    Y = lk.make_toy("moons", 600, random_state=0)
    return KernelTransport(random_state=0, n_reference=400).fit(Y), Y


def test_loss_decreases_and_fitted_attributes(moons_model):
    model, Y = moons_model
    assert model.loss_history_[-1] < 0.2 * model.loss_history_[0]
    assert len(model.loss_history_) == model.n_iter_ + 1
    assert model.reference_.shape == (400, 2)
    assert model.z_.shape == (400, 2)
    assert model.result_.nit == model.n_iter_
    assert model.mmd2_ + model.reg * model.penalty_ == pytest.approx(model.result_.fun, rel=1e-8)


def test_map_interpolates_its_solution(moons_model):
    """The representer map at the reference points reproduces z up to the nugget."""
    model, _ = moons_model
    np.testing.assert_allclose(
        model.transform(model.reference_), model.pushed_reference(), atol=1e-4
    )


def test_moons_beats_untrained_gaussian_by_wide_margin():
    train = lk.make_toy("moons", 1000, random_state=0)
    test = lk.make_toy("moons", 1000, random_state=1)
    model = KernelTransport(random_state=0).fit(train)
    generated = model.sample(1000, random_state=2)
    score = normalized_mmd(generated, test, random_state=0)
    # An untrained model (the Gaussian) scores 1 by construction; require < 0.1.
    assert score < 0.1, score


def test_recovers_a_shift_of_a_gaussian():
    rng = np.random.default_rng(0)
    shift = np.array([3.0, -2.0])
    Y = rng.standard_normal((800, 2)) + shift
    model = KernelTransport(standardize=False, map_kernel=RBF(3.0), mmd_kernel=RBF(1.0),
                            reg=1e-6, n_reference=400, random_state=0).fit(Y)
    S = model.sample(4000, random_state=1)
    np.testing.assert_allclose(S.mean(axis=0), shift, atol=0.1)
    np.testing.assert_allclose(np.cov(S.T), np.eye(2), atol=0.15)


def test_random_features_and_inducing_points_fit_moons():
    train = lk.make_toy("moons", 1500, random_state=0)
    test = lk.make_toy("moons", 1500, random_state=1)
    model = KernelTransport(n_features=500, n_inducing=200, random_state=0).fit(train)
    assert model.inducing_.shape == (200, 2)
    assert model.n_features_ == 500
    score = normalized_mmd(model.sample(1500, random_state=2), test, random_state=0)
    assert score < 0.15, score


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
def test_same_seed_gives_identical_fits():
    Y = lk.make_toy("circles", 200, random_state=0)
    m1 = KernelTransport(random_state=5, max_iter=30).fit(Y)
    m2 = KernelTransport(random_state=5, max_iter=30).fit(Y)
    assert np.array_equal(m1.z_, m2.z_)
    assert np.array_equal(m1.sample(50, random_state=1), m2.sample(50, random_state=1))
    m3 = KernelTransport(random_state=6, max_iter=30).fit(Y)
    assert not np.array_equal(m1.reference_, m3.reference_)


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
@pytest.mark.parametrize("kwargs", [{}, {"n_features": 100, "n_inducing": 50, "residual": False,
                                         "mmd_kernel": RBF(0.5) + 2.0 * Matern(1.0, 1.5)}])
def test_save_load_round_trip_is_bit_identical(tmp_path, kwargs):
    Y = lk.make_toy("8gaussians", 300, random_state=0)
    model = KernelTransport(random_state=0, max_iter=20, **kwargs).fit(Y)
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = KernelTransport.load(path)
    x = np.random.default_rng(1).standard_normal((100, 2))
    assert np.array_equal(model.transform(x), loaded.transform(x))
    assert np.array_equal(model.sample(10, random_state=3), loaded.sample(10, random_state=3))
    assert loaded.loss_history_ == model.loss_history_
    assert loaded.mmd_kernel_ == model.mmd_kernel_
    assert loaded.get_params()["reg"] == model.reg
    with np.load(path, allow_pickle=False) as data:  # no object arrays: loads without pickle
        assert "meta" in data.files


def test_progress_bar_and_callback(capsys):
    Y = lk.make_toy("moons", 100, random_state=0)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(max_iter=5, progress=True, random_state=0,
                                callback=lambda it, samples: seen.append((it, samples.shape))).fit(Y)
    assert [it for it, _ in seen] == list(range(1, model.n_iter_ + 1))
    assert all(shape == (100, 2) for _, shape in seen)
    assert "KernelTransport.fit" in capsys.readouterr().err


def test_convergence_warning_says_what_to_change():
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        KernelTransport(max_iter=2, random_state=0).fit(Y)


def test_digits_defaults_run_in_64_dimensions():
    """The defaults fit the 64-dimensional digits and lower the training objective.

    (Sample quality in 64 dimensions is a known weak spot of the default kernels;
    the book's chapter 7 discusses it. Here only what holds is asserted.)
    """
    digits = lk.load_digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(random_state=0, n_reference=300).fit(digits[:600])
    assert model.loss_history_[-1] < model.loss_history_[0]
    S = model.sample(200, random_state=1)
    assert S.shape == (200, 64)
    assert np.all(np.isfinite(S))
    # constant pixels of the data stay constant in the samples
    constant = digits[:600].std(axis=0) == 0
    assert np.array_equal(S[:, constant], np.broadcast_to(digits[0, constant], (200, constant.sum())))


# -- bad input ------------------------------------------------------------------
def test_transform_before_fit():
    with pytest.raises(RuntimeError, match="not fitted yet.*fit"):
        KernelTransport().transform(np.zeros((3, 2)))
    with pytest.raises(RuntimeError, match="not fitted yet"):
        KernelTransport().sample(3)


@pytest.mark.parametrize("Y, exc, match", [
    (np.zeros(10), ValueError, r"2-D.*shape \(10,\).*reshape"),
    (np.full((10, 2), np.nan), ValueError, "finite"),
    (np.zeros((0, 2)), ValueError, "at least 2"),
    ("moons", TypeError, "array"),
])
def test_fit_rejects_bad_data(Y, exc, match):
    with pytest.raises(exc, match=match):
        KernelTransport().fit(Y)


@pytest.mark.parametrize("params, exc, match", [
    ({"reg": -1.0}, ValueError, r"reg.*>= 0.*-1\.0"),
    ({"reg": "big"}, TypeError, "reg"),
    ({"max_iter": 0}, ValueError, "max_iter"),
    ({"n_reference": 1}, ValueError, "n_reference"),
    ({"n_inducing": 500, "n_reference": 100}, ValueError, "n_inducing"),
    ({"mmd_kernel": "rbf"}, TypeError, "mmd_kernel"),
    ({"residual": "yes"}, TypeError, "residual"),
])
def test_fit_rejects_bad_parameters(params, exc, match):
    Y = lk.make_toy("moons", 50, random_state=0)
    with pytest.raises(exc, match=match):
        KernelTransport(**params).fit(Y)


def test_bad_parameter_does_not_corrupt_a_fitted_model(moons_model):
    model, Y = moons_model
    before = model.sample(5, random_state=0)
    clone = KernelTransport(**model.get_params()).set_params(reg=-1.0)
    with pytest.raises(ValueError):
        clone.fit(Y)
    assert not hasattr(clone, "coef_")
    assert np.array_equal(model.sample(5, random_state=0), before)


def test_exact_problem_too_large_says_how_large_and_what_to_do():
    Y = np.random.default_rng(0).standard_normal((30, 2))
    with pytest.raises(ValueError, match=r"GiB.*n_inducing.*n_features"):
        KernelTransport(n_reference=20_000).fit(Y)


def test_transform_rejects_wrong_dimension(moons_model):
    model, _ = moons_model
    with pytest.raises(ValueError, match=r"2 features.*\(4, 3\)"):
        model.transform(np.zeros((4, 3)))


def test_set_params_rejects_unknown_names():
    with pytest.raises(ValueError, match="lambda"):
        KernelTransport().set_params(lambda_=1.0)


def test_load_rejects_files_that_are_not_models(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not a model")
    with pytest.raises(ValueError, match="not a saved KernelTransport"):
        KernelTransport.load(text)
    other = tmp_path / "arrays.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(ValueError, match="not a saved KernelTransport"):
        KernelTransport.load(other)

"""Tests of the transport solver: objective, gradients, fitting, persistence, bad input."""

import warnings

import numpy as np
import pytest

import lecturekit as lk
from lecturekit.kernels import RBF, Matern, RationalQuadratic
from lecturekit.metrics import classifier_two_sample_test, normalized_mmd
import lecturekit.transport as transport_module
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
    # An untrained model (the Gaussian) scores 1 by construction; a fresh draw of the
    # moons about 0.06 +- 0.02 (single draws vary by +-35 %): require < 0.15 on average.
    scores = [normalized_mmd(model.sample(1000, random_state=s), test, random_state=s)
              for s in range(3)]
    assert np.mean(scores) < 0.15, scores
    # A classifier that sees local structure can tell the untrained Gaussian apart at
    # about 0.8; fresh moons score 0.50 +- 0.02.
    accuracy = [classifier_two_sample_test(model.sample(1000, random_state=s), test,
                                           random_state=s) for s in range(3)]
    assert np.mean(accuracy) < 0.6, accuracy


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
    """(The reduced case is tested in test_save_load_round_trip_with_a_reduction.)"""
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


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
@pytest.mark.parametrize("n_components", ["auto", 4])
def test_save_load_round_trip_with_a_reduction(tmp_path, n_components):
    Y = _embedded_moons(200, 10, random_state=0)
    model = KernelTransport(random_state=0, max_iter=20, n_components=n_components).fit(Y)
    path = tmp_path / "reduced.npz"
    model.save(path)
    loaded = KernelTransport.load(path)
    x = np.random.default_rng(1).standard_normal((50, model.n_latent_))
    assert np.array_equal(model.transform(x), loaded.transform(x))
    assert np.array_equal(model.sample(10, random_state=3), loaded.sample(10, random_state=3))
    assert np.array_equal(model.pushed_reference(), loaded.pushed_reference())
    for name in ("components_", "latent_scale_", "mean_", "scale_"):
        assert np.array_equal(getattr(model, name), getattr(loaded, name))
    for name in ("n_latent_", "n_features_in_", "reg_", "tol_", "explained_variance_ratio_"):
        assert getattr(loaded, name) == getattr(model, name)
    assert loaded.get_params()["n_components"] == n_components
    assert loaded.map_kernel_ == model.map_kernel_


def test_load_reads_version_1_files(tmp_path):
    """A file written before n_components existed loads as a data-space model."""
    import json

    Y = lk.make_toy("moons", 100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(random_state=0, max_iter=5).fit(Y)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as data:
        contents = {k: data[k] for k in data.files}
    meta = json.loads(str(contents.pop("meta")))
    meta["version"] = 1
    del meta["params"]["n_components"]
    for name in ("reg_", "tol_", "n_latent_", "explained_variance_ratio_"):
        del meta[name]
    old = tmp_path / "old.npz"
    np.savez(old, meta=np.array(json.dumps(meta)), **contents)
    loaded = KernelTransport.load(old)
    assert loaded.n_components is None and loaded.components_ is None
    assert (loaded.reg_, loaded.n_latent_) == (model.reg, 2)
    assert np.array_equal(loaded.sample(5, random_state=0), model.sample(5, random_state=0))


# -- persistence: save never loses the previous file, load rejects damaged files -------
def _small_model(**params):
    Y = lk.make_toy("moons", 100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return KernelTransport(**{"random_state": 0, "n_reference": 40, "max_iter": 5,
                                  **params}).fit(Y)


def test_save_accepts_numpy_scalars_and_the_seed_round_trips(tmp_path):
    """Hyperparameters given as numpy scalars (which fit accepts) are saved as plain numbers."""
    Y = lk.make_toy("moons", 100, random_state=0)
    params = dict(n_reference=np.int64(40), n_inducing=np.int32(12), reg=np.float32(1e-3),
                  max_iter=np.int64(5), tol=np.float32(1e-5), residual=np.bool_(True),
                  standardize=np.bool_(True), random_state=np.int64(3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(**params).fit(Y)
    path = tmp_path / "model.npz"
    _small_model().save(path)  # an earlier model in the same file
    model.save(path)
    loaded = KernelTransport.load(path)
    saved = loaded.get_params()
    for name, value in params.items():
        assert saved[name] == value and type(saved[name]) is type(value.item()), name
    assert np.array_equal(loaded.sample(10, random_state=1), model.sample(10, random_state=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = KernelTransport(**saved).fit(Y)  # the seed was kept: the same fit again
    assert np.array_equal(refit.z_, model.z_)


def test_a_save_that_cannot_serialise_keeps_the_previous_file(tmp_path):
    path = tmp_path / "model.npz"
    _small_model().save(path)
    before = path.read_bytes()
    model = _small_model().set_params(progress=object())
    with pytest.raises(TypeError, match=r"progress.*object.*set_params"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_save_interrupted_while_writing_keeps_the_previous_file(tmp_path, monkeypatch, failure):
    """Ctrl-C or a full disk in the middle of the write: the old file stays, no debris."""
    path = tmp_path / "model.npz"
    _small_model().save(path)
    before = path.read_bytes()
    real_savez = np.savez

    def savez_then_fail(file, *args, **kwds):
        real_savez(file, *args, **kwds)
        file.seek(len(before) // 2)
        file.truncate()
        raise failure

    monkeypatch.setattr(np, "savez", savez_then_fail)
    with pytest.raises(type(failure)):
        _small_model(reg=1e-3).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    assert KernelTransport.load(path).reg == 1e-8


def test_save_writes_through_a_temporary_file_and_replaces_the_target(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    calls = []
    real_replace, real_fsync = transport_module.os.replace, transport_module.os.fsync
    monkeypatch.setattr(transport_module.os, "fsync",
                        lambda fd: calls.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(transport_module.os, "replace",
                        lambda src, dst: calls.append(("replace", src, dst)) or real_replace(src, dst))
    _small_model().save(path)
    assert calls[0] == "fsync" and calls[1][0] == "replace"
    assert calls[1][2] == str(path) and calls[1][1] != str(path)
    assert __import__("os").path.dirname(calls[1][1]) == str(tmp_path)
    assert KernelTransport.load(path).n_iter_ >= 1


DATA = __import__("pathlib").Path(__file__).parent / "data"


@pytest.mark.parametrize("name", ["v1", "v2", "v3", "v3_plain"])
def test_load_reads_files_of_every_version(name):
    """Files written by lecturekit's earlier versions (tests/data/README.md) still load."""
    loaded = KernelTransport.load(DATA / f"kernel_transport_{name}.npz")
    expected = np.load(DATA / f"kernel_transport_{name}_samples.npy")
    np.testing.assert_allclose(loaded.sample(5, random_state=0), expected, rtol=1e-12, atol=1e-12)
    assert loaded.n_features_in_ == expected.shape[1]
    assert (loaded.components_ is None) == (name in ("v1", "v3_plain"))
    assert loaded.result_ is None


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    missing = tmp_path / "no_such_model.npz"
    with pytest.raises(FileNotFoundError, match="no_such_model.npz"):
        KernelTransport.load(missing)


def _members(path):
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _npy(array):
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
    return buffer.getvalue()


def _write_members(path, members, compression=None):
    import zipfile

    compression = zipfile.ZIP_STORED if compression is None else compression
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _meta(members):
    import json

    return json.loads(str(np.lib.format.read_array(__import__("io").BytesIO(members["meta.npy"]))))


def _with_meta(members, meta):
    import json

    return {**members, "meta.npy": _npy(np.array(json.dumps(meta)))}


def _damage(kind, members):
    """A copy of a saved model's members, damaged in one way."""
    meta = _meta(members)
    if kind == "meta is a list":
        return {**members, "meta.npy": _npy(np.array("[1, 2]"))}
    if kind == "meta lacks mmd2_":
        del meta["mmd2_"]
        return _with_meta(members, meta)
    if kind == "version is a string":
        meta["version"] = "3"
        return _with_meta(members, meta)
    if kind == "unknown parameter":
        meta["params"]["lambda_"] = 1.0
        return _with_meta(members, meta)
    if kind == "kernel nested too deeply":
        import json

        meta["mmd_kernel_"] = "SPEC"
        nested = '{"type": "scaled", "scale": 1.0, "kernel": ' * 5000 + '{"type": "RBF"}' + "}" * 5000
        text = json.dumps(meta).replace('"SPEC"', nested)
        return {**members, "meta.npy": _npy(np.array(text))}
    if kind == "kernel of an unknown type":
        meta["map_kernel_"] = {"type": "Cosine", "lengthscale": 1.0}
        return _with_meta(members, meta)
    if kind == "NaN in the loss history":
        meta["loss_history_"][0] = float("nan")
        return _with_meta(members, meta)
    if kind == "callback stored":
        meta["params"]["callback"] = "print"
        return _with_meta(members, meta)
    if kind == "residual is not a bool":
        meta["params"]["residual"] = "yes"
        return _with_meta(members, meta)
    if kind == "n_latent_ disagrees":
        meta["n_latent_"] = 3
        return _with_meta(members, meta)
    coef = np.load(__import__("io").BytesIO(members["coef_.npy"]))
    if kind == "NaN coefficient":
        coef[0, 0] = np.nan
        return {**members, "coef_.npy": _npy(coef)}
    if kind == "coefficients of the wrong shape":
        return {**members, "coef_.npy": _npy(coef[:-1])}
    if kind == "float32 coefficients":
        return {**members, "coef_.npy": _npy(coef.astype(np.float32))}
    if kind == "pickled object array":
        return {**members, "coef_.npy": _npy(np.array([{"a": 1}], dtype=object))}
    if kind == "negative scale":
        return {**members, "scale_.npy": _npy(-np.ones(2))}
    if kind == "member missing":
        return {k: v for k, v in members.items() if k != "z_.npy"}
    if kind == "member truncated":
        return {**members, "z_.npy": members["z_.npy"][:-8]}
    raise AssertionError(kind)


DAMAGES = ["meta is a list", "meta lacks mmd2_", "version is a string", "unknown parameter",
           "kernel nested too deeply", "kernel of an unknown type", "NaN in the loss history",
           "callback stored", "residual is not a bool", "n_latent_ disagrees", "NaN coefficient",
           "coefficients of the wrong shape", "float32 coefficients", "pickled object array",
           "negative scale", "member missing", "member truncated"]


@pytest.mark.parametrize("kind", DAMAGES)
def test_load_rejects_damaged_files_with_a_value_error(tmp_path, kind):
    """Every malformed file raises ValueError naming the file and the problem (never
    KeyError, TypeError, AttributeError or RecursionError, and never later, in sample)."""
    path = tmp_path / "model.npz"
    _small_model().save(path)
    damaged = tmp_path / "damaged.npz"
    _write_members(damaged, _damage(kind, _members(path)))
    with pytest.raises(ValueError, match=r"damaged\.npz.*not a saved KernelTransport model.*damaged"):
        KernelTransport.load(damaged)


@pytest.mark.parametrize("cut", ["half", "crc"])
def test_load_rejects_truncated_and_corrupted_archives(tmp_path, cut):
    path = tmp_path / "model.npz"
    _small_model().save(path)
    data = bytearray(path.read_bytes())
    if cut == "half":
        data = data[:len(data) // 2]
    else:  # flip a byte in the middle of the largest member's data: the CRC no longer matches
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not a saved KernelTransport model.*damaged"):
        KernelTransport.load(path)


def _peak_memory(function):
    import tracemalloc

    tracemalloc.start()
    try:
        function()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_load_reads_only_the_members_of_a_model(tmp_path):
    """An extra member that decompresses to 100 MB is never decompressed."""
    import zipfile

    path = tmp_path / "model.npz"
    _small_model().save(path)
    members = _members(path)
    members["junk.npy"] = _npy(np.zeros(100 * 2**20, dtype=np.uint8))
    bloated = tmp_path / "bloated.npz"
    _write_members(bloated, members, zipfile.ZIP_DEFLATED)
    assert bloated.stat().st_size < 2**20
    peak = _peak_memory(lambda: KernelTransport.load(bloated))
    assert peak < 10 * 2**20


def test_load_checks_the_declared_shapes_before_reading_the_data(tmp_path, monkeypatch):
    from lecturekit import _modelfile

    path = tmp_path / "model.npz"
    _small_model().save(path)
    members = _members(path)
    members["z_.npy"] = _npy(np.zeros((39, 2)))
    damaged = tmp_path / "damaged.npz"
    _write_members(damaged, members)
    read = []
    real_read_array = _modelfile.read_array
    monkeypatch.setattr(_modelfile, "read_array",
                        lambda archive, name, header: read.append(name) or
                        real_read_array(archive, name, header))
    with pytest.raises(ValueError, match=r"'z_' has shape \(39, 2\), expected \(40, 2\)"):
        KernelTransport.load(damaged)
    assert read == ["meta.npy"]  # no array's data was read


def test_load_refuses_members_far_larger_than_the_file(tmp_path):
    """A consistent model whose arrays decompress to 200 times the file's size is refused
    before its data are read (save stores arrays uncompressed)."""
    import zipfile

    path = tmp_path / "model.npz"
    _small_model().save(path)
    members = _members(path)
    meta = _meta(members)
    n = 1_000_000
    for name in ("reference_", "inducing_", "a_", "z_", "coef_"):
        members[name + ".npy"] = _npy(np.zeros((n, 2)))
    meta["params"]["n_reference"] = n
    bloated = tmp_path / "bloated.npz"
    _write_members(bloated, _with_meta(members, meta), zipfile.ZIP_DEFLATED)

    def load():
        with pytest.raises(ValueError, match="uncompressed"):
            KernelTransport.load(bloated)

    assert _peak_memory(load) < 10 * 2**20


def test_progress_bar_and_callback(capsys):
    Y = lk.make_toy("moons", 100, random_state=0)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(max_iter=5, progress=True, random_state=0,
                                callback=lambda it, samples: seen.append((it, samples.shape))).fit(Y)
    assert [it for it, _ in seen] == list(range(1, model.n_iter_ + 1))
    assert all(shape == (model.reference_.shape[0], 2) for _, shape in seen)
    assert "KernelTransport.fit" in capsys.readouterr().err


def test_convergence_warning_says_what_to_change():
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        KernelTransport(max_iter=2, random_state=0).fit(Y)


@pytest.mark.parametrize("n_components", [None, 2])
def test_convergence_warning_points_at_the_callers_line(n_components):
    """The warning names the line that called fit (here), not a line of lecturekit."""
    Y = _embedded_moons(100, 4, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        KernelTransport(max_iter=2, random_state=0, n_components=n_components).fit(Y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert convergence[0].filename == __file__


@pytest.mark.parametrize("n_components", ["auto", None])
def test_digits_defaults_run_in_64_dimensions(n_components):
    """The defaults fit the 64-dimensional digits (in a PCA space, or in pixel space
    with n_components=None) and lower the training objective."""
    digits = lk.load_digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(random_state=0, n_reference=300,
                                n_components=n_components).fit(digits[:600])
    assert model.loss_history_[-1] < model.loss_history_[0]
    assert model.n_features_in_ == 64
    assert model.n_latent_ == (64 if n_components is None else model.components_.shape[0])
    S = model.sample(200, random_state=1)
    assert S.shape == (200, 64)
    assert np.all(np.isfinite(S))
    # constant pixels of the data stay constant in the samples
    constant = digits[:600].std(axis=0) == 0
    assert np.array_equal(S[:, constant], np.broadcast_to(digits[0, constant], (200, constant.sum())))


# -- low-dimensional fits are those of the version before the reduction ---------------
#: The defaults of lecturekit 0.1 in 2-D: the lecture's map, dense, with a smooth kernel.
LECTURE_MAP_2D = dict(reg=1e-4, map_kernel=RBF(0.707106781187), n_inducing=None,
                      mmd_kernel=RationalQuadratic(0.353553390593, 1.0))


def test_low_dimensional_fits_are_bit_identical_to_before():
    """In 2-D the default n_components="auto" computes exactly what n_components=None does.

    The pinned numbers were computed before n_components existed (numpy 2.4, scipy
    1.17), with the defaults of that version (``LECTURE_MAP_2D``). Other numpy/scipy
    releases change the last digits of an L-BFGS run, so they are compared loosely;
    the bit-identity is checked against n_components=None.
    """
    Y = lk.make_toy("moons", 600, random_state=0)
    model = KernelTransport(random_state=0, n_reference=400, **LECTURE_MAP_2D).fit(Y)
    direct = KernelTransport(random_state=0, n_reference=400, n_components=None,
                             **LECTURE_MAP_2D).fit(Y)
    assert np.array_equal(model.z_, direct.z_) and model.n_iter_ == direct.n_iter_
    assert model.loss_history_ == direct.loss_history_
    assert model.n_latent_ == 2 and model.components_ is None
    assert (model.reg_, model.tol_) == (1e-4, 1e-6)
    np.testing.assert_allclose(model.z_[0], [0.45007575200709443, -1.047386911286234], rtol=1e-3)
    np.testing.assert_allclose(model.z_[-1], [-0.2694769778179987, 0.5524794848836317], rtol=1e-3)
    assert model.mmd2_ == pytest.approx(0.0011006358252324544, rel=1e-3)


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
def test_eight_dimensions_do_not_touch_the_reduction(monkeypatch):
    """d <= 8 with the default n_components="auto": the reduction code is never called."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the reduction was used for low-dimensional data")

    monkeypatch.setattr(KernelTransport, "_fit_reduced", forbidden)
    monkeypatch.setattr(transport_module, "_principal_components", forbidden)
    rng = np.random.default_rng(0)
    Y8 = np.tanh(rng.standard_normal((300, 8)) @ rng.standard_normal((8, 8)))
    model = KernelTransport(random_state=0, max_iter=20, reg=1e-4, n_inducing=None,
                            map_kernel=RBF(1.414213562373),
                            mmd_kernel=RationalQuadratic(0.707106781187, 1.0)).fit(Y8)
    # pinned before n_components existed (with that version's defaults, given here)
    np.testing.assert_allclose(
        model.z_[0, :3], [-0.6851039541038694, -0.5537514794006637, 0.48918053801928263], rtol=1e-4)
    assert model.z_.sum() == pytest.approx(57.57554547953731, rel=1e-4)
    assert model.mmd2_ == pytest.approx(0.00883351588830597, rel=1e-4)
    KernelTransport(random_state=0, max_iter=5).fit(lk.make_toy("moons", 100, random_state=0))


# -- the reduction ---------------------------------------------------------------------
def _embedded_moons(n, dims, random_state):
    """The moons in the first two of ``dims`` coordinates, small noise in the others, rotated."""
    rng = np.random.default_rng(random_state)
    rotation = np.linalg.qr(np.random.default_rng(99).standard_normal((dims, dims)))[0]
    noise = 0.1 * rng.standard_normal((n, dims - 2))
    return np.column_stack([lk.make_toy("moons", n, random_state=random_state), noise]) @ rotation


@pytest.fixture(scope="module")
def embedded_model():
    Y = _embedded_moons(600, 12, random_state=0)
    return KernelTransport(random_state=0, n_reference=300).fit(Y), Y


def test_auto_reduction_finds_the_moons_plane(embedded_model):
    model, Y = embedded_model
    assert model.n_latent_ == 2                 # Kaiser: two components above average
    assert model.components_.shape == (2, 12)
    np.testing.assert_allclose(model.components_ @ model.components_.T, np.eye(2), atol=1e-12)
    assert model.explained_variance_ratio_ > 0.7
    assert model.reference_.shape == (300, 2) and model.z_.shape == (300, 2)
    assert (model.reg_, model.tol_) == (transport_module.LATENT_REG, transport_module.LATENT_TOL)
    assert isinstance(model.mmd_kernel_, RBF) and model.map_kernel_ == model.mmd_kernel_
    test = _embedded_moons(1000, 12, random_state=1)
    # judged with a median-heuristic kernel (the default one sees nothing in 12-d)
    kernel = RBF(lk.median_heuristic((test - test.mean(axis=0)) / test.std(axis=0)))
    score = normalized_mmd(model.sample(1000, random_state=2), test, random_state=0, kernel=kernel)
    # the lecture's dense map fitted directly in 12-d blurs (the defaults in the data
    # space, with more reference points than inducing points, do much better)
    direct = KernelTransport(random_state=0, n_reference=300, n_components=None,
                             **transport_module.lecture_map_params(12)).fit(Y)
    direct_score = normalized_mmd(direct.sample(1000, random_state=2), test, random_state=0,
                                  kernel=kernel)
    assert score < 0.15 < direct_score, (score, direct_score)


def test_reduced_model_maps_latent_points_to_data_space(embedded_model):
    model, _ = embedded_model
    x = np.random.default_rng(1).standard_normal((7, 2))
    out = model.transform(x)
    assert out.shape == (7, 12)
    assert np.array_equal(model.sample(7, random_state=1), out)
    pushed = model.pushed_reference()
    assert pushed.shape == (300, 12)
    np.testing.assert_allclose(model.transform(model.reference_), pushed, atol=1e-4)
    # to_data_space undoes PCA, whitening and standardisation
    P = model.reference_ + model.z_
    expected = model.mean_ + model.scale_ * ((P * model.latent_scale_) @ model.components_)
    assert np.array_equal(model.to_data_space(P), expected)
    assert np.array_equal(pushed, expected)
    with pytest.raises(ValueError, match=r"2 columns.*latent.*n_latent_ = 2.*12-dimensional.*\(4, 12\)"):
        model.transform(np.zeros((4, 12)))


def test_reduced_callback_gets_data_space_points():
    Y = _embedded_moons(200, 10, random_state=0)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(max_iter=4, random_state=0,
                                callback=lambda it, samples: seen.append(samples)).fit(Y)
    assert model.components_ is not None
    assert all(samples.shape == (200, 10) for samples in seen)
    assert np.array_equal(seen[-1], model.pushed_reference())


def test_auto_keeps_the_data_space_when_a_kernel_is_given():
    Y = _embedded_moons(150, 10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        given = KernelTransport(mmd_kernel=RBF(2.0), max_iter=3, random_state=0).fit(Y)
        forced = KernelTransport(mmd_kernel=RBF(2.0), n_components=3, max_iter=3,
                                 random_state=0).fit(Y)
    assert given.components_ is None and given.n_latent_ == 10
    assert given.reg_ == transport_module.DEFAULT_REG
    assert forced.n_latent_ == 3 and forced.mmd_kernel_ == RBF(2.0)
    assert forced.map_kernel_ != transport_module.default_map_kernel(3)  # latent default


def test_explicit_reg_and_tol_are_used_as_given_in_a_reduced_space():
    Y = _embedded_moons(150, 10, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(reg=1e-3, tol=1e-5, max_iter=3, random_state=0).fit(Y)
    assert (model.reg_, model.tol_) == (1e-3, 1e-5)
    assert model.mmd2_ + model.reg_ * model.penalty_ == pytest.approx(model.result_.fun, rel=1e-8)


def test_explicit_n_components_in_two_dimensions():
    """An int reduces even in 2-D: with one component all samples lie on a line."""
    Y = lk.make_toy("moons", 200, random_state=0)
    model = KernelTransport(n_components=1, random_state=0, n_reference=100).fit(Y)
    S = model.sample(50, random_state=0)
    centred = S - model.mean_
    assert np.linalg.matrix_rank(centred, tol=1e-8) == 1


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
def test_constant_data_in_high_dimension():
    Y = np.tile(np.arange(10.0), (20, 1))
    model = KernelTransport(random_state=0, max_iter=3).fit(Y)
    assert np.array_equal(model.sample(5, random_state=0), np.tile(np.arange(10.0), (5, 1)))


def test_digits_defaults_give_recognisable_digits():
    """The acceptance test of chapter 7's judge: KernelTransport() on the 64-d digits.

    Measured (5 seeds): mean classifier confidence ~0.49 for the new defaults,
    0.50 for the chapter's hand-tuned PCA recipe, 0.27 for the pixel-space
    defaults (n_components=None); real digits ~0.72.
    """
    linear_model = pytest.importorskip("sklearn.linear_model")
    digits, labels = lk.load_digits(return_labels=True)
    rows_train, rows_test = lk.train_test_split(
        np.column_stack([digits, labels]), test_size=0.4, random_state=0)
    train, labels_train = rows_train[:, :64], rows_train[:, 64].astype(int)
    test = rows_test[:, :64]
    model = KernelTransport(random_state=0).fit(train)
    assert 10 <= model.n_latent_ <= 16 and model.n_iter_ > 20
    samples = model.sample(len(test), random_state=1)
    classifier = linear_model.LogisticRegression(C=0.1, max_iter=3000).fit(train / 16, labels_train)
    probabilities = classifier.predict_proba(np.clip(samples, 0, 16) / 16)
    assert probabilities.max(axis=1).mean() > 0.42          # pixel-space defaults: 0.27
    assert np.all(np.bincount(probabilities.argmax(axis=1), minlength=10) > 0)
    assert lk.memorization_ratio(samples, train, test) > 1.0  # no copies
    S = (test - test.mean(axis=0)) / np.where(test.std(axis=0) > 0, test.std(axis=0), 1.0)
    score = normalized_mmd(samples, test, random_state=0, kernel=RBF(lk.median_heuristic(S)))
    assert score < 1.0                                        # pixel-space defaults: 1.3


# -- results do not depend on memory layout or thread count ------------------------------
@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
def test_fortran_ordered_data_give_the_fit_of_c_ordered_data():
    """A pandas DataFrame arrives as a Fortran-ordered array: the same numbers, the same fit."""
    Y = lk.make_toy("moons", 300, random_state=0)
    F = np.asfortranarray(Y)
    assert F.flags.f_contiguous and not F.flags.c_contiguous
    for params in ({"n_reference": 200}, {"n_components": 2, "n_reference": 200}):
        c_model = KernelTransport(random_state=0, max_iter=50, **params).fit(Y)
        f_model = KernelTransport(random_state=0, max_iter=50, **params).fit(F)
        assert np.array_equal(f_model.sample(200, random_state=1),
                              c_model.sample(200, random_state=1))


@pytest.mark.filterwarnings("ignore::lecturekit.transport.ConvergenceWarning")
@pytest.mark.parametrize("params", [{}, {"n_features": 300, "n_inducing": 100}],
                         ids=["exact", "random-features"])
def test_fits_do_not_depend_on_the_number_of_threads(monkeypatch, params):
    import numba

    from lecturekit import _fast

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs numba with at least 2 threads")
    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 0)  # the parallel loops, on a small fit
    monkeypatch.setattr(_fast, "RFF_PARALLEL_MIN_TERMS", 0)
    Y = lk.make_toy("8gaussians", 600, random_state=0)
    samples = {}
    before = numba.get_num_threads()
    try:
        for n_threads in (1, 2):
            numba.set_num_threads(n_threads)
            model = KernelTransport(random_state=0, max_iter=30, n_reference=500, **params).fit(Y)
            samples[n_threads] = model.sample(300, random_state=1), model.mmd2_
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(samples[1][0], samples[2][0]) and samples[1][1] == samples[2][1]


def test_transform_runs_with_one_blas_thread_like_fit(moons_model):
    from threadpoolctl import threadpool_info

    model, _ = moons_model
    seen = []

    class SpyRBF(RBF):
        def __call__(self, X, Y=None):
            seen.append(max(info["num_threads"] for info in threadpool_info()
                            if info["user_api"] == "blas"))
            return super().__call__(X, Y)

    real_kernel = model.map_kernel_
    model.map_kernel_ = SpyRBF(real_kernel.lengthscale)
    try:
        model.sample(10, random_state=0)
        model.transform(np.zeros((3, 2)))
    finally:
        model.map_kernel_ = real_kernel
    assert seen == [1, 1]


@pytest.mark.skipif(__import__("sys").platform == "win32", reason="sends SIGINT to the process")
def test_ctrl_c_during_fit_raises_keyboard_interrupt(monkeypatch):
    """Ctrl-C in the middle of the parallel compiled loop stops fit with KeyboardInterrupt
    (numba reports it as a SystemError)."""
    import os
    import signal
    import threading

    from lecturekit import _fast

    monkeypatch.setattr(_fast, "PARALLEL_MIN_PAIRS", 0)
    Y = lk.make_toy("moons", 1500, random_state=0)
    model = KernelTransport(random_state=0, n_reference=2000, n_inducing=100, max_iter=10_000,
                            tol=0.0)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            model.fit(Y)
    finally:
        timer.cancel()
    assert not hasattr(model, "coef_")


# -- constant features: decided per column, and announced ----------------------------
def _fit_quietly(Y, **params):
    """Fit with warnings recorded; returns the model and the ConstantFeatureWarnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = KernelTransport(**{"random_state": 0, "n_reference": 80, "max_iter": 10,
                                   **params}).fit(Y)
    return model, [w for w in caught if issubclass(w.category, lk.ConstantFeatureWarning)]


@pytest.mark.parametrize("n_components", [None, 2])
def test_a_feature_next_to_a_timestamp_column_is_not_constant(n_components):
    """A real N(0, 1) feature beside timestamps in milliseconds (~1.7e12) keeps its spread."""
    rng = np.random.default_rng(0)
    Y = np.column_stack([1.7e12 + 60_000.0 * np.arange(200), rng.standard_normal(200),
                         rng.standard_normal(200)])
    model, constant_warnings = _fit_quietly(Y, n_components=n_components)
    assert np.all(model.scale_ > 0) and not constant_warnings
    assert model.sample(500, random_state=1)[:, 1].std() > 0.3


@pytest.mark.parametrize("n_components", [None, 2])
def test_data_in_small_units_are_not_constant(n_components):
    """Values ~1e-9 with a spread of 1e-13 (lengths in metres, say) are data, not a constant."""
    Y = 1e-9 + 1e-13 * np.column_stack([lk.make_toy("moons", 200, random_state=0),
                                        np.random.default_rng(0).standard_normal(200)])
    model, constant_warnings = _fit_quietly(Y, n_components=n_components)
    assert np.all(model.scale_ > 0) and not constant_warnings
    assert model.sample(500, random_state=1).std(axis=0).min() > 1e-14


@pytest.mark.parametrize("n_components", [None, 2])
def test_constant_features_are_named_in_a_warning_and_reproduced(n_components):
    rng = np.random.default_rng(0)
    moons = lk.make_toy("moons", 200, random_state=0)
    Y = np.column_stack([moons[:, 0], np.full(200, 3.0), moons[:, 1],
                         1e9 + 1e-6 * rng.standard_normal(200)])  # spread 1e-15 of its size
    model, constant_warnings = _fit_quietly(Y, n_components=n_components)
    assert len(constant_warnings) == 1
    message = str(constant_warnings[0].message)
    assert "columns [1, 3]" in message and "constant" in message
    assert constant_warnings[0].filename == __file__
    assert model.scale_.tolist()[1] == 0.0 and model.scale_[3] == 0.0
    samples = model.sample(50, random_state=1)
    assert np.all(samples[:, 1] == 3.0) and np.all(samples[:, 3] == model.mean_[3])


# -- bad input ------------------------------------------------------------------
@pytest.mark.parametrize("method, args", [
    ("transform", (np.zeros((3, 2)),)), ("sample", (3,)), ("to_data_space", (np.zeros((3, 2)),)),
    ("pushed_reference", ()), ("save", ("never_written.npz",)),
])
def test_fitted_only_methods_before_fit_raise_not_fitted_error(tmp_path, method, args):
    """scikit-learn's convention: NotFittedError, both a ValueError and an AttributeError."""
    from sklearn.exceptions import NotFittedError

    args = tuple(tmp_path / a if isinstance(a, str) else a for a in args)
    with pytest.raises(NotFittedError, match=rf"not fitted yet: call fit\(Y\).*before {method}"):
        getattr(KernelTransport(), method)(*args)
    assert lk.NotFittedError is NotFittedError
    assert issubclass(lk.NotFittedError, ValueError) and issubclass(lk.NotFittedError, AttributeError)
    assert not (tmp_path / "never_written.npz").exists()


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
    ({"n_components": "pca"}, ValueError, r"n_components.*'auto'.*None.*'pca'"),
    ({"n_components": 2.5}, TypeError, r"n_components.*2\.5.*float"),
    ({"n_components": True}, TypeError, "n_components"),
    ({"n_components": 0}, ValueError, r"n_components.*between 1 and.*= 2.*got 0"),
    ({"n_components": 3}, ValueError, r"min\(n_samples, n_features\) = 2.*\(50, 2\).*got 3.*n_components=None"),
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
    with pytest.raises(ValueError, match=r"too large for memory.*GiB.*n_inducing.*n_features"):
        KernelTransport(n_reference=20_000).fit(Y)


def _limit_fit_memory(monkeypatch, n_bytes):
    monkeypatch.setattr(transport_module, "MAX_DENSE_BYTES", n_bytes)
    monkeypatch.setattr(transport_module, "MAX_FIT_BYTES", n_bytes, raising=False)


def test_memory_guard_counts_the_three_dense_matrices_of_a_fit(monkeypatch):
    """The exact map holds Q(X, X), Q + eps I and its Cholesky factor at once (3 n^2 floats)."""
    _limit_fit_memory(monkeypatch, 20 * 10**6)
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.raises(ValueError, match=r"too large for memory.*3 matrices of 1000 x 1000"):
        KernelTransport(n_reference=1000, n_inducing=None).fit(Y)  # 24 MB: 8 MB each


def test_memory_guard_counts_the_matrices_of_inducing_points(monkeypatch):
    _limit_fit_memory(monkeypatch, 20 * 10**6)
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.raises(ValueError, match=r"too large for memory.*3 matrices of 2000 x 500.*n_inducing"):
        KernelTransport(n_reference=2000, n_inducing=500).fit(Y)  # 24 MB


def test_a_million_reference_points_on_1000_inducing_points_is_refused_at_once():
    """The fit would hold three 1e6 x 1000 matrices (22 GiB): refused before allocating."""
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.raises(ValueError, match=r"too large for memory.*22\.4 GiB.*more than the 2 GiB"):
        KernelTransport(n_reference=10**6, n_inducing=1000).fit(Y)


def test_memory_guard_counts_random_feature_matrices_without_numba(monkeypatch):
    """Without numba the random-feature MMD builds n_reference x n_features matrices."""
    from lecturekit import _fast

    _limit_fit_memory(monkeypatch, 20 * 10**6)
    monkeypatch.setattr(_fast, "HAVE_NUMBA", False)
    Y = lk.make_toy("moons", 100, random_state=0)
    with pytest.raises(ValueError, match=r"too large for memory.*1000 x 1000.*numba"):
        KernelTransport(n_reference=1000, n_inducing=50, n_features=1000).fit(Y)


@pytest.mark.parametrize("block_size, exc", [(0, ValueError), (-1, ValueError), (2.5, TypeError)])
def test_transform_rejects_a_block_size_below_one(moons_model, block_size, exc):
    model, _ = moons_model
    with pytest.raises(exc, match="block_size must be an integer >= 1"):
        model.transform(np.zeros((5, 2)), block_size=block_size)


def test_fit_rejects_data_whose_squared_distances_overflow():
    Y = lk.make_toy("moons", 100, random_state=0) * 1e155
    with pytest.raises(ValueError, match=r"Y has values up to 3\.12e\+155.*1e\+150.*rescale"):
        KernelTransport().fit(Y)


def test_transform_rejects_wrong_dimension(moons_model):
    model, _ = moons_model
    with pytest.raises(ValueError, match=r"2 features.*\(4, 3\)"):
        model.transform(np.zeros((4, 3)))


def test_n_components_is_a_parameter():
    model = KernelTransport()
    assert model.get_params()["n_components"] == "auto"
    assert "n_components" not in repr(model)
    model.set_params(n_components=5)
    assert model.n_components == 5 and "n_components=5" in repr(model)


def test_n_components_cannot_exceed_the_number_of_samples():
    Y = np.random.default_rng(0).standard_normal((5, 20))
    with pytest.raises(ValueError, match=r"min\(n_samples, n_features\) = 5.*got 6"):
        KernelTransport(n_components=6).fit(Y)


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


# -- the defaults of lecturekit 0.1.0 and after -------------------------------------------
def test_default_map_kernel_widens_with_the_spacing_of_the_inducing_points():
    rng = np.random.default_rng(0)
    # 2-D: 500 inducing points are closer than sqrt(2) / 4 to their fifth neighbour
    assert transport_module.default_map_kernel(2, rng.standard_normal((500, 2))) == \
        transport_module.default_map_kernel(2)
    U = rng.standard_normal((500, 8))
    D = np.sqrt(((U[:, None, :] - U[None, :, :]) ** 2).sum(-1))
    fifth = np.median(np.sort(D, axis=1)[:, 5])
    Q = transport_module.default_map_kernel(8, U)
    assert Q.lengthscale == pytest.approx(fifth, rel=1e-9) and fifth > np.sqrt(8) / 4


def test_auto_defaults_in_the_data_space():
    Y = lk.make_toy("moons", 300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = KernelTransport(max_iter=3, random_state=0).fit(Y)
        lecture = KernelTransport(max_iter=3, random_state=0,
                                  **transport_module.lecture_map_params(2)).fit(Y)
        given = KernelTransport(max_iter=3, n_reference=200, random_state=0).fit(Y)
    assert model.reference_.shape == (transport_module.AUTO_N_REFERENCE, 2)
    assert model.inducing_.shape == (transport_module.AUTO_N_INDUCING, 2)
    assert np.array_equal(model.inducing_, model.reference_[:transport_module.AUTO_N_INDUCING])
    assert model.map_kernel_ == RBF(0.25) and model.reg_ == 1e-8
    assert model.mmd_kernel_ == RationalQuadratic(0.2, 1.0)
    # the lecture's map: dense, on min(n, 1000) reference points
    assert lecture.reference_.shape == (300, 2) and lecture.inducing_.shape == (300, 2)
    assert lecture.map_kernel_ == RBF(0.707106781187) and lecture.reg_ == 1e-4
    assert lecture.mmd_kernel_ == RationalQuadratic(0.353553390593, 1.0)
    # a reference count of one's own: the map is expanded on all of them
    assert given.inducing_.shape == (200, 2)
    with pytest.raises(ValueError, match="n_inducing must be 'auto', None or an integer"):
        KernelTransport(n_inducing="all").fit(Y)

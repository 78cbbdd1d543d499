"""Tests of lecturekit.plotting (Agg backend, nothing shown)."""

import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.quiver import Quiver  # noqa: E402

from lecturekit.datasets import make_toy  # noqa: E402
from lecturekit.plotting import (  # noqa: E402
    COLORS,
    Snapshot,
    animate_fit,
    animation_html,
    plot_density,
    plot_digits,
    plot_displacement,
    plot_loss,
    plot_samples,
    record_fit,
)
from lecturekit.transport import KernelTransport  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def moons():
    return make_toy("moons", 120, random_state=0)


def test_plot_samples_target_and_generated(moons):
    ax = plot_samples(moons, moons + 0.2, title="moons")
    assert isinstance(ax, Axes)
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(scatters) == 2
    assert [len(c.get_offsets()) for c in scatters] == [120, 120]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data", "generated"]
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_aspect() == 1.0
    assert ax.get_title() == "moons"
    np.testing.assert_allclose(scatters[0].get_facecolor()[0][:3],
                               matplotlib.colors.to_rgb(COLORS["target"]))


def test_plot_samples_uses_given_axes_and_target_only(moons):
    fig, ax = plt.subplots()
    out = plot_samples(moons, ax=ax)
    assert out is ax
    assert len(ax.collections) == 1
    assert len(fig.axes) == 1


def test_plot_samples_one_dimensional_and_dims():
    rng = np.random.default_rng(0)
    ax = plot_samples(rng.standard_normal(200), rng.standard_normal(200) + 1)
    assert len(ax.patches) > 0 and ax.get_ylabel() == "density"
    ax = plot_samples(rng.standard_normal((50, 4)), dims=(2, 3))
    assert ax.get_xlabel() == "$y_{3}$"


def test_plot_samples_validation(moons):
    with pytest.raises(ValueError, match="same number of features"):
        plot_samples(moons, np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"dims.*\(0, 5\)"):
        plot_samples(moons, dims=(0, 5))
    with pytest.raises(TypeError, match="Axes"):
        plot_samples(moons, ax="left")


def test_plot_displacement_arrows(moons):
    X = np.random.default_rng(0).standard_normal((500, 2))
    ax = plot_displacement(X, X + 1.0, max_arrows=50)
    quivers = [c for c in ax.collections if isinstance(c, Quiver)]
    assert len(quivers) == 1
    q = quivers[0]
    assert q.N == 50
    assert q.angles == "xy" and q.scale_units == "xy" and q.scale == 1
    # each arrow goes from x to T(x): here a displacement of (1, 1)
    np.testing.assert_allclose(q.U, 1.0)
    np.testing.assert_allclose(q.V, 1.0)
    # all of them when there are fewer points than max_arrows
    ax = plot_displacement(moons, 0.5 * moons)
    assert [c for c in ax.collections if isinstance(c, Quiver)][0].N == len(moons)


def test_plot_displacement_subset_is_deterministic():
    X = np.random.default_rng(0).standard_normal((400, 2))
    a = plot_displacement(X, 2 * X, max_arrows=30, random_state=1).collections[-1].X
    b = plot_displacement(X, 2 * X, max_arrows=30, random_state=1).collections[-1].X
    np.testing.assert_array_equal(a, b)


def test_plot_displacement_validation(moons):
    with pytest.raises(ValueError, match="same shape"):
        plot_displacement(moons, moons[:10])
    with pytest.raises(ValueError, match="max_arrows.*0"):
        plot_displacement(moons, moons, max_arrows=0)


def test_plot_density(moons):
    ax = plot_density(moons, levels=5, gridsize=30)
    assert isinstance(ax, Axes)
    assert len(ax.collections) == 1
    assert len(ax.collections[0].levels) == 6  # 5 filled bands
    ax = plot_density(moons, levels=4, gridsize=30, filled=False)
    assert len(ax.collections[0].levels) == 4
    ax = plot_density(np.random.default_rng(0).standard_normal(100))
    assert len(ax.lines) == 1
    with pytest.raises(ValueError, match="singular"):
        plot_density(np.zeros((10, 2)))


def test_plot_loss_list_and_model(moons):
    ax = plot_loss([3.0, 2.0, 1.0])
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 1
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [0, 1, 2])
    ax = plot_loss([1.0, -1.0])
    assert ax.get_yscale() == "linear"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = KernelTransport(max_iter=5, random_state=0).fit(moons)
    ax = plot_loss(model)
    assert len(ax.lines[0].get_ydata()) == len(model.loss_history_)
    with pytest.raises(ValueError, match="fit"):
        plot_loss(KernelTransport())
    with pytest.raises(ValueError, match="non-empty"):
        plot_loss([])


def test_plot_digits():
    ax = plot_digits(np.arange(20 * 64).reshape(20, 64) % 17, n_cols=5)
    assert len(ax.images) == 1
    assert ax.images[0].get_array().shape == (4 * 9 - 1, 5 * 9 - 1)
    with pytest.raises(ValueError, match="64"):
        plot_digits(np.zeros((3, 10)))


def test_record_fit_snapshots(moons):
    seen = []
    model = KernelTransport(max_iter=12, random_state=0, callback=lambda i, s: seen.append(i))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted, snapshots = record_fit(model, moons, every=5)
    assert not hasattr(model, "coef_")  # the original stays unfitted
    assert model.callback is not None and seen == list(range(1, 13))  # user callback kept
    assert [s.iteration for s in snapshots] == [0, 5, 10, 12]
    n_ref = fitted.reference_.shape[0]
    assert all(isinstance(s, Snapshot) and s.samples.shape == (n_ref, 2) for s in snapshots)
    np.testing.assert_allclose(snapshots[0].samples,
                               fitted.mean_ + fitted.scale_ * fitted.reference_)
    np.testing.assert_array_equal(snapshots[-1].samples, fitted.pushed_reference())
    # same parameters: the fitted copy equals a direct fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = KernelTransport(max_iter=12, random_state=0).fit(moons)
    np.testing.assert_allclose(fitted.pushed_reference(), direct.pushed_reference())
    with pytest.raises(ValueError, match="every.*0"):
        record_fit(model, moons, every=0)


def test_record_fit_with_a_dimension_reduction():
    """In more than 8 dimensions the map lives in a latent space; snapshots are data points."""
    rng = np.random.default_rng(0)
    Y = rng.standard_normal((150, 3)) @ rng.standard_normal((3, 12)) + 0.1 * rng.standard_normal((150, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted, snapshots = record_fit(KernelTransport(max_iter=10, random_state=0), Y, every=5)
    assert fitted.n_latent_ < 12
    assert all(s.samples.shape == (len(fitted.reference_), 12) for s in snapshots)
    np.testing.assert_allclose(snapshots[0].samples, fitted.to_data_space(fitted.reference_))
    np.testing.assert_array_equal(snapshots[-1].samples, fitted.pushed_reference())


def test_animate_fit_and_offline_html(moons):
    rng = np.random.default_rng(0)
    frames = [Snapshot(k * 5, moons + rng.standard_normal(moons.shape) / (k + 1))
              for k in range(4)]
    anim = animate_fit(frames, moons, interval=50)
    assert isinstance(anim, FuncAnimation)
    html = animation_html(anim)
    assert "<script" in html and "Animation(" in html
    assert html.count("data:image/png;base64") >= 4  # every frame embedded
    # self-contained: no CDN (matplotlib's player loads an icon font from one) nor any URL
    assert re.findall(r"https?://", html) == []
    assert "font-awesome" not in html and "<link" not in html
    assert 'class="fa ' not in html


def test_animate_fit_accepts_plain_arrays_and_an_axes(moons):
    fig, ax = plt.subplots()
    anim = animate_fit([moons, moons + 1], moons, ax=ax)
    assert ax.get_title() == "iteration 0"
    animation_html(anim)  # draws every frame; the last one stays on the Axes
    assert ax.get_title() == "iteration 1"
    np.testing.assert_allclose(ax.collections[1].get_offsets(), moons + 1)


def test_animate_fit_validation(moons):
    with pytest.raises(ValueError, match="non-empty"):
        animate_fit([], moons)
    with pytest.raises(ValueError, match="features"):
        animate_fit([np.zeros((5, 3))], moons)
    with pytest.raises(TypeError, match="animation"):
        animation_html("not an animation")

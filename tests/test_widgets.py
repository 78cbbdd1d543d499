"""Tests of lecturekit.widgets (no Jupyter kernel needed)."""

import base64
import builtins

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lecturekit.datasets import TOY_DATASETS, make_toy  # noqa: E402
from lecturekit.widgets import MAP_KERNELS, MMD_KERNELS, transport_explorer  # noqa: E402

ipywidgets = pytest.importorskip("ipywidgets")

CONTROLS = {"dataset", "mmd_kernel", "mmd_lengthscale", "map_kernel", "map_lengthscale",
            "reg", "n_samples", "fit", "auto"}


def test_builds_a_vbox_with_the_controls():
    panel = transport_explorer(dataset="pinwheel", n_samples=100)
    assert isinstance(panel, ipywidgets.VBox)
    c = panel.controls
    assert set(c) == CONTROLS
    assert c["dataset"].options == TOY_DATASETS and c["dataset"].value == "pinwheel"
    assert set(c["mmd_kernel"].options) == {"RBF", "rational quadratic"}
    assert set(c["map_kernel"].options) == {"RBF", "Matern 1.5", "Matern 2.5"}
    for name in ("mmd_lengthscale", "map_lengthscale", "reg"):
        assert isinstance(c[name], ipywidgets.FloatLogSlider)
        assert c[name].continuous_update is False
    assert c["n_samples"].value == 100
    assert isinstance(c["fit"], ipywidgets.Button)
    assert isinstance(panel.output, ipywidgets.Output)

    def descendants(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from descendants(child)

    shown = set(map(id, descendants(panel)))
    assert all(id(w) in shown for w in c.values())  # every control is on the panel
    assert panel.state["model"] is None  # nothing fitted until asked


def test_fit_button_refits_and_draws():
    panel = transport_explorer(n_samples=60, max_iter=5)
    panel.controls["fit"].click()
    assert panel.state["error"] is None, panel.state["error"]
    model = panel.state["model"]
    assert model.n_iter_ <= 5
    assert model.reference_.shape == (60, 2)
    assert "fitted" in panel.status.value
    (out,) = panel.output.outputs
    assert base64.b64decode(out["data"]["image/png"]).startswith(b"\x89PNG")
    assert not panel.controls["fit"].disabled


def test_controls_reach_the_model():
    panel = transport_explorer(n_samples=50, max_iter=3)
    c = panel.controls
    c["mmd_kernel"].value = "rational quadratic"
    c["mmd_lengthscale"].value = 0.5
    c["map_kernel"].value = "Matern 2.5"
    c["map_lengthscale"].value = 1.0
    c["reg"].value = 1e-3
    c["dataset"].value = "checkerboard"
    assert panel.state["model"] is None  # auto refit is off
    assert "press" in panel.status.value
    panel.refit()
    model = panel.state["model"]
    assert model.mmd_kernel == MMD_KERNELS["rational quadratic"](0.5)
    assert model.map_kernel == MAP_KERNELS["Matern 2.5"](1.0)
    assert model.reg == pytest.approx(1e-3)
    np.testing.assert_array_equal(panel.state["data"], make_toy("checkerboard", 50, random_state=0))


def test_auto_refit_on_change():
    panel = transport_explorer(n_samples=40, max_iter=3)
    panel.controls["auto"].value = True
    panel.controls["n_samples"].value = 30
    assert panel.state["error"] is None
    assert panel.state["model"].reference_.shape == (30, 2)


def test_same_settings_same_picture():
    a = transport_explorer(n_samples=40, max_iter=3, random_state=1)
    b = transport_explorer(n_samples=40, max_iter=3, random_state=1)
    a.refit()
    b.refit()
    np.testing.assert_array_equal(a.state["model"].pushed_reference(),
                                  b.state["model"].pushed_reference())


def test_own_data_is_subsampled():
    Y = make_toy("rings", 300, random_state=0) * 10.0
    panel = transport_explorer(Y, n_samples=50, max_iter=3)
    assert panel.controls["dataset"].value == "your data"
    panel.refit()
    assert panel.state["error"] is None
    data = panel.state["data"]
    assert data.shape == (50, 2)
    assert {tuple(r) for r in data} <= {tuple(r) for r in Y}


def test_errors_are_shown_in_the_panel(monkeypatch):
    panel = transport_explorer(n_samples=30, max_iter=2)
    import lecturekit.widgets as w

    monkeypatch.setitem(w.MMD_KERNELS, "RBF", lambda l: "not a kernel")
    panel.refit()
    assert isinstance(panel.state["error"], TypeError)
    assert "error" in panel.status.value and "mmd_kernel" in panel.status.value


def test_validation():
    with pytest.raises(ValueError, match="banana"):
        transport_explorer(dataset="banana")
    with pytest.raises(ValueError, match="n_samples.*5"):
        transport_explorer(n_samples=5)
    with pytest.raises(ValueError, match="2 features"):
        transport_explorer(np.zeros((20, 1)))


def test_missing_ipywidgets_says_how_to_install(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "ipywidgets" or name.startswith("ipywidgets."):
            raise ImportError("No module named 'ipywidgets'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        transport_explorer()

"""An interactive explorer of the transport map (book chapter 6).

:func:`transport_explorer` returns an ipywidgets panel: choose a toy data set,
the MMD kernel ``K`` and its lengthscale, the map kernel ``Q`` and its
lengthscale, the regularisation ``reg`` and the sample size, press *Fit*, and
see the data, the pushed reference points ``T(x_i)`` and the displacement
arrows ``x_i -> T(x_i)``. It needs a running Jupyter kernel to react to the
controls; ipywidgets is imported only when the function is called.

Lengthscales are in standardised units: the data are centred and scaled per
feature before fitting (see :class:`lecturekit.transport.KernelTransport`).
"""

import base64
import io
import time
import warnings

import numpy as np

from ._validation import check_int, check_random_state, check_samples
from .datasets import TOY_DATASETS, _toy_key, make_toy
from .kernels import RBF, Matern, RationalQuadratic
from .metrics import normalized_mmd

__all__ = ["transport_explorer", "MMD_KERNELS", "MAP_KERNELS"]

#: MMD kernel choices of the explorer: label -> constructor taking the lengthscale.
MMD_KERNELS = {
    "RBF": lambda l: RBF(l),
    "rational quadratic": lambda l: RationalQuadratic(l, alpha=1.0),
}

#: Map kernel choices of the explorer: label -> constructor taking the lengthscale.
MAP_KERNELS = {
    "RBF": lambda l: RBF(l),
    "Matern 1.5": lambda l: Matern(l, nu=1.5),
    "Matern 2.5": lambda l: Matern(l, nu=2.5),
}

_OWN_DATA = "your data"


def _import_ipywidgets():
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(
            "transport_explorer needs ipywidgets; install it with `pip install ipywidgets` "
            "(or `pip install lecturekit[widgets]`) and restart the Jupyter kernel."
        ) from None
    return ipywidgets


def _figure_png(target, start, pushed, title):
    """Render data vs samples and the displacement arrows side by side, as PNG bytes."""
    from matplotlib.figure import Figure

    from .plotting import plot_displacement, plot_samples

    fig = Figure(figsize=(10, 4.8))
    ax1, ax2 = fig.subplots(1, 2)
    plot_samples(target, pushed, ax=ax1, labels=("data", "$T(x_i)$"), title=title)
    plot_displacement(start, pushed, ax=ax2, max_arrows=300, random_state=0)
    ax2.set_title("displacement $x_i \\to T(x_i)$")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def transport_explorer(Y=None, dataset="moons", n_samples=500, random_state=0, *, max_iter=50):
    """An interactive panel to fit :class:`~lecturekit.transport.KernelTransport` by hand.

    The controls set the problem of book chapter 6,
    ``min_z MMD_K(x + z, Y)^2 + reg * sum_j z[:, j]^T Q(X, X)^{-1} z[:, j]``:

    * *data*: a toy data set (:data:`lecturekit.datasets.TOY_DATASETS`), or
      "your data" when ``Y`` is given;
    * *MMD kernel* ``K``: RBF or rational quadratic, with a lengthscale slider
      (log scale, standardised units);
    * *map kernel* ``Q``: RBF, Matern 1.5 or Matern 2.5, with a lengthscale slider;
    * *reg*: the penalty weight (log scale);
    * *samples*: the number of data points, also used as the number of
      reference points (a random subset when ``Y`` is larger);
    * *Fit*: refit and redraw; tick *refit on change* to refit whenever a
      control is released.

    Each refit runs at most ``max_iter`` L-BFGS iterations, so it stays fast;
    the figure shows the data against ``T(x_i)`` and the displacement arrows.

    Parameters
    ----------
    Y : array_like of shape (n_samples, n_features), optional
        Your own data (the first two features are plotted). None: toy data.
    dataset : str, default "moons"
        The initial toy data set when ``Y`` is None.
    n_samples : int, default 500
        The initial sample size, ``>= 10``.
    random_state : None, int or numpy.random.Generator, default 0
        Seeds the data, the reference points and the subsampling; a fixed int
        makes every refit with the same settings give the same picture.
    max_iter : int, default 50
        L-BFGS iterations per refit.

    Returns
    -------
    ipywidgets.VBox
        The panel. Its attributes ``controls`` (a dict of the control widgets:
        ``dataset``, ``mmd_kernel``, ``mmd_lengthscale``, ``map_kernel``,
        ``map_lengthscale``, ``reg``, ``n_samples``, ``fit``, ``auto``),
        ``output`` (the ipywidgets Output holding the figure), ``status``,
        ``refit()`` (fit and redraw now) and ``state`` (a dict with the last
        ``model``, ``data``, ``error`` and ``png``) are there for scripting
        and testing.

    Examples
    --------
    >>> panel = transport_explorer(n_samples=100)
    >>> sorted(panel.controls)  # doctest: +NORMALIZE_WHITESPACE
    ['auto', 'dataset', 'fit', 'map_kernel', 'map_lengthscale', 'mmd_kernel',
     'mmd_lengthscale', 'n_samples', 'reg']
    """
    widgets = _import_ipywidgets()
    n_samples = check_int(n_samples, "n_samples", minimum=10)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    seed_rng = check_random_state(random_state)
    # One fixed integer seed per panel, so every refit with the same settings agrees.
    seed = int(seed_rng.integers(2**31 - 1)) if not isinstance(random_state, int) else random_state
    if Y is not None:
        Y = check_samples(Y, "Y", min_samples=10)
        if Y.shape[1] < 2:
            raise ValueError(
                f"transport_explorer plots points in the plane and needs data with at least "
                f"2 features, got Y of shape {Y.shape}."
            )
        options = (_OWN_DATA,) + TOY_DATASETS
        initial = _OWN_DATA
    else:
        options = TOY_DATASETS
        initial = _toy_key(dataset)

    style = {"description_width": "9em"}
    layout = widgets.Layout(width="19em")
    slider = dict(continuous_update=False, style=style, layout=layout)
    controls = {
        "dataset": widgets.Dropdown(options=options, value=initial, description="data",
                                    style=style, layout=layout),
        "mmd_kernel": widgets.Dropdown(options=tuple(MMD_KERNELS), value="RBF",
                                       description="MMD kernel K", style=style, layout=layout),
        "mmd_lengthscale": widgets.FloatLogSlider(value=0.3, base=10, min=-2, max=1, step=0.05,
                                                  description="K lengthscale",
                                                  readout_format=".3g", **slider),
        "map_kernel": widgets.Dropdown(options=tuple(MAP_KERNELS), value="RBF",
                                       description="map kernel Q", style=style, layout=layout),
        "map_lengthscale": widgets.FloatLogSlider(value=0.7, base=10, min=-1.5, max=1, step=0.05,
                                                  description="Q lengthscale",
                                                  readout_format=".3g", **slider),
        "reg": widgets.FloatLogSlider(value=1e-4, base=10, min=-8, max=0, step=0.25,
                                      description="reg", readout_format=".1e", **slider),
        "n_samples": widgets.IntSlider(value=n_samples, min=10, max=max(2000, n_samples),
                                       step=10, description="samples", **slider),
        "fit": widgets.Button(description="Fit", button_style="primary", icon="play",
                              tooltip="fit the transport map with these settings"),
        "auto": widgets.Checkbox(value=False, description="refit on change", indent=False),
    }
    status = widgets.HTML(value="Press <b>Fit</b> to fit the map.")
    output = widgets.Output(layout=widgets.Layout(min_height="400px"))
    state = {"model": None, "data": None, "error": None, "png": None}

    def values():
        return {k: w.value for k, w in controls.items() if k != "fit"}

    def make_data():
        c = values()
        n = c["n_samples"]
        if c["dataset"] == _OWN_DATA:
            if n >= Y.shape[0]:
                return Y, None
            rows = np.sort(check_random_state(seed).choice(Y.shape[0], n, replace=False))
            return Y[rows], None
        train = make_toy(c["dataset"], n, random_state=seed)
        test = make_toy(c["dataset"], max(n, 500), random_state=seed + 1)
        return train, test

    def refit(*_):
        from .transport import KernelTransport

        c = values()
        controls["fit"].disabled = True
        status.value = "fitting&hellip;"
        try:
            data, test = make_data()
            model = KernelTransport(
                mmd_kernel=MMD_KERNELS[c["mmd_kernel"]](c["mmd_lengthscale"]),
                map_kernel=MAP_KERNELS[c["map_kernel"]](c["map_lengthscale"]),
                reg=c["reg"],
                n_reference=data.shape[0],
                max_iter=max_iter,
                random_state=seed,
            )
            start = time.perf_counter()
            with warnings.catch_warnings():
                # a few iterations rarely converge; that is expected here
                warnings.simplefilter("ignore")
                model.fit(data)
            elapsed = time.perf_counter() - start
            pushed = model.pushed_reference()
            initial_points = model.to_data_space(model.reference_)
            message = (f"fitted in {elapsed:.1f} s, {model.n_iter_} iterations, "
                       f"MMD<sup>2</sup> = {model.mmd2_:.2e}")
            title = f"{c['dataset']}: {model.n_iter_} iterations"
            if test is not None:
                score = normalized_mmd(model.sample(test.shape[0], random_state=seed + 2), test,
                                       random_state=seed + 3)
                message += f", held-out normalised MMD = {score:.3f} (0 is perfect, 1 = Gaussian)"
            png = _figure_png(data, initial_points, pushed, title)
            output.outputs = (
                {
                    "output_type": "display_data",
                    "data": {
                        "image/png": base64.b64encode(png).decode("ascii"),
                        "text/plain": f"<figure: {title}>",
                    },
                    "metadata": {},
                },
            )
            state.update(model=model, data=data, error=None, png=png)
            status.value = message
        except Exception as exc:  # shown in the panel: widget callbacks hide tracebacks
            state["error"] = exc
            status.value = f"<span style='color:#D55E00'>error: {type(exc).__name__}: {exc}</span>"
        finally:
            controls["fit"].disabled = False

    def on_change(change):
        if controls["auto"].value:
            refit()
        else:
            status.value = "settings changed: press <b>Fit</b> to refit."

    controls["fit"].on_click(refit)
    for name, control in controls.items():
        if name not in ("fit", "auto"):
            control.observe(on_change, names="value")

    buttons = widgets.HBox([controls["fit"], controls["auto"]])
    left = widgets.VBox([controls["dataset"], controls["n_samples"], controls["reg"], buttons])
    right = widgets.VBox([controls[k] for k in ("mmd_kernel", "mmd_lengthscale", "map_kernel",
                                                 "map_lengthscale")])
    # the two columns wrap onto two rows when the page is narrower than both
    columns = widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap"))
    panel = widgets.VBox([columns, status, output])
    panel.controls = controls
    panel.output = output
    panel.status = status
    panel.state = state
    panel.refit = refit
    return panel

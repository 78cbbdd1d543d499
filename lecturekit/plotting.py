"""Figures and animations for the book (matplotlib only).

Every function draws into the Axes ``ax`` it is given (a new figure is made
when ``ax`` is None) and returns it, so figures can be composed and saved;
nothing calls ``plt.show()``. Colours come from the colour-blind-safe
Okabe-Ito palette: target data in blue, generated samples in orange,
displacements in bluish green.

The animation of a fit (book chapter 6) takes three steps::

    model, snapshots = record_fit(KernelTransport(random_state=0), Y, every=5)
    anim = animate_fit(snapshots, Y)
    html = animation_html(anim)   # a self-contained player for a notebook or web page
"""

import re
from collections import namedtuple

import numpy as np

from ._validation import check_int, check_positive, check_random_state, check_samples

__all__ = [
    "COLORS",
    "Snapshot",
    "plot_samples",
    "plot_displacement",
    "plot_density",
    "plot_loss",
    "plot_digits",
    "record_fit",
    "animate_fit",
    "animation_html",
]

#: The colours used throughout (Okabe and Ito's colour-blind-safe palette).
COLORS = {
    "target": "#0072B2",  # blue
    "generated": "#E69F00",  # orange
    "displacement": "#009E73",  # bluish green
    "reference": "#999999",  # grey
    "loss": "#D55E00",  # vermilion
}

#: One frame of a recorded fit: the iteration and the pushed reference points.
Snapshot = namedtuple("Snapshot", ["iteration", "samples"])


def _get_ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 5))
    return ax


def _check_ax(ax):
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(
            f"ax must be a matplotlib Axes or None for a new figure, got {ax!r} of type "
            f"{type(ax).__name__}; e.g. fig, ax = plt.subplots()."
        )


def _check_dims(dims, n_features, name):
    if (
        not isinstance(dims, (tuple, list))
        or len(dims) != 2
        or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in dims)
        or not all(0 <= i < n_features for i in dims)
        or dims[0] == dims[1]
    ):
        raise ValueError(
            f"dims must be two different column indices between 0 and {n_features - 1} "
            f"(the features of {name} to plot), got {dims!r}; e.g. dims=(0, 1)."
        )
    return int(dims[0]), int(dims[1])


def _label_axes(ax, dims):
    ax.set_xlabel(f"$y_{{{dims[0] + 1}}}$")
    ax.set_ylabel(f"$y_{{{dims[1] + 1}}}$")


def plot_samples(
    target,
    generated=None,
    ax=None,
    *,
    labels=("data", "generated"),
    dims=(0, 1),
    s=6.0,
    alpha=0.5,
    title=None,
):
    """Scatter the target data and, if given, generated samples on one plot.

    Two-dimensional samples (or the two columns ``dims`` of higher-dimensional
    ones) are shown as points on equal axes; one-dimensional samples as
    overlaid density histograms. Used throughout the book to compare ``T(X)``
    with the data ``Y`` by eye (chapter 6).

    Parameters
    ----------
    target : array_like of shape (n_target, n_features)
        The data, in blue.
    generated : array_like of shape (n_generated, n_features), optional
        Generated samples, in orange, drawn on top.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    labels : (str, str)
        Legend labels of the two sets.
    dims : (int, int)
        The two features to plot when ``n_features > 2``.
    s, alpha : float
        Marker size and opacity.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lecturekit.datasets import make_toy
    >>> Y = make_toy("moons", 200, random_state=0)
    >>> ax = plot_samples(Y, Y + 0.1)
    >>> len(ax.collections)
    2
    >>> plt.close("all")
    """
    _check_ax(ax)
    target = check_samples(target, "target", allow_1d=True)
    if generated is not None:
        generated = check_samples(generated, "generated", allow_1d=True)
        if generated.shape[1] != target.shape[1]:
            raise ValueError(
                f"target and generated must have the same number of features, got shapes "
                f"{target.shape} and {generated.shape}."
            )
    ax = _get_ax(ax)
    sets = [(target, labels[0], COLORS["target"])]
    if generated is not None:
        sets.append((generated, labels[1], COLORS["generated"]))
    if target.shape[1] == 1:
        pooled = np.vstack([a for a, _, _ in sets])[:, 0]
        bins = np.histogram_bin_edges(pooled, bins="auto")
        for data, label, color in sets:
            ax.hist(data[:, 0], bins=bins, density=True, alpha=alpha, color=color, label=label)
        ax.set_xlabel("$y$")
        ax.set_ylabel("density")
    else:
        i, j = _check_dims(dims, target.shape[1], "target")
        for data, label, color in sets:
            ax.scatter(data[:, i], data[:, j], s=s, alpha=alpha, color=color, label=label,
                       linewidths=0)
        ax.set_aspect("equal", adjustable="datalim")
        _label_axes(ax, (i, j))
    ax.legend(loc="best", markerscale=2.0 if target.shape[1] > 1 else 1.0)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_displacement(X, TX, ax=None, max_arrows=300, random_state=0, *, dims=(0, 1)):
    """Draw the displacement ``x -> T(x)`` as arrows from each ``x`` to ``T(x)``.

    The arrows are drawn in data units (``quiver`` with ``angles='xy'``,
    ``scale_units='xy'``, ``scale=1``), so each one ends exactly at ``T(x)``;
    the start points are grey, the end points orange (book chapter 6). With
    many points a random subset of ``max_arrows`` is shown.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        Start points, e.g. the reference points in data coordinates.
    TX : array_like of shape (n_samples, n_features)
        Their images, row by row.
    ax : matplotlib Axes, optional
    max_arrows : int, default 300
        At most this many arrows are drawn.
    random_state : None, int or numpy.random.Generator, default 0
        Chooses the subset of arrows.
    dims : (int, int)
        The two features to plot when ``n_features > 2``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> X = np.random.default_rng(0).standard_normal((500, 2))
    >>> ax = plot_displacement(X, 0.5 * X, max_arrows=100)
    >>> ax.collections[-1].N  # the arrows
    100
    >>> plt.close("all")
    """
    _check_ax(ax)
    X = check_samples(X, "X")
    TX = check_samples(TX, "TX")
    if X.shape != TX.shape:
        raise ValueError(
            f"X and TX must have the same shape (one image T(x) per point x), got "
            f"{X.shape} and {TX.shape}."
        )
    if X.shape[1] < 2:
        raise ValueError(
            f"plot_displacement draws arrows in the plane and needs at least 2 features, "
            f"got shape {X.shape}; for 1-D maps plot TX against X with ax.plot."
        )
    i, j = _check_dims(dims, X.shape[1], "X")
    max_arrows = check_int(max_arrows, "max_arrows", minimum=1)
    rng = check_random_state(random_state)
    if X.shape[0] > max_arrows:
        keep = np.sort(rng.choice(X.shape[0], max_arrows, replace=False))
        X, TX = X[keep], TX[keep]
    ax = _get_ax(ax)
    ax.scatter(X[:, i], X[:, j], s=6, color=COLORS["reference"], linewidths=0, label="$x$")
    ax.scatter(TX[:, i], TX[:, j], s=6, color=COLORS["generated"], linewidths=0,
               label="$T(x)$")
    ax.quiver(
        X[:, i], X[:, j], TX[:, i] - X[:, i], TX[:, j] - X[:, j],
        angles="xy", scale_units="xy", scale=1, color=COLORS["displacement"],
        alpha=0.6, width=0.003,
    )
    # quiver does not update the data limits; include both ends of every arrow.
    ax.update_datalim(np.vstack([X[:, [i, j]], TX[:, [i, j]]]))
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    _label_axes(ax, (i, j))
    ax.legend(loc="best", markerscale=2.0)
    return ax


def plot_density(samples, ax=None, levels=8, gridsize=100, *, bw_method=None, filled=True,
                 cmap="viridis", dims=(0, 1)):
    """Contours of a Gaussian kernel density estimate of the samples.

    ``p(y) = (1/n) sum_i N(y; y_i, H)`` with the bandwidth matrix ``H`` from
    ``scipy.stats.gaussian_kde`` (Scott's rule unless ``bw_method`` is given),
    evaluated on a ``gridsize x gridsize`` grid covering the samples; a line
    for one-dimensional samples. A smooth view of generated samples (book
    chapter 7).

    Parameters
    ----------
    samples : array_like of shape (n_samples, n_features)
        At least 2 samples; 1-D arrays are read as one feature.
    ax : matplotlib Axes, optional
    levels : int, default 8
        The number of contour levels, equally spaced between 0 and the
        maximum density (the region below the lowest one is left blank).
    gridsize : int, default 100
        Grid points per axis.
    bw_method : str, float or None
        Passed to ``scipy.stats.gaussian_kde``.
    filled : bool, default True
        Filled contours (``contourf``) or lines (``contour``).
    cmap : str
        A matplotlib colour map; the default viridis is colour-blind safe.
    dims : (int, int)
        The two features to use when ``n_features > 2``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from lecturekit.datasets import make_toy
    >>> ax = plot_density(make_toy("8gaussians", 400, random_state=0), gridsize=40)
    >>> len(ax.collections)  # one contour set
    1
    >>> plt.close("all")
    """
    from scipy.stats import gaussian_kde

    _check_ax(ax)
    samples = check_samples(samples, "samples", min_samples=2, allow_1d=True)
    levels = check_int(levels, "levels", minimum=1)
    gridsize = check_int(gridsize, "gridsize", minimum=2)
    ax = _get_ax(ax)
    if samples.shape[1] == 1:
        data = samples[:, 0]
        pad = 0.1 * (np.ptp(data) or 1.0)
        grid = np.linspace(data.min() - pad, data.max() + pad, gridsize)
        ax.plot(grid, gaussian_kde(data, bw_method=bw_method)(grid), color=COLORS["target"])
        ax.set_xlabel("$y$")
        ax.set_ylabel("density")
        return ax
    i, j = _check_dims(dims, samples.shape[1], "samples")
    data = samples[:, [i, j]]
    try:
        kde = gaussian_kde(data.T, bw_method=bw_method)
    except np.linalg.LinAlgError:
        raise ValueError(
            "plot_density cannot estimate a density from samples whose covariance is "
            "singular (e.g. all points on a line or identical); add a little noise or plot "
            "the samples with plot_samples."
        ) from None
    lo, hi = data.min(axis=0), data.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    gx = np.linspace(lo[0] - pad[0], hi[0] + pad[0], gridsize)
    gy = np.linspace(lo[1] - pad[1], hi[1] + pad[1], gridsize)
    GX, GY = np.meshgrid(gx, gy)
    # (2, gridsize^2) grid points -> densities reshaped to (gridsize, gridsize)
    density = kde(np.vstack([GX.ravel(), GY.ravel()])).reshape(GX.shape)
    # ``levels`` equally spaced levels above 0; the near-empty background stays blank.
    top = float(density.max())
    bounds = top * np.arange(1, levels + 1) / (levels + 1)
    if filled:
        ax.contourf(GX, GY, density, levels=np.append(bounds, top), cmap=cmap)
    else:
        ax.contour(GX, GY, density, levels=bounds, cmap=cmap)
    ax.set_aspect("equal", adjustable="datalim")
    _label_axes(ax, (i, j))
    return ax


def plot_loss(history_or_model, ax=None, *, label=None):
    """Plot the objective against the iteration, on a log scale when it is positive.

    Parameters
    ----------
    history_or_model : sequence of float or fitted KernelTransport
        The loss values (entry 0 is the starting point), or a fitted model,
        whose ``loss_history_`` is used.
    ax : matplotlib Axes, optional
    label : str, optional
        A legend label, for comparing several fits on one Axes.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_loss([1.0, 0.5, 0.2, 0.1])
    >>> ax.get_yscale()
    'log'
    >>> plt.close("all")
    """
    _check_ax(ax)
    if hasattr(history_or_model, "get_params"):
        if not hasattr(history_or_model, "loss_history_"):
            raise ValueError(
                "plot_loss needs a fitted model or a list of loss values; this model is "
                "not fitted yet: call model.fit(Y) first."
            )
        history = history_or_model.loss_history_
    else:
        history = history_or_model
    try:
        values = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"plot_loss needs a list of loss values or a fitted model with loss_history_, "
            f"got {type(history_or_model).__name__}."
        ) from None
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"the loss history must be a non-empty 1-D list of numbers, got shape "
            f"{values.shape}."
        )
    ax = _get_ax(ax)
    marker = "." if values.size < 50 else None
    ax.plot(np.arange(values.size), values, color=COLORS["loss"], marker=marker, label=label)
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite > 0):
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("objective: MMD$^2$ + penalty")
    if label is not None:
        ax.legend(loc="best")
    return ax


def plot_digits(images, ax=None, *, n_cols=10, image_shape=(8, 8), cmap="gray_r", vmin=0.0,
                vmax=16.0):
    """Show flattened images, such as the 8x8 digits, as one mosaic.

    Parameters
    ----------
    images : array_like of shape (n_images, height * width)
        One flattened image per row, e.g. from
        :func:`lecturekit.datasets.load_digits` or a model fitted on them.
    ax : matplotlib Axes, optional
    n_cols : int, default 10
        Images per row of the mosaic.
    image_shape : (int, int)
        ``(height, width)`` of one image.
    cmap : str
        Colour map; dark ink on white paper by default.
    vmin, vmax : float
        The intensity range (0 to 16 for the digits); values are clipped to it.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_digits(np.zeros((12, 64)), n_cols=6)
    >>> ax.images[0].get_array().shape  # 2 rows and 6 columns of 8x8 images, 1-pixel gaps
    (17, 53)
    >>> plt.close("all")
    """
    _check_ax(ax)
    images = check_samples(images, "images")
    n_cols = check_int(n_cols, "n_cols", minimum=1)
    h, w = (check_int(v, "image_shape", minimum=1) for v in image_shape)
    if images.shape[1] != h * w:
        raise ValueError(
            f"each row of images must hold height * width = {h} * {w} = {h * w} pixels "
            f"(image_shape={tuple(image_shape)}), got shape {images.shape}; pass the right "
            f"image_shape."
        )
    n = images.shape[0]
    n_cols = min(n_cols, n)
    n_rows = -(-n // n_cols)
    mosaic = np.full((n_rows * (h + 1) - 1, n_cols * (w + 1) - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, n_cols)
        mosaic[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = images[k].reshape(h, w)
    ax = _get_ax(ax)
    ax.imshow(np.clip(mosaic, vmin, vmax), cmap=cmap, vmin=vmin, vmax=vmax,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def record_fit(model, Y, every=5):
    """Fit a copy of ``model`` to ``Y``, recording the pushed reference points.

    A new model with the same parameters is fitted with a callback that keeps
    the pushed reference points ``T(x_i)`` (in data coordinates) at every
    ``every``-th iteration; ``model`` itself is left unfitted and unchanged.
    The first snapshot is the starting point, iteration 0: the reference points
    themselves in data coordinates (the identity map; the exact start when
    ``residual=True``). The last one is the fitted state. A callback already
    set on ``model`` is still called.

    Parameters
    ----------
    model : KernelTransport
        An unfitted or fitted model; only its parameters are used.
    Y : array_like of shape (n_samples, n_features)
        The data.
    every : int, default 5
        Record every ``every``-th iteration.

    Returns
    -------
    fitted : KernelTransport
        The fitted copy.
    snapshots : list of Snapshot
        ``Snapshot(iteration, samples)`` with ``samples`` of shape
        ``(n_reference, n_features)``, in order of iteration.

    Examples
    --------
    >>> from lecturekit.datasets import make_toy
    >>> from lecturekit.transport import KernelTransport
    >>> Y = make_toy("moons", 100, random_state=0)
    >>> model = KernelTransport(max_iter=10, random_state=0)
    >>> import warnings
    >>> with warnings.catch_warnings():  # 10 iterations are too few to converge
    ...     warnings.simplefilter("ignore")
    ...     fitted, snapshots = record_fit(model, Y, every=5)
    >>> [s.iteration for s in snapshots]
    [0, 5, 10]
    >>> bool(np.array_equal(snapshots[-1].samples, fitted.pushed_reference()))
    True
    """
    if not (hasattr(model, "get_params") and hasattr(model, "fit")):
        raise TypeError(
            f"model must be a KernelTransport (or another model with get_params and fit), "
            f"got {model!r} of type {type(model).__name__}."
        )
    every = check_int(every, "every", minimum=1)
    params = model.get_params()
    user_callback = params.get("callback")
    snapshots = []

    def recorder(iteration, samples):
        if iteration % every == 0:
            snapshots.append(Snapshot(int(iteration), np.array(samples, dtype=np.float64)))
        if user_callback is not None:
            user_callback(iteration, samples)

    params["callback"] = recorder
    fitted = type(model)(**params).fit(Y)
    start = fitted.to_data_space(fitted.reference_)
    snapshots.insert(0, Snapshot(0, start))
    final = fitted.pushed_reference()
    if snapshots[-1].iteration != fitted.n_iter_ or len(snapshots) == 1:
        snapshots.append(Snapshot(int(fitted.n_iter_), final))
    else:
        snapshots[-1] = Snapshot(snapshots[-1].iteration, final)
    return fitted, snapshots


def _as_snapshots(snapshots):
    out = []
    try:
        items = list(snapshots)
    except TypeError:
        items = None
    if not items:
        raise ValueError(
            "snapshots must be a non-empty list of Snapshot(iteration, samples) or of "
            "arrays of shape (n_points, 2), e.g. from record_fit; got "
            f"{type(snapshots).__name__} {snapshots!r:.60}."
        )
    for k, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and np.ndim(item[1]) == 2:
            iteration, samples = item
        else:
            iteration, samples = k, item
        out.append(Snapshot(iteration, check_samples(samples, f"snapshots[{k}]")))
    return out


def animate_fit(snapshots, target, interval=100, ax=None, *, dims=(0, 1)):
    """Animate recorded snapshots of a fit moving onto the target data.

    Each frame shows the target data (blue) and one snapshot of the pushed
    reference points (orange), titled with its iteration (book chapter 6).

    Parameters
    ----------
    snapshots : list of Snapshot or of arrays of shape (n_points, n_features)
        E.g. the second output of :func:`record_fit`.
    target : array_like of shape (n_samples, n_features)
        The data.
    interval : float, default 100
        Milliseconds between frames.
    ax : matplotlib Axes, optional
        Where to draw. If None, a new figure is made *outside* pyplot, so no
        extra static image appears in a notebook; show the result with
        :func:`animation_html`.
    dims : (int, int)
        The two features to show when ``n_features > 2``.

    Returns
    -------
    matplotlib.animation.FuncAnimation
        Keep a reference to it until it has been shown or saved.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> frames = [rng.standard_normal((50, 2)) for _ in range(3)]
    >>> anim = animate_fit(frames, rng.standard_normal((50, 2)))
    >>> type(anim).__name__
    'FuncAnimation'
    >>> html = animation_html(anim)  # render it (in a notebook: IPython.display.HTML(html))
    """
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    _check_ax(ax)
    frames = _as_snapshots(snapshots)
    target = check_samples(target, "target")
    d = target.shape[1]
    for k, frame in enumerate(frames):
        if frame.samples.shape[1] != d:
            raise ValueError(
                f"snapshots[{k}] has {frame.samples.shape[1]} features but target has {d}; "
                f"pass the data the model was fitted on."
            )
    if d < 2:
        raise ValueError(
            f"animate_fit shows points in the plane and needs at least 2 features, got "
            f"target of shape {target.shape}."
        )
    i, j = _check_dims(dims, d, "target")
    interval = check_positive(interval, "interval")
    if ax is None:
        fig = Figure(figsize=(5, 5))
        ax = fig.add_subplot()
    fig = ax.figure
    ax.scatter(target[:, i], target[:, j], s=6, alpha=0.5, color=COLORS["target"],
               linewidths=0, label="data")
    first = frames[0].samples
    moving = ax.scatter(first[:, i], first[:, j], s=6, alpha=0.7, color=COLORS["generated"],
                        linewidths=0, label="$T(x)$")
    everything = np.vstack([target[:, [i, j]]] + [f.samples[:, [i, j]] for f in frames])
    lo, hi = everything.min(axis=0), everything.max(axis=0)
    pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
    ax.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
    ax.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
    ax.set_aspect("equal", adjustable="box")
    _label_axes(ax, (i, j))
    ax.legend(loc="upper right", markerscale=2.0)
    title = ax.set_title(f"iteration {frames[0].iteration}")

    def update(k):
        moving.set_offsets(frames[k].samples[:, [i, j]])
        title.set_text(f"iteration {frames[k].iteration}")
        return moving, title

    return FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False,
                         repeat=True)


# matplotlib's player takes its button icons from a CDN (font-awesome); they are
# replaced by plain Unicode symbols so the page works offline.
_ICONS = {
    "fa fa-minus": "&minus;",
    "fa fa-fast-backward": "|&#9664;&#9664;",
    "fa fa-step-backward": "|&#9664;",
    "fa fa-play fa-flip-horizontal": "&#9664;",
    "fa fa-pause": "&#10074;&#10074;",
    "fa fa-play": "&#9654;",
    "fa fa-step-forward": "&#9654;|",
    "fa fa-fast-forward": "&#9654;&#9654;|",
    "fa fa-plus": "+",
}


def animation_html(anim, *, default_mode="loop"):
    """A self-contained HTML/JavaScript player for an animation.

    Uses ``anim.to_jshtml()``, which embeds every frame as a PNG image, and
    removes the one external resource of matplotlib's player (an icon font on
    a CDN), drawing the buttons with plain Unicode symbols instead. The result
    plays in a notebook (``IPython.display.HTML(html)``) or in a static web
    page, with no network access.

    Parameters
    ----------
    anim : matplotlib.animation.Animation
        E.g. from :func:`animate_fit`.
    default_mode : {"loop", "once", "reflect"}
        What the player does at the last frame.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> anim = animate_fit([rng.standard_normal((20, 2)) for _ in range(2)],
    ...                    rng.standard_normal((20, 2)))
    >>> html = animation_html(anim)
    >>> "<script" in html, "http" in html
    (True, False)
    """
    from matplotlib.animation import Animation

    if not isinstance(anim, Animation):
        raise TypeError(
            f"anim must be a matplotlib animation, e.g. from animate_fit, got {anim!r} of "
            f"type {type(anim).__name__}."
        )
    if default_mode not in ("loop", "once", "reflect"):
        raise ValueError(
            f"default_mode must be 'loop', 'once' or 'reflect', got {default_mode!r}."
        )
    html = anim.to_jshtml(default_mode=default_mode)
    html = re.sub(r"<link\b[^>]*>", "", html)
    for cls in sorted(_ICONS, key=len, reverse=True):
        icon = f'<span aria-hidden="true">{_ICONS[cls]}</span>'
        html = html.replace(f'<i class="{cls}"></i>', icon)
    return html

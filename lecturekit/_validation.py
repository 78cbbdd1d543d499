"""Input checks shared by every public entry point.

Each check raises ``TypeError`` or ``ValueError`` with the rule, the value
received and, where there is one, the fix.
"""

import numbers
import os
import sys
import warnings

import numpy as np
from sklearn.exceptions import NotFittedError

__all__ = [
    "NotFittedError",
    "ConstantFeatureWarning",
    "constant_features",
    "warn_at_caller",
    "check_samples",
    "check_positive",
    "check_nonnegative",
    "check_random_state",
    "check_same_dimension",
    "check_int",
    "check_bool",
]


#: The largest absolute value :func:`check_samples` accepts: squared distances of points
#: up to ``1e150`` (about ``1e300`` per coordinate) stay below the largest float, ``1.8e308``.
MAX_ABS_VALUE = 1e150


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} (type {type(value).__name__})"


def check_samples(X, name="X", *, min_samples=1, allow_1d=False):
    """Return ``X`` as a finite, C-contiguous float64 array of shape ``(n_samples, n_features)``.

    The array is C-contiguous (row by row in memory) whatever the input's
    layout, so that a Fortran-ordered array, such as ``np.asarray`` of a pandas
    DataFrame, gives bit-identical results to the equal C-ordered one (sums
    over the rows are taken in the same order). An input that is already a
    C-contiguous float64 array is returned as it is, without a copy.

    Refused: text, even text that looks like numbers (``TypeError``); complex
    values (``TypeError``); masked arrays with masked entries, NaN or infinite
    values, and values above ``MAX_ABS_VALUE = 1e150`` in absolute value, whose
    squared distances overflow (``ValueError``).

    Parameters
    ----------
    X : array_like
        The samples, one per row.
    name : str
        The argument's name, used in error messages.
    min_samples : int
        The fewest rows accepted.
    allow_1d : bool
        If True, a 1-D array is read as ``n_samples`` points in one dimension.

    Examples
    --------
    >>> check_samples([[0.0, 1.0], [2.0, 3.0]]).shape
    (2, 2)
    """
    if isinstance(X, (str, bytes)) or X is None:
        raise TypeError(
            f"{name} must be an array of samples of shape (n_samples, n_features), "
            f"got {_describe(X)}."
        )
    if isinstance(X, np.ma.MaskedArray) and np.ma.getmaskarray(X).any():
        n_masked = int(np.count_nonzero(np.ma.getmaskarray(X)))
        raise ValueError(
            f"{name} is a masked array with {n_masked} masked entr"
            f"{'y' if n_masked == 1 else 'ies'}: lecturekit does not skip them, it would use "
            f"the values under the mask; drop the rows with masked entries, e.g. "
            f"{name}[~np.ma.getmaskarray({name}).any(axis=1)].data, or fill them with "
            f"{name}.filled(value)."
        )

    def not_numbers(exc):
        return TypeError(
            f"{name} must be an array of real numbers of shape (n_samples, n_features); "
            f"could not convert {_describe(X)} to float: {exc}"
        )

    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        raise not_numbers(exc) from None
    _reject_strings(arr, name)
    if np.iscomplexobj(arr):
        raise TypeError(
            f"{name} must hold real numbers, got complex values ({_describe(arr)}); "
            f"pass {name}.real, or stack real and imaginary parts as separate features."
        )
    try:
        arr = arr.astype(np.float64, copy=False)
    except (TypeError, ValueError) as exc:
        if "complex" in str(exc):
            raise
        raise not_numbers(exc) from None
    if arr.ndim == 1:
        if allow_1d:
            arr = arr.reshape(-1, 1)
        else:
            raise ValueError(
                f"{name} must be a 2-D array of samples of shape (n_samples, n_features), "
                f"got shape {arr.shape}; for 1-D data use {name}.reshape(-1, 1), "
                f"for a single point use {name}.reshape(1, -1)."
            )
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of samples of shape (n_samples, n_features), "
            f"got an array with {arr.ndim} dimensions and shape {arr.shape}; "
            f"flatten each sample, e.g. {name}.reshape(len({name}), -1)."
        )
    if arr.shape[0] < min_samples:
        raise ValueError(
            f"{name} must hold at least {min_samples} sample(s), got shape {arr.shape}; "
            f"pass a non-empty array of samples."
        )
    if arr.shape[1] == 0:
        raise ValueError(
            f"{name} must have at least one feature, got shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        n_bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} must contain only finite values, got {n_bad} NaN or infinite "
            f"entr{'y' if n_bad == 1 else 'ies'}; drop or impute them first, e.g. "
            f"{name}[np.isfinite({name}).all(axis=1)]."
        )
    largest = max(float(arr.max()), -float(arr.min()))
    if largest > MAX_ABS_VALUE:
        raise ValueError(
            f"{name} has values up to {largest:.3g} in absolute value, more than "
            f"{MAX_ABS_VALUE:g}: squared distances between such points overflow to "
            f"infinity, and kernels and metrics would return nonsense; rescale the data "
            f"first, e.g. "
            f"{name} / np.abs({name}).max() (or standardise each feature)."
        )
    return np.ascontiguousarray(arr)  # no copy if it already is


def _reject_strings(arr, name):
    """Raise ``TypeError`` if ``arr`` holds text (numpy would read "1.5" as the number 1.5)."""
    if arr.dtype.kind in "US":
        text = arr.flat[0].item() if arr.size else ""  # np.str_ -> str
    elif arr.dtype == object:
        text = next((v for v in arr.flat if isinstance(v, (str, bytes))), None)
        if text is None:
            return
    else:
        return
    raise TypeError(
        f"{name} must be an array of numbers, got strings (e.g. {_describe(text)}): "
        f"lecturekit does not read numbers from text; if the strings are numbers, "
        f"convert them yourself, e.g. {name}.astype(float), after checking them."
    )


def check_bool(value, name):
    """Return ``value`` as a bool after checking that it is True or False (or ``np.bool_``)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}.")
    return bool(value)


def check_same_dimension(X, Y, names=("X", "Y")):
    """Raise ``ValueError`` unless ``X`` and ``Y`` have the same number of columns."""
    if X.shape[1] != Y.shape[1]:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of features, got "
            f"{names[0]} with {X.shape[1]} (shape {X.shape}) and {names[1]} with "
            f"{Y.shape[1]} (shape {Y.shape})."
        )


def _is_real_scalar(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_positive(value, name):
    """Return ``value`` as a float after checking that it is a finite number > 0."""
    if not _is_real_scalar(value):
        raise TypeError(f"{name} must be a positive number, got {_describe(value)}.")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"{name} must be a finite number greater than 0, got {value!r}; "
            f"pass a positive value such as 1.0."
        )
    return value


def check_nonnegative(value, name):
    """Return ``value`` as a float after checking that it is a finite number >= 0."""
    if not _is_real_scalar(value):
        raise TypeError(f"{name} must be a number >= 0, got {_describe(value)}.")
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise ValueError(
            f"{name} must be a finite number >= 0, got {value!r}; "
            f"use 0 for no regularisation or a small positive value such as 1e-3."
        )
    return value


def check_int(value, name, *, minimum=1, allow_none=False):
    """Return ``value`` as an int after checking that it is an integer >= ``minimum``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= {minimum}"
            f"{' or None' if allow_none else ''}, got {_describe(value)}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_is_fitted(estimator, attribute, method):
    """Raise ``NotFittedError`` unless ``estimator`` has ``attribute`` (set by its ``fit``).

    ``NotFittedError`` is scikit-learn's (``sklearn.exceptions.NotFittedError``,
    also ``lecturekit.NotFittedError``): both a ``ValueError`` and an
    ``AttributeError``, so code written for scikit-learn estimators catches it.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError(
            f"this {type(estimator).__name__} is not fitted yet: call fit(Y) with your data "
            f"before {method}()."
        )


def check_random_state(random_state):
    """Turn None, an int or a ``numpy.random.Generator`` into a Generator.

    The same int always gives the same stream, so results are reproducible.

    Examples
    --------
    >>> rng = check_random_state(0)
    >>> float(rng.standard_normal()) == float(check_random_state(0).standard_normal())
    True
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(
                f"random_state must be None, an integer >= 0 or a numpy.random.Generator, "
                f"got {random_state!r}."
            )
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise TypeError(
        "random_state must be None, an integer >= 0 or a numpy.random.Generator, "
        f"got {_describe(random_state)}; e.g. random_state=0."
    )


# -- warnings ----------------------------------------------------------------------------
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_at_caller(message, category):
    """``warnings.warn(message, category)``, shown at the first line outside lecturekit.

    The warning points at the user's line (``model.fit(Y)``), however deep in
    the package it was raised, so that it names the call to change and
    ``warnings.filterwarnings(..., module=...)`` filters work on the user's module.
    """
    frame, level = sys._getframe(1), 2  # level 2: the function calling warn_at_caller
    while (frame is not None
           and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR)):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class ConstantFeatureWarning(UserWarning):
    """Some features of the data are constant; they are not fitted, samples repeat their value.

    A feature is constant when its standard deviation is at most ``1e-12`` times
    its own largest absolute value. Issued by ``KernelTransport.fit`` (with
    ``standardize=True``) and by the samplers of ``lecturekit.baselines`` that
    standardise; silence it with
    ``warnings.simplefilter("ignore", lk.ConstantFeatureWarning)``.
    """


#: A feature (column) is constant when its standard deviation is at most this fraction
#: of its own magnitude (its largest absolute value); see :func:`constant_features`.
CONSTANT_RTOL = 1e-12


def constant_features(Y, std, name="Y"):
    """Which columns of ``Y`` are constant, with a :class:`ConstantFeatureWarning` naming them.

    Column ``j`` is constant when ``std[j] <= CONSTANT_RTOL * max_i |Y[i, j]|``
    (this includes a spread of exactly 0). Each column is judged against its own
    magnitude, so the rule does not change when a column is rescaled, and a
    column of large values (timestamps) does not make its neighbours constant.
    A spread below ``1e-12`` of the values is at the level of the rounding
    errors of the mean and standard deviation themselves (about ``1e-16``
    times the values, a little more for many rows): dividing by it would
    amplify round-off into noise, so such a column is not standardised.

    Parameters
    ----------
    Y : array of shape (n_samples, n_features)
    std : array of shape (n_features,)
        ``Y.std(axis=0)``, computed by the caller.
    name : str
        The data's name, used in the warning.

    Returns
    -------
    array of bool, shape (n_features,)

    Examples
    --------
    >>> import warnings
    >>> Y = np.array([[1.7e12, 0.5, 3.0], [1.7e12 + 6e4, -0.5, 3.0]])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ConstantFeatureWarning)
    ...     constant_features(Y, Y.std(axis=0)).tolist()
    [False, False, True]
    """
    constant = std <= CONSTANT_RTOL * np.abs(Y).max(axis=0)
    if np.any(constant):
        columns = np.flatnonzero(constant).tolist()
        shown = str(columns) if len(columns) <= 20 else f"{str(columns[:20])[:-1]}, ...]"
        warn_at_caller(
            f"{name} has {len(columns)} constant feature(s), columns {shown}: their standard "
            f"deviation is at most {CONSTANT_RTOL:g} times their largest absolute value. They "
            f"are not fitted, and every sample repeats their value; drop them from {name} to "
            f"silence this warning, or rescale them if their variation matters.",
            ConstantFeatureWarning,
        )
    return constant

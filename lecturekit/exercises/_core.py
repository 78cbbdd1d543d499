"""The machinery behind :func:`lecturekit.exercises.check`.

An exercise's check is a list of :class:`Case` objects. Each case calls the
student's answer on fixed inputs (or takes the answer itself, for exercises whose
answer is a number) and compares the result with the reference value. When the
comparison fails, the check looks for the typical mistakes it knows of (values
that common wrong answers return, a transposed array, a factor 2, a flipped
sign) and answers with the case, the expected and the received value, and a hint.
The reference solutions are never printed.
"""

import difflib
import textwrap
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["Case", "CheckResult", "Exercise", "register", "check", "available", "describe"]

PASS = "\u2713"   # check mark
FAIL = "\u2717"   # ballot x

_REGISTRY = {}


@dataclass
class Case:
    """One input of a check and the answer it must produce.

    Parameters
    ----------
    description : str
        What this case tries, shown when it fails, e.g. ``"n = 40, m = 70, RBF(1.5)"``.
    args : tuple or None
        Positional arguments for the student's function; None for an exercise whose
        answer is a value rather than a function.
    expected : object
        The reference result: a number, an array, or whatever ``compare`` accepts.
    kwargs : dict
        Keyword arguments for the student's function.
    rtol, atol : float
        Tolerances of ``numpy.allclose`` between the result and ``expected``.
    wrong : dict
        Typical mistakes: maps a hint to the value that mistake returns on this case.
    hint : str
        Shown when the result is wrong in a way none of ``wrong`` explains.
    compare : callable or None
        ``compare(result)`` returns None if ``result`` is right and a message saying
        what is wrong otherwise; replaces the numeric comparison.
    """

    description: str
    args: Any = ()
    expected: Any = None
    kwargs: dict = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-9
    wrong: dict = field(default_factory=dict)
    hint: str = ""
    compare: Callable = None


@dataclass
class Exercise:
    """A registered check: its name, where the exercise is, and how to call it."""

    name: str
    chapter: int
    title: str
    label: str
    answer: str          # what to pass: "a function f(X, Y, kernel)", "a number", ...
    cases: Callable      # () -> list of Case
    kind: str = "function"   # "function", "value" or "object"


class CheckResult:
    """The outcome of :func:`check`: true if every case passed.

    Attributes
    ----------
    name : str
        The exercise's name.
    passed : bool
        Whether every case passed.
    n_cases : int
        How many cases the check has.
    failed_case : int or None
        The number (from 1) of the first failing case, or None.
    message : str
        The report that :func:`check` printed.
    """

    def __init__(self, name, passed, n_cases, failed_case, message):
        self.name = name
        self.passed = passed
        self.n_cases = n_cases
        self.failed_case = failed_case
        self.message = message

    def __bool__(self):
        return self.passed

    def __repr__(self):
        state = "passed" if self.passed else f"failed at case {self.failed_case}"
        return f"<CheckResult {self.name}: {state}>"

    def _ipython_display_(self):
        # check() has already printed the report; showing it again as the cell's
        # value would only repeat it
        pass


def register(name, *, chapter, title, label, answer, kind="function"):
    """Decorator that registers a function returning the cases of an exercise."""

    def decorate(cases):
        if name in _REGISTRY:
            raise RuntimeError(f"two checks are called {name!r}")
        _REGISTRY[name] = Exercise(name, chapter, title, label, answer, cases, kind)
        return cases

    return decorate


def available(chapter=None):
    """The names of the exercises that have a check, in the book's order.

    Parameters
    ----------
    chapter : int or None
        Only this chapter's exercises.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from lecturekit import exercises
    >>> "ch3-unbiased" in exercises.available(chapter=3)
    True
    """
    names = [e.name for e in sorted(_REGISTRY.values(), key=lambda e: e.chapter)]
    if chapter is not None:
        names = [n for n in names if _REGISTRY[n].chapter == chapter]
    return names


def _lookup(name):
    if not isinstance(name, str):
        raise TypeError(
            f"the exercise name must be a string such as 'ch3-unbiased', got {name!r}; "
            "lecturekit.exercises.available() lists the names."
        )
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        suggestion = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"there is no exercise called {name!r}.{suggestion} "
            f"lecturekit.exercises.available() lists all {len(_REGISTRY)} names."
        )
    return _REGISTRY[name]


def describe(name):
    """Print what the check of exercise ``name`` expects and how many cases it tries.

    Examples
    --------
    >>> from lecturekit import exercises
    >>> exercises.describe("ch3-unbiased")  # doctest: +ELLIPSIS
    ch3-unbiased (chapter 3, "The unbiased estimator by hand")
      pass: ...
    """
    ex = _lookup(name)
    cases = ex.cases()
    print(f'{ex.name} (chapter {ex.chapter}, "{ex.title}")')
    print(f"  pass: {ex.answer}")
    print(f"  {len(cases)} case{'s' if len(cases) != 1 else ''}:")
    for i, case in enumerate(cases, 1):
        print(f"    {i}. {case.description}")


# ---------------------------------------------------------------------------------
# comparing a result with the reference


def _fmt(value):
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return _fmt(value.item())
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_array(value):
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return arr


def _close(a, b, rtol, atol):
    a, b = _as_array(a), _as_array(b)
    if a is None or b is None:
        return False
    if a.size == 1 and b.size == 1:
        a, b = a.reshape(()), b.reshape(())
    if a.shape != b.shape:
        return False
    return bool(np.all(np.isfinite(a)) and np.allclose(a, b, rtol=rtol, atol=atol))


def _numeric_mismatch(got, expected, case):
    """None if ``got`` matches ``expected``; otherwise (what is wrong, hint)."""
    if got is None or got is Ellipsis:
        return (f"your function returned {got!r}",
                "does it end with a `return` statement, or is the body still `...`?")
    g, e = _as_array(got), _as_array(expected)
    if g is None:
        return (f"expected a number or an array, got {_fmt(got)}", case.hint)
    if e.size == 1 and g.size == 1:
        g, e = g.reshape(()), e.reshape(())
    if g.shape != e.shape:
        if g.ndim == 2 and g.shape == e.shape[::-1]:
            return (f"expected shape {e.shape}, got {g.shape}",
                    "the result is transposed: rows are points, columns are coordinates "
                    "(or rows index the first argument, columns the second).")
        if g.size == e.size:
            return (f"expected shape {e.shape}, got {g.shape}",
                    "the entries are there but arranged differently; check the reshape or "
                    "the axis you sum over.")
        return (f"expected {'a number' if e.ndim == 0 else f'shape {e.shape}'}, got "
                f"{'a number' if g.ndim == 0 else f'shape {g.shape}'}",
                "check the axis of your sums and means." if g.ndim < e.ndim else case.hint)
    if not np.all(np.isfinite(g)):
        return ("the result contains NaN or infinite values",
                "look for a division by zero, a log of zero, or the square root of a "
                "negative number.")
    if np.allclose(g, e, rtol=case.rtol, atol=case.atol):
        return None
    # what is wrong, described at the worst entry
    if e.ndim == 0:
        what = f"expected {_fmt(e.item())}, got {_fmt(g.item())}"
    else:
        idx = np.unravel_index(np.argmax(np.abs(g - e)), e.shape)
        what = (f"at index {tuple(int(i) for i in idx)}: expected {_fmt(e[idx])}, "
                f"got {_fmt(g[idx])} (largest difference {np.abs(g - e).max():.3g})")
    for hint, value in case.wrong.items():
        if _close(g, value, case.rtol, case.atol):
            return (what, hint)
    if np.any(e != 0):
        if np.allclose(g, 2 * e, rtol=case.rtol, atol=case.atol):
            return (what, "your result is twice the right one: is a factor 2 counted twice?")
        if np.allclose(2 * g, e, rtol=case.rtol, atol=case.atol):
            return (what, "your result is half the right one: is a factor 2 missing?")
        if np.allclose(g, -e, rtol=case.rtol, atol=case.atol):
            return (what, "your result has the wrong sign.")
    return (what, case.hint)


def _run_case(ex, answer, case):
    """None if the case passes; otherwise (what is wrong, hint)."""
    if case.args is None:
        got = answer
        if got is Ellipsis or got is None:
            return (f"your answer is {got!r}",
                    "replace the placeholder `...` by your answer.")
    else:
        args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                     for a in case.args)
        try:
            got = answer(*args, **case.kwargs)
        except Exception as err:  # the student's code failed: say how, not where in ours
            return (f"your function raised {type(err).__name__}: {err}",
                    case.hint or "run it on this case by hand to see where it fails.")
    if case.compare is not None:
        try:
            problem = case.compare(got)
        except Exception as err:
            problem = (f"the result could not be used: {type(err).__name__}: {err}", case.hint)
        if problem is None:
            return None
        if isinstance(problem, str):
            return (problem, case.hint)
        return problem
    return _numeric_mismatch(got, case.expected, case)


def check(name, answer, *, verbose=True):
    """Check your answer to exercise ``name`` against the reference on several cases.

    Parameters
    ----------
    name : str
        The exercise's name, given in the exercise; ``available()`` lists them all.
    answer : callable or object
        Your function (called on each case with fresh copies of the inputs), or your
        value for exercises whose answer is a number or an object.
    verbose : bool, default=True
        Print the report.

    Returns
    -------
    CheckResult
        True if every case passed. It says which case failed first, what was
        expected, what came back, and a hint.

    Examples
    --------
    >>> import numpy as np
    >>> from lecturekit import exercises
    >>> def biased(X, Y, kernel):   # the V-statistic where the U-statistic is asked
    ...     return kernel(X).mean() + kernel(Y).mean() - 2 * kernel(X, Y).mean()
    >>> result = exercises.check("ch3-unbiased", biased)  # doctest: +ELLIPSIS
    ✗ ch3-unbiased: case 1 of ... failed (...).
      ...
      Hint: this is the biased estimator ...
    >>> bool(result)
    False
    """
    ex = _lookup(name)
    if ex.kind == "function" and not callable(answer):
        raise TypeError(
            f"exercise {name!r} checks a function ({ex.answer}); got {_fmt(answer)}. "
            f"Pass the function itself, without calling it: check({name!r}, my_function)."
        )
    cases = ex.cases()
    for i, case in enumerate(cases, 1):
        problem = _run_case(ex, answer, case)
        if problem is not None:
            what, hint = problem
            lines = [f"{FAIL} {name}: case {i} of {len(cases)} failed ({case.description}).",
                     f"  {what}."]
            if hint:
                lines.append(textwrap.fill(f"Hint: {hint}", width=88,
                                           initial_indent="  ", subsequent_indent="  "))
            message = "\n".join(lines)
            if verbose:
                print(message)
            return CheckResult(name, False, len(cases), i, message)
    message = (f"{PASS} {name}: the case passes." if len(cases) == 1
               else f"{PASS} {name}: all {len(cases)} cases pass.")
    if verbose:
        print(message)
    return CheckResult(name, True, len(cases), None, message)

"""Self-checking exercises: test your answer against the reference on several cases.

Every coding exercise of the book names its check. Call it with your function (or
your value, where the answer is a number)::

    import lecturekit as lk
    lk.exercises.check("ch3-unbiased", mmd2_unbiased)

The check runs your answer on several cases, edge cases included, and prints either
a pass or the first failing case: what was tried, what was expected, what came back,
and a hint. It returns a :class:`CheckResult`, true when every case passed. The
reference solutions are never printed.

- ``available()`` lists the exercises that have a check;
- ``describe(name)`` prints what a check expects and which cases it tries.

Examples
--------
>>> import lecturekit as lk
>>> import numpy as np
>>> S = np.array([[0.0], [1.0]])
>>> result = lk.exercises.check("ch3-signs", (S, S))
✓ ch3-signs: the case passes.
>>> bool(result)
True
"""

from . import ch02, ch03, ch04, ch05, ch06, ch07  # noqa: F401 (they register the checks)
from ._core import Case, CheckResult, available, check, describe

__all__ = ["check", "available", "describe", "CheckResult", "Case"]

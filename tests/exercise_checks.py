"""The assertion shared by the tests of the exercise checks (tests/test_exercises_chNN.py)."""

import lecturekit as lk


def fails_with(name, answer, *words, case=None):
    """Assert that ``answer`` fails the check ``name`` (at case number ``case`` if given)
    and that the report contains every one of ``words``; return the result."""
    result = lk.exercises.check(name, answer, verbose=False)
    assert not result, f"{name} accepted a wrong answer"
    message = " ".join(result.message.split())  # the hint is wrapped over lines
    for word in words:
        assert word in message, f"{word!r} not in the report:\n{result.message}"
    if case is not None:
        assert result.failed_case == case, result.message
    return result

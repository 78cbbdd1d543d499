"""tools/student_edition.py: the student edition is the instructor edition minus solutions.

The HTML of both editions is checked in tests/test_browser.py (which builds them);
this file checks the generator and the starter cells of every chapter, without a build.
"""

import ast
import importlib.util
import json
import pathlib
import re

import pytest

import lecturekit as lk

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
student_edition = importlib.util.module_from_spec(spec)
spec.loader.exec_module(student_edition)
strip_solutions = student_edition.strip_solutions
EditionError = student_edition.EditionError


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text, **metadata):
    return {"cell_type": "code", "metadata": metadata, "source": text, "outputs": [],
            "execution_count": None}


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def sources(nb):
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


EXERCISE = "```{exercise} Sum (★)\n:label: ex-sum\n\nWrite `f`.\n```\n"
START = "```{solution-start} ex-sum\n:class: dropdown\n```\n"
END = "```{solution-end}\n```\n"


def test_solution_replaced_by_its_starter():
    nb = notebook(
        md("# Title\n\ntext"),
        code("x = 1"),
        md(EXERCISE + "\n" + START + "\nThe answer is obvious."),
        code("def f(a, b):\n    return a + b\n\nassert check(f)",
             student="def f(a, b):\n    ...\n\ncheck(f)"),
        code("print(f(1, 2))"),
        md("More explanation.\n\n" + END + "\nAfter the solution."),
    )
    out = strip_solutions(nb)
    assert sources(out) == [
        ("markdown", "# Title\n\ntext"),
        ("code", "x = 1"),
        ("markdown", EXERCISE.rstrip("\n")),
        ("code", "def f(a, b):\n    ...\n\ncheck(f)"),
        ("markdown", "After the solution."),
    ]
    starter = out["cells"][3]
    assert "student" not in starter["metadata"]
    assert student_edition.STARTER_TAG in starter["metadata"]["tags"]
    # the input is left alone
    assert "student" in nb["cells"][3]["metadata"] and len(nb["cells"]) == 6


def test_solution_without_code_leaves_only_the_exercise():
    nb = notebook(md(EXERCISE + START + "Proof: ...\n" + END), code("y = 2"))
    assert sources(strip_solutions(nb)) == [("markdown", EXERCISE.rstrip("\n")),
                                           ("code", "y = 2")]


@pytest.mark.parametrize("cells, message", [
    ([md(EXERCISE + START + "no end")], "not closed"),
    ([md(END)], "without solution-start"),
    ([md(START + START)], "inside a solution"),
    ([md(START), code("a", student="s1"), code("b", student="s2"), md(END)], "two starter"),
    ([md("text"), {"cell_type": "markdown", "metadata": {"student": "x"}, "source": "y"}],
     "only code cells"),
])
def test_malformed_solutions_are_rejected(cells, message):
    with pytest.raises(EditionError, match=message):
        strip_solutions(notebook(*cells))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def exercise_labels(nb):
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_exercise_has_one_starter_that_calls_its_checks(path):
    nb = load(path)
    student = strip_solutions(nb, path.name)
    labels = exercise_labels(nb)
    assert exercise_labels(student) == labels
    text = "".join("".join(c["source"]) for c in student["cells"])
    assert "{solution-start}" not in text and "{solution-end}" not in text

    checks_of = {}
    for name in lk.exercises.available():
        checks_of.setdefault(lk.exercises._core._REGISTRY[name].label, []).append(name)
    # walk the student notebook: each exercise is followed by exactly one starter
    current, starters = None, {}
    for cell in student["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            found = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", source)
            if found:
                current = found[-1]
        elif student_edition.STARTER_TAG in cell["metadata"].get("tags", []) and current:
            assert current not in starters, f"{current}: two starters"
            starters[current] = source
    for label in labels:
        assert label in checks_of, f"{path.name}: exercise {label} has no check"
        assert label in starters, f"{path.name}: exercise {label} has no starter cell"
        starter = starters[label]
        ast.parse(starter)  # valid Python
        assert "assert " not in starter, f"{label}: a starter must not assert"
        assert "..." in starter, f"{label}: a starter leaves `...` for the student"
        for name in checks_of[label]:
            assert re.search(rf"lk\.exercises\.check\(\s*[\"']{name}[\"']", starter), \
                f"{label}: the starter does not call the check {name!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_instructor_solutions_assert_their_checks(path):
    nb = load(path)
    code_text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for label in exercise_labels(nb):
        for name in lk.exercises.available():
            if lk.exercises._core._REGISTRY[name].label == label:
                assert re.search(rf"assert lk\.exercises\.check\(\s*[\"']{name}[\"']", code_text), \
                    f"{path.name}: no solution asserts the check {name!r}"


def test_every_check_belongs_to_an_exercise_of_the_book():
    labels = {label for path in NOTEBOOKS for label in exercise_labels(load(path))}
    for name in lk.exercises.available():
        ex = lk.exercises._core._REGISTRY[name]
        assert ex.label in labels, f"check {name} points to unknown exercise {ex.label}"
        assert re.match(rf"ch{ex.chapter}-", name) and ex.label.startswith(f"ch{ex.chapter}-ex-")

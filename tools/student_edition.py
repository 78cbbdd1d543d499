"""Generate and build the student edition of the book: no solutions, starter cells instead.

The chapter notebooks in ``book/`` are the instructor edition: every exercise is
followed by a gated solution (``{solution-start}`` ... ``{solution-end}``) whose code
runs at every build and asserts ``lk.exercises.check(...)``. The student edition is
generated from them, so the two never drift:

* every solution, prose and code, is removed;
* the first code cell of a solution carries, in its metadata key ``"student"``, the
  starter cell that takes the solution's place: the names the exercise asks for, with
  ``...`` where the student's code goes, and the call of the exercise's check;
* starter cells run when the student edition is built (so a starter that raises
  fails the build) and are tagged ``remove-output``: the page shows the starter, not
  the check's verdict on the empty answer. A student who runs one sees that verdict.

Usage::

    .venv/bin/python tools/student_edition.py             # sources and notebooks only
    .venv/bin/python tools/student_edition.py --build     # ... and the HTML book

It writes ``_build/student/src/`` (the sources of the student book, with all
exercise notebooks zipped into ``book/exercise-notebooks.zip`` for the front page's
download link), ``_build/student/notebooks/`` (the exercise notebooks) and, with
``--build``, ``_build/student/_build/html/``.
"""

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "student"
SRC = OUT / "src"
NOTEBOOKS = OUT / "notebooks"

START = re.compile(r"^```\{solution-start\}")
END = re.compile(r"^```\{solution-end\}")
FENCE = re.compile(r"^```\s*$")
STARTER_TAG = "remove-output"
ZIP_NAME = "exercise-notebooks.zip"  # every student notebook, linked from the front page

NOTICE = """
```{admonition} Student edition
:class: tip
This edition has no solutions. Under each exercise there is a starter cell: download
the chapter as a notebook (the download button at the top of each page), or all
chapters at once: {download}`exercise-notebooks.zip`. Fill in the `...` and run
the cell. The check at its end,
`lk.exercises.check(...)`, runs your answer on several cases and tells you whether it
is right, and if not, which case failed and why.
```
"""


class EditionError(RuntimeError):
    pass


def _lines(source):
    return source if isinstance(source, list) else source.splitlines(keepends=True)


def strip_solutions(nb, name="notebook"):
    """Return a copy of notebook ``nb`` (a dict) with solutions replaced by starters.

    Raises EditionError when the solution markers are unbalanced or a solution has two
    starters.
    """
    out = dict(nb)
    cells = []
    in_solution = False       # between solution-start and solution-end
    in_header = False         # inside the solution-start directive's own fence
    in_end = False            # inside the solution-end directive's own fence
    starter_seen = False
    n_solutions = 0
    for cell in nb["cells"]:
        source = "".join(_lines(cell["source"]))
        if cell["cell_type"] == "code":
            if not in_solution:
                cells.append(cell)
                continue
            starter = cell.get("metadata", {}).get("student")
            if starter is None:
                continue
            if starter_seen:
                raise EditionError(f"{name}: solution {n_solutions} has two starter cells")
            starter_seen = True
            metadata = {k: v for k, v in cell["metadata"].items() if k != "student"}
            metadata["tags"] = sorted(set(metadata.get("tags", [])) | {STARTER_TAG})
            cells.append({"cell_type": "code", "execution_count": None, "id": cell.get("id"),
                          "metadata": metadata, "outputs": [],
                          "source": _lines(starter)})
            if cells[-1]["id"] is None:
                del cells[-1]["id"]
            continue
        if cell.get("metadata", {}).get("student") is not None:
            raise EditionError(f"{name}: only code cells can carry a starter")
        kept = []
        for line in _lines(source):
            if not in_solution:
                if START.match(line):
                    if in_header or in_end:
                        raise EditionError(f"{name}: unclosed directive before {line!r}")
                    in_solution, in_header, starter_seen = True, True, False
                    n_solutions += 1
                    continue
                if END.match(line):
                    raise EditionError(f"{name}: solution-end without solution-start")
                if in_end:
                    if FENCE.match(line):
                        in_end = False
                    continue
                kept.append(line)
            else:
                if in_header:
                    if FENCE.match(line):
                        in_header = False
                    continue
                if START.match(line):
                    raise EditionError(f"{name}: solution-start inside a solution")
                if END.match(line):
                    in_solution, in_end = False, True
                continue
        text = "".join(kept).strip("\n")
        if text.strip():
            new = dict(cell)
            new["source"] = _lines(text)
            cells.append(new)
    if in_solution or in_header:
        raise EditionError(f"{name}: a solution is not closed by solution-end")
    out["cells"] = cells
    out["metadata"] = dict(nb["metadata"])
    return out


def write_sources():
    """Write the student book's sources to _build/student/src and the notebooks."""
    if SRC.exists():
        shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    NOTEBOOKS.mkdir(parents=True, exist_ok=True)
    for old in NOTEBOOKS.glob("*.ipynb"):
        old.unlink()
    # everything the configuration refers to, at the same relative paths
    shutil.copytree(ROOT / "book", SRC / "book",
                    ignore=shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints"))
    shutil.copytree(ROOT / "tools" / "sphinx", SRC / "tools" / "sphinx",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "tools" / "fetch_assets.py", SRC / "tools" / "fetch_assets.py")
    static = ROOT / "tools" / "offline_static"
    if not static.exists():
        raise EditionError("tools/offline_static is missing: run `make assets` first")
    shutil.copytree(static, SRC / "tools" / "offline_static")
    shutil.copytree(ROOT / "benchmarks" / "results", SRC / "benchmarks" / "results")
    shutil.copy(ROOT / "_toc.yml", SRC / "_toc.yml")
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    config = config.replace("title: Generative Modeling with Kernels",
                            "title: Generative Modeling with Kernels (student edition)", 1)
    # sphinx-exercise drops any solution directive that might remain
    config = config.replace("  config:\n", "  config:\n    hide_solutions: true\n", 1)
    (SRC / "_config.yml").write_text(config, encoding="utf-8")
    index = SRC / "book" / "index.md"
    text = index.read_text(encoding="utf-8")
    title_end = text.index("\n") + 1
    text = text.replace("closes with exercises and worked solutions.",
                        "closes with exercises that check themselves.")
    index.write_text(text[:title_end] + NOTICE + text[title_end:], encoding="utf-8")
    with zipfile.ZipFile(SRC / "book" / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted((ROOT / "book").glob("*.ipynb")):
            nb = json.loads(path.read_text(encoding="utf-8"))
            student = strip_solutions(nb, path.name)
            text = json.dumps(student, indent=1, ensure_ascii=False) + "\n"
            (SRC / "book" / path.name).write_text(text, encoding="utf-8")
            (NOTEBOOKS / path.name).write_text(text, encoding="utf-8")
            bundle.writestr(f"exercise-notebooks/{path.name}", text)


def build():
    jb = pathlib.Path(sys.executable).with_name("jupyter-book")
    marker = OUT / ".book-ok"
    marker.unlink(missing_ok=True)
    subprocess.run([str(jb), "build", str(SRC), "--path-output", str(OUT), "--all",
                    "--warningiserror", "--nitpick", "--keep-going"], check=True)
    marker.touch()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", action="store_true", help="also build the HTML book")
    args = parser.parse_args(argv)
    write_sources()
    print(f"student sources in {SRC.relative_to(ROOT)}, notebooks in "
          f"{NOTEBOOKS.relative_to(ROOT)}")
    if args.build:
        build()
        print(f"student edition in {(OUT / '_build' / 'html').relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Store the expected output of the cells marked ``# NBVAL_CHECK_OUTPUT``, and nothing else.

Notebooks are committed without outputs: the book and nbval execute them. The
exception is a cell whose first line is ``# NBVAL_CHECK_OUTPUT``: nbval compares
what it prints with the output stored in the notebook, so that output is part
of the test, like a golden file. This script runs each notebook from a fresh
kernel, keeps the text output of those cells (and their execution count, which
nbval needs to compare), and strips every other output.

Usage::

    .venv/bin/python tools/store_checked_outputs.py book/ch03_mmd.ipynb [...]
    .venv/bin/python tools/store_checked_outputs.py --strip-only book/*.ipynb

tests/test_notebooks.py enforces the rule.
"""

import argparse
import pathlib
import sys

import nbformat
from nbclient import NotebookClient

MARKER = "# NBVAL_CHECK_OUTPUT"


def is_checked(cell):
    return cell.cell_type == "code" and cell.source.lstrip().startswith(MARKER)


def text_only(outputs):
    kept = []
    for out in outputs:
        if out.output_type == "stream":
            kept.append(out)
        elif out.output_type in ("execute_result", "display_data") and "text/plain" in out.get("data", {}):
            out.data = {"text/plain": out.data["text/plain"]}
            out.metadata = {}
            kept.append(out)
    return kept


def process(path, strip_only=False):
    nb = nbformat.read(path, as_version=4)
    if not strip_only:
        executed = nbformat.read(path, as_version=4)
        NotebookClient(executed, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(pathlib.Path(path).parent)}}).execute()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_checked(cell) and not strip_only:
            cell.outputs = text_only(executed.cells[index].outputs)
            cell.execution_count = executed.cells[index].execution_count
        elif not is_checked(cell):
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--strip-only", action="store_true",
                        help="strip unmarked outputs, keep stored expected outputs as they are")
    args = parser.parse_args()
    for path in args.notebooks:
        process(path, strip_only=args.strip_only)
        print(f"processed {path}", file=sys.stderr)


if __name__ == "__main__":
    main()

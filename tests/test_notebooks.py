"""Rules every chapter notebook follows (the notebooks themselves run under nbval)."""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
MARKER = "# NBVAL_CHECK_OUTPUT"


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_there_are_chapter_notebooks():
    assert len(NOTEBOOKS) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_except_checked_cells(path):
    """Outputs are produced by executing; only cells marked for nbval keep their expected text."""
    for cell in load(path)["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]).lstrip()
        if source.startswith(MARKER):
            assert cell["outputs"], f"{path.name}: a {MARKER} cell has no stored expected output"
            assert cell["execution_count"] is not None
            for out in cell["outputs"]:
                assert out["output_type"] in ("stream", "execute_result", "display_data")
                if out["output_type"] != "stream":
                    assert set(out["data"]) == {"text/plain"}
        else:
            assert cell["outputs"] == [], f"{path.name}: stored output in {source[:60]!r}"
            assert cell["execution_count"] is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_structure(path):
    nb = load(path)
    text = markdown(nb)
    titles = re.findall(r"^# (.+)$", text, flags=re.M)
    assert len(titles) == 1, f"{path.name}: exactly one '# ' title, got {titles}"
    assert not re.match(r"\d", titles[0]), "Sphinx numbers the chapters; titles carry no number"
    headings = re.findall(r"^#{2,6} (.+)$", text, flags=re.M)
    assert not [h for h in headings if re.match(r"\d", h)], "section numbers come from Sphinx"
    assert re.search(r"Learning objectives", text)
    assert re.search(r"^## Take-aways", text, flags=re.M)
    n_exercises = len(re.findall(r"```\{exercise\}", text))
    n_solutions = len(re.findall(r"```\{solution-start\}", text))
    assert 2 <= n_exercises <= 5, f"{path.name}: {n_exercises} exercises"
    assert n_solutions == n_exercises, f"{path.name}: every exercise has a solution"
    n_ends = len(re.findall(r"```\{solution-end\}", text))
    assert n_ends == n_solutions, f"{path.name}: {n_solutions} solution-start, {n_ends} solution-end"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_uses_lecturekit_and_asserts_its_claims(path):
    code = "\n".join("".join(c["source"]) for c in load(path)["cells"] if c["cell_type"] == "code")
    assert "import lecturekit" in code
    assert code.count("assert ") >= 3, f"{path.name}: cells that claim something assert it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_installs_lecturekit_on_hosted_notebooks(path):
    """On Colab the package is missing: the first code cell installs it, and only then."""
    first = next(c for c in load(path)["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert 'if importlib.util.find_spec("lecturekit") is None:' in source
    assert re.search(r'^    %pip install --quiet "lecturekit\[widgets,digits\] @ git\+https://', source, flags=re.M)

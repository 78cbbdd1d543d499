# The two set-up commands of the README:
#   make book   creates .venv if needed, installs everything, builds both editions of the
#               book: _build/html (with solutions) and _build/student/_build/html (without)
#   make test   the same set-up, then the whole test suite (package tests, doctests,
#               every notebook through nbval, the browser test on the built book)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
JOBS ?= 2

.PHONY: book instructor student test clean env assets

env: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; assert (3, 10) <= v <= (3, 13), f"Python 3.10 to 3.13 is supported, this is {v[0]}.{v[1]}; run: make PYTHON=python3.12 ..."'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# MathJax, require.js and the ipywidgets embedder, from the npm registry into
# tools/offline_static/ (git-ignored), so that the built book works offline
assets: $(VENV)/.installed
	$(PY) tools/fetch_assets.py

# both editions of the book
book: instructor student

# --all: an incremental Sphinx build does not repeat the warnings of unchanged pages
instructor: $(VENV)/.installed assets
	@rm -f _build/.book-ok
	$(VENV)/bin/jupyter-book build . --all --warningiserror --nitpick --keep-going
	@touch _build/.book-ok

# generated from the same notebooks: solutions replaced by starter cells
# (into _build/student/_build/html; exercise notebooks in _build/student/notebooks)
student: $(VENV)/.installed assets
	$(PY) tools/student_edition.py --build

test: $(VENV)/.installed
	$(PY) -m pytest -n $(JOBS) --dist loadfile

clean:
	rm -rf _build

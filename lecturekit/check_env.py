"""Check that this Python can run the book's notebooks: ``python -m lecturekit.check_env``.

Prints the Python version, each package lecturekit needs or can use with the
version installed and the version required, where the numerical libraries run
(threads, BLAS), and the result of a small fit. Ends with what to install, if
anything, and exits with status 1 when a required package is missing or too old.

Options: ``--no-fit`` skips the small fit (which compiles the fast loops the
first time, a few seconds).

Examples
--------
>>> from lecturekit import check_env
>>> rows = check_env.packages()
>>> [r.name for r in rows if r.required]
['numpy', 'scipy', 'matplotlib', 'tqdm', 'numba', 'threadpoolctl', 'scikit-learn']
>>> check_env.version_tuple("1.26.4rc1")
(1, 26, 4)
"""

import argparse
import importlib
import importlib.metadata
import os
import platform
import re
import sys
import time
from dataclasses import dataclass

__all__ = ["main", "packages", "version_tuple", "Package"]

SUPPORTED_PYTHON = ((3, 10), (3, 13))

#: the dependencies of pyproject.toml, with their minimum versions
#: (tests/test_check_env.py checks that the two lists agree)
REQUIRED = {"numpy": "1.23", "scipy": "1.9", "matplotlib": "3.6", "tqdm": "4.60",
            "numba": "0.59", "threadpoolctl": "3.1", "scikit-learn": "1.1"}
PURPOSE = {"scikit-learn": "the classifier two-sample test, the baselines, the digits",
           "numba": "the fast loops (without it, slow NumPy code)",
           "threadpoolctl": "one BLAS thread while fitting", "tqdm": "progress bars"}

#: distribution name -> module name, where they differ
MODULE_NAMES = {"scikit-learn": "sklearn", "jupyter-book": "jupyter_book"}

#: optional packages: minimum version (the extras of pyproject.toml) and what they are for
OPTIONAL = {
    "ipywidgets": ("8", "the interactive explorer (extra [widgets])"),
    "ipykernel": (None, "running the notebooks in Jupyter"),
    "nbval": (None, "running the notebooks as tests (instructors)"),
    "jupyter-book": (None, "building the book (instructors)"),
}


@dataclass
class Package:
    """One package: whether it is required, what it is for, what is installed."""

    name: str
    required: bool
    minimum: str | None
    installed: str | None
    purpose: str

    @property
    def ok(self):
        if self.installed is None:
            return False
        if self.minimum is None:
            return True
        return version_tuple(self.installed) >= version_tuple(self.minimum)

    @property
    def fix(self):
        spec = f"{self.name}>={self.minimum}" if self.minimum else self.name
        return f'pip install --upgrade "{spec}"'


def version_tuple(version):
    """The leading numeric components of a version string, e.g. ``(1, 26, 4)``."""
    parts = []
    for piece in str(version).split("."):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.group() != piece:
            break
    return tuple(parts)


def _installed_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    # not installed as a distribution, but perhaps importable (e.g. a source checkout)
    try:
        module = importlib.import_module(MODULE_NAMES.get(name, name.replace("-", "_")))
    except Exception:
        return None
    return getattr(module, "__version__", "unknown")


def packages():
    """The required and the optional packages, with what is installed.

    Returns
    -------
    list of Package
    """
    rows = []
    for name, minimum in REQUIRED.items():
        purpose = PURPOSE.get(name, "required")
        rows.append(Package(name, True, minimum, _installed_version(name), purpose))
    for name, (minimum, purpose) in OPTIONAL.items():
        rows.append(Package(name, False, minimum, _installed_version(name), purpose))
    return rows


def _where():
    """Where this runs: Colab, Binder, a Jupyter kernel, or a terminal."""
    if "google.colab" in sys.modules:
        return "Google Colab"
    if os.environ.get("BINDER_SERVICE_HOST") or os.environ.get("BINDER_LAUNCH_HOST"):
        return "Binder"
    if "ipykernel" in sys.modules:
        return "a Jupyter kernel"
    return "a terminal"


def _threads():
    lines = [f"CPUs: {os.cpu_count()}"]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return lines
    for pool in threadpool_info():
        lines.append(f"{pool.get('internal_api', pool.get('user_api'))}: "
                     f"{pool.get('num_threads')} threads ({os.path.basename(pool.get('filepath', ''))})")
    return lines


def _small_fit():
    """Fit a small model; returns (seconds, normalised MMD, message)."""
    import numpy as np

    import lecturekit as lk

    start = time.perf_counter()
    Y = lk.make_toy("moons", 400, random_state=0)
    model = lk.KernelTransport(n_reference=200, random_state=0).fit(Y)
    samples = model.sample(400, random_state=1)
    seconds = time.perf_counter() - start
    score = lk.normalized_mmd(samples, lk.make_toy("moons", 400, random_state=2), random_state=0)
    ok = bool(np.isfinite(score) and score < 0.5)
    return seconds, score, ok


def main(argv=()):
    """Print the report; return 0 if everything required is there, 1 otherwise.

    Parameters
    ----------
    argv : sequence of str
        Command-line options (``["--no-fit"]``); none by default, so that
        ``check_env.main()`` also works inside a notebook.
    """
    parser = argparse.ArgumentParser(prog="python -m lecturekit.check_env",
                                     description="Check the set-up for the book's notebooks.")
    parser.add_argument("--no-fit", action="store_true", help="skip the small test fit")
    args = parser.parse_args(argv)

    problems = []
    v = sys.version_info[:2]
    (lo, hi) = SUPPORTED_PYTHON
    py_ok = lo <= v <= hi
    print(f"Python     {platform.python_version()} ({sys.executable})"
          f"  {'ok' if py_ok else 'NOT SUPPORTED'}")
    if not py_ok:
        problems.append(f"use Python {lo[0]}.{lo[1]} to {hi[0]}.{hi[1]}; this is {v[0]}.{v[1]}")
    print(f"system     {platform.system()} {platform.machine()}, running in {_where()}")
    try:
        import lecturekit
        where = os.path.dirname(lecturekit.__file__)
        print(f"lecturekit {lecturekit.__version__} ({where})")
    except Exception as err:  # pragma: no cover - we are inside lecturekit
        print(f"lecturekit cannot be imported: {err}")
        problems.append("reinstall lecturekit: pip install -e . in the repository")

    print("\npackage          installed     needs      status   used for")
    for row in packages():
        status = "ok" if row.ok else ("missing" if row.installed is None else "TOO OLD")
        if row.required and row.installed is None:
            status = "MISSING"
        need = f">={row.minimum}" if row.minimum else ""
        print(f"{row.name:16s} {row.installed or '-':13s} {need:10s} {status:8s} {row.purpose}")
        if row.required and not row.ok:
            problems.append(row.fix)
        elif row.installed is not None and not row.ok:
            problems.append(row.fix + f"   (optional: {row.purpose})")
    print()
    for line in _threads():
        print(line)

    if not args.no_fit and not any("numpy" in p or "scipy" in p or "matplotlib" in p for p in problems):
        try:
            seconds, score, ok = _small_fit()
        except Exception as err:
            print(f"\ntest fit   FAILED: {type(err).__name__}: {err}")
            problems.append("the test fit failed; see the troubleshooting page of the book")
        else:
            verdict = "ok" if ok else "POOR"
            print(f"\ntest fit   moons, 200 reference points: {seconds:.1f} s (the first run "
                  f"compiles the fast loops), normalised MMD {score:.3f}  {verdict}")
            if not ok:
                problems.append("the test fit gave poor samples; see the troubleshooting page")

    if problems:
        print("\nTo fix:")
        for p in problems:
            print(f"  {p}")
        return 1
    print("\nEverything the book needs is here.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

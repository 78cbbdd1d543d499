"""python -m lecturekit.check_env: the environment report for students."""

import pathlib
import re
import subprocess
import sys

import pytest

from lecturekit import check_env

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _pyproject_dependencies():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, flags=re.S | re.M).group(1)
    found = re.findall(r'"([A-Za-z0-9_.\-]+)>=([0-9.]+)"', block)
    extras = re.search(r"^\[project\.optional-dependencies\](.*?)^\[", text, flags=re.S | re.M).group(1)
    return dict(found), dict(re.findall(r'"([A-Za-z0-9_.\-]+)>=([0-9.]+)"', extras))


def test_the_package_lists_agree_with_pyproject():
    required, extras = _pyproject_dependencies()
    assert check_env.REQUIRED == required
    for name, minimum in extras.items():
        if name in required:  # an extra kept for old install commands ([digits])
            assert required[name] == minimum
        else:
            assert check_env.OPTIONAL[name][0] == minimum


def test_version_tuple():
    assert check_env.version_tuple("2.4.6") == (2, 4, 6)
    assert check_env.version_tuple("1.0.4.post1") == (1, 0, 4)
    assert check_env.version_tuple("0.68.1rc2") == (0, 68, 1)
    assert check_env.version_tuple("unknown") == ()
    assert check_env.version_tuple("1.26") < check_env.version_tuple("1.26.1")


def test_report_in_this_environment(capsys):
    assert check_env.main(["--no-fit"]) == 0
    out = capsys.readouterr().out
    for name in check_env.REQUIRED:
        assert re.search(rf"^{name}\s+\d", out, flags=re.M), f"{name} missing from the report"
    assert "Everything the book needs is here." in out
    assert "test fit" not in out


def test_small_fit_runs(capsys):
    assert check_env.main([]) == 0
    out = capsys.readouterr().out
    line = next(l for l in out.splitlines() if l.startswith("test fit"))
    assert line.rstrip().endswith("ok"), line


def test_a_missing_package_is_reported_with_the_fix(monkeypatch, capsys):
    real = check_env._installed_version
    monkeypatch.setattr(check_env, "_installed_version",
                        lambda name: None if name == "numba" else real(name))
    assert check_env.main(["--no-fit"]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^numba\s+-\s+>=0\.59\s+MISSING", out, flags=re.M), out
    assert 'pip install --upgrade "numba>=0.59"' in out.split("To fix:")[1]


def test_too_old_package_skips_the_fit(monkeypatch, capsys):
    real = check_env._installed_version
    monkeypatch.setattr(check_env, "_installed_version",
                        lambda name: "1.19.5" if name == "numpy" else real(name))
    monkeypatch.setattr(check_env, "_small_fit", lambda: pytest.fail("fit attempted"))
    assert check_env.main([]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^numpy\s+1\.19\.5\s+>=1\.23\s+TOO OLD", out, flags=re.M)


def test_a_missing_optional_package_is_not_a_failure(monkeypatch, capsys):
    real = check_env._installed_version
    monkeypatch.setattr(check_env, "_installed_version",
                        lambda name: None if name == "ipywidgets" else real(name))
    assert check_env.main(["--no-fit"]) == 0
    assert re.search(r"^ipywidgets\s+-\s+>=8\s+missing", capsys.readouterr().out, flags=re.M)


def test_unsupported_python_is_reported(monkeypatch, capsys):
    monkeypatch.setattr(check_env, "SUPPORTED_PYTHON", ((3, 0), (3, 1)))
    assert check_env.main(["--no-fit"]) == 1
    out = capsys.readouterr().out
    assert "NOT SUPPORTED" in out and "use Python 3.0 to 3.1" in out


def test_runs_as_a_module():
    done = subprocess.run([sys.executable, "-m", "lecturekit.check_env", "--no-fit"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lecturekit" in done.stdout

"""Sphinx extension for the offline HTML book.

* Stops the build early, with the command to run, when the offline JavaScript
  (MathJax, require.js, the ipywidgets embedder) has not been fetched into
  ``tools/offline_static/`` (``make book`` does it; see ``tools/fetch_assets.py``).
* Drops duplicated inline scripts from the pages. With jupyter-book 1.0.4 and
  Sphinx 7.4 the inline scripts that sphinx-thebe and sphinx-togglebutton add
  appear twice on every page (once with filename ``None``, once with ``''``);
  the second ``const THEBE_JS_URL = ...`` then throws a SyntaxError in the
  browser console.
"""

import json
from pathlib import Path

from sphinx.errors import ConfigError

TOOLS = Path(__file__).resolve().parents[1]


def _check_assets(app):
    if app.builder.format != "html":
        return
    static = TOOLS / "offline_static"
    if not (static / ".assets.json").is_file():
        raise ConfigError(
            f"the offline JavaScript of the book is missing ({static} does not exist); "
            "run `make book`, or `python tools/fetch_assets.py` before `jupyter-book build`"
        )
    import importlib.util

    spec = importlib.util.spec_from_file_location("_fetch_assets", TOOLS / "fetch_assets.py")
    fetch_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fetch_assets)
    if not fetch_assets.is_complete(static):
        wanted = json.dumps(fetch_assets.wanted_versions())
        raise ConfigError(
            f"the offline JavaScript in {static} is incomplete or not {wanted}; "
            "run `python tools/fetch_assets.py` (or `make book`)"
        )


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        key = (
            getattr(js, "filename", js) or "",
            getattr(js, "priority", None),
            tuple(sorted(getattr(js, "attributes", {}).items())),
        )
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    if len(kept) != len(scripts):
        context["script_files"] = kept


def setup(app):
    app.connect("builder-inited", _check_assets)
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}

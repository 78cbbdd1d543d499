#!/usr/bin/env python3
"""Fetch the JavaScript the built book serves itself, so that it works offline.

The HTML book needs

* MathJax 3 (``mathjax``) to typeset the mathematics, with its fonts;
* require.js (``requirejs``) and the ipywidgets embedding bundle
  (``@jupyter-widgets/html-manager`` 1.x, the one matching ipywidgets 8) to
  render interactive widgets from their saved state.

By default Sphinx and myst-nb load all three from CDNs. This script downloads
pinned versions from the npm registry with ``npm pack`` (checked against the
sha512 integrity recorded below), and unpacks the files the book needs into the
git-ignored folder ``tools/offline_static/``. ``_config.yml`` adds that folder
to ``html_static_path``, so Sphinx copies it into ``_build/html/_static/``:

    _static/mathjax/tex-chtml.js      (mathjax_path)
    _static/requirejs/require.js      (nb_ipywidgets_js)
    _static/ipywidgets/embed-amd.js   (nb_ipywidgets_js, with its icon fonts)

Run by ``make book`` (target ``assets``) and by ``tests/test_browser.py``. It does
nothing when the folder is already complete. Needs ``npm`` (Node.js) only when
something has to be downloaded.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
DEST = TOOLS / "offline_static"
CACHE = TOOLS / ".npm-packs"
STAMP = ".assets.json"

FONT = re.compile(r"[0-9a-f]{20}\.(eot|svg|ttf|woff2?)")

#: name -> (version, npm integrity, {path or folder in the tarball: path in DEST})
PACKAGES = {
    "mathjax": (
        "3.2.2",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        {"package/es5/": "mathjax/", "package/LICENSE": "mathjax/LICENSE"},
    ),
    "requirejs": (
        "2.3.8",
        "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
        {"package/require.js": "requirejs/require.js"},
    ),
    "@jupyter-widgets/html-manager": (
        "1.0.15",
        "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
        {"package/dist/": "ipywidgets/"},
    ),
}

#: files of html-manager's dist/ that the page needs (the AMD bundle and its icon fonts)
def _keep(name, relative):
    if name != "@jupyter-widgets/html-manager" or "/" not in relative:
        return True
    base = relative.split("/", 1)[1]
    return base in ("embed-amd.js", "embed.js.LICENSE.txt") or bool(FONT.fullmatch(base))


#: the files whose presence means the folder is complete
REQUIRED = [
    "mathjax/tex-chtml.js",
    "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
    "mathjax/input/tex/extensions/boldsymbol.js",
    "requirejs/require.js",
    "ipywidgets/embed-amd.js",
]


def wanted_versions():
    return {name: spec[0] for name, spec in PACKAGES.items()}


def is_complete(dest=DEST):
    stamp = dest / STAMP
    if not stamp.is_file():
        return False
    try:
        if json.loads(stamp.read_text()) != wanted_versions():
            return False
    except ValueError:
        return False
    return all((dest / f).is_file() for f in REQUIRED)


def tarball_name(name, version):
    # the file name `npm pack` writes: "@scope/name" -> "scope-name-VERSION.tgz"
    return f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"


def integrity_of(path):
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def npm_pack(name, version, cache):
    path = cache / tarball_name(name, version)
    if path.is_file() and integrity_of(path) == PACKAGES[name][1]:
        return path
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "tools/fetch_assets.py: `npm` (Node.js) is needed once to download the book's "
            f"offline JavaScript ({name}@{version}); install Node.js and run `make book` again."
        )
    cache.mkdir(parents=True, exist_ok=True)
    print(f"fetch_assets: npm pack {name}@{version}", flush=True)
    subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(cache), f"{name}@{version}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    if not path.is_file():
        sys.exit(f"tools/fetch_assets.py: npm pack did not write {path}")
    got = integrity_of(path)
    if got != PACKAGES[name][1]:
        path.unlink()
        sys.exit(
            f"tools/fetch_assets.py: integrity mismatch for {name}@{version}: "
            f"expected {PACKAGES[name][1]}, got {got}"
        )
    return path


def unpack(name, tarball, mapping, out):
    n = 0
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            for prefix, target in mapping.items():
                if prefix.endswith("/"):
                    if not member.name.startswith(prefix):
                        continue
                    relative = target + member.name[len(prefix):]
                elif member.name == prefix:
                    relative = target
                else:
                    continue
                if ".." in Path(relative).parts or not _keep(name, relative):
                    break
                path = out / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                n += 1
                break
    if n == 0:
        sys.exit(f"tools/fetch_assets.py: nothing unpacked from {tarball}")
    return n


def fetch(dest=DEST, cache=CACHE, force=False):
    """Make ``dest`` complete; return True if anything was done."""
    if not force and is_complete(dest):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    # build in a temporary sibling folder and swap it in, so that a concurrent
    # build never sees a half-written folder
    tmp = Path(tempfile.mkdtemp(prefix=".offline_static-", dir=dest.parent))
    try:
        for name, (version, _integrity, mapping) in PACKAGES.items():
            tarball = npm_pack(name, version, cache)
            count = unpack(name, tarball, mapping, tmp)
            print(f"fetch_assets: {name}@{version}: {count} files", flush=True)
        (tmp / STAMP).write_text(json.dumps(wanted_versions(), indent=1) + "\n")
        missing = [f for f in REQUIRED if not (tmp / f).is_file()]
        if missing:
            sys.exit(f"tools/fetch_assets.py: missing after unpacking: {missing}")
        old = None
        if dest.exists():
            old = dest.parent / f".offline_static-old-{os.getpid()}"
            dest.rename(old)
        tmp.rename(dest)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="download and unpack again")
    args = parser.parse_args(argv)
    if fetch(force=args.force):
        print(f"fetch_assets: offline assets ready in {DEST.relative_to(TOOLS.parent)}/")


if __name__ == "__main__":
    main()

"""The built HTML book, opened page by page in headless Chromium with no network.

The book is built once per session (``jupyter-book build . --warningiserror
--nitpick --keep-going``, as ``make book`` does) unless ``_build/html`` is
already the result of a successful build newer than every source file
(``_build/.book-ok``, written by ``make book`` and by this test), or
``LECTUREKIT_BOOK_BUILT=1`` says to use ``_build/html`` as it is.

Every HTML page is then served from 127.0.0.1 and opened in Debian's Chromium,
driven through the Chrome DevTools Protocol over ``--remote-debugging-pipe``
(no extra Python package, no port). Host names other than 127.0.0.1 do not
resolve in that browser, so the pages are checked as they behave offline:

* no request leaves 127.0.0.1 (MathJax, require.js and the widget embedder
  are served by the book itself);
* math is typeset by MathJax: no raw ``$...$``, ``\\(`` or ``\\[`` is left in the
  text, and pages with math have ``mjx-container`` elements;
* every ``<img>`` has loaded;
* no console error, uncaught exception or failed request;
* every internal link resolves to a file of the build, and every page of
  ``_toc.yml`` is built and in the navigation;
* ipywidgets render: the widgets of the book's pages, and a slider on a small
  page made here from the same script tags, so this is checked even while no
  chapter has a widget.

A screenshot of every page goes to ``_build/screenshots/``. Set the environment
variable ``CHROMIUM`` to use another browser binary.
"""

import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
SCREENSHOTS = BUILD / "screenshots"

#: what the book is built from: a change to any of these makes the test rebuild it
SOURCES = ["_config.yml", "_toc.yml", "book", "lecturekit", "tools/fetch_assets.py", "tools/sphinx",
           "benchmarks/results"]
SKIP_DIRS = {"_build", ".ipynb_checkpoints", "__pycache__", "node_modules"}


class Edition:
    """One edition of the book: where it is built, how, and the marker of a good build."""

    def __init__(self, name, html, marker, build_command, extra_sources=()):
        self.name, self.html, self.marker = name, html, marker
        self.build_command = build_command
        self.sources = SOURCES + list(extra_sources)
        self.log = BUILD / f"browser-test-build-{name}.log"


EDITIONS = {
    # `make book`: the book with its solutions
    "instructor": Edition(
        "instructor", BUILD / "html", BUILD / ".book-ok",
        lambda: [_executable("jupyter-book"), "build", str(ROOT), "--all", "--warningiserror",
                 "--nitpick", "--keep-going"]),
    # `make student`: generated from the same notebooks, solutions replaced by starter cells
    "student": Edition(
        "student", BUILD / "student" / "_build" / "html", BUILD / "student" / ".book-ok",
        lambda: [sys.executable, str(ROOT / "tools" / "student_edition.py"), "--build"],
        extra_sources=["tools/student_edition.py"]),
}
HTML = EDITIONS["instructor"].html

PAGE_TIMEOUT = 60.0  # seconds for one page to load, typeset and render its widgets
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    # offline: no host name resolves, except the local server's address
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--window-size=1280,900",
]
VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
MAX_SCREENSHOT_HEIGHT = 8000

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


# --------------------------------------------------------------------------------------
# building the book


def _source_files(edition):
    for name in edition.sources:
        path = ROOT / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
                for f in filenames:
                    yield Path(dirpath) / f


def _build_is_fresh(edition):
    if not (edition.marker.is_file() and (edition.html / "index.html").is_file()):
        return False
    built = edition.marker.stat().st_mtime
    return all(p.stat().st_mtime < built for p in _source_files(edition))


def _executable(name):
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found next to {sys.executable} nor on PATH")
    return found


def _build_book(edition):
    BUILD.mkdir(exist_ok=True)
    edition.marker.unlink(missing_ok=True)
    steps = [[sys.executable, str(ROOT / "tools" / "fetch_assets.py")], edition.build_command()]
    with open(edition.log, "w") as log:
        for cmd in steps:
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            done = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            if done.returncode != 0:
                tail = edition.log.read_text(errors="replace").splitlines()[-40:]
                pytest.fail(
                    f"building the {edition.name} edition failed ({' '.join(cmd[:2])}, exit "
                    f"{done.returncode}); full log in {edition.log}:\n" + "\n".join(tail)
                )
    edition.marker.touch()


@pytest.fixture(scope="module", params=list(EDITIONS))
def edition(request):
    """Each edition of the book in turn: every test of this file runs on both."""
    return EDITIONS[request.param]


@pytest.fixture(scope="module")
def built_book(edition):
    """The edition's HTML folder, built now if it is missing or older than a source file."""
    if os.environ.get("LECTUREKIT_BOOK_BUILT") == "1":
        if not (edition.html / "index.html").is_file():
            pytest.fail(f"LECTUREKIT_BOOK_BUILT=1 but {edition.html}/index.html does not exist")
    elif not _build_is_fresh(edition):
        _build_book(edition)
    return edition.html


# --------------------------------------------------------------------------------------
# a local web server


class _Handler(http.server.SimpleHTTPRequestHandler):
    extra_root = None  # serves /__test__/... from here

    def translate_path(self, path):
        clean = urllib.parse.urlsplit(path).path
        if clean.startswith("/__test__/") and self.extra_root is not None:
            relative = urllib.parse.unquote(clean[len("/__test__/"):])
            return str(Path(self.extra_root, *[p for p in relative.split("/") if p not in ("", ".", "..")]))
        return super().translate_path(path)

    def log_message(self, format, *args):  # keep the test output clean
        pass


class LocalServer:
    def __init__(self, root, extra_root):
        handler = type("Handler", (_Handler,), {"extra_root": str(extra_root)})
        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
        )
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------------------
# a minimal Chrome DevTools Protocol client over --remote-debugging-pipe


class CDPError(RuntimeError):
    pass


_EXEC_WITH_PIPES = """
import fcntl, os, sys
r, w = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 100) for fd in sys.argv[1:3])
os.dup2(r, 3)
os.dup2(w, 4)
os.execv(sys.argv[3], sys.argv[3:])
"""


class Browser:
    """Chromium with the DevTools protocol on file descriptors 3 (in) and 4 (out)."""

    def __init__(self, executable, profile_dir, log_path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # a small Python puts the two pipe ends on fds 3 and 4, then becomes Chromium
        argv = [
            sys.executable, "-c", _EXEC_WITH_PIPES, str(to_browser_r), str(from_browser_w),
            executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}",
            "--remote-debugging-pipe", "about:blank",
        ]
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            pass_fds=(to_browser_r, from_browser_w), start_new_session=True,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._replies = {}
        self.events = []  # (sessionId, method, params)
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._closed = True
                    self._cond.notify_all()
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            with self._cond:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append((message.get("sessionId"), message["method"], message.get("params", {})))
                self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=PAGE_TIMEOUT):
        with self._lock:
            self._next_id += 1
            mid = self._next_id
        message = {"id": mid, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while mid not in self._replies:
                if self._closed:
                    raise CDPError(f"Chromium exited while waiting for {method}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no answer to {method} within {timeout} s")
                self._cond.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method, session, start, timeout=PAGE_TIMEOUT):
        """Wait for an event at or after index ``start`` of ``self.events``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for sid, m, params in self.events[start:]:
                    if sid == session and m == method:
                        return params
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise CDPError(f"no {method} within {timeout} s")
                self._cond.wait(left)

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except CDPError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()


# --------------------------------------------------------------------------------------
# what is measured on every page, in the page

PAGE_SCRIPT = r"""
(async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const t0 = Date.now();
  const timeout = %(timeout)d;
  const out = {notes: []};

  // MathJax: wait until it has typeset the page
  const hasMathJax = !!document.querySelector('script[src*="mathjax/"]');
  if (hasMathJax) {
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() - t0 < timeout)
      await sleep(50);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      try { await MathJax.startup.promise; } catch (e) { out.notes.push('MathJax: ' + e); }
    } else out.notes.push('MathJax did not start');
  }

  // widgets: html-manager puts a div.widget-subarea before each view script
  const views = [...document.querySelectorAll('script[type="%(view)s"]')];
  const rendered = () => views.filter(v => {
    const p = v.previousElementSibling;
    return p && p.classList.contains('widget-subarea') && p.querySelector('.jupyter-widgets, .widget-inline-hbox, .lm-Widget');
  }).length;
  while (views.length && rendered() < views.length && Date.now() - t0 < timeout) await sleep(100);
  out.widgetViews = views.length;
  out.widgetsRendered = rendered();
  if (views.length && window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    const t1 = Date.now();  // widget labels are typeset after the widgets render
    while (document.querySelectorAll('.widget-subarea .widget-label').length
           > document.querySelectorAll('.widget-subarea .widget-label mjx-container').length
           && [...document.querySelectorAll('.widget-subarea .widget-label')].some(l => /\$|\\\(/.test(l.textContent))
           && Date.now() - t1 < 5000) await sleep(100);
  }
  out.widgetMath = document.querySelectorAll('.widget-subarea mjx-container').length;
  out.widgetClasses = [...new Set([...document.querySelectorAll('.widget-subarea .jupyter-widgets')]
                           .flatMap(e => [...e.classList]).filter(c => c.startsWith('widget-')))];

  // images, also lazy ones
  await Promise.all([...document.images].map(img => {
    img.loading = 'eager';
    if (img.complete) return null;
    return Promise.race([new Promise(r => { img.addEventListener('load', r); img.addEventListener('error', r); }),
                         sleep(Math.max(1000, timeout - (Date.now() - t0)))]);
  }));
  if (document.fonts) await Promise.race([document.fonts.ready, sleep(5000)]);
  out.images = [...document.images].map(img => ({src: img.currentSrc || img.src,
                                                 ok: img.complete && img.naturalWidth > 0}));

  // math
  const mathNodes = [...document.querySelectorAll('.math')];
  out.mathNodes = mathNodes.length;
  out.mathUntypeset = mathNodes.filter(n => !n.querySelector('mjx-container') && !n.closest('mjx-container'))
                               .map(n => n.textContent.trim().slice(0, 80));
  out.mjxContainers = document.querySelectorAll('mjx-container').length;
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, kbd, samp, script, style, textarea, mjx-container, .highlight, '
                        + 'mjx-assistive-mml, .bd-search, form').forEach(e => e.remove());
  const text = body.textContent;
  const raw = [];
  const patterns = [/\\\(/g, /\\\[/g, /\$\$/g, /\$[^\s$][^$\n]{0,200}?\$/g, /\\begin\{/g];
  for (const re of patterns) for (const m of text.matchAll(re))
    raw.push(text.slice(Math.max(0, m.index - 30), m.index + 40).replace(/\s+/g, ' '));
  out.rawMath = raw.slice(0, 10);

  // links: every link of the page, and those of the navigation (table of contents)
  const nav = new Set([...document.querySelectorAll('.bd-sidebar-primary nav a[href], .bd-toc-nav a[href], '
                                                    + '.toctree-wrapper a[href]')]);
  out.links = [...document.querySelectorAll('a[href]')].map(a => ({href: a.href, nav: nav.has(a)}));
  out.navLinks = [...nav].map(a => a.href);
  out.height = Math.min(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight), %(maxh)d);
  out.title = document.title;
  return JSON.stringify(out);
})()
"""


def _is_local(url, origin):
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme in ("data", "blob", "about", "javascript", "chrome", "chrome-extension", "devtools"):
        return True
    return url == origin or url.startswith(origin + "/")


def _browse_page(browser, url, screenshot_path, widget_screenshot_path=None):
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    try:
        for domain in ("Page", "Runtime", "Network", "Log"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride", VIEWPORT, session=session)
        start = len(browser.events)
        nav = browser.send("Page.navigate", {"url": url}, session=session)
        if nav.get("errorText"):
            raise CDPError(f"navigating to {url}: {nav['errorText']}")
        browser.wait_event("Page.loadEventFired", session, start)
        script = PAGE_SCRIPT % {"timeout": int(PAGE_TIMEOUT * 1000 * 0.75), "view": WIDGET_VIEW,
                                "maxh": MAX_SCREENSHOT_HEIGHT}
        reply = browser.send(
            "Runtime.evaluate",
            {"expression": script, "awaitPromise": True, "returnByValue": True},
            session=session, timeout=PAGE_TIMEOUT + 10,
        )
        if "exceptionDetails" in reply:
            raise CDPError(f"page script failed on {url}: {reply['exceptionDetails']}")
        result = json.loads(reply["result"]["value"])
        time.sleep(0.3)  # let late console messages and requests arrive

        # the whole page (up to MAX_SCREENSHOT_HEIGHT): make the window that tall, so
        # that the theme's sticky sidebars are laid out as a person would see them
        screenshot_path.parent.mkdir(parents=True, exist_ok=True)
        tall = dict(VIEWPORT, height=max(VIEWPORT["height"], result["height"]))
        browser.send("Emulation.setDeviceMetricsOverride", tall, session=session)
        time.sleep(0.3)
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot_path.write_bytes(base64.b64decode(shot["data"]))
        browser.send("Emulation.setDeviceMetricsOverride", VIEWPORT, session=session)
        if widget_screenshot_path is not None and result["widgetsRendered"]:
            # one window's worth around the first widget
            browser.send("Runtime.evaluate", {"expression":
                "document.querySelector('.widget-subarea').scrollIntoView({block: 'center'})"}, session=session)
            time.sleep(0.3)
            shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
            widget_screenshot_path.write_bytes(base64.b64decode(shot["data"]))

        events = [(m, p) for sid, m, p in browser.events[start:] if sid == session]
    finally:
        browser.send("Target.closeTarget", {"targetId": target})

    requests, failed, errors = [], [], []
    for method, params in events:
        if method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Network.responseReceived":
            status = params["response"].get("status", 0)
            if status >= 400 and not params["response"]["url"].endswith("/favicon.ico"):
                failed.append(f"{status} {params['response']['url']}")
        elif method == "Network.loadingFailed":
            if not params.get("canceled"):
                failed.append(f"{params.get('errorText')} (request {params.get('requestId')})")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            description = (details.get("exception") or {}).get("description") or details.get("text")
            errors.append(f"uncaught exception: {description}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            texts = [str(a.get("value", a.get("description", ""))) for a in params.get("args", [])]
            errors.append("console.error: " + " ".join(texts))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            if (entry.get("url") or "").endswith("/favicon.ico"):
                continue
            errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    result.update(url=url, requests=requests, failed=failed, errors=errors)
    return result


# --------------------------------------------------------------------------------------
# fixtures


def _chromium():
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


REDIRECT = re.compile(r'\s*<meta http-equiv="Refresh" content="0; url=([^"]+)"\s*/?>\s*', re.I)


def _html_pages(html):
    """The pages of the current build (from its search index) and the other HTML files."""
    skip = {"_static", "_sources", "_images", "_downloads"}
    pages = []
    for path in sorted(html.rglob("*.html")):
        relative = path.relative_to(html)
        if relative.parts[0] in skip:
            continue
        pages.append(relative.as_posix())
    # Sphinx leaves the pages of documents that are no longer built in _build/html;
    # the search index names the documents of the last build
    index = html / "searchindex.js"
    if index.is_file():
        text = index.read_text()
        data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
        current = {f"{d}.html" for d in data["docnames"]}
        pages = [p for p in pages if p in current or "/" not in p]
    return pages


def _redirect_target(html, page):
    """The target of a page that only redirects (jupyter-book's index.html), or None."""
    m = REDIRECT.fullmatch((html / page).read_text(errors="replace"))
    return m.group(1) if m else None


def _widget_test_page(directory):
    """A page that loads the widget embedder exactly as the book's pages do."""
    import ipywidgets
    from ipywidgets.embed import embed_data

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx_config = config["sphinx"]["config"]
    scripts = list(sphinx_config["nb_ipywidgets_js"])
    slider = ipywidgets.IntSlider(value=7, min=0, max=10, description="n")
    # a label with math: the embedder typesets it with the MathJax 2 API
    reg = ipywidgets.FloatLogSlider(value=1e-4, min=-8, max=0, description=r"$\lambda$")
    data = embed_data(views=[slider, reg])
    tags = "\n".join(f'<script src="/_static/{s}"></script>' for s in scripts)
    views = "\n".join(f'<script type="{WIDGET_VIEW}">{json.dumps(v)}</script>' for v in data["view_specs"])
    # the head as Sphinx and myst-nb write it: MathJax 3, the widget state, the embedder
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>widget check</title>
<link rel="icon" href="data:,">
<script>window.MathJax = {json.dumps(sphinx_config.get("mathjax3_config") or {})}</script>
<script defer src="/_static/{sphinx_config.get("mathjax_path", "mathjax/tex-chtml.js")}"></script>
<script type="{WIDGET_STATE}">{json.dumps(data["manager_state"])}</script>
{tags}
</head><body><p>Two ipywidgets sliders rendered offline:</p>
{views}
</body></html>
"""
    (directory / "widget.html").write_text(page)
    return "__test__/widget.html"


@pytest.fixture(scope="module")
def browsed(built_book, edition, tmp_path_factory):
    """{page: measurements} for every HTML page of the book, and the widget test page."""
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium not found (/usr/bin/chromium); install it with `apt-get install -y chromium`")
    extra = tmp_path_factory.mktemp("browser-pages")
    widget_page = _widget_test_page(extra)
    pages = _html_pages(built_book)
    assert "index.html" in pages and len(pages) >= 5, pages

    screenshots = SCREENSHOTS / edition.name
    if screenshots.exists():
        shutil.rmtree(screenshots)
    screenshots.mkdir(parents=True)
    server = LocalServer(built_book, extra)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    browser = Browser(chromium, profile, BUILD / f"chromium-{edition.name}.log")
    results = {}
    try:
        browser.send("Browser.getVersion", timeout=60)
        for page in pages + [widget_page]:
            if page != widget_page and _redirect_target(built_book, page) is not None:
                continue  # checked in test_every_toc_page_is_built_and_in_the_navigation
            name = page.replace("__test__/", "_test_").replace("/", "__")[: -len(".html")]
            results[page] = _browse_page(
                browser, f"{server.origin}/{page}", screenshots / f"{name}.png",
                widget_screenshot_path=screenshots / f"{name}__widget.png",
            )
    finally:
        browser.close()
        server.close()
        shutil.rmtree(profile, ignore_errors=True)
    results["__origin__"] = server.origin
    results["__widget_page__"] = widget_page
    return results


def _pages(browsed):
    return {k: v for k, v in browsed.items() if not k.startswith("__")}


def _book_pages(browsed):
    return {k: v for k, v in _pages(browsed).items() if not k.startswith("__test__/")}


# --------------------------------------------------------------------------------------
# the checks


def test_offline_assets_are_in_the_build(built_book):
    static = built_book / "_static"
    for path in ["mathjax/tex-chtml.js", "mathjax/output/chtml/fonts/woff-v2/MathJax_Main-Regular.woff",
                 "requirejs/require.js", "ipywidgets/embed-amd.js"]:
        assert (static / path).is_file(), f"{path} is missing from _build/html/_static"
    # no page refers to a script or style sheet on another host
    remote = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//", re.I)
    offenders = []
    for page in _html_pages(built_book):
        for m in remote.finditer((built_book / page).read_text(errors="replace")):
            tag = m.group(0)
            if "rel=\"canonical\"" in tag:
                continue
            offenders.append(f"{page}: {tag}")
    assert not offenders, "pages load remote resources:\n" + "\n".join(offenders)


def test_no_request_leaves_the_machine(browsed):
    origin = browsed["__origin__"]
    bad = {page: [u for u in r["requests"] if not _is_local(u, origin)] for page, r in _pages(browsed).items()}
    bad = {page: urls for page, urls in bad.items() if urls}
    assert not bad, f"requests to other hosts: {json.dumps(bad, indent=1)}"


def test_no_console_errors_or_failed_requests(browsed):
    bad = {page: r["errors"] + r["failed"] for page, r in _pages(browsed).items() if r["errors"] or r["failed"]}
    assert not bad, f"console errors / failed requests: {json.dumps(bad, indent=1)}"


def test_math_is_typeset(browsed):
    problems = {}
    for page, r in _book_pages(browsed).items():
        issues = []
        if r["mathNodes"] and not r["mjxContainers"]:
            issues.append(f"{r['mathNodes']} math elements but no mjx-container")
        if r["mathUntypeset"]:
            issues.append(f"not typeset: {r['mathUntypeset'][:5]}")
        if r["rawMath"]:
            issues.append(f"raw TeX in the text: {r['rawMath'][:5]}")
        if r["notes"]:
            issues.extend(r["notes"])
        if issues:
            problems[page] = issues
    assert not problems, json.dumps(problems, indent=1)
    # the introduction and the notation page have math, so MathJax must have run there
    for page in ("book/intro.html", "book/notation.html"):
        assert browsed[page]["mjxContainers"] > 0, f"no typeset math on {page}"


def test_images_load(browsed):
    bad = {page: [i["src"] for i in r["images"] if not i["ok"]] for page, r in _pages(browsed).items()}
    bad = {page: srcs for page, srcs in bad.items() if srcs}
    assert not bad, f"images that did not load: {json.dumps(bad, indent=1)}"


def test_internal_links_resolve(browsed, built_book):
    origin = browsed["__origin__"]
    missing = {}
    for page, r in _book_pages(browsed).items():
        for link in r["links"]:
            href = link["href"]
            if not href.startswith(origin + "/"):
                assert not link["nav"], f"{page}: navigation link leaves the book: {href}"
                continue
            path = urllib.parse.unquote(urllib.parse.urlsplit(href).path.lstrip("/"))
            target = built_book / path
            if path == "" or path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                missing.setdefault(page, []).append(href[len(origin):])
    assert not missing, f"internal links to missing files: {json.dumps(missing, indent=1)}"


def _toc_files(entry):
    if isinstance(entry, dict):
        if "file" in entry:
            yield entry["file"]
        if "root" in entry:
            yield entry["root"]
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []):
                yield from _toc_files(child)


def test_every_toc_page_is_built_and_in_the_navigation(browsed, built_book):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = list(dict.fromkeys(_toc_files(toc)))
    assert files and files[0] == toc["root"]
    root_page = f"{toc['root']}.html"
    nav = {urllib.parse.urlsplit(h).path.lstrip("/") for h in browsed[root_page]["navLinks"]}
    for name in files:
        page = f"{Path(name).with_suffix('').as_posix()}.html"
        assert (built_book / page).is_file(), f"{name} of _toc.yml was not built ({page})"
        assert page in browsed, f"{page} was not opened"
        if name != toc["root"]:
            assert page in nav, f"{page} is not linked from the table of contents: {sorted(nav)}"
    # the home page is the root document or redirects to it
    target = _redirect_target(built_book, "index.html")
    assert target == root_page or (target is None and "index.html" in browsed), target


def test_widgets_render_offline(browsed):
    test_page = browsed[browsed["__widget_page__"]]
    assert test_page["widgetViews"] == 2
    assert test_page["widgetsRendered"] == 2, "the ipywidgets sliders did not render offline"
    assert "widget-slider" in test_page["widgetClasses"], test_page["widgetClasses"]
    assert test_page["widgetMath"] == 1, "the widget label $\\lambda$ was not typeset by MathJax"
    bad = {page: f"{r['widgetsRendered']} of {r['widgetViews']} widgets rendered"
           for page, r in _book_pages(browsed).items() if r["widgetsRendered"] < r["widgetViews"]}
    assert not bad, json.dumps(bad, indent=1)


def test_screenshots_were_taken(browsed, edition):
    assert len(_book_pages(browsed)) >= 4
    for page in _pages(browsed):
        name = page.replace("__test__/", "_test_").replace("/", "__")[: -len(".html")]
        shot = SCREENSHOTS / edition.name / f"{name}.png"
        assert shot.is_file() and shot.stat().st_size > 1000, shot


# --------------------------------------------------------------------------------------
# the two editions: solutions and checks


def _chapter_notebooks():
    return sorted((ROOT / "book").glob("*.ipynb"))


def _checks_by_chapter():
    import lecturekit as lk

    found = {}
    for name in lk.exercises.available():
        found.setdefault(int(re.match(r"ch(\d+)-", name).group(1)), []).append(name)
    return found


def _chapter_number(path):
    return int(re.match(r"ch(\d+)_", path.name).group(1))


def test_solutions_only_in_the_instructor_edition(built_book, edition):
    for path in _chapter_notebooks():
        html = (built_book / "book" / f"{path.stem}.html").read_text(errors="replace")
        n_exercises = html.count('class="exercise admonition"')
        n_solutions = html.count('class="solution dropdown admonition"')
        assert n_exercises >= 2, f"{path.name}: {n_exercises} exercises rendered"
        if edition.name == "instructor":
            assert n_solutions == n_exercises, f"{path.name}: {n_solutions} solutions"
        else:
            assert n_solutions == 0 and 'class="solution' not in html, path.name
        # the download button gives this edition's notebook
        source = json.loads((built_book / "_sources" / "book" / path.name).read_text())
        text = "".join("".join(c["source"]) for c in source["cells"])
        assert ("{solution-start}" in text) == (edition.name == "instructor"), path.name


def test_every_check_runs_in_its_chapter(built_book, edition):
    """Instructor: each reference solution passes its checks. Student: each starter runs
    its checks, which fail politely on the empty answer (and the page hides that output)."""
    checks = _checks_by_chapter()
    executed = built_book.parent / "jupyter_execute" / "book"
    for path in _chapter_notebooks():
        names = checks.get(_chapter_number(path), [])
        assert names, f"chapter {path.name} has no exercise checks"
        html = (built_book / "book" / f"{path.stem}.html").read_text(errors="replace")
        nb = json.loads((executed / path.name).read_text())
        printed = "".join(
            out.get("text", "") if isinstance(out.get("text", ""), str) else "".join(out["text"])
            for cell in nb["cells"] if cell["cell_type"] == "code"
            for out in cell.get("outputs", []) if out["output_type"] == "stream")
        assert not [o for c in nb["cells"] for o in c.get("outputs", [])
                    if o["output_type"] == "error"], f"{path.name}: a cell raised"
        for name in names:
            if edition.name == "instructor":
                assert re.search(rf"\u2713 {name}: (all \d+ cases pass|the case passes)", printed), \
                    f"{path.name}: the reference solution does not pass {name}"
                assert f"\u2713 {name}:" in html, f"{path.name}: the pass of {name} is not shown"
            else:
                assert f"\u2717 {name}: case 1 of" in printed, \
                    f"{path.name}: no starter runs the check {name}"
                assert f"\u2717 {name}:" not in html, \
                    f"{path.name}: the student page shows the check's verdict on an empty answer"


def test_student_edition_offers_all_exercise_notebooks(built_book, edition):
    import zipfile

    zips = list((built_book / "_downloads").glob("*/exercise-notebooks.zip"))
    if edition.name == "instructor":
        assert not zips
        return
    assert len(zips) == 1, zips
    index = (built_book / "book" / "index.html").read_text(errors="replace")
    assert "exercise-notebooks.zip" in index, "the front page does not link the notebooks"
    with zipfile.ZipFile(zips[0]) as bundle:
        names = sorted(bundle.namelist())
        assert names == [f"exercise-notebooks/{p.name}" for p in _chapter_notebooks()]
        for name in names:
            text = bundle.read(name).decode()
            assert "{solution-start}" not in text and "lk.exercises.check(" in text, name

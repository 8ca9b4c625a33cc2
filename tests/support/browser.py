"""For the browser tests (tests/browser/) and the screenshots: Debian's Chromium, the app
served by a real WSGI server on 127.0.0.1, and the checks every page goes through."""
from __future__ import annotations

import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWER = ROOT / "service" / "static" / "vendor" / "bpmn-navigated-viewer.production.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Server:
    """The app on a free port of 127.0.0.1 in a thread, while the ``with`` block lasts."""

    def __init__(self, app):
        self.app = app
        self.kf = app.extensions["koopflow"]
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(timeout=5)
        self.kf.db.dispose()


def drawn(page, url: str):
    """Open ``url`` and wait until bpmn-js has drawn the diagram (or failed: then say why)."""
    page.goto(url)
    page.wait_for_function(
        "() => { const d = document.getElementById('diagram'); return d.dataset.rendered || d.dataset.error; }")
    error = page.get_attribute("#diagram", "data-error")
    assert error is None, f"bpmn-js: {error}"
    return page


def no_violations(page):
    """axe-core finds no accessibility violation on the page."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]]
    assert problems == [], problems

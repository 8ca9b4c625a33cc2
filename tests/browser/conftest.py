"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright against the app
served by a real WSGI server on 127.0.0.1. Playwright never downloads a browser; `make test`
installs Chromium through apt when it is missing. If Chromium cannot start, the tests fail
with a message saying so; they are never skipped.
"""
from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.app import make_app
from tests.support.browser import AXE, CHROMIUM, CHROMIUM_ARGS, ROOT, VIEWER, Server
from workflows.clock import BERLIN


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} fehlt: `make test` installiert Debians chromium (apt-get install chromium).",
                    pytrace=False)
    for needed in (AXE, VIEWER):
        if not needed.exists():
            pytest.fail(f"{needed.relative_to(ROOT)} fehlt: bitte `make install` ausführen (npm ci, vendor/).",
                        pytrace=False)
    from playwright.sync_api import Error, sync_playwright  # noqa: PLC0415

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.fail(f"Chromium ({CHROMIUM}) startet nicht: {exc}", pytrace=False)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app, _kf = make_app(tmp_path_factory.mktemp("browser"), datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    with Server(app) as running:
        yield running


@pytest.fixture
def page_as(chromium, server):
    """A fresh browser context logged in as a demo user; collects console errors.

    axe-core is added as an init script (the DevTools protocol, not a <script> in the page),
    so the pages' CSP (script-src 'self') stays as it is and CSP violations still show up
    as console errors.
    """
    contexts = []

    def open_as(username: str):
        context = chromium.new_context()
        contexts.append(context)
        context.add_init_script(path=str(AXE))
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.goto(f"{server.url}/login")
        page.fill("#field-username", username)
        page.fill("#field-password", "demo")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"login as {username} failed"
        return page

    yield open_as
    for context in contexts:
        context.close()

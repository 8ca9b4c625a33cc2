"""Screenshots for docs/screenshots/: a definition page and a case's diagram, taken with the
same set-up as the browser tests. Run: `.venv/bin/python -m tests.browser.screenshots`."""
from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.app import make_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Server
from tests.support.flows import offered_handover
from workflows.clock import BERLIN
from workflows.store.definitions import current_definition

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    app, kf = make_app(Path(tempfile.mkdtemp()), datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        definition_id = current_definition(session, "handover_school_end").id
    with Server(app) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/login")
        page.fill("#field-username", "lwv.fachdienst")
        page.fill("#field-password", "demo")
        page.click("button[type=submit]")
        for url, name in ((f"/processes/handover_school_end/versions/{definition_id}", "definition.png"),
                          (f"/cases/{case_id}/diagram", "case-diagram.png")):
            page.goto(server.url + url)
            page.wait_for_selector('#diagram[data-rendered="true"]')
            page.screenshot(path=str(OUT / name))
        browser.close()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()

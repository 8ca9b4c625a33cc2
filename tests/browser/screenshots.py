"""Screenshots for docs/screenshots/: a definition page, a case's diagram and the diagrams
redrawn so that every label fits (issue 19), taken with the same set-up as the browser tests.
Run: `.venv/bin/python -m tests.browser.screenshots` (``KOOPFLOW_SCREENSHOTS=/tmp/x`` writes
there instead, every diagram of bpmn/ then, for looking at them all)."""
from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.app import make_app
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, Server
from tests.support.flows import offered_handover
from workflows.clock import BERLIN
from workflows.store.definitions import current_definition

OUT = Path(os.environ.get("KOOPFLOW_SCREENSHOTS") or ROOT / "docs" / "screenshots")
REDRAWN = ("handover_care_need", "annual_count_residents")  # kept in docs/screenshots/


def main() -> None:
    app, kf = make_app(Path(tempfile.mkdtemp()), datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    case_id = offered_handover(kf)
    keys = REDRAWN if "KOOPFLOW_SCREENSHOTS" not in os.environ else [p.stem for p in sorted((ROOT / "bpmn").glob("*.bpmn"))]
    with kf.db.transaction() as session:
        definition_id = current_definition(session, "handover_school_end").id
        diagrams = {key: current_definition(session, key).id for key in keys}
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
        for key, version_id in diagrams.items():
            page.goto(f"{server.url}/processes/{key}/versions/{version_id}")
            page.wait_for_selector('#diagram[data-rendered="true"]')
            page.locator("#diagram").screenshot(path=str(OUT / f"diagram-{key}.png"))
        browser.close()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()

"""One web process for tests/support/processes.py: the app on KOOPFLOW_DATABASE_URL, one user
logged in who has opened a task's form. Prints "ready", waits for a line on stdin, sends the
form, prints the HTTP status and the page's visible text on one line.

    python -m tests.support.web_process <now ISO> <username> <task id> <form data JSON>
"""
from __future__ import annotations

import json
import sys
from datetime import datetime

from service.app import create_app
from service.config import Settings
from tests.support.pages import CSRF, login, text_of
from workflows.clock import FixedClock


def main(now: str, username: str, task_id: str, data: str) -> None:
    app = create_app(Settings.from_env(), FixedClock(datetime.fromisoformat(now)))
    browser = login(app, username)
    page = f"/tasks/{task_id}"
    token = CSRF.search(browser.get(page).text).group(1)
    print("ready", flush=True)
    sys.stdin.readline()
    response = browser.client.post(page, data={"csrf_token": token, **json.loads(data)})
    print(response.status_code, text_of(response.text), flush=True)
    app.extensions["koopflow"].db.dispose()


if __name__ == "__main__":
    main(*sys.argv[1:])

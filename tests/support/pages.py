"""Driving the pages as a person would: read the page, fill in the form, press the button.

CSRF protection stays on; the token is taken from the page like a browser would send it.
"""
from __future__ import annotations

import re
from html import unescape

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def text_of(html: str) -> str:
    """The visible text of a page, whitespace folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


class Browser:
    def __init__(self, client):
        self.client = client
        self.page = None

    def get(self, url: str, status: int = 200):
        self.page = self.client.get(url)
        assert self.page.status_code == status, (url, self.page.status_code, text_of(self.page.text)[:500])
        return self.page

    def submit(self, page_url: str, action: str, data: dict | None = None, status: int | None = None):
        """Load ``page_url``, take its CSRF token, post ``data`` to ``action``."""
        page = self.client.get(page_url)
        token = CSRF.search(page.text)
        assert token, f"no form on {page_url}"
        response = self.client.post(action, data={"csrf_token": token.group(1), **(data or {})})
        if status is not None:
            assert response.status_code == status, (action, response.status_code, text_of(response.text)[:800])
        self.page = response
        return response

    def follow(self, response):
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])

    @property
    def text(self) -> str:
        return text_of(self.page.text)


def complete(browser: Browser, task_id: int, form: dict, status: int = 302):
    """Fill in and send the task's form from its page."""
    return browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}", form, status=status)


def login(app, username: str, password: str = "demo") -> Browser:
    browser = Browser(app.test_client())
    response = browser.submit("/login", "/login", {"username": username, "password": password})
    assert response.status_code == 302, text_of(response.text)[:300]
    return browser


TASK_LINK = re.compile(r'<a href="/tasks/(\d+)">([^<]+)<span class="visually-hidden"> \(([^)]+)\)</span></a>')


def inbox_tasks(browser: Browser, url: str = "/inbox") -> list[tuple[int, str, str]]:
    """(task id, task name, case number) of every row on an inbox page (the first by default)."""
    browser.get(url)
    return [(int(i), unescape(name), number) for i, name, number in TASK_LINK.findall(browser.page.text)]


def task_in_inbox(browser: Browser, task_name: str, case_number: str) -> int:
    for task_id, name, number in inbox_tasks(browser):
        if name == task_name and number == case_number:
            return task_id
    raise AssertionError(f"{task_name} ({case_number}) not in the inbox: {inbox_tasks(browser)}")


CASE_NUMBER = re.compile(r"Vorgang (GI-\d{4}-\d{5})")


def start_handover(sozialamt) -> tuple[str, int]:
    response = sozialamt.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=302)
    task_url = response.headers["Location"]
    sozialamt.get(task_url)
    assert "Übergabe vorbereiten" in sozialamt.text
    case_number = CASE_NUMBER.search(sozialamt.text).group(1)
    return case_number, int(task_url.rsplit("/", 1)[1])

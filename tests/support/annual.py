"""The annual requests through the pages: the worker's round on a given day, finding a task
in the Posteingang, completing a task's form, reading a table row."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from tests.support.pages import inbox_tasks, text_of
from workflows.clock import BERLIN
from workflows.store.cases import Case
from workflows.worker import run_once


def worker_round(kf, day: str, hour: int = 8):
    """The worker's round at ``hour`` o'clock (Berlin) on ``day`` (ISO date)."""
    kf.clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=BERLIN))
    return run_once(kf.db, kf.clock)


def the_task(browser, task_name: str) -> tuple[int, str]:
    """(task id, case number) of the one task of this name in the browser's Posteingang."""
    found = [(task_id, number) for task_id, name, number in inbox_tasks(browser) if name == task_name]
    assert len(found) == 1, (task_name, inbox_tasks(browser))
    return found[0]


def row_with(html: str, marker: str) -> str:
    """The visible text of the one table row whose markup contains ``marker``."""
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if marker in row]
    assert len(rows) == 1, (marker, [text_of(r) for r in rows])
    return text_of(rows[0])


def complete(browser, task_id: int, form: dict, status: int = 302):
    """Fill in and send the task's form from its page."""
    return browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}", form, status=status)


def case_id_of(kf, case_number: str) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(Case.id).where(Case.case_number == case_number))

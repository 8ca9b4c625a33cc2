"""The audit entry of a change is part of the change: a process that dies right after the
command's commit (where the entry used to be written, in a second transaction) cannot leave a
change without its Protokoll entry. A read's entry does not let a page hang behind a long
foreign write on SQLite: it waits a short while, then the page says "bitte erneut versuchen"."""
from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

import service.web.audit_hook
from tests.support.app import make_app, settings_for
from tests.support.flows import actor, offered_handover, open_task
from tests.support.pages import CSRF, login, text_of
from workflows.store.audit_log import AuditLogEntry
from workflows.store.tasks import HumanTask


class ProcessKilled(BaseException):
    """Stands for the process dying: nothing after it runs, not even an error page."""


def entries(kf, **where) -> list[AuditLogEntry]:
    with kf.db.transaction() as session:
        query = select(AuditLogEntry).order_by(AuditLogEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditLogEntry, name) == value)
        return list(session.scalars(query))


def test_a_committed_change_has_its_entry_even_if_the_process_dies_right_after_the_commit(app, kf, as_user,
                                                                                         monkeypatch):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    browser = as_user("lwv.fachdienst")
    token = CSRF.search(browser.get(f"/tasks/{task_id}").text).group(1)

    def killed(*_args, **_kwargs):
        raise ProcessKilled()

    # everything after the view (the old place of the change's entry) dies with the process
    monkeypatch.setattr(service.web.audit_hook, "record_access", killed)
    try:
        browser.client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    except ProcessKilled:
        pass  # the old code died here, after the claim's commit, before writing the entry
    user_id = actor(kf, "lwv.fachdienst").user_id
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).assignee_id == user_id  # the claim was committed
    [entry] = entries(kf, kind="change")  # and so was its entry
    assert (entry.actor_id, entry.target, entry.method) == (user_id, f"tasks.claim, Aufgabe {task_id}", "POST")


def test_a_change_request_that_commits_nothing_is_recorded_with_its_status_after_the_answer(app, kf, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    browser = as_user("lwv.fachdienst")
    token = CSRF.search(browser.get(f"/tasks/{task_id}").text).group(1)
    assert browser.client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 302
    again = browser.client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert "bearbeitet bereits" in text_of(again.text) or "bearbeiten diese Aufgabe" in text_of(again.text)
    changes = [(e.target, e.status) for e in entries(kf, kind="change")]
    # the first in the claim's transaction (no status yet); the second committed nothing
    assert changes == [(f"tasks.claim, Aufgabe {task_id}", None), (f"tasks.claim, Aufgabe {task_id}", 302)]


def test_the_protokoll_shows_a_change_carried_out(app, kf, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    browser = as_user("lwv.fachdienst")
    token = CSRF.search(browser.get(f"/tasks/{task_id}").text).group(1)
    browser.client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    page = text_of(as_user("admin").client.get("/admin/audit", query_string={"kind": "change"}).text)
    assert "POST ausgeführt" in page


@pytest.fixture
def locked_app(sqlite_template, tmp_path, clock):
    url = sqlite_template.create(tmp_path)
    app, kf = make_app(tmp_path, clock, settings_for(url, tmp_path, lock_timeout=3, audit_lock_timeout=0.5))
    yield app, kf, make_url(url).database
    kf.db.dispose()


def test_a_case_page_does_not_hang_behind_a_long_foreign_write_on_sqlite(locked_app):
    app, kf, path = locked_app
    case_id = offered_handover(kf)
    browser = login(app, "lk.sozialamt")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, far longer than a page may wait
    try:
        started = time.monotonic()
        response = browser.client.get(f"/cases/{case_id}")
        took = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    # no entry, no data: the page is refused quickly, in German, and shows nothing of the case
    assert response.status_code == 503 and took < 5, (response.status_code, took)
    assert "Bitte erneut versuchen" in text_of(response.text)
    assert browser.client.get(f"/cases/{case_id}").status_code == 200  # the lock gone, it works
    assert [e.status for e in entries(kf, case_id=case_id, kind="case.read")] == [200]


def test_a_decision_by_mail_reply_has_its_entry_even_if_the_process_dies_right_after_it(app, kf, smtp, monkeypatch):
    import service.mail.smtp_in
    from service.mail.smtp_in import ReplyHandler
    from tests.support.approvals import approval_mail, proposed_takeover, reply

    case_id = proposed_takeover(kf)
    answer, token = reply(approval_mail(app, kf, smtp), "Ja")

    def killed(*_args, **_kwargs):
        raise ProcessKilled()

    monkeypatch.setattr(service.mail.smtp_in, "record_access", killed)  # the old place, after the commit
    try:
        outcome = ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid", "192.0.2.25")
    except ProcessKilled:
        outcome = "killed"
    assert outcome == "decided"
    [entry] = entries(kf, case_id=case_id, kind="change")
    assert (entry.method, entry.client_address, entry.status) == ("SMTP", "192.0.2.25", None)

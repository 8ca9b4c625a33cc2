"""What nobody foresaw still answers in German and keeps what was typed: an engine error while
completing a task (page and API), and a SQLite database another process keeps locked."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.engine import make_url

from tests.support.app import make_app, settings_for
from tests.support.flows import offered_handover, open_task
from tests.support.pages import CSRF, login, text_of
from workflows.engine import runtime
from workflows.people.accounts import create_api_token

QUESTION = "Welche Werkstatt ist angefragt, Frau Beispiel?"


def broken_engine(*_args, **_kwargs):
    raise OverflowError("date value out of range")


def test_an_engine_error_while_completing_gives_a_german_page_with_the_typed_input(app, kf, as_user, monkeypatch):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    browser = as_user("lwv.fachdienst")
    token = CSRF.search(browser.get(f"/tasks/{task_id}").text).group(1)
    monkeypatch.setattr(runtime, "complete", broken_engine)
    response = browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "decision": "question",
                                                              "question": QUESTION})
    assert response.status_code == 409  # the operations issue's rule: nothing written, an incident, a German message
    page = text_of(response.text)
    assert "fehlgeschlagen" in page and "Störung ist unter Nr." in page and "Internal Server Error" not in page
    assert QUESTION in response.text  # the form again, as typed
    assert 'value="question"' in response.text or "checked" in response.text


def test_an_engine_error_on_the_api_is_a_json_body(app, kf, clock, monkeypatch):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    token = create_api_token(kf.db, clock, "lwv.fachdienst")
    monkeypatch.setattr(runtime, "complete", broken_engine)
    response = app.test_client().post(f"/api/v1/tasks/{task_id}/complete", headers={"Authorization": f"Bearer {token}"},
                                      json={"decision": "question", "question": QUESTION})
    assert response.status_code == 409
    assert "Störung ist unter Nr." in response.get_json()["error"]


@pytest.fixture
def locked_app(sqlite_template, tmp_path, clock):
    url = sqlite_template.create(tmp_path)
    app, kf = make_app(tmp_path, clock, settings_for(url, tmp_path, lock_timeout=0.5))
    yield app, kf, make_url(url).database
    kf.db.dispose()


def test_a_write_that_cannot_get_the_sqlite_lock_says_bitte_erneut_versuchen_and_keeps_the_input(locked_app):
    app, kf, path = locked_app
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    browser = login(app, "lwv.fachdienst")
    token = CSRF.search(browser.get(f"/tasks/{task_id}").text).group(1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        response = browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "decision": "question",
                                                                  "question": QUESTION})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 503
    assert "Bitte erneut versuchen" in text_of(response.text)
    assert QUESTION in response.text
    # and once the lock is gone, sending it again works
    token = CSRF.search(response.text).group(1)
    again = browser.client.post(f"/tasks/{task_id}", data={"csrf_token": token, "decision": "question",
                                                           "question": QUESTION})
    assert again.status_code == 302


def test_an_unforeseen_error_is_an_incident_without_the_exception_text(app, kf, as_user, monkeypatch):
    from sqlalchemy import select

    import service.pages.inbox as inbox_page
    from workflows.store.incidents import REQUEST, Incident

    def broken(*_args, **_kwargs):
        raise RuntimeError("Frau Beispiel, geboren 01.02.2010")

    monkeypatch.setattr(inbox_page, "inbox_page", broken)
    response = as_user("lwv.fachdienst").client.get("/inbox")
    assert response.status_code == 500 and "unerwarteter Fehler" in text_of(response.text)
    with kf.db.transaction() as session:
        [incident] = session.scalars(select(Incident).where(Incident.kind == REQUEST)).all()
        assert incident.exception_class == "RuntimeError" and incident.status == "open"
        assert "Beispiel" not in f"{incident.message} {incident.subject} {incident.element}"

"""The audit log: every read of a case, task, document or export and every change leaves an
entry (who, when, what, from where); the database refuses to change or delete one; admins
search it on the Protokoll page; no person's name reaches the Python log."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from tests.support.api import api_client
from tests.support.approvals import LINK, approval_mail, proposed_takeover, reply
from tests.support.documents import CSV, regional_data_case, upload
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PERSON
from tests.support.pages import CSRF, text_of
from workflows.clock import BERLIN
from workflows.schema import upgrade
from workflows.store.audit_log import AuditLogEntry
from workflows.store.cases import Case
from workflows.store.db import Database


def entries(kf, **where) -> list[AuditLogEntry]:
    with kf.db.transaction() as session:
        query = select(AuditLogEntry).order_by(AuditLogEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditLogEntry, name) == value)
        return list(session.scalars(query))


def case_number(kf, case_id: int) -> str:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).case_number


def test_reads_and_changes_of_a_case_are_recorded_with_who_what_and_where(app, kf, as_user):
    handover = offered_handover(kf)
    number, task_id = case_number(kf, handover), open_task(kf, handover, "review_handover")
    lwv = actor(kf, "lwv.fachdienst").user_id
    browser = as_user("lwv.fachdienst")
    browser.client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    browser.get(f"/cases/{handover}")
    browser.get(f"/tasks/{task_id}")
    browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/claim", status=302)
    browser.get("/figures/export.csv")
    api_client(app, kf, kf.clock, "lwv.fachdienst").get(f"/api/v1/cases/{handover}")

    of_case = [(e.kind, e.actor_id, e.case_number, e.target, e.status) for e in entries(kf, case_id=handover)]
    assert of_case == [
        ("case.read", lwv, number, None, 200),
        ("task.read", lwv, number, f"Aufgabe {task_id}", 200),
        ("task.read", lwv, number, f"Aufgabe {task_id}", 200),  # the page again, for its form
        ("change", lwv, number, f"tasks.claim, Aufgabe {task_id}", None),  # in the claim's transaction
        ("case.read", lwv, number, None, 200),  # through the API
    ]
    [export] = entries(kf, kind="export.csv")
    assert (export.actor_id, export.client_address) == (lwv, "10.1.2.3")
    assert {e.client_address for e in entries(kf, case_id=handover)[:4]} == {"10.1.2.3"}
    assert all(e.at == kf.clock.now() for e in entries(kf, case_id=handover))


def test_a_refused_read_is_recorded_too(kf, as_user):
    handover = offered_handover(kf)
    outsider = as_user("lwv.fb204")
    assert outsider.client.get(f"/cases/{handover}").status_code == 404
    [entry] = entries(kf, case_id=handover, kind="case.read")
    assert (entry.actor_id, entry.status) == (actor(kf, "lwv.fb204").user_id, 404)


def test_a_document_download_and_the_calendar_feed_are_recorded(kf, as_user):
    case_id, fachdienst = regional_data_case(kf), as_user("lwv.fachdienst")
    upload(fachdienst, open_task(kf, case_id, "provide_regional_data"), CSV)
    landkreis = as_user("lk.sozialamt")
    document_link = landkreis.get(f"/cases/{case_id}").text.split('href="/documents/')[1].split('"')[0]
    assert landkreis.client.get(f"/documents/{document_link}").data == CSV
    [download] = entries(kf, kind="document.read")
    assert (download.case_id, download.target, download.actor_id) == (
        case_id, f"Dokument {document_link}", actor(kf, "lk.sozialamt").user_id)
    feed = landkreis.get("/deadlines").text.split("/calendar/")[1].split(".ics")[0]
    assert landkreis.client.get(f"/calendar/{feed}.ics").status_code == 200
    [ical] = entries(kf, kind="export.ical")
    assert ical.actor_id == actor(kf, "lk.sozialamt").user_id
    assert feed not in str([vars(e) for e in entries(kf)])  # the calendar key is no part of the log


@pytest.mark.parametrize("statement", [
    update(AuditLogEntry).values(kind="nothing"),
    delete(AuditLogEntry),
])
def test_the_database_refuses_to_change_or_delete_an_entry(kf, as_user, statement):
    as_user("lwv.fachdienst").get("/figures/export.csv")
    before = [(e.id, e.kind) for e in entries(kf)]
    with pytest.raises(DatabaseError, match="append-only"):
        with kf.db.transaction() as session:
            session.execute(statement)
    assert [(e.id, e.kind) for e in entries(kf)] == before


def test_the_application_code_has_no_path_that_changes_or_deletes_entries():
    root = Path(__file__).resolve().parents[1]
    sources = [p for folder in ("workflows", "service") for p in (root / folder).rglob("*.py")
               if "migrations" not in p.parts]
    writes = [p.name for p in sources for line in p.read_text(encoding="utf-8").splitlines()
              if "AuditLogEntry" in line and any(w in line for w in ("update(", "delete(", ".delete", "merge("))]
    assert writes == []


def search(browser, status: int = 200, **query):
    response = browser.client.get("/admin/audit", query_string=query)
    assert response.status_code == status, text_of(response.text)[:500]
    return response.text


def rows(html: str) -> list[str]:
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return [text_of(row) for row in body.split("</tr>")[:-1]]


def test_admins_search_the_log_by_user_case_kind_and_period(kf, as_user):
    first, second = offered_handover(kf), offered_handover(kf)
    reader = as_user("lwv.fachdienst")
    reader.get(f"/cases/{first}")
    kf.clock.set(datetime(2027, 3, 3, 10, 0, tzinfo=BERLIN))
    reader.get(f"/cases/{second}")
    as_user("lk.sozialamt").get(f"/cases/{second}")
    admin = as_user("admin")

    page = search(admin, username="lwv.fachdienst", kind="case.read")
    assert [r.split(" lwv.fachdienst ")[1].split(" GET")[0] for r in rows(page)] == [
        f"Vorgang gelesen {case_number(kf, second)} –", f"Vorgang gelesen {case_number(kf, first)} –"]
    assert len(rows(search(admin, case_number=case_number(kf, second), kind="case.read"))) == 2
    only_first_day = rows(search(admin, kind="case.read", since="01.03.2027", until="2027-03-01"))
    assert len(only_first_day) == 1 and "01.03.2027" in only_first_day[0]


def test_the_log_is_paged_newest_first(kf, as_user):
    reader = as_user("lwv.fachdienst")
    for _ in range(55):
        reader.get("/figures/export.csv")
    admin = as_user("admin")
    page = search(admin, kind="export.csv")
    assert len(rows(page)) == 50
    older = page.split('href="/admin/audit?')[1].split('"')[0].replace("&amp;", "&")
    assert len(rows(admin.client.get("/admin/audit?" + older).text)) == 5


def test_a_bad_period_is_named_at_its_field_and_the_values_stay(as_user):
    page = search(as_user("admin"), status=422, since="31.02.2027", username="lk.sozialamt")
    assert "„Von“ muss ein Datum im Format TT.MM.JJJJ sein, zum Beispiel 01.03.2027." in text_of(page)
    assert 'href="#field-since"' in page and 'value="lk.sozialamt"' in page


def test_only_admins_see_the_log(as_user):
    assert as_user("lwv.fachdienst").client.get("/admin/audit").status_code == 404


def test_no_persons_name_reaches_the_python_log(app, kf, as_user, caplog):
    caplog.set_level(logging.DEBUG)
    handover = offered_handover(kf)
    browser = as_user("lwv.fachdienst")
    browser.get(f"/cases/{handover}")
    task_id = open_task(kf, handover, "review_handover")
    browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/hand-over", {"colleague": "lwv.fachdienst2"})
    names = [PERSON["last_name"], PERSON["first_name"], "14.05.2008", PERSON["birth_date"]]
    names += [actor(kf, u).display_name for u in ("lwv.fachdienst", "lwv.fachdienst2", "lk.sozialamt")]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records is not None and not [n for n in names if n in logged]


def test_the_database_itself_refuses_to_change_the_log(empty_database_url):
    """The migration's triggers (SQLite and PostgreSQL): UPDATE and DELETE, and on PostgreSQL
    TRUNCATE, are refused even to SQL that bypasses the app."""
    database = Database(empty_database_url)
    upgrade(database)
    statements = ["UPDATE audit_log SET kind = 'x'", "DELETE FROM audit_log"]
    if database.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    try:
        with database.transaction() as session:
            session.execute(text("INSERT INTO audit_log (at, kind) VALUES (CURRENT_TIMESTAMP, 'test')"))
        for statement in statements:
            with pytest.raises(DatabaseError, match="append-only"):
                with database.transaction() as session:
                    session.execute(text(statement))
        with database.transaction() as session:
            assert session.scalar(text("SELECT kind FROM audit_log")) == "test"
    finally:
        database.dispose()


def test_an_exception_in_a_page_is_logged_without_its_message(app, kf, as_user, caplog, monkeypatch):
    """An error's message may quote what was typed; the log keeps its type and where it happened."""
    import service.pages.cases

    def broken(*_args, **_kwargs):
        raise ValueError(f"Ungültiger Wert: {PERSON['last_name']}")

    monkeypatch.setattr(service.pages.cases, "case_view", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    handover = offered_handover(kf)
    with caplog.at_level(logging.ERROR):
        assert as_user("lk.sozialamt").client.get(f"/cases/{handover}").status_code == 500
    logged = caplog.text
    assert "builtins.ValueError" in logged and "in broken" in logged and PERSON["last_name"] not in logged


def test_decisions_by_mailed_link_and_by_reply_are_recorded_with_the_case_not_the_token(app, kf, smtp):
    from service.mail.smtp_in import ReplyHandler

    by_link = proposed_takeover(kf)
    path = LINK.search(approval_mail(app, kf, smtp).get_body(("plain",)).get_content()).group(1)
    client = app.test_client()
    page = client.get(path)
    client.post(path, data={"csrf_token": CSRF.search(page.text).group(1), "decision": "approve"})
    assert [(e.kind, e.method, e.status) for e in entries(kf, case_id=by_link)] == [
        ("approval.read", "GET", 200), ("change", "POST", None)]

    by_reply = proposed_takeover(kf)
    smtp.inbox.messages.clear()
    answer, token = reply(approval_mail(app, kf, smtp), "Ja")
    assert ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid", "192.0.2.25") == "decided"
    [entry] = entries(kf, case_id=by_reply)
    assert (entry.kind, entry.method, entry.client_address) == ("change", "SMTP", "192.0.2.25")
    logged = str([vars(e) for e in entries(kf)])
    assert path.rsplit("/", 1)[1] not in logged and token not in logged

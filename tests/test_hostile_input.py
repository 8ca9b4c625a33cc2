"""Hostile input gets a clear answer, never a server error: numbers beyond the id columns
(and their reads still in the audit log), JSON nested too deep, counts and dates no database
or date arithmetic can hold, mail replies in charsets nobody knows."""
from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from email.utils import parseaddr
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from service.mail.smtp_in import FAILED, ReplyHandler
from tests.support.api import api_client
from tests.support.approvals import approval_mail, proposed_takeover, reply
from tests.support.flows import actor
from tests.support.pages import text_of
from workflows.cases.reply_parsing import decision_of
from workflows.cases.starting import start_case
from workflows.forms import validate_form
from workflows.store.audit_log import AuditLogEntry

HUGE = [2**31, 2**63, 2**64 + 7]


def run_alone(coroutine):
    """Run the receiver's coroutine in its own thread and event loop: a loop an earlier test
    left running in this thread (the browser tests') must not matter."""
    context = contextvars.copy_context()
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(context.run, asyncio.run, coroutine).result()


@pytest.mark.parametrize("number", HUGE)
def test_a_case_number_beyond_the_id_column_is_not_found_and_its_read_is_logged(kf, as_user, number):
    browser = as_user("lk.sozialamt")
    response = browser.client.get(f"/cases/{number}")
    assert response.status_code == 404 and "Nicht gefunden" in response.get_data(as_text=True)
    with kf.db.transaction() as session:
        last = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.id.desc())).first()
    assert (last.kind, last.status) == ("case.read", 404)


def test_the_api_answers_not_found_in_json_for_huge_ids(app, kf):
    api = api_client(app, kf, kf.clock, "lk.sozialamt")
    for url in (f"/api/v1/cases/{2**63}", f"/api/v1/tasks/{2**31}"):
        assert api.get(url, status=404)["error"]


def test_query_arguments_beyond_the_id_columns_are_ignored(as_user):
    admin = as_user("admin")
    for url in (f"/admin/audit?before={2**63}", f"/admin/outbox?before={2**31}", "/admin/audit?before=-5"):
        assert admin.client.get(url).status_code == 200


def test_json_nested_ten_thousand_deep_is_refused_with_a_json_error(app, kf):
    api = api_client(app, kf, kf.clock, "lk.sozialamt")
    task_id = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end",
                         "landkreis-giessen").my_task_id
    for body in ("[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000):
        refused = api.post_raw(f"/api/v1/tasks/{task_id}/complete", body, status=400)
        assert "verschachtelt" in refused["error"]
    # brackets inside strings do not count
    api.post_raw(f"/api/v1/tasks/{task_id}/complete", '{"note": "' + "[" * 500 + '"}', status=422)


def test_counts_beyond_a_sane_maximum_get_a_german_message():
    schema = {"type": "object", "properties": {"count": {"type": "integer", "title": "Anzahl"}}}
    for number in (2**31, 2**63, -(2**40)):
        assert "Anzahl" in validate_form(schema, {"count": number})["count"]
    assert validate_form(schema, {"count": 999_999_999}) == {}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_dates_no_deadline_arithmetic_can_handle_are_refused_with_a_message(day):
    schema = {"type": "object", "properties": {"meeting_date": {"type": "string", "format": "date", "title": "Termin"}}}
    assert validate_form(schema, {"meeting_date": day}) == {
        "meeting_date": "Termin muss zwischen dem 01.01.1900 und dem 31.12.2199 liegen."}


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_protocol_search_refuses_extreme_dates_with_a_message(as_user, day):
    admin = as_user("admin")
    for name in ("since", "until"):
        response = admin.client.get("/admin/audit", query_string={name: day})
        assert response.status_code == 422
        assert "muss zwischen dem 01.01.1900 und dem 31.12.2199 liegen" in text_of(response.get_data(as_text=True))


def raw_reply(original, charset: str) -> bytes:
    answer, token = reply(original, "Ja")
    body = answer.as_bytes().replace(b'charset="utf-8"', f'charset="{charset}"'.encode())
    return body.replace(b"charset=utf-8", f"charset={charset}".encode()), token


def test_a_reply_in_an_unknown_charset_is_read_and_never_crashes_the_receiver(app, kf, smtp):
    proposed_takeover(kf)
    original = approval_mail(app, kf, smtp)
    raw, token = raw_reply(original, "x-unknown-charset")
    message = message_from_bytes(raw, policy=policy.default)
    assert decision_of(message) is True  # read as UTF-8, no exception
    handler = ReplyHandler(app)
    envelope = SimpleNamespace(original_content=raw, content=raw, mail_from="lwv.leitung@demo.invalid",
                               rcpt_tos=[parseaddr(original["Reply-To"])[1]])
    answer = run_alone(handler.handle_DATA(None, SimpleNamespace(peer=("127.0.0.1", 1)), envelope))
    assert answer.startswith("250")


def test_a_failing_reply_answers_a_fixed_text_without_the_exception(app, monkeypatch):
    handler = ReplyHandler(app)
    monkeypatch.setattr(handler, "handle_reply", lambda *a: (_ for _ in ()).throw(RuntimeError("geheimer Pfad")))
    envelope = SimpleNamespace(original_content=b"Subject: x\r\n\r\nJa", content=b"", mail_from="a@b.invalid",
                               rcpt_tos=["approval+x@demo.invalid"])
    answer = run_alone(handler.handle_DATA(None, SimpleNamespace(peer=None), envelope))
    assert answer == FAILED and "geheim" not in answer


def test_kennzahlen_csv_cells_that_look_like_formulas_are_written_as_text():
    from workflows.annual.figures import FigureSeries, figures_csv
    series = FigureSeries("=HYPERLINK(\"http://x\")", "n", "k", "+§ 8", "@SUM(A1)", [("a", "-1+1"), ("b", "Anzahl")],
                          {2027: {"a": -5, "b": "\t=cmd"}})
    rows = [line.split(";") for line in figures_csv([series]).split("\r\n")[1:] if line]
    cells = [cell.strip('"') for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in "=+@\t" or (cell.startswith("-") and cell != "-5")], cells
    assert "-5" in cells  # numbers stay numbers

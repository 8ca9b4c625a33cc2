"""Kündigung (§ 12) through the pages: a lead of either partner prepares it and sees at once
when the agreement would end; both signatories of that partner sign (one is not enough);
the signed letter is uploaded as a PDF; the other partner records the day it arrived, and
that day fixes the end. Then the agreement is "gekündigt zum …" for both partners; after
the end no new case and no annual request starts, while running handovers finish."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.support.agreement_life import (
    PDF,
    agreement,
    at,
    case_of,
    complete,
    link_token,
    notice_received,
    sign_by_link,
    start,
    upload_letter,
)
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CLOSE_LOCAL_JSON, CLOSE_SUPRA_JSON, CONFIRM_JSON, PLANNING_JSON
from tests.support.pages import task_in_inbox
from workflows.agreements.files import load_agreement
from workflows.annual.requests import years_to_open
from workflows.cases.starting import start_case
from workflows.errors import AgreementNotActive
from workflows.store.annual import AnnualCase
from workflows.store.approvals import ApprovalRequest
from workflows.store.cases import Case
from workflows.store.documents import Document
from workflows.store.users import User
from workflows.tasks import complete_task
from workflows.worker import run_once


def test_the_prepare_page_shows_the_end_and_warns_when_30_june_is_a_weekend(kf, as_user):
    lead = as_user("lk.kreisbeigeordnete")
    at(kf, 2024, 5, 10)
    start(lead, "termination")
    assert "Ende, wenn das Schreiben heute (10.05.2024) beim anderen Partner eingeht 31.12.2024" in lead.text
    assert "Letzter Tag des Eingangs für das früheste Ende (31.12.2024) 30.06.2024" in lead.text
    assert "Der 30.06.2024 ist ein Sonntag" in lead.text and "muss vorher zugehen" in lead.text

    at(kf, 2025, 7, 1)  # too late for 2025; 30.06.2026 is a Tuesday: no warning
    lwv = as_user("lwv.leitung")
    start(lwv, "termination")
    assert "Ende, wenn das Schreiben heute (01.07.2025) beim anderen Partner eingeht 31.12.2026" in lwv.text
    assert "Letzter Tag des Eingangs für das früheste Ende (31.12.2026) 30.06.2026" in lwv.text
    assert "Achtung" not in lwv.text


def test_one_signature_is_no_notice_both_are_and_the_receipt_fixes_the_end(app, kf, as_user):
    at(kf, 2025, 6, 20)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    prepare = start(lead, "termination")
    complete(lead, prepare, {"reason": ""}, status=422)
    assert "Bitte geben Sie den Grund der Kündigung an." in lead.text
    complete(lead, prepare, {"reason": "Neuordnung der Zuständigkeiten"})
    case_id = case_of(kf, prepare)

    sign_by_link(app, kf, case_id, "lk.landraetin")
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == "running"
    assert agreement(kf).status == "active"
    with pytest.raises(AssertionError):
        open_task(kf, case_id, "upload_letter")  # one signature alone makes no notice

    sign_by_link(app, kf, case_id, "lk.kreisbeigeordneter-hauptamtlich")
    letter = open_task(kf, case_id, "upload_letter")
    refused = upload_letter(lead, letter, b"\x89PNG\r\n\x1a\n", "Kuendigung.pdf")  # named .pdf, is no PDF
    assert refused.status_code == 422 and "Die Datei ist keine PDF-Datei." in refused.get_data(as_text=True)
    assert upload_letter(lead, letter).status_code == 302
    with kf.db.transaction() as session:
        [document] = session.scalars(select(Document).where(Document.case_id == case_id)).all()
        assert document.media_type == "application/pdf" and len(document.sha256) == 64 and document.size == len(PDF)
    assert agreement(kf).status == "active"  # sent is not received

    at(kf, 2025, 7, 2)
    receipt = task_in_inbox(lwv, "Eingang der Kündigung erfassen", _number(kf, case_id))
    complete(lwv, receipt, {"received_on": "2025-06-30"})

    assert (agreement(kf).status, str(agreement(kf).ends_on)) == ("terminated", "2025-12-31")
    for browser in (lead, lwv):
        browser.get(f"/cases/{case_id}")
        assert "Die Kooperationsvereinbarung ist gekündigt zum 31.12.2025." in browser.text
        assert "Zugang am 30.06.2025 bis zum 30.06.2025: Kündigung wirkt zum 31.12.2025" in browser.text
        browser.get("/agreements/landkreis-giessen")
        assert "Status gekündigt zum 31.12.2025" in browser.text and "Endet mit Ablauf des 31.12.2025" in browser.text


def test_received_on_1_july_the_agreement_ends_a_year_later(app, kf, as_user):
    notice_received(app, kf, as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung"), "2025-07-01")
    assert (agreement(kf).status, str(agreement(kf).ends_on)) == ("terminated", "2026-12-31")
    assert "Zugang am 01.07.2025 nach dem 30.06.2025: Kündigung wirkt zum 31.12.2026" in agreement(kf).end_reason
    lead = as_user("lk.kreisbeigeordnete")  # no second notice; Anpassung and handovers still start
    assert "Kündigung der Kooperationsvereinbarung" not in lead.get("/cases/new").text
    assert "Anpassung der Kooperationsvereinbarung" in lead.text
    with pytest.raises(AgreementNotActive, match="bereits gekündigt zum 31.12.2026"):
        start_case(kf.db, kf.clock, actor(kf, "lwv.leitung"), "termination", "landkreis-giessen")


def test_a_receipt_date_in_the_future_is_refused_at_the_field(app, kf, as_user):
    at(kf, 2025, 6, 20)
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    prepare = start(lead, "termination")
    complete(lead, prepare, {"reason": "Neuordnung"})
    case_id = case_of(kf, prepare)
    for signatory in ("lk.landraetin", "lk.kreisbeigeordneter-hauptamtlich"):
        sign_by_link(app, kf, case_id, signatory)
    upload_letter(lead, open_task(kf, case_id, "upload_letter"))
    complete(lwv, open_task(kf, case_id, "record_receipt"), {"received_on": "2025-06-21"}, status=422)
    assert "Das Eingangsdatum darf nicht in der Zukunft liegen." in lwv.text
    assert agreement(kf).status == "active"


def test_after_the_end_nothing_new_starts_but_a_running_handover_completes(app, kf, as_user):
    sozialamt = as_user("lk.sozialamt")
    notice = notice_received(app, kf, as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung"), "2025-06-30")
    at(kf, 2025, 12, 22)  # gekündigt, not yet ended: cases still start
    running = offered_handover(kf)

    at(kf, 2026, 1, 2)
    run_once(kf.db, kf.clock)

    assert agreement(kf).status == "ended"
    with kf.db.transaction() as session:
        assert session.get(Case, notice).status == "completed"  # too late to withdraw: the step closed
    with kf.db.transaction() as session:
        assert not session.scalars(select(AnnualCase).where(AnnualCase.year == 2026)).all()
    sozialamt.get("/cases/new")
    assert "ist beendet mit Ablauf des 31.12.2025. Unter ihr können keine neuen Vorgänge begonnen werden." in sozialamt.text
    sozialamt.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=422)
    assert "ist beendet mit Ablauf des 31.12.2025" in sozialamt.text

    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, running, "review_handover"), CONFIRM_JSON)
    leitung = actor(kf, "lwv.leitung")
    complete_task(kf.db, kf.clock, leitung, open_task(kf, running, "approve_takeover"), {"decision": "approve"})
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, running, "join_participation_planning"), PLANNING_JSON)
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, running, "close_supra_local"), CLOSE_SUPRA_JSON)
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, running, "close_local"), CLOSE_LOCAL_JSON)
    with kf.db.transaction() as session:
        assert session.get(Case, running).status == "completed"


def test_a_withdrawal_needs_the_other_partners_consent(app, kf, as_user):
    lead, lwv = as_user("lk.kreisbeigeordnete"), as_user("lwv.leitung")
    case_id = notice_received(app, kf, lead, lwv, "2025-07-01")
    complete(lead, open_task(kf, case_id, "request_withdrawal"), {"withdrawal_reason": "Einigung erzielt"})
    assert agreement(kf).status == "terminated"  # asking is not enough
    complete(lwv, open_task(kf, case_id, "consent_withdrawal"), {"consent": "no"})
    assert agreement(kf).status == "terminated"
    complete(lead, open_task(kf, case_id, "request_withdrawal"), {"withdrawal_reason": "Neue Einigung"})
    complete(lwv, open_task(kf, case_id, "consent_withdrawal"), {"consent": "yes"})
    assert (agreement(kf).status, agreement(kf).ends_on) == ("active", None)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == "completed"


def test_the_lwv_may_terminate_too_and_then_the_landkreis_records_the_receipt(app, kf, as_user):
    at(kf, 2025, 3, 3)
    lwv = as_user("lwv.leitung")
    prepare = start(lwv, "termination")
    complete(lwv, prepare, {"reason": "Neuordnung"})
    case_id = case_of(kf, prepare)
    with kf.db.transaction() as session:
        asked = set(session.scalars(select(User.username).join(ApprovalRequest, ApprovalRequest.approver_id == User.id)
                                    .where(ApprovalRequest.case_id == case_id)))
    assert asked == {"lwv.landesdirektorin", "lwv.erster-beigeordneter"}
    for signatory in sorted(asked):
        sign_by_link(app, kf, case_id, signatory)
    upload_letter(lwv, open_task(kf, case_id, "upload_letter"))
    lk = as_user("lk.kreisbeigeordnete")
    task_in_inbox(lk, "Eingang der Kündigung erfassen", _number(kf, case_id))


def _number(kf, case_id: int) -> str:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).case_number


def test_no_annual_request_opens_whose_due_date_lies_after_the_end():
    data = load_agreement("landkreis-giessen").data
    request = {**data["annual_requests"][0], "opens": "12-01", "due": "12-31"}  # 31.12.2028: Sunday → 02.01.2029
    assert years_to_open(request, data, date(2028, 12, 1)) == [2028]
    assert years_to_open(request, data, date(2028, 12, 1), ends_on=date(2028, 12, 31)) == []


def test_the_signatories_link_page_shows_what_they_sign_without_a_login(app, kf, as_user):
    at(kf, 2024, 5, 10)
    lead = as_user("lk.kreisbeigeordnete")
    prepare = start(lead, "termination")
    complete(lead, prepare, {"reason": "Neuordnung der Zuständigkeiten"})
    case_id = case_of(kf, prepare)
    page = app.test_client().get(f"/approvals/{link_token(app, kf, case_id, 'lk.landraetin')}")
    text = " ".join(page.get_data(as_text=True).split())
    assert "Was Sie zeichnen" in text and "Grund der Kündigung</dt><dd>Neuordnung der Zuständigkeiten" in text
    assert "beim anderen Partner eingeht</dt><dd>31.12.2024" in text and "Der 30.06.2024 ist ein Sonntag" in text

"""Meetings of the bodies through the pages: the worker opening this year's first meeting,
uploading minutes with who attended, the mails the invitations became."""
from __future__ import annotations

import io

from sqlalchemy import select

from tests.support.pages import CSRF
from tests.support.smtp import transport_to
from workflows.mail.sending import send_due
from workflows.store.cases import Case
from workflows.store.conferences import ConferenceCase
from workflows.worker import run_once

PDF = b"%PDF-1.4\n% Protokoll\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DATE_FORM = {"meeting_date": "12.05.2027", "start_time": "09:30", "end_time": "12:00",
             "location": "Kassel, Ständeplatz 6, Raum 3"}


def meeting(kf, agreement: str, key: str) -> tuple[int, str]:
    """(case id, case number) of this year's first meeting of a body, opened by the worker."""
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        case_id, number = session.execute(
            select(Case.id, Case.case_number).join(ConferenceCase, ConferenceCase.case_id == Case.id)
            .where(ConferenceCase.agreement_id == agreement, ConferenceCase.conference_key == key)).one()
    return case_id, number


ATTENDANCE = "Sozialamt\nFachdienst für den Landkreis Gießen\nWerkstattrat"


def upload_minutes(browser, task_id: int, held_on: str, attendance: str = ATTENDANCE, status: int = 302):
    page = browser.get(f"/tasks/{task_id}")
    response = browser.client.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": CSRF.search(page.text).group(1), "held_on": held_on, "attendance": attendance,
        "minutes_document_id": (io.BytesIO(PDF), "protokoll.pdf")})
    assert response.status_code == status, response.status_code
    return response


def sent_to(app, kf, smtp) -> dict[str, object]:
    send_due(kf.db, kf.clock, transport_to(app, smtp.port))
    return {rcpts[0]: message for (_, rcpts), message in zip(smtp.inbox.envelopes, smtp.inbox.messages)}

"""Kündigung and Anpassung driven as the people involved would: leads on their pages,
signatories through the page their mailed link opens."""
from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from service.mail.approval_links import make_token
from tests.support.flows import open_task
from tests.support.pages import CSRF, Browser
from workflows.clock import BERLIN
from workflows.store.approvals import ApprovalRequest
from workflows.store.organisation import Agreement
from workflows.store.tasks import HumanTask
from workflows.store.users import User

AGREEMENT = "landkreis-giessen"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
LK_SIGNATORIES = ("lk.landraetin", "lk.kreisbeigeordneter-hauptamtlich")


def at(kf, *day) -> None:
    """Set the clock to 09:00 (Berlin) on that day."""
    kf.clock.set(datetime(*day, 9, 0, tzinfo=BERLIN))


def start(browser: Browser, process_key: str) -> int:
    """Start the process from the Neuer Vorgang page and open its first task; returns the task's id."""
    response = browser.submit("/cases/new", "/cases", {"choice": f"{AGREEMENT}/{process_key}"}, status=302)
    browser.follow(response)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def complete(browser: Browser, task_id: int, data: dict, status: int = 302):
    return browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}", data, status=status)


def link_token(app, kf, case_id: int, username: str) -> str:
    """The token of the link in the signatory's mail about their pending request in the case."""
    with kf.db.transaction() as session:
        request = session.scalar(select(ApprovalRequest).join(User, User.id == ApprovalRequest.approver_id).where(
            ApprovalRequest.case_id == case_id, User.username == username, ApprovalRequest.status == "pending"))
        return make_token(app.config["SECRET_KEY"], kf.clock, request.id, request.nonce)


def sign_by_link(app, kf, case_id: int, username: str, decision: str = "approve"):
    """The signatory opens the link from their mail and decides on that page."""
    token = link_token(app, kf, case_id, username)
    client = app.test_client()
    page = client.get(f"/approvals/{token}")
    form = {"csrf_token": CSRF.search(page.text).group(1), "decision": decision}
    if decision == "reject":
        form["comment"] = "Nicht so."
    response = client.post(f"/approvals/{token}", data=form)
    assert response.status_code == 200, response.status_code


def upload_letter(browser: Browser, task_id: int, content: bytes = PDF, filename: str = "Kuendigung.pdf"):
    page = browser.get(f"/tasks/{task_id}")
    return browser.client.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": CSRF.search(page.text).group(1), "letter_document_id": (io.BytesIO(content), filename)})


def agreement(kf) -> Agreement:
    with kf.db.transaction() as session:
        row = session.get(Agreement, AGREEMENT)
        session.expunge(row)
        return row


def notice_received(app, kf, lead: Browser, other_lead: Browser, received_on: str) -> int:
    """A Kündigung by the Landkreis, signed by both its signatories, sent the day before
    ``received_on`` and recorded by the other partner on that day."""
    day = date.fromisoformat(received_on)
    kf.clock.set(datetime.combine(day - timedelta(days=1), time(9), BERLIN))
    prepare = start(lead, "termination")
    complete(lead, prepare, {"reason": "Neuordnung der Zuständigkeiten"})
    case_id = case_of(kf, prepare)
    for signatory in LK_SIGNATORIES:
        sign_by_link(app, kf, case_id, signatory)
    assert upload_letter(lead, open_task(kf, case_id, "upload_letter")).status_code == 302
    kf.clock.set(datetime.combine(day, time(14), BERLIN))
    complete(other_lead, open_task(kf, case_id, "record_receipt"), {"received_on": received_on})
    return case_id


def case_of(kf, task_id: int) -> int:
    with kf.db.transaction() as session:
        return session.get(HumanTask, task_id).case_id

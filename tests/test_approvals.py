"""The LWV lead approves a takeover the Fachdienst proposes — from a link in a mail (a GET
never decides, the page's POST does), by replying "Ja"/"Nein", or on the task page."""
from __future__ import annotations

from smtplib import SMTP, SMTPRecipientsRefused

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from service.mail.smtp_in import ReplyHandler
from tests.support.approvals import LINK, approval_mail, proposed_takeover, reply
from tests.support.flows import open_task
from tests.support.pages import CSRF, text_of
from tests.support.smtp import free_port
from workflows.store.approvals import ApprovalRequest
from workflows.store.cases import Case
from workflows.store.history import HistoryEvent
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import OPEN, HumanTask


def open_tasks(kf, case_id: int) -> set[str]:
    with kf.db.transaction() as session:
        return set(session.scalars(select(HumanTask.bpmn_id).where(HumanTask.case_id == case_id,
                                                                   HumanTask.state == OPEN)))


def decisions(kf, case_id: int) -> list[dict]:
    with kf.db.transaction() as session:
        return [e.details for e in session.scalars(select(HistoryEvent).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "approval.decided"))]


def test_the_lead_is_asked_by_mail_with_two_links_and_a_reply_address(app, kf, smtp):
    case_id = proposed_takeover(kf)

    mail = approval_mail(app, kf, smtp)

    body = mail.get_body(("plain",)).get_content()
    assert "Genehmigen: http://localhost:5000/approvals/" in body and "?entscheidung=genehmigen" in body
    assert "Ablehnen:   http://localhost:5000/approvals/" in body and "?entscheidung=ablehnen" in body
    assert mail["Reply-To"].startswith("approval+") and mail["Reply-To"].endswith("@localhost")
    assert open_tasks(kf, case_id) == {"approve_takeover"}


def test_opening_the_link_twice_decides_nothing_and_the_post_decides(app, kf, smtp):
    case_id = proposed_takeover(kf)
    path = LINK.search(approval_mail(app, kf, smtp).get_body(("plain",)).get_content()).group(1)
    client = app.test_client()

    first, second = client.get(path + "?entscheidung=genehmigen"), client.get(path)  # a mail scanner, then the lead

    assert first.status_code == second.status_code == 200
    assert "Übernahme genehmigen" in text_of(second.text) and decisions(kf, case_id) == []
    assert "Mustermann" not in second.text  # the page shows no personal data
    response = client.post(path, data={"csrf_token": CSRF.search(second.text).group(1), "decision": "approve"})
    assert response.status_code == 200 and "Ihre Entscheidung ist gespeichert" in text_of(response.text)
    assert decisions(kf, case_id) == [{"approved": True, "channel": "link"}]
    assert {"join_participation_planning", "close_local"} <= open_tasks(kf, case_id)

    replay = client.post(path, data={"csrf_token": CSRF.search(second.text).group(1), "decision": "reject",
                                     "comment": "doch nicht"})
    assert replay.status_code == 409 and "bereits entschieden" in text_of(replay.text)
    assert len(decisions(kf, case_id)) == 1


def test_tampered_and_expired_links_change_nothing(app, kf, smtp):
    case_id = proposed_takeover(kf)
    path = LINK.search(approval_mail(app, kf, smtp).get_body(("plain",)).get_content()).group(1)
    client = app.test_client()

    tampered = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 404 and "ungültig" in text_of(tampered.text)

    kf.clock.advance(days=15)
    expired = client.get(path)
    assert expired.status_code == 410 and "abgelaufen" in text_of(expired.text)
    assert decisions(kf, case_id) == [] and "approve_takeover" in open_tasks(kf, case_id)


def test_reply_ja_approves_and_is_confirmed_by_mail(app, kf, smtp, as_user):
    case_id = proposed_takeover(kf)
    answer, token = reply(approval_mail(app, kf, smtp), "Ja.")

    assert ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid") == "decided"

    assert decisions(kf, case_id) == [{"approved": True, "channel": "reply"}]
    with kf.db.transaction() as session:
        assert session.scalar(select(OutboxMail.subject).where(OutboxMail.kind == "approval.confirmed")).startswith(
            "KoopFlow: Ihre Entscheidung ist eingegangen")
    lead = as_user("lwv.leitung")
    lead.get(f"/cases/{case_id}")
    assert "Übernahme genehmigen – Leonie Leitung hat genehmigt (entschieden per E-Mail-Antwort)." in lead.text
    assert "(entschieden per E-Mail-Antwort). Begründung" not in lead.text  # no comment, no "Begründung"


def test_reply_nein_asks_for_the_reason_and_a_second_reply_with_it_rejects(app, kf, smtp, as_user):
    case_id = proposed_takeover(kf)
    original = approval_mail(app, kf, smtp)
    bare, token = reply(original, "Nein")

    assert ReplyHandler(app).handle_reply(bare, token, "lwv.leitung@demo.invalid") == "reason-needed"
    assert decisions(kf, case_id) == [] and "approve_takeover" in open_tasks(kf, case_id)
    with kf.db.transaction() as session:
        assert session.scalar(select(OutboxMail.subject).where(OutboxMail.kind == "approval.help")).startswith(
            "KoopFlow: Begründung der Ablehnung fehlt")

    with_reason, token = reply(original, "Nein.\nDie Kostenzusage des Trägers fehlt noch.")
    assert ReplyHandler(app).handle_reply(with_reason, token, "lwv.leitung@demo.invalid") == "decided"
    assert decisions(kf, case_id) == [{"approved": False, "channel": "reply",
                                       "comment": "Die Kostenzusage des Trägers fehlt noch."}]
    assert "review_handover" in open_tasks(kf, case_id)
    with kf.db.transaction() as session:
        assert session.scalar(select(ApprovalRequest.comment)) == "Die Kostenzusage des Trägers fehlt noch."
    lead = as_user("lwv.leitung")
    lead.get(f"/cases/{case_id}")
    assert ("Übernahme genehmigen – Leonie Leitung hat abgelehnt (entschieden per E-Mail-Antwort). "
            "Begründung: Die Kostenzusage des Trägers fehlt noch.") in lead.text


@pytest.mark.parametrize("first_line", [
    "Ja, wir lehnen die Übernahme ab", "Nein, genehmigt", "Ja nein", "Ja bitte", "Nicht genehmigt",
    "Genehmigt? Eher nicht", "jawohl", "Ja Ja", "Einverstanden, aber nur mit Auflagen",
])
def test_a_reply_that_is_not_exactly_one_agreed_word_decides_nothing(app, kf, smtp, first_line):
    case_id = proposed_takeover(kf)
    answer, token = reply(approval_mail(app, kf, smtp), first_line)

    assert ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid") == "unclear"
    assert decisions(kf, case_id) == []
    with kf.db.transaction() as session:
        assert session.scalar(select(OutboxMail.kind).where(OutboxMail.kind == "approval.help"))


@pytest.mark.parametrize("first_line", ["Ja", "ja!", "  Genehmigt. ", "\n\nJA", "„Einverstanden“", "- Zustimmung -"])
def test_one_agreed_word_with_trivial_punctuation_approves(app, kf, smtp, first_line):
    case_id = proposed_takeover(kf)
    answer, token = reply(approval_mail(app, kf, smtp), first_line)

    assert ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid") == "decided"
    assert decisions(kf, case_id) == [{"approved": True, "channel": "reply"}]


def test_unclear_reply_gets_an_explanation_and_decides_nothing(app, kf, smtp):
    case_id = proposed_takeover(kf)
    answer, token = reply(approval_mail(app, kf, smtp), "Vielleicht, ich rufe an.")

    assert ReplyHandler(app).handle_reply(answer, token, "lwv.leitung@demo.invalid") == "unclear"

    assert decisions(kf, case_id) == []
    with kf.db.transaction() as session:
        assert session.scalar(select(OutboxMail.to_address).where(OutboxMail.kind == "approval.help")) == \
            "lwv.leitung@demo.invalid"


def test_auto_replies_and_foreign_senders_are_ignored_and_never_answered(app, kf, smtp):
    case_id = proposed_takeover(kf)
    original = approval_mail(app, kf, smtp)
    vacation, token = reply(original, "Ja", Auto_Submitted="auto-replied")
    foreign, _ = reply(original, "Ja", sender="someone@elsewhere.test")

    assert ReplyHandler(app).handle_reply(vacation, token, "lwv.leitung@demo.invalid") == "ignored-auto"
    assert ReplyHandler(app).handle_reply(foreign, token, "someone@elsewhere.test") == "ignored-foreign"

    assert decisions(kf, case_id) == []
    with kf.db.transaction() as session:
        kinds = set(session.scalars(select(OutboxMail.kind)))
    assert "approval.help" not in kinds and "approval.confirmed" not in kinds


def test_on_the_task_page_only_the_asked_lead_decides_and_a_rejection_needs_a_reason(kf, as_user):
    case_id = proposed_takeover(kf)
    task = open_task(kf, case_id, "approve_takeover")
    lead = as_user("lwv.leitung")

    lead.submit(f"/tasks/{task}", f"/tasks/{task}", {"decision": "reject"}, status=422)
    assert "Bitte begründen Sie die Ablehnung." in lead.text
    lead.submit(f"/tasks/{task}", f"/tasks/{task}", {"decision": "reject", "comment": "Gutachten fehlt"}, status=302)

    assert decisions(kf, case_id) == [{"approved": False, "channel": "page", "comment": "Gutachten fehlt"}]
    assert "review_handover" in open_tasks(kf, case_id)
    lead.get(f"/cases/{case_id}")
    assert ("Übernahme genehmigen – Leonie Leitung hat abgelehnt (entschieden auf der Aufgabenseite). "
            "Begründung: Gutachten fehlt") in lead.text


def test_the_lead_sees_what_is_approved_on_the_task_page_and_the_mail_and_link_only_date_and_case(app, kf, smtp,
                                                                                                   as_user):
    case_id = proposed_takeover(kf)  # the Fachdienst proposed: from 01.08.2027, vocational participation yes
    with kf.db.transaction() as session:
        number = session.get(Case, case_id).case_number
    lead = as_user("lwv.leitung")

    lead.get(f"/tasks/{open_task(kf, case_id, 'approve_takeover')}")

    assert f"Was Sie genehmigen Übernahme zum 01.08.2027 im Vorgang {number}" in lead.text
    assert "Vorschlag des Fachdienstes Übernahme bestätigen" in lead.text
    assert "Berufliche Teilhabe kommt in Frage ja" in lead.text
    mail = approval_mail(app, kf, smtp)
    assert f"Worum es geht: Übernahme zum 01.08.2027 im Vorgang {number}" in mail.get_body(("plain",)).get_content()
    link_page = app.test_client().get(LINK.search(mail.get_body(("plain",)).get_content()).group(1))
    assert f"Übernahme zum 01.08.2027 im Vorgang {number}" in text_of(link_page.text)
    assert "Berufliche Teilhabe kommt in Frage" not in text_of(link_page.text)  # details only behind the login


def test_a_reply_sent_over_smtp_to_the_mail_in_receiver_decides(app, kf, smtp):
    case_id = proposed_takeover(kf)
    answer, _token = reply(approval_mail(app, kf, smtp), "Genehmigt")
    port = free_port()
    receiver = Controller(ReplyHandler(app), hostname="127.0.0.1", port=port)
    receiver.start()
    try:
        with SMTP("127.0.0.1", port) as client:
            with pytest.raises(SMTPRecipientsRefused):  # only approval+<token> addresses are taken
                client.sendmail("lwv.leitung@demo.invalid", ["someone@localhost"], answer.as_bytes())
            client.send_message(answer, from_addr="lwv.leitung@demo.invalid", to_addrs=[answer["To"]])
    finally:
        receiver.stop()

    assert decisions(kf, case_id) == [{"approved": True, "channel": "reply"}]
    assert {"join_participation_planning", "close_local"} <= open_tasks(kf, case_id)

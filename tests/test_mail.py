"""Mail through the outbox to a real SMTP server on loopback: who gets what, what is in it
(and what never is), and that a mail waits while SMTP is down and then arrives once."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PERSON
from tests.support.smtp import SmtpServer, free_port, text_of, transport_to
from workflows.mail.sending import send_due
from workflows.people.accounts import set_mail_preference
from workflows.store.outbox import OutboxMail
from workflows.tasks import claim_task, hand_over_task
from workflows.worker import run_once


def test_a_new_review_mails_the_lwv_group_and_not_the_landkreis(app, kf, smtp):
    case_id = offered_handover(kf)

    result = send_due(kf.db, kf.clock, transport_to(app, smtp.port))

    recipients = sorted(r for _, rcpts in smtp.inbox.envelopes for r in rcpts)
    assert recipients == ["lwv.fachdienst2@demo.invalid", "lwv.fachdienst@demo.invalid"]
    assert result.sent == 2
    message = smtp.inbox.messages[0]
    review = open_task(kf, case_id, "review_handover")
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith("KoopFlow: Übergabe prüfen – GI-2027-")
    assert "Aufgabe:  Übergabe prüfen" in body and "Frist:    15.03.2027" in body
    assert f"http://localhost:5000/tasks/{review}" in body  # a working link, with the base URL
    assert message.get_body(("html",)) is not None
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] and message["Date"]
    assert PERSON["last_name"] not in text_of(message) and "14.05.2008" not in text_of(message)


def test_links_in_mails_open_the_task_for_its_recipient(app, kf, smtp, as_user):
    case_id = offered_handover(kf)
    send_due(kf.db, kf.clock, transport_to(app, smtp.port))
    body = smtp.inbox.messages[0].get_body(("plain",)).get_content()
    path = body.split("http://localhost:5000", 1)[1].split()[0]

    browser = as_user("lwv.fachdienst")
    browser.get(path)

    assert "Übergabe prüfen" in browser.text and str(open_task(kf, case_id, "review_handover")) in path


def test_mails_wait_while_smtp_is_down_and_arrive_once_when_it_is_back(app, kf):
    offered_handover(kf)
    port = free_port()  # nothing listens here yet

    down = send_due(kf.db, kf.clock, transport_to(app, port))
    assert down.sent == 0 and down.failed == 2
    with kf.db.transaction() as session:
        waiting = session.scalars(select(OutboxMail)).all()
        assert {m.status for m in waiting} == {"pending"} and {m.attempts for m in waiting} == {1}

    server = SmtpServer(port).start()
    try:
        assert send_due(kf.db, kf.clock, transport_to(app, port)).sent == 0  # backing off
        kf.clock.advance(minutes=1, seconds=1)
        assert send_due(kf.db, kf.clock, transport_to(app, port)).sent == 2
        kf.clock.advance(hours=1)
        assert send_due(kf.db, kf.clock, transport_to(app, port)).sent == 0
    finally:
        server.stop()
    assert len(server.inbox.messages) == 2
    assert len({m["Message-ID"] for m in server.inbox.messages}) == 2


def test_the_starter_is_not_mailed_about_their_own_first_task(kf):
    from workflows.cases.starting import start_case

    start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")

    with kf.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_who_chose_no_mails_gets_none_and_a_hand_over_mails_the_colleague(kf):
    set_mail_preference(kf.db, actor(kf, "lwv.fachdienst2").user_id, "none")
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea = actor(kf, "lwv.fachdienst")
    claim_task(kf.db, kf.clock, lea, review)

    hand_over_task(kf.db, kf.clock, lea, review, "lwv.fachdienst2")

    with kf.db.transaction() as session:
        mails = [(m.to_address, m.kind) for m in session.scalars(select(OutboxMail).order_by(OutboxMail.id))]
    assert mails == [("lwv.fachdienst@demo.invalid", "task.new"), ("lwv.fachdienst2@demo.invalid", "task.assigned")]


def test_digest_users_get_one_mail_a_day_listing_new_tasks(kf):
    for username in ("lwv.fachdienst", "lwv.fachdienst2"):
        set_mail_preference(kf.db, actor(kf, username).user_id, "digest")
    offered_handover(kf)
    offered_handover(kf)

    kf.clock.advance(days=1)  # 02.03.2027, 09:00
    run_once(kf.db, kf.clock)
    run_once(kf.db, kf.clock)  # a restarted worker the same day

    with kf.db.transaction() as session:
        digests = session.scalars(select(OutboxMail).where(OutboxMail.kind == "task.digest")).all()
    assert sorted(m.to_address for m in digests) == ["lwv.fachdienst2@demo.invalid", "lwv.fachdienst@demo.invalid"]
    # and the year's Kooperationskonferenz, managed by the LWV in 2027, waits for a date
    assert digests[0].subject == "KoopFlow: 3 neue Aufgaben"
    assert digests[0].text_body.count("Übergabe prüfen") == 2
    assert digests[0].text_body.count("Termin festlegen und einladen") == 1


def test_reminders_go_by_mail_to_the_group(kf):
    case_id = offered_handover(kf)
    kf.clock.advance(days=14, hours=1)  # 15.03.2027, 10:00: the tenth working day

    run_once(kf.db, kf.clock)

    with kf.db.transaction() as session:
        reminders = session.scalars(select(OutboxMail).where(OutboxMail.kind == "case.reminder",
                                                             OutboxMail.case_id == case_id)).all()
    assert sorted(m.to_address for m in reminders) == ["lwv.fachdienst2@demo.invalid", "lwv.fachdienst@demo.invalid"]
    assert "Erinnerung" in reminders[0].subject


def test_the_postausgang_shows_mails_to_admins_only(kf, as_user):
    offered_handover(kf)
    admin = as_user("admin")
    admin.get("/admin/outbox")
    assert "KoopFlow: Übergabe prüfen" in admin.text

    with kf.db.transaction() as session:
        mail_id = session.scalar(select(OutboxMail.id).limit(1))
    admin.get(f"/admin/outbox/{mail_id}")
    assert "http://localhost:5000/tasks/" in admin.text
    as_user("lwv.fachdienst").get("/admin/outbox", status=404)


def test_a_sent_mail_keeps_recipient_subject_and_times_but_not_its_text(app, kf, smtp, as_user):
    offered_handover(kf)
    send_due(kf.db, kf.clock, transport_to(app, smtp.port))
    with kf.db.transaction() as session:
        sent = session.scalars(select(OutboxMail)).all()
        assert {m.status for m in sent} == {"sent"}
        assert {(m.text_body, m.html_body) for m in sent} == {("", "")}
        mail_id, subject, message_id = sent[0].id, sent[0].subject, sent[0].message_id
    assert smtp.inbox.messages[0].get_body(("plain",)).get_content()  # the recipient has the text

    admin = as_user("admin")
    admin.get("/admin/outbox")
    assert subject in admin.text and "gesendet" in admin.text
    admin.get(f"/admin/outbox/{mail_id}")
    assert message_id in admin.text and "Der Text wird nach dem Versand nicht aufbewahrt" in admin.text

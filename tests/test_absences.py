"""Continuity and Vertretung: a case's next task goes to whoever of the group worked on it (only
they are mailed), to their deputy while they are away; a task someone else claimed shows a
banner and no form, and only their deputy or the group's lead (with a reason) can take it."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from workflows.cases.inbox import InboxFilter, inbox_page
from workflows.clock import berlin_date
from workflows.people.absences import record_absence
from workflows.store.history import HistoryEvent
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import HumanTask
from workflows.store.users import Membership, User, user_by_username
from workflows.tasks import claim_task, complete_task


def mails_since(kf, last_id: int) -> list[tuple[str, str]]:
    with kf.db.transaction() as session:
        return [(m.to_address.split("@")[0], m.kind) for m in session.scalars(
            select(OutboxMail).where(OutboxMail.id > last_id, OutboxMail.kind.like("task.%")).order_by(OutboxMail.id))]


def last_mail(kf) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(OutboxMail.id).order_by(OutboxMail.id.desc()).limit(1)) or 0


def assignee_of(kf, task_id: int) -> str | None:
    with kf.db.transaction() as session:
        task = session.get(HumanTask, task_id)
        return session.get(User, task.assignee_id).username if task.assignee_id else None


def test_each_round_goes_to_the_person_who_worked_on_the_case_and_only_they_are_mailed(kf):
    before = last_mail(kf)
    case_id = offered_handover(kf)  # Sina prepared it; nobody of the LWV has worked on it yet
    assert sorted(mails_since(kf, before)) == [("lwv.fachdienst", "task.new"), ("lwv.fachdienst2", "task.new")]
    review = open_task(kf, case_id, "review_handover")
    assert assignee_of(kf, review) is None

    before = last_mail(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review, question("Gesamtplan?"))
    answer = open_task(kf, case_id, "answer_question")
    assert assignee_of(kf, answer) == "lk.sozialamt"
    assert mails_since(kf, before) == [("lk.sozialamt", "task.assigned")]

    before = last_mail(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), answer, {"answer": "Liegt bei."})
    assert assignee_of(kf, open_task(kf, case_id, "review_handover")) == "lwv.fachdienst"
    assert mails_since(kf, before) == [("lwv.fachdienst", "task.assigned")]


def test_while_away_new_tasks_go_to_the_deputy_who_also_sees_the_claimed_ones(kf, as_user):
    claimed_case, next_case = offered_handover(kf), offered_handover(kf)
    lea, lars = actor(kf, "lwv.fachdienst"), actor(kf, "lwv.fachdienst2")
    claimed = open_task(kf, claimed_case, "review_handover")
    claim_task(kf.db, kf.clock, lea, claimed)
    complete_task(kf.db, kf.clock, lea, open_task(kf, next_case, "review_handover"), question("Bescheid?"))
    today = berlin_date(kf.clock.now())
    record_absence(kf.db, kf.clock, lea, today, today + timedelta(days=4), "lwv.fachdienst2")

    before = last_mail(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, next_case, "answer_question"),
                  {"answer": "Kommt."})

    assert assignee_of(kf, open_task(kf, next_case, "review_handover")) == "lwv.fachdienst2"
    assert mails_since(kf, before) == [("lwv.fachdienst2", "task.assigned")]  # the deputy is told, not Lea
    mine = inbox_page(kf.db, lars, filters=InboxFilter(scope="mine"), today=today).rows
    assert claimed in [r.task_id for r in mine]
    browser = as_user("lwv.fachdienst2")
    browser.get(f"/tasks/{claimed}")
    assert "Diese Aufgabe bearbeitet Lea Fachdienst" in browser.text
    assert "Absenden und Aufgabe abschließen" not in browser.text
    browser.follow(browser.submit(f"/tasks/{claimed}", f"/tasks/{claimed}/take-over", {}, status=302))
    assert assignee_of(kf, claimed) == "lwv.fachdienst2"
    assert "Absenden und Aufgabe abschließen" in browser.text


def test_a_colleague_who_is_no_deputy_sees_the_banner_and_cannot_take_the_task(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review)

    browser = as_user("lwv.fachdienst2")
    browser.get(f"/tasks/{review}")
    assert "Diese Aufgabe bearbeitet Lea Fachdienst" in browser.text
    assert "Aufgabe übernehmen" not in browser.text and "<textarea" not in browser.page.text
    browser.follow(browser.submit(f"/tasks/{review}", f"/tasks/{review}/take-over", {"reason": "x"}, status=302))
    assert "Übernehmen können sie nur die Vertretung" in browser.text
    assert assignee_of(kf, review) == "lwv.fachdienst"


def test_the_groups_lead_takes_a_claimed_task_only_with_a_reason(kf, as_user):
    with kf.db.transaction() as session:
        lars = user_by_username(session, "lwv.fachdienst2")
        session.scalar(select(Membership).where(Membership.user_id == lars.id)).is_lead = True
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review)
    browser = as_user("lwv.fachdienst2")

    browser.follow(browser.submit(f"/tasks/{review}", f"/tasks/{review}/take-over", {"reason": " "}, status=302))
    assert "Bitte geben Sie an, warum" in browser.text and assignee_of(kf, review) == "lwv.fachdienst"
    browser.submit(f"/tasks/{review}", f"/tasks/{review}/take-over", {"reason": "Frau Fachdienst ist erkrankt."},
                   status=302)

    assert assignee_of(kf, review) == "lwv.fachdienst2"
    with kf.db.transaction() as session:
        event = session.scalar(select(HistoryEvent).where(HistoryEvent.kind == "task.taken_over"))
    assert event.details["reason"] == "Frau Fachdienst ist erkrankt." and event.details["from"] == "Lea Fachdienst"


def test_an_absence_needs_a_deputy_of_the_group_and_a_sensible_period(as_user):
    browser = as_user("lwv.fachdienst")
    response = browser.submit("/absences", "/absences", {"starts_on": "2027-03-10", "ends_on": "2027-03-05",
                                                         "deputy": "lk.sozialamt"}, status=422)
    assert "Das Ende der Abwesenheit muss am oder nach ihrem Beginn liegen." in response.text
    assert "Bitte wählen Sie aus, wer Sie vertritt." in response.text
    browser.submit("/absences", "/absences", {"starts_on": "01.03.2027", "ends_on": "2027-03-05",
                                              "deputy": "lwv.fachdienst2"}, status=302)
    browser.get("/absences")
    assert "01.03.2027 bis 05.03.2027, Vertretung: Lars Fachdienst" in browser.text

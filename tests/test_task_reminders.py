"""Every waiting task is reminded and escalated from agreement data — one mechanism for every
diagram (workflows/cases/reminders.py): the Rückfrage answer, approvals, receipts, meeting
steps, closing steps … by kind, with defaults; an Anpassung changes the days."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select, text

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON
from workflows.agreements.files import load_agreement, value_problems
from workflows.cases import reminders
from workflows.cases.administration import resume_case, suspend_case
from workflows.clock import BERLIN
from workflows.store.agreement_versions import AgreementVersion
from workflows.store.history import HistoryEvent
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import HumanTask
from workflows.store.users import User
from workflows.tasks import complete_task
from workflows.worker import run_once


def asked_back(kf) -> tuple[int, int]:
    """A handover the LWV asked back about on Monday 01.03.2027: (case, the Rückfrage answer task)."""
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "question", "question": "Bitte den Gesamtplan nachreichen."})
    return case_id, open_task(kf, case_id, "answer_question")


def chase_mails(kf, case_id: int) -> list[tuple[str, str]]:
    """(kind, recipient username) of the task reminders and escalations of a case, in order."""
    with kf.db.transaction() as session:
        mails = session.scalars(select(OutboxMail).where(OutboxMail.case_id == case_id,
                                                         OutboxMail.kind.in_(["task.reminder", "task.escalation"]))
                                .order_by(OutboxMail.id)).all()
        return [(m.kind, session.get(User, m.recipient_user_id).username) for m in mails]


def on(clock, day: int, month: int = 3) -> None:
    clock.set(datetime(2027, month, day, 7, 0, tzinfo=BERLIN))


def test_an_unanswered_rueckfrage_is_reminded_then_escalated_to_the_landkreis_lead_once_each(kf, clock, as_user):
    case_id, answer = asked_back(kf)
    with kf.db.transaction() as session:
        task = session.get(HumanTask, answer)
        # Gießen: handover_answer reminded after 10, escalated after 15 working days
        assert (task.remind_on, task.escalate_on) == (date(2027, 3, 15), date(2027, 3, 22))
    on(clock, 12)
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, case_id) == []  # not yet
    on(clock, 15)
    run_once(kf.db, kf.clock)
    run_once(kf.db, kf.clock)  # once, not every round
    assert chase_mails(kf, case_id) == [("task.reminder", "lk.sozialamt")]  # who worked on the case has it
    sozialamt = as_user("lk.sozialamt")
    sozialamt.get(f"/tasks/{answer}")
    assert "Erinnerung" in sozialamt.text and "versandt 15.03.2027" in sozialamt.text
    assert "Eskalation an die Leitung" in sozialamt.text and "am 22.03.2027" in sozialamt.text
    on(clock, 22)
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, case_id)[1:] == [("task.escalation", "lk.kreisbeigeordnete")]
    sozialamt.get(f"/cases/{case_id}")
    assert "Erinnerung: Aufgabe wartet noch" in sozialamt.text
    assert "Eskalation an die Leitung: Aufgabe wartet zu lange" in sozialamt.text
    with kf.db.transaction() as session:
        mail = session.scalars(select(OutboxMail).where(OutboxMail.case_id == case_id,
                                                        OutboxMail.kind == "task.escalation")).one()
        assert "Rückfrage beantworten" in mail.subject and f"/tasks/{answer}" in mail.text_body


def test_a_task_done_in_time_is_never_chased(kf, clock):
    case_id, answer = asked_back(kf)
    on(clock, 10)
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), answer, {"answer": "Gesamtplan anbei."})
    on(clock, 30)
    run_once(kf.db, kf.clock)
    assert ("task.reminder", "lk.sozialamt") not in chase_mails(kf, case_id)
    with kf.db.transaction() as session:
        assert session.get(HumanTask, answer).reminded_at is None


def test_the_approval_of_a_takeover_is_reminded_and_escalated_on_its_own_days(kf, clock):
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  CONFIRM_JSON)
    with kf.db.transaction() as session:
        approval = session.get(HumanTask, open_task(kf, case_id, "approve_takeover"))
        # handover_approval: due after 5, reminded after 4, escalated after 6 working days
        assert (approval.due_on, approval.remind_on, approval.escalate_on) == (
            date(2027, 3, 8), date(2027, 3, 5), date(2027, 3, 9))
    on(clock, 9)
    run_once(kf.db, kf.clock)
    kinds = [kind for kind, _ in chase_mails(kf, case_id)]
    assert kinds.count("task.reminder") >= 1 and kinds.count("task.escalation") >= 1


def test_a_step_the_diagram_chases_with_its_own_timers_is_not_reminded_twice(kf, clock, as_user):
    case_id = offered_handover(kf)  # the LWV's first review: § 8 a timers on the diagram
    review = open_task(kf, case_id, "review_handover")
    on(clock, 1, month=5)
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, case_id) == []
    with kf.db.transaction() as session:
        task = session.get(HumanTask, review)
        assert task.chased_by_diagram and task.remind_on is None
        assert session.scalar(select(HistoryEvent.id).where(HistoryEvent.case_id == case_id,
                                                            HistoryEvent.kind == "case.escalation")) is not None
    fachdienst = as_user("lwv.fachdienst")
    fachdienst.get(f"/tasks/{review}")
    assert "nach dem Ablauf im Diagramm" in fachdienst.text


def test_a_suspended_case_is_not_chased_until_it_is_resumed(kf, clock):
    case_id, answer = asked_back(kf)
    suspend_case(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), case_id, "Klärung mit der Familie")
    on(clock, 16)
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, case_id) == []
    resume_case(kf.db, kf.clock, actor(kf, "lk.kreisbeigeordnete"), case_id, "geklärt")
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, case_id) == [("task.reminder", "lk.sozialamt")]


def test_tasks_from_before_are_planned_from_the_day_they_opened(kf, clock):
    case_id, answer = asked_back(kf)
    with kf.db.transaction() as session:
        session.execute(text("UPDATE human_tasks SET chased_by_diagram = NULL, remind_on = NULL, "
                             "escalate_on = NULL WHERE id = :t"), {"t": answer})
    on(clock, 16)
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        task = session.get(HumanTask, answer)
        assert (task.chased_by_diagram, task.remind_on, task.escalate_on) == (False, date(2027, 3, 15),
                                                                               date(2027, 3, 22))
    assert chase_mails(kf, case_id) == [("task.reminder", "lk.sozialamt")]


def test_an_amendment_changes_the_days_for_the_cases_that_run_under_it(kf, clock):
    with kf.db.transaction() as session:
        data = load_agreement("landkreis-giessen").data
        amended = {**data, "task_reminders": {**data["task_reminders"],
                                              "handover_answer": {"reminder": 3, "escalation": 4}}}
        session.add(AgreementVersion(agreement_id="landkreis-giessen", number=2, origin="amendment", data=amended,
                                     content_hash="test", effective_on=date(2027, 3, 1),
                                     created_at=kf.clock.now()))
    run_once(kf.db, kf.clock)  # the version comes into effect
    case_id, answer = asked_back(kf)
    with kf.db.transaction() as session:
        task = session.get(HumanTask, answer)
        assert (task.remind_on, task.escalate_on) == (date(2027, 3, 4), date(2027, 3, 5))


def test_one_task_that_cannot_be_chased_does_not_stop_the_others(kf, clock, monkeypatch):
    first_case, first = asked_back(kf)
    second_case, second = asked_back(kf)
    real = reminders._reminded

    def broken(session, task, today):
        if task.id == first:
            raise RuntimeError("broken")
        return real(session, task, today)

    monkeypatch.setattr(reminders, "_reminded", broken)
    on(clock, 15)
    run_once(kf.db, kf.clock)
    assert chase_mails(kf, first_case) == []
    assert chase_mails(kf, second_case) == [("task.reminder", "lk.sozialamt")]
    with kf.db.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM incidents WHERE subject = :s AND status = 'open'"),
                               {"s": f"task_reminder:{first}"}).scalar() == 1


@pytest.mark.parametrize(("days", "message"), [
    ({"task_reminders": {"consent": {"reminder": 10, "escalation": 10}}},
     "task_reminders/consent/escalation: muss nach der Erinnerung kommen (mehr Arbeitstage als reminder: 10)."),
    ({"escalation_roles": {"lwv-hessen": "no_such_role"}},
     "escalation_roles/lwv-hessen: die Rolle no_such_role steht nicht unter roles."),
    ({"escalation_roles": {"landkreis-marburg": "local_lead"}},
     "escalation_roles/landkreis-marburg: ist kein Partner der Vereinbarung."),
])
def test_agreement_data_that_would_chase_wrongly_is_refused(days, message):
    data = {**load_agreement("landkreis-giessen").data, **days}
    assert message in value_problems(data).values()

"""One broken case never stops the rest: it becomes an incident (Störung) an operator can act on.

The worker's round runs each case's timers, each agreement's openings and each deletion in
its own transaction and error boundary; a failure is recorded (kind, case, element, when,
exception class, a message without personal data, attempts, next attempt) and the round goes
on. Retries back off; after MAX_ATTEMPTS the case is "gestört" and waits for an administrator.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from service.cli.commands import main
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON, PERSON
from tests.support.smtp import transport_to
from workflows.clock import BERLIN
from workflows.errors import StepFailed
from workflows.incidents import list_incidents, resolve_incident, retry_incident
from workflows.store.audit_log import AuditLogEntry
from workflows.store.cases import Case
from workflows.store.history import HistoryEvent
from workflows.store.incidents import MAX_ATTEMPTS, TASK_COMPLETION, TIMER, Incident
from workflows.store.outbox import PENDING, OutboxMail
from workflows.store.tasks import OPEN, HumanTask
from workflows.tasks import complete_task
from workflows.worker import run_once

BROKEN = b'{"this is": "not a workflow"'


def at(day: str, time: str = "08:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BERLIN)


def reminders(kf, case_id: int) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(func.count(HistoryEvent.id)).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "case.reminder"))


def break_state(kf, case_id: int) -> bytes:
    """The case's stored instance made unreadable, as a damaged row or an old format would be."""
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        original, case.state = case.state, BROKEN
        return original


def open_incidents(kf) -> list[Incident]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(Incident).where(Incident.status == "open").order_by(Incident.id)))


def pending_mails(kf) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.status == PENDING))


def test_a_broken_case_among_many_lets_every_other_timer_fire_and_every_mail_go(app, kf, smtp):
    # Given five handovers waiting for their reminder on 15.03.2027, the third one broken
    cases = [offered_handover(kf) for _ in range(5)]
    poisoned = cases[2]
    original = break_state(kf, poisoned)
    transport = transport_to(app, smtp.port)

    # When the worker runs on the day the reminders are due
    kf.clock.set(at("2027-03-15"))
    result = run_once(kf.db, kf.clock, transport)

    # Then every other case was reminded, every mail sent, and the broken case is an incident
    assert [reminders(kf, c) for c in cases] == [1, 1, 0, 1, 1]
    assert result.timers_fired == 4
    assert result.mails_sent > 0 and pending_mails(kf) == 0
    [incident] = open_incidents(kf)
    with kf.db.transaction() as session:
        number = session.get(Case, poisoned).case_number
    assert (incident.kind, incident.case_id, incident.attempts) == (TIMER, poisoned, 1)
    assert incident.exception_class and incident.next_attempt_at > kf.clock.now()
    assert PERSON["last_name"] not in incident.message
    [row] = list_incidents(kf.db, actor(kf, "admin"))
    assert row.case_number == number

    # A round right after does not hammer it; once its pause is over it is tried again
    run_once(kf.db, kf.clock, transport)
    assert open_incidents(kf)[0].attempts == 1
    kf.clock.set(at("2027-03-15", "08:06"))
    run_once(kf.db, kf.clock, transport)
    assert open_incidents(kf)[0].attempts == 2

    # When the cause is fixed and an administrator retries, the timer fires and the incident is closed
    with kf.db.transaction() as session:
        session.get(Case, poisoned).state = original
    retry_incident(kf.db, kf.clock, actor(kf, "admin"), incident.id)
    run_once(kf.db, kf.clock, transport)
    assert reminders(kf, poisoned) == 1
    assert open_incidents(kf) == []
    with kf.db.transaction() as session:
        assert session.get(Incident, incident.id).resolution == "succeeded"
        assert session.scalar(select(AuditLogEntry.kind).where(AuditLogEntry.case_number == number,
                                                               AuditLogEntry.kind == "incident.retried"))
    assert [reminders(kf, c) for c in cases] == [1, 1, 1, 1, 1]  # nothing fired twice


def test_after_the_last_attempt_the_case_is_left_alone_until_an_administrator_acts(kf):
    case_id = offered_handover(kf)
    break_state(kf, case_id)
    moment = at("2027-03-15")
    for _ in range(MAX_ATTEMPTS + 2):
        kf.clock.set(moment)
        run_once(kf.db, kf.clock)
        moment += timedelta(hours=7)  # longer than the longest pause
    [incident] = open_incidents(kf)
    assert incident.attempts == MAX_ATTEMPTS and incident.gave_up and incident.next_attempt_at is None
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).next_timer_due is None

    # Resolving it (the administrator dealt with it otherwise) is logged and lets the worker look again
    resolve_incident(kf.db, kf.clock, actor(kf, "admin"), incident.id)
    assert open_incidents(kf) == []
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).next_timer_due is not None
        assert session.scalar(select(AuditLogEntry.kind).where(AuditLogEntry.kind == "incident.resolved"))


def test_only_administrators_see_incidents(kf):
    from workflows.errors import NotFound

    with pytest.raises(NotFound):
        list_incidents(kf.db, actor(kf, "lk.sozialamt"))


def test_a_completion_whose_engine_step_raises_writes_nothing_and_records_an_incident(kf, monkeypatch):
    case_id = offered_handover(kf)
    task_id = open_task(kf, case_id, "review_handover")
    with kf.db.transaction() as session:
        version, history = session.get(Case, case_id).version, session.scalar(
            select(func.count(HistoryEvent.id)).where(HistoryEvent.case_id == case_id))

    def broken_step(*_args, **_kwargs):
        raise KeyError(PERSON["last_name"])  # an engine error quoting entered data

    monkeypatch.setattr("workflows.tasks.runtime.complete", broken_step)
    with pytest.raises(StepFailed) as raised:
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task_id, CONFIRM_JSON)
    assert "nicht gespeichert" in raised.value.message

    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).state == OPEN
        assert session.get(Case, case_id).version == version
        assert session.scalar(select(func.count(HistoryEvent.id)).where(HistoryEvent.case_id == case_id)) == history
    [incident] = open_incidents(kf)
    assert (incident.kind, incident.case_id, incident.exception_class) == (TASK_COMPLETION, case_id, "KeyError")
    assert PERSON["last_name"] not in incident.message
    assert f"Nr. {incident.id}" in raised.value.message

    # Once the step works again, the same completion goes through and closes the incident
    monkeypatch.undo()
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task_id, CONFIRM_JSON)
    assert open_incidents(kf) == []


def test_the_task_page_answers_a_failing_step_in_german_and_keeps_the_input(kf, as_user, monkeypatch):
    case_id = offered_handover(kf)
    task_id = open_task(kf, case_id, "review_handover")
    monkeypatch.setattr("workflows.tasks.runtime.complete", lambda *a, **k: 1 / 0)
    browser = as_user("lwv.fachdienst")
    response = browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}",
                              {"decision": "question", "question": "Welche Werkstatt?"}, status=409)
    page = response.get_data(as_text=True)
    assert "Der nächste Schritt dieses Vorgangs ist fehlgeschlagen" in page
    assert "Welche Werkstatt?" in page


def test_the_operator_lists_shows_and_resolves_incidents_on_the_command_line(kf, settings):
    case_id = offered_handover(kf)
    break_state(kf, case_id)
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    [incident] = open_incidents(kf)
    with kf.db.transaction() as session:
        number = session.get(Case, case_id).case_number
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "x" * 32}
    runner = CliRunner()

    listed = runner.invoke(main, ["incidents", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert number in listed.output and "timer" in listed.output

    shown = runner.invoke(main, ["incidents", "show", str(incident.id)], env=env)
    assert "Versuche: 1" in shown.output and number in shown.output

    resolved = runner.invoke(main, ["incidents", "resolve", str(incident.id)], env=env)
    assert resolved.exit_code == 0 and "erledigt" in resolved.output
    assert open_incidents(kf) == []
    again = runner.invoke(main, ["incidents", "resolve", str(incident.id)], env=env)
    assert again.exit_code == 1 and "bereits erledigt" in again.output
    assert "Keine offenen Störungen" in runner.invoke(main, ["incidents", "list"], env=env).output


def test_the_stoerungen_page_lists_the_case_and_its_actions_work(kf, as_user):
    case_id = offered_handover(kf)
    original = break_state(kf, case_id)
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    [incident] = open_incidents(kf)
    with kf.db.transaction() as session:
        number = session.get(Case, case_id).case_number

    admin = as_user("admin")
    assert "1 offene Störung" in admin.get("/inbox").get_data(as_text=True)
    admin.get("/admin/incidents")
    assert number in admin.text and "Zeitgeber" in admin.text
    admin.get(f"/admin/incidents/{incident.id}")
    assert "Erneut versuchen" in admin.text and f"Vorgang {number} abbrechen" in admin.text

    # retry while still broken: it stays open; fixed: it is done and the reminder fired
    admin.submit(f"/admin/incidents/{incident.id}", f"/admin/incidents/{incident.id}/retry", status=302)
    assert open_incidents(kf)[0].attempts == 2
    with kf.db.transaction() as session:
        session.get(Case, case_id).state = original
    response = admin.submit(f"/admin/incidents/{incident.id}", f"/admin/incidents/{incident.id}/retry", status=302)
    admin.follow(response)
    assert "Der erneute Versuch ist gelungen" in admin.text
    assert open_incidents(kf) == [] and reminders(kf, case_id) == 1

    # a caseworker does not get the page
    as_user("lk.sozialamt").get("/admin/incidents", status=404)


def test_an_administrator_cancels_a_broken_case_from_its_incident(kf, as_user):
    # Given a handover whose stored state cannot be loaded, an incident after the worker's round
    poisoned = offered_handover(kf)
    break_state(kf, poisoned)
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    [incident] = open_incidents(kf)
    admin = as_user("admin")
    page = admin.get(f"/admin/incidents/{incident.id}").text
    assert f"/cases/{poisoned}/cancel" in page

    # When the administrator cancels the case with a reason
    admin.submit(f"/cases/{poisoned}/cancel", f"/cases/{poisoned}/cancel", {"reason": "Zustand beschädigt"},
                 status=302)

    # Then the case is cancelled, its tasks closed, no timer waits and the incident is closed
    with kf.db.transaction() as session:
        case = session.get(Case, poisoned)
        assert (case.status, case.next_timer_due) == ("cancelled", None)
        assert session.scalar(select(func.count(HumanTask.id)).where(
            HumanTask.case_id == poisoned, HumanTask.state == OPEN)) == 0
    assert open_incidents(kf) == []
    kf.clock.set(at("2027-06-01"))
    run_once(kf.db, kf.clock)
    assert open_incidents(kf) == []


def failing_reminder(kf, monkeypatch) -> tuple[int, Incident]:
    """A handover whose due reminder fails each time it fires (its state loads fine)."""
    case_id = offered_handover(kf)

    def broken_timers(*_args, **_kwargs):
        raise RuntimeError("the reminder's side effect fails")

    monkeypatch.setattr("workflows.worker.runtime.fire_timers", broken_timers)
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    [incident] = open_incidents(kf)
    assert (incident.kind, incident.case_id) == (TIMER, case_id)
    return case_id, incident


def assert_skipped(kf, monkeypatch, case_id: int, incident_id: int, reason: str, username: str | None) -> None:
    expected = None if username is None else actor(kf, username).user_id
    with kf.db.transaction() as session:
        incident = session.get(Incident, incident_id)
        assert (incident.status, incident.resolution) == ("resolved", "skipped")
        [event] = session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id,
                                                             HistoryEvent.kind == "case.timer_skipped")).all()
        assert event.details["reason"] == reason and event.details["step"] == "Erinnerung fällig"
        who = session.scalar(select(AuditLogEntry.actor_id).where(AuditLogEntry.kind == "incident.skipped"))
        assert event.actor_id == who == expected
        assert session.scalar(select(func.count(HumanTask.id)).where(
            HumanTask.case_id == case_id, HumanTask.state == OPEN, HumanTask.bpmn_id == "review_handover")) == 1
        assert session.get(Case, case_id).next_timer_due > kf.clock.now()  # the escalation, later
    # the case goes on without the reminder: the next rounds neither fail nor remind
    monkeypatch.undo()
    run_once(kf.db, kf.clock)
    kf.clock.set(at("2027-03-16"))
    run_once(kf.db, kf.clock)
    assert open_incidents(kf) == [] and reminders(kf, case_id) == 0


def test_an_administrator_skips_a_failing_reminder_on_the_stoerungen_page(kf, as_user, monkeypatch):
    case_id, incident = failing_reminder(kf, monkeypatch)
    admin = as_user("admin")
    page = f"/admin/incidents/{incident.id}"
    assert "Fälligen Zeitgeber überspringen" in admin.get(page).text

    # Without a reason: refused at the field, nothing changed
    response = admin.submit(page, f"{page}/skip", {"reason": "  "}, status=422)
    text = response.get_data(as_text=True)
    assert "Fehler:" in text and "Bitte geben Sie einen Grund an" in text
    assert open_incidents(kf)[0].id == incident.id

    response = admin.submit(page, f"{page}/skip", {"reason": "Erinnerungsversand defekt"}, status=302)
    admin.follow(response)
    assert "Übersprungen: Erinnerung fällig" in admin.text and "übersprungen" in admin.text
    assert_skipped(kf, monkeypatch, case_id, incident.id, "Erinnerungsversand defekt", "admin")
    assert "Fälliger Zeitgeber übersprungen" in as_user("lk.sozialamt").get(f"/cases/{case_id}").text


def test_a_case_whose_state_cannot_be_loaded_is_not_skipped_but_pointed_to_cancel(kf, as_user):
    case_id = offered_handover(kf)
    break_state(kf, case_id)
    kf.clock.set(at("2027-03-15"))
    run_once(kf.db, kf.clock)
    [incident] = open_incidents(kf)
    admin = as_user("admin")
    response = admin.submit(f"/admin/incidents/{incident.id}", f"/admin/incidents/{incident.id}/skip",
                            {"reason": "Zustand defekt"}, status=302)
    admin.follow(response)
    assert "lässt sich nicht laden" in admin.text and "Brechen Sie den Vorgang ab" in admin.text
    assert open_incidents(kf)[0].id == incident.id
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).state == BROKEN


def test_the_operator_skips_a_failing_reminder_on_the_command_line(kf, settings, monkeypatch):
    case_id, incident = failing_reminder(kf, monkeypatch)
    monkeypatch.setattr("service.cli.incidents.SystemClock", lambda: kf.clock)  # the command's "now"
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "x" * 32}
    runner = CliRunner()
    missing = runner.invoke(main, ["incidents", "skip", str(incident.id), "--reason", ""], env=env)
    assert missing.exit_code == 1 and "Bitte geben Sie einen Grund an" in missing.output

    skipped = runner.invoke(main, ["incidents", "skip", str(incident.id), "--reason", "Versand defekt"], env=env)
    assert skipped.exit_code == 0, skipped.output
    assert "Erinnerung fällig" in skipped.output and "erledigt" in skipped.output
    again = runner.invoke(main, ["incidents", "skip", str(incident.id), "--reason", "Versand defekt"], env=env)
    assert again.exit_code == 1 and "bereits erledigt" in again.output
    assert_skipped(kf, monkeypatch, case_id, incident.id, "Versand defekt", None)

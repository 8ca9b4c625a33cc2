"""Case administration: suspend and resume, reset to an earlier step, move running cases to a
newer version of their diagram — for administrators and the leads of the agreement, each
action in the case history with who and why."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CLOSE_LOCAL_JSON, CLOSE_SUPRA_JSON, CONFIRM_JSON, PLANNING_JSON, question
from workflows.cases.administration import (
    administration_of,
    migrate_all,
    migrate_case,
    reset_case,
    resume_case,
    suspend_case,
)
from workflows.cases.instances import load_workflow
from workflows.clock import BERLIN
from workflows.engine import runtime
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.processes.definitions import load_definition, register_versions
from workflows.store.cases import COMPLETED, Case
from workflows.store.definitions import current_definition
from workflows.store.history import HistoryEvent
from workflows.store.tasks import OPEN, HumanTask
from workflows.tasks import complete_task
from workflows.worker import run_once


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00").replace(tzinfo=BERLIN)


def history(kf, case_id: int) -> list[HistoryEvent]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == case_id)
                                    .order_by(HistoryEvent.id)))


def kinds(kf, case_id: int) -> list[str]:
    return [e.kind for e in history(kf, case_id)]


def open_steps(kf, case_id: int) -> list[tuple[str, str]]:
    with kf.db.transaction() as session:
        return sorted(session.execute(select(HumanTask.bpmn_id, HumanTask.name).where(
            HumanTask.case_id == case_id, HumanTask.state == OPEN)).all())


def test_a_suspended_case_fires_no_timer_and_takes_no_completion_until_resumed(kf):
    case_id = offered_handover(kf)
    lead = actor(kf, "lwv.leitung")
    suspend_case(kf.db, kf.clock, lead, case_id, "Klärung mit dem Sozialamt")
    assert administration_of(kf.db, lead, case_id).suspended

    # the reminder day passes: nothing fires; the review cannot be completed
    kf.clock.set(at("2027-03-16"))
    run_once(kf.db, kf.clock)
    assert "case.reminder" not in kinds(kf, case_id)
    with pytest.raises(Conflict, match="angehalten"):
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                      question("Welche Werkstatt?"))

    # resumed: the reminder that came due meanwhile fires in the next round, the review goes through
    resume_case(kf.db, kf.clock, lead, case_id, "geklärt")
    run_once(kf.db, kf.clock)
    assert kinds(kf, case_id).count("case.reminder") == 1
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    events = {e.kind: e for e in history(kf, case_id)}
    assert events["case.suspended"].actor_id == lead.user_id
    assert events["case.suspended"].details["reason"] == "Klärung mit dem Sozialamt"
    assert events["case.resumed"].details["reason"] == "geklärt"


def test_only_administrators_and_leads_of_the_agreement_administer_and_a_reason_is_required(kf):
    case_id = offered_handover(kf)
    with pytest.raises(NotFound):
        suspend_case(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), case_id, "Grund")
    with pytest.raises(NotFound):
        suspend_case(kf.db, kf.clock, actor(kf, "lwvlf.leitung"), case_id, "Grund")  # the other agreement's lead
    with pytest.raises(ValidationFailed) as missing:
        suspend_case(kf.db, kf.clock, actor(kf, "admin"), case_id, "  ")
    assert "reason" in missing.value.errors
    suspend_case(kf.db, kf.clock, actor(kf, "admin"), case_id, "Prüfung")
    with pytest.raises(Conflict):
        suspend_case(kf.db, kf.clock, actor(kf, "admin"), case_id, "noch einmal")


def test_a_case_reset_to_an_earlier_step_runs_on_from_there(kf):
    case_id = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"), question("Gutachten?"))
    assert [s for s, _ in open_steps(kf, case_id)] == ["answer_question"]

    # the lead resets it to the review: the question is undone, the review open again
    lead = actor(kf, "lwv.leitung")
    steps = administration_of(kf.db, lead, case_id).steps
    review = next(s for s in steps if s.name == "Übergabe prüfen")
    reset_case(kf.db, kf.clock, lead, case_id, review.task_id, "Frage war an den falschen Träger gerichtet")
    assert [s for s, _ in open_steps(kf, case_id)] == ["review_handover"]
    event = history(kf, case_id)[-1]
    assert (event.kind, event.actor_id, event.details["step"]) == ("case.reset", lead.user_id, "Übergabe prüfen")

    # and it goes on from there as any review does
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    assert [s for s, _ in open_steps(kf, case_id)] == ["approve_takeover"]

    # an open or foreign task is no step to reset to
    with pytest.raises(ValidationFailed):
        reset_case(kf.db, kf.clock, lead, case_id, open_task(kf, case_id, "approve_takeover"), "Grund")


def newer_handover(kf, tmp_path: Path, change) -> int:
    """A newer version of the handover diagram, registered as current, as a changed file would be at boot."""
    with kf.db.transaction() as session:
        old = current_definition(session, "handover_school_end")
        path = tmp_path / old.filename
        path.write_text(change(old.bpmn_xml), encoding="utf-8")
        definition = load_definition(path, kf.settings.forms_dir)
        return register_versions(session, {"handover_school_end": definition}, kf.clock.now())["handover_school_end"]


def test_a_running_handover_moved_to_a_version_with_a_renamed_step_completes_on_it(kf, tmp_path):
    case_id = offered_handover(kf)
    waiting = offered_handover(kf)  # a second one, moved with "all"
    with kf.db.transaction() as session:
        old_version = session.get(Case, case_id).definition_id
    new_version = newer_handover(kf, tmp_path, lambda xml: xml.replace('name="Übergabe prüfen"',
                                                                        'name="Übergabe sichten"'))
    admin = actor(kf, "admin")
    view = administration_of(kf.db, admin, case_id)
    assert (view.newer_definition_id, view.migration_problems) == (new_version, [])

    migrate_case(kf.db, kf.clock, admin, case_id, "Schritt umbenannt")
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case.definition_id == new_version
        # stored without a spec: loading joins the new version's, with the renamed step
        assert "spec" not in json.loads(runtime.readable(case.state))
        names = {t.task_spec.bpmn_name for t in load_workflow(session, case, kf.clock).get_tasks()}
        assert "Übergabe sichten" in names and "Übergabe prüfen" not in names
    assert open_steps(kf, case_id) == [("review_handover", "Übergabe sichten")]
    event = history(kf, case_id)[-1]
    assert (event.kind, event.details["from_version"], event.details["to_version"]) == (
        "case.migrated", old_version, new_version)

    report = migrate_all(kf.db, kf.clock, admin, "handover_school_end", "alle umstellen")
    assert report.stayed == [] and len(report.moved) == 1
    with kf.db.transaction() as session:
        assert session.get(Case, waiting).definition_id == new_version

    # the moved case runs to its end on the new version
    fachdienst, sozialamt = actor(kf, "lwv.fachdienst"), actor(kf, "lk.sozialamt")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "join_participation_planning"), PLANNING_JSON)
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "close_supra_local"), CLOSE_SUPRA_JSON)
    complete_task(kf.db, kf.clock, sozialamt, open_task(kf, case_id, "close_local"), CLOSE_LOCAL_JSON)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == COMPLETED


def test_a_case_that_cannot_move_stays_on_its_version_with_the_reason(kf, tmp_path):
    case_id = offered_handover(kf)
    kf.clock.set(kf.clock.now() + timedelta(hours=1))

    def without_escalation(xml: str) -> str:
        start = xml.index('<bpmn:boundaryEvent id="review_escalation_timer"')
        end = xml.index("</bpmn:boundaryEvent>", start) + len("</bpmn:boundaryEvent>")
        xml = xml[:start] + xml[end:]
        flow = xml.index('sourceRef="review_escalation_timer"')
        start, end = xml.rindex("<bpmn:sequenceFlow", 0, flow), xml.index("/>", flow) + 2
        flow_id = xml[start:end].split('id="')[1].split('"')[0]
        xml = xml[:start] + xml[end:]
        for shape in ('bpmnElement="review_escalation_timer"', f'bpmnElement="{flow_id}"'):
            at_ = xml.index(shape)
            s, tag = xml.rindex("<bpmndi:", 0, at_), xml[xml.rindex("<bpmndi:", 0, at_) + 1:].split()[0]
            xml = xml[:s] + xml[xml.index(f"</{tag}>", s) + len(f"</{tag}>"):]
        return xml

    newer_handover(kf, tmp_path, without_escalation)
    admin = actor(kf, "admin")
    assert administration_of(kf.db, admin, case_id).migration_problems
    with kf.db.transaction() as session:
        before = session.get(Case, case_id).definition_id
    report = migrate_all(kf.db, kf.clock, admin, "handover_school_end", "Eskalation entfällt")
    assert report.moved == [] and len(report.stayed) == 1
    assert "nicht umgestellt" in report.stayed[0][1]
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).definition_id == before
    assert "case.migrated" not in kinds(kf, case_id)


def test_the_lead_suspends_and_resets_on_the_page_and_the_case_page_says_so(kf, as_user):
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Gutachten?"))
    lead, admin = as_user("lwv.leitung"), as_user("admin")
    page = f"/admin/cases/{case_id}"

    # without a reason: the German message next to the field, nothing done
    lead.submit(page, page, {"action": "suspend", "reason": ""}, status=422)
    assert "Bitte geben Sie einen Grund an" in lead.text and "Es gibt ein Problem" in lead.text
    lead.follow(lead.submit(page, page, {"action": "suspend", "reason": "Rückfrage Datenschutz"}, status=302))
    assert "Der Vorgang ist angehalten" in lead.text
    caseworker = as_user("lwv.fachdienst")
    caseworker.get(f"/cases/{case_id}")
    assert "ist seit" in caseworker.text and "Vorgang verwalten" not in caseworker.text
    assert "Vorgang angehalten – Grund: Rückfrage Datenschutz" in caseworker.text
    admin.get(page)
    assert "Vorgang fortsetzen" in admin.text

    lead.follow(lead.submit(page, page, {"action": "resume", "reason": "geklärt"}, status=302))
    lead.get(page)
    review = next(s for s in administration_of(kf.db, actor(kf, "lwv.leitung"), case_id).steps
                  if s.name == "Übergabe prüfen")
    lead.follow(lead.submit(page, page, {"action": "reset", "task_id": str(review.task_id),
                                         "reason": "Frage zurückgenommen"}, status=302))
    assert "zurückgesetzt" in lead.text
    assert [s for s, _ in open_steps(kf, case_id)] == ["review_handover"]

    # a caseworker does not get the page
    caseworker.get(page, status=404)


def test_the_operator_suspends_resumes_resets_and_migrates_on_the_command_line(kf, settings, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from service.cli.commands import main

    monkeypatch.setattr("service.cli.cases.SystemClock", lambda: kf.clock)  # the command's "now"
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        number = session.get(Case, case_id).case_number
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "x" * 32}
    runner = CliRunner()

    def koopflow(*args):
        return runner.invoke(main, ["case", *args], env=env)

    # who and why are required; an unknown user or case, or a caseworker of another agreement, is refused
    assert koopflow("suspend", number, "--as", "admin").exit_code == 2
    refused = koopflow("suspend", number, "--as", "admin", "--reason", " ")
    assert refused.exit_code == 1 and "Bitte geben Sie einen Grund an" in refused.output
    assert "gibt es nicht" in koopflow("suspend", number, "--as", "niemand", "--reason", "x").output
    assert "gibt es nicht" in koopflow("suspend", "XX-0000", "--as", "admin", "--reason", "x").output
    assert koopflow("suspend", number, "--as", "lk.sozialamt", "--reason", "x").exit_code == 1
    assert kinds(kf, case_id).count("case.suspended") == 0

    # suspend: no completion; resume: it goes on — each with the user and the reason in the history
    suspended = koopflow("suspend", number, "--as", "admin", "--reason", "Klärung")
    assert suspended.exit_code == 0 and "angehalten" in suspended.output
    with pytest.raises(Conflict, match="angehalten"):
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                      question("Gutachten?"))
    assert "bereits angehalten" in koopflow("suspend", number, "--as", "admin", "--reason", "x").output
    assert koopflow("resume", str(case_id), "--as", "lwv.leitung", "--reason", "geklärt").exit_code == 0
    events = {e.kind: e for e in history(kf, case_id)}
    assert (events["case.suspended"].actor_id, events["case.suspended"].details["reason"]) == (
        actor(kf, "admin").user_id, "Klärung")
    assert events["case.resumed"].actor_id == actor(kf, "lwv.leitung").user_id

    # reset: without --step the possible steps are listed; with it the review is open again
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Gutachten?"))
    listed = koopflow("reset", number, "--as", "admin", "--reason", "falsch gefragt")
    assert listed.exit_code == 1 and "Übergabe prüfen" in listed.output
    reset = koopflow("reset", number, "--step", "review_handover", "--as", "admin", "--reason", "falsch gefragt")
    assert reset.exit_code == 0, reset.output
    assert [s for s, _ in open_steps(kf, case_id)] == ["review_handover"]
    event = history(kf, case_id)[-1]
    assert (event.kind, event.details["step"], event.details["reason"]) == ("case.reset", "Übergabe prüfen",
                                                                            "falsch gefragt")

    # migrate: nothing newer yet is refused; a newer version moves the case (or all of the process)
    assert "bereits auf der neuesten Fassung" in koopflow("migrate", number, "--as", "admin", "--reason", "x").output
    other = offered_handover(kf)
    new_version = newer_handover(kf, tmp_path, lambda xml: xml.replace('name="Übergabe prüfen"',
                                                                        'name="Übergabe sichten"'))
    moved = koopflow("migrate", number, "--as", "admin", "--reason", "Schritt umbenannt")
    assert moved.exit_code == 0, moved.output
    assert open_steps(kf, case_id) == [("review_handover", "Übergabe sichten")]
    everything = koopflow("migrate", "--process", "handover_school_end", "--as", "admin", "--reason", "alle")
    assert everything.exit_code == 0 and "1 umgestellt, 0 nicht umgestellt" in everything.output
    with kf.db.transaction() as session:
        assert session.get(Case, other).definition_id == new_version
    assert history(kf, case_id)[-1].details["reason"] == "Schritt umbenannt"

"""Every case can end: the receiving side declines a handover, the handing side withdraws it,
a lead or an administrator cancels any running case — through the pages and the API, on both
databases — and nothing (no task, no timer, no message) survives the end of a case."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.api import api_client
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CARE, CONFIRM_JSON, PREPARE_FORM, question
from tests.support.pages import complete, inbox_tasks, start_handover, task_in_inbox
from workflows.agreements.files import load_agreement
from workflows.cases.instances import load_workflow
from workflows.cases.starting import start_case
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.errors import DefinitionError, ValidationFailed
from workflows.processes.definitions import load_definition
from workflows.processes.diagram_functions import functions_for
from workflows.store.cases import Case
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import OPEN, HumanTask
from workflows.store.users import User
from workflows.tasks import complete_task
from workflows.worker import run_once

ROOT = Path(__file__).resolve().parents[1]


def case_state(kf, case_id: int) -> tuple[str, list[str], list[str], object]:
    """(status, open task rows, open work in the instance, next timer due) of a case."""
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        rows = [t.bpmn_id for t in session.query(HumanTask).filter_by(case_id=case_id, state=OPEN)]
        return case.status, rows, runtime.open_work(load_workflow(session, case, kf.clock)), case.next_timer_due


def assert_nothing_survives(kf, case_id: int, status: str) -> None:
    assert case_state(kf, case_id) == (status, [], [], None)


def case_id_of(kf, number: str) -> int:
    with kf.db.transaction() as session:
        return session.query(Case).filter_by(case_number=number).one().id


def test_the_lwv_declines_a_handover_with_a_reason_both_sides_see(as_user, kf):
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, PREPARE_FORM)
    review = task_in_inbox(fachdienst, "Übergabe prüfen", number)
    # a decline without a reason is refused next to the field
    fachdienst.submit(f"/tasks/{review}", f"/tasks/{review}", {"decision": "decline"}, status=422)
    assert "Bitte wählen Sie den Grund der Ablehnung." in fachdienst.text
    complete(fachdienst, review, {"decision": "decline", "decline_reason": "moved_away",
                                  "decline_note": "Umzug nach Thüringen zum 01.05."})
    case_id = case_id_of(kf, number)
    assert_nothing_survives(kf, case_id, "declined")
    for side in (sozialamt, fachdienst):
        side.get(f"/cases/{case_id}")
        assert "Status Abgelehnt" in side.text
        assert "Person ist verzogen: ein anderer Träger ist zuständig" in side.text
        assert "Umzug nach Thüringen zum 01.05." in side.text
        assert "Lea Fachdienst am" in side.text
        assert number not in [c for _, _, c in inbox_tasks(side)]


def test_the_landkreis_withdraws_while_the_lwv_reviews_after_the_escalation(as_user, kf, clock):
    sozialamt, fachdienst, leitung = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lwv.leitung")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, PREPARE_FORM)
    case_id = case_id_of(kf, number)
    clock.advance(days=40)  # past the reminder and the escalation of the review
    run_once(kf.db, kf.clock)
    assert "escalated_review" in case_state(kf, case_id)[1]
    # the receiving side has no withdraw button, and the command refuses it
    fachdienst.get(f"/cases/{case_id}")
    assert "Übergabe zurückziehen" not in fachdienst.text
    fachdienst.submit(f"/cases/{case_id}", f"/cases/{case_id}/withdraw", {"withdraw_reason": "moved_away"}, status=403)
    # the handing side must give a reason
    sozialamt.get(f"/cases/{case_id}")
    assert "Übergabe zurückziehen" in sozialamt.text
    sozialamt.submit(f"/cases/{case_id}", f"/cases/{case_id}/withdraw", {"withdraw_reason": "other"}, status=422)
    assert "Bitte erläutern Sie den Grund." in sozialamt.text
    sozialamt.submit(f"/cases/{case_id}", f"/cases/{case_id}/withdraw",
                     {"withdraw_reason": "stays_at_school", "withdraw_note": "Verlängerung um ein Schuljahr"}, status=302)
    assert_nothing_survives(kf, case_id, "withdrawn")  # the escalation follow-up ended too
    assert number not in [c for _, _, c in inbox_tasks(leitung)]
    fachdienst.get(f"/cases/{case_id}")
    assert "Status Zurückgezogen" in fachdienst.text
    assert "Die Person bleibt an der Schule (Schulzeit verlängert)" in fachdienst.text
    assert "Verlängerung um ein Schuljahr" in fachdienst.text


def test_a_lead_cancels_a_running_case_on_a_confirmation_page(as_user, kf):
    sozialamt, fachdienst, leitung = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lwv.leitung")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, PREPARE_FORM)
    case_id = case_id_of(kf, number)
    complete(fachdienst, task_in_inbox(fachdienst, "Übergabe prüfen", number),
             {"decision": "confirm", "effective_date": "01.08.2027", "vocational_participation": "false"})
    complete(leitung, task_in_inbox(leitung, "Übernahme genehmigen", number), {"decision": "approve"})
    # a caseworker who is no lead is not offered the cancel and is refused
    sozialamt.get(f"/cases/{case_id}")
    assert "Vorgang abbrechen" not in sozialamt.text
    sozialamt.get(f"/cases/{case_id}/cancel")
    assert "Einen Vorgang abbrechen kann nur die Leitung" in sozialamt.text and "endgültig" not in sozialamt.text
    sozialamt.submit(f"/cases/{case_id}", f"/cases/{case_id}/cancel", {"reason": "x"}, status=403)
    # step one: the page says what will be closed; nothing changes yet
    leitung.get(f"/cases/{case_id}")
    assert "Vorgang abbrechen" in leitung.text
    leitung.get(f"/cases/{case_id}/cancel")
    assert "Offene Aufgabe „Übergabe abschließen (Landkreis)“" in leitung.text
    assert "Offene Aufgabe „Übergabe abschließen (LWV)“" in leitung.text
    assert case_state(kf, case_id)[0] == "running"
    leitung.submit(f"/cases/{case_id}/cancel", f"/cases/{case_id}/cancel", {"reason": "  "}, status=422)
    assert "Bitte geben Sie an, warum der Vorgang abgebrochen wird." in leitung.text
    # step two: confirmed with a reason
    leitung.submit(f"/cases/{case_id}/cancel", f"/cases/{case_id}/cancel", {"reason": "Irrtümlich doppelt begonnen"},
                   status=302)
    assert_nothing_survives(kf, case_id, "cancelled")
    assert number not in [c for _, _, c in inbox_tasks(sozialamt)]
    assert number not in [c for _, _, c in inbox_tasks(fachdienst)]
    sozialamt.get(f"/cases/{case_id}")  # still readable, with who, when, why
    assert "Status Abgebrochen" in sozialamt.text
    assert "Irrtümlich doppelt begonnen" in sozialamt.text
    assert "Leonie Leitung am" in sozialamt.text
    leitung.get(f"/cases/{case_id}/cancel")  # not twice
    assert "Dieser Vorgang läuft nicht mehr" in leitung.text and "endgültig" not in leitung.text
    leitung.submit(f"/cases/{case_id}", f"/cases/{case_id}/cancel", {"reason": "nochmal"}, status=409)


def test_through_the_api_decline_withdraw_and_cancel(app, kf, clock):
    lk = api_client(app, kf, clock, "lk.sozialamt")
    lwv = api_client(app, kf, clock, "lwv.fachdienst")
    admin = api_client(app, kf, clock, "admin")
    # care need: the LWV hands over, the Landkreis declines through the task API
    started = start_case(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), "handover_care_need", "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), started.my_task_id, CARE)
    review = open_task(kf, started.case_id, "review_handover")
    assert lk.complete(review, {"decision": "decline"}, status=422)["errors"]
    lk.complete(review, {"decision": "decline", "decline_reason": "not_responsible"})
    declined = lwv.get(f"/api/v1/cases/{started.case_id}")
    assert declined["status"] == "declined"
    assert declined["history"][-1]["reason"] == "Nicht zuständig: der Pflegebedarf überwiegt nicht"
    # school end: withdrawn while the LWV asks back and the Landkreis answers
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  question("Welche Werkstatt?"))
    lwv.post(f"/api/v1/cases/{case_id}/withdraw", {"reason": "moved_away"}, status=403)
    lk.post(f"/api/v1/cases/{case_id}/withdraw", {"reason": "nonsense"}, status=422)
    assert lk.post(f"/api/v1/cases/{case_id}/withdraw", {"reason": "consent_withdrawn"})["status"] == "withdrawn"
    assert_nothing_survives(kf, case_id, "withdrawn")
    # too late once the takeover is approved and confirmed
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    lk.post(f"/api/v1/cases/{case_id}/withdraw", {"reason": "moved_away"}, status=409)
    # the administrator cancels it instead
    lk.post(f"/api/v1/cases/{case_id}/cancel", {"reason": "x"}, status=403)
    admin.post(f"/api/v1/cases/{case_id}/cancel", {"reason": ""}, status=422)
    assert admin.post(f"/api/v1/cases/{case_id}/cancel", {"reason": "Person verstorben"})["status"] == "cancelled"
    assert_nothing_survives(kf, case_id, "cancelled")


def test_the_confirmed_school_end_handover_leaves_no_escalation_open(kf, clock):
    case_id = offered_handover(kf)
    clock.advance(days=40)
    run_once(kf.db, kf.clock)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {**CONFIRM_JSON, "vocational_participation": False})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "close_local"),
                  {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"})
    assert "escalated_review" in case_state(kf, case_id)[1]
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "close_supra_local"),
                  {"benefit_notice_issued": True, "benefit_notice_date": "2027-07-20"})
    assert_nothing_survives(kf, case_id, "completed")


@pytest.mark.parametrize("path", sorted((ROOT / "bpmn").glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_diagram_cancelled_where_it_first_waits_keeps_nothing_open(path):
    clock = FixedClock(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    definition = load_definition(path, ROOT / "forms")
    at = "2027-04-01T08:00:00+02:00"  # the moments timers of annual cases and meetings start with
    data = {"due_date": "2027-03-31", "year": 2027, "reference_date": "2027-01-01", "body": "x", "lead_side": "local",
            "reminder_at": at, "escalation_at": at, "date_reminder_at": at, "end_timer": at}
    workflow, _ = runtime.start(definition.xml, path.name, definition.process_key,
                                functions_for(load_agreement("landkreis-giessen").data, clock), clock, data)
    runtime.cancel(workflow)
    assert runtime.open_work(workflow) == []
    assert runtime.next_due(workflow) is None


def test_a_diverging_gateway_without_default_is_refused_naming_file_and_element(tmp_path):
    xml = (ROOT / "bpmn" / "handover_care_need.bpmn").read_text(encoding="utf-8")
    broken = tmp_path / "broken_handover.bpmn"
    broken.write_text(xml.replace(' default="flow_decision_question"', ""), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"broken_handover\.bpmn, Element decide .*ohne Standardfluss"):
        load_definition(broken, ROOT / "forms")


def test_sending_the_start_form_twice_lands_on_the_case_already_started(as_user, kf):
    sozialamt = as_user("lk.sozialamt")
    page = sozialamt.client.get("/cases/new").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = re.search(r'name="start_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "start_token": token, "choice": "landkreis-giessen/handover_school_end"}
    first = sozialamt.client.post("/cases", data=form)
    second = sozialamt.client.post("/cases", data=form)  # Back, then "Vorgang beginnen" again
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with kf.db.transaction() as session:
        assert session.query(Case).count() == 1
    # once the first task is done, the same form leads to the case page
    task_id = int(first.headers["Location"].rsplit("/", 1)[1])
    complete(sozialamt, task_id, PREPARE_FORM)
    third = sozialamt.client.post("/cases", data=form)
    with kf.db.transaction() as session:
        case = session.query(Case).one()
    assert third.headers["Location"].endswith(f"/cases/{case.id}")
    # a fresh form starts a new case
    sozialamt.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=302)
    with kf.db.transaction() as session:
        assert session.query(Case).count() == 2


def test_a_refused_takeover_comes_back_with_the_reason_and_the_record_says_who_decided(as_user, kf):
    sozialamt, fachdienst, leitung = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lwv.leitung")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, PREPARE_FORM)
    confirm = {"decision": "confirm", "effective_date": "01.08.2027", "vocational_participation": "false",
               "review_note": "Bericht der Schule liegt vor."}
    complete(fachdienst, task_in_inbox(fachdienst, "Übergabe prüfen", number), confirm)
    approval = task_in_inbox(leitung, "Übernahme genehmigen", number)
    leitung.get(f"/tasks/{approval}")  # the lead sees what is approved
    assert f"Übernahme zum 01.08.2027 im Vorgang {number}" in leitung.text
    assert "Berufliche Teilhabe kommt in Frage nein" in leitung.text
    assert "Bemerkung zur Prüfung Bericht der Schule liegt vor." in leitung.text
    complete(leitung, approval, {"decision": "reject", "comment": "Gesamtplan fehlt; bitte beim Landkreis anfordern."})
    review = task_in_inbox(fachdienst, "Übergabe prüfen", number)
    fachdienst.get(f"/tasks/{review}")
    assert "Zurück nach „Übernahme genehmigen“" in fachdienst.text
    assert "Entscheidung abgelehnt von Leonie Leitung am 01.03.2027" in fachdienst.text
    assert "Begründung Gesamtplan fehlt; bitte beim Landkreis anfordern." in fachdienst.text
    assert "Keine Angaben." not in fachdienst.text
    complete(fachdienst, review, confirm)
    complete(leitung, task_in_inbox(leitung, "Übernahme genehmigen", number), {"decision": "approve"})
    sozialamt.get(f"/cases/{case_id_of(kf, number)}")
    assert "Entscheidung abgelehnt von Leonie Leitung am 01.03.2027" in sozialamt.text
    assert "Entscheidung genehmigt von Leonie Leitung am 01.03.2027" in sozialamt.text
    assert ("Übernahme genehmigen – Leonie Leitung hat abgelehnt (entschieden auf der Aufgabenseite). "
            "Begründung: Gesamtplan fehlt; bitte beim Landkreis anfordern.") in sozialamt.text
    assert "Übernahme genehmigen – Leonie Leitung hat genehmigt (entschieden auf der Aufgabenseite)." in sozialamt.text


def test_the_lwv_cannot_close_while_the_benefit_notice_is_open_it_comes_back_on_the_follow_up_day(kf, clock):
    case_id = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"),
                  {**CONFIRM_JSON, "vocational_participation": False})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "close_local"),
                  {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"})
    close = open_task(kf, case_id, "close_supra_local")
    with pytest.raises(ValidationFailed) as refused:
        complete_task(kf.db, kf.clock, fachdienst, close, {"benefit_notice_issued": False})
    assert refused.value.errors == {"follow_up_on": "Bitte geben Sie an, wann die Aufgabe wieder vorgelegt werden soll."}
    complete_task(kf.db, kf.clock, fachdienst, close, {"benefit_notice_issued": False, "follow_up_on": "2027-03-23"})
    status, rows, _, due = case_state(kf, case_id)
    assert (status, rows) == ("running", []) and due is not None  # not closed: waiting for the follow-up
    clock.advance(days=23)  # the worker's first round after the follow-up day
    run_once(kf.db, kf.clock)
    assert case_state(kf, case_id)[1] == ["close_supra_local"]
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "close_supra_local"),
                  {"benefit_notice_issued": True, "benefit_notice_date": "2027-03-19"})
    assert_nothing_survives(kf, case_id, "completed")


def test_weeks_before_the_school_end_without_takeover_both_leads_are_warned_and_the_pages_say_so(as_user, kf, clock):
    sozialamt, fachdienst = as_user("lk.sozialamt"), as_user("lwv.fachdienst")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, {**PREPARE_FORM, "expected_school_end": "2027-07-31"})
    case_id = case_id_of(kf, number)
    run_once(kf.db, kf.clock)
    assert "Übernahme noch offen" not in sozialamt.get(f"/cases/{case_id}").text  # 21 weeks ahead: quiet
    clock.set(datetime(2027, 6, 26, 9, 0, tzinfo=BERLIN))  # 5 weeks before, 12 weeks in the agreement
    run_once(kf.db, kf.clock)
    run_once(kf.db, kf.clock)  # warned once, not every round
    with kf.db.transaction() as session:
        warned = session.query(OutboxMail).filter(OutboxMail.case_id == case_id,
                                                   OutboxMail.subject.like("%Erinnerung%")).all()
        recipients = {session.get(User, m.recipient_user_id).username for m in warned}
        assert {"lk.kreisbeigeordnete", "lwv.leitung"} <= recipients
        assert sum(1 for m in warned if session.get(User, m.recipient_user_id).username == "lwv.leitung") == 1
    sozialamt.get(f"/cases/{case_id}")
    assert "Schulende in 5 Wochen, Übernahme noch offen" in sozialamt.text
    assert "Warnung an die Leitungen: Schulende naht, Übernahme noch offen" in sozialamt.text
    fachdienst.get("/inbox")
    assert "Schulende in 5 Wochen, Übernahme noch offen" in fachdienst.text
    # once the takeover is confirmed, the hint is gone
    complete(fachdienst, task_in_inbox(fachdienst, "Übergabe prüfen", number),
             {"decision": "confirm", "effective_date": "01.08.2027", "vocational_participation": "false"})
    complete(as_user("lwv.leitung"), task_in_inbox(as_user("lwv.leitung"), "Übernahme genehmigen", number),
             {"decision": "approve"})
    sozialamt.get(f"/cases/{case_id}")
    assert "Übernahme noch offen" not in sozialamt.text.replace("Warnung an die Leitungen: Schulende naht, Übernahme noch offen", "")


def test_the_approval_of_a_takeover_has_its_own_due_date_from_the_agreement(kf):
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    with kf.db.transaction() as session:
        approval = session.get(HumanTask, open_task(kf, case_id, "approve_takeover"))
        assert approval.due_on.isoformat() == "2027-03-08"  # 5 working days after Monday 01.03.2027


def test_when_the_landkreis_names_vocational_participation_the_lwv_asks_the_ba_with_the_first_review(as_user, kf):
    sozialamt, fachdienst, leitung = as_user("lk.sozialamt"), as_user("lwv.fachdienst"), as_user("lwv.leitung")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, {**PREPARE_FORM, "vocational_in_question": "true"})
    case_id = case_id_of(kf, number)
    # the request to the Bundesagentur für Arbeit opens together with the first review, not after the approval
    assert set(case_state(kf, case_id)[1]) == {"review_handover", "request_participation_planning"}
    request = task_in_inbox(fachdienst, "Teilhabeplanverfahren bei der Bundesagentur für Arbeit anstoßen", number)
    fachdienst.submit(f"/tasks/{request}", f"/tasks/{request}", {}, status=422)
    assert "Bitte geben Sie an, wann Sie die Bundesagentur für Arbeit angefragt haben." in fachdienst.text
    confirm = {"decision": "confirm", "effective_date": "01.08.2027", "vocational_participation": "false"}
    complete(fachdienst, task_in_inbox(fachdienst, "Übergabe prüfen", number), confirm)
    complete(leitung, task_in_inbox(leitung, "Übernahme genehmigen", number), {"decision": "approve"})
    # the LWV closes only once the BA has been asked
    assert "close_supra_local" not in case_state(kf, case_id)[1]
    complete(fachdienst, request, {"requested_on": "02.03.2027", "request_note": "Reha-Team der Agentur Gießen"})
    assert "close_supra_local" in case_state(kf, case_id)[1]
    complete(sozialamt, task_in_inbox(sozialamt, "Übergabe abschließen (Landkreis)", number),
             {"files_transferred_on": "15.07.2027", "benefits_ended_on": "31.07.2027"})
    complete(fachdienst, task_in_inbox(fachdienst, "Übergabe abschließen (LWV)", number),
             {"benefit_notice_issued": "true", "benefit_notice_date": "20.07.2027"})
    assert_nothing_survives(kf, case_id, "completed")


def test_without_vocational_participation_named_no_ba_request_opens_and_a_decline_ends_everything(kf):
    case_id = offered_handover(kf)
    assert case_state(kf, case_id)[1] == ["review_handover"]
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "decline", "decline_reason": "moved_away"})
    assert_nothing_survives(kf, case_id, "declined")


def test_a_withdrawal_also_ends_the_open_request_to_the_ba(as_user, kf):
    sozialamt = as_user("lk.sozialamt")
    number, prepare = start_handover(sozialamt)
    complete(sozialamt, prepare, {**PREPARE_FORM, "vocational_in_question": "true"})
    case_id = case_id_of(kf, number)
    sozialamt.submit(f"/cases/{case_id}", f"/cases/{case_id}/withdraw", {"withdraw_reason": "stays_at_school"},
                     status=302)
    assert_nothing_survives(kf, case_id, "withdrawn")

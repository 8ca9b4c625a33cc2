"""A case's loop rounds leave its instance once they are over (workflows/engine/compaction.py):
a handover asked back many times stays as light as one asked back a few times, and still does
everything a case does: it ends, its diagram shows where it went, a reset reaches its last
rounds, and a branch still running beside the loop is kept."""
from __future__ import annotations

import json

import pytest

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON, PREPARE_JSON, question
from tests.support.stored_states import SPIFFWORKFLOW
from workflows.cases.administration import administration_of, reset_case
from workflows.cases.instances import load_workflow
from workflows.cases.starting import start_case
from workflows.engine import runtime
from workflows.engine.compaction import KEEP, summary
from workflows.engine.states import element_states
from workflows.errors import ValidationFailed
from workflows.processes.catalogue import case_diagram
from workflows.store.cases import COMPLETED, Case
from workflows.store.definitions import stored_spec
from workflows.store.tasks import OPEN, HumanTask
from workflows.tasks import complete_task
from workflows.worker import run_once

CLOSE_LOCAL = {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"}
CLOSE_SUPRA = {"benefit_notice_issued": True, "benefit_notice_date": "2027-07-20"}


def ask_back(kf, case_id: int, rounds: int) -> None:
    """The LWV asks the Landkreis back ``rounds`` times; each question is answered."""
    lwv, landkreis = actor(kf, "lwv.fachdienst"), actor(kf, "lk.sozialamt")
    for number in range(rounds):
        complete_task(kf.db, kf.clock, lwv, open_task(kf, case_id, "review_handover"), question(f"Frage {number}?"))
        complete_task(kf.db, kf.clock, landkreis, open_task(kf, case_id, "answer_question"),
                      {"answer": f"Antwort {number}."})


def instance(kf, case_id: int):
    with kf.db.transaction() as session:
        return load_workflow(session, session.get(Case, case_id), kf.clock)


def task_count(workflow) -> int:
    return sum(len(part.tasks) for part in [workflow, *workflow.subprocesses.values()])


def open_rows(kf, case_id: int) -> list[str]:
    with kf.db.transaction() as session:
        return sorted(row.bpmn_id for row in session.query(HumanTask).filter_by(case_id=case_id, state=OPEN))


def test_a_handover_asked_back_many_times_keeps_only_its_last_rounds_and_ends_as_any_other(kf):
    case_id = offered_handover(kf)
    ask_back(kf, case_id, KEEP + 1)
    few = task_count(instance(kf, case_id))
    ask_back(kf, case_id, 12)
    workflow = instance(kf, case_id)
    assert task_count(workflow) == few  # twelve more rounds, not one task more
    assert summary(workflow)["tasks"] > few  # what left: more than what stayed

    # the last answer (of the second call's twelfth round) reached the review open now
    with kf.db.transaction() as session:
        review = session.get(HumanTask, open_task(kf, case_id, "review_handover"))
        assert "Antwort 11." in json.dumps(runtime.task_data(workflow, review.spiff_task_id), ensure_ascii=False)

    # and the case goes on to its end: takeover proposed, approved, both sides close
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {**CONFIRM_JSON, "vocational_participation": False})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "close_local"), CLOSE_LOCAL)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "close_supra_local"),
                  CLOSE_SUPRA)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == COMPLETED
    assert open_rows(kf, case_id) == []


def test_the_compacted_state_is_read_by_spiffworkflow_into_the_same_workflow(kf):
    case_id = offered_handover(kf)
    ask_back(kf, case_id, KEEP + 3)
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        joined = runtime.joined_state(case.state, stored_spec(session, case.definition_id))
    workflow = SPIFFWORKFLOW.deserialize_json(joined.decode())
    assert json.loads(SPIFFWORKFLOW.serialize_json(workflow)) == json.loads(joined)
    # every task's parent knows it as its child, and every child names it as parent
    for part in [workflow, *workflow.subprocesses.values()]:
        for task in part.tasks.values():
            assert all(child.parent is task for child in task.children)
            assert task.parent is None or task in task.parent.children


def test_a_round_whose_escalation_still_runs_stays_and_the_rounds_after_it_are_cut(kf, clock):
    case_id = offered_handover(kf)
    clock.advance(days=40)  # the first review is reminded and escalated; the escalation stays open
    run_once(kf.db, kf.clock)
    ask_back(kf, case_id, KEEP + 1)
    few = task_count(instance(kf, case_id))
    ask_back(kf, case_id, 6)
    workflow = instance(kf, case_id)
    assert task_count(workflow) == few
    assert "escalated_review" in runtime.open_work(workflow)

    diagram = case_diagram(kf.db, actor(kf, "lwv.fachdienst"), case_id)
    states = {element.id: element.state.state for element in diagram.elements if element.state}
    assert states["notify_review_escalation"] == "completed" and states["escalated_review"] == "active"
    assert states["prepare_handover"] == "completed" and states["review_handover"] == "active"


def test_what_left_the_instance_is_summed_up_in_it_for_the_diagram_and_the_messages(kf):
    case_id = offered_handover(kf)
    ask_back(kf, case_id, KEEP + 2)
    workflow = instance(kf, case_id)
    left = summary(workflow)
    assert left["elements"]["send_question"] == left["elements"]["answer_question"] == "completed"
    assert left["elements"]["review_reminder_timer"] == "cancelled"  # the review was done in time
    assert {"handover_question", "handover_answer"} <= set(left["messages"])
    assert runtime.message_passed(workflow, "handover_question")
    states = element_states(workflow)
    assert states["send_question"].state == "completed" and states["review_handover"].state == "active"


def test_a_reset_reaches_the_last_rounds_and_a_step_that_left_is_refused_in_words(kf):
    case_id = offered_handover(kf)
    ask_back(kf, case_id, KEEP + 3)
    lead = actor(kf, "lwv.leitung")
    offered = [s for s in administration_of(kf.db, lead, case_id).steps if s.name == "Übergabe prüfen"]
    with kf.db.transaction() as session:
        reviews = session.query(HumanTask).filter_by(case_id=case_id, bpmn_id="review_handover",
                                                     state="completed").order_by(HumanTask.id).all()
        completed = [row.id for row in reviews]
    assert len(offered) == KEEP - 1 and {s.task_id for s in offered} == set(completed[-(KEEP - 1):])

    with pytest.raises(ValidationFailed) as refused:
        reset_case(kf.db, kf.clock, lead, case_id, completed[0], "Erste Frage war falsch")
    assert "nicht (mehr) als erledigter Schritt" in refused.value.errors["task_id"]

    oldest = min(offered, key=lambda s: s.task_id)
    reset_case(kf.db, kf.clock, lead, case_id, oldest.task_id, "Frage war an den falschen Träger gerichtet")
    assert open_rows(kf, case_id) == ["review_handover"]
    ask_back(kf, case_id, 1)  # and it runs on from there
    assert open_rows(kf, case_id) == ["review_handover"]


def test_a_branch_still_running_beside_the_loop_stays_and_joins_at_the_end(kf):
    landkreis = actor(kf, "lk.sozialamt")
    started = start_case(kf.db, kf.clock, landkreis, "handover_school_end", "landkreis-giessen")
    complete_task(kf.db, kf.clock, landkreis, started.my_task_id, {**PREPARE_JSON, "vocational_in_question": True})
    case_id = started.case_id
    ask_back(kf, case_id, KEEP + 3)  # the request to the Bundesagentur waits all along
    assert open_rows(kf, case_id) == ["request_participation_planning", "review_handover"]
    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "request_participation_planning"),
                  {"requested_on": "2027-03-01"})
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"),
                  {**CONFIRM_JSON, "vocational_participation": False})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    complete_task(kf.db, kf.clock, landkreis, open_task(kf, case_id, "close_local"), CLOSE_LOCAL)
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "close_supra_local"), CLOSE_SUPRA)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).status == COMPLETED

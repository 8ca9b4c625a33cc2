"""Behaviour of the handover model bpmn/handover_school_end.bpmn and its forms.

The model is driven with plain SpiffWorkflow, the way the service will drive it: complete
the ready manual task with (schema-valid) form data merged into the task data, then run
the engine. An approval task (``approval`` property) is the exception: the approval machinery
collects the approvers' decisions and completes it with their result (``approved``,
``approval_comment``, ``approved_by``), not with the form data; ``Run.decide`` does that.  Lanes are looked up in the XML because their *ids* are the role keys.  The
review's reminder/escalation timers call ``working_days_later``, so the diagram functions of
the real agreement are registered and the engine runs on a fixed clock (the timers
themselves are tested in test_annual_models.py).
"""
import json
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.simple import TerminateEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from workflows.agreements.files import load_agreement
from workflows.clock import BERLIN, FixedClock
from workflows.engine.scripting import script_engine
from workflows.engine.timers import engine_clock
from workflows.processes.diagram_functions import functions_for

ROOT = Path(__file__).resolve().parents[1]
BPMN_FILE = ROOT / "bpmn" / "handover_school_end.bpmn"
FORMS = ROOT / "forms"
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
LOCAL, SUPRA, SUPRA_LEAD = "local_case_office", "supra_local_case_office", "supra_local_lead"
FLOW_NODES = ("startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
              "userTask", "exclusiveGateway", "eventBasedGateway", "parallelGateway")
CLOCK = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN))  # never moved: no timer fires here
FUNCTIONS = functions_for(load_agreement("landkreis-giessen").data, CLOCK)

PREPARE = {
    "person": {"last_name": "Muster", "first_name": "Alex", "birth_date": "2007-03-14",
               "habitual_residence": "Marburg"},
    "school": "Förderschule am Park, Marburg",
    "expected_school_end": "2026-07-31",
    "current_benefits": "Wohnen in besonderer Wohnform, Leistungserbringer X, bis 31.07.2026",
    "prior_benefits": {"checked": True, "sgb_vi": True},
    "has_overall_plan": True,
    "consent_on_file": True,
}


def question(text):
    return {"decision": "question", "question": text}


def confirm(vocational):
    return {"decision": "confirm", "effective_date": "2026-08-01", "vocational_participation": vocational}


APPROVED = {"approved": True, "approval_comment": "", "approved_by": ["Leonie Leitung"]}
REJECTED = {"approved": False, "approval_comment": "Übernahmedatum mit dem Landkreis abstimmen.",
            "approved_by": []}

CLOSE_LOCAL = {"files_transferred_on": "2026-08-03", "benefits_ended_on": "2026-07-31"}
CLOSE_SUPRA = {"benefit_notice_issued": True, "benefit_notice_date": "2026-07-20"}
PLANNING = {"procedure_date": "2026-06-10", "outcome": "Eingangsverfahren in der WfbM"}


@pytest.fixture(scope="module")
def xml():
    return etree.parse(str(BPMN_FILE))


@pytest.fixture(scope="module")
def lane_of(xml):
    return {ref.text: ref.getparent().get("id") for ref in xml.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}


def form_schema(task_spec):
    name = task_spec.extensions["properties"]["formJsonSchemaFilename"]
    return json.loads((FORMS / name).read_text(encoding="utf-8"))


def validator(schema):
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class Run:
    """One handover instance plus the bookkeeping the assertions need."""

    def __init__(self, lane_of):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        spec, subprocess_specs = parser.get_collaboration("handover_school_end")
        self.wf = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(FUNCTIONS))  # KoopFlow's restricted scripts
        with engine_clock(CLOCK):
            self.wf.do_engine_steps()
        self.lane_of = lane_of
        self.done = []

    def ready(self):
        tasks = [t for t in self.wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
        return {t.task_spec.bpmn_id: t for t in tasks}

    def ready_with_lanes(self):
        return {(bpmn_id, self.lane_of[bpmn_id]) for bpmn_id in self.ready()}

    def complete(self, bpmn_id, form):
        task = self.ready()[bpmn_id]
        validator(form_schema(task.task_spec)).validate(form)  # test data must be what the UI can send
        task.data.update(form)
        with engine_clock(CLOCK):
            task.run()
            self.wf.do_engine_steps()
        self.done.append(bpmn_id)
        return task

    def decide(self, bpmn_id, result):
        """Complete an approval task as the approval machinery does: with its result data."""
        task = self.ready()[bpmn_id]
        assert task.task_spec.extensions["properties"]["approval"]
        task.data.update(result)
        with engine_clock(CLOCK):
            task.run()
            self.wf.do_engine_steps()
        self.done.append(bpmn_id)
        return task

    def confirm_and_approve(self, vocational):
        """The Fachdienst proposes the takeover, the lead approves it."""
        self.complete("review_handover", confirm(vocational))
        assert self.ready_with_lanes() == {("approve_takeover", SUPRA_LEAD)}
        self.decide("approve_takeover", APPROVED)


@pytest.fixture
def run(lane_of):
    return Run(lane_of)


def test_model_validates_against_bpmn_and_spiff_xsd():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BPMN_FILE))
    assert set(parser.get_collaboration("handover_school_end")[1]) == {
        "handover_school_end_local", "handover_school_end_supra_local"}


def test_full_path_with_two_question_rounds_and_vocational_participation(run):
    assert run.ready_with_lanes() == {("prepare_handover", LOCAL)}
    run.complete("prepare_handover", PREPARE)
    for round_no in (1, 2):
        assert run.ready_with_lanes() == {("review_handover", SUPRA)}
        review = run.ready()["review_handover"]
        assert review.data["offer"]["person"]["last_name"] == "Muster"  # offer payload arrived
        if round_no == 2:
            assert review.data["received_answer"] == {"answer": "Antwort 1"}
        run.complete("review_handover", question(f"Frage {round_no}"))
        assert run.ready_with_lanes() == {("answer_question", LOCAL)}
        assert run.ready()["answer_question"].data["received_question"] == {"question": f"Frage {round_no}"}
        run.complete("answer_question", {"answer": f"Antwort {round_no}"})
    assert run.ready_with_lanes() == {("review_handover", SUPRA)}
    run.complete("review_handover", confirm(True))
    assert run.ready_with_lanes() == {("approve_takeover", SUPRA_LEAD)}  # the Landkreis still waits
    assert run.ready()["approve_takeover"].data["effective_date"] == "2026-08-01"
    run.decide("approve_takeover", APPROVED)
    assert run.ready_with_lanes() == {("close_local", LOCAL), ("join_participation_planning", SUPRA)}
    assert run.ready()["close_local"].data["confirmation"]["effective_date"] == "2026-08-01"
    run.complete("close_local", CLOSE_LOCAL)
    assert run.ready_with_lanes() == {("join_participation_planning", SUPRA)}
    assert not run.wf.is_completed()
    run.complete("join_participation_planning", PLANNING)
    assert run.ready_with_lanes() == {("close_supra_local", SUPRA)}
    run.complete("close_supra_local", CLOSE_SUPRA)
    assert run.wf.is_completed()
    # no message was thrown into the void (a terminate end event is offered to the whole instance)
    assert [e for e in run.wf.get_events() if not isinstance(e.event_definition, TerminateEventDefinition)] == []


def test_path_without_vocational_participation_skips_participation_planning(run):
    run.complete("prepare_handover", {**PREPARE, "note": "Bitte zügig prüfen."})
    run.confirm_and_approve(False)
    assert run.ready_with_lanes() == {("close_local", LOCAL), ("close_supra_local", SUPRA)}
    # the notice is still open: the LWV cannot close, the task comes back on the follow-up day
    run.complete("close_supra_local", {"benefit_notice_issued": False, "follow_up_on": "2026-03-16",
                                       "closing_note": "Bescheid folgt."})
    run.complete("close_local", CLOSE_LOCAL)
    assert not run.wf.is_completed()
    assert run.ready_with_lanes() == set()
    waiting = {t.task_spec.bpmn_id for t in run.wf.get_tasks(state=TaskState.WAITING)}
    assert "benefit_notice_follow_up" in waiting
    later = FixedClock(datetime(2026, 3, 16, 7, 1, tzinfo=BERLIN))
    with engine_clock(later):
        run.wf.refresh_timers()
        run.wf.do_engine_steps()
    assert run.ready_with_lanes() == {("close_supra_local", SUPRA)}
    run.complete("close_supra_local", CLOSE_SUPRA)
    assert run.wf.is_completed()
    assert "join_participation_planning" not in run.done
    planning = [t for t in run.wf.get_tasks() if t.task_spec.bpmn_id == "join_participation_planning"]
    assert all(t.state != TaskState.COMPLETED for t in planning)


def test_rejected_takeover_goes_back_to_the_review_and_the_landkreis_keeps_waiting(run):
    run.complete("prepare_handover", PREPARE)
    run.complete("review_handover", confirm(True))
    assert run.ready_with_lanes() == {("approve_takeover", SUPRA_LEAD)}

    run.decide("approve_takeover", REJECTED)

    assert run.ready_with_lanes() == {("review_handover", SUPRA)}
    review = run.ready()["review_handover"]
    assert review.data["approval_comment"] == "Übernahmedatum mit dem Landkreis abstimmen."  # the reason is there
    assert "wait_for_response" in {t.task_spec.bpmn_id for t in run.wf.get_tasks(state=TaskState.WAITING)}
    assert [e for e in run.wf.get_events() if not isinstance(e.event_definition, TerminateEventDefinition)] == []  # nothing confirmed
    # the Fachdienst asks the Landkreis once more, then proposes again, and this time the lead approves
    run.complete("review_handover", question("Ab wann genau?"))
    run.complete("answer_question", {"answer": "Ab 01.09.2026."})
    run.complete("review_handover", {**confirm(False), "effective_date": "2026-09-01"})
    assert run.ready_with_lanes() == {("approve_takeover", SUPRA_LEAD)}
    run.decide("approve_takeover", APPROVED)
    assert run.ready_with_lanes() == {("close_local", LOCAL), ("close_supra_local", SUPRA)}
    assert run.ready()["close_local"].data["confirmation"]["effective_date"] == "2026-09-01"
    run.complete("close_local", CLOSE_LOCAL)
    run.complete("close_supra_local", CLOSE_SUPRA)
    assert run.wf.is_completed()
    assert run.done.count("approve_takeover") == 2 and run.done.count("review_handover") == 3


def test_takeover_approval_is_asked_of_the_lwv_lead_by_the_approval_machinery(xml, lane_of):
    [task] = xml.findall(".//bpmn:userTask[@id='approve_takeover']", NS)
    assert task.get("name") == "Übernahme genehmigen" and lane_of["approve_takeover"] == SUPRA_LEAD
    props = {p.get("name"): p.get("value") for p in task.iterfind(".//{*}property")}
    assert props == {"formJsonSchemaFilename": "approval_decision.schema.json",
                     "formUiSchemaFilename": "approval_decision.ui.json",
                     "approval": "role:supra_local_lead", "approvalQuorum": "one",
                     "deadline": "handover_approval", "panel": "takeover_proposal"}
    [gateway] = xml.findall(".//bpmn:exclusiveGateway[@id='check_approval']", NS)
    flows = {f.get("id"): f for f in xml.iterfind(".//bpmn:sequenceFlow[@sourceRef='check_approval']", NS)}
    assert {f.get("targetRef") for f in flows.values()} == {"send_confirmation", "merge_supra_rounds"}
    assert flows[gateway.get("default")].get("targetRef") == "merge_supra_rounds"
    [approved] = [f for f in flows.values() if f.get("targetRef") == "send_confirmation"]
    assert approved.findtext("bpmn:conditionExpression", namespaces=NS) == "approved == True"


def test_every_user_task_has_lane_documentation_and_valid_forms(xml, lane_of):
    user_tasks = xml.findall(".//bpmn:userTask", NS)
    assert len(user_tasks) == 9
    for ut in user_tasks:
        assert lane_of[ut.get("id")] in (LOCAL, SUPRA, SUPRA_LEAD)
        assert ut.findtext("bpmn:documentation", namespaces=NS).strip()
        props = {p.get("name"): p.get("value") for p in ut.iterfind(".//{*}property")}
        schema = json.loads((FORMS / props["formJsonSchemaFilename"]).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] and schema["additionalProperties"] is False
        ui = json.loads((FORMS / props["formUiSchemaFilename"]).read_text(encoding="utf-8"))
        assert set(ui["ui:order"]) == set(schema["properties"])


@pytest.mark.parametrize("form, data, valid", [
    ("handover_prepare", PREPARE, True),
    ("handover_prepare", {**PREPARE, "consent_on_file": False}, False),  # no handover without consent
    ("handover_prepare", {**PREPARE, "person": {**PREPARE["person"], "birth_date": "14.03.2007"}}, False),
    ("handover_prepare", {**PREPARE, "person": {**PREPARE["person"], "last_name": ""}}, False),
    ("handover_prepare", {**PREPARE, "unknown": 1}, False),
    ("handover_review", question("Liegt der Gesamtplan vor?"), True),
    ("handover_review", {"decision": "question"}, False),
    ("handover_review", confirm(True), True),
    ("handover_review", {"decision": "confirm", "effective_date": "2026-08-01"}, False),
    ("handover_review", {"decision": "reject"}, False),
    ("handover_answer", {"answer": "Ja, liegt bei."}, True),
    ("handover_answer", {}, False),
    ("handover_participation_planning", PLANNING, True),
    ("handover_participation_planning", {"procedure_date": "2026-06-10"}, False),
    ("handover_close_local", CLOSE_LOCAL, True),
    ("handover_close_local", {"files_transferred_on": "2026-08-03"}, False),
    ("handover_close_supra_local", CLOSE_SUPRA, True),
    ("handover_close_supra_local", {"benefit_notice_issued": True}, False),
    ("handover_close_supra_local", {"benefit_notice_issued": False}, False),  # open: needs a follow-up day
    ("handover_close_supra_local", {"benefit_notice_issued": False, "follow_up_on": "2026-09-01"}, True),
    ("approval_decision", {"decision": "approve"}, True),
    ("approval_decision", {"decision": "approve", "comment": "Einverstanden."}, True),
    ("approval_decision", {"decision": "reject", "comment": "Übernahmedatum abstimmen."}, True),
    ("approval_decision", {"decision": "reject"}, False),  # a rejection needs a reason
    ("approval_decision", {"decision": "reject", "comment": ""}, False),
    ("approval_decision", {"decision": "reject", "comment": "x" * 2001}, False),
    ("approval_decision", {}, False),
    ("approval_decision", {"decision": "approved"}, False),
    ("approval_decision", {"decision": "approve", "approved": True}, False),
])
def test_form_accepts_and_rejects_sample_data(form, data, valid):
    schema = json.loads((FORMS / f"{form}.schema.json").read_text(encoding="utf-8"))
    assert validator(schema).is_valid(data) is valid


def test_every_element_has_diagram_interchange(xml):
    plane = xml.find(".//bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == "handover_school_end"
    shapes = {s.get("bpmnElement") for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    nodes = [n.get("id") for tag in FLOW_NODES for n in xml.iterfind(f".//bpmn:process/bpmn:{tag}", NS)]
    assert len(nodes) == 56
    for kind in ("participant", "lane"):
        assert {e.get("id") for e in xml.iterfind(f".//bpmn:{kind}", NS)} <= shapes
    assert set(nodes) <= shapes
    flows = xml.findall(".//bpmn:sequenceFlow", NS) + xml.findall(".//bpmn:messageFlow", NS)
    for flow in flows:
        waypoints = edges[flow.get("id")].findall("di:waypoint", NS)
        assert len(waypoints) >= 2
    refs = [r.text for r in xml.iterfind(".//bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(nodes)  # every flow node in exactly one lane


def test_every_message_is_drawn_as_a_message_flow_between_the_pools(xml):
    messages = {m.get("id") for m in xml.iterfind("bpmn:message", NS)}
    used = {d.get("messageRef") for d in xml.iterfind(".//bpmn:messageEventDefinition", NS)}
    # a message flow names no messageRef (bpmn-js would draw the message's technical name on
    # it); the message it carries is the one its throwing and catching events share
    def message_of(element_id: str) -> str | None:
        node = xml.find(f".//*[@id='{element_id}']")
        definition = node.find("bpmn:messageEventDefinition", NS) if node is not None else None
        return definition.get("messageRef") if definition is not None else None
    flows = set()
    for flow in xml.iterfind(".//bpmn:messageFlow", NS):
        assert flow.get("messageRef") is None
        thrown, caught = message_of(flow.get("sourceRef")), message_of(flow.get("targetRef"))
        assert thrown == caught, flow.get("id")
        flows.add(thrown)
    between_pools = {"handover_offered", "handover_question", "handover_answer", "handover_confirmed",
                     "handover_declined", "handover_withdrawn"}
    assert flows == between_pools
    # the Landkreis declares a withdrawal on the case page: that message comes from outside the pools
    assert messages == used == between_pools | {"withdrawal_requested"}


def test_serialization_round_trip_mid_run_still_completes(run):
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    run.complete("prepare_handover", PREPARE)
    run.complete("review_handover", question("Frage 1"))
    run.wf = roundtrip(serializer, run.wf)  # LWV waits for the answer
    run.complete("answer_question", {"answer": "Antwort 1"})
    run.wf = roundtrip(serializer, run.wf)  # Landkreis waits at event gateway
    assert run.ready_with_lanes() == {("review_handover", SUPRA)}
    run.complete("review_handover", confirm(True))
    run.wf = roundtrip(serializer, run.wf)  # the lead has yet to approve
    run.decide("approve_takeover", APPROVED)
    run.complete("join_participation_planning", PLANNING)
    run.wf = roundtrip(serializer, run.wf)
    run.complete("close_supra_local", CLOSE_SUPRA)
    run.complete("close_local", CLOSE_LOCAL)
    assert run.wf.is_completed()


def roundtrip(serializer, workflow):
    """Serialize and restore, as KoopFlow does between commands (script engine set again)."""
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    restored.script_engine = script_engine(FUNCTIONS)
    return restored

"""Behaviour of the annual request models (§ 8 b, c, d, § 9) and of the handover's review timers.

Driven with plain SpiffWorkflow and KoopFlow's restricted script engine. Time is a FixedClock
that SpiffWorkflow's timer module reads inside ``engine_clock``. Lanes are read from the XML
because their ids are the role keys.
"""
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from tests.support.handover import PREPARE_JSON
from workflows.agreements.files import load_agreement
from workflows.clock import BERLIN, FixedClock
from workflows.engine.scripting import script_engine
from workflows.engine.timers import engine_clock
from workflows.legal_dates import past_retirement_age
from workflows.processes.definitions import check_lanes_against_roles, load_definition
from workflows.processes.diagram_functions import at_workday_start, functions_for

ROOT = Path(__file__).resolve().parents[1]
BPMN, FORMS = ROOT / "bpmn", ROOT / "forms"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "di": "http://www.omg.org/spec/DD/20100524/DI", "spiff": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
AGREEMENT = load_agreement("landkreis-giessen").data
LOCAL, LOCAL_LEAD, SUPRA, SUPRA_LEAD = "local_case_office", "local_lead", "supra_local_case_office", "supra_local_lead"
LANE_NAMES = {LOCAL: "Landkreis: Eingliederungshilfe (Sozialamt/Jugendamt)", LOCAL_LEAD: "Landkreis: Kreisbeigeordnete/r",
              SUPRA: "LWV: Fachdienst für den Landkreis", SUPRA_LEAD: "LWV: Leitung Fachdienst"}
MINUTE = timedelta(minutes=1)

REMINDER_AT, ESCALATION_AT = at_workday_start("2026-03-17"), at_workday_start("2026-04-01")
CASE = {"year": 2026, "due_date": "2026-03-31", "reminder_at": REMINDER_AT, "escalation_at": ESCALATION_AT,
        "reference_date": "2025-12-31", "legal_reference": "§ 8 b", "request_title": "Jährliche Meldung",
        "target_year": 2028}
PERSON = {"last_name": "Muster", "first_name": "Alex", "birth_date": "2010-04-02", "habitual_residence": "Lich",
          "school": "Förderschule am Rosenhang", "education": "school", "expected_school_end": "2028-07-31",
          "placement": "Internat Lich"}
BIRTHS = ["1958-12-31", "1959-11-01", "1959-11-02", "1964-01-01"]  # around the reference date 31.12.2025


def count_past_retirement_age(birth_dates, reference_date, overrides=None):
    """Stand-in for the diagram function the service will register (no persons of their own limit here)."""
    reference = date.fromisoformat(reference_date)
    return sum(past_retirement_age(date.fromisoformat(b), reference) for b in birth_dates)


@dataclass(frozen=True)
class Request:
    key: str
    deliver: str
    lane: str
    lead: str
    receive: str
    receive_lane: str
    form: dict
    figures_task: str | None
    figures: str | None


REQUESTS = [
    Request("annual_named_list", "deliver_named_list", LOCAL, LOCAL_LEAD, "acknowledge_named_list", SUPRA,
            {"persons": [PERSON]}, "deliver_named_list", "persons"),
    Request("annual_count_retirement_age", "report_count_retirement_age", LOCAL, LOCAL_LEAD, "acknowledge_count", SUPRA,
            {"method": "entered", "count": 3}, "report_count_retirement_age", "count"),
    Request("annual_count_residents", "report_count_residents", SUPRA, SUPRA_LEAD, "acknowledge_count", LOCAL,
            {"count_inside": 120, "count_outside": 35}, "report_count_residents", "count_inside,count_outside"),
    Request("regional_data_report", "provide_regional_data", SUPRA, SUPRA_LEAD, "acknowledge_regional_data", LOCAL,
            {"document_id": 7, "comment": "Stand 30.06."}, None, None),
]
ALL_FILES = [r.key for r in REQUESTS] + ["handover_school_end"]


def schema_of(task_spec):
    return json.loads((FORMS / task_spec.extensions["properties"]["formJsonSchemaFilename"]).read_text(encoding="utf-8"))


def validator(schema):
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class Run:
    """One instance, its clock and the notices (events with ``notify``) it raised."""

    def __init__(self, key, data, clock=None, functions=None):
        self.clock = clock or FixedClock(datetime(2026, 1, 2, 8, 0, tzinfo=BERLIN))
        xml = etree.parse(str(BPMN / f"{key}.bpmn"))
        self.lane_of = {r.text: r.getparent().get("id") for r in xml.iterfind(".//bpmn:lane/bpmn:flowNodeRef", NS)}
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(BPMN / f"{key}.bpmn"))
        spec, subprocess_specs = parser.get_collaboration(key)
        functions = functions or {"count_past_retirement_age": count_past_retirement_age}
        self.wf = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(functions))
        self.wf.data.update(data)
        for task in self.wf.get_tasks(state=TaskState.READY):  # as workflows.engine.runtime.start does
            task.data.update(data)
        self.notices = []
        self.settle()

    def settle(self):
        # do_engine_steps() ends with refresh_timers(): a timer found due there only becomes
        # READY, its path runs on the *next* call - so loop until no engine task is ready.
        with engine_clock(self.clock):
            self.wf.do_engine_steps(did_complete_task=self._collect)
            while any(not t.task_spec.manual for t in self.wf.get_tasks(state=TaskState.READY)):
                self.wf.do_engine_steps(did_complete_task=self._collect)

    def _collect(self, task):
        props = getattr(task.task_spec, "extensions", {}).get("properties", {})
        if props.get("notify"):
            self.notices.append((props["notify"], props.get("notifyRole"), task.task_spec.bpmn_name))

    def at(self, moment):
        self.clock.set(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
        self.settle()

    def ready(self):
        return {t.task_spec.bpmn_id: t for t in self.wf.get_tasks(state=TaskState.READY) if t.task_spec.manual}

    def ready_with_lanes(self):
        return {(bpmn_id, self.lane_of[bpmn_id]) for bpmn_id in self.ready()}

    def complete(self, bpmn_id, form):
        task = self.ready()[bpmn_id]
        validator(schema_of(task.task_spec)).validate(form)  # test data must be what the UI can send
        task.data.update(form)
        with engine_clock(self.clock):
            task.run()
        self.settle()
        return task

    def completed(self, bpmn_id):
        return [t for t in self.wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == bpmn_id]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: r.key)
def test_request_is_reminded_escalated_delivered_and_acknowledged(req):
    run = Run(req.key, CASE)
    assert run.ready_with_lanes() == {(req.deliver, req.lane)}
    assert run.ready()[req.deliver].data["due_date"] == "2026-03-31"  # the worker's data arrived

    run.at(datetime.fromisoformat(REMINDER_AT) - MINUTE)
    assert run.notices == []
    run.at(datetime.fromisoformat(REMINDER_AT) + MINUTE)
    assert run.notices == [("reminder", req.lane, "Erinnerung an den Posteingang")]
    [reminder] = run.completed("notify_reminder")
    assert reminder.task_spec.extensions["properties"] == {"notify": "reminder", "notifyRole": req.lane}
    assert run.ready_with_lanes() == {(req.deliver, req.lane)}  # non-interrupting

    run.at(datetime.fromisoformat(ESCALATION_AT) + MINUTE)
    assert run.notices[1:] == [("escalation", req.lead, "Eskalation")]
    assert run.ready_with_lanes() == {(req.deliver, req.lane), ("follow_up_overdue", req.lead)}

    run.complete(req.deliver, req.form)
    assert run.ready_with_lanes() == {(req.receive, req.receive_lane), ("follow_up_overdue", req.lead)}
    run.complete("follow_up_overdue", {"action_taken": "Telefonisch nachgefragt, Lieferung zugesagt."})
    assert not run.wf.is_completed()
    done = run.complete(req.receive, {"complete": True})
    assert run.wf.is_completed()
    assert len(run.notices) == 2  # each timer fired once

    figure_tasks = {t.task_spec.bpmn_id: t.task_spec.extensions["properties"].get("figures")
                    for t in run.wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.manual}
    assert {k: v for k, v in figure_tasks.items() if v} == ({req.figures_task: req.figures} if req.figures else {})
    if req.figures:
        data = (done if req.figures_task == req.receive else run.completed(req.deliver)[0]).data
        assert all(isinstance(data[name], (int, list)) for name in req.figures.split(","))


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: r.key)
def test_delivery_in_time_is_never_reminded(req):
    run = Run(req.key, CASE)
    run.at("2026-03-02T10:00:00+01:00")
    run.complete(req.deliver, req.form)
    run.at("2026-06-01T10:00:00+02:00")
    assert run.notices == []
    run.complete(req.receive, {"complete": False, "note": "Angaben zu einer Person fehlen."})
    assert run.wf.is_completed()
    assert not run.completed("follow_up_overdue")


@pytest.mark.parametrize("form, received", [
    ({"persons": [PERSON]}, {"persons": [PERSON], "nobody_to_report": False}),
    ({"nobody_to_report": True}, {"persons": [], "nobody_to_report": True}),
])
def test_named_list_reaches_the_lwv_as_the_landkreis_sent_it(form, received):
    run = Run("annual_named_list", CASE)
    run.complete("deliver_named_list", form)
    assert run.ready()["acknowledge_named_list"].data["named_list"] == received


def test_regional_data_set_reaches_the_landkreis_with_its_file():
    run = Run("regional_data_report", CASE)
    run.complete("provide_regional_data", {"document_id": 7, "comment": "Stand 30.06."})
    assert run.ready()["acknowledge_regional_data"].data["report"] == {"document_id": 7, "comment": "Stand 30.06."}


def test_retirement_age_count_is_computed_and_birth_dates_are_dropped():
    reference = date(2025, 12, 31)
    expected = [past_retirement_age(date.fromisoformat(b), reference) for b in BIRTHS]
    # 1958 → 66 y, reached 30.12.2024; 1959 → 66 y 2 m: born 01.11. reached 31.12.2025 (counted), 02.11. not
    assert expected == [True, True, False, False]
    run = Run("annual_count_retirement_age", CASE)
    run.complete("report_count_retirement_age", {"method": "compute", "birth_dates": BIRTHS, "count": 99})
    acknowledge = run.ready()["acknowledge_count"]
    assert acknowledge.data["report"] == {"method": "compute", "count": 2}  # the LWV gets the count, no birth date
    assert run.completed("compute_count")[0].data["birth_dates"] is None
    # the figure is recorded at delivery (from the data the script left for the next step)
    delivered = run.completed("report_count_retirement_age")[0]
    assert delivered.task_spec.extensions["properties"]["figures"] == "count"


@pytest.mark.parametrize("form, data, valid", [
    ("annual_named_list", {"persons": [PERSON]}, True),
    ("annual_named_list", {"persons": [PERSON, {**PERSON, "first_name": "Kim"}], "nobody_to_report": False}, True),
    ("annual_named_list", {"nobody_to_report": True}, True),
    ("annual_named_list", {"persons": [], "nobody_to_report": True}, True),
    ("annual_named_list", {}, False),  # neither a person nor the confirmation
    ("annual_named_list", {"persons": []}, False),
    ("annual_named_list", {"persons": [], "nobody_to_report": False}, False),
    ("annual_named_list", {"persons": [PERSON], "nobody_to_report": True}, False),  # contradiction
    ("annual_named_list", {"persons": [{k: v for k, v in PERSON.items() if k != "placement"}]}, False),
    ("annual_named_list", {"persons": [{**PERSON, "birth_date": "02.04.2010"}]}, False),
    ("annual_named_list", {"persons": [PERSON] * 201}, False),
    ("annual_count_retirement_age", {"method": "compute", "birth_dates": BIRTHS}, True),
    ("annual_count_retirement_age", {"method": "compute"}, False),
    ("annual_count_retirement_age", {"method": "compute", "birth_dates": ["31.12.1958"]}, False),
    ("annual_count_retirement_age", {"method": "entered", "count": 0}, True),
    ("annual_count_retirement_age", {"method": "entered"}, False),
    ("annual_count_retirement_age", {"method": "entered", "count": -1}, False),
    ("annual_count_residents", {"count_inside": 0, "count_outside": 4}, True),
    ("annual_count_residents", {"count_inside": 3}, False),
    ("regional_data_report", {"document_id": 12}, True),
    ("regional_data_report", {"comment": "Datei folgt"}, False),
    ("annual_acknowledge", {"complete": True}, True),
    ("annual_acknowledge", {}, False),
    ("annual_escalation", {"action_taken": ""}, False),
    ("handover_escalation", {"action_taken": "Prüfung für 12.03. zugesagt."}, True),
])
def test_form_accepts_and_rejects_sample_data(form, data, valid):
    schema = json.loads((FORMS / f"{form}.schema.json").read_text(encoding="utf-8"))
    assert validator(schema).is_valid(data) is valid


@pytest.mark.parametrize("key", ALL_FILES)
def test_diagram_conventions_and_complete_diagram_interchange(key):
    path = BPMN / f"{key}.bpmn"
    definition = load_definition(path, FORMS)  # what the service checks at start-up
    check_lanes_against_roles(definition, AGREEMENT["id"], AGREEMENT["roles"])
    xml = etree.parse(str(path))
    collaboration = xml.find("bpmn:collaboration", NS)
    assert collaboration.get("id") == key == definition.process_key
    participants = collaboration.findall("bpmn:participant", NS)
    executable = {p.get("id") for p in xml.iterfind("bpmn:process", NS) if p.get("isExecutable") == "true"}
    assert {p.get("processRef") for p in participants} == executable  # a pool per executable process
    if len(participants) == 1:
        assert participants[0].get("processRef") == f"{key}_process"
    lanes = {lane.get("id"): lane.get("name") for lane in xml.iterfind(".//bpmn:lane", NS)}
    assert all(LANE_NAMES[lane] == name for lane, name in lanes.items())
    nodes = [n.get("id") for p in xml.iterfind("bpmn:process", NS) for n in p
             if etree.QName(n).localname not in ("laneSet", "sequenceFlow", "documentation", "extensionElements")]
    assert sorted(r.text for r in xml.iterfind(".//bpmn:flowNodeRef", NS)) == sorted(nodes)  # each in one lane
    plane = xml.find(".//bpmndi:BPMNPlane", NS)
    assert plane.get("bpmnElement") == key
    shapes = {s.get("bpmnElement") for s in plane.iterfind("bpmndi:BPMNShape", NS)}
    assert set(nodes) | set(lanes) | {p.get("id") for p in collaboration.findall("bpmn:participant", NS)} <= shapes
    edges = {e.get("bpmnElement"): e for e in plane.iterfind("bpmndi:BPMNEdge", NS)}
    for flow in xml.findall(".//bpmn:sequenceFlow", NS) + xml.findall(".//bpmn:messageFlow", NS):
        assert len(edges[flow.get("id")].findall("di:waypoint", NS)) >= 2
    for boundary in xml.iterfind(".//bpmn:boundaryEvent", NS):
        # reminders and escalations never take the work away; a withdrawal (message) does
        is_timer = boundary.find("bpmn:timerEventDefinition", NS) is not None
        assert boundary.get("cancelActivity") == ("false" if is_timer else None), boundary.get("id")
        if is_timer:
            assert boundary.findtext("bpmn:timerEventDefinition/bpmn:timeDate", namespaces=NS).strip()
    for task in definition.info.user_tasks:
        assert task.documentation and task.ui_form
        schema, ui = definition.forms[task.form], definition.forms[task.ui_form]
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] and schema["additionalProperties"] is False
        assert set(ui["ui:order"]) == set(schema["properties"])
        for name in filter(None, task.properties.get("figures", "").split(",")):
            assert name in schema["properties"] or name == "count"  # § 8 c: count comes from the script


def test_handover_review_is_reminded_after_10_and_escalated_after_20_working_days():
    clock = FixedClock(datetime(2026, 3, 27, 9, 0, tzinfo=BERLIN))  # Friday before Easter
    run = Run("handover_school_end", {}, clock, functions_for(AGREEMENT, clock))
    run.complete("prepare_handover", PREPARE_JSON)
    assert run.ready_with_lanes() == {("review_handover", SUPRA)}
    # 10 working days in Hesse, skipping Good Friday 03.04. and Easter Monday 06.04.: 14.04.
    run.at("2026-04-14T06:59:00+02:00")
    assert run.notices == []
    run.at("2026-04-14T07:01:00+02:00")
    assert run.notices == [("reminder", SUPRA, "Erinnerung an den Posteingang")]
    run.at("2026-04-28T06:59:00+02:00")
    assert len(run.notices) == 1
    run.at("2026-04-28T07:01:00+02:00")  # the 20th working day
    assert run.notices[1:] == [("escalation", SUPRA_LEAD, "Eskalation")]
    assert run.ready_with_lanes() == {("review_handover", SUPRA), ("escalated_review", SUPRA_LEAD)}
    run.complete("escalated_review", {"action_taken": "Prüfung mit dem Fachdienst für den 30.04. vereinbart."})
    run.complete("review_handover", {"decision": "confirm", "effective_date": "2027-08-01",
                                     "vocational_participation": False})
    assert run.ready_with_lanes() == {("approve_takeover", SUPRA_LEAD)}  # the lead approves the takeover:
    run.ready()["approve_takeover"].data.update({"approved": True, "approval_comment": "",  # as the approval
                                                 "approved_by": ["Leonie Leitung"]})  # machinery completes it
    with engine_clock(clock):
        run.ready()["approve_takeover"].run()
    run.settle()
    run.complete("close_supra_local", {"benefit_notice_issued": True, "benefit_notice_date": "2027-07-20"})
    run.complete("close_local", {"files_transferred_on": "2027-07-15", "benefits_ended_on": "2027-07-31"})
    assert run.wf.is_completed()
    assert len(run.notices) == 2

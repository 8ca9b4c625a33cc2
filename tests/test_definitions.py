"""Definitions are checked at start-up and stored as versions keyed by content hash.

Each test copies bpmn/, forms/ (and, where needed, agreements/) into tmp_path and changes
one thing; the real files are never touched.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from service.runtime import boot
from tests.support.app import settings_for
from tests.support.handover import CONFIRM_JSON, PREPARE_JSON
from workflows.agreements.files import load_agreements
from workflows.cases.starting import start_case
from workflows.errors import DefinitionError
from workflows.paths import AGREEMENTS_DIR, BPMN_DIR, FORMS_DIR
from workflows.people.accounts import authenticate, load_demo_users
from workflows.processes.definitions import check_lanes_against_roles, load_definitions
from workflows.schema import upgrade
from workflows.store.cases import Case
from workflows.store.db import Database
from workflows.store.definitions import ProcessDefinition
from workflows.store.tasks import OPEN, HumanTask
from workflows.tasks import complete_task

DIAGRAM = "handover_school_end.bpmn"
PROCESS = "handover_school_end"
AGREEMENT = "landkreis-giessen"
OLD_REVIEW, NEW_REVIEW = "Übergabe prüfen", "Übergabe fachlich prüfen"


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    """Private copies of bpmn/, forms/ and agreements/ that a test may break."""
    copies = {name: tmp_path / name for name in ("bpmn", "forms", "agreements")}
    for name, source in (("bpmn", BPMN_DIR), ("forms", FORMS_DIR), ("agreements", AGREEMENTS_DIR)):
        shutil.copytree(source, copies[name])
    return copies


@pytest.fixture
def settings(empty_database_url, dirs, tmp_path) -> Settings:
    return settings_for(empty_database_url, tmp_path, secret_key="x",
                        bpmn_dir=dirs["bpmn"], forms_dir=dirs["forms"], agreements_dir=dirs["agreements"])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def upgraded(settings: Settings) -> None:
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()


# --- checks at start-up ---------------------------------------------------------------

def test_unparsable_xml_is_refused_naming_the_file(dirs):
    # given a second diagram that is cut off mid-element
    (dirs["bpmn"] / "kaputt.bpmn").write_text('<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="x"><bpmn:proc')
    # when / then
    with pytest.raises(DefinitionError, match=r"^kaputt\.bpmn: kein gültiges XML"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_missing_form_file_names_diagram_element_and_form(dirs):
    # given the answer form was deleted
    (dirs["forms"] / "handover_answer.schema.json").unlink()
    # when / then
    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Element answer_question: "
                                              r"Formular handover_answer\.schema\.json fehlt"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_form_that_is_not_json_schema_is_refused(dirs):
    # given the review form declares a type JSON Schema does not know
    (dirs["forms"] / "handover_review.schema.json").write_text(json.dumps({"type": "objekt"}))
    # when / then
    with pytest.raises(DefinitionError, match=r"Element review_handover: Formular handover_review\.schema\.json "
                                              r"ist kein gültiges JSON Schema"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_user_task_without_form_property_is_refused(dirs):
    # given the prepare task lost its form property
    edit(dirs["bpmn"] / DIAGRAM,
         '<spiffworkflow:property name="formJsonSchemaFilename" value="handover_prepare.schema.json" />', "")
    # when / then
    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Element prepare_handover: "
                                              r"Benutzeraufgabe ohne Formular"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_lane_whose_role_the_agreement_does_not_map_is_refused(dirs):
    # given the diagram and a role map without the LWV's case office
    definition = load_definitions(dirs["bpmn"], dirs["forms"])[PROCESS]
    roles = {"local_case_office": ["lkgi-sozialamt"]}
    # when / then
    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Lane supra_local_case_office: "
                                              r"die Vereinbarung landkreis-giessen"):
        check_lanes_against_roles(definition, AGREEMENT, roles)


def test_boot_refuses_an_agreement_that_leaves_a_lane_unmapped(settings, dirs, clock):
    # given an agreement file whose roles lack supra_local_case_office
    edit(dirs["agreements"] / f"{AGREEMENT}.yaml", "  supra_local_case_office: [lwv-fachdienst-lk-giessen]\n", "")
    upgraded(settings)
    # when / then
    # (the diagrams' lanes or the cohort milestones that name the role: either refuses the start)
    with pytest.raises(DefinitionError, match=r"Lane supra_local_case_office.*Vereinbarung landkreis-giessen"
                                              r"|die Rolle supra_local_case_office steht nicht unter roles"):
        boot(settings, clock)


def test_app_refuses_to_start_with_a_broken_definition(settings, dirs, clock):
    # given a schema-ready database but a missing form
    upgraded(settings)
    (dirs["forms"] / "handover_close_local.schema.json").unlink()
    # when / then
    with pytest.raises(DefinitionError, match=r"Element close_local: Formular handover_close_local\.schema\.json"):
        create_app(settings, clock)


def test_boot_stops_on_a_gateway_condition_the_sandbox_refuses(settings, dirs, clock):
    # given a condition that reaches for a generator's frame (and from there the builtins)
    edit(dirs["bpmn"] / DIAGRAM, '>decision == "confirm"<',
         ">decision == \"confirm\" and (x for x in []).gi_frame.f_builtins['__import__']('os')<")
    upgraded(settings)
    # when / then: the boot names file and element
    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Element flow_decision_confirm "
                                              r"\(conditionExpression\): Ausdruck nicht erlaubt"):
        create_app(settings, clock)


def test_script_calling_an_unknown_function_is_refused(dirs):
    edit(dirs["bpmn"] / "annual_count_retirement_age.bpmn", "count_past_retirement_age(birth_dates",
         "count_everything(birth_dates")
    with pytest.raises(DefinitionError, match=r"annual_count_retirement_age\.bpmn, Element compute_count \(script\): "
                                              r"unbekannte Funktion count_everything"):
        load_definitions(dirs["bpmn"], dirs["forms"])


@pytest.mark.parametrize("definition, kind", [
    ('<bpmn:errorEventDefinition id="start_error" />', "Fehler"),
    ('<bpmn:signalEventDefinition id="start_signal" />', "Signal"),
    ('<bpmn:conditionalEventDefinition id="start_condition"><bpmn:condition>True</bpmn:condition>'
     '</bpmn:conditionalEventDefinition>', "Bedingung"),
])
def test_start_events_koopflow_cannot_begin_a_case_with_are_refused(dirs, definition, kind):
    edit(dirs["bpmn"] / "amendment.bpmn", '<bpmn:outgoing>flow_start</bpmn:outgoing>\n    </bpmn:startEvent>',
         f'<bpmn:outgoing>flow_start</bpmn:outgoing>{definition}\n    </bpmn:startEvent>')
    with pytest.raises(DefinitionError, match=rf"^amendment\.bpmn, Element start_amendment: Startereignis der Art {kind}"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_a_message_start_event_nobody_sends_to_is_refused(dirs):
    edit(dirs["bpmn"] / DIAGRAM, 'messageRef="handover_offered">\n        <bpmn:extensionElements>\n'
         '          <spiffworkflow:messageVariable>offer',
         'messageRef="never_sent">\n        <bpmn:extensionElements>\n          <spiffworkflow:messageVariable>offer')
    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Element receive_offer: "
                                              r"Nachrichten-Startereignis, dessen Nachricht never_sent"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_a_service_task_without_a_registered_operator_is_refused(dirs):
    edit(dirs["bpmn"] / "amendment.bpmn", '<bpmn:userTask id="propose_amendment"',
         '<bpmn:serviceTask id="call_register"><bpmn:extensionElements><spiffworkflow:serviceTaskOperator '
         'id="http/GetRequest" /></bpmn:extensionElements></bpmn:serviceTask>\n    '
         '<bpmn:userTask id="propose_amendment"')
    with pytest.raises(DefinitionError, match=r"^amendment\.bpmn, Element call_register: Dienstaufgabe mit dem "
                                              r"Operator http/GetRequest"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_spiffworkflows_own_validation_message_keeps_the_element(dirs):
    # a gateway whose outgoing flow points nowhere: SpiffWorkflow's parser objects
    edit(dirs["bpmn"] / "amendment.bpmn", '<bpmn:startEvent id="start_amendment" name="Anpassung erwogen">',
         '<bpmn:startEvent id="start_amendment" name="Anpassung erwogen"><bpmn:outgoing>flow_nowhere</bpmn:outgoing>')
    edit(dirs["bpmn"] / "amendment.bpmn", '<bpmn:userTask id="propose_amendment"',
         '<bpmn:sequenceFlow id="flow_nowhere" sourceRef="start_amendment" targetRef="missing_element" />\n    '
         '<bpmn:userTask id="propose_amendment"')
    with pytest.raises(DefinitionError, match=r"^amendment\.bpmn, Element \w+"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_app_refuses_to_start_on_a_database_without_schema(settings, clock):
    # given a database that was never upgraded; when / then
    with pytest.raises(DefinitionError, match=r"`koopflow db upgrade`"):
        create_app(settings, clock)


# --- versions -------------------------------------------------------------------------

def booted(settings: Settings, clock):
    upgraded(settings)
    return boot(settings, clock)


def versions(kf) -> list[ProcessDefinition]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == PROCESS)
                                    .order_by(ProcessDefinition.id)))


def open_tasks(kf, case_id: int) -> list[HumanTask]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == OPEN)
                                    .order_by(HumanTask.id)))


def definition_of(kf, case_id: int) -> int:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).definition_id


def test_changed_diagram_becomes_new_version_while_running_case_keeps_the_old(settings, dirs, clock):
    # given a running case on the first version
    first = booted(settings, clock)
    load_demo_users(first.db, clock, dirs["agreements"] / f"{AGREEMENT}.demo-users.yaml")
    lk = authenticate(first.db, "lk.sozialamt", "demo")
    lwv = authenticate(first.db, "lwv.fachdienst", "demo")
    old_case = start_case(first.db, clock, lk, PROCESS, AGREEMENT)
    [v1] = versions(first)
    first.db.dispose()

    # when the review task is renamed and the service starts again on the same database
    edit(dirs["bpmn"] / DIAGRAM, f'name="{OLD_REVIEW}"', f'name="{NEW_REVIEW}"')
    kf = boot(settings, clock)

    # then there is a new current version with another hash, the old one is retired
    old, new = versions(kf)
    assert old.id == v1.id and not old.is_current
    assert new.is_current and new.content_hash != v1.content_hash
    # and the running case stays on the old version and moves on with it
    assert definition_of(kf, old_case.case_id) == v1.id
    complete_task(kf.db, clock, lk, old_case.my_task_id, PREPARE_JSON)
    [review] = open_tasks(kf, old_case.case_id)
    assert (review.bpmn_id, review.name) == ("review_handover", OLD_REVIEW)
    complete_task(kf.db, clock, lwv, review.id, CONFIRM_JSON)
    assert [t.bpmn_id for t in open_tasks(kf, old_case.case_id)] == ["approve_takeover"]  # now the lead approves
    assert definition_of(kf, old_case.case_id) == v1.id

    # and a case started now runs on the new version
    new_case = start_case(kf.db, clock, lk, PROCESS, AGREEMENT)
    assert definition_of(kf, new_case.case_id) == new.id
    complete_task(kf.db, clock, lk, new_case.my_task_id, PREPARE_JSON)
    assert [(t.bpmn_id, t.name) for t in open_tasks(kf, new_case.case_id)] == [("review_handover", NEW_REVIEW)]
    kf.db.dispose()


def test_booting_again_with_unchanged_files_adds_no_version(settings, clock):
    # given a first start
    first = booted(settings, clock)
    [v1] = versions(first)
    first.db.dispose()
    # when the service starts again with the same files
    kf = boot(settings, clock)
    # then the one version is still the current one
    [again] = versions(kf)
    assert (again.id, again.content_hash, again.is_current) == (v1.id, v1.content_hash, True)
    kf.db.dispose()


def test_changing_only_a_form_makes_a_new_version(settings, dirs, clock):
    # given a first start
    first = booted(settings, clock)
    [v1] = versions(first)
    first.db.dispose()
    # when only the review form's title changes
    edit(dirs["forms"] / "handover_review.schema.json", '"title": "Übergabe prüfen"', '"title": "Übergabe prüfen (neu)"')
    kf = boot(settings, clock)
    # then a new current version carries the new form, the diagram text is the same
    old, new = versions(kf)
    assert not old.is_current and new.is_current
    assert new.content_hash != old.content_hash and new.bpmn_xml == old.bpmn_xml
    assert new.forms["handover_review.schema.json"]["title"] == "Übergabe prüfen (neu)"
    kf.db.dispose()


def test_empty_lane_reference_is_refused_naming_file_and_lane(dirs):
    edit(dirs["bpmn"] / DIAGRAM, "<bpmn:flowNodeRef>prepare_handover</bpmn:flowNodeRef>",
         "<bpmn:flowNodeRef>prepare_handover</bpmn:flowNodeRef><bpmn:flowNodeRef/>")

    with pytest.raises(DefinitionError, match=r"handover_school_end\.bpmn, Lane local_case_office: leerer flowNodeRef"):
        load_definitions(dirs["bpmn"], dirs["forms"])


def test_two_agreements_may_not_share_an_org_unit(tmp_path):
    """An org unit is an inbox group, and case visibility follows it: shared, its members would
    see both agreements' cases. The second file naming it is refused at start-up."""
    shutil.copytree(AGREEMENTS_DIR, tmp_path / "agreements")
    second = tmp_path / "agreements" / "landkreis-lahnfeld.yaml"
    second.write_text(second.read_text(encoding="utf-8").replace("lwv-lf-fachdienst", "lwv-fachdienst-lk-giessen"),
                      encoding="utf-8")
    with pytest.raises(DefinitionError, match="landkreis-lahnfeld.yaml: die Organisationseinheit "
                                              "lwv-fachdienst-lk-giessen gehört schon zur Vereinbarung landkreis-giessen"):
        load_agreements(tmp_path / "agreements")

"""The school-end handover through the JSON API v1: bearer tokens, the same rules as the pages."""
from __future__ import annotations

import re

import pytest

from tests.support.api import api_client
from tests.support.handover import (
    CLOSE_LOCAL_JSON,
    CLOSE_SUPRA_JSON,
    CONFIRM_JSON,
    PERSON,
    PLANNING_JSON,
    PREPARE_JSON,
    question,
)
from tests.support.pages import login
from workflows.people.accounts import create_api_token

HANDOVER = {"process": "handover_school_end", "agreement": "landkreis-giessen"}
PREPARE, REVIEW, ANSWER = "Übergabe vorbereiten", "Übergabe prüfen", "Rückfrage beantworten"
APPROVE = "Übernahme genehmigen"
PLANNING = "Am Teilhabeplanverfahren der Bundesagentur für Arbeit mitwirken"
CLOSE_LOCAL, CLOSE_SUPRA = "Übergabe abschließen (Landkreis)", "Übergabe abschließen (LWV)"
ALREADY_DONE = "Diese Aufgabe wurde inzwischen von jemand anderem erledigt. Ihre Eingaben wurden nicht gespeichert."
TASK_NOT_FOUND = "Diese Aufgabe gibt es nicht, oder Sie haben keinen Zugriff darauf."
CASE_NOT_FOUND = "Diesen Vorgang gibt es nicht, oder Sie haben keinen Zugriff darauf."


@pytest.fixture
def as_api(app, kf, clock):
    """An agency system calling with a personal token: ``as_api("lk.sozialamt")``."""
    return lambda username: api_client(app, kf, clock, username)


def start_handover(lk) -> dict:
    return lk.post("/api/v1/cases", HANDOVER, status=201)


def offered_handover(lk) -> dict:
    """A started case whose preparation the Landkreis has completed: it waits for the LWV."""
    started = start_handover(lk)
    lk.complete(started["task_id"], PREPARE_JSON)
    return started


def open_task_names(api, case_id: int) -> list[str]:
    return sorted(task["name"] for task in api.get(f"/api/v1/cases/{case_id}")["open_tasks"])


def test_handover_with_two_question_rounds_and_vocational_participation_runs_to_the_end(as_api):
    lk, lk2, lwv = as_api("lk.sozialamt"), as_api("lk.sozialamt2"), as_api("lwv.fachdienst")
    lead = as_api("lwv.leitung")

    # Given a case the Landkreis starts through the API, its first task with the form's JSON Schema
    response = lk.call("POST", "/api/v1/cases", HANDOVER, status=201)
    started = response.get_json()
    case_id, number, prepare = started["id"], started["case_number"], started["task_id"]
    assert re.fullmatch(r"GI-2027-\d{5}", number)
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case_id}")
    task = lk.get(f"/api/v1/tasks/{prepare}")
    assert (task["name"], task["state"], task["case_id"], task["assignee"]) == (PREPARE, "open", case_id, "Sina Sozial")
    assert task["schema"]["$id"] == "urn:koopflow:form:handover_prepare"
    assert task["schema"]["properties"]["person"]["required"][0] == "last_name"

    # When the Landkreis prepares it, the review waits in the LWV's inbox, not in the Landkreis's
    assert lk.complete(prepare, PREPARE_JSON) == {"id": prepare, "state": "completed", "case_id": case_id,
                                                  "case_status": "running"}
    assert (REVIEW, number) in lwv.inbox() and (REVIEW, number) not in lk.inbox()

    # And the LWV claims it and asks twice; each answer goes to Sina, who prepared the handover
    # (continuity), and Sven of her group cannot answer it for her
    rounds = [("Welche Werkstatt ist angefragt?", lk), ("Liegt das Gutachten vor?", lk)]
    for round_no, (text, answerer) in enumerate(rounds, 1):
        review = lwv.task_in_inbox(REVIEW, number)
        assert lwv.claim(review) == {"id": review, "assignee": "Lea Fachdienst"}
        assert lwv.get(f"/api/v1/tasks/{review}")["assignee"] == "Lea Fachdienst"
        lwv.complete(review, question(text))
        assert open_task_names(lk, case_id) == [ANSWER]
        assert (REVIEW, number) not in lwv.inbox() and (ANSWER, number) not in lwv.inbox()
        assert lk2.get(f"/api/v1/tasks/{answerer.task_in_inbox(ANSWER, number)}")["assignee"] == "Sina Sozial"
        answerer.complete(answerer.task_in_inbox(ANSWER, number), {"answer": f"Antwort {round_no}"})
        assert open_task_names(lwv, case_id) == [REVIEW]

    # And the Fachdienst proposes the takeover with vocational participation: the lead must approve it first
    lwv.complete(lwv.task_in_inbox(REVIEW, number), CONFIRM_JSON)
    assert open_task_names(lk, case_id) == [APPROVE]
    assert (APPROVE, number) not in lwv.inbox() and (APPROVE, number) not in lk.inbox()
    approval = lead.task_in_inbox(APPROVE, number)
    task = lead.get(f"/api/v1/tasks/{approval}")
    assert (task["name"], task["state"], task["case_id"]) == (APPROVE, "open", case_id)
    assert task["schema"]["$id"] == "urn:koopflow:form:approval_decision"
    assert lead.complete(approval, {"decision": "approve"}) == {"id": approval, "state": "completed",
                                                                "case_id": case_id, "case_status": "running"}
    assert lead.get(f"/api/v1/tasks/{approval}")["state"] == "completed"
    assert lead.inbox() == []

    # And only then is it confirmed: planning at the LWV, closing at the Landkreis
    assert open_task_names(lk, case_id) == sorted([PLANNING, CLOSE_LOCAL])
    assert (PLANNING, number) not in lk.inbox() and (CLOSE_LOCAL, number) not in lwv.inbox()
    close_local = lk.task_in_inbox(CLOSE_LOCAL, number)
    lwv.complete(lwv.task_in_inbox(PLANNING, number), PLANNING_JSON)
    assert open_task_names(lwv, case_id) == sorted([CLOSE_LOCAL, CLOSE_SUPRA])
    assert lwv.complete(lwv.task_in_inbox(CLOSE_SUPRA, number), CLOSE_SUPRA_JSON)["case_status"] == "running"
    assert lk.complete(close_local, CLOSE_LOCAL_JSON)["case_status"] == "completed"

    # Then both sides read a completed case with every step in its history, in order, with names
    case = lwv.get(f"/api/v1/cases/{case_id}")
    assert (case["status"], case["open_tasks"], case["completed_at"]) == ("completed", [], "2027-03-01T08:00:00+00:00")
    assert lk.get(f"/api/v1/cases/{case_id}")["status"] == "completed"
    steps = [(e["event"], e["task"], e["actor"]) for e in case["history"]
             if e["event"] in ("case.started", "task.completed", "case.completed")]
    sina, lea, leonie = "Sina Sozial", "Lea Fachdienst", "Leonie Leitung"
    assert steps == [
        ("case.started", None, sina), ("task.completed", PREPARE, sina),
        ("task.completed", REVIEW, lea), ("task.completed", ANSWER, sina),
        ("task.completed", REVIEW, lea), ("task.completed", ANSWER, sina),
        ("task.completed", REVIEW, lea), ("task.completed", APPROVE, leonie), ("task.completed", PLANNING, lea),
        ("task.completed", CLOSE_SUPRA, lea), ("task.completed", CLOSE_LOCAL, sina), ("case.completed", None, sina),
    ]
    assert [e["data"].get("question") for e in case["history"] if e["task"] == REVIEW and e["data"]] == [
        "Welche Werkstatt ist angefragt?", "Liegt das Gutachten vor?", None]
    [approved] = [e["data"] for e in case["history"] if e["event"] == "task.completed" and e["task"] == APPROVE]
    assert approved == {"approved": True, "approval_comment": "", "approved_by": [leonie]}  # the result, not the form
    # Lea claims the first review; the second is hers already (she worked on the case)
    assert [e["actor"] for e in case["history"] if e["event"] == "task.claimed"] == [lea]
    assert lk.inbox() == [] and lwv.inbox() == [] and lead.inbox() == []


def test_lead_who_rejects_the_takeover_must_give_a_reason_and_sends_it_back_to_the_review(as_api):
    # Given a takeover the Fachdienst has proposed
    lk, lwv, lead = as_api("lk.sozialamt"), as_api("lwv.fachdienst"), as_api("lwv.leitung")
    started = offered_handover(lk)
    case_id, number = started["id"], started["case_number"]
    lwv.complete(lwv.task_in_inbox(REVIEW, number), CONFIRM_JSON)
    approval = lead.task_in_inbox(APPROVE, number)

    # When the lead rejects it without a reason, she is asked for one and nothing is decided
    body = lead.complete(approval, {"decision": "reject"}, status=422)
    assert body["errors"] == {"comment": "Bitte begründen Sie die Ablehnung."}
    assert open_task_names(lk, case_id) == [APPROVE]

    # When she rejects it with a reason
    lead.complete(approval, {"decision": "reject", "comment": "Übernahmedatum mit dem Landkreis abstimmen."})

    # Then the review is back with the Fachdienst, the Landkreis has no confirmation, and the result says why
    assert open_task_names(lk, case_id) == [REVIEW] and lk.inbox() == []
    assert (REVIEW, number) in lwv.inbox() and lead.inbox() == []
    [result] = [e["data"] for e in lwv.get(f"/api/v1/cases/{case_id}")["history"]
                if e["event"] == "task.completed" and e["task"] == APPROVE]
    assert result == {"approved": False, "approval_comment": "Übernahmedatum mit dem Landkreis abstimmen.",
                      "approved_by": []}


def test_invalid_data_gets_422_with_german_field_errors_and_changes_nothing(as_api):
    # Given a started handover
    lk = as_api("lk.sozialamt")
    started = start_handover(lk)
    case_url, task_url = f"/api/v1/cases/{started['id']}", f"/api/v1/tasks/{started['task_id']}"
    before = lk.get(case_url)
    person = {**{k: v for k, v in PERSON.items() if k != "last_name"}, "birth_date": "2008-02-30"}

    # When it is completed without a name, with an impossible date and a text where yes/no belongs
    body = lk.complete(started["task_id"], {**PREPARE_JSON, "person": person, "has_overall_plan": "ja"}, status=422)

    # Then each field says in German what is wrong, and the task and case are as they were
    assert body["error"] == "Die Angaben sind unvollständig oder fehlerhaft."
    assert body["errors"] == {
        "person.last_name": "Bitte geben Sie den Namen an.",
        "person.birth_date": "Geburtsdatum muss ein gültiges Datum sein, z. B. 31.07.2025.",
        "has_overall_plan": "Bitte beantworten Sie „Liegt ein Gesamtplan/Teilhabeplan vor?“ mit Ja oder Nein.",
    }
    assert lk.get(task_url)["state"] == "open"
    after = lk.get(case_url)
    assert after == before and len(after["history"]) == len(before["history"])
    assert lk.inbox() == [(PREPARE, started["case_number"])]


def test_task_claimed_by_a_colleague_gets_409_for_another_member_of_the_group(as_api):
    # Given a review that Lea of the LWV Fachdienst has claimed
    started = offered_handover(as_api("lk.sozialamt"))
    lea, lars = as_api("lwv.fachdienst"), as_api("lwv.fachdienst2")
    review = lars.task_in_inbox(REVIEW, started["case_number"])
    lea.claim(review)

    # When Lars of the same group tries to complete it, or to claim it
    completed = lars.complete(review, CONFIRM_JSON, status=409)
    claimed = lars.claim(review, status=409)

    # Then both are refused in German, and the task still waits for Lea
    assert completed == claimed == {"error": "Diese Aufgabe bearbeitet bereits Lea Fachdienst."}
    task = lars.get(f"/api/v1/tasks/{review}")
    assert (task["state"], task["assignee"]) == ("open", "Lea Fachdienst")
    assert open_task_names(lars, started["id"]) == [REVIEW]


def test_second_completion_of_the_same_task_gets_409_and_changes_nothing(as_api):
    # Given a review that Lea has completed with a question
    started = offered_handover(as_api("lk.sozialamt"))
    lea, lars = as_api("lwv.fachdienst"), as_api("lwv.fachdienst2")
    review = lars.task_in_inbox(REVIEW, started["case_number"])
    lea.complete(review, question("Welche Werkstatt ist angefragt?"))
    case_url = f"/api/v1/cases/{started['id']}"
    before = lars.get(case_url)

    # When Lars, who had the same task open, completes it too
    body = lars.complete(review, CONFIRM_JSON, status=409)

    # Then he is told someone else was first, and the case is exactly as Lea left it
    assert body == {"error": ALREADY_DONE}
    after = lars.get(case_url)
    assert after == before
    completions = [e for e in after["history"] if e["event"] == "task.completed" and e["task"] == REVIEW]
    assert [(e["actor"], e["data"]["decision"]) for e in completions] == [("Lea Fachdienst", "question")]
    assert open_task_names(lars, started["id"]) == [ANSWER]
    assert lars.get(f"/api/v1/tasks/{review}")["state"] == "completed"


@pytest.mark.parametrize("authorization", [None, "Bearer kf_not-a-real-token", "Bearer ", "kf_without-scheme"])
def test_requests_without_a_valid_token_get_401_with_www_authenticate(app, authorization):
    # Given a client without a valid token (the routes exist; the token is checked before anything else)
    client = app.test_client()
    headers = {"Authorization": authorization} if authorization else {}
    for method, url in [("GET", "/api/v1/processes"), ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases/1"),
                        ("GET", "/api/v1/tasks"), ("GET", "/api/v1/tasks/1"), ("POST", "/api/v1/tasks/1/claim"),
                        ("POST", "/api/v1/tasks/1/complete")]:
        # When it calls the API
        response = client.open(url, method=method, headers=headers, json=HANDOVER)
        # Then it is asked to authenticate with a bearer token
        assert response.status_code == 401, (method, url, response.status_code)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="koopflow"'
        assert response.get_json()["error"].startswith("Anmeldung erforderlich")


def test_a_logged_in_browser_session_does_not_authenticate_the_api(app):
    browser = login(app, "lk.sozialamt")
    response = browser.client.post("/api/v1/cases", json=HANDOVER)  # no CSRF token needed: must not count
    assert response.status_code == 401
    assert browser.client.get("/api/v1/tasks").status_code == 401


def test_malformed_bodies_get_400_and_start_or_complete_nothing(as_api):
    lk = as_api("lk.sozialamt")
    # When a case is started with a body that is not {"process": "…", "agreement": "…"}
    for body in ["{not json", "[]", "null", '{"process": "handover_school_end"}',
                 '{"process": 1, "agreement": "landkreis-giessen"}']:
        assert lk.post_raw("/api/v1/cases", body, status=400)["error"].startswith("Erwartet")
    # Then no case was started: the first real one gets the first case number
    assert lk.inbox() == []
    started = start_handover(lk)
    assert started["case_number"] == "GI-2027-00001"

    # When a task is completed with a body that is not a JSON object
    for body in ["{not json", "[1, 2]", '"Mustermann"', "null"]:
        error = lk.post_raw(f"/api/v1/tasks/{started['task_id']}/complete", body, status=400)["error"]
        assert error == "Erwartet wird ein JSON-Objekt mit den Formulardaten."
    # Then the task is still open and the case unchanged
    assert lk.get(f"/api/v1/tasks/{started['task_id']}")["state"] == "open"
    assert [e["event"] for e in lk.get(f"/api/v1/cases/{started['id']}")["history"]] == ["case.started", "task.created"]


def test_other_agencies_cannot_see_or_touch_a_task_or_case_that_is_not_theirs(as_api):
    # Given a handover waiting at the LWV Fachdienst
    lk, lwv, fb204 = as_api("lk.sozialamt"), as_api("lwv.fachdienst"), as_api("lwv.fb204")
    started = offered_handover(lk)
    case_url = f"/api/v1/cases/{started['id']}"
    review = lwv.task_in_inbox(REVIEW, started["case_number"])
    before = lwv.get(case_url)

    # When the Landkreis reads, claims or completes the LWV's task
    # Then it is told the task does not exist for it, exactly as for a task that does not exist
    assert lk.get(f"/api/v1/tasks/{review}", status=404) == {"error": TASK_NOT_FOUND}
    assert lk.claim(review, status=404) == {"error": TASK_NOT_FOUND}
    assert lk.complete(review, CONFIRM_JSON, status=404) == {"error": TASK_NOT_FOUND}
    assert lk.get("/api/v1/tasks/99999", status=404) == {"error": TASK_NOT_FOUND}
    assert lk.get(case_url)["status"] == "running"  # the case itself is the Landkreis's to read

    # And FB 204, which takes part in no handover, sees neither the case nor the task
    assert fb204.get(case_url, status=404) == {"error": CASE_NOT_FOUND}
    assert fb204.get(f"/api/v1/tasks/{review}", status=404) == {"error": TASK_NOT_FOUND}
    assert fb204.inbox() == []
    assert lwv.get(case_url) == before  # none of it changed anything


def test_only_the_landkreis_can_start_a_handover_and_only_under_a_known_agreement(as_api):
    lk, lwv = as_api("lk.sozialamt"), as_api("lwv.fachdienst")
    # Given the processes each side may start
    startable = {(p["process"], p["agreement"]) for p in lk.get("/api/v1/processes")["processes"]}
    assert ("handover_school_end", "landkreis-giessen") in startable
    assert "handover_school_end" not in {p["process"] for p in lwv.get("/api/v1/processes")["processes"]}

    # When the LWV starts one anyway, or the Landkreis names an agreement or process that does not exist
    forbidden = lwv.post("/api/v1/cases", HANDOVER, status=403)
    no_agreement = lk.post("/api/v1/cases", {**HANDOVER, "agreement": "landkreis-nirgendwo"}, status=404)
    no_process = lk.post("/api/v1/cases", {**HANDOVER, "process": "handover_retirement"}, status=404)

    # Then each is refused in German and nothing was started
    assert forbidden == {"error": "Sie gehören zu keiner Stelle, die diesen Vorgang beginnen kann."}
    assert no_agreement == {"error": "Diese Kooperationsvereinbarung gibt es nicht."}
    assert no_process == {"error": "Dieser Prozess ist in der Vereinbarung nicht vorgesehen."}
    assert lwv.inbox() == [] and lk.inbox() == []
    assert start_handover(lk)["case_number"] == "GI-2027-00001"


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_openapi_document_is_valid_openapi_3_1_and_describes_every_api_route(app):
    from openapi_spec_validator import validate  # test extra: openapi-spec-validator

    # When anyone fetches the document
    response = app.test_client().get("/api/v1/openapi.json")

    # Then it is a valid OpenAPI 3.1 document
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1.")
    validate(document)

    # And every API route (path and method) is in it, and nothing that is not a route
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, operations in document["paths"].items()
                  for method in operations if method in HTTP_METHODS}
    assert routes == documented
    # The document itself is served without a token, and says so
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_api_responses_are_never_cached_and_bearer_is_case_insensitive(app, kf, clock):
    token = create_api_token(kf.db, clock, "lk.sozialamt")

    response = app.test_client().get("/api/v1/tasks", headers={"Authorization": f"bearer {token}"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_a_task_names_the_org_units_it_waits_in_and_keeps_the_old_field_inboxes(as_api):
    lk = as_api("lk.sozialamt")
    started = lk.call("POST", "/api/v1/cases", HANDOVER, status=201).get_json()
    lk.complete(started["task_id"], PREPARE_JSON)

    lwv = as_api("lwv.fachdienst")
    review = lwv.get(f"/api/v1/tasks/{lwv.task_in_inbox(REVIEW, started['case_number'])}")

    assert review["org_units"] == ["lwv-fachdienst-lk-giessen"]
    assert review["inboxes"] == review["org_units"]  # the v1 name, until a v2

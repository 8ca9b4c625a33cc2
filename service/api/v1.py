"""JSON API v1 for the agencies' own systems: personal bearer tokens, same rules as the pages."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request, url_for

from service.api.openapi import OPENAPI
from service.runtime import koopflow
from service.web.auth import csrf
from workflows.bodies.extra_meetings import bodies_to_convene, convene_extra_meeting
from workflows.cases.cancellation import cancel_case, cancellation_preview
from workflows.cases.inbox import inbox_page
from workflows.cases.starting import start_case, startable_processes
from workflows.cases.view import case_view
from workflows.cases.withdrawal import withdraw_handover
from workflows.errors import Conflict, ValidationFailed
from workflows.people.accounts import actor_for_token
from workflows.tasks import claim_task, complete_task, task_view

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies here: a bearer token cannot be sent by another site's form


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header[:7].lower() == "bearer " else ""
        actor = actor_for_token(koopflow().db, koopflow().clock, token) if token else None
        if actor is None:
            response = jsonify({"error": "Anmeldung erforderlich: Authorization: Bearer <Token>"})
            response.headers["WWW-Authenticate"] = 'Bearer realm="koopflow"'
            return response, 401
        g.actor = actor
        return view(*args, **kwargs)

    return wrapper


@bp.get("/openapi.json")
def openapi():
    return jsonify(OPENAPI)


@bp.get("/processes")
@token_required
def processes():
    return jsonify({"processes": [
        {"process": c["process_key"], "name": c["process_name"], "agreement": c["agreement_id"],
         "agreement_name": c["agreement_name"]}
        for c in startable_processes(koopflow().db, g.actor)
    ]})


@bp.post("/cases")
@token_required
def create_case():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("process"), str) or not isinstance(body.get("agreement"), str):
        return jsonify({"error": "Erwartet: {\"process\": \"…\", \"agreement\": \"…\"}"}), 400
    app = koopflow()
    started = start_case(app.db, app.clock, g.actor, body["process"], body["agreement"])
    payload = {"id": started.case_id, "case_number": started.case_number, "task_id": started.my_task_id}
    return jsonify(payload), 201, {"Location": url_for("api.get_case", case_id=started.case_id)}


@bp.get("/meetings")
@token_required
def meeting_bodies():
    return jsonify({"bodies": [
        {"body": b.choice, "agreement": b.agreement_id, "key": b.key, "title": b.title, "reference": b.reference}
        for b in bodies_to_convene(koopflow().db, g.actor)]})


@bp.post("/meetings")
@token_required
def convene_meeting():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(isinstance(body.get(k, ""), str) for k in ("body", "reason")):
        return jsonify({"error": "Erwartet: {\"body\": \"Vereinbarung:Gremium\", \"reason\": \"…\"}"}), 400
    app = koopflow()
    try:
        case_id, number = convene_extra_meeting(app.db, app.clock, g.actor, body.get("body", ""),
                                                body.get("reason", ""))
    except ValidationFailed as exc:
        return jsonify({"error": exc.message, "errors": exc.errors}), 422
    except Conflict as exc:
        return jsonify({"error": exc.message}), 409
    return (jsonify({"id": case_id, "case_number": number}), 201,
            {"Location": url_for("api.get_case", case_id=case_id)})


@bp.get("/cases/<int:case_id>")
@token_required
def get_case(case_id: int):
    view = case_view(koopflow().db, g.actor, case_id)
    return jsonify({
        "id": view.case.id,
        "case_number": view.case.case_number,
        "process": view.case.process_key,
        "agreement": view.case.agreement_id,
        "status": view.case.status,
        "created_at": view.case.created_at.isoformat(),
        "completed_at": view.case.completed_at.isoformat() if view.case.completed_at else None,
        "open_tasks": [_task_summary(task, groups) for task, groups in view.open_tasks],
        "history": [
            {"at": e.at.isoformat(), "event": e.kind, "actor": actor, "task": e.task_name,
             "data": e.details.get("data"), "reason": e.details.get("reason"), "note": e.details.get("note")}
            for e, actor in view.history
        ],
        # internal notes: only those of the caller's own agency
        "notes": [{"id": n.id, "at": n.created_at.isoformat(), "author": n.author, "agency": n.agency, "text": n.body}
                  for n in view.notes],
    })


@bp.post("/cases/<int:case_id>/cancel")
@token_required
def cancel(case_id: int):
    body = request.get_json(silent=True)
    app = koopflow()
    if not isinstance(body, dict) or not isinstance(body.get("reason"), str):
        cancellation_preview(app.db, g.actor, case_id)  # a foreign id is 404, not 400
        return jsonify({"error": "Erwartet: {\"reason\": \"…\"}"}), 400
    try:
        case = cancel_case(app.db, app.clock, g.actor, case_id, body["reason"])
    except ValidationFailed as exc:
        return jsonify({"error": exc.message, "errors": exc.errors}), 422
    return jsonify({"id": case.id, "status": case.status})


@bp.post("/cases/<int:case_id>/withdraw")
@token_required
def withdraw(case_id: int):
    body = request.get_json(silent=True)
    app = koopflow()
    if (not isinstance(body, dict) or not isinstance(body.get("reason"), str)
            or not isinstance(body.get("note", ""), (str, type(None)))):
        case_view(app.db, g.actor, case_id)  # a foreign id is 404, not 400
        return jsonify({"error": "Erwartet: {\"reason\": \"…\", \"note\": \"…\"}"}), 400
    try:
        case = withdraw_handover(app.db, app.clock, g.actor, case_id, body["reason"], body.get("note"))
    except ValidationFailed as exc:
        return jsonify({"error": exc.message, "errors": exc.errors}), 422
    return jsonify({"id": case.id, "status": case.status})


@bp.get("/tasks")
@token_required
def list_tasks():
    page = inbox_page(koopflow().db, g.actor, request.args.get("after"))
    return jsonify({
        "tasks": [
            {"id": r.task_id, "case_id": r.case_id, "case_number": r.case_number, "name": r.task_name,
             "agency": r.agency, "due_on": r.due_on.isoformat() if r.due_on else None,
             "since": r.since.isoformat(), "assignee": r.assignee_name}
            for r in page.rows
        ],
        "next": url_for("api.list_tasks", after=page.next_cursor) if page.next_cursor else None,
    })


@bp.get("/tasks/<int:task_id>")
@token_required
def get_task(task_id: int):
    view = task_view(koopflow().db, g.actor, task_id)
    summary = _task_summary(view.task, view.groups)
    summary.update({"case_id": view.case.id, "case_number": view.case.case_number,
                    "assignee": view.assignee_name, "schema": view.schema})
    return jsonify(summary)


@bp.post("/tasks/<int:task_id>/claim")
@token_required
def claim(task_id: int):
    app = koopflow()
    claim_task(app.db, app.clock, g.actor, task_id)
    return jsonify({"id": task_id, "assignee": g.actor.display_name})


@bp.post("/tasks/<int:task_id>/complete")
@token_required
def complete(task_id: int):
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"error": "Erwartet wird ein JSON-Objekt mit den Formulardaten."}), 400
    app = koopflow()
    try:
        case = complete_task(app.db, app.clock, g.actor, task_id, data, channel="api")
    except ValidationFailed as exc:
        return jsonify({"error": exc.message, "errors": exc.errors}), 422
    except Conflict as exc:
        return jsonify({"error": exc.message}), 409
    return jsonify({"id": task_id, "state": "completed", "case_id": case.id, "case_status": case.status})


def _task_summary(task, org_units: list[str]) -> dict:
    """``inboxes`` is the old name of ``org_units``, kept for clients of v1 until a v2."""
    return {"id": task.id, "name": task.name, "task": task.bpmn_id, "state": task.state,
            "due_on": task.due_on.isoformat() if task.due_on else None, "org_units": org_units,
            "inboxes": org_units}

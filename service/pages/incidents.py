"""Störungen: what failed in the background or after a task, for administrators to act on.

Retry tries a timer at once (the worker takes everything else in its next round); resolve
closes an incident whose cause was dealt with otherwise; skip drops the due reminder or
escalation timer(s) of a timer incident's case (with a reason); cancelling the case is done on the
case's page, which this page links to. Each action is in the audit log (Protokoll).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.errors import Conflict, ValidationFailed
from workflows.incidents import list_incidents, resolve_incident, retry_incident, show_incident, skip_timer
from workflows.people.access import require_admin
from workflows.store.incidents import MAX_ATTEMPTS, OPEN, RESOLUTION_LABELS, TIMER
from workflows.worker import wake_case

bp = Blueprint("incidents", __name__)


@bp.get("/admin/incidents")
@login_required
def index():
    closed = request.args.get("status") == "closed"
    rows = list_incidents(koopflow().db, current_actor(), None if closed else OPEN)
    if closed:
        rows = [row for row in rows if row.incident.status != OPEN]
    return render_template("incidents/index.html", rows=rows, closed=closed, max_attempts=MAX_ATTEMPTS)


@bp.get("/admin/incidents/<int:incident_id>")
@login_required
def show(incident_id: int):
    return _render(incident_id, {}, {})


def _render(incident_id: int, values, errors: dict, status: int = 200):
    row = show_incident(koopflow().db, current_actor(), incident_id)
    return render_template("incidents/show.html", row=row, resolutions=RESOLUTION_LABELS, timer=TIMER,
                           values=values, errors=errors), status


@bp.post("/admin/incidents/<int:incident_id>/retry")
@login_required
def retry(incident_id: int):
    app, actor = koopflow(), current_actor()
    require_admin(actor)
    try:
        row = retry_incident(app.db, app.clock, actor, incident_id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("incidents.show", incident_id=incident_id))
    if row.incident.kind == TIMER and row.incident.case_id is not None:
        wake_case(app.db, app.clock, row.incident.case_id)
        if show_incident(app.db, actor, incident_id).incident.status == OPEN:
            flash("Der erneute Versuch ist wieder fehlgeschlagen; die Störung bleibt offen.", "error")
        else:
            flash("Der erneute Versuch ist gelungen; die Störung ist erledigt.", "success")
    else:
        flash("Der Hintergrunddienst versucht es in seiner nächsten Runde erneut.", "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))


@bp.post("/admin/incidents/<int:incident_id>/resolve")
@login_required
def resolve(incident_id: int):
    app, actor = koopflow(), current_actor()
    require_admin(actor)
    try:
        resolve_incident(app.db, app.clock, actor, incident_id)
        flash("Die Störung ist als erledigt markiert.", "success")
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(url_for("incidents.show", incident_id=incident_id))


@bp.post("/admin/incidents/<int:incident_id>/skip")
@login_required
def skip(incident_id: int):
    app, actor = koopflow(), current_actor()
    require_admin(actor)
    try:
        skipped = skip_timer(app.db, app.clock, actor, incident_id, request.form.get("reason", ""))
    except ValidationFailed as exc:
        return _render(incident_id, request.form, exc.errors, status=422)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("incidents.show", incident_id=incident_id))
    flash(f"Übersprungen: {', '.join(skipped.timers)}. Der Vorgang läuft ohne diesen Zeitgeber weiter; "
          "die Störung ist erledigt.", "success")
    return redirect(url_for("incidents.show", incident_id=incident_id))

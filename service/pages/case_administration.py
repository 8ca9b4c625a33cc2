"""Vorgang verwalten: suspend / resume, reset to an earlier step, move to the newest version
of the diagram — for administrators and the leads of the case's agreement. Cancelling a
case is the case page's own action."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.cases.administration import (
    administration_of,
    migrate_case,
    reset_case,
    resume_case,
    suspend_case,
)
from workflows.errors import Conflict, ValidationFailed

bp = Blueprint("case_administration", __name__)
DONE = {"suspend": "Der Vorgang ist angehalten.", "resume": "Der Vorgang läuft weiter.",
        "reset": "Der Vorgang ist auf den gewählten Schritt zurückgesetzt.",
        "migrate": "Der Vorgang läuft jetzt auf der neuesten Fassung seines Ablaufs."}


@bp.get("/admin/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _render(case_id, {}, {})


def _render(case_id: int, values, errors: dict, status: int = 200):
    view = administration_of(koopflow().db, current_actor(), case_id)
    return render_template("case_administration.html", view=view, values=values, errors=errors), status


@bp.post("/admin/cases/<int:case_id>")
@login_required
def act(case_id: int):
    app, actor = koopflow(), current_actor()
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    commands = {
        "suspend": lambda: suspend_case(app.db, app.clock, actor, case_id, reason),
        "resume": lambda: resume_case(app.db, app.clock, actor, case_id, reason),
        "reset": lambda: reset_case(app.db, app.clock, actor, case_id, request.form.get("task_id", type=int) or 0,
                                    reason),
        "migrate": lambda: migrate_case(app.db, app.clock, actor, case_id, reason),
    }
    administration_of(app.db, actor, case_id)  # 404 before anything else for who may not
    if action not in commands:
        return _render(case_id, request.form, {"action": "Bitte wählen Sie, was geschehen soll."}, status=422)
    try:
        commands[action]()
    except ValidationFailed as exc:
        return _render(case_id, request.form, {f"{action}.{k}": v for k, v in exc.errors.items()}, status=422)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("case_administration.show", case_id=case_id))
    flash(DONE[action], "success")  # back here: a lead may administer a case whose page they cannot read
    return redirect(url_for("case_administration.show", case_id=case_id))

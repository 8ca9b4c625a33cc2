"""Zusätzliche Sitzung: a partner convenes an extra meeting of a body of its agreement
(workflows/bodies/extra_meetings.py); the meeting is a case like every other of that body."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.bodies.extra_meetings import REASON_MAX, bodies_to_convene, convene_extra_meeting
from workflows.errors import Conflict, ValidationFailed

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _page(errors: dict, values: dict, status: int = 200):
    bodies = bodies_to_convene(koopflow().db, current_actor())
    return render_template("meetings.html", bodies=bodies, errors=errors, values=values,
                           reason_max=REASON_MAX), status


@bp.get("/new")
@login_required
def new():
    return _page({}, {})


@bp.post("/new")
@login_required
def create():
    app = koopflow()
    values = {"body": request.form.get("body", ""), "reason": request.form.get("reason", "")}
    try:
        case_id, _number = convene_extra_meeting(app.db, app.clock, current_actor(), values["body"], values["reason"])
    except ValidationFailed as exc:
        return _page(exc.errors, values, 422)
    except Conflict as exc:
        return _page({"body": str(exc)}, values, 409)
    return redirect(url_for("cases.show", case_id=case_id))

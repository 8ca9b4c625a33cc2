"""Vorgänge: list my cases, start a new one, read one with its history."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from service.app import koopflow
from service.auth import current_actor
from service.record import case_record
from workflows.cases import case_view, cases_of, start_case, startable_processes

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("")
@login_required
def index():
    return render_template("cases.html", cases=cases_of(koopflow().db, current_actor()))


@bp.get("/new")
@login_required
def new():
    choices = startable_processes(koopflow().db, current_actor())
    return render_template("case_new.html", choices=choices, error=None)


@bp.post("")
@login_required
def create():
    app = koopflow()
    choices = startable_processes(app.db, current_actor())
    choice = request.form.get("choice", "")
    allowed = {f"{c['agreement_id']}/{c['process_key']}" for c in choices}
    if choice not in allowed:
        error = "Bitte wählen Sie aus, welchen Vorgang Sie beginnen möchten."
        return render_template("case_new.html", choices=choices, error=error), 422
    agreement_id, process_key = choice.split("/", 1)
    started = start_case(app.db, app.clock, current_actor(), process_key, agreement_id)
    return redirect(url_for("tasks.show", task_id=started.my_task_id))


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int):
    view = case_view(koopflow().db, current_actor(), case_id)
    return render_template("case.html", view=view, record=case_record(view))

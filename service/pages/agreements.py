"""Die Kooperationsvereinbarung: status (gekündigt zum …, beendet), every version, each diff."""
from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.agreements.amendment import DATA_FIELD, as_text, diff_lines
from workflows.agreements.reading import read_agreement
from workflows.agreements.structured_change import change_form, changed_data, preview, summary_of
from workflows.agreements.view import current_data, my_agreements, version_text, versions
from workflows.cases.starting import start_case, startable_processes
from workflows.errors import NotFound

AMENDMENT = "amendment"

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.get("")
@login_required
def index():
    return render_template("agreements/index.html", agreements=my_agreements(koopflow().db, current_actor()))


@bp.get("/<agreement_id>")
@login_required
def show(agreement_id: str):
    status, rows = versions(koopflow().db, current_actor(), agreement_id)
    data, number = current_data(koopflow().db, current_actor(), agreement_id)
    return render_template("agreements/show.html", status=status, versions=rows, reading=read_agreement(data),
                           current_number=number, may_amend=_may_amend(agreement_id))


@bp.get("/<agreement_id>/versions/<int:number>")
@login_required
def version(agreement_id: str, number: int):
    status, _rows = versions(koopflow().db, current_actor(), agreement_id)
    text = version_text(koopflow().db, current_actor(), agreement_id, number)
    return render_template("agreements/version.html", status=status, version=text, diff=diff_lines(text.diff),
                           reading=read_agreement(text.data))


def _may_amend(agreement_id: str) -> bool:
    return any(c["process_key"] == AMENDMENT and c["agreement_id"] == agreement_id
               for c in startable_processes(koopflow().db, current_actor()))


@bp.get("/<agreement_id>/change")
@login_required
def change(agreement_id: str):
    """An Anpassung of the common parts as a form: body frequencies and participants, request deadlines."""
    data, _number = current_data(koopflow().db, current_actor(), agreement_id)
    if not _may_amend(agreement_id):
        raise NotFound("Diese Seite gibt es nicht, oder Sie haben keinen Zugriff darauf.")
    return _change_page(agreement_id, data, change_form(data), None, {}, None, 200)


@bp.post("/<agreement_id>/change")
@login_required
def change_post(agreement_id: str):
    """"Vorschau": the diff the partners will see; "Als Anpassung vorschlagen": the Anpassung starts
    with the changed data and the summary filled in, and its first task opens (Gilt ab still to give)."""
    app = koopflow()
    data, _number = current_data(app.db, current_actor(), agreement_id)
    if not _may_amend(agreement_id):
        raise NotFound("Diese Seite gibt es nicht, oder Sie haben keinen Zugriff darauf.")
    new, errors = changed_data(data, request.form)
    if errors or new == data:
        if not errors:
            errors = {"": "Sie haben nichts geändert: Vorschau und Vorschlag brauchen mindestens eine Änderung."}
        return _change_page(agreement_id, data, change_form(data), request.form, errors, None, 422)
    if request.form.get("action") != "propose":
        return _change_page(agreement_id, data, change_form(data), request.form, {}, new, 200)
    started = start_case(app.db, app.clock, current_actor(), AMENDMENT, agreement_id,
                         data={DATA_FIELD: as_text(new), "summary": summary_of(data, new)},
                         start_token=_token(request.form.get("start_token")))
    return redirect(url_for("tasks.show", task_id=started.my_task_id) if started.my_task_id
                    else url_for("cases.show", case_id=started.case_id))


def _change_page(agreement_id: str, data: dict, form, typed, errors: dict, new: dict | None, status: int):
    status_row, _rows = versions(koopflow().db, current_actor(), agreement_id)
    return render_template("agreements/change.html", status=status_row, form=form, typed=typed, errors=errors,
                           diff=diff_lines(preview(data, new)) if new else None,
                           summary=summary_of(data, new) if new else "", units=dict(form.units),
                           start_token=secrets.token_urlsafe(24)), status


def _token(sent: str | None) -> str | None:
    """The preview's one-time token (a second click starts no second Anpassung), if it looks like one."""
    if sent and 16 <= len(sent) <= 64 and all(c.isalnum() or c in "-_" for c in sent):
        return sent
    return None

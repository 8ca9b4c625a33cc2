"""A task: open its form, complete it, claim it, give it back or hand it to a colleague."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from service.parts.panels import task_panel
from service.parts.record import case_record, returned_with
from service.parts.uploads import read_uploads
from service.runtime import koopflow
from service.web.auth import current_actor
from service.web.errors import failure
from workflows.agreements.view import agreement_status
from workflows.annual.data_set import column_rows, data_set_of_case
from workflows.annual.request_facts import request_facts
from workflows.bodies.guests import invitees
from workflows.cases.documents import discard_uploads
from workflows.cases.follow_ups import clear_follow_up, my_follow_up, set_follow_up
from workflows.cases.reminders import reminder_rows
from workflows.cases.view import case_view
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.forms import apply_form_action, check_form, form_action, form_fields, form_values
from workflows.store.tasks import OPEN
from workflows.tasks import (
    claim_task,
    complete_task,
    hand_over_task,
    may_take_over,
    save_draft,
    take_over_task,
    task_form,
    task_view,
    unclaim_task,
)

bp = Blueprint("tasks", __name__, url_prefix="/tasks")
DRAFT_BUTTON = "save_draft"


@bp.get("/<int:task_id>")
@login_required
def show(task_id: int):
    view = task_view(koopflow().db, current_actor(), task_id)
    values = form_values(view.schema or {}, view.ui, view.prefill) if view.prefill else None
    if view.draft is not None:  # the user's own draft wins over what the case already holds
        values = MultiDict([(k, v) for k, vs in view.draft.values.items() for v in vs])
    return _render(task_id, values=values, errors={}, view=view)


def _render(task_id: int, values, errors: dict, status: int = 200, conflict: str | None = None, view=None,
            follow_up_errors: dict | None = None, follow_up_typed: dict | None = None):
    app = koopflow()
    view = view or task_view(app.db, current_actor(), task_id)
    # a task someone else has claimed shows no form: it is theirs until given back or taken over
    others = view.task.assignee_id not in (None, current_actor().user_id)
    fields = form_fields(view.schema or {}, view.ui) if view.task.state == OPEN and not others else []
    if conflict and not fields and values:  # someone else was first: the typed values stay to be copied
        fields = form_fields(view.schema or {}, view.ui)
    case = case_view(app.db, current_actor(), view.case.id)
    record = case_record(case)
    data_set = data_set_of_case(app.db, view.case) if fields else None  # § 9: the columns expected
    return render_template(
        "tasks.html", view=view, fields=fields, values=values, errors=errors, record=record, figures=case.figures,
        notes=case.notes,
        returned=returned_with(record, view.task.created_at) if view.task.state == OPEN else None,
        me=current_actor(), conflict=conflict, typed_only=bool(conflict and fields and view.task.state != OPEN),
        panel=task_panel(app, view) if view.task.state == OPEN else None,
        agreement=agreement_status(app.db, view.case.agreement_id), claimed_by_other=others,
        can_take_over=view.task.state == OPEN and may_take_over(app.db, app.clock, current_actor(), view.task),
        follow_up=my_follow_up(app.db, current_actor(), task_id), follow_up_errors=follow_up_errors or {},
        follow_up_typed=follow_up_typed, reminders=reminder_rows(view.task) if view.task.state == OPEN else [],
        facts=request_facts(app.db, view.case.id),
        data_set=data_set if data_set and data_set["field"] in [f.name for f in fields] else None,
        data_set_columns=column_rows(data_set) if data_set else [],
        invitees=invitees(app.db, view.case) if fields else None,  # a meeting: who is invited
    ), status


@bp.post("/<int:task_id>")
@login_required
def complete(task_id: int):
    app = koopflow()
    if request.form.get(DRAFT_BUTTON):  # "Als Entwurf speichern": kept for me, nothing checked or done
        try:
            save_draft(app.db, app.clock, current_actor(), task_id, request.form.to_dict(flat=False))
        except (Conflict, ValidationFailed) as exc:
            return _render(task_id, request.form, {}, status=409, conflict=getattr(exc, "message", str(exc)))
        chosen = any(upload.filename for upload in request.files.values())
        flash("Ihr Entwurf ist gespeichert. Die Aufgabe ist noch nicht erledigt."
              + (" Gewählte Dateien bewahrt der Entwurf nicht auf: Bitte wählen Sie sie beim Absenden erneut."
                 if chosen else ""), "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    if form_action(request.form):  # "Weitere Person hinzufügen" / "Person 2 entfernen": not done yet
        _task, schema, ui = task_form(app.db, current_actor(), task_id)
        return _render(task_id, apply_form_action(schema or {}, ui, request.form), {})
    uploads, names = {}, []

    def check(task, schema, ui):  # in the command, against the form it reads with the task
        names.append(task.name)
        data, errors = check_form(schema or {}, ui, request.form)
        stored, errors = read_uploads(app.settings.documents_dir, schema or {}, ui, request.files, errors)
        uploads.update(stored)
        if errors:
            raise ValidationFailed(errors)
        return data, stored

    try:
        case = complete_task(app.db, app.clock, current_actor(), task_id, check=check)
    except (NotFound, Forbidden):
        raise
    except ValidationFailed as exc:  # the uploads are stored only when the command commits
        discard_uploads(app.db, app.settings.documents_dir, uploads.values())
        return _render(task_id, request.form, exc.errors, status=422)
    except Conflict as exc:
        discard_uploads(app.db, app.settings.documents_dir, uploads.values())
        return _render(task_id, request.form, {}, status=409, conflict=exc.message)
    except Exception as exc:  # locked, unreachable, an engine error: the form again, as typed, with why
        discard_uploads(app.db, app.settings.documents_dir, uploads.values())
        status, message = failure(exc)
        return _render(task_id, request.form, {}, status=status, conflict=message)
    flash(f"„{names[0]}“ ist erledigt.", "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    app = koopflow()
    try:
        claim_task(app.db, app.clock, current_actor(), task_id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(_back(task_id))
    # claimed from the Posteingang too: straight on to the task, not a second click (walk m8)
    flash("Sie bearbeiten diese Aufgabe jetzt.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<int:task_id>/unclaim")
@login_required
def unclaim(task_id: int):
    app = koopflow()
    try:
        unclaim_task(app.db, app.clock, current_actor(), task_id)
        flash("Die Aufgabe liegt wieder im Gruppenposteingang.", "success")
    except (Conflict, Forbidden) as exc:
        flash(exc.message, "error")
    return redirect(_back(task_id))


@bp.post("/<int:task_id>/hand-over")
@login_required
def hand_over(task_id: int):
    app = koopflow()
    try:
        hand_over_task(app.db, app.clock, current_actor(), task_id, request.form.get("colleague", ""),
                       request.form.get("reason", ""), request.form.get("handover_note", ""))
        flash("Die Aufgabe wurde übergeben.", "success")
    except (Conflict, Forbidden) as exc:
        flash(exc.message, "error")
    except ValidationFailed as exc:
        flash(" ".join(exc.errors.values()), "error")
    return redirect(_back(task_id))


@bp.post("/<int:task_id>/take-over")
@login_required
def take_over(task_id: int):
    """A deputy or the group's lead takes a task someone else claimed."""
    app = koopflow()
    try:
        take_over_task(app.db, app.clock, current_actor(), task_id, request.form.get("reason", ""))
        flash("Sie bearbeiten diese Aufgabe jetzt.", "success")
    except (Conflict, Forbidden) as exc:
        flash(exc.message, "error")
    except ValidationFailed as exc:
        flash(" ".join(exc.errors.values()), "error")
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<int:task_id>/follow-up")
@login_required
def follow_up_post(task_id: int):
    """My Wiedervorlage: the task leaves my open work until that day."""
    app = koopflow()
    typed = {"follow_up_on": request.form.get("follow_up_on", ""), "follow_up_note": request.form.get("follow_up_note", "")}
    try:
        due_on = set_follow_up(app.db, app.clock, current_actor(), task_id, typed["follow_up_on"], typed["follow_up_note"])
    except ValidationFailed as exc:
        return _render(task_id, None, {}, status=422, follow_up_errors=exc.errors, follow_up_typed=typed)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(f"Wiedervorlage am {due_on:%d.%m.%Y}: Bis dahin steht die Aufgabe nicht in Ihrem Posteingang.", "success")
    return redirect(url_for("inbox.inbox"))


@bp.post("/<int:task_id>/follow-up/delete")
@login_required
def follow_up_clear(task_id: int):
    clear_follow_up(koopflow().db, current_actor(), task_id)
    flash("Die Wiedervorlage ist aufgehoben; die Aufgabe steht wieder in Ihrem Posteingang.", "success")
    return redirect(url_for("tasks.show", task_id=task_id))


def _back(task_id: int) -> str:
    """Back where the button was pressed: the inbox or the task page."""
    if request.form.get("return_to") == "inbox":
        return url_for("inbox.inbox")
    return url_for("tasks.show", task_id=task_id)

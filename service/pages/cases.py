"""Vorgänge: list my cases, start a new one, read one with its history."""
from __future__ import annotations

import secrets
from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.parts.record import case_record
from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.agreements.view import agreement_status, my_agreements
from workflows.annual.named_list import HANDOVER_PROCESS, list_rows, start_handover_from_row
from workflows.bodies.guests import guest_choices, invite_guests
from workflows.cases.cancellation import cancel_case, cancellation_preview
from workflows.cases.case_list import case_page, filter_from_params, parse_case_filter
from workflows.cases.follow_ups import clear_case_follow_up, my_case_follow_up, set_case_follow_up
from workflows.cases.inbox import process_choices
from workflows.cases.notes import add_note, delete_note
from workflows.cases.saved_filters import delete_filter, my_filter, my_filters, save_filter
from workflows.cases.starting import start_case, startable_processes
from workflows.cases.view import case_view
from workflows.cases.withdrawal import REASONS as WITHDRAW_REASONS
from workflows.cases.withdrawal import withdraw_handover
from workflows.errors import ValidationFailed
from workflows.store.cases import STATUS_LABELS

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("")
@login_required
def index():
    """The list with the filters of the URL (no search term: that is personal data) or of a
    saved filter (``?filter=ID``, one of the user's own; its search term stays on the server)."""
    saved = None
    if request.args.get("filter"):
        saved = my_filter(koopflow().db, current_actor(), request.args.get("filter", type=int) or 0)
        if saved is None:
            abort(404)
        filters, errors = filter_from_params(saved.params), {}
    else:
        filters, errors = _parse(request.args.to_dict())
        filters = replace(filters, q="")
    return _list(filters, errors, request.args.get("after", type=int), saved)


@bp.post("/search")
@login_required
def search():
    """The same list for a search term (and filters), sent by POST so the term stays out of URLs."""
    filters, errors = _parse(request.form.to_dict())
    return _list(filters, errors, request.form.get("after", type=int), None)


@bp.post("/filters")
@login_required
def save_filter_post():
    app = koopflow()
    filters, errors = _parse(request.form.to_dict())
    if not errors:
        try:
            saved = save_filter(app.db, app.clock, current_actor(), request.form.get("name", ""), filters)
        except ValidationFailed as exc:
            errors = exc.errors
        else:
            flash(f"Filter „{saved.name}“ gespeichert; Sie finden ihn auch im Posteingang.", "success")
            return redirect(url_for("cases.index", filter=saved.id))
    return _list(filters, errors, None, None)


@bp.post("/filters/<int:filter_id>/delete")
@login_required
def delete_filter_post(filter_id: int):
    delete_filter(koopflow().db, current_actor(), filter_id)
    flash("Filter gelöscht.", "success")
    return redirect(url_for("cases.index"))


def _parse(values: dict):
    app = koopflow()
    return parse_case_filter(values, {k for k, _n in process_choices(app.db)},
                             {a.id for a in my_agreements(app.db, current_actor())})


def _list(filters, errors: dict, cursor: int | None, saved):
    app = koopflow()
    page = case_page(app.db, current_actor(), filters, None if errors else cursor)
    return render_template(
        "cases/index.html", page=page, filters=filters, errors=errors, typed=request.values, saved=saved,
        first_page=not cursor, processes=process_choices(app.db), statuses=STATUS_LABELS,
        agreements=[(a.id, a.name) for a in my_agreements(app.db, current_actor())],
        saved_filters=my_filters(app.db, current_actor()), searched=request.method == "POST",
    ), 422 if errors else 200


@bp.get("/new")
@login_required
def new():
    choices = startable_processes(koopflow().db, current_actor())
    return render_template("cases/new.html", choices=choices, error=None, closed=_closed(koopflow().db),
                           start_token=secrets.token_urlsafe(24))


@bp.post("")
@login_required
def create():
    app = koopflow()
    choices = startable_processes(app.db, current_actor())
    choice = request.form.get("choice", "")
    allowed = {f"{c['agreement_id']}/{c['process_key']}" for c in choices}
    if choice not in allowed:
        closed = _closed(app.db)
        refused = [s.refusal for s in closed if s.id == choice.split("/", 1)[0]]
        error = refused[0] if refused else "Bitte wählen Sie aus, welchen Vorgang Sie beginnen möchten."
        return render_template("cases/new.html", choices=choices, error=error, closed=closed,
                               start_token=_token(request.form.get("start_token"))), 422
    agreement_id, process_key = choice.split("/", 1)
    started = start_case(app.db, app.clock, current_actor(), process_key, agreement_id,
                         start_token=_token(request.form.get("start_token")))
    if started.my_task_id is None:
        return redirect(url_for("cases.show", case_id=started.case_id))
    return redirect(url_for("tasks.show", task_id=started.my_task_id))


def _token(sent: str | None) -> str:
    """The start form's one-time token as sent, if it looks like one; else a fresh one."""
    if sent and 16 <= len(sent) <= 64 and all(c.isalnum() or c in "-_" for c in sent):
        return sent
    return secrets.token_urlsafe(24)


def _closed(db) -> list:
    """The actor's ended agreements: the page says why nothing can be started under them."""
    return [s for s in my_agreements(db, current_actor()) if s.is_ended]


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int):
    app = koopflow()
    view = case_view(app.db, current_actor(), case_id)
    rows = list_rows(app.db, current_actor(), case_id)
    can_hand_over = any(c["process_key"] == HANDOVER_PROCESS and c["agreement_id"] == view.case.agreement_id
                        for c in startable_processes(app.db, current_actor())) if rows else False
    return _show(view, rows, can_hand_over, {}, {}, 200)


def _show(view, rows, can_hand_over, errors: dict, typed: dict, status: int, follow_up_errors: dict | None = None,
          follow_up_typed: dict | None = None, guest_errors: dict | None = None):
    app = koopflow()
    return render_template("cases/show.html", view=view, record=case_record(view), rows=rows, can_hand_over=can_hand_over,
                           agreement=agreement_status(app.db, view.case.agreement_id),
                           withdraw_reasons=WITHDRAW_REASONS, errors=errors, typed=typed,
                           follow_up=my_case_follow_up(app.db, current_actor(), view.case.id),
                           follow_up_errors=follow_up_errors or {}, follow_up_typed=follow_up_typed,
                           guests=guest_choices(app.db, current_actor(), view.case.id),
                           guest_errors=guest_errors or {}), status


@bp.post("/<int:case_id>/withdraw")
@login_required
def withdraw(case_id: int):
    """The handing side takes its handover back, with a reason (the diagram ends the case)."""
    app = koopflow()
    typed = {"withdraw_reason": request.form.get("withdraw_reason", ""), "withdraw_note": request.form.get("withdraw_note", "")}
    try:
        withdraw_handover(app.db, app.clock, current_actor(), case_id, typed["withdraw_reason"], typed["withdraw_note"])
    except ValidationFailed as exc:
        view = case_view(app.db, current_actor(), case_id)
        return _show(view, list_rows(app.db, current_actor(), case_id), False, exc.errors, typed, 422)
    flash("Die Übergabe ist zurückgezogen; der Vorgang ist auf beiden Seiten beendet.", "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/follow-up")
@login_required
def follow_up_post(case_id: int):
    """The reader's own Wiedervorlage on the whole case."""
    app = koopflow()
    typed = {"follow_up_on": request.form.get("follow_up_on", ""), "follow_up_note": request.form.get("follow_up_note", "")}
    try:
        due_on = set_case_follow_up(app.db, app.clock, current_actor(), case_id, typed["follow_up_on"],
                                    typed["follow_up_note"])
    except ValidationFailed as exc:
        view = case_view(app.db, current_actor(), case_id)
        return _show(view, list_rows(app.db, current_actor(), case_id), False, {}, {}, 422,
                     follow_up_errors=exc.errors, follow_up_typed=typed)
    flash(f"Der Vorgang wird Ihnen am {due_on:%d.%m.%Y} wieder vorgelegt; bis dahin stehen seine Aufgaben nicht "
          "in Ihrem Posteingang.", "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="follow-up-heading"))


@bp.post("/<int:case_id>/guests")
@login_required
def guests_post(case_id: int):
    """Ad-hoc participants of a meeting: org units of either partner, contacts (§ 5)."""
    app = koopflow()
    try:
        count = invite_guests(app.db, app.clock, current_actor(), case_id, request.form.getlist("org_unit"),
                              request.form.getlist("contact"))
    except ValidationFailed as exc:
        view = case_view(app.db, current_actor(), case_id)
        return _show(view, [], False, {}, {}, 422, guest_errors=exc.errors)
    flash(f"Weitere Teilnehmende eingeladen: {count}.", "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="guests-heading"))


@bp.post("/<int:case_id>/follow-up/delete")
@login_required
def follow_up_clear(case_id: int):
    """Cleared before its day, or marked done once it came back (then back to the Posteingang)."""
    clear_case_follow_up(koopflow().db, current_actor(), case_id)
    if request.form.get("back") == "inbox":
        flash("Die Wiedervorlage ist erledigt.", "success")
        return redirect(url_for("inbox.inbox"))
    flash("Die Wiedervorlage ist aufgehoben.", "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="follow-up-heading"))


@bp.post("/<int:case_id>/notes")
@login_required
def note_post(case_id: int):
    """An internal note, kept for the writer's agency only."""
    app = koopflow()
    typed = {"note": request.form.get("note", ""), "note_agency": request.form.get("note_agency", "")}
    try:
        add_note(app.db, app.clock, current_actor(), case_id, typed["note"], typed["note_agency"] or None)
    except ValidationFailed as exc:
        view = case_view(app.db, current_actor(), case_id)
        return _show(view, list_rows(app.db, current_actor(), case_id), False, exc.errors, typed, 422)
    flash("Die Notiz ist gespeichert. Sie ist nur für Ihren Träger sichtbar.", "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="notes-heading"))


@bp.post("/<int:case_id>/notes/<int:note_id>/delete")
@login_required
def note_delete(case_id: int, note_id: int):
    delete_note(koopflow().db, current_actor(), case_id, note_id)
    flash("Die Notiz ist gelöscht.", "success")
    return redirect(url_for("cases.show", case_id=case_id, _anchor="notes-heading"))


@bp.get("/<int:case_id>/cancel")
@login_required
def cancel_confirm(case_id: int):
    """Step one of cancelling: what will be closed, and the reason."""
    preview = cancellation_preview(koopflow().db, current_actor(), case_id)
    return render_template("cases/cancel.html", preview=preview, errors={}, reason="")


@bp.post("/<int:case_id>/cancel")
@login_required
def cancel(case_id: int):
    app = koopflow()
    reason = request.form.get("reason", "")
    try:
        cancel_case(app.db, app.clock, current_actor(), case_id, reason)
    except ValidationFailed as exc:
        preview = cancellation_preview(app.db, current_actor(), case_id)
        return render_template("cases/cancel.html", preview=preview, errors=exc.errors, reason=reason), 422
    flash("Der Vorgang ist abgebrochen. Alle offenen Aufgaben sind geschlossen.", "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/rows/<int:row>/handover")
@login_required
def handover_from_row(case_id: int, row: int):
    app = koopflow()
    started = start_handover_from_row(app.db, app.clock, current_actor(), case_id, row)
    flash(f"Übergabe {started.case_number} begonnen; die Angaben aus der Liste sind eingetragen.", "success")
    return redirect(url_for("tasks.show", task_id=started.my_task_id))

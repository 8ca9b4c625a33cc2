"""Abwesenheit: record when one is away and who stands in (Vertretung), or cancel it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.cases.inbox import DATE_MESSAGE, parse_date
from workflows.errors import ValidationFailed
from workflows.people.absences import cancel_absence, colleagues, my_absences, record_absence

bp = Blueprint("absences", __name__, url_prefix="/absences")


@bp.get("")
@login_required
def index():
    return _page({}, {})


@bp.post("")
@login_required
def create():
    app = koopflow()
    errors, dates = {}, {}
    for name in ("starts_on", "ends_on"):
        try:
            dates[name] = parse_date(request.form[name]) if request.form.get(name) else None
        except ValueError:
            dates[name] = None
            errors[name] = DATE_MESSAGE
    try:
        record_absence(app.db, app.clock, current_actor(), dates["starts_on"], dates["ends_on"],
                       request.form.get("deputy", ""), errors)
    except ValidationFailed as exc:
        ordered = {k: exc.errors[k] for k in ("starts_on", "ends_on", "deputy") if k in exc.errors}
        return _page(ordered, request.form), 422
    flash("Ihre Abwesenheit ist eingetragen. Neue Aufgaben für Sie gehen in dieser Zeit an Ihre Vertretung.", "success")
    return redirect(url_for("absences.index"))


@bp.post("/<int:absence_id>/delete")
@login_required
def delete(absence_id: int):
    cancel_absence(koopflow().db, current_actor(), absence_id)
    flash("Die Abwesenheit ist gelöscht.", "success")
    return redirect(url_for("absences.index"))


def _page(errors: dict, typed):
    app = koopflow()
    return render_template("absences.html", errors=errors, typed=typed, absences=my_absences(app.db, app.clock, current_actor()),
                           colleagues=colleagues(app.db, current_actor()))

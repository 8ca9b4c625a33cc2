"""Einstellungen: how each user is told of new tasks (a mail per task, a daily digest, none)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.people.accounts import MAIL_PREFERENCES, mail_preference, set_mail_preference

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@login_required
def show():
    current = mail_preference(koopflow().db, current_actor().user_id)
    return render_template("settings.html", preferences=MAIL_PREFERENCES, current=current, error=None)


@bp.post("/settings")
@login_required
def save():
    choice = request.form.get("mail_preference", "")
    if choice not in MAIL_PREFERENCES:
        current = mail_preference(koopflow().db, current_actor().user_id)
        return render_template("settings.html", preferences=MAIL_PREFERENCES, current=current,
                               error="Bitte wählen Sie, wie Sie benachrichtigt werden möchten."), 422
    set_mail_preference(koopflow().db, current_actor().user_id, choice)
    flash("Ihre Einstellung ist gespeichert.", "success")
    return redirect(url_for("settings.show"))

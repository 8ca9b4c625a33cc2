"""Einstellungen: how each user is told of new tasks (a mail per task, a daily digest, none),
and the user's API tokens (issued, valid until, last use; revoke)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.people.accounts import MAIL_PREFERENCES, mail_preference, set_mail_preference
from workflows.people.sessions import revoke_token, tokens_of

bp = Blueprint("settings", __name__)


@bp.get("/settings")
@login_required
def show():
    current = mail_preference(koopflow().db, current_actor().user_id)
    return render_template("settings.html", preferences=MAIL_PREFERENCES, current=current, error=None,
                           **_tokens())


@bp.post("/settings")
@login_required
def save():
    choice = request.form.get("mail_preference", "")
    if choice not in MAIL_PREFERENCES:
        current = mail_preference(koopflow().db, current_actor().user_id)
        return render_template("settings.html", preferences=MAIL_PREFERENCES, current=current,
                               error="Bitte wählen Sie, wie Sie benachrichtigt werden möchten.", **_tokens()), 422
    set_mail_preference(koopflow().db, current_actor().user_id, choice)
    flash("Ihre Einstellung ist gespeichert.", "success")
    return redirect(url_for("settings.show"))


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    revoke_token(koopflow().db, token_id, current_actor().user_id)  # another user's token: 404
    flash("Das API-Token ist widerrufen.", "success")
    return redirect(url_for("settings.show"))


def _tokens() -> dict:
    return {"tokens": tokens_of(koopflow().db, current_actor().user_id), "now": koopflow().clock.now()}

"""Einstellungen: how each user is told of new tasks (a mail per task, a daily digest, none),
their mail address, their own password (the current one required, the password policy of
``workflows.people.administration``) and their API tokens (issued, valid until, last use; revoke)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user

from service.runtime import koopflow
from service.web.auth import SessionUser, current_actor
from workflows.errors import ValidationFailed
from workflows.people.accounts import MAIL_PREFERENCES, actor_by_id, mail_preference, set_mail_preference
from workflows.people.administration import change_own_email, change_own_password, user_by_id
from workflows.people.sessions import revoke_token, tokens_of

bp = Blueprint("settings", __name__)


def _page(error: str | None = None, email_errors: dict | None = None, email: str | None = None,
          password_errors: dict | None = None, status: int = 200):
    app, actor = koopflow(), current_actor()
    account = user_by_id(app.db, actor.user_id)
    errors = {**({"mail_preference": error} if error else {}), **(email_errors or {}), **(password_errors or {})}
    return render_template("settings.html", preferences=MAIL_PREFERENCES, current=mail_preference(app.db, actor.user_id),
                           error=error, errors=errors, email_errors=email_errors or {},
                           password_errors=password_errors or {}, account=account,
                           email_values={"email": account.email or "" if email is None else email},
                           **_tokens()), status


@bp.get("/settings")
@login_required
def show():
    return _page()


@bp.post("/settings")
@login_required
def save():
    choice = request.form.get("mail_preference", "")
    if choice not in MAIL_PREFERENCES:
        return _page(error="Bitte wählen Sie, wie Sie benachrichtigt werden möchten.", status=422)
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


@bp.post("/settings/email")
@login_required
def email():
    app, address = koopflow(), request.form.get("email")
    if address is None:  # not sent by the form at all: change nothing
        return _page(email_errors={"email": "Bitte geben Sie Ihre Mailadresse an."}, email="", status=422)
    try:
        change_own_email(app.db, app.clock, current_actor().user_id, address)
    except ValidationFailed as exc:
        return _page(email_errors=exc.errors, email=address, status=422)
    flash("Ihre Mailadresse ist gespeichert." if address.strip() else "Ihre Mailadresse ist entfernt.", "success")
    return redirect(url_for("settings.show"))


@bp.post("/settings/password")
@login_required
def password():
    app, user_id = koopflow(), current_actor().user_id
    try:
        change_own_password(app.db, app.clock, user_id, request.form.get("current_password", ""),
                            request.form.get("new_password", ""), request.form.get("repeat_password", ""))
    except ValidationFailed as exc:
        return _page(password_errors=exc.errors, status=422)
    # The change ends the account's other sessions (administration.password_changed); this
    # one goes on, signed in afresh with the new state of the account.
    login_user(SessionUser(actor_by_id(app.db, user_id)))
    flash("Ihr Passwort ist geändert.", "success")
    return redirect(url_for("settings.show"))

"""Anmeldung: log in with a local account (argon2), with a lockout after repeated failures;
log out."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from service.runtime import koopflow
from service.web.auth import SessionUser, current_actor
from workflows.people.accounts import authenticate
from workflows.people.login_guard import LOCKED, is_locked, note_failure, note_success
from workflows.people.sessions import end_session_of_user

bp = Blueprint("login", __name__)


@bp.get("/login")
def show():
    return render_template("login.html", errors={}, username="")


@bp.post("/login")
def submit():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = {}
    if not username:
        errors["username"] = "Bitte geben Sie Ihren Benutzernamen ein."
    if not password:
        errors["password"] = "Bitte geben Sie Ihr Passwort ein."
    app, address = koopflow(), request.remote_addr or "-"
    if not errors and is_locked(app.db, app.clock, username, address):
        return render_template("login.html", errors={"": LOCKED}, username=username), 429
    actor = authenticate(app.db, username, password) if not errors else None
    if actor is None and not errors:
        note_failure(app.db, app.clock, username, address)
        errors["password"] = "Benutzername oder Passwort ist falsch."
    if errors:
        return render_template("login.html", errors=errors, username=username), 401
    note_success(app.db, app.clock, username, address)
    login_user(SessionUser(actor))
    return redirect(_safe_next(request.args.get("next")))


def _safe_next(target: str | None) -> str:
    """Only follow a local path after login, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.inbox")


@bp.post("/logout")
@login_required
def logout():
    end_session_of_user(koopflow().db, current_actor().user_id)  # a copied cookie stops working too
    logout_user()
    return redirect(url_for("login.show"))

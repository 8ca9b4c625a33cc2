"""Log in with a local account (argon2), log out; CSRF protection for every form."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect

from workflows.people.access import Actor
from workflows.people.accounts import actor_by_id, authenticate
from workflows.people.login_guard import LOCKED, is_locked, note_failure, note_success
from service.runtime import koopflow

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Bitte melden Sie sich an."
login_manager.login_message_category = "info"


class SessionUser(UserMixin):
    def __init__(self, actor: Actor):
        self.actor = actor
        self.id = str(actor.user_id)
        self.display_name = actor.display_name


def init_app(app) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(user_id: str):
    actor = actor_by_id(koopflow().db, int(user_id))
    return SessionUser(actor) if actor else None


def current_actor() -> Actor:
    return current_user.actor


@bp.get("/login")
def login():
    return render_template("login.html", errors={}, username="")


@bp.post("/login")
def login_post():
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
    note_success(app.db, app.clock, username)
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
    logout_user()
    return redirect(url_for("auth.login"))

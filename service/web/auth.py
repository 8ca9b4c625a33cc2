"""Who is logged in: the session user (Flask-Login) and CSRF protection for every form.
The login page itself is ``pages/login``; OIDC is ``web/oidc``."""
from __future__ import annotations

from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from service.runtime import koopflow
from workflows.people.access import Actor
from workflows.people.sessions import actor_for_session, session_key

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "login.show"
login_manager.login_message = "Bitte melden Sie sich an."
login_manager.login_message_category = "info"


class SessionUser(UserMixin):
    """The logged-in user; the session keeps ``<id>:<session generation>`` (``session_key``),
    so ending the user's sessions on the server (workflows/people/sessions.py) ends this one."""

    def __init__(self, actor: Actor, key: str | None = None):
        self.actor = actor
        self.id = key or session_key(koopflow().db, actor.user_id)
        self.display_name = actor.display_name


def init_app(app) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(key: str):
    actor = actor_for_session(koopflow().db, key)
    return SessionUser(actor, key) if actor else None


def current_actor() -> Actor:
    return current_user.actor

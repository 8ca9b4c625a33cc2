"""Who is logged in: the session user (Flask-Login) and CSRF protection for every form.
The login page itself is ``pages/login``; OIDC is ``web/oidc``."""
from __future__ import annotations

from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from service.runtime import koopflow
from workflows.people.access import Actor
from workflows.people.accounts import actor_by_id

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "login.show"
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

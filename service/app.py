"""The application factory: configuration, extensions and blueprints in one place."""
from __future__ import annotations

from flask import Flask, current_app

from service.config import Settings
from service.mailer import smtp_config
from service.runtime import Koopflow, boot
from workflows.clock import SystemClock


def create_app(settings: Settings | None = None, clock=None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.cookies_secure,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        **smtp_config(),
        **settings.extra,
    )
    app.extensions["koopflow"] = boot(settings, clock or SystemClock())
    _register(app)
    return app


def _register(app: Flask) -> None:
    from service import admin, agenda, api, approvals, auth, cases, documents, errors, inbox, reports, tasks, templating  # noqa: PLC0415
    from service import uploads  # noqa: PLC0415
    from service import diagrams  # noqa: PLC0415
    from service import agreements  # noqa: PLC0415
    from service import audit_log  # noqa: PLC0415
    from service import oidc  # noqa: PLC0415
    from service import contacts  # noqa: PLC0415
    from service import input_guard  # noqa: PLC0415

    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    input_guard.init_app(app)
    uploads.init_app(app)
    for blueprint in (auth.bp, inbox.bp, tasks.bp, cases.bp, documents.bp, reports.bp, agenda.bp, admin.bp, approvals.bp, api.bp, diagrams.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(agreements.bp)
    audit_log.init_app(app)
    app.register_blueprint(audit_log.bp)
    oidc.init_app(app)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(contacts.bp)


def koopflow() -> Koopflow:
    """The running KoopFlow of the current app."""
    return current_app.extensions["koopflow"]

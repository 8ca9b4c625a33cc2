"""The application factory: configuration, extensions and blueprints in one place.

The blueprints are imported here and never import this module back: they reach the app's
shared state through ``service.runtime.koopflow()``.
"""
from __future__ import annotations

from flask import Flask

from service.api import v1
from service.config import Settings
from service.mail.smtp_out import smtp_config
from service.pages import (
    absences,
    agreements,
    approvals,
    audit_log,
    case_administration,
    cases,
    cohort,
    contacts,
    deadlines,
    documents,
    figures,
    healthz,
    inbox,
    incidents,
    login,
    meetings,
    metrics,
    outbox,
    process_changes,
    processes,
    settings,
    tasks,
    users,
)
from service.parts import uploads
from service.runtime import boot, settle
from service.web import audit_hook, auth, errors, input_guard, oidc, security_headers, templating
from workflows.clock import SystemClock

# What every request passes, in the order it is installed.
EXTENSIONS = (auth, templating, security_headers, errors, input_guard, uploads, audit_hook, oidc)
BLUEPRINTS = (login, settings, inbox, tasks, cases, cohort, documents, figures, deadlines, outbox, approvals, v1,
              processes, process_changes, agreements, audit_log, oidc, contacts, incidents,
              case_administration, healthz, absences, metrics, users, meetings)


def create_app(config: Settings | None = None, clock=None) -> Flask:
    settings = config or Settings.from_env()
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
    for extension in EXTENSIONS:
        extension.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    if config is None:  # the app a process serves (gunicorn's ``service:create_app()``, ``koopflow serve``)
        settle()
    return app

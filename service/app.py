"""The application factory: configuration, extensions and blueprints in one place.

The blueprints are imported here and never import this module back: they reach the app's
shared state through ``service.runtime.koopflow()``.
"""
from __future__ import annotations

from flask import Flask

import service.pages.outbox
import service.pages.login
import service.pages.settings
import service.pages.deadlines
import service.pages.agreements
import service.api.v1
import service.pages.approvals
import service.pages.audit_log
import service.web.auth
import service.pages.cases
import service.pages.contacts
import service.pages.processes
import service.pages.documents
import service.web.errors
import service.pages.inbox
import service.web.input_guard
import service.web.oidc
import service.web.audit_hook
import service.web.security_headers
import service.pages.figures
import service.pages.tasks
import service.web.templating
import service.parts.uploads
from service.config import Settings
from service.mail.smtp_out import smtp_config
from service.runtime import boot
from workflows.clock import SystemClock

# What every request passes, in the order it is installed.
EXTENSIONS = (service.web.auth, service.web.templating, service.web.security_headers, service.web.errors, service.web.input_guard, service.parts.uploads,
              service.web.audit_hook, service.web.oidc)
BLUEPRINTS = (service.pages.login, service.pages.settings, service.pages.inbox, service.pages.tasks, service.pages.cases, service.pages.documents, service.pages.figures,
              service.pages.deadlines, service.pages.outbox, service.pages.approvals, service.api.v1, service.pages.processes,
              service.pages.agreements, service.pages.audit_log, service.web.oidc, service.pages.contacts)


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
    for extension in EXTENSIONS:
        extension.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    return app

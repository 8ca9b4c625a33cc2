"""The audit hook: every read of case data or an export and every change is appended to the
audit log (Protokoll) after the view ran, before the answer leaves: if the entry cannot be
written, the answer is an error, not data."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from service.runtime import koopflow
from service.web import log_privacy
from workflows.people.audit_log import Access, record_access

# Reads worth a trace: endpoint -> kind. Every request that is not a GET is a change.
READS = {
    "cases.show": "case.read", "processes.case": "case.read", "api.get_case": "case.read",
    "case_administration.show": "case.read",
    "tasks.show": "task.read", "api.get_task": "task.read",
    "cases.index": "list.read", "inbox.inbox": "list.read", "inbox.home": "list.read", "api.list_tasks": "list.read",
    "documents.download": "document.read",
    "figures.figures": "export.figures", "figures.export": "export.csv",
    "deadlines.deadlines": "export.deadlines", "deadlines.calendar": "export.ical",
    "approvals.show": "approval.read", "outbox.index": "mail.read", "outbox.show": "mail.read",
    "audit_log.search": "audit.read",
}

def init_app(app: Flask) -> None:
    proxies = app.extensions["koopflow"].settings.trusted_proxies
    if proxies:  # behind a reverse proxy the client address is its X-Forwarded-For entry
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    else:
        app.before_request(_warn_of_untrusted_proxy)
    app.after_request(_record)
    log_privacy.install(app.logger)


_warned: set[int] = set()


def _warn_of_untrusted_proxy() -> None:
    """Once per app: requests arrive through a proxy we were not told about, so every client
    has the proxy's address - in the audit log and for the login throttle (one address for
    all: a few failures would slow everyone down)."""
    if "X-Forwarded-For" in request.headers and id(current_app._get_current_object()) not in _warned:
        _warned.add(id(current_app._get_current_object()))
        logging.getLogger("koopflow.security").warning(
            "requests carry X-Forwarded-For but KOOPFLOW_TRUSTED_PROXIES is not set: client addresses are the "
            "proxy's (login throttle and audit log); set it to the number of proxies in front (docs/security.md)")


def _record(response):
    kind = _kind()
    if kind is None:
        return response
    args = request.view_args or {}
    access = Access(kind, actor_id=_actor_id(), case_id=args.get("case_id") or g.get("audit_case_id"),
                    task_id=args.get("task_id"), document_id=args.get("document_id"),
                    target=request.endpoint if kind in ("change", "login") else None,
                    method=request.method, status=response.status_code, client_address=request.remote_addr)
    record_access(koopflow().db, koopflow().clock, access)
    return response


def _kind() -> str | None:
    if request.endpoint is None or request.endpoint == "static":
        return None
    if request.endpoint in ("login.submit", "oidc.callback"):
        return "login"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return READS.get(request.endpoint)
    return "change"


def _actor_id() -> int | None:
    if "actor" in g:  # API: the bearer token's user
        return g.actor.user_id
    if "audit_actor_id" in g:  # the calendar feed's user (the address is their key)
        return g.audit_actor_id
    return current_user.actor.user_id if current_user.is_authenticated else None

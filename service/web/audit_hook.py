"""The audit hook: every read of case data or an export and every change is appended to the
audit log (Protokoll).

- A change (any request that is not a GET) that commits: its entry is added to the command's
  own transaction, just before the commit (``Database.add_commit_hook``), so no process death
  after the commit can leave a change without its entry. Such an entry has no status: it is
  written before any answer exists; an empty status means "carried out".
- A request that committed nothing (a read, a refused or failed attempt, a login): its entry
  is written after the view ran, before the answer leaves, with the status answered. If it
  cannot be written, the answer is an error, not data. A read's entry waits for SQLite's write
  lock at most ``Settings.audit_lock_timeout`` (default 2 s), so a page never hangs behind a
  long foreign write; past that the page is the German "bitte erneut versuchen" (503).
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from service.runtime import koopflow
from service.web import log_privacy
from workflows.people.audit_log import Access, append_access, record_access

# Reads worth a trace: endpoint -> kind. Every request that is not a GET is a change.
READS = {
    "cases.show": "case.read", "processes.case": "case.read", "api.get_case": "case.read",
    "case_administration.show": "case.read", "cohort.show": "case.read",
    "cases.cancel_confirm": "case.read",
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
    app.extensions["koopflow"].db.add_commit_hook(_append_change)
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


def _access(kind: str, status: int | None) -> Access:
    args = request.view_args or {}
    return Access(kind, actor_id=_actor_id(), case_id=args.get("case_id") or g.get("audit_case_id"),
                  task_id=args.get("task_id"), document_id=args.get("document_id"),
                  target=request.endpoint if kind in ("change", "login") else None,
                  method=request.method, status=status, client_address=request.remote_addr)


def _append_change(session):
    """Commit hook: the first transaction of a change request that wrote something carries the
    request's entry (once per request)."""
    if not has_request_context() or g.get("audit_change_entry") or _kind() != "change":
        return None
    append_access(session, koopflow().clock, _access("change", None))
    return lambda: setattr(g, "audit_change_entry", True)


def _record(response):
    kind = _kind()
    if kind is None or (kind == "change" and g.get("audit_change_entry")):
        return response
    g.audit_change_entry = True  # the transaction below is this entry's own, not a change
    timeout = koopflow().settings.audit_lock_timeout if kind != "change" else None
    record_access(koopflow().db, koopflow().clock, _access(kind, response.status_code), lock_timeout=timeout)
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

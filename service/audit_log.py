"""The audit trail of the web app: every read of case data or an export and every change is
appended to the audit log (after the view ran, before the answer leaves: if the entry cannot
be written, the answer is an error, not data); and the Protokoll page where admins search it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, Flask, g, render_template, request
from flask_login import current_user, login_required
from werkzeug.middleware.proxy_fix import ProxyFix

from service import log_privacy
from service.runtime import koopflow
from service.auth import current_actor
from workflows.people.access import require_admin
from workflows.people.audit_log import Access, log_page, record_access
from workflows.clock import BERLIN
from workflows.store.audit_log import PAGE, LogFilter

bp = Blueprint("audit", __name__)

# Reads worth a trace: endpoint -> kind. Every request that is not a GET is a change.
READS = {
    "cases.show": "case.read", "diagrams.case": "case.read", "api.get_case": "case.read",
    "tasks.show": "task.read", "api.get_task": "task.read",
    "cases.index": "list.read", "inbox.inbox": "list.read", "inbox.home": "list.read", "api.list_tasks": "list.read",
    "documents.download": "document.read",
    "reports.figures": "export.figures", "reports.export": "export.csv",
    "agenda.deadlines": "export.deadlines", "agenda.calendar": "export.ical",
    "approvals.show": "approval.read", "admin.outbox": "mail.read", "admin.outbox_show": "mail.read",
    "audit.search": "audit.read",
}
KIND_LABELS = {
    "case.read": "Vorgang gelesen",
    "task.read": "Aufgabe gelesen",
    "list.read": "Liste gelesen (Posteingang, Vorgänge)",
    "document.read": "Dokument heruntergeladen",
    "export.figures": "Kennzahlen angesehen",
    "export.csv": "Kennzahlen exportiert (CSV)",
    "export.deadlines": "Fristen angesehen",
    "export.ical": "Fristenkalender abgerufen (iCal)",
    "approval.read": "Genehmigungslink geöffnet",
    "mail.read": "Postausgang gelesen",
    "audit.read": "Protokoll durchsucht",
    "change": "Änderung",
    "login": "Anmeldung",
    "retention.deleted": "Personenbezogene Daten gelöscht (Aufbewahrungsfrist abgelaufen)",
}


def init_app(app: Flask) -> None:
    proxies = app.extensions["koopflow"].settings.trusted_proxies
    if proxies:  # behind a reverse proxy the client address is its X-Forwarded-For entry
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.after_request(_record)
    log_privacy.install(app.logger)


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
    if request.endpoint in ("auth.login_post", "oidc.callback"):
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


@bp.get("/admin/audit")
@login_required
def search():
    require_admin(current_actor())
    form, where, errors = _filter(request.args)
    entries = [] if errors else log_page(koopflow().db, current_actor(), where, request.args.get("before", type=int))
    return render_template("audit_log.html", entries=entries, form=form, errors=errors, labels=KIND_LABELS,
                           more=len(entries) == PAGE), 422 if errors else 200


def _filter(args) -> tuple[dict, LogFilter, dict]:
    """The search form's values as typed, the filter they make, and German messages per field."""
    form = {name: args.get(name, "").strip() for name in ("username", "case_number", "kind", "since", "until")}
    errors = {}
    days = {}
    for name, label in (("since", "Von"), ("until", "Bis")):
        if form[name]:
            try:
                days[name] = date.fromisoformat(form[name])
            except ValueError:
                errors[name] = f"„{label}“ muss ein Datum sein, zum Beispiel 2027-03-01."
    if form["kind"] and form["kind"] not in KIND_LABELS:
        errors["kind"] = "Bitte wählen Sie eine Art aus der Liste."
    if not errors and "since" in days and "until" in days and days["until"] < days["since"]:
        errors["until"] = "„Bis“ darf nicht vor „Von“ liegen."
    where = LogFilter(
        username=form["username"] or None, case_number=form["case_number"] or None, kind=form["kind"] or None,
        since=_start_of(days["since"]) if "since" in days else None,
        until=_start_of(days["until"] + timedelta(days=1)) if "until" in days else None)
    return form, where, errors


def _start_of(day: date) -> datetime:
    """Midnight in Berlin: the page's dates are local days."""
    return datetime.combine(day, time(0), tzinfo=BERLIN)

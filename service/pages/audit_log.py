"""Protokoll: the page where admins search the audit log (written by ``web/audit_hook``)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from service.web.input_guard import row_id
from workflows.cases.inbox import parse_date
from workflows.clock import BERLIN
from workflows.forms.validation import FIRST_YEAR, LAST_YEAR
from workflows.people.access import require_admin
from workflows.people.audit_log import log_page
from workflows.store.audit_log import PAGE, LogFilter

bp = Blueprint("audit_log", __name__)

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
    "incident.retried": "Störung erneut versucht",
    "incident.resolved": "Störung als erledigt markiert",
    "incident.skipped": "Störung: fälliger Zeitgeber übersprungen",
    "case.suspended": "Vorgang angehalten",
    "case.resumed": "Vorgang fortgesetzt",
    "case.reset": "Vorgang zurückgesetzt",
    "case.migrated": "Vorgang auf neuere Fassung umgestellt",
    "user.created": "Benutzerkonto angelegt",
    "user.updated": "Benutzerkonto geändert",
    "user.units_changed": "Organisationseinheiten eines Kontos geändert",
    "user.password_set": "Passwort gesetzt (Administration)",
    "user.deactivated": "Benutzerkonto deaktiviert",
    "user.password_changed": "Eigenes Passwort geändert",
    "user.email_changed": "Eigene Mailadresse geändert",
}


@bp.get("/admin/audit")
@login_required
def search():
    require_admin(current_actor())
    form, where, errors = _filter(request.args)
    entries = [] if errors else log_page(koopflow().db, current_actor(), where, request.args.get("before", type=row_id))
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
                days[name] = parse_date(form[name])
            except ValueError:
                errors[name] = f"„{label}“ muss ein Datum im Format TT.MM.JJJJ sein, zum Beispiel 01.03.2027."
            else:
                if not FIRST_YEAR <= days[name].year <= LAST_YEAR:
                    del days[name]
                    errors[name] = f"„{label}“ muss zwischen dem 01.01.1900 und dem 31.12.2199 liegen."
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

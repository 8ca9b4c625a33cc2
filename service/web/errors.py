"""Domain errors become pages (German) or JSON with the right status code.

What nobody foresaw becomes a German page too, never Flask's English "500 Internal Server
Error": a database that stayed locked or is unreachable says "bitte erneut versuchen" (503),
anything else "unerwarteter Fehler" (500). A form that was being sent is shown again on that
page with what was typed in, ready to send once more; /api/ answers with a JSON body.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from workflows.errors import AgreementNotActive, Busy, Conflict, Forbidden, NotFound, known_cause
from workflows.store import incidents

log = logging.getLogger(__name__)
BUSY = ("Die Datenbank ist gerade belegt oder nicht erreichbar; es wurde nichts gespeichert. "
        "Bitte erneut versuchen.")
UNEXPECTED = ("Es ist ein unerwarteter Fehler aufgetreten; es wurde nichts gespeichert. Der Betrieb kann ihn "
              "im Protokoll finden. Bitte erneut versuchen oder später noch einmal.")
# Causes after which the same request may well succeed a moment later.
PASSING = {"database is locked", "lock timeout", "deadlock detected", "serialization failure", "connection refused",
           "connection lost", "connection terminated by the server", "database starting up",
           "database shutting down", "timed out"}

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, AgreementNotActive: 409}
TITLES = {404: "Nicht gefunden", 403: "Keine Berechtigung", 409: "Nicht möglich", 400: "Ungültige Anfrage"}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str):
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", title=TITLES.get(status, "Fehler"), message=message), status


def init_app(app: Flask) -> None:
    for exc_class, status in STATUS.items():
        app.register_error_handler(exc_class, lambda exc, status=status: error_response(status, exc.message))
    app.register_error_handler(
        CSRFError,
        lambda exc: error_response(400, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."),
    )
    app.register_error_handler(404, lambda exc: error_response(404, "Diese Seite gibt es nicht."))
    app.register_error_handler(Exception, unexpected)
    app.register_error_handler(405, lambda exc: error_response(405, "Diese Anfrage ist hier nicht erlaubt."))


def record_unexpected_error(exc: BaseException, cause: str | None) -> None:
    """An unexpected error during a request (e.g. an engine error while completing a task) is
    logged (cause from the allow-list, never the message or form data) and recorded as an
    incident for the Störungen page, one per route: the route names no person, the text of
    the exception is never stored."""
    log.error("unexpected error in %s %s (%s)", request.method, request.url_rule or "?", cause or type(exc).__name__,
              exc_info=exc)
    try:
        from service.runtime import koopflow

        kf = koopflow()
        case_id = (request.view_args or {}).get("case_id")
        with kf.db.transaction() as session:
            incidents.record_incident(session, kf.clock.now(), incidents.REQUEST,
                                      f"{incidents.REQUEST}:{request.method} {request.url_rule or '?'}", exc,
                                      case_id=case_id if isinstance(case_id, int) else None, max_attempts=1)
    except Exception:  # the database may be what failed; the log line above stays
        log.warning("the unexpected error could not be recorded as an incident", exc_info=True)


def failure(exc: Exception) -> tuple[int, str]:
    """(status, German message) for an error no rule foresaw; logs it, and records it unless it is
    a passing one (a lock, a lost connection) after which the same request may well succeed."""
    cause = known_cause(exc)
    if isinstance(exc, Busy) or (isinstance(exc, (OperationalError, DBAPIError)) and cause in PASSING):
        log.warning("request %s %s not served (%s)", request.method, request.url_rule or "?", cause or "busy")
        return 503, BUSY
    record_unexpected_error(exc, cause)
    return 500, UNEXPECTED


def unexpected(exc: Exception):
    """German page (or JSON on /api/) for anything no other handler took."""
    if isinstance(exc, InternalServerError) and exc.original_exception is not None:
        exc = exc.original_exception  # raised outside the view (e.g. by an after-request hook)
    elif isinstance(exc, HTTPException):
        return exc  # 400, 413 …: Werkzeug's own response
    status, message = failure(exc)
    if wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", title="Bitte erneut versuchen" if status == 503 else "Unerwarteter Fehler",
                           message=message, resend=_typed_input()), status


def _typed_input() -> dict | None:
    """A form being sent (not a file upload): where it went, a fresh CSRF token and every field
    as typed, so the page can offer it again. Never logged, shown only to the one who typed it."""
    if request.method != "POST" or request.files or not request.form:
        return None
    try:
        token = generate_csrf()
    except Exception:  # no session to sign the token with: nothing to offer
        return None
    fields = [(name, value) for name, values in request.form.lists() if name != "csrf_token" for value in values]
    return {"action": request.path, "csrf_token": token, "fields": fields}

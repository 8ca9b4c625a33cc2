"""Domain errors become pages (German) or JSON with the right status code."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

from workflows.errors import AgreementNotActive, Conflict, Forbidden, NotFound

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
    app.register_error_handler(405, lambda exc: error_response(405, "Diese Anfrage ist hier nicht erlaubt."))

"""Text no database can store is refused before any view runs.

PostgreSQL rejects NUL characters in text parameters (SQLite takes them), so a query string
or form field holding one would end in a server error on one database and not the other. No
person types a NUL; the request is answered 400 ("Ungültige Anfrage") and nothing is read or
written. JSON bodies of the API are checked by their schemas as before.
"""
from __future__ import annotations

from flask import Flask, request

from service.web.errors import error_response

NUL = "\x00"
MESSAGE = "Die Eingabe enthält ein unzulässiges Steuerzeichen. Bitte prüfen Sie, was Sie eingefügt haben."


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)


def _refuse_nul():
    fields = (request.args, request.form) if request.mimetype != "application/json" else (request.args,)
    for multi in fields:
        for key, values in multi.lists():
            if NUL in key or any(NUL in value for value in values):
                return error_response(400, MESSAGE)
    return None

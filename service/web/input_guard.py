"""Input no database or parser can take is refused (or made harmless) before any view runs.

- NUL characters: PostgreSQL rejects them in text parameters (SQLite takes them), so a query
  string or form field holding one would end in a server error on one database and not the
  other. No person types a NUL; the request is answered 400 ("Ungültige Anfrage").
- Numbers in the path (``<int:case_id>``) beyond the id column's range (``MAX_ROW_ID``) name
  no row: the converter turns them into ``NO_ROW`` (-1, which no row has and no list index
  check accepts), so the route still matches, the view answers 404 as for any foreign id, and
  the audit hook still records the read. ``row_id`` does the same for query arguments.
- JSON bodies nested deeper than ``MAX_JSON_DEPTH`` are answered 400 before Python's parser
  could run out of stack.
"""
from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from service.web.errors import error_response
from workflows.store.db import MAX_ROW_ID

NUL = "\x00"
MESSAGE = "Die Eingabe enthält ein unzulässiges Steuerzeichen. Bitte prüfen Sie, was Sie eingefügt haben."
NO_ROW = -1
MAX_JSON_DEPTH = 64
DEPTH_MESSAGE = f"Die JSON-Daten sind zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)."


class RowIdConverter(IntegerConverter):
    """``<int:…>`` for every route: any digits match; a number beyond the id range becomes NO_ROW."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ROW_ID else NO_ROW


def row_id(text: str) -> int:
    """A query argument naming a row (``?before=…``), for ``request.args.get(name, type=row_id)``:
    anything but a number within the id range counts as not given (ValueError)."""
    number = int(text)
    if not 0 < number <= MAX_ROW_ID:
        raise ValueError(text)
    return number


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays/objects deeper than ``limit`` (strings skipped)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
    app.before_request(_refuse_nul)
    app.before_request(_refuse_deep_json)


def _refuse_nul():
    fields = (request.args, request.form) if request.mimetype != "application/json" else (request.args,)
    for multi in fields:
        for key, values in multi.lists():
            if NUL in key or any(NUL in value for value in values):
                return error_response(400, MESSAGE)
    return None


def _refuse_deep_json():
    if request.is_json and json_too_deep(request.get_data(cache=True)):
        return error_response(400, DEPTH_MESSAGE)
    return None

"""Files posted with a task form: check and store each, say in German what is wrong where.

The task page posts ``multipart/form-data`` when its form has a file field. Each posted
file is checked by its content and stored (``workflows.cases.documents.store_upload``); a refused
file becomes the message at its field, a missing one is left to the form's ``required``
rule. The stored files go to ``complete_task(..., uploads=...)``, which records them.

The app-wide request limit (MAX_CONTENT_LENGTH) stays small; only the form post of a task
may be as large as the largest form's files allow, plus room for its other fields.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from flask import Flask, request

from service.web.errors import error_response
from workflows.cases.documents import StoredUpload, UploadRefused, file_fields, store_upload
from workflows.forms.fields import form_fields
from workflows.forms.validation import in_form_order

UPLOAD_ENDPOINT = "tasks.complete"
ROOM_FOR_FIELDS = 2 * 2**20
TOO_LARGE = "Die gesendeten Dateien sind zu groß. Bitte gehen Sie zurück und wählen Sie eine kleinere Datei."


def read_uploads(directory: Path, schema: dict, ui: dict | None, files: Mapping,
                 errors: dict[str, str]) -> tuple[dict[str, StoredUpload], dict[str, str]]:
    """(stored uploads by field, the form's errors with the file fields' messages).

    ``errors`` are check_form's: at a field whose file was taken, its "required" message
    no longer applies; at a field whose file was refused, the refusal is the message."""
    uploads: dict[str, StoredUpload] = {}
    errors = dict(errors)
    for field in file_fields(schema, ui):
        posted = files.get(field.name)
        if posted is None or not posted.filename:
            continue  # nothing chosen: the form's required rule speaks
        try:
            uploads[field.name] = store_upload(directory, posted.stream, posted.filename, set(field.accept),
                                               field.max_bytes)
            errors.pop(field.name, None)
        except UploadRefused as exc:
            errors[field.name] = exc.message
    return uploads, in_form_order(errors, form_fields(schema, ui))


def request_limit(forms: list[tuple[dict, dict | None]], base: int) -> int:
    """The largest request a task form may need: all its files at their limits, plus room."""
    needed = [sum(f.max_bytes for f in file_fields(schema, ui)) for schema, ui in forms]
    return max([base, *(n + ROOM_FOR_FIELDS for n in needed if n)])


def init_app(app: Flask) -> None:
    """Let the task form post carry files. Runs before CSRF protection, which reads the form."""
    definitions = app.extensions["koopflow"].definitions.values()
    forms = [(d.forms[t.form], d.forms.get(t.ui_form or "")) for d in definitions for t in d.info.user_tasks]
    limit = request_limit(forms, app.config.get("MAX_CONTENT_LENGTH") or 0)

    def allow_uploads() -> None:
        if request.endpoint == UPLOAD_ENDPOINT and request.method == "POST":
            request.max_content_length = limit

    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
    app.register_error_handler(413, lambda exc: error_response(413, TOO_LARGE))

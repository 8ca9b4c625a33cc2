"""Downloading a document of a case: only for those who may see the case, always recorded.

The file is sent as an attachment with the media type found at upload, never shown inline
and never cached; the URL carries only the document's number.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Blueprint, send_file
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.cases.documents import open_document

GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss",
                        "–": "-", "—": "-", "„": "'", "“": "'", "”": "'"})

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/<int:document_id>")
@login_required
def download(document_id: int):
    app = koopflow()
    document, path = open_document(app.db, app.clock, current_actor(), document_id, app.settings.documents_dir)
    response = send_file(path, mimetype=document.media_type, conditional=False, etag=False, last_modified=None)
    response.headers["Content-Type"] = document.media_type
    response.headers["Content-Disposition"] = attachment(document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def attachment(filename: str) -> str:
    """For "Daten Süd.csv": ``attachment; filename="Daten Sued.csv"; filename*=UTF-8''Daten%20S%C3%BCd.csv``
    (RFC 6266: the plain name for old clients, the exact one for all others)."""
    plain = unicodedata.normalize("NFKD", filename.translate(GERMAN))
    plain = "".join("" if unicodedata.combining(ch) else ch if ch.isascii() and ch.isprintable() and ch not in '"\\;'
                    else "_" for ch in plain)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"

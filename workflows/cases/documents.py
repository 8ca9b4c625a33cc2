"""Uploaded files: checked by their content, stored by their SHA-256, handed out to those
who may see the case.

A file is stored as ``<documents_dir>/<sha256[:2]>/<sha256>``, outside the web root, written
to a temporary file and renamed, so a reader never sees half a file. Its kind (CSV, XLSX,
PDF, PNG, JPEG, DOCX, ODT) is read from the bytes, never from the name or the type the browser sent. The same
content uploaded twice is one file on disk and two ``Document`` rows.

A stored file whose command then fails (a validation error, someone else was first) stays
on disk without a row: harmless, since nobody can reach it without a row, and the next
upload of the same content reuses it. No name or content is ever logged.
"""
from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workflows.errors import Conflict, KoopflowError, NotFound
from workflows.forms.fields import DEFAULT_MAX_BYTES, Field, form_fields, megabytes
from workflows.people.access import Actor, case_for
from workflows.store.documents import Document, lock_storage_key, storage_keys_in_use
from workflows.store.history import record

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
}
NAMES = {"pdf": "PDF", "png": "PNG", "jpeg": "JPEG", "docx": "DOCX", "csv": "CSV", "xlsx": "XLSX", "odt": "ODT"}  # in the order messages list them
XLSX_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
DOCX_MEMBERS = ("[Content_Types].xml", "word/document.xml")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
CSV_DELIMITERS = ";,\t"
MAX_FILENAME = 200
STORAGE_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}")
DOCUMENT_NOT_FOUND = "Dieses Dokument gibt es nicht, oder Sie haben keinen Zugriff darauf."


class UploadRefused(KoopflowError):
    """The file is not taken; ``message`` says why, in German, for the field."""


@dataclass(frozen=True)
class StoredUpload:
    filename: str  # sanitised
    media_type: str
    size: int
    sha256: str
    storage_key: str
    path: Path | None = None  # where it was stored


def store_upload(directory: Path, stream: BinaryIO, filename: str, allowed: set[str],
                 max_bytes: int = DEFAULT_MAX_BYTES) -> StoredUpload:
    """Check and store one uploaded file; raise UploadRefused with a German message."""
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UploadRefused(f"Die Datei ist größer als {megabytes(max_bytes)}.")
    if not content:
        raise UploadRefused("Die Datei ist leer.")
    kind, media_type = sniff(content)
    if kind not in allowed:
        raise UploadRefused(f"Die Datei ist keine {_kinds(allowed)}-Datei.")
    sha256 = hashlib.sha256(content).hexdigest()
    key = f"{sha256[:2]}/{sha256}"
    _write_once(Path(directory) / key, content)
    return StoredUpload(clean_filename(filename), media_type, len(content), sha256, key, Path(directory) / key)


def sniff(content: bytes) -> tuple[str | None, str | None]:
    """(kind, media type) read from the bytes, or (None, None) for anything else."""
    if content.startswith(b"%PDF-"):
        return "pdf", MEDIA_TYPES["pdf"]
    if content.startswith(PNG_SIGNATURE):
        return "png", MEDIA_TYPES["png"]
    if content.startswith(JPEG_SIGNATURE):
        return "jpeg", MEDIA_TYPES["jpeg"]
    if zipfile.is_zipfile(io.BytesIO(content)):
        kind = _office_kind(content)
        return (kind, MEDIA_TYPES[kind]) if kind else (None, None)
    charset = _csv_charset(content)
    return ("csv", f"text/csv; charset={charset}") if charset else (None, None)


def _office_kind(content: bytes) -> str | None:
    """"xlsx", "docx" or "odt" for a ZIP archive holding such a document's parts, else None
    (an ODF file names its type in its first member, ``mimetype``)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if all(member in names for member in XLSX_MEMBERS):
                return "xlsx"
            if all(member in names for member in DOCX_MEMBERS):
                return "docx"
            if "mimetype" in names and "content.xml" in names and archive.getinfo("mimetype").file_size <= 100 \
                    and archive.read("mimetype").strip() == MEDIA_TYPES["odt"].encode():  # small: no ZIP bomb
                return "odt"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def _csv_charset(content: bytes) -> str | None:
    """The charset of a CSV file with at least two columns, or None if it is not one."""
    if b"\x00" in content:
        return None
    for encoding, charset in (("utf-8-sig", "utf-8"), ("cp1252", "windows-1252")):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    sample = text[:64 * 1024]
    first_line = next(iter(sample.splitlines()), "")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS)
        columns = next(csv.reader([first_line], dialect), [])
    except csv.Error:
        return None
    return charset if dialect.delimiter in CSV_DELIMITERS and len(columns) >= 2 else None


def _kinds(allowed: set[str]) -> str:
    """{"csv", "xlsx"} → "CSV- oder XLSX" (for "keine …-Datei")."""
    names = [NAMES[kind] for kind in NAMES if kind in allowed]
    if len(names) == 1:
        return names[0]
    return ", ".join(f"{name}-" for name in names[:-1]) + f" oder {names[-1]}"


def _write_once(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` atomically, unless it is there already (same hash, same bytes)."""
    if path.is_file():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # mode 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def clean_filename(name: str) -> str:
    """The last path part, without control characters, at most 200 characters (extension kept)."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        return "datei"
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        extension = dot + extension if dot and len(extension) <= 10 else ""
        name = name[:MAX_FILENAME - len(extension)] + extension
    return name


def discard_uploads(db, directory: Path, uploads) -> None:
    """Remove the files of a command that was refused or failed (``uploads``: StoredUpload
    values), unless a document row already points at the same content."""
    for key in sorted({upload.storage_key for upload in uploads}):
        if STORAGE_KEY.fullmatch(key):
            remove_if_unreferenced(db, Path(directory), key)


def remove_if_unreferenced(db, directory: Path, key: str) -> bool:
    """Delete the stored file ``key`` when no document row points at it; checked and deleted
    under the file's lock in one transaction, so an upload of identical bytes reusing the file
    cannot slip in between. True when it went."""
    with db.transaction() as session:
        lock_storage_key(session, key)
        if storage_keys_in_use(session, [key]):
            return False
        (directory / key).unlink(missing_ok=True)
        return True


# An orphan younger than this may belong to a command still running: the sweep leaves it.
ORPHAN_GRACE_SECONDS = 24 * 3600


def sweep_orphans(db, directory: Path, now_timestamp: float, grace: float = ORPHAN_GRACE_SECONDS) -> int:
    """Remove every stored file (and left-over temporary file) that no document row points at
    and that is older than ``grace`` seconds; returns how many went."""
    root = Path(directory)
    if not root.is_dir():
        return 0
    candidates = {}
    for path in root.glob("*/*"):
        if not path.is_file():
            continue
        key = f"{path.parent.name}/{path.name}"
        if (STORAGE_KEY.fullmatch(key) or path.name.startswith(".upload-")) \
                and now_timestamp - path.stat().st_mtime > grace:
            candidates[key] = path
    removed = 0
    for key, path in sorted(candidates.items()):
        if path.name.startswith(".upload-"):
            path.unlink(missing_ok=True)  # a temporary file no command finished writing
            removed += 1
        elif remove_if_unreferenced(db, root, key):
            removed += 1
    return removed


def file_fields(schema: dict, ui: dict | None) -> list[Field]:
    """The form's file fields (``ui:widget: "file"``, top level only): their value is a document id."""
    return [field for field in form_fields(schema, ui) if field.widget == "file"]


def add_documents(session, now, actor_id: int | None, case_id: int, task_id: int | None,
                  uploads: dict[str, StoredUpload]) -> dict[str, int]:
    """One Document row per upload; {field: document id} for the form data."""
    ids = {}
    for field_name, upload in uploads.items():
        # the file is held until this transaction ends: retention cannot delete it between the
        # check below and the row that keeps it
        lock_storage_key(session, upload.storage_key)
        if upload.path is not None and not upload.path.is_file():
            raise Conflict("Die hochgeladene Datei wurde gerade vom Aufräumen erfasst; nichts wurde gespeichert. "
                           "Bitte laden Sie sie erneut hoch.")
        document = Document(case_id=case_id, task_id=task_id, field_name=field_name, filename=upload.filename,
                            media_type=upload.media_type, size=upload.size, sha256=upload.sha256,
                            storage_key=upload.storage_key, uploaded_by_id=actor_id, uploaded_at=now)
        session.add(document)
        session.flush()
        ids[field_name] = document.id
    return ids


def open_document(db, clock, actor: Actor, document_id: int, directory: Path) -> tuple[Document, Path]:
    """The document and its file, for someone who may see its case; the download is recorded."""
    with db.transaction() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(DOCUMENT_NOT_FOUND)
        try:
            case_for(session, actor, document.case_id)
        except NotFound as exc:
            raise NotFound(DOCUMENT_NOT_FOUND) from exc
        path = Path(directory).resolve() / document.storage_key
        if not STORAGE_KEY.fullmatch(document.storage_key) or not path.is_file():
            raise NotFound("Die Datei dieses Dokuments ist nicht mehr vorhanden.")
        record(session, clock.now(), "document.downloaded", case_id=document.case_id, actor_id=actor.user_id,
               document=document.id)
        return document, path

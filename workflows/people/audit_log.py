"""Writing and reading the audit log (``store/audit_log.py``): one entry per access.

The web layer calls ``record_access`` for every read of a case, task, document or export and
for a change that committed nothing (a refused or failed attempt); the entry of a change that
is committed is added to the command's own transaction by ``append_access`` (no change
without its entry, whatever happens after the commit); the worker appends what it deletes. Entries name the case by id and
number and the object by kind and id — never a person or a value that was entered.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, select
from sqlalchemy.orm.util import identity_key

from workflows.people.access import Actor, require_admin
from workflows.store.audit_log import PAGE, AuditLogEntry, LogFilter, append, search
from workflows.store.cases import Case
from workflows.store.documents import Document
from workflows.store.tasks import HumanTask


@dataclass(frozen=True)
class Access:
    """One request as the log keeps it."""

    kind: str
    actor_id: int | None = None
    case_id: int | None = None
    task_id: int | None = None
    document_id: int | None = None
    target: str | None = None
    method: str | None = None
    status: int | None = None
    client_address: str | None = None


def record_access(db, clock, access: Access, lock_timeout: float | None = None) -> None:
    """Append one entry in its own transaction (``lock_timeout``: see ``Database.transaction``)."""
    with db.transaction(lock_timeout=lock_timeout) as session:
        append_access(session, clock, access)


def append_access(session, clock, access: Access) -> None:
    """Append one entry to ``session``'s transaction; the case is found from a task or document."""
    case_id, parts = access.case_id, [access.target]
    for model, row_id, label in ((HumanTask, access.task_id, "Aufgabe"), (Document, access.document_id, "Dokument")):
        if row_id is not None:
            row = session.get(model, row_id)
            case_id = case_id or (row.case_id if row else None)
            parts.append(f"{label} {row_id}")
    case_number = _case_number(session, case_id) if case_id else None
    target = ", ".join(part for part in parts if part) or None
    append(session, clock.now(), access.kind, actor_id=access.actor_id, case_id=case_id,
           case_number=case_number, target=target, method=access.method, status=access.status,
           client_address=access.client_address)


def _case_number(session, case_id: int) -> str | None:
    """The case's number: from the case the command has in hand, else read alone (the case
    row's state column can be large)."""
    known = session.identity_map.get(identity_key(Case, case_id))
    if known is not None and "case_number" not in inspect(known).unloaded:
        return known.case_number
    return session.scalar(select(Case.case_number).where(Case.id == case_id))


def log_page(db, actor: Actor, where: LogFilter, before: int | None = None) -> list[tuple[AuditLogEntry, str | None]]:
    """A page of the log for an admin (others: not found), newest first."""
    require_admin(actor)
    with db.transaction() as session:
        return search(session, where, before, PAGE)


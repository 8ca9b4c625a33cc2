"""Retention: the personal data of a case closed more than ``retention_years`` (agreement
data) ago are deleted by the worker; what is left is anonymous.

Deleted: the instance's state (it holds every value entered), the data recorded with each
step of the case history, approvers' comments, and the case's documents — their rows, and
their files once no other case's document has the same content. Kept: the case row (number,
process, dates, status), the task rows (step names, dates), the history's skeleton (which
step, who, when) and the annual figures, so Kennzahlen and counts stay as they were. The
deletion is appended to the audit log (ids and counts only). See docs/decisions/0007.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from time import time as file_system_now

from sqlalchemy import select

from workflows.cases.documents import STORAGE_KEY, remove_if_unreferenced, sweep_orphans
from workflows.cases.subject import forget_subject
from workflows.clock import BERLIN, berlin_date
from workflows.store import incidents
from workflows.store.approvals import forget_comments
from workflows.store.audit_log import append
from workflows.store.case_notes import forget_notes
from workflows.store.cases import Case, closed_before
from workflows.store.cohort import forget_persons_of_list
from workflows.store.documents import documents_of_case
from workflows.store.drafts import forget_drafts_of_case
from workflows.store.follow_ups import forget_follow_ups_of_case
from workflows.store.history import forget_details
from workflows.store.organisation import Agreement

DELETED_KIND = "retention.deleted"


@dataclass(frozen=True)
class Expired:
    case_id: int
    storage_keys: list[str]


def cutoff(now: datetime, years: int) -> datetime:
    """Midnight (Berlin) of the same calendar day ``years`` ago (29.02. → 28.02.)."""
    today = berlin_date(now)
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return datetime.combine(day, time(0), tzinfo=BERLIN)


def expired_case_ids(session, now: datetime) -> list[int]:
    """Closed cases past their agreement's retention period whose data are still there."""
    ids = []
    for agreement in session.scalars(select(Agreement)):
        years = agreement.data.get("retention_years")
        if not years:
            continue
        ids += closed_before(session, agreement.id, cutoff(now, years))
    return sorted(ids)


def delete_expired(db, clock, documents_dir: Path) -> int:
    """Delete the personal data of every expired case, each in its own transaction; returns how many."""
    with db.transaction() as session:
        ids = expired_case_ids(session, clock.now())
        waiting = incidents.open_subjects(session, clock.now(), incidents.RETENTION)
    deleted = 0
    for case_id in ids:
        def delete_one(case_id=case_id) -> None:
            nonlocal deleted
            expired = _delete_case_data(db, clock, case_id)
            if expired is not None:
                _remove_unreferenced_files(db, Path(documents_dir), expired.storage_keys)
                deleted += 1

        # each case in its own error boundary: one failing deletion never stops the others
        incidents.run_unit(db, clock, incidents.RETENTION, f"{incidents.RETENTION}:{case_id}", waiting, delete_one,
                           case_id=case_id)
    # files no document points at (a refused or failed upload from before, a crash mid-write):
    # retention reaches them too. Their age is the file system's (mtime against its own time,
    # not the injectable clock): the grace protects a command still running now.
    sweep_orphans(db, Path(documents_dir), file_system_now())
    return deleted


def _delete_case_data(db, clock, case_id: int) -> Expired | None:
    with db.transaction() as session:
        case = db.claim(session, Case, case_id)
        if case is None or case.personal_data_deleted_at is not None:
            return None  # another worker has it, or had it
        now = clock.now()
        documents = documents_of_case(session, case.id)
        keys = sorted({d.storage_key for d in documents})
        for document in documents:
            session.delete(document)
        forget_details(session, case.id)
        forget_comments(session, case.id)
        forget_subject(session, case)
        forget_drafts_of_case(session, case.id)
        forget_notes(session, case.id)
        forget_follow_ups_of_case(session, case.id)
        forget_persons_of_list(session, case.id)
        case.state = b""
        case.personal_data_deleted_at = now
        append(session, now, DELETED_KIND, case_id=case.id, case_number=case.case_number,
               target=f"{len(documents)} Dokument(e)")
        return Expired(case.id, keys)


def _remove_unreferenced_files(db, directory: Path, storage_keys: list[str]) -> None:
    """Delete each file no document row points at any more (the same content may belong to
    another case, which keeps it). Checked and deleted under the file's lock, in one
    transaction, so an upload of identical bytes reusing the file cannot slip in between."""
    for key in storage_keys:
        if not STORAGE_KEY.fullmatch(key):
            continue
        remove_if_unreferenced(db, directory, key)

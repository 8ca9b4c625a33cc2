"""Which version of an agreement is in effect, and which one a case runs under.

Version 1 comes from the agreement's file; each agreed Anpassung adds a version with its
effective date. ``Agreement.data`` (and the org units and role map stored from it) always
holds the version in effect, so everything that reads ``Agreement.data`` — the worker,
start pages, diagram functions of new cases — follows a version switch without knowing of
versions. A case keeps the version it started under (``Case.agreement_version``): its lanes,
approvers and task deadlines are read from that version (``data_of_case``).

The file and the database (docs/decisions/0006): an unchanged file changes nothing; a changed
file replaces version 1 only while no Anpassung exists; once one does, the database is the
record and a changed file is reported in the log and otherwise ignored.

Start of operation (``operation_start``): the data in effect always names the first day the
agreement runs here. A file may set it (a planned go-live day); otherwise it is the day the
agreement was first loaded into this database (version 1's ``created_at``, written once), so a
first start in December never opens that year's requests already overdue.
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflows.clock import berlin_date
from workflows.store.agreement_versions import FROM_FILE, AgreementVersion, due_versions, version_of, versions_of
from workflows.store.cases import Case
from workflows.store.organisation import Agency, Agreement, AgreementRole, OrgUnit

log = logging.getLogger(__name__)


def data_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def data_of_case(session: Session, case: Case) -> dict:
    """The agreement data a case runs under: its pinned version, else the version in effect."""
    pinned = version_of(session, case.agreement_id, case.agreement_version)
    return pinned.data if pinned is not None else session.get(Agreement, case.agreement_id).data


def seed_from_file(session: Session, row: Agreement, data: dict, source: str, content_hash: str, now) -> None:
    """Bring the agreement file in at boot without undoing an Anpassung (see the module doc)."""
    versions = versions_of(session, row.id)
    if versions and row.content_hash == content_hash:
        return
    if any(v.origin != FROM_FILE for v in versions):
        log.warning("agreement %s: file changed, but amendments exist; the database version %s stays in effect",
                    row.id, row.version)
        return
    first = versions[0] if versions else None
    if first is None:
        first = AgreementVersion(agreement_id=row.id, number=1, origin=FROM_FILE, consents=[], created_at=now,
                                 effective_on=date.fromisoformat(data.get("signed_on") or berlin_date(now).isoformat()))
        session.add(first)
    first.data, first.content_hash, first.activated_at = with_operation_start(data, first.created_at), content_hash, now
    row.source, row.content_hash, row.loaded_at = source, content_hash, now
    put_in_effect(session, row, first.data, 1)


def with_operation_start(data: dict, first_loaded_at) -> dict:
    """``data`` naming its start of operation: its own ``operation_start``, else the Berlin day
    the agreement was first loaded here."""
    if data.get("operation_start"):
        return data
    return {**data, "operation_start": berlin_date(first_loaded_at).isoformat()}


def put_in_effect(session: Session, row: Agreement, data: dict, number: int) -> None:
    """Make ``data`` the agreement's data in effect: partners, org units (inbox groups), role map."""
    row.name, row.data, row.version = data["name"], data, number
    for partner in data["partners"]:
        session.merge(Agency(id=partner["id"], name=partner["name"], short_name=partner["short_name"],
                             kind=partner["kind"]))
        for unit in partner["org_units"]:
            session.merge(OrgUnit(id=unit["id"], agency_id=partner["id"], name=unit["name"]))
    session.flush()
    session.execute(delete(AgreementRole).where(AgreementRole.agreement_id == row.id))
    for role, unit_ids in data["roles"].items():
        for unit_id in unit_ids:
            session.add(AgreementRole(agreement_id=row.id, role=role, org_unit_id=unit_id))
    session.flush()


def activate(session: Session, version: AgreementVersion, now) -> None:
    first = version_of(session, version.agreement_id, 1)
    data = with_operation_start(version.data, first.created_at) if first is not None else version.data
    put_in_effect(session, session.get(Agreement, version.agreement_id), data, version.number)
    version.activated_at = now


def activate_due_versions(db, clock) -> list[tuple[str, int]]:
    """The worker's step: put every agreed version whose date has come into effect."""
    activated = []
    with db.transaction() as session:
        due = [(v.id, v.agreement_id, v.number) for v in due_versions(session, clock.today())]
    for version_id, agreement_id, number in due:
        with db.transaction() as session:
            version = db.claim(session, AgreementVersion, version_id)
            if version is None or version.activated_at is not None:
                continue
            activate(session, version, clock.now())
            activated.append((agreement_id, number))
            log.info("agreement %s: version %s in effect", agreement_id, number)
    return activated


def next_number(session: Session, agreement_id: str) -> int:
    return (session.scalar(select(AgreementVersion.number).where(AgreementVersion.agreement_id == agreement_id)
                           .order_by(AgreementVersion.number.desc()).limit(1)) or 0) + 1

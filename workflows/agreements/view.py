"""The agreement as both partners read it: status (gekündigt zum …, beendet), versions, diffs."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from workflows.agreements.amendment import as_text, diff_text
from workflows.agreements.partner_roles import partner_of_units
from workflows.errors import NotFound
from workflows.people.access import Actor
from workflows.store.agreement_versions import FROM_FILE, AgreementVersion, version_of, versions_of
from workflows.store.organisation import ACTIVE, ENDED, Agreement, no_new_cases_message, status_label

NOT_FOUND = "Diese Vereinbarung gibt es nicht, oder Sie haben keinen Zugriff darauf."


@dataclass(frozen=True)
class AgreementStatus:
    id: str
    name: str
    status: str
    label: str  # in Kraft | gekündigt zum … | beendet mit Ablauf des …
    ends_on: date | None
    end_reason: str | None
    refusal: str  # why no case can be started under it, once ended

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE

    @property
    def is_ended(self) -> bool:
        return self.status == ENDED


@dataclass(frozen=True)
class VersionRow:
    number: int
    from_file: bool
    effective_on: date
    activated_at: datetime | None
    summary: str | None
    changes_text: bool
    consents: list[dict]
    case_id: int | None
    in_effect: bool


def status_of(agreement: Agreement) -> AgreementStatus:
    return AgreementStatus(agreement.id, agreement.name, agreement.status, status_label(agreement),
                           agreement.ends_on, agreement.end_reason, no_new_cases_message(agreement))


def _visible(session, actor: Actor, agreement_id: str) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or not (actor.is_admin or actor.org_unit_ids.intersection(partner_of_units(agreement.data))):
        raise NotFound(NOT_FOUND)
    return agreement


def my_agreements(db, actor: Actor) -> list[AgreementStatus]:
    """The agreements the actor's org units are party to."""
    with db.transaction() as session:
        return [status_of(a) for a in session.scalars(select(Agreement).order_by(Agreement.id))
                if actor.is_admin or actor.org_unit_ids.intersection(partner_of_units(a.data))]


def agreement_status(db, agreement_id: str) -> AgreementStatus:
    """For the banner of a case or task page the actor was already allowed to see."""
    with db.transaction(read_only=True) as session:
        return status_of(session.get(Agreement, agreement_id))


def versions(db, actor: Actor, agreement_id: str) -> tuple[AgreementStatus, list[VersionRow]]:
    with db.transaction() as session:
        agreement = _visible(session, actor, agreement_id)
        rows = [VersionRow(v.number, v.origin == FROM_FILE, v.effective_on, v.activated_at, v.summary,
                           v.changes_text, _read_consents(v.consents), v.case_id, v.number == agreement.version)
                for v in versions_of(session, agreement_id)]
        return status_of(agreement), rows


def _read_consents(consents: list[dict] | None) -> list[dict]:
    return [{**c, "at": datetime.fromisoformat(c["at"])} for c in consents or []]


@dataclass(frozen=True)
class VersionText:
    number: int
    effective_on: date
    summary: str | None
    text: str  # the whole version as YAML
    diff: str  # against the version before ("" for version 1)
    data: dict = field(default_factory=dict)  # the version's data, read out on its page


def version_text(db, actor: Actor, agreement_id: str, number: int) -> VersionText:
    with db.transaction() as session:
        _visible(session, actor, agreement_id)
        version: AgreementVersion | None = version_of(session, agreement_id, number)
        if version is None:
            raise NotFound("Diese Fassung der Vereinbarung gibt es nicht.")
        before = version_of(session, agreement_id, number - 1)
        return VersionText(version.number, version.effective_on, version.summary, as_text(version.data),
                           diff_text(before.data, version.data) if before else "", dict(version.data))


def current_data(db, actor: Actor, agreement_id: str) -> tuple[dict, int]:
    """The data in effect of an agreement the actor is party to, and its version number."""
    with db.transaction(read_only=True) as session:
        agreement = _visible(session, actor, agreement_id)
        return dict(agreement.data), agreement.version

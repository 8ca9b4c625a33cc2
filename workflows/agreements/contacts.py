"""The contacts directory of an agreement: external participants of its bodies (providers,
EUTB, Förderschulen …). They have no login and receive invitation mails only, never case data.

Seeded from the agreement file's ``contacts`` (an entry whose address is already there is
left alone, so edits made on the Kontakte page survive a restart) and maintained by admins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from workflows.errors import NotFound
from workflows.people.access import Actor, require_admin
from workflows.store.contacts import CONTACT_GROUPS, Contact, contacts_of
from workflows.store.history import record
from workflows.store.organisation import Agreement

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("name", "organisation", "email", "contact_group")


def seed_contacts(session, agreement_id: str, entries: list[dict], now) -> None:
    known = {c.email.lower() for c in contacts_of(session, agreement_id)}
    for entry in entries:
        if entry["email"].lower() in known:
            continue
        session.add(Contact(agreement_id=agreement_id, name=entry["name"], organisation=entry["organisation"],
                            email=entry["email"], contact_group=entry["group"], created_at=now))
        known.add(entry["email"].lower())


@dataclass(frozen=True)
class ContactListing:
    agreement_id: str
    agreement_name: str
    contacts: list[Contact]


def contact_listing(db, actor: Actor) -> list[ContactListing]:
    """Every agreement's contacts, for the admin page."""
    require_admin(actor)
    with db.transaction() as session:
        return [ContactListing(a.id, a.name, contacts_of(session, a.id))
                for a in session.scalars(select(Agreement).order_by(Agreement.name))]


def contact_errors(session, agreement_id: str, values: dict[str, str], except_id: int | None = None) -> dict[str, str]:
    """German messages by field for a new or changed contact (``except_id``: the contact being
    changed, whose own address is no duplicate); empty when it may be saved."""
    errors = {}
    if session.get(Agreement, agreement_id) is None:
        errors["agreement_id"] = "Bitte wählen Sie die Vereinbarung, zu der der Kontakt gehört."
    if not values.get("name"):
        errors["name"] = "Bitte geben Sie den Namen des Kontakts an."
    elif len(values["name"]) > 200:
        errors["name"] = "Der Name darf höchstens 200 Zeichen lang sein."
    if not values.get("organisation"):
        errors["organisation"] = "Bitte geben Sie die Organisation an, z. B. den Namen des Trägers."
    elif len(values["organisation"]) > 200:
        errors["organisation"] = "Die Organisation darf höchstens 200 Zeichen lang sein."
    if not EMAIL.match(values.get("email", "")) or len(values["email"]) > 254:
        errors["email"] = "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."
    elif "agreement_id" not in errors and any(c.email.lower() == values["email"].lower()
                                              for c in contacts_of(session, agreement_id) if c.id != except_id):
        errors["email"] = "Diese E-Mail-Adresse steht schon im Verzeichnis dieser Vereinbarung."
    if values.get("contact_group") not in CONTACT_GROUPS:
        errors["contact_group"] = "Bitte wählen Sie eine Gruppe."
    return errors


def add_contact(db, clock, actor: Actor, agreement_id: str, values: dict[str, str]) -> dict[str, str]:
    """Add a contact (one transaction); returns the errors by field instead when there are any."""
    require_admin(actor)
    values = {k: (values.get(k) or "").strip() for k in FIELDS}
    with db.transaction() as session:
        errors = contact_errors(session, agreement_id, values)
        if errors:
            return errors
        session.add(Contact(agreement_id=agreement_id, created_at=clock.now(), **values))
        record(session, clock.now(), "contact.added", actor_id=actor.user_id, agreement=agreement_id)
        return {}


def contact_by_id(db, actor: Actor, contact_id: int) -> Contact:
    require_admin(actor)
    with db.transaction() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("Diesen Kontakt gibt es nicht.")
        session.expunge(contact)
        return contact


def change_contact(db, clock, actor: Actor, contact_id: int, values: dict[str, str]) -> dict[str, str]:
    """Correct a contact's name, organisation, address or group (one transaction); returns the
    errors by field instead when there are any. The agreement it belongs to stays."""
    require_admin(actor)
    values = {k: (values.get(k) or "").strip() for k in FIELDS}
    with db.transaction() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("Diesen Kontakt gibt es nicht.")
        errors = contact_errors(session, contact.agreement_id, values, except_id=contact.id)
        if errors:
            return errors
        for key, value in values.items():
            setattr(contact, key, value)
        record(session, clock.now(), "contact.changed", actor_id=actor.user_id, agreement=contact.agreement_id)
        return {}


def remove_contact(db, clock, actor: Actor, contact_id: int) -> None:
    require_admin(actor)
    with db.transaction() as session:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("Diesen Kontakt gibt es nicht.")
        session.delete(contact)
        record(session, clock.now(), "contact.removed", actor_id=actor.user_id, agreement=contact.agreement_id)

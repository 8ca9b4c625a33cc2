"""The contacts directory of an agreement: external participants of its bodies. They have
no login and receive invitations only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

CONTACT_GROUPS = {
    "providers": "Leistungserbringer",
    "eutb": "EUTB (Ergänzende unabhängige Teilhabeberatung)",
    "special_schools": "Förderschulen",
    "self_advocacy": "Selbstvertretung (Werkstatträte, Bewohnerbeiräte, Ex-In)",
    "employment_agency": "Bundesagentur für Arbeit",
    "other": "Sonstige",
}


class Contact(Base):
    """An external participant of an agreement's bodies: invited by mail, no login, no case data."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("agreement_id", "email"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    contact_group: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def contacts_of(session: Session, agreement_id: str, groups: list[str] | None = None) -> list[Contact]:
    """An agreement's contacts, by organisation and name; only those of ``groups`` when given."""
    query = select(Contact).where(Contact.agreement_id == agreement_id)
    if groups is not None:
        query = query.where(Contact.contact_group.in_(groups))
    return list(session.scalars(query.order_by(Contact.organisation, Contact.name)))

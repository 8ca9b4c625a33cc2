"""Agencies (Träger), their org units, agreements and the roles org units play in them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime


class Agency(Base):
    """A legal agency (Träger), e.g. the LWV Hessen or a Landkreis."""

    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # local | supra_local | special_status_city


class OrgUnit(Base):
    """An org unit of an agency; its members share a group inbox."""

    __tablename__ = "org_units"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Agreement(Base):
    """A cooperation agreement as loaded from agreements/; ``data`` is the whole file."""

    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="active")
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(Text)
    # The version whose data ``data`` holds (agreement_versions.number); None before versions.
    version: Mapped[int | None] = mapped_column(Integer)
    # active | terminated (gekündigt zum ends_on) | ended (beendet mit Ablauf von ends_on)
    ends_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)  # why it ends then (German, for both partners)


ACTIVE, TERMINATED, ENDED = "active", "terminated", "ended"


def status_label(agreement: Agreement) -> str:
    """The agreement's status as both partners read it."""
    day = agreement.ends_on.strftime("%d.%m.%Y") if agreement.ends_on else ""
    return {ACTIVE: "in Kraft", TERMINATED: f"gekündigt zum {day}",
            ENDED: f"beendet mit Ablauf des {day}"}.get(agreement.status, agreement.status)


def no_new_cases_message(agreement: Agreement) -> str:
    """Why no case can be started under an ended agreement (page and API alike)."""
    return f"Die {agreement.name} ist {status_label(agreement)}. Unter ihr können keine neuen Vorgänge begonnen werden."


class AgreementRole(Base):
    """Org unit ``org_unit_id`` acts in lane role ``role`` under agreement ``agreement_id``."""

    __tablename__ = "agreement_roles"
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), primary_key=True)


def in_force(session: Session) -> list[tuple[str, dict, date | None]]:
    """(id, data in effect, end date) of every agreement under which the worker still opens
    cases: active ones, and terminated ones until their end date (the caller compares)."""
    return [(a.id, a.data, a.ends_on) for a in session.scalars(
        select(Agreement).where(Agreement.status.in_((ACTIVE, TERMINATED))).order_by(Agreement.id))]


def org_units_for_role(session: Session, agreement_id: str, role: str) -> list[str]:
    rows = session.scalars(
        select(AgreementRole.org_unit_id)
        .where(AgreementRole.agreement_id == agreement_id, AgreementRole.role == role)
        .order_by(AgreementRole.org_unit_id)
    )
    return list(rows)

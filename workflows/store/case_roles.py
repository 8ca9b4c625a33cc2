"""A case's own role map: which org units act in a lane role for this one case.

Most cases use their agreement's role map. Some narrow it when they start: a conference is
run by the partner whose turn it is, a care-need handover goes from the starter's partner to
the other. Those rows live here and win over the agreement's map for that case.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base


class CaseRole(Base):
    """Org unit ``org_unit_id`` acts in lane role ``role`` for case ``case_id``."""

    __tablename__ = "case_roles"
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), primary_key=True)


def set_case_roles(session: Session, case_id: int, roles: dict[str, list[str]]) -> None:
    for role, unit_ids in roles.items():
        for unit_id in dict.fromkeys(unit_ids):
            session.add(CaseRole(case_id=case_id, role=role, org_unit_id=unit_id))


# built once: building a statement costs about as much as SQLite running this one (each command reads it)
_UNITS_OF_ROLE = (select(CaseRole.org_unit_id)
                  .where(CaseRole.case_id == bindparam("case_id"), CaseRole.role == bindparam("role"))
                  .order_by(CaseRole.org_unit_id))


def case_role_units(session: Session, case_id: int, role: str) -> list[str]:
    """The case's own units for ``role``; [] when the case uses its agreement's map."""
    return list(session.scalars(_UNITS_OF_ROLE, {"case_id": case_id, "role": role}))

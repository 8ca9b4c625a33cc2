"""Human tasks: one row per ready user task of a case, and the group inboxes it sits in.

The inbox is read page by page in due-date order. ``due_sort`` (the due date, or a date
far in the future for tasks without one) and the ``(org_unit_id, is_open, due_sort,
task_id)`` index let every group's inbox be read in order straight off an index, so a page
costs the same with a thousand cases as with a hundred thousand.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, bindparam, func, select
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column

from workflows.store.absences import Absence
from workflows.store.db import Base, UtcDateTime
from workflows.store.users import Membership, User

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
NO_DUE_DATE = date(9999, 12, 31)


class HumanTask(Base):
    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_assignee_open", "assignee_id", "state", "due_sort", "id"),
        Index("ix_human_tasks_remind", "state", "remind_on"),
        Index("ix_human_tasks_escalate", "state", "escalate_on"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    spiff_task_id: Mapped[str] = mapped_column(String(36), index=True)
    bpmn_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    lane_role: Mapped[str] = mapped_column(String(64))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    form_name: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    due_sort: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Reminder and escalation (workflows/cases/reminders.py): planned when the task opens, from
    # the agreement's working days for the task's kind; sent once each by the worker. A task the
    # diagram chases with its own timer boundary events is left to them (chased_by_diagram).
    chased_by_diagram: Mapped[bool | None] = mapped_column(Boolean)  # None: not planned yet
    remind_on: Mapped[date | None] = mapped_column(Date)
    escalate_on: Mapped[date | None] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HumanTaskGroup(Base):
    """Task ``task_id`` sits in the group inbox of org unit ``org_unit_id``."""

    __tablename__ = "human_task_groups"
    __table_args__ = (
        Index("ix_human_task_groups_inbox", "org_unit_id", "is_open", "due_sort", "task_id"),
        Index("ix_human_task_groups_inbox_since", "org_unit_id", "is_open", "created_at", "task_id"),
        Index("ix_human_task_groups_inbox_case", "org_unit_id", "is_open", "case_number", "task_id"),
    )
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id"), primary_key=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), primary_key=True)
    is_open: Mapped[bool] = mapped_column(Boolean)
    due_sort: Mapped[date] = mapped_column(Date)
    # copies of the task's created_at and its case's number, so the Posteingang can also be read
    # "by since" and "by case number" straight off an index (see the indexes above)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    case_number: Mapped[str | None] = mapped_column(String(40))


def open_by_key():
    """``HumanTask.state == OPEN`` for a query that starts from a few rows elsewhere (a person's
    Wiedervorlagen, the cases of a list page) and reads their tasks by key: behind coalesce(x, x) the state is no index
    to start from, which SQLite without statistics would otherwise take and read every open task."""
    return func.coalesce(HumanTask.state, HumanTask.state) == OPEN


def org_units_of_task(session: Session, task_id: int) -> list[str]:
    return list(
        session.scalars(
            select(HumanTaskGroup.org_unit_id)
            .where(HumanTaskGroup.task_id == task_id)
            .order_by(HumanTaskGroup.org_unit_id)
        )
    )


def in_groups_of(task_id, org_unit_ids):
    """Whether the task sits in one of these groups, as a column a statement can carry (the
    command's first read brings it with the task)."""
    return (select(HumanTaskGroup.task_id)
            .where(HumanTaskGroup.task_id == task_id, HumanTaskGroup.org_unit_id.in_(org_unit_ids)).exists())


# built once: every command and timer wake reads them, and building it cost about as much as running it
_OPEN_OF_CASE = (select(HumanTask).where(HumanTask.case_id == bindparam("case_id"), HumanTask.state == OPEN)
                 .order_by(HumanTask.id))


def open_tasks_of_case(session: Session, case_id: int) -> list[HumanTask]:
    return list(session.scalars(_OPEN_OF_CASE, {"case_id": case_id}))


def case_ids_seen_by_org_units(session: Session, org_unit_ids: list[str]):
    """A subquery of the ids of cases that have had a task in any of these org units."""
    return (
        select(HumanTask.case_id)
        .join(HumanTaskGroup, HumanTaskGroup.task_id == HumanTask.id)
        .where(HumanTaskGroup.org_unit_id.in_(org_unit_ids))
    )


def org_unit_took_part(session: Session, case_id: int, org_unit_ids: list[str]) -> bool:
    if not org_unit_ids:
        return False
    found = session.scalar(
        select(HumanTaskGroup.task_id)
        .join(HumanTask, HumanTaskGroup.task_id == HumanTask.id)
        .where(HumanTask.case_id == case_id, HumanTaskGroup.org_unit_id.in_(org_unit_ids))
        .limit(1)
    )
    return found is not None


def last_worker(session: Session, case_id: int, org_unit_ids: list[str]) -> int | None:
    """Who of these groups last completed a task of the case (continuity: a case's next task
    goes to the person who worked on it), or None when none of them has yet."""
    if not org_unit_ids:
        return None
    return session.scalar(
        select(HumanTask.completed_by_id)
        .join(HumanTaskGroup, HumanTaskGroup.task_id == HumanTask.id)
        .where(HumanTask.case_id == case_id, HumanTask.state == COMPLETED, HumanTask.completed_by_id.is_not(None),
               HumanTaskGroup.org_unit_id.in_(org_unit_ids))
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
        .limit(1)
    )


def last_worker_if_member(session: Session, case_id: int, org_unit_ids: list[str]) -> int | None:
    """Who of these groups last completed a task of the case (``last_worker``), if they are
    still active and in one of the groups (``users.is_active_member``); else None. One statement."""
    found = continuing_worker(session, case_id, org_unit_ids, None)
    return found[0].id if found is not None else None


def continuing_worker(session: Session, case_id: int, org_unit_ids: list[str], day: date | None):
    """``last_worker_if_member`` as (user, deputy id): the user row itself (without its
    memberships), and the deputy named by the first of their absences on ``day`` (None: not
    away, or no ``day``); None when nobody qualifies. One statement."""
    if not org_unit_ids:
        return None
    found = session.execute(_CONTINUING, {"case_id": case_id, "units": list(org_unit_ids), "day": day}).first()
    return (found[0], found[2]) if found is not None and found[1] and found[0].active else None


_CONTINUING = (  # built once: every new task of a case someone worked on runs it
    select(User,
           select(Membership.user_id).where(
               Membership.user_id == HumanTask.completed_by_id,
               Membership.org_unit_id.in_(bindparam("units", expanding=True))).exists(),
           select(Absence.deputy_id).where(Absence.user_id == HumanTask.completed_by_id,
                                           Absence.starts_on <= bindparam("day", type_=Date),
                                           Absence.ends_on >= bindparam("day", type_=Date))
           .order_by(Absence.id).limit(1).scalar_subquery())
    .select_from(HumanTask).join(HumanTaskGroup, HumanTaskGroup.task_id == HumanTask.id)
    .join(User, User.id == HumanTask.completed_by_id)
    .where(HumanTask.case_id == bindparam("case_id"), HumanTask.state == COMPLETED,
           HumanTaskGroup.org_unit_id.in_(bindparam("units", expanding=True)))
    .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
    .limit(1).options(lazyload(User.memberships)))
"""The daily digest for those who chose it: once a day, from 07:00 Berlin, one mail listing
the open tasks that arrived in their group inboxes during the past day, and the tasks whose
Wiedervorlage (their own follow-up date, on a task or a whole case) is today — by case number and task,
never its note. Whether today's
digest went out is read from the outbox itself, so a restarted worker does not send twice; the
user's row is claimed first (``Database.claim``), so two workers at once do not either."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from workflows.clock import BERLIN
from workflows.mail.compose import enqueue
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition
from workflows.store.follow_ups import CaseFollowUp, TaskFollowUp
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import OPEN, HumanTask, HumanTaskGroup, open_by_key
from workflows.store.users import Membership, User

DIGEST_HOUR = time(7, 0)
KIND = "task.digest"


def send_digests(db, clock) -> int:
    """Write today's digests (if it is past 07:00 and not done yet); returns how many."""
    now = clock.now()
    local = now.astimezone(BERLIN)
    if local.time() < DIGEST_HOUR:
        return 0
    day_start = datetime.combine(local.date(), time(0, 0), BERLIN)
    written = 0
    with db.transaction() as session:
        users = session.scalars(select(User).where(User.mail_preference == "digest", User.active.is_(True))).all()
        for user in users:
            # the user's row locked first: a second worker skips them instead of sending twice
            if db.claim(session, User, user.id) is None or _already_sent(session, user.id, day_start):
                continue
            tasks = _new_tasks(session, user, since=now - timedelta(days=1))
            follow_ups = _follow_ups_due(session, user, local.date())
            cases = _case_follow_ups_due(session, user, local.date())
            if (tasks or follow_ups or cases) and enqueue(
                    session, now, kind=KIND, recipient=user, template="digest",
                    subject=_subject(tasks, len(follow_ups) + len(cases)),
                    context={"tasks": tasks, "follow_ups": follow_ups, "case_follow_ups": cases}):
                written += 1
    return written


def _subject(tasks: list, follow_ups: int) -> str:
    parts = ([f"{len(tasks)} neue Aufgaben"] if tasks else []) + (
        [f"{follow_ups} Wiedervorlage{'n' if follow_ups > 1 else ''}"] if follow_ups else [])
    return "KoopFlow: " + ", ".join(parts)


def _follow_ups_due(session, user: User, today) -> list[dict]:
    rows = session.execute(
        select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
        .join(TaskFollowUp, TaskFollowUp.task_id == HumanTask.id)
        .where(TaskFollowUp.user_id == user.id, TaskFollowUp.due_on == today, open_by_key())
        .order_by(HumanTask.due_sort, HumanTask.id).limit(200))
    return [{"task_id": t.id, "task_name": t.name, "case_number": number, "due_on": t.due_on} for t, number in rows]


def _case_follow_ups_due(session, user: User, today) -> list[dict]:
    rows = session.execute(
        select(Case.id, Case.case_number, ProcessDefinition.name).join(CaseFollowUp, CaseFollowUp.case_id == Case.id)
        .join(ProcessDefinition, ProcessDefinition.id == Case.definition_id)
        .where(CaseFollowUp.user_id == user.id, CaseFollowUp.due_on == today).order_by(Case.id).limit(200))
    return [{"case_id": case_id, "case_number": number, "process_name": name} for case_id, number, name in rows]


def _already_sent(session, user_id: int, day_start: datetime) -> bool:
    return session.scalar(select(OutboxMail.id).where(
        OutboxMail.recipient_user_id == user_id, OutboxMail.kind == KIND,
        OutboxMail.created_at >= day_start).limit(1)) is not None


def _new_tasks(session, user: User, since: datetime) -> list[dict]:
    units = select(Membership.org_unit_id).where(Membership.user_id == user.id)
    rows = session.execute(
        select(HumanTask, Case.case_number).join(Case, Case.id == HumanTask.case_id)
        .where(HumanTask.state == OPEN, HumanTask.created_at >= since,
               HumanTask.id.in_(select(HumanTaskGroup.task_id).where(HumanTaskGroup.org_unit_id.in_(units))))
        .order_by(HumanTask.due_sort, HumanTask.id).limit(200))
    return [{"task_id": t.id, "task_name": t.name, "case_number": number, "due_on": t.due_on} for t, number in rows]

"""Driving cases with the engine-side commands directly, for tests that need many of them."""
from __future__ import annotations

from sqlalchemy import select

from tests.support.handover import PREPARE_JSON
from workflows.cases.starting import start_case
from workflows.people.access import Actor
from workflows.store.tasks import OPEN, HumanTask
from workflows.store.users import user_by_username
from workflows.tasks import complete_task


def actor(kf, username: str) -> Actor:
    """The demo user as the commands see them (without the cost of an argon2 login)."""
    with kf.db.transaction() as session:
        user = user_by_username(session, username)
        assert user is not None, username
        return Actor.of(user)


def open_task(kf, case_id: int, bpmn_id: str) -> int:
    with kf.db.transaction() as session:
        task_id = session.scalar(select(HumanTask.id).where(
            HumanTask.case_id == case_id, HumanTask.bpmn_id == bpmn_id, HumanTask.state == OPEN))
    assert task_id is not None, f"no open {bpmn_id} in case {case_id}"
    return task_id


def offered_handover(kf, starter: str = "lk.sozialamt") -> int:
    """A handover the Landkreis has prepared: it now waits for the LWV's review."""
    started = start_case(kf.db, kf.clock, actor(kf, starter), "handover_school_end", "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, starter), started.my_task_id, PREPARE_JSON)
    return started.case_id

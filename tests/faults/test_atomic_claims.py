"""Two colleagues in two OS processes claim the same task at the same instant: exactly one
wins, the other gets the German 409, and the history shows one claim."""
from __future__ import annotations

import multiprocessing

from sqlalchemy import func, select

from tests.support.claim_process import claim_at_the_barrier
from tests.support.flows import offered_handover, open_task
from workflows.people.accounts import create_api_token
from workflows.store.history import HistoryEvent
from workflows.store.tasks import HumanTask

TASKS = 6


def test_two_processes_claiming_one_task_at_once_exactly_one_wins(kf, settings, clock):
    context = multiprocessing.get_context("spawn")
    tokens = [create_api_token(kf.db, clock, name) for name in ("lwv.fachdienst", "lwv.fachdienst2")]
    task_ids = [open_task(kf, offered_handover(kf), "review_handover") for _ in range(TASKS)]
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=claim_at_the_barrier,
                               args=(settings, clock.now(), token, task_ids, barrier, results)) for token in tokens]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in range(2 * TASKS)]
    for worker in workers:
        worker.join(30)
    for task_id in task_ids:
        mine = sorted(((status, body) for tid, status, body in outcomes if tid == task_id), key=lambda o: o[0])
        assert [status for status, _ in mine] == [200, 409], mine
        assert mine[1][1]["error"].startswith("Diese Aufgabe bearbeitet bereits ")
        with kf.db.transaction() as session:
            task = session.get(HumanTask, task_id)
            claims = session.scalar(select(func.count()).select_from(HistoryEvent).where(
                HistoryEvent.kind == "task.claimed", HistoryEvent.case_id == task.case_id))
        assert task.assignee_id is not None and claims == 1

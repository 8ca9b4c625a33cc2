"""A case's history growing: the cost of the next completion, its state and its mails.

One offered handover goes through ROUNDS question rounds (the LWV asks back, the Landkreis
answers: two completed tasks a round) through the commands. For the first and the last
WINDOW rounds: the median time ``complete_task`` takes for the LWV's question, and the
engine floor of the same completion (SpiffWorkflow alone on the state as it was before:
load, complete, run on, dump). Then the stored state, and the case's mails in the outbox
(text columns; before and after the worker sent them: a sent mail keeps no body).

A round takes a week (the clock moves on 7 days after each answer; the review's reminder is
due after 10 working days, so no timer fires), and after each round the worker's sending and
mail expiry run as they would: a sent mail's record leaves after the agreement's
``sent_mails_kept_days`` (90 in the shipped files).

    .venv/bin/python bench/history.py

Goals (issue 20): the completion at 200 completed tasks ≤ 1.5 × the completion at 1; the
case's mails after 200 tasks ≤ 2 × its state. Prints figures only; asserts nothing.
"""
from __future__ import annotations

import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from support.engine_floor import engine_only
from support.figures import kib, machine, median, ms, timed
from support.instance import koopflow_app

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from workflows.cases.instances import diagram_functions
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.mail.expiry import expire_sent_mails
from workflows.mail.sending import send_due
from workflows.store.cases import Case
from workflows.store.definitions import stored_spec
from workflows.store.outbox import OutboxMail
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task

ROUNDS = 100  # two completed tasks each
WINDOW = 5
GROWTH_GOAL, MAIL_GOAL = 1.5, 2.0
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
ANSWER = {"answer": "Siehe Akte."}  # invented


def mail_bytes(kf, case_id: int, since: datetime | None = None) -> tuple[int, int]:
    """(rows, bytes in their text columns) of the case's mails (written ``since``)."""
    columns = [OutboxMail.kind, OutboxMail.to_address, OutboxMail.subject, OutboxMail.text_body,
               OutboxMail.html_body, OutboxMail.message_id, OutboxMail.reply_to, OutboxMail.calendar_attachment]
    with kf.db.transaction() as session:
        query = select(*columns).where(OutboxMail.case_id == case_id)
        if since is not None:
            query = query.where(OutboxMail.created_at >= since)
        rows = session.execute(query).all()
    return len(rows), sum(len(value or "") for row in rows for value in row)


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        _app, kf = koopflow_app(Path(tmp), FixedClock(START))
        case_id = offered_handover(kf)
        lwv, landkreis = actor(kf, "lwv.fachdienst"), actor(kf, "lk.sozialamt")
        ours, floors, sizes = [], [], []
        sent_rows, sent_bytes = 0, 0
        for number in range(ROUNDS):
            round_began = kf.clock.now()
            review = open_task(kf, case_id, "review_handover")
            data = question(f"Frage {number + 1}?")
            with kf.db.transaction() as session:
                case = session.get(Case, case_id)
                state = runtime.joined_state(case.state, stored_spec(session, case.definition_id))
                functions = diagram_functions(session, case, kf.clock)
                spiff_id = session.get(HumanTask, review).spiff_task_id
            floors.append(engine_only(state, functions, lambda workflow: runtime.complete(
                workflow, spiff_id, dict(data), kf.clock)))
            ours.append(timed(lambda: complete_task(kf.db, kf.clock, lwv, review, data))[0])
            with kf.db.transaction() as session:
                sizes.append(len(session.get(Case, case_id).state))
            complete_task(kf.db, kf.clock, landkreis, open_task(kf, case_id, "answer_question"), ANSWER)
            send_due(kf.db, kf.clock, lambda mail: None, budget=600)
            sent_rows, sent_bytes = sent_rows + 2, sent_bytes + mail_bytes(kf, case_id, since=round_began)[1]
            expire_sent_mails(kf.db, kf.clock)
            kf.clock.advance(days=7)
        with kf.db.transaction() as session:
            stored = session.get(Case, case_id).state
            state_size, json_size = len(stored), len(runtime.readable(stored))
            completed = session.scalar(select(func.count()).select_from(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.completed_by_id.is_not(None)))
        kept = mail_bytes(kf, case_id)
        kf.db.dispose()

    first, last = ours[1:WINDOW + 1], ours[-WINDOW:]  # the very first warms caches
    first_floor, last_floor = floors[1:WINDOW + 1], floors[-WINDOW:]
    growth = median(last) / median(first)
    print("# A case's history: the next completion, the state and the mails as it grows\n")
    print(f"{machine()}; one handover, {ROUNDS} question rounds ({completed} completed tasks at the end); "
          f"the LWV's question, median of {WINDOW} rounds at each end.\n")
    print("| | rounds 2–6 | last rounds | last / first |")
    print("|---|---:|---:|---:|")
    print(f"| complete_task (command) | {ms(median(first))} | {ms(median(last))} | {growth:.2f} |")
    print(f"| engine floor | {ms(median(first_floor))} | {ms(median(last_floor))} "
          f"| {median(last_floor) / median(first_floor):.2f} |")
    print(f"| state before the completion (stored) | {kib(sizes[1])} | {kib(sizes[-1])} | {sizes[-1] / sizes[1]:.2f} |")
    print(f"| command / floor | {median(first) / median(first_floor):.2f} | {median(last) / median(last_floor):.2f} "
          "| |")
    print(f"\nGrowth of the completion: {growth:.2f} (goal ≤ {GROWTH_GOAL}).\n")
    print(f"Stored state after {completed} tasks: {kib(state_size)} ({kib(json_size)} as JSON).\n")
    print(f"The case's mails after {ROUNDS} weekly rounds: {kept[0]} rows kept, {kib(kept[1])}; mails/state "
          f"{kept[1] / state_size:.2f} (goal ≤ {MAIL_GOAL}). All {sent_rows} sent mails kept for ever would weigh "
          f"{kib(sent_bytes)} ({sent_bytes / state_size:.2f} × the state).\n")
    print(f"Whole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()

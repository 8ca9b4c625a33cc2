"""Stored bytes of a case's SpiffWorkflow state: a finished handover, and 30 years of annual requests.

1. A school-end handover driven through the commands to its end with two question rounds:
   the ``cases.state`` bytes after each step as stored (compressed, docs/decisions/0012) and as
   JSON beside them (goal, issue 20: at most 24 KiB stored when finished; the spec of its
   version is stored once, apart from the case, and not counted).
2. The worker runs 30 simulated years of the agreement's annual requests (each request is a
   case of its own per year). Every task is completed with valid data; in even years the
   cases are first left until their reminder and escalation timers have fired. For each
   request: the finished case's state in year 1 and year 30, and the largest over the years
   (goal: no growth from year to year).

    .venv/bin/python bench/state_size.py

Prints figures only; asserts nothing about them.
"""
from __future__ import annotations

import io
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from support.figures import kib
from support.instance import koopflow_app

from tests.support.annual import worker_round
from tests.support.flows import actor, open_task
from tests.support.handover import (
    CLOSE_LOCAL_JSON,
    CLOSE_SUPRA_JSON,
    CONFIRM_JSON,
    PLANNING_JSON,
    PREPARE_JSON,
    question,
)
from workflows.cases.documents import store_upload
from workflows.cases.starting import start_case
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.store.annual import AnnualCase
from workflows.store.cases import COMPLETED, Case
from workflows.store.history import HistoryEvent
from workflows.store.tasks import OPEN, HumanTask, org_units_of_task
from workflows.store.users import members_of
from workflows.tasks import complete_task

FIRST_YEAR, YEARS = 2027, 30
GOAL = 24 * 1024  # issue 20
# (user, task, data) in the order the handover's tasks are done
HANDOVER = [
    ("lk.sozialamt", "prepare_handover", PREPARE_JSON),
    ("lwv.fachdienst", "review_handover", question("Welche Werkstatt ist angefragt?")),
    ("lk.sozialamt", "answer_question", {"answer": "Die WfbM in Lich."}),
    ("lwv.fachdienst", "review_handover", question("Liegt das Gutachten vor?")),
    ("lk.sozialamt", "answer_question", {"answer": "Ja, seit Februar."}),
    ("lwv.fachdienst", "review_handover", CONFIRM_JSON),
    ("lwv.leitung", "approve_takeover", {"decision": "approve"}),
    ("lwv.fachdienst", "join_participation_planning", PLANNING_JSON),
    ("lwv.fachdienst", "close_supra_local", CLOSE_SUPRA_JSON),
    ("lk.sozialamt", "close_local", CLOSE_LOCAL_JSON),
]
PERSON = {"last_name": "Beispiel", "first_name": "Bea", "birth_date": "2012-04-02", "habitual_residence": "Lich",
          "school": "Förderschule am Rosenhang", "education": "school", "expected_school_end": "2029-07-31",
          "placement": "Internat Lich"}
ANSWERS = {  # invented
    "deliver_named_list": {"persons": [PERSON]},
    "report_count_retirement_age": {"method": "compute", "birth_dates": ["1958-12-31", "1959-11-02", "1964-01-01"]},
    "report_count_residents": {"count_inside": 120, "count_outside": 35},
    "provide_regional_data": {"comment": "Stand 30.06."},
    "follow_up_overdue": {"action_taken": "Telefonisch nachgefragt; Lieferung zugesagt."},
}
ACKNOWLEDGE = {"complete": True}
# the worker's rounds each year (MM-DD): openings (02.01., 01.04., 01.07.) and days after escalations
ROUNDS = ("01-02", "04-01", "04-10", "07-01", "07-10", "10-10", "12-15")
WAIT_PAST_DUE = 7  # days; every escalation fires within this after the (moved) due date
CSV = "Kreis;Leistung;Anzahl\nGießen;Wohnen;120\nGießen;Arbeit;35\n".encode()  # the columns the agreement names


def state_size(kf, case_id: int) -> tuple[int, int]:
    """(stored bytes, bytes of its JSON)."""
    with kf.db.transaction() as session:
        state = session.get(Case, case_id).state
        return len(state), len(runtime.readable(state))


def handover_sizes(kf) -> list[tuple[str, tuple[int, int]]]:
    started = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    sizes = [("started", state_size(kf, started.case_id))]
    for username, bpmn_id, data in HANDOVER:
        complete_task(kf.db, kf.clock, actor(kf, username), open_task(kf, started.case_id, bpmn_id), data)
        sizes.append((bpmn_id, state_size(kf, started.case_id)))
    with kf.db.transaction() as session:
        assert session.get(Case, started.case_id).status == COMPLETED
    return sizes


def late_cases(kf, today) -> set[int]:
    """Cases of even years whose escalation has not fired yet: they are left waiting until it has."""
    with kf.db.transaction() as session:
        return set(session.scalars(select(AnnualCase.case_id).where(
            AnnualCase.year % 2 == 0, AnnualCase.due_on >= today - timedelta(days=WAIT_PAST_DUE))))


def complete_open_annual_tasks(kf, keep_waiting: set[int]) -> int:
    """Complete every open task of the annual cases (not those in ``keep_waiting``) as one of its group."""
    with kf.db.transaction() as session:
        tasks = [(t.id, t.bpmn_id, t.case_id, members_of(session, org_units_of_task(session, t.id))[0].username)
                 for t in session.scalars(select(HumanTask).join(AnnualCase, AnnualCase.case_id == HumanTask.case_id)
                                          .where(HumanTask.state == OPEN).order_by(HumanTask.id))]
    done = 0
    for task_id, bpmn_id, case_id, username in tasks:
        if case_id in keep_waiting:
            continue
        uploads = None
        if bpmn_id == "provide_regional_data":
            uploads = {"document_id": store_upload(kf.settings.documents_dir, io.BytesIO(CSV), "daten.csv", {"csv"})}
        data = ANSWERS.get(bpmn_id, ACKNOWLEDGE)
        if bpmn_id == "deliver_named_list":  # § 8 b: the list names those leaving school two years on, aged 17
            year = kf.clock.today().year
            data = {"persons": [{**person, "birth_date": f"{year - 15}-04-02", "expected_school_end": f"{year + 2}-07-31"}
                                for person in data["persons"]]}
        complete_task(kf.db, kf.clock, actor(kf, username), task_id, data, uploads)
        done += 1
    return done


def annual_sizes(kf) -> tuple[dict[str, dict[int, int]], int]:
    for year in range(FIRST_YEAR, FIRST_YEAR + YEARS):
        for day in ROUNDS:
            worker_round(kf, f"{year}-{day}")
            complete_open_annual_tasks(kf, late_cases(kf, kf.clock.today()))
    sizes: dict[str, dict[int, int]] = defaultdict(dict)
    with kf.db.transaction() as session:
        for annual, case in session.execute(select(AnnualCase, Case).join(Case, Case.id == AnnualCase.case_id)):
            assert case.status == COMPLETED, (annual.request_key, annual.year, case.status)
            sizes[f"{annual.agreement_id} {annual.request_key}"][annual.year] = len(case.state)
        notices = session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.kind.in_(("case.reminder", "case.escalation"))))
    return sizes, notices


def print_handover(handover) -> None:
    """The handover's table, printed as soon as it is measured (the annual part takes long)."""
    print("# Stored state: a finished handover, and annual requests over 30 years\n")
    print("## Handover with two question rounds\n")
    print("| after | state stored | its JSON |")
    print("|---|---:|---:|")
    for step, (size, plain) in handover:
        print(f"| {step} | {size:,} B ({kib(size)}) | {plain:,} B ({kib(plain)}) |")
    final, final_plain = handover[-1][1]
    print(f"\nFinished handover: {kib(final)} stored ({kib(final_plain)} as JSON); ratio to the goal "
          f"{final / GOAL:.2f} (goal ≤ 1: ≤ {kib(GOAL)}).\n")


def main() -> None:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="koopflow-bench-") as tmp:
        app, kf = koopflow_app(Path(tmp), FixedClock(datetime(FIRST_YEAR, 3, 1, 9, 0, tzinfo=BERLIN)))
        handover = handover_sizes(kf)
        print_handover(handover)
        annual, notices = annual_sizes(kf)
        kf.db.dispose()

    print(f"## Annual requests, one case per request and year, {FIRST_YEAR}–{FIRST_YEAR + YEARS - 1}\n")
    print("Odd years: delivered in time. Even years: left until reminder and escalation fired, then done "
          f"({notices} reminders and escalations raised in all).\n")
    print("| request | cases | in time: year 1 | year 29 | largest | escalated: year 2 | year 30 | largest "
          "| growth year 1→29 / 2→30 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, by_year in sorted(annual.items()):
        years = sorted(by_year)
        in_time, late = [by_year[y] for y in years[0::2]], [by_year[y] for y in years[1::2]]
        print(f"| {key} | {len(by_year)} | {in_time[0]:,} B | {in_time[-1]:,} B | {max(in_time):,} B "
              f"| {late[0]:,} B | {late[-1]:,} B | {max(late):,} B "
              f"| {in_time[-1] - in_time[0]:+,} B / {late[-1] - late[0]:+,} B |")
    print(f"\nWhole run {time.perf_counter() - began:.1f} s.")


if __name__ == "__main__":
    main()

"""Several OS processes on one database, as deployed: two `koopflow worker` processes through
a simulated year, and two web processes sending the same task's form at the same moment.
(tests/test_two_workers.py and tests/test_concurrency.py are the in-process versions.)"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tests.support.app import make_app, settings_for
from tests.support.databases import new_database
from tests.support.flows import offered_handover, open_task
from tests.support.processes import SteppingWorker, WebProcess
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.cases import RUNNING, Case
from workflows.store.conferences import ConferenceCase
from workflows.store.history import HistoryEvent
from workflows.store.outbox import OutboxMail
from workflows.store.users import User
from workflows.worker import run_once

FIRST_DAY = datetime(2027, 3, 2, 8, 0, tzinfo=BERLIN)
DAYS = [FIRST_DAY + timedelta(days=n) for n in range(366)]  # 08:00 Berlin every day until 1 March 2028
QUESTION = {"decision": "question", "question": "Welche Werkstatt?"}
ALREADY_DONE = "Diese Aufgabe wurde inzwischen von jemand anderem erledigt. Ihre Eingaben wurden nicht gespeichert."


def busy_start(kf) -> None:
    """Three handovers waiting for review (reminders, escalations) and one digest reader."""
    for _ in range(3):
        offered_handover(kf)
    with kf.db.transaction() as session:
        session.execute(update(User).where(User.username == "lwv.fachdienst").values(mail_preference="digest"))


def what_happened(kf) -> Counter:
    """Every history event and every mail written, by case (a scheduled case by what it was opened
    for, as case numbers depend on which worker opened it first) and instant."""
    with kf.db.transaction() as session:
        # cases by what they are for: their ids differ between databases (PostgreSQL does not
        # give back a sequence number when the losing worker's insert is rolled back)
        opened_for = {case_id: f"{agreement}/{key}/{year}" for case_id, agreement, key, year in session.execute(
            select(AnnualCase.case_id, AnnualCase.agreement_id, AnnualCase.request_key, AnnualCase.year))}
        opened_for |= {case_id: f"{agreement}/{key}/{year}/{n}" for case_id, agreement, key, year, n in session.execute(
            select(ConferenceCase.case_id, ConferenceCase.agreement_id, ConferenceCase.conference_key,
                   ConferenceCase.year, ConferenceCase.occurrence))}
        events = Counter((opened_for.get(e.case_id, e.case_id), e.kind, e.task_name, e.at)
                         for e in session.scalars(select(HistoryEvent)))
        mails = Counter((opened_for.get(m.case_id, m.case_id), m.kind, m.recipient_user_id, m.created_at)
                        for m in session.scalars(select(OutboxMail)))
    return events + mails


def test_two_worker_processes_through_a_simulated_year_do_everything_exactly_once(kf, request, backend, tmp_path):
    # Given the same start twice: one database for two worker processes, one for a single worker
    (tmp_path / "single").mkdir()
    settings = settings_for(new_database(request, backend, tmp_path / "single"), tmp_path / "single")
    _app, single = make_app(tmp_path / "single", kf.clock.now(), settings)
    busy_start(kf)
    busy_start(single)

    # When two `koopflow worker --steps` processes do every day's round at the same moment
    workers = [SteppingWorker(kf.db.url, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    fired = opened = single_fired = single_opened = 0
    for day in DAYS:
        for worker in workers:
            worker.send(day.isoformat())
        for worker in workers:
            timers, annual = worker.result(day)
            fired, opened = fired + timers, opened + annual
        single.clock.set(day)
        result = run_once(single.db, single.clock)
        single_fired, single_opened = single_fired + result.timers_fired, single_opened + len(result.annual_opened)
    for worker in workers:
        worker.close()

    # Then together they did exactly what one worker alone did: each case woken once per due
    # timer, each year's request opened once, the same events and mails, nothing twice
    assert (fired, opened) == (single_fired, single_opened)
    assert fired >= 10 and opened >= 6  # a year with work in it
    with kf.db.transaction() as session:
        requests = Counter(session.execute(select(AnnualCase.agreement_id, AnnualCase.request_key, AnnualCase.year)).all())
        meetings = Counter(session.execute(select(ConferenceCase.agreement_id, ConferenceCase.conference_key,
                                                  ConferenceCase.year, ConferenceCase.occurrence)).all())
        overdue = session.scalars(select(Case.id).where(Case.status == RUNNING, Case.next_timer_due <= DAYS[-1])).all()
    assert set(requests.values()) == {1} and {year for _agreement, _key, year in requests} == {2027, 2028}
    assert {agreement for agreement, _key, _year in requests} == {"landkreis-giessen", "landkreis-lahnfeld"}
    assert meetings and set(meetings.values()) == {1}  # each meeting of each body opened once
    assert overdue == []  # no due timer was left unfired
    assert what_happened(kf) == what_happened(single)
    single.db.dispose()


def test_two_web_processes_sending_the_same_task_at_once_one_wins_the_other_is_told(kf, tmp_path):
    # Given two web processes where Lea and Lars have each opened the same review form
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    people = [WebProcess(kf.db.url, tmp_path / f"{name}.log", kf.clock.now(), name, review, QUESTION)
              for name in ("lwv.fachdienst", "lwv.fachdienst2")]
    assert [person.read() for person in people] == ["ready", "ready"]

    # When both press "Absenden" at the same moment
    for person in people:
        person.send("go")
    outcomes = sorted(person.read() for person in people)
    for person in people:
        person.close()

    # Then one is taken (redirect), the other gets the German conflict message; one completion
    assert outcomes[0].startswith("302 ")
    assert outcomes[1].startswith("409 ") and ALREADY_DONE in outcomes[1]
    with kf.db.transaction() as session:
        completed = session.scalars(select(HistoryEvent.task_name).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "task.completed")).all()
    assert completed.count("Übergabe prüfen") == 1
    assert open_task(kf, case_id, "answer_question")

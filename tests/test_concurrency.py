"""Two people completing the same task at once: exactly one wins, nothing is half written."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from service.app import create_app
from tests.support.flows import actor, offered_handover, open_task
from tests.support.pages import CSRF, text_of
from workflows.cases.starting import start_case
from workflows.errors import Conflict
from workflows.store.cases import Case
from workflows.store.history import HistoryEvent
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task

QUESTION = {"decision": "question", "question": "Welche Werkstatt?"}


def completions_of(kf, case_id: int, task_name: str) -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(HistoryEvent).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "task.completed",
            HistoryEvent.task_name == task_name))


def test_two_app_processes_completing_the_same_task_at_once_one_wins(kf, settings, clock):
    # Given a second application on the same database, as a second web process would be
    other = create_app(settings, clock).extensions["koopflow"]
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    barrier, outcomes = threading.Barrier(2), []

    def attempt(app, username):
        barrier.wait()
        try:
            complete_task(app.db, app.clock, actor(app, username), review, QUESTION)
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.message)

    # When both press "Absenden" at the same moment
    threads = [threading.Thread(target=attempt, args=(app, user))
               for app, user in ((kf, "lwv.fachdienst"), (other, "lwv.fachdienst2"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one completion counted, the other got a clear German message
    assert sorted(outcomes, key=len) == ["ok", "Diese Aufgabe wurde inzwischen von jemand anderem erledigt. "
                                               "Ihre Eingaben wurden nicht gespeichert."]
    assert completions_of(kf, case_id, "Übergabe prüfen") == 1
    with kf.db.transaction() as session:
        answers = session.scalars(select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.bpmn_id == "answer_question")).all()
    assert len(answers) == 1  # the engine moved on once, not twice
    other.db.dispose()


def test_a_stale_case_write_is_refused_by_the_version_check(kf):
    """The check that keeps PostgreSQL processes apart, independent of SQLite's locking."""
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        stale = session.get(Case, case_id)  # read at version v, then detached
    review = open_task(kf, case_id, "review_handover")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), review, QUESTION)  # writes v+1

    with pytest.raises(StaleDataError):
        with kf.db.transaction() as session:
            stale = session.merge(stale, load=False)
            stale.state = b"{}"
            session.flush()
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).state != b"{}"


def test_a_form_sent_after_a_colleague_finished_the_task_is_refused(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    page = f"/tasks/{review}"
    lea, lars = as_user("lwv.fachdienst"), as_user("lwv.fachdienst2")
    lars.get(page)  # Lars opens the form first …
    lars_token = CSRF.search(lars.page.text).group(1)

    lea.submit(page, page, QUESTION, status=302)  # … but Lea sends hers first
    response = lars.client.post(page, data={"csrf_token": lars_token, "decision": "confirm",
                                            "effective_date": "2027-08-01", "vocational_participation": "false"})

    assert response.status_code == 409
    assert "Diese Aufgabe wurde inzwischen von jemand anderem erledigt." in text_of(response.text)
    assert "Ihre Eingaben (nicht gespeichert)" in text_of(response.text)  # kept on the page, to copy
    assert 'value="2027-08-01"' in response.text or "01.08.2027" in response.text
    assert completions_of(kf, case_id, "Übergabe prüfen") == 1
    assert open_task(kf, case_id, "answer_question")  # Lea's question stands


def test_two_processes_starting_the_years_first_cases_at_once_both_get_a_number(kf, settings, clock):
    # Given a second application on the same database and no case yet this year
    other = create_app(settings, clock).extensions["koopflow"]
    barrier, numbers = threading.Barrier(2), []

    def start(app):
        barrier.wait()
        started = start_case(app.db, app.clock, actor(app, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
        with app.db.transaction() as session:
            numbers.append(session.get(Case, started.case_id).case_number)

    # When two people start a handover at the same moment
    threads = [threading.Thread(target=start, args=(app,)) for app in (kf, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then both cases exist, with the year's first two numbers
    assert sorted(number[-5:] for number in numbers) == ["00001", "00002"]
    other.db.dispose()

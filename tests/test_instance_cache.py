"""The instance a command saved is reused by the next command on the case in this process,
but only while the case's row holds exactly what it stored; a rolled-back command leaves
nothing behind."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import question
from workflows.cases import instance_cache
from workflows.cases.instances import load_workflow, reading_workflow, save_workflow
from workflows.engine import runtime
from workflows.store.cases import Case
from workflows.store.db import Database
from workflows.store.definitions import ProcessDefinition, stored_spec
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task


def ask(kf, case_id: int, text: str, fail: bool = False):
    """Complete the review with a question by hand, as a command does; ``fail``: roll back at the end."""
    review = open_task(kf, case_id, "review_handover")
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        workflow = load_workflow(session, case, kf.clock)
        runtime.complete(workflow, session.get(HumanTask, review).spiff_task_id, question(text), kf.clock)
        save_workflow(session, case, session.get(ProcessDefinition, case.definition_id), workflow,
                      kf.clock.now(), None)
        if fail:
            raise RuntimeError("the command failed after saving")
    return workflow


def loaded(kf, case_id: int):
    with kf.db.transaction() as session:
        return load_workflow(session, session.get(Case, case_id), kf.clock)


def parsed(kf, case_id: int):
    """The instance read from the row alone, as another process would."""
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        return runtime.load(case.state, {}, stored_spec(session, case.definition_id))


def test_the_next_command_on_a_case_reuses_the_instance_the_last_one_saved(kf):
    case_id = offered_handover(kf)
    saved = ask(kf, case_id, "Liegt das Gutachten vor?")
    assert loaded(kf, case_id) is saved
    assert runtime.open_work(saved) == runtime.open_work(parsed(kf, case_id))


def test_an_instance_only_read_stays_kept_for_the_next_command(kf):
    case_id = offered_handover(kf)
    saved = ask(kf, case_id, "Liegt das Gutachten vor?")
    with kf.db.transaction() as session:  # a task page, a preview
        with reading_workflow(session, session.get(Case, case_id)) as read:
            assert read is saved
    assert loaded(kf, case_id) is saved  # the command after the page still finds it
    instance_cache.forget_all()  # e.g. another process ran the last command
    with kf.db.transaction() as session:
        with reading_workflow(session, session.get(Case, case_id)) as read:
            assert "answer_question" in runtime.open_work(read)
    assert loaded(kf, case_id) is read  # parsed once for the page, not again for the POST


def test_an_instance_read_before_another_process_wrote_the_case_is_not_served_after(kf):
    case_id = offered_handover(kf)
    ask(kf, case_id, "Liegt das Gutachten vor?")
    with kf.db.transaction() as session:
        with reading_workflow(session, session.get(Case, case_id)) as read:
            pass
    other = Database(kf.db.url)  # another process answers the question
    with other.transaction() as session:
        case = session.get(Case, case_id)
        workflow = load_workflow(session, case, kf.clock)
        answer = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id,
                                                        HumanTask.bpmn_id == "answer_question",
                                                        HumanTask.state == "open"))
        runtime.complete(workflow, answer.spiff_task_id, {"answer": "Ja."}, kf.clock)
        case.state = runtime.to_store(workflow, stored_spec(session, case.definition_id))
    other.dispose()
    again = loaded(kf, case_id)
    assert again is not read
    assert "review_handover" in runtime.open_work(again) and "answer_question" not in runtime.open_work(again)


def test_a_case_another_process_changed_since_is_read_from_its_row_not_from_the_kept_instance(kf):
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        before = session.get(Case, case_id).state
    ask(kf, case_id, "Liegt das Gutachten vor?")  # kept: waiting for the answer
    other = Database(kf.db.url)  # another process's engine on the same database
    with other.transaction() as session:
        session.get(Case, case_id).state = before  # e.g. its own command wrote an older state back
    other.dispose()
    again = loaded(kf, case_id)
    assert "review_handover" in runtime.open_work(again) and "answer_question" not in runtime.open_work(again)
    assert runtime.dump_instance(again) == runtime.readable(before)  # exactly what the row holds


def test_a_command_rolled_back_leaves_no_changed_instance_behind(kf):
    case_id = offered_handover(kf)
    committed = runtime.open_work(parsed(kf, case_id))
    with pytest.raises(RuntimeError):
        ask(kf, case_id, "Liegt das Gutachten vor?", fail=True)
    assert runtime.open_work(loaded(kf, case_id)) == committed
    assert "review_handover" in committed
    # once more, now with a kept instance taken and changed by the command that fails
    ask(kf, case_id, "Erste Frage?")
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "answer_question"),
                  {"answer": "Ja."})
    committed = runtime.open_work(parsed(kf, case_id))
    with pytest.raises(RuntimeError):
        ask(kf, case_id, "Zweite Frage?", fail=True)
    assert runtime.open_work(loaded(kf, case_id)) == committed


def test_a_case_put_on_another_diagram_version_is_never_served_the_instance_of_the_old_one(kf):
    case_id = offered_handover(kf)
    saved = ask(kf, case_id, "Liegt das Gutachten vor?")
    with kf.db.transaction() as session:  # a repair by hand: same bytes, another version row
        case = session.get(Case, case_id)
        old = session.get(ProcessDefinition, case.definition_id)
        copy = ProcessDefinition(**{c.key: getattr(old, c.key) for c in ProcessDefinition.__table__.columns
                                    if c.key != "id"} | {"content_hash": "repaired", "is_current": False,
                                                        "number": (old.number or 0) + 100})
        session.add(copy)
        session.flush()
        case.definition_id = copy.id
    again = loaded(kf, case_id)
    assert again is not saved
    assert runtime.open_work(again) == runtime.open_work(saved)

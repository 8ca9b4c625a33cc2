"""Wiedervorlage: a personal follow-up date (with a note) on a task. The task leaves its owner's
open work until that day — the filter "Meine Wiedervorlagen" lists it — and comes back on the
day, also in that day's digest. Colleagues are not affected; the note is never mailed and is
deleted by retention."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.named_list import delivered_list
from tests.support.pages import inbox_tasks
from workflows.clock import BERLIN
from workflows.people.accounts import set_mail_preference
from workflows.store.follow_ups import TaskFollowUp
from workflows.store.outbox import OutboxMail
from workflows.tasks import complete_task
from workflows.worker import run_once

NOTE = "Rückruf der Schule abwarten"


def set_follow_up(browser, task_id: int, day: str, note: str = NOTE, status: int = 302):
    return browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/follow-up",
                          {"follow_up_on": day, "follow_up_note": note}, status=status)


def task_ids(browser, url: str = "/inbox") -> set[int]:
    return {task_id for task_id, _name, _number in inbox_tasks(browser, url)}


def test_a_follow_up_hides_the_task_until_its_day_and_brings_it_back_in_inbox_and_digest(kf, as_user):
    set_mail_preference(kf.db, actor(kf, "lwv.fachdienst").user_id, "digest")
    kf.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    case_id = offered_handover(kf)
    task_id = open_task(kf, case_id, "review_handover")
    lea, colleague = as_user("lwv.fachdienst"), as_user("lwv.fachdienst2")
    assert task_id in task_ids(lea)

    set_follow_up(lea, task_id, "10.03.2027")
    assert task_id not in task_ids(lea)
    assert task_id in task_ids(colleague)  # personal: the group still sees it
    page = lea.get("/inbox?scope=followups")
    assert task_id in task_ids(lea, "/inbox?scope=followups") and "Wiedervorlage 10.03.2027" in lea.text
    assert NOTE not in page.text  # the note stays on the task page
    assert NOTE in lea.get(f"/tasks/{task_id}").text and NOTE not in colleague.get(f"/tasks/{task_id}").text

    kf.clock.set(datetime(2027, 3, 9, 23, 30, tzinfo=BERLIN))  # the evening before: still away
    assert task_id not in task_ids(lea)
    kf.clock.set(datetime(2027, 3, 10, 8, 0, tzinfo=BERLIN))
    assert task_id in task_ids(lea)
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        digests = session.scalars(select(OutboxMail).where(
            OutboxMail.kind == "task.digest", OutboxMail.to_address == "lwv.fachdienst@demo.invalid")
            .order_by(OutboxMail.id)).all()
    today = [m for m in digests if m.created_at.astimezone(BERLIN).date().isoformat() == "2027-03-10"]
    assert len(today) == 1 and "Wiedervorlage" in today[0].subject
    assert "Heute wieder vorgelegt" in today[0].text_body and f"/tasks/{task_id}" in today[0].text_body
    assert all(NOTE not in m.text_body and NOTE not in (m.html_body or "") for m in digests)
    assert not [m for m in digests if m is not today[0] and "Heute wieder vorgelegt" in m.text_body]


def test_clearing_the_follow_up_brings_the_task_back_at_once(kf, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    lea = as_user("lwv.fachdienst")
    set_follow_up(lea, task_id, "2027-04-01")
    assert task_id not in task_ids(lea)
    lea.submit(f"/tasks/{task_id}", f"/tasks/{task_id}/follow-up/delete", status=302)
    assert task_id in task_ids(lea) and task_ids(lea, "/inbox?scope=followups") == set()


def test_a_bad_follow_up_date_gets_a_german_message_at_the_field(kf, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    lea = as_user("lwv.fachdienst")
    today = kf.clock.now().astimezone(BERLIN).strftime("%d.%m.%Y")
    for day, message in [("", "Bitte geben Sie an, wann"), ("31.02.2027", "im Format TT.MM.JJJJ"),
                         (today, "muss nach dem heutigen Tag liegen"), ("01.01.2099", "höchstens ein Jahr")]:
        set_follow_up(lea, task_id, day, status=422)
        assert message in lea.text, day
        assert 'id="field-follow_up_on-error"' in lea.page.text
    set_follow_up(lea, task_id, "01.05.2027", note="x" * 1001, status=422)
    assert "höchstens 1000 Zeichen" in lea.text
    with kf.db.transaction() as session:
        assert session.scalars(select(TaskFollowUp)).all() == []


def test_someone_who_may_not_work_on_the_task_cannot_set_one(kf, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    as_user("lk.sozialamt").submit("/inbox", f"/tasks/{task_id}/follow-up", {"follow_up_on": "01.05.2027"},
                                   status=404)
    with kf.db.transaction() as session:
        assert session.scalars(select(TaskFollowUp)).all() == []


def test_retention_deletes_the_follow_up_note(kf, settings, as_user):
    case_id = delivered_list(kf)
    task_id = open_task(kf, case_id, "acknowledge_named_list")
    set_follow_up(as_user("lwv.fachdienst"), task_id, "01.02.2027")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task_id, {"complete": True})
    kf.clock.set(datetime(2037, 1, 5, 8, 0, tzinfo=BERLIN))
    assert run_once(kf.db, kf.clock, documents_dir=settings.documents_dir).personal_data_deleted == 1
    with kf.db.transaction() as session:
        assert session.scalars(select(TaskFollowUp)).all() == []

"""Wiedervorlage on a whole case: a personal follow-up date (with a note) on a Vorgang. Until that
day every open task of the case leaves its owner's open work; on the day the case comes back as a
row of its own in the Posteingang — also while the other agency has the case — and in that day's
digest, until its owner marks it done. Colleagues are not affected; the note and whom the case
concerns are never mailed; retention deletes it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PERSON
from tests.support.named_list import delivered_list
from tests.support.pages import inbox_tasks
from workflows.clock import BERLIN
from workflows.people.accounts import set_mail_preference
from workflows.store.follow_ups import CaseFollowUp
from workflows.store.outbox import OutboxMail
from workflows.tasks import complete_task
from workflows.worker import run_once

NOTE = "Gesamtplan vom Sozialamt nachfragen"
CAME_BACK = "Wieder vorgelegte Vorgänge"


def set_case_follow_up(browser, case_id: int, day: str, note: str = NOTE, status: int = 302):
    return browser.submit(f"/cases/{case_id}", f"/cases/{case_id}/follow-up",
                          {"follow_up_on": day, "follow_up_note": note}, status=status)


def task_ids(browser, url: str = "/inbox") -> set[int]:
    return {task_id for task_id, _name, _number in inbox_tasks(browser, url)}


def test_a_case_on_follow_up_holds_back_its_tasks_and_comes_back_on_its_day(kf, as_user):
    set_mail_preference(kf.db, actor(kf, "lwv.fachdienst").user_id, "digest")
    kf.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    case_id = offered_handover(kf)
    task_id = open_task(kf, case_id, "review_handover")
    lea, colleague = as_user("lwv.fachdienst"), as_user("lwv.fachdienst2")

    set_case_follow_up(lea, case_id, "10.03.2027")
    case_page = lea.get(f"/cases/{case_id}").text
    assert "Ihre Wiedervorlage: 10.03.2027" in case_page and NOTE in case_page
    assert NOTE not in colleague.get(f"/cases/{case_id}").text  # personal
    assert task_id not in task_ids(lea) and task_id in task_ids(colleague)
    assert CAME_BACK not in lea.get("/inbox").text
    listed = lea.get("/inbox?scope=followups").text
    assert "Ihre Wiedervorlagen auf Vorgängen" in listed and f"/cases/{case_id}" in listed and "10.03.2027" in listed

    kf.clock.set(datetime(2027, 3, 9, 23, 30, tzinfo=BERLIN))
    assert task_id not in task_ids(lea)
    kf.clock.set(datetime(2027, 3, 10, 8, 0, tzinfo=BERLIN))
    inbox = lea.get("/inbox").text
    assert task_id in task_ids(lea)
    assert CAME_BACK in inbox and f"/cases/{case_id}" in inbox and PERSON["last_name"] in inbox and NOTE in inbox
    assert CAME_BACK not in colleague.get("/inbox").text

    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        digests = session.scalars(select(OutboxMail).where(
            OutboxMail.kind == "task.digest", OutboxMail.to_address == "lwv.fachdienst@demo.invalid")).all()
    today = [m for m in digests if m.created_at.astimezone(BERLIN).date().isoformat() == "2027-03-10"]
    assert len(today) == 1 and "Wiedervorlage" in today[0].subject
    assert "Heute wieder vorgelegte Vorgänge" in today[0].text_body and f"/cases/{case_id}" in today[0].text_body
    for mail in digests:
        for secret in (NOTE, PERSON["last_name"], PERSON["first_name"]):
            assert secret not in mail.text_body and secret not in (mail.html_body or "") and secret not in mail.subject

    lea.submit("/inbox", f"/cases/{case_id}/follow-up/delete", {"back": "inbox"}, status=302)
    assert CAME_BACK not in lea.get("/inbox").text
    with kf.db.transaction() as session:
        assert session.scalars(select(CaseFollowUp)).all() == []


def test_a_case_comes_back_while_the_other_agency_has_it(kf, as_user):
    """The Landkreis waits for the LWV's review: it has no task of the case, the follow-up still returns."""
    kf.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN))
    case_id = offered_handover(kf)
    sina = as_user("lk.sozialamt")
    set_case_follow_up(sina, case_id, "15.03.2027", note="")
    kf.clock.set(datetime(2027, 3, 15, 7, 0, tzinfo=BERLIN))
    inbox = sina.get("/inbox").text
    assert CAME_BACK in inbox and f"/cases/{case_id}" in inbox and "Erledigt" in inbox


def test_moving_and_clearing_a_case_follow_up(kf, as_user):
    case_id = offered_handover(kf)
    task_id = open_task(kf, case_id, "review_handover")
    lea = as_user("lwv.fachdienst")
    set_case_follow_up(lea, case_id, "01.04.2027")
    set_case_follow_up(lea, case_id, "02.04.2027", note="anders")
    with kf.db.transaction() as session:
        (only,) = session.scalars(select(CaseFollowUp)).all()
        assert only.due_on.isoformat() == "2027-04-02" and only.note == "anders"
    lea.submit(f"/cases/{case_id}", f"/cases/{case_id}/follow-up/delete", status=302)
    assert task_id in task_ids(lea)


def test_a_bad_case_follow_up_date_gets_a_german_message_at_the_field(kf, as_user):
    case_id = offered_handover(kf)
    lea = as_user("lwv.fachdienst")
    today = kf.clock.now().astimezone(BERLIN).strftime("%d.%m.%Y")
    for day, message in [("", "wann der Vorgang wieder vorgelegt werden soll"), ("31.02.2027", "im Format TT.MM.JJJJ"),
                         (today, "muss nach dem heutigen Tag liegen"), ("01.01.2099", "höchstens ein Jahr")]:
        page = set_case_follow_up(lea, case_id, day, status=422)
        assert message in page.text and 'id="field-follow_up_on-error"' in page.text
        assert NOTE in page.text  # what was typed is kept
    with kf.db.transaction() as session:
        assert session.scalars(select(CaseFollowUp)).all() == []


def test_nobody_outside_the_case_can_set_one(kf, as_user):
    case_id = offered_handover(kf)
    for outsider in ("lf.teilhabe", "lwvlf.fachdienst"):
        as_user(outsider).submit("/inbox", f"/cases/{case_id}/follow-up", {"follow_up_on": "01.05.2027"}, status=404)
    with kf.db.transaction() as session:
        assert session.scalars(select(CaseFollowUp)).all() == []


def test_retention_deletes_the_case_follow_up(kf, settings, as_user):
    case_id = delivered_list(kf)
    task_id = open_task(kf, case_id, "acknowledge_named_list")
    set_case_follow_up(as_user("lwv.fachdienst"), case_id, "01.02.2027")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task_id, {"complete": True})
    kf.clock.set(datetime(2037, 1, 5, 8, 0, tzinfo=BERLIN))
    assert run_once(kf.db, kf.clock, documents_dir=settings.documents_dir).personal_data_deleted == 1
    with kf.db.transaction() as session:
        assert session.scalars(select(CaseFollowUp)).all() == []

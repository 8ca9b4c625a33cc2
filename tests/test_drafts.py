"""Drafts: a task form saved without completing the task, for that user only, resumed later;
completing the task removes it."""
from __future__ import annotations

from sqlalchemy import select

from tests.support.flows import offered_handover, open_task
from tests.support.pages import text_of
from workflows.store.drafts import TaskDraft


def test_a_draft_is_saved_resumed_only_by_its_author_and_gone_once_the_task_is_done(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    page = f"/tasks/{review}"
    lea = as_user("lwv.fachdienst")

    saved = lea.submit(page, page, {"decision": "question", "question": "Bitte Gesamtplan nachreichen",
                                    "save_draft": "1"}, status=302)
    lea.follow(saved)

    assert "Ihr Entwurf ist gespeichert" in lea.text and "Entwurf vom 01.03.2027" in lea.text
    assert "Bitte Gesamtplan nachreichen" in lea.page.text
    assert open_task(kf, case_id, "review_handover") == review  # nothing was completed
    lars = as_user("lwv.fachdienst2")
    lars.get(page)
    assert "Bitte Gesamtplan nachreichen" not in lars.page.text and "Entwurf vom" not in lars.text
    lea.submit(page, page, {"decision": "question", "question": "Bitte Gesamtplan nachreichen"}, status=302)
    with kf.db.transaction() as session:
        assert session.scalars(select(TaskDraft)).all() == []


def test_a_draft_is_not_checked_so_an_incomplete_form_can_be_kept(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea = as_user("lwv.fachdienst")

    response = lea.submit(f"/tasks/{review}", f"/tasks/{review}", {"decision": "confirm", "save_draft": "1"})

    assert response.status_code == 302
    lea.follow(response)
    assert "Es gibt ein Problem" not in text_of(lea.page.text)

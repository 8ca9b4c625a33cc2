"""Each user sees only the tasks of the lanes their org units stand in (pages)."""
from __future__ import annotations

from tests.support.flows import offered_handover, open_task
from tests.support.pages import CSRF, inbox_tasks, text_of
from workflows.store.users import user_by_username


def test_landkreis_user_cannot_open_claim_or_complete_an_lwv_task(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    sozialamt = as_user("lk.sozialamt")

    sozialamt.get(f"/tasks/{review}", status=404)
    assert "Diese Aufgabe gibt es nicht, oder Sie haben keinen Zugriff darauf." in sozialamt.text
    assert "Mustermann" not in sozialamt.page.text
    sozialamt.submit("/inbox", f"/tasks/{review}/claim", status=404)
    sozialamt.submit("/inbox", f"/tasks/{review}", {"decision": "question", "question": "x"}, status=404)
    assert open_task(kf, case_id, "review_handover") == review  # still open, unclaimed
    assert all(task_id != review for task_id, _, _ in inbox_tasks(sozialamt))


def test_an_org_unit_that_takes_no_part_sees_neither_case_nor_task(kf, as_user):
    case_id = offered_handover(kf)
    fb204 = as_user("lwv.fb204")

    fb204.get(f"/cases/{case_id}", status=404)
    fb204.get(f"/tasks/{open_task(kf, case_id, 'review_handover')}", status=404)
    assert inbox_tasks(fb204) == []
    fb204.get("/cases")
    assert "Ihre Stellen sind an keinem Vorgang beteiligt." in fb204.text
    fb204.get("/cases/new")
    assert "Ihre Stellen können keinen Vorgang beginnen." in fb204.text


def test_the_lwv_cannot_start_a_handover_that_the_landkreis_starts(kf, as_user):
    fachdienst = as_user("lwv.fachdienst")

    fachdienst.submit("/inbox", "/cases", {"choice": "landkreis-giessen/handover_school_end"}, status=422)

    assert "Bitte wählen Sie aus, welchen Vorgang Sie beginnen möchten." in fachdienst.text


def test_anonymous_visitors_are_sent_to_the_login(app, kf):
    case_id = offered_handover(kf)
    client = app.test_client()

    for url in ("/inbox", f"/cases/{case_id}", f"/tasks/{open_task(kf, case_id, 'review_handover')}", "/cases/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_wrong_password_gets_a_german_message_and_no_session(app):
    client = app.test_client()
    page = client.get("/login")

    response = client.post("/login", data={"csrf_token": CSRF.search(page.text).group(1),
                                           "username": "lk.sozialamt", "password": "falsch"})

    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in text_of(response.text)
    assert client.get("/inbox").status_code == 302


def test_passwords_are_stored_as_argon2_hashes(kf):
    with kf.db.transaction() as session:
        stored = user_by_username(session, "lk.sozialamt").password_hash
    assert stored.startswith("$argon2id$") and "demo" not in stored


def test_a_post_without_csrf_token_is_refused(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea = as_user("lwv.fachdienst")

    response = lea.client.post(f"/tasks/{review}/claim", data={})

    assert response.status_code == 400
    assert open_task(kf, case_id, "review_handover") == review
    lea.get(f"/tasks/{review}")
    assert "noch niemand (Gruppenposteingang)" in lea.text

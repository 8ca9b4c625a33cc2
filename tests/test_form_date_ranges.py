"""Date fields have a sane range, so the engine never sees year 9999 (or 0001): the form says so
next to the field, in German, on the page and in the API, and nothing is completed."""
from __future__ import annotations

from tests.support.api import ApiClient
from tests.support.flows import offered_handover, open_task
from tests.support.handover import CONFIRM_JSON
from workflows.people.accounts import create_api_token
from workflows.store.tasks import OPEN, HumanTask


def test_a_year_far_outside_any_case_is_refused_next_to_the_field(app, kf, clock, as_user):
    task_id = open_task(kf, offered_handover(kf), "review_handover")
    api = ApiClient(app.test_client(), create_api_token(kf.db, clock, "lwv.fachdienst"))
    for extreme in ("9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"):
        body = api.complete(task_id, {**CONFIRM_JSON, "effective_date": extreme}, status=422)
        assert "zwischen dem 01.01.1900 und dem 31.12.2199" in str(body), body
    browser = as_user("lwv.fachdienst")
    response = browser.submit(f"/tasks/{task_id}", f"/tasks/{task_id}",
                              {"decision": "confirm", "effective_date": "31.12.9999", "vocational_participation": "true"},
                              status=422)
    assert "zwischen dem 01.01.1900 und dem 31.12.2199" in response.get_data(as_text=True)
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).state == OPEN
    api.complete(task_id, {**CONFIRM_JSON, "effective_date": "2199-12-31"})  # the range's last day is fine

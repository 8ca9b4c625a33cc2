"""GET /metrics: what the operator's Prometheus reads, behind a bearer token.

The figures that describe the service come from the database, so any web process on any
machine answers the same for what the worker did elsewhere."""
from __future__ import annotations

from datetime import datetime

from service.app import create_app
from tests.support.flows import offered_handover
from tests.support.metrics import TOKEN, scrape, value
from tests.support.smtp import transport_to
from workflows.clock import BERLIN
from workflows.store.cases import Case
from workflows.worker import run_once


def test_metrics_show_what_the_worker_and_the_users_did_read_from_the_database(app, kf, smtp, settings, clock):
    kf.settings.metrics_token = TOKEN
    status, before = scrape(app)
    assert status == 200 and value(before, "koopflow_database_up") == 1
    assert value(before, "koopflow_worker_rounds_total") == 0
    assert ("koopflow_worker_last_round_age_seconds", ()) not in before  # no round yet

    # Given four handovers prepared (one task completed each), one of them broken
    cases = [offered_handover(kf) for _ in range(4)]
    with kf.db.transaction() as session:
        session.get(Case, cases[1]).state = b"broken"
    # When the worker runs on the day the reminders are due, sending its mails
    kf.clock.set(datetime(2027, 3, 15, 8, 0, tzinfo=BERLIN))
    result = run_once(kf.db, kf.clock, transport_to(app, smtp.port), worker_name="worker-b")
    kf.clock.set(datetime(2027, 3, 15, 8, 1, tzinfo=BERLIN))

    # Then a web process that did none of it (a second app on the same database) reports it
    other = create_app(settings, clock)
    other.extensions["koopflow"].settings.metrics_token = TOKEN
    try:
        status, after = scrape(other)
    finally:
        other.extensions["koopflow"].db.dispose()
    assert status == 200
    assert value(after, "koopflow_task_completions_total") == value(before, "koopflow_task_completions_total") + 4
    assert value(after, "koopflow_timers_fired_total") == result.timers_fired == 3
    assert value(after, "koopflow_mails_sent_total") == result.mails_sent > 0
    assert value(after, "koopflow_mail_failures_total") == 0
    assert value(after, "koopflow_outbox_backlog") == 0
    assert value(after, "koopflow_worker_rounds_total") == 1
    assert value(after, "koopflow_incidents_open", kind="timer") == 1
    assert value(after, "koopflow_incidents_open", kind="retention") == 0
    assert value(after, "koopflow_worker_last_round_age_seconds") == 60.0
    assert value(after, "koopflow_worker_last_round_duration_seconds") >= 0
    # no figure names a case
    numbers = {str(c) for c in cases}
    assert not [key for key in after if set(dict(key[1]).values()) & numbers]


def test_requests_are_counted_by_endpoint_method_and_status(app, kf, as_user):
    kf.settings.metrics_token = TOKEN
    browser = as_user("lk.sozialamt")
    for _ in range(3):
        assert browser.client.get("/inbox").status_code == 200
    browser.client.get("/cases/999999")
    _, samples = scrape(app)
    assert value(samples, "koopflow_http_requests_total", endpoint="inbox.inbox", method="GET", status="200") >= 3
    assert value(samples, "koopflow_http_requests_total", endpoint="cases.show", method="GET", status="404") == 1
    assert not [key for key in samples if "999999" in str(key)]


def test_metrics_need_the_token_and_do_not_exist_without_the_setting(app, kf, as_user):
    assert scrape(app)[0] == 404  # not configured
    assert as_user("admin").client.get("/metrics").status_code == 404  # a login is no key
    kf.settings.metrics_token = TOKEN
    assert scrape(app, token=None)[0] == 401
    assert scrape(app, token="guessed")[0] == 401
    assert scrape(app)[0] == 200

"""GET /healthz: what a load balancer and the operator's monitoring read, without a login."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import text

from tests.support.flows import offered_handover
from workflows.store.cases import Case
from workflows.worker import run_once


def health(app) -> tuple[int, dict]:
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


def test_healthz_reports_database_migrations_worker_and_open_incidents(app, kf):
    status, body = health(app)
    assert status == 200 and body["database"] == "ok" and body["migrations"]["ok"]
    assert body["worker"] == {"last_round_at": None, "age_seconds": None, "round_seconds": None, "ok": False}
    assert body["status"] == "degraded"  # no worker round yet

    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        session.get(Case, case_id).state = b"broken"
    kf.clock.set(kf.clock.now() + timedelta(days=30))
    run_once(kf.db, kf.clock, worker_name="worker-a")
    kf.clock.set(kf.clock.now() + timedelta(seconds=42))
    status, body = health(app)
    assert status == 200 and body["status"] == "ok"
    assert body["worker"]["age_seconds"] == 42.0 and body["worker"]["ok"]
    assert body["incidents_open"] == 1

    kf.clock.set(kf.clock.now() + timedelta(hours=1))  # the worker has stopped
    assert health(app)[1]["status"] == "degraded"


def test_healthz_fails_when_the_schema_is_not_current(app, kf):
    with kf.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    status, body = health(app)
    assert status == 503 and body["status"] == "fail" and body["migrations"]["current"] == "0001"


def test_the_worker_logs_one_json_line_per_round(kf, caplog, monkeypatch):
    monkeypatch.setenv("KOOPFLOW_LOG_FORMAT", "json")
    with caplog.at_level(logging.INFO, logger="workflows.worker.round"):
        run_once(kf.db, kf.clock)
    [line] = [r.getMessage() for r in caplog.records if r.name == "workflows.worker.round"]
    fields = json.loads(line)
    assert fields["event"] == "worker_round" and fields["timers_fired"] == 0 and "duration_ms" in fields


def test_healthz_warns_of_times_written_far_in_the_future(app, kf):
    run_once(kf.db, kf.clock, worker_name="worker-a")
    assert health(app)[1]["times_ahead"] == {"ok": True, "found": []}
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:  # as if written by a process whose clock ran a week ahead
        session.get(Case, case_id).updated_at = kf.clock.now() + timedelta(days=7)
    status, body = health(app)
    assert status == 200 and body["status"] == "degraded"
    assert not body["times_ahead"]["ok"]
    assert {"what": "cases changed", "rows": 1} == {k: body["times_ahead"]["found"][0][k] for k in ("what", "rows")}

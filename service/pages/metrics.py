"""GET /metrics for the operator's monitoring, in the Prometheus text format (prometheus-client).

Web and worker processes run side by side on several machines, and a scrape reaches any one
of them. So every figure that describes the service is read from the database at scrape time
by a collector: the states (outbox backlog, open incidents by kind, the worker's last round
and its age) and the counters of events kept durably (task completions, mails sent, and the
worker's totals from ``worker_rounds``: rounds, timers fired, failed mail attempts). Only the
request counter is this process's own (labelled by endpoint, method and status; Prometheus
sums the processes it scrapes).

Protected by a bearer token (``KOOPFLOW_METRICS_TOKEN``); without the setting the route
answers 404, as if it did not exist. No figure carries a case, a name or a user.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, request
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from service.runtime import koopflow
from workflows.store import incidents
from workflows.store.outbox import PENDING, SENT, OutboxMail, mails_expired
from workflows.store.tasks import COMPLETED, HumanTask
from workflows.store.worker_rounds import WorkerRound, latest_round

bp = Blueprint("metrics", __name__)
EXTENSION = "koopflow_metrics"


class DatabaseCollector:
    """The service's figures, read from the database at each scrape."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        kf = self.app.extensions["koopflow"]
        up = GaugeMetricFamily("koopflow_database_up", "1 when the database answered this scrape")
        try:
            with kf.db.transaction() as session:
                figures = read_figures(session)
        except Exception:  # noqa: BLE001 - an unreachable database is a figure here, not an error page
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, text, value in (
                ("koopflow_task_completions", "Human tasks completed", figures["task_completions"]),
                ("koopflow_mails_sent", "Mails of the outbox sent", figures["mails_sent"]),
                ("koopflow_mail_failures", "Failed attempts to send a mail (all workers)", figures["mail_failures"]),
                ("koopflow_timers_fired", "Timers fired by the worker (all workers)", figures["timers_fired"]),
                ("koopflow_worker_rounds", "Worker rounds finished (all workers)", figures["rounds"])):
            counter = CounterMetricFamily(name, text)
            counter.add_metric([], value)
            yield counter
        backlog = GaugeMetricFamily("koopflow_outbox_backlog", "Mails waiting in the outbox")
        backlog.add_metric([], figures["outbox_backlog"])
        yield backlog
        open_incidents = GaugeMetricFamily("koopflow_incidents_open", "Open incidents (Störungen) by kind",
                                           labels=["kind"])
        for kind in incidents.KIND_LABELS:
            open_incidents.add_metric([kind], figures["incidents_open"].get(kind, 0))
        yield open_incidents
        last = figures["last_round"]
        if last is not None:
            duration = GaugeMetricFamily("koopflow_worker_last_round_duration_seconds",
                                         "How long the worker's last round took")
            duration.add_metric([], last.duration_seconds)
            age = GaugeMetricFamily("koopflow_worker_last_round_age_seconds",
                                    "Seconds since the worker's last round finished")
            age.add_metric([], max(0.0, (kf.clock.now() - last.finished_at).total_seconds()))
            yield duration
            yield age


def read_figures(session) -> dict:
    totals = session.execute(select(func.coalesce(func.sum(WorkerRound.rounds), 0),
                                    func.coalesce(func.sum(WorkerRound.timers_fired), 0),
                                    func.coalesce(func.sum(WorkerRound.mails_failed), 0))).one()
    mails = dict(session.execute(select(OutboxMail.status, func.count(OutboxMail.id))
                                 .where(OutboxMail.status.in_((PENDING, SENT))).group_by(OutboxMail.status)).all())
    by_kind = dict(session.execute(select(incidents.Incident.kind, func.count(incidents.Incident.id))
                                   .where(incidents.Incident.status == incidents.OPEN)
                                   .group_by(incidents.Incident.kind)).all())
    return {
        "rounds": int(totals[0]), "timers_fired": int(totals[1]), "mail_failures": int(totals[2]),
        "task_completions": session.scalar(select(func.count(HumanTask.id)).where(HumanTask.state == COMPLETED)),
        "mails_sent": mails.get(SENT, 0) + mails_expired(session), "outbox_backlog": mails.get(PENDING, 0),
        "incidents_open": by_kind, "last_round": latest_round(session),
    }


@bp.record_once
def set_up(state) -> None:
    registry = CollectorRegistry(auto_describe=False)
    requests = Counter("koopflow_http_requests", "HTTP requests answered by this process",
                       ["endpoint", "method", "status"], registry=registry)
    registry.register(DatabaseCollector(state.app))
    state.app.extensions[EXTENSION] = {"registry": registry, "requests": requests}


@bp.after_app_request
def count_request(response):
    metrics = current_app.extensions[EXTENSION]
    metrics["requests"].labels(request.endpoint or "unknown", request.method, str(response.status_code)).inc()
    return response


@bp.get("/metrics")
def show():
    expected = koopflow().settings.metrics_token
    if not expected:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return "Nicht angemeldet\n", 401, {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"}
    return generate_latest(current_app.extensions[EXTENSION]["registry"]), 200, {"Content-Type": CONTENT_TYPE_LATEST}

"""GET /healthz for load balancers and monitoring: database reachable, migrations current,
the worker's last round (from the database, so any machine sees the worker of another) and
the open incidents, and stored times that lie far in the future of this clock (a clock that
ran ahead: mails and timers written then wait for that time). 200 when this process can serve (database reachable, schema current),
503 otherwise; a worker that has not finished a round lately is reported, not a 503 (the web
side still works without it)."""
from __future__ import annotations

from flask import Blueprint, jsonify

from service.runtime import koopflow
from workflows.mail.clock_skew import times_ahead
from workflows.schema import current_revision, head_revision
from workflows.store.incidents import count_open
from workflows.store.worker_rounds import latest_round

bp = Blueprint("healthz", __name__)
WORKER_STALE_AFTER = 5 * 60  # seconds: the worker sleeps at most 30 s between rounds by default


@bp.get("/healthz")
def show():
    app = koopflow()
    now = app.clock.now()
    body: dict = {"database": "ok"}
    try:
        revision, head = current_revision(app.db), head_revision()
        body["migrations"] = {"current": revision, "head": head, "ok": revision == head}
        with app.db.transaction() as session:
            last = latest_round(session)
            body["incidents_open"] = count_open(session)
        ahead = times_ahead(app.db, app.clock)
    except Exception:  # noqa: BLE001 - an unreachable database is the answer here, not an error page
        return jsonify({"status": "fail", "database": "unreachable"}), 503
    age = (now - last.finished_at).total_seconds() if last else None
    body["worker"] = {"last_round_at": last.finished_at.isoformat() if last else None,
                      "age_seconds": round(age, 1) if age is not None else None,
                      "round_seconds": round(last.duration_seconds, 3) if last else None,
                      "ok": age is not None and age <= WORKER_STALE_AFTER}
    body["times_ahead"] = {"ok": not ahead, "found": [{"what": item.what, "rows": item.rows,
                                                       "latest": item.latest.isoformat()} for item in ahead]}
    ready = body["migrations"]["ok"]
    body["status"] = "fail" if not ready else "ok" if body["worker"]["ok"] and not ahead else "degraded"
    return jsonify(body), 200 if ready else 503

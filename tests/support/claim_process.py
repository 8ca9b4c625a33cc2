"""One web process for tests/faults/test_atomic_claims.py: the app on the given database, a
user's API token; for each task, waits at a barrier shared with the other process, then claims
the task through the API and puts (task id, HTTP status, JSON body) on the queue."""
from __future__ import annotations

from datetime import datetime

from service.app import create_app
from service.config import Settings
from workflows.clock import FixedClock


def claim_at_the_barrier(settings: Settings, now: datetime, token: str, task_ids: list[int], barrier, results) -> None:
    app = create_app(settings, FixedClock(now))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/tasks", headers=headers)  # connections open, everything imported: both start even
    for task_id in task_ids:
        barrier.wait()
        response = client.post(f"/api/v1/tasks/{task_id}/claim", headers=headers)
        results.put((task_id, response.status_code, response.get_json()))
    app.extensions["koopflow"].db.dispose()

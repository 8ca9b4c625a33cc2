"""A served app (gunicorn's ``service:create_app()``) runs its garbage collector as
``service.runtime.settle`` says: what start-up built is frozen out of the collections, and
collections come less often. Without it a web worker spent about 0.9 ms of a 10 ms API
completion walking its own modules (bench/throughput.py). Run in a process of its own: the
collector's settings are the whole process's."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from service.runtime import GC_THRESHOLDS
from tests.support.app import SECRET_KEY

SERVED = """
import gc, json
from service import create_app
app = create_app()
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "serves": app.test_client().get("/login").status_code}))
"""

BUILT_WITH_SETTINGS = """
import gc, json
from service.app import create_app
from service.config import Settings
create_app(Settings.from_env())
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def _run(script: str, database_url: str, tmp_path) -> dict:
    env = {**os.environ, "KOOPFLOW_DATABASE_URL": database_url, "KOOPFLOW_SECRET_KEY": SECRET_KEY,
           "KOOPFLOW_DOCUMENTS_DIR": str(tmp_path / "documents")}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def test_the_served_app_freezes_what_start_up_built_and_collects_less_often(database_url, tmp_path):
    facts = _run(SERVED, database_url, tmp_path)
    assert tuple(facts["threshold"]) == GC_THRESHOLDS
    assert facts["frozen"] > 10_000  # the modules, the app, the agreements
    assert facts["serves"] == 200


def test_an_app_built_with_given_settings_leaves_the_collector_alone(database_url, tmp_path):
    """Tests and scripts build many apps in one process: none of them freezes its heap."""
    facts = _run(BUILT_WITH_SETTINGS, database_url, tmp_path)
    assert tuple(facts["threshold"]) != GC_THRESHOLDS
    assert facts["frozen"] == 0

"""A KoopFlow on a fresh SQLite database: migrated, the demo agreement and users loaded, its
process's garbage collector settled as in a served process (``service.runtime.settle``)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.app import create_app  # noqa: E402
from service.config import Settings  # noqa: E402
from service.runtime import settle  # noqa: E402
from workflows.paths import AGREEMENTS_DIR  # noqa: E402
from workflows.people.accounts import load_all_demo_users  # noqa: E402
from workflows.schema import upgrade  # noqa: E402
from workflows.store.db import Database  # noqa: E402


def koopflow_app(directory: Path, clock):
    """(Flask app, Koopflow) on ``directory/bench.db``, the demo users loaded."""
    settings = Settings(database_url=f"sqlite:///{directory / 'bench.db'}", secret_key="bench")
    database = Database(settings.database_url)
    upgrade(database)
    database.dispose()
    application = create_app(settings, clock)
    kf = application.extensions["koopflow"]
    load_all_demo_users(kf.db, clock, AGREEMENTS_DIR)
    settle()  # as a served process runs (gunicorn's ``service:create_app()``, the worker): service.runtime.settle
    return application, kf

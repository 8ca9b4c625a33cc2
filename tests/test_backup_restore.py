"""The backup of docs/operations.md, restored into a fresh place, is a working KoopFlow: the
documents are there and a running case goes on to its end.

SQLite: the online backup API (what `sqlite3 … ".backup …"` does) while the app is open;
PostgreSQL: `pg_dump --format=custom` of the test database and `pg_restore --no-owner` into
an empty database on the same throw-away server. The documents directory is copied after the
database, as the runbook says, and the original is removed, so only the restored copy can
answer."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess

from sqlalchemy import select
from sqlalchemy.engine import make_url

from service.app import create_app
from tests.support.app import settings_for
from tests.support.documents import CSV, regional_data_case, upload
from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CLOSE_LOCAL_JSON, CLOSE_SUPRA_JSON, CONFIRM_JSON, PLANNING_JSON
from tests.support.pages import login
from tests.support.postgres import _binaries
from workflows.store.cases import COMPLETED, Case
from workflows.store.documents import Document
from workflows.tasks import complete_task
from workflows.worker import run_once


def back_up_and_restore(request, backend: str, url: str, target) -> str:
    """The URL of a restored copy of the database at ``url``."""
    if backend == "sqlite":
        copy = target / "koopflow.db"
        source, destination = sqlite3.connect(make_url(url).database), sqlite3.connect(copy)
        with destination:
            source.backup(destination)
        source.close()
        destination.close()
        return f"sqlite:///{copy}"
    libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dump = target / "koopflow.dump"
    binaries = _binaries()
    subprocess.run([str(binaries / "pg_dump"), "--format=custom", f"--file={dump}", libpq], check=True)
    maker = request.getfixturevalue("postgres")
    restored = maker.create(empty=True)
    request.addfinalizer(lambda: maker.drop(restored))
    restored_libpq = make_url(restored).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run([str(binaries / "pg_restore"), "--no-owner", f"--dbname={restored_libpq}", str(dump)], check=True)
    return restored


def test_a_restored_backup_serves_the_documents_and_completes_a_running_case(request, backend, app, kf, settings,
                                                                             clock, tmp_path):
    # Given a handover half-way (confirmed and approved) and an uploaded document
    case_id = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    complete_task(kf.db, kf.clock, fachdienst, open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})
    regional = regional_data_case(kf)
    assert upload(login(app, "lwv.fachdienst"), open_task(kf, regional, "provide_regional_data"), CSV).status_code == 302
    with kf.db.transaction() as session:
        document_id = session.scalar(select(Document.id).where(Document.case_id == regional))

    # When the database and then the documents are backed up, and the originals are lost
    target = tmp_path / "restored"
    target.mkdir()
    restored_url = back_up_and_restore(request, backend, settings.database_url, target)
    shutil.copytree(settings.documents_dir, target / "documents")
    shutil.rmtree(settings.documents_dir)

    # Then KoopFlow started on the restored copy has the document and runs the case to its end
    restored = create_app(settings_for(restored_url, target), clock)
    there = restored.extensions["koopflow"]
    try:
        browser = login(restored, "lwv.fachdienst")
        assert browser.client.get(f"/documents/{document_id}").data == CSV
        run_once(there.db, there.clock)
        fachdienst, sozialamt = actor(there, "lwv.fachdienst"), actor(there, "lk.sozialamt")
        complete_task(there.db, there.clock, fachdienst, open_task(there, case_id, "join_participation_planning"),
                      PLANNING_JSON)
        complete_task(there.db, there.clock, fachdienst, open_task(there, case_id, "close_supra_local"),
                      CLOSE_SUPRA_JSON)
        complete_task(there.db, there.clock, sozialamt, open_task(there, case_id, "close_local"), CLOSE_LOCAL_JSON)
        with there.db.transaction() as session:
            assert session.get(Case, case_id).status == COMPLETED
    finally:
        there.db.dispose()
    with kf.db.transaction() as session:  # the original was not touched by the restored copy
        assert session.get(Case, case_id).status != COMPLETED

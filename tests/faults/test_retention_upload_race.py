"""Retention deleting a case's file and an upload of identical bytes reusing that very file take
turns under the file's lock: the file a new document points at is never deleted, and an upload
whose file went just before gets a German message, not a document without its file."""
from __future__ import annotations

import io
import threading
import time

import pytest

from tests.support.flows import offered_handover
from workflows.cases.documents import add_documents, store_upload
from workflows.cases.retention import _remove_unreferenced_files
from workflows.errors import Conflict

CONTENT = b"Name;Geburtsdatum\nStelle;01.01.2000\n"


def test_retention_waits_for_an_upload_that_reuses_the_file_and_then_keeps_it(kf):
    directory = kf.settings.documents_dir
    case_id = offered_handover(kf)
    upload = store_upload(directory, io.BytesIO(CONTENT), "liste.csv", {"csv"})  # the same bytes as a deleted case's
    holding, release = threading.Event(), threading.Event()

    def uploading():
        with kf.db.transaction() as session:
            add_documents(session, kf.clock.now(), None, case_id, None, {"liste": upload})
            holding.set()
            release.wait(10)

    uploader = threading.Thread(target=uploading)
    uploader.start()
    assert holding.wait(10)
    retention = threading.Thread(target=_remove_unreferenced_files, args=(kf.db, directory, [upload.storage_key]))
    retention.start()
    time.sleep(1.0)
    assert retention.is_alive(), "retention decided while the upload's row was not committed"
    release.set()
    uploader.join(10)
    retention.join(15)
    assert upload.path.is_file()


def test_an_upload_whose_file_retention_just_deleted_is_refused_in_german(kf):
    directory = kf.settings.documents_dir
    case_id = offered_handover(kf)
    upload = store_upload(directory, io.BytesIO(CONTENT), "liste.csv", {"csv"})
    _remove_unreferenced_files(kf.db, directory, [upload.storage_key])  # no row points at it yet
    assert not upload.path.exists()
    with pytest.raises(Conflict, match="Bitte laden Sie sie erneut hoch"):
        with kf.db.transaction() as session:
            add_documents(session, kf.clock.now(), None, case_id, None, {"liste": upload})

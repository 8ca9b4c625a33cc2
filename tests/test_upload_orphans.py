"""An uploaded file is kept only when the command that uses it commits: a refused or failed
form post leaves nothing on disk, and the retention round sweeps any older orphan (a file no
document points at), while files that documents point at stay."""
from __future__ import annotations

import io
import os
import time

from tests.support.documents import CSV, regional_data_case, upload
from tests.support.flows import open_task
from workflows.cases.documents import store_upload
from workflows.cases.retention import delete_expired


def stored_files(directory) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.glob("*/*") if p.is_file())


def test_a_refused_form_post_leaves_no_file_behind(kf, settings, as_user):
    case_id = regional_data_case(kf)
    fachdienst = as_user("lwv.fachdienst")
    task_id = open_task(kf, case_id, "provide_regional_data")

    refused = upload(fachdienst, task_id, CSV + b"4712;x;1\n" * 100, comment="x" * 5000)  # comment too long

    assert refused.status_code == 422
    assert stored_files(settings.documents_dir) == []


def test_the_sweep_removes_old_orphans_and_keeps_what_documents_use(kf, settings, as_user):
    case_id = regional_data_case(kf)
    fachdienst = as_user("lwv.fachdienst")
    assert upload(fachdienst, open_task(kf, case_id, "provide_regional_data"), CSV).status_code == 302
    [kept] = stored_files(settings.documents_dir)
    orphan = store_upload(settings.documents_dir, io.BytesIO(b"a;b\n1;2\n"), "alt.csv", {"csv"}, 1000)
    fresh = store_upload(settings.documents_dir, io.BytesIO(b"c;d\n3;4\n"), "neu.csv", {"csv"}, 1000)
    day_and_more = time.time() - 25 * 3600  # file ages are the file system's
    for key in (orphan.storage_key, kept):
        os.utime(settings.documents_dir / key, (day_and_more, day_and_more))

    delete_expired(kf.db, kf.clock, settings.documents_dir)

    assert stored_files(settings.documents_dir) == sorted([kept, fresh.storage_key])  # a fresh orphan may be in use

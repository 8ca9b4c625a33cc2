"""The agreement file and the versions in the database: an unchanged file never undoes an
amendment; a changed file replaces version 1 only while nothing was amended."""
from __future__ import annotations

import logging
import shutil
from datetime import datetime

import pytest
import yaml

from service.app import create_app
from tests.support.app import make_app, settings_for
from tests.support.flows import actor, offered_handover, open_task
from workflows.cases.starting import start_case
from workflows.clock import BERLIN, FixedClock
from workflows.paths import AGREEMENTS_DIR
from workflows.store.cases import Case
from workflows.store.organisation import Agreement
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task


@pytest.fixture
def setup(tmp_path, database_url):
    shutil.copytree(AGREEMENTS_DIR, tmp_path / "agreements")
    settings = settings_for(database_url, tmp_path, secret_key="x", agreements_dir=tmp_path / "agreements")
    app, kf = make_app(tmp_path, datetime(2027, 2, 1, 9, 0, tzinfo=BERLIN), settings)
    yield settings, kf
    kf.db.dispose()


def reboot(settings):
    kf = create_app(settings, FixedClock(datetime(2027, 2, 2, 9, 0, tzinfo=BERLIN))).extensions["koopflow"]
    with kf.db.transaction() as session:
        row = session.get(Agreement, "landkreis-giessen")
        result = (row.version, row.data["task_deadlines"]["handover_review"])
    kf.db.dispose()
    return result


def amend_review_deadline(kf, days: int) -> None:
    lead = actor(kf, "lk.kreisbeigeordnete")
    with kf.db.transaction() as session:
        data = dict(session.get(Agreement, "landkreis-giessen").data)
    data["task_deadlines"] = {**data["task_deadlines"], "handover_review": days}
    started = start_case(kf.db, kf.clock, lead, "amendment", "landkreis-giessen")
    complete_task(kf.db, kf.clock, lead, started.my_task_id, {
        "summary": "Prüffrist", "effective_on": "2027-02-01", "agreement_data": yaml.safe_dump(data)})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, started.case_id, "consent_amendment"),
                  {"consent": "yes"})


def test_a_changed_file_replaces_version_1_while_nothing_was_amended(setup):
    settings, kf = setup
    path = settings.agreements_dir / "landkreis-giessen.yaml"
    path.write_text(path.read_text().replace("handover_review: 10", "handover_review: 12"))
    assert reboot(settings) == (1, 12)


def test_an_amendment_survives_a_restart_with_the_unchanged_or_a_changed_file(setup, caplog):
    settings, kf = setup
    amend_review_deadline(kf, 15)
    assert reboot(settings) == (2, 15)
    path = settings.agreements_dir / "landkreis-giessen.yaml"
    path.write_text(path.read_text().replace("handover_review: 10", "handover_review: 12"))
    with caplog.at_level(logging.WARNING):
        assert reboot(settings) == (2, 15)
    assert "file changed, but amendments exist" in caplog.text


def test_a_running_case_keeps_the_deadlines_of_its_version(setup):
    settings, kf = setup
    before = offered_handover(kf)
    amend_review_deadline(kf, 30)
    after = offered_handover(kf)
    due = {}
    for case in (before, after):
        task_id = open_task(kf, case, "review_handover")
        with kf.db.transaction() as session:
            due[case] = (session.get(HumanTask, task_id).due_on, session.get(Case, case).agreement_version)
    assert due[before] == (datetime(2027, 2, 15).date(), 1)  # 10 working days after 01.02.2027
    assert due[after] == (datetime(2027, 3, 15).date(), 2)  # 30 working days

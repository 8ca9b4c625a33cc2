"""A case started on a diagram drawn as one pool with lanes, after the diagram was redrawn with a
pool per partner (issue 19 point 1): it cannot move to the new version (its pools changed), the
version page says so with the reason, and the case finishes on its own version."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.flows import actor, open_task
from tests.support.handover import CARE, CLOSE_LOCAL_JSON
from workflows.cases.starting import start_case
from workflows.cases.version_moves import moves_to
from workflows.processes.definitions import load_definition, register_versions
from workflows.store.cases import Case
from workflows.tasks import complete_task

KEY = "handover_care_need"
ONE_POOL = Path(__file__).parent / "data" / "handover_care_need_one_pool.bpmn"


def register(kf, path: Path) -> int:
    with kf.db.transaction() as session:
        return register_versions(session, {KEY: load_definition(path, kf.settings.forms_dir)}, kf.clock.now())[KEY]


def test_a_case_on_the_one_pool_version_is_judged_and_finishes_on_its_version(kf, as_user, tmp_path):
    pools = register(kf, kf.settings.bpmn_dir / f"{KEY}.bpmn")
    old_file = tmp_path / f"{KEY}.bpmn"
    shutil.copy(ONE_POOL, old_file)
    old = register(kf, old_file)
    assert old != pools
    started = start_case(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), KEY, "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), started.my_task_id, CARE)
    assert register(kf, kf.settings.bpmn_dir / f"{KEY}.bpmn") == pools  # the redrawn file is current again

    [move] = moves_to(kf.db, actor(kf, "admin"), KEY, pools)
    assert move.case_id == started.case_id
    assert not move.can_move and "Die Beteiligten (Pools) des Ablaufs haben sich geändert." in move.problems
    html = as_user("admin").get(f"/processes/{KEY}/versions/{pools}").text
    assert "Laufende Vorgänge älterer Fassungen" in html and "Pools" in html and "bleibt auf Fassung" in html

    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, started.case_id, "review_handover"),
                  {"decision": "confirm", "effective_date": "2027-08-01"})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, started.case_id, "close_handover"),
                  CLOSE_LOCAL_JSON)
    with kf.db.transaction() as session:
        case = session.get(Case, started.case_id)
        assert case.definition_id == old and case.status == "completed"

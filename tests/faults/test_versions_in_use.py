"""After an upgrade whose sandbox refuses what an older diagram version does, the versions that
running cases still use are checked at boot and after `koopflow db upgrade`: the failing one is
named with its cases in the log, and the app still starts."""
from __future__ import annotations

import logging

from sqlalchemy import select

from service.app import create_app
from service.runtime import report_versions_in_use
from tests.support.flows import offered_handover
from workflows.processes.definitions import check_versions_in_use
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition

REFUSED = "__import__('os').system('true')"


def test_a_stored_version_the_sandbox_now_refuses_is_named_with_its_running_cases(kf, settings, clock, caplog):
    case_id = offered_handover(kf)
    assert check_versions_in_use(kf.db) == []  # today's diagrams pass today's checks
    with kf.db.transaction() as session:
        definition = session.get(ProcessDefinition, session.get(Case, case_id).definition_id)
        xml = definition.bpmn_xml
        first = xml.index("<bpmn:conditionExpression")
        start = xml.index(">", first) + 1
        definition.bpmn_xml = xml[:start] + REFUSED + xml[xml.index("</bpmn:conditionExpression>", start):]
        others = session.scalars(select(Case.id).where(Case.definition_id == definition.id, Case.status == "running"))
        expected = sorted(others)

    [problem] = check_versions_in_use(kf.db)
    assert problem.case_ids == expected and case_id in problem.case_ids
    assert problem.filename == "handover_school_end.bpmn" and "Element" in problem.reason

    with caplog.at_level(logging.ERROR, logger="service.runtime"):
        other = create_app(settings, clock)  # boots all the same
    line = next(r.getMessage() for r in caplog.records if "fails today's checks" in r.getMessage())
    assert str(case_id) in line and "handover_school_end.bpmn" in line
    assert report_versions_in_use(other.extensions["koopflow"].db)
    other.extensions["koopflow"].db.dispose()

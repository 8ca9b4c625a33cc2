"""The handover diagrams draw their decline and withdraw paths, and a withdrawn case's
diagram marks where it ended: in a real browser, no bpmn-js error, no console errors."""
from __future__ import annotations

import pytest

from tests.support.browser import drawn, no_violations
from tests.support.flows import actor, offered_handover
from workflows.cases.withdrawal import withdraw_handover
from workflows.store.definitions import current_definition

ENDING_ELEMENTS = {
    "handover_school_end": ("send_decline", "end_supra_declined", "receive_decline", "end_local_declined",
                            "receive_withdrawal_request", "answer_withdrawal_request", "send_withdrawal",
                            "review_withdrawn", "approval_withdrawn", "receive_withdrawn",
                            "message_flow_decline", "message_flow_withdrawal", "flow_decision_decline"),
    "handover_care_need": ("end_declined", "review_withdrawal_request", "answer_withdrawal_request",
                           "end_withdrawn", "flow_decision_decline"),
}


@pytest.mark.parametrize("process_key", sorted(ENDING_ELEMENTS))
def test_the_handover_diagrams_draw_decline_and_withdrawal(page_as, server, process_key):
    with server.kf.db.transaction() as session:
        definition_id = current_definition(session, process_key).id
    page = drawn(page_as("lwv.fachdienst"), f"{server.url}/processes/{process_key}/versions/{definition_id}")
    for element_id in ENDING_ELEMENTS[process_key]:
        assert page.locator(f'g.djs-element[data-element-id="{element_id}"]').count() == 1, element_id
    no_violations(page)
    assert page.console_errors == []


def test_a_withdrawn_case_diagram_shows_where_it_ended(page_as, server):
    kf = server.kf
    case_id = offered_handover(kf)
    withdraw_handover(kf.db, kf.clock, actor(kf, "lk.sozialamt"), case_id, "moved_away", None)
    page = drawn(page_as("lk.sozialamt"), f"{server.url}/cases/{case_id}/diagram")
    for element_id in ("end_local_withdrawn", "receive_withdrawal_request", "end_withdrawn_review"):
        classes = page.get_attribute(f'g.djs-element[data-element-id="{element_id}"]', "class").split()
        assert "state-completed" in classes, (element_id, classes)
    no_violations(page)
    assert page.console_errors == []

"""No token survives its case (issue 14): every diagram in bpmn/ is walked along each of its
paths - confirmed, asked back, side branches, escalated, declined, withdrawn, cancelled - and
each walk ends with no open task and no waiting timer, and the case ends as the path says."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.walk import ROUTES, applies, diagram, walk
from workflows.cases.instances import OUTCOME_REASON
from workflows.engine import runtime

DIAGRAMS = sorted((Path(__file__).resolve().parents[1] / "bpmn").glob("*.bpmn"))
OUTCOME = {"completed": None, "declined": "declined", "withdrawn": "withdrawn"}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.stem)
def test_every_path_of_every_diagram_ends_with_nothing_open(path, route):
    missing = applies(route, path)
    if missing:
        pytest.skip(f"{path.name} has no {route.name} path: {missing}")
    done = walk(path, route)
    workflow = done.workflow
    if route.escalate:
        assert done.timers_fired, f"no timer fired on the way: {done}"
    assert runtime.is_completed(workflow), f"not ended: {runtime.open_work(workflow)} after {done}"
    assert runtime.open_work(workflow) == [], f"left open after {done}"
    assert runtime.next_due(workflow) is None, f"a timer still waits after {done}"
    if route.ending in OUTCOME:
        ended = runtime.outcome(workflow)
        assert (ended and ended.kind) == OUTCOME[route.ending], f"ended as {ended} after {done}"
        if ended:  # the reason travels with it, where the case page reads it
            nested, reason_key, _ = OUTCOME_REASON[ended.kind]
            assert {**ended.data, **(ended.data.get(nested) or {})}.get(reason_key), f"no reason in {ended.data}"

def test_a_reminder_or_escalation_follow_up_is_never_answered_by_the_walk():
    """The walk leaves side branches alone, so an ending walk proves they end with the case."""
    school_end = diagram(next(p for p in DIAGRAMS if p.stem == "handover_school_end"))
    assert "escalated_review" in school_end.side_tasks and "review_handover" not in school_end.side_tasks


def test_the_walk_finds_an_escalation_that_outlives_its_case(tmp_path):
    """Without the terminating end, the school-end handover's escalation follow-up would stay
    open after both sides closed the handover: the walk must say so, naming the task."""
    xml = next(p for p in DIAGRAMS if p.stem == "handover_school_end").read_text(encoding="utf-8")
    broken = tmp_path / "handover_school_end.bpmn"
    broken.write_text(xml.replace('<bpmn:terminateEventDefinition id="end_supra_definition" />', ""), encoding="utf-8")
    with pytest.raises(AssertionError, match="escalated_review"):
        walk(broken, next(r for r in ROUTES if r.name == "escalated"))
    walk(broken, next(r for r in ROUTES if r.name == "happy"))  # no escalation, no survivor

"""Walk a diagram to its end at engine level (no database): the path walk of issue 14.

A walk starts a diagram with a FixedClock and the agreement's functions, then moves it on,
one step at a time, as the people of a case would: it answers each ready user task with data
its form accepts (checked with the form's JSON Schema) and that steers the chosen path, moves
the clock to a waiting timer when only a timer can move the case on, sends the withdrawal
message the case page sends, or cancels the case. What a path needs is decided from the diagram
itself (``applies``), so a new diagram is walked without being named here.

Tasks that lie on a branch of a non-interrupting boundary event (a reminder's or an escalation's
follow-up) are never answered: such a branch must end when the work it chases is done.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from lxml import etree

from workflows.agreements.amendment import DIFF, PROPOSED
from workflows.agreements.files import load_agreement
from workflows.cases.withdrawal import MESSAGE as WITHDRAWAL
from workflows.cases.withdrawal import REASONS
from workflows.clock import BERLIN, FixedClock
from workflows.engine import runtime
from workflows.engine.parsing import NS
from workflows.forms import validate_form
from workflows.legal_dates import termination_end_date
from workflows.processes.definitions import Definition, load_definition
from workflows.processes.diagram_functions import at_day_start, functions_for
from workflows.processes.properties import AGREEMENT_EFFECT, APPROVAL

ROOT = Path(__file__).resolve().parents[2]
FORMS = ROOT / "forms"
START = datetime(2027, 3, 1, 9, 0, tzinfo=BERLIN)
MAX_STEPS = 200
TODAY = START.date().isoformat()
_AT = "2027-04-01T08:00:00+02:00"  # the moments timers of annual cases and meetings start with
START_DATA = {"due_date": "2027-03-31", "year": 2027, "reference_date": "2027-01-01", "body": "x",
              "lead_side": "local", "reminder_at": _AT, "escalation_at": _AT, "date_reminder_at": _AT,
              "end_timer": _AT}


@dataclass(frozen=True)
class Route:
    """One path through a diagram: which choices it makes and how the case is to end.

    ``ask_back``: the first answer of a task that can send the case round again does so (a
    Rückfrage, a rejected approval, a refused consent, a benefit notice not yet issued), later
    answers confirm. ``branches``: the choices that open a side branch take it (vocational
    participation, a changed wording to sign, the LWV reporting the facility, the computed
    count). ``escalate``: before a task is answered the clock moves past every timer waiting,
    so reminders and escalations fire. ``ending``: completed, declined, withdrawn or cancelled.
    """

    name: str
    ending: str = "completed"
    ask_back: bool = False
    branches: bool = False
    escalate: bool = False


ROUTES = (
    Route("happy"),
    Route("asked_back", ask_back=True),
    Route("branches", branches=True),
    Route("escalated", escalate=True),
    Route("declined", ending="declined"),
    Route("escalated_declined", ending="declined", escalate=True),
    Route("withdrawn", ending="withdrawn"),
    Route("asked_back_withdrawn", ending="withdrawn", ask_back=True),
    Route("escalated_withdrawn", ending="withdrawn", escalate=True),
    Route("cancelled", ending="cancelled"),
    Route("escalated_cancelled", ending="cancelled", escalate=True),
)

# How an answer steers: field -> (confirming value, value that sends the case round again).
AGAIN = {"decision": ("confirm", "question"), "consent": ("yes", "no"), "benefit_notice_issued": (True, False)}
APPROVAL_AGAIN = ("approve", "reject")
# field -> (value of the main path, value that takes the side branch); lead_side is start data.
BRANCH = {"vocational_participation": (False, True), "changes_text": (False, True), "method": ("entered", "compute"),
          "lead_side": ("local", "supra_local")}
DECLINE = {"decision": "decline", "decline_reason": "not_responsible"}
STEERING = (*AGAIN, *BRANCH, "approved", "decline_reason")
# Values a schema's pattern asks for, which the generator cannot make up.
PATTERNED = {"start_time": "09:30", "end_time": "12:00"}


@dataclass
class Diagram:
    path: Path
    definition: Definition
    side_tasks: frozenset[str]  # user tasks behind a non-interrupting boundary event
    outcomes: frozenset[str]  # caseOutcome values of its end events
    has_boundary_timer: bool
    withdrawal_catchers: frozenset[str]
    condition_text: str  # every condition and script, to see which choices the diagram reads
    decline_forms: frozenset[str] = field(default_factory=frozenset)


@lru_cache(maxsize=None)
def diagram(path: Path) -> Diagram:
    definition = load_definition(path, FORMS)
    root = etree.fromstring(definition.xml)
    flows = {}
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        flows.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    side: set[str] = set()
    for boundary in root.iterfind(".//bpmn:boundaryEvent", NS):
        if boundary.get("cancelActivity") == "false":
            todo = [boundary.get("id")]
            while todo:
                node = todo.pop()
                if node not in side:
                    side.add(node)
                    todo += flows.get(node, [])
    user_ids = {task.id for task in definition.info.user_tasks}
    outcomes = {p.properties["caseOutcome"] for p in definition.info.other_properties
                if p.tag == "endEvent" and p.properties.get("caseOutcome")}
    timers = root.findall(".//bpmn:boundaryEvent/bpmn:timerEventDefinition", NS)
    messages = {m.get("id"): m.get("name") for m in root.iterfind(".//bpmn:message", NS)}
    catchers = {e.getparent().get("id") for e in root.iterfind(".//bpmn:messageEventDefinition", NS)
                if messages.get(e.get("messageRef")) == WITHDRAWAL
                and etree.QName(e.getparent()).localname in ("boundaryEvent", "intermediateCatchEvent")}
    declining = {task.form for task in definition.info.user_tasks
                 if "decline" in _options(definition.forms[task.form].get("properties", {}).get("decision", {}))}
    text = " ".join(e.source for e in definition.info.expressions if e.kind in ("conditionExpression", "script"))
    return Diagram(path, definition, frozenset(side & user_ids), frozenset(outcomes), bool(timers),
                   frozenset(catchers), text, frozenset(declining))


def applies(route: Route, path: Path) -> str | None:
    """Why the diagram has no such path (None: it has)."""
    d = diagram(path)
    if route.escalate and not d.has_boundary_timer:
        return "no boundary timer: nothing to remind or escalate"
    if route.ending == "declined" and not ("declined" in d.outcomes and d.decline_forms):
        return 'no end event with caseOutcome="declined" (or no form that declines)'
    if route.ending == "withdrawn" and not ("withdrawn" in d.outcomes and d.withdrawal_catchers):
        return f'no end event with caseOutcome="withdrawn" (or nothing catches {WITHDRAWAL})'
    if route.ask_back and not (_reads(d, AGAIN) or (_reads(d, {"approved": 1}) and _has_approval(d))):
        return "no choice that sends the case round again"
    if route.branches and not _reads(d, BRANCH):
        return "no choice that opens a side branch"
    return None


def _reads(d: Diagram, names) -> bool:
    return any(name in d.condition_text for name in names)


def _has_approval(d: Diagram) -> bool:
    return any(t.properties.get(APPROVAL.name) for t in d.definition.info.user_tasks)


@dataclass
class Walk:
    workflow: object
    clock: FixedClock
    trace: list[str] = field(default_factory=list)
    timers_fired: int = 0  # how often the clock was moved on to a waiting timer

    def __str__(self) -> str:
        return " → ".join(self.trace)


def walk(path: Path, route: Route) -> Walk:
    """Walk ``path`` along ``route`` until the case ends (or, for cancelled, is cancelled)."""
    d = diagram(path)
    clock = FixedClock(START)
    data = dict(START_DATA)
    if route.branches:
        data["lead_side"] = BRANCH["lead_side"][1]
    workflow, _ = runtime.start(d.definition.xml, path.name, d.definition.process_key,
                                functions_for(load_agreement("landkreis-giessen").data, clock), clock, data)
    done = Walk(workflow, clock, ["start"])
    answered: dict[str, int] = {}
    declined = withdrawn = False
    for _ in range(MAX_STEPS):
        if runtime.is_completed(workflow):
            return done
        if route.escalate and runtime.next_due(workflow) is not None:
            _to_next_timer(done)
            continue
        if route.ending == "withdrawn" and not withdrawn and runtime.waiting_for_message(workflow, WITHDRAWAL) \
                and (not route.ask_back or _asked_back(answered, d)):
            runtime.deliver_message(workflow, WITHDRAWAL, {"withdraw_reason": REASONS["moved_away"],
                                                           "withdraw_note": None}, clock)
            withdrawn = True
            done.trace.append(WITHDRAWAL)
            continue
        if route.ending == "cancelled" and sum(answered.values()) >= 1 and (done.timers_fired or not route.escalate):
            runtime.cancel(workflow)
            done.trace.append("cancel")
            return done
        ready = [t for t in runtime.ready_human_tasks(workflow) if t.bpmn_id not in d.side_tasks]
        if ready:
            task = ready[0]
            decline = route.ending == "declined" and not declined and _form(d, task.bpmn_id) in d.decline_forms
            declined = declined or decline
            answer = _answer(d, task.bpmn_id, route, answered.get(task.bpmn_id, 0), decline, clock)
            answered[task.bpmn_id] = answered.get(task.bpmn_id, 0) + 1
            runtime.complete(workflow, task.spiff_id, answer, clock)
            done.trace.append(task.bpmn_id + "".join(f" {k}={answer[k]}" for k in STEERING if k in answer))
            continue
        if runtime.next_due(workflow) is not None:
            _to_next_timer(done)
            continue
        raise AssertionError(f"{path.name} ({route.name}) is stuck with open work {runtime.open_work(workflow)} "
                             f"after {done}")
    raise AssertionError(f"{path.name} ({route.name}) did not end within {MAX_STEPS} steps: {done}")


def _asked_back(answered: dict[str, int], d: Diagram) -> bool:
    """Whether a task that sends the case round again was answered (the handing side now answers)."""
    return any(n for task, n in answered.items() if "decision" in _schema(d, task).get("properties", {}))


def _to_next_timer(done: Walk) -> None:
    due = runtime.next_due(done.workflow)
    done.clock.set(max(due, done.clock.now()) + timedelta(minutes=1))
    runtime.fire_timers(done.workflow, done.clock)
    done.timers_fired += 1
    done.trace.append(f"clock {done.clock.now():%d.%m.%Y}")


def _form(d: Diagram, bpmn_id: str) -> str:
    return next(t.form for t in d.definition.info.user_tasks if t.id == bpmn_id)


def _schema(d: Diagram, bpmn_id: str) -> dict:
    return d.definition.forms[_form(d, bpmn_id)]


def _answer(d: Diagram, bpmn_id: str, route: Route, visits: int, decline: bool, clock) -> dict:
    """Data the task's form accepts and that steers the route; for an approval the decision's
    result, for an agreement effect what the effect would hand the process."""
    info = next(t for t in d.definition.info.user_tasks if t.id == bpmn_id)
    schema = _schema(d, bpmn_id)
    again = route.ask_back and visits == 0
    properties = schema.get("properties", {})
    answer = {}
    for name, (main, other) in AGAIN.items():
        if name in properties:
            answer[name] = other if again else main
    if info.properties.get(APPROVAL.name):
        answer["decision"] = APPROVAL_AGAIN[1] if again else APPROVAL_AGAIN[0]
    if decline:
        answer.update(DECLINE)
    answer = _complete(schema, answer, clock.today())
    for name, (main, other) in BRANCH.items():
        if name in properties and (route.branches or name in answer):
            answer[name] = other if route.branches else main
    answer = _complete(schema, answer, clock.today())
    errors = validate_form(schema, answer)
    assert not errors, f"{d.path.name}, {bpmn_id}: the walk's answer {answer} is refused: {errors}"
    if info.properties.get(APPROVAL.name):  # what workflows.cases.approvals hands the task
        approved = answer["decision"] == "approve"
        return {"approved": approved, "approval_comment": answer.get("comment", ""),
                "approved_by": ["Walk"] if approved else []}
    return {**answer, **_effect(info.properties.get(AGREEMENT_EFFECT.name), answer)}


def _effect(name: str | None, answer: dict) -> dict:
    """Stand-ins for workflows/agreements/effects.py (they need the database): the data the
    process continues with."""
    if name is None or name in ("withdraw_termination", "amend"):
        return {}
    if name == "terminate":
        ends = termination_end_date(date.fromisoformat(answer["received_on"])).ends_on
        return {"end_date": ends.isoformat(), "end_timer": at_day_start(ends + timedelta(days=1))}
    if name == "propose_amendment":
        return {PROPOSED: None, DIFF: "", "changes_text": bool(answer.get("changes_text"))}
    raise KeyError(f"the walk has no stand-in for the agreement effect {name!r}")


def _complete(schema: dict, answer: dict, today: date) -> dict:
    """Add what the form requires for these choices (its ``required`` and its if/then rules),
    field by field as the form names what is missing, and nothing else."""
    answer = {**_values(schema, today, only_required=True), **answer}
    for _ in range(len(schema.get("properties", {})) + 5):
        missing = [name for name in validate_form(schema, answer) if _fill(schema, answer, name, today)]
        if not missing:
            break
    return answer


def _fill(schema: dict, answer: dict, dotted: str, today: date) -> bool:
    """Give the field ``dotted`` (a group's field: "group.field") a value if it has none; whether it did."""
    *groups, name = dotted.split(".")
    for group in groups:
        schema = schema.get("properties", {}).get(group)
        if schema is None or not isinstance(answer.setdefault(group, {}), dict):
            return False
        answer = answer[group]
    prop = schema.get("properties", {}).get(name)
    if prop is None or name in answer:
        return False
    answer[name] = _value(name, prop, today)
    return True


def _options(prop: dict) -> list:
    return list(prop.get("enum", [])) or [o.get("const") for o in prop.get("oneOf", [])]


def _values(schema: dict, today: date, only_required: bool = False) -> dict:
    """A value for the form's (required) fields: the first option, today, one row, a word."""
    required = schema.get("required", [])
    return {name: _value(name, prop, today) for name, prop in schema.get("properties", {}).items()
            if name in required or not only_required}


def _value(name: str, prop: dict, today: date):
    if "const" in prop:
        return prop["const"]
    if _options(prop):
        return _options(prop)[0]
    kind = prop.get("type")
    if kind == "object":
        return _values(prop, today, only_required=True)
    if kind == "array":
        return [_value(name, prop.get("items", {}), today)]
    if kind == "integer":
        return max(1, prop.get("minimum", 1))
    if kind == "boolean":
        return False
    if prop.get("format") == "date":
        return today.isoformat()
    return PATTERNED.get(name, "Walk")

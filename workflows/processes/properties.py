"""The extension properties a diagram may carry (``spiffworkflow:property name=… value=…``).

Each name is written once, here, with what it means; the modules that act on a property read
its name from here. The names the engine itself reads (forms, notices) stay constants in
``workflows.engine`` (floor 0 cannot import this package) and are taken from there. A name the
catalogue does not know, or one where it does nothing, is refused at start-up
(``check_properties``): a misspelt ``dedline`` would otherwise give a task no Frist, silently.
docs/diagrams.md explains each for modellers.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches

from workflows.engine.parsing import FORM_PROPERTY, UI_PROPERTY, DiagramInfo
from workflows.engine.runtime import CASE_OUTCOME_PROPERTY, NOTIFY_PROPERTY, NOTIFY_ROLE_PROPERTY
from workflows.errors import DefinitionError

USER_TASK = "user task"  # a bpmn:userTask (or manualTask): the human tasks of DiagramInfo.user_tasks
# an element the engine runs itself, e.g. an event: runtime reads notify from those it completes,
# never from a human task (a person completes that, outside the engine's steps)
ENGINE_ELEMENT = "engine element"
PROCESS = "process"  # the collaboration, or the one executable process: what holds for every case
PLACES = {USER_TASK: "an einer Benutzeraufgabe", ENGINE_ELEMENT: "an einem Ereignis, nicht an einer Benutzeraufgabe",
          PROCESS: "am Prozess (Kollaboration) selbst"}


@dataclass(frozen=True)
class Property:
    """One property a diagram may carry: its name, what it means, where it takes effect."""

    name: str
    meaning: str
    goes_on: str = USER_TASK


FORM = Property(FORM_PROPERTY, "the task's form: a JSON Schema file in forms/ (required)")
UI_FORM = Property(UI_PROPERTY, "the form's UI schema in forms/: field order, widgets, hints")
PREFILL = Property("prefill", '"true": the form starts with the values its fields already have in the case')
DEADLINE = Property("deadline", "a key of the agreement's task_deadlines: the task is due that many working days on")
DUE_DATE = Property("dueDate", "a process variable holding the task's due date (ISO date; report.view_due for a field of one); wins over deadline")
APPROVAL = Property("approval", '"role:<lane role>" or "signatories:<partner kind|lead|counterpart|all>": '
                                "the task is decided by mail by these approvers")
APPROVAL_QUORUM = Property("approvalQuorum", '"one" (default) or "all": how many approvers must agree')
AGREEMENT_EFFECT = Property("agreementEffect", "what completing the task does to the agreement: "
                                               "terminate, withdraw_termination, propose_amendment, amend")
FIGURES = Property("figures", "comma-separated form fields kept as the year's figures of an annual request")
INVITATIONS = Property("invitations", '"participants": completing the task invites the body\'s participants')
PANEL = Property("panel", "a panel shown beside the form: termination_preview, termination_notice, amendment_diff, "
                          "takeover_proposal")
NOTIFY = Property(NOTIFY_PROPERTY, '"reminder" or "escalation": passing the element raises that notice',
                  goes_on=ENGINE_ELEMENT)
NOTIFY_ROLE = Property(NOTIFY_ROLE_PROPERTY, "the lane role whose org units the notice is mailed to",
                       goes_on=ENGINE_ELEMENT)
CASE_OUTCOME = Property(CASE_OUTCOME_PROPERTY, '"declined" or "withdrawn" on an end event: a case that ends '
                        "there ends with that status (Abgelehnt, Zurückgezogen), not Abgeschlossen",
                        goes_on=ENGINE_ELEMENT)

SUBJECT = Property("subject", "comma-separated process variables (dotted paths, e.g. person.last_name) that say "
                              "whom or what a case is about; shown in lists to those who may see the case",
                   goes_on=PROCESS)
SCHOOL_END = Property("schoolEnd", "the process variable holding the expected end of school (ISO date), "
                                   "for the Vorgänge filter", goes_on=PROCESS)
CHANGE_NOTE = Property("changeNote", "why this version of the diagram file differs from the one before; shown "
                                    "as the version's change note on the Prozesse pages", goes_on=PROCESS)

PROPERTIES: dict[str, Property] = {p.name: p for p in (
    FORM, UI_FORM, PREFILL, DEADLINE, DUE_DATE, APPROVAL, APPROVAL_QUORUM, AGREEMENT_EFFECT, FIGURES,
    INVITATIONS, PANEL, NOTIFY, NOTIFY_ROLE, CASE_OUTCOME, SUBJECT, SCHOOL_END, CHANGE_NOTE)}
ON_USER_TASKS = sorted(p.name for p in PROPERTIES.values() if p.goes_on == USER_TASK)
ON_ENGINE_ELEMENTS = sorted(p.name for p in PROPERTIES.values() if p.goes_on == ENGINE_ELEMENT)
ON_PROCESS = sorted(p.name for p in PROPERTIES.values() if p.goes_on == PROCESS)


def check_properties(info: DiagramInfo) -> None:
    """Refuse a property the catalogue does not know, or one that does nothing where it stands."""
    for task in info.user_tasks:
        _check(info.filename, task.id, task.name, task.properties, ON_USER_TASKS)
    for element in info.other_properties:
        _check(info.filename, element.id, element.name, element.properties, ON_ENGINE_ELEMENTS)
    _check(info.filename, info.process_key, info.name, info.process_properties, ON_PROCESS)


def _check(filename: str, element_id: str, element_name: str, properties: dict, allowed: list[str]) -> None:
    where = f"{filename}, Element {element_id}" + (f' ("{element_name}")' if element_name != element_id else "")
    for name in properties:
        if name in allowed:
            continue
        if name in PROPERTIES:
            raise DefinitionError(f'{where}: Eigenschaft "{name}" wirkt nur {PLACES[PROPERTIES[name].goes_on]}')
        close = get_close_matches(name or "", allowed, n=1)
        hint = f'gemeint ist wohl "{close[0]}"' if close else f"bekannt sind: {', '.join(allowed)}"
        raise DefinitionError(f'{where}: unbekannte Eigenschaft "{name}" – {hint}')

"""The case record: what was entered at each completed step, labelled for reading."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.cases.view import CaseView
from workflows.forms import describe_values


@dataclass(frozen=True)
class RecordEntry:
    task_name: str
    actor: str | None
    at: datetime
    values: list[tuple[str, str]]


def case_record(view: CaseView) -> list[RecordEntry]:
    forms = view.definition.forms
    ui_of = {t["form"]: t.get("ui_form") for t in view.definition.user_tasks.values()}
    entries = []
    for event, actor in view.history:
        if event.kind != "task.completed":
            continue
        schema = forms.get(event.form_name or "", {})
        ui = forms.get(ui_of.get(event.form_name) or "")
        values = describe_values(schema, ui, event.details.get("data", {}))
        entries.append(RecordEntry(event.task_name or "", actor, event.at, values))
    return entries

"""The case record: what was entered at each completed step, labelled for reading."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.cases.view import CaseView
from workflows.clock import berlin_date
from workflows.forms import describe_values, form_fields


@dataclass(frozen=True)
class RecordEntry:
    task_name: str
    actor: str | None
    at: datetime
    values: list[tuple[str, str]]
    rejected: bool = False  # an approval step that was refused: the step it goes back to shows why


def decision_values(data: dict, actor: str | None, at: datetime) -> list[tuple[str, str]]:
    """An approval's result as a record reads it: "genehmigt von … am … — Begründung"."""
    when = berlin_date(at).strftime("%d.%m.%Y")
    approvers = ", ".join(data.get("approved_by") or []) if data.get("approved") else ""
    who = approvers or actor or "System"
    values = [("Entscheidung", f"{'genehmigt' if data.get('approved') else 'abgelehnt'} von {who} am {when}")]
    if data.get("approval_comment"):
        values.append(("Begründung", data["approval_comment"]))
    return values


def returned_with(record: list[RecordEntry], task_created_at: datetime) -> RecordEntry | None:
    """The refused approval that sent this task back: the last record entry before the task
    was created, if it is a refusal."""
    before = [e for e in record if e.at <= task_created_at]
    return before[-1] if before and before[-1].rejected else None


def case_record(view: CaseView) -> list[RecordEntry]:
    forms = view.definition.forms
    ui_of = {t["form"]: t.get("ui_form") for t in view.definition.user_tasks.values()}
    filenames = {document.id: document.filename for document, _uploader in view.documents}
    entries = []
    for event, actor in view.history:
        if event.kind != "task.completed":
            continue
        schema = forms.get(event.form_name or "", {})
        ui = forms.get(ui_of.get(event.form_name) or "")
        data = event.details.get("data", {})
        if "approved" in data and "approved_by" in data:  # completed by the approval machinery
            entries.append(RecordEntry(event.task_name or "", actor, event.at, decision_values(data, actor, event.at),
                                       rejected=not data.get("approved")))
            continue
        values = describe_values(schema, ui, _named_files(schema, ui, data, filenames))
        entries.append(RecordEntry(event.task_name or "", actor, event.at, values))
    return entries


def _named_files(schema: dict, ui: dict | None, data: dict, filenames: dict[int, str]) -> dict:
    """The step's data with each attached document's id replaced by its file name (the
    Dokumente table beside it offers the download)."""
    files = {field.key for field in form_fields(schema, ui) if field.widget == "file"}
    return {key: filenames.get(value, value) if key in files else value for key, value in data.items()}

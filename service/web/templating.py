"""Template filters and globals: German dates, event labels, org unit names."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from workflows.cases.approvals import CHANNELS
from workflows.clock import BERLIN

EVENT_LABELS = {
    "case.started": "Vorgang begonnen",
    "case.opened_late": "Verspätet eröffnet (das Jahr endete, während der Dienst ruhte)",
    "case.completed": "Vorgang abgeschlossen",
    "task.created": "Aufgabe bereitgestellt",
    "task.completed": "Aufgabe erledigt",
    "task.claimed": "Aufgabe übernommen",
    "task.unclaimed": "Aufgabe zurückgegeben",
    "task.handed_over": "Aufgabe übergeben",
    # notices a diagram raises (``notify`` property), recorded by save_workflow as case.<kind>
    "case.reminder": "Erinnerung an den Posteingang",
    "case.escalation": "Eskalation an die Leitung",
    "case.started_from_list": "Vorgang aus der namentlichen Liste begonnen",
    "handover.started_from_list": "Übergabe für eine Person der Liste begonnen",
    "document.downloaded": "Dokument heruntergeladen",
    "approval.decided": "Entscheidung",
    "agreement.terminated": "Vereinbarung gekündigt",
    "agreement.termination_withdrawn": "Kündigung zurückgenommen",
    "agreement.amended": "Anpassung vereinbart",
}

def date_de(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.strftime("%d.%m.%Y")


def datetime_de(value: datetime | None) -> str:
    if value is None:
        return "–"
    return value.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M")


def init_app(app: Flask) -> None:
    app.add_template_filter(date_de)
    app.add_template_filter(datetime_de)
    app.add_template_global(EVENT_LABELS, "EVENT_LABELS")
    app.add_template_global(CHANNELS, "APPROVAL_CHANNELS")
    app.add_template_filter(lambda unit_id: app.extensions["koopflow"].org_unit_name(unit_id), "org_unit_name")

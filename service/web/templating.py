"""Template filters and globals: German dates, event labels, org unit names."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from workflows.cases.approvals import decision_sentence
from workflows.cases.school_end import school_end_hint
from workflows.clock import BERLIN, berlin_date
from workflows.processes.catalogue import version_label

EVENT_LABELS = {
    "case.started": "Vorgang begonnen",
    "case.opened_late": "Verspätet eröffnet (das Jahr endete, während der Dienst ruhte)",
    "case.extra_meeting": "Zusätzliche Sitzung einberufen",
    "case.guests_invited": "Weitere Teilnehmende eingeladen",
    "case.completed": "Vorgang abgeschlossen",
    "case.declined": "Übernahme abgelehnt",
    "case.withdrawn": "Übergabe zurückgezogen",
    "case.cancelled": "Vorgang abgebrochen",
    "case.school_end_warning": "Warnung an die Leitungen: Schulende naht, Übernahme noch offen",
    "task.created": "Aufgabe bereitgestellt",
    "task.completed": "Aufgabe erledigt",
    "task.claimed": "Aufgabe übernommen",
    "task.unclaimed": "Aufgabe zurückgegeben",
    "task.handed_over": "Aufgabe übergeben",
    # the one reminder mechanism of waiting tasks (workflows/cases/reminders.py)
    "task.reminded": "Erinnerung: Aufgabe wartet noch",
    "task.escalated": "Eskalation an die Leitung: Aufgabe wartet zu lange",
    # notices a diagram raises (``notify`` property), recorded by save_workflow as case.<kind>
    "case.reminder": "Erinnerung an den Posteingang",
    "case.escalation": "Eskalation an die Leitung",
    "case.started_from_list": "Vorgang aus der namentlichen Liste begonnen",
    "handover.started_from_list": "Übergabe für eine Person der Liste begonnen",
    # missed milestones of the § 8 b cohort (workflows/annual/cohort_milestones.py)
    "cohort.milestone_reminder": "Erinnerung: Meilenstein der Schulabgänger-Kohorte versäumt",
    "cohort.milestone_escalation": "Eskalation an die Leitung: Meilenstein der Schulabgänger-Kohorte versäumt",
    "document.downloaded": "Dokument heruntergeladen",
    "approval.decided": "Entscheidung",  # the case page writes it out as a sentence (decision_sentence)
    "agreement.terminated": "Vereinbarung gekündigt",
    "agreement.termination_withdrawn": "Kündigung zurückgenommen",
    "agreement.amended": "Anpassung vereinbart",
    "case.suspended": "Vorgang angehalten",
    "case.resumed": "Vorgang fortgesetzt",
    "case.reset": "Vorgang auf einen früheren Schritt zurückgesetzt",
    "case.migrated": "Vorgang auf eine neuere Fassung des Ablaufs umgestellt",
    "case.timer_skipped": "Fälliger Zeitgeber übersprungen (Störung)",
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
    app.add_template_global(decision_sentence, "decision_sentence")
    app.add_template_global(version_label, "version_label")  # "Fassung 3": a version's human name
    app.add_template_filter(lambda unit_id: app.extensions["koopflow"].org_unit_name(unit_id), "org_unit_name")
    # "Schulende in 5 Wochen, Übernahme noch offen" for a case or an inbox row, on the app's clock
    app.add_template_global(lambda row: school_end_hint(row.school_end_on, row.school_end_warn_on,
                                                        berlin_date(app.extensions["koopflow"].clock.now())),
                            "school_end_hint")

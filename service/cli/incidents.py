"""`incidents` commands: the operator's view of Störungen on the shell (list, show, retry, resolve,
skip the failing timer).

Each action is one transaction with its entry in the audit log (Protokoll), marked as done on
the command line. Cancelling an incident's case is done on the case's page.
"""
from __future__ import annotations

import sys

import click

from service.cli.running import run_with_database
from workflows.clock import BERLIN, SystemClock
from workflows.store.incidents import OPEN, RESOLUTION_LABELS, TIMER


def _when(moment) -> str:
    return moment.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") if moment else "–"



def _run(action):
    return run_with_database(action, SystemClock())  # the module's clock: tests move it


def _line(row) -> str:
    incident = row.incident
    attempts = f"{incident.attempts} Versuch(e)" + (", gestört: keine automatischen Versuche mehr"
                                                    if incident.gave_up else f", nächster {_when(incident.next_attempt_at)}")
    return "\t".join([str(incident.id), incident.kind, row.case_number or incident.subject, incident.element or "–",
                      f"seit {_when(incident.first_at)}", incident.exception_class, attempts])


@click.group(name="incidents")
def incidents() -> None:
    """Störungen: was im Hintergrund fehlschlug, erneut versuchen oder als erledigt markieren."""


@incidents.command("list")
@click.option("--all", "show_all", is_flag=True, help="Auch erledigte Störungen zeigen.")
def list_command(show_all: bool) -> None:
    """Offene Störungen: Nr., Art, Vorgang, Element, seit, Fehlerklasse, Versuche."""
    from workflows.incidents import list_incidents

    rows = _run(lambda db, _clock: list_incidents(db, None, None if show_all else OPEN))
    if not rows:
        click.echo("Keine offenen Störungen." if not show_all else "Keine Störungen.")
    for row in rows:
        click.echo(_line(row) + ("" if row.incident.status == OPEN else "\terledigt"))


@incidents.command("show")
@click.argument("incident_id", type=int)
def show_command(incident_id: int) -> None:
    """Eine Störung mit allen Angaben."""
    from workflows.incidents import show_incident

    row = _run(lambda db, _clock: show_incident(db, None, incident_id))
    incident = row.incident
    for label, value in (
        ("Störung", incident.id), ("Art", f"{incident.kind_label} ({incident.kind})"),
        ("Vorgang", row.case_number or "–"), ("Betrifft", incident.subject), ("Element", incident.element or "–"),
        ("Status", "offen" if incident.status == OPEN else "erledigt"),
        ("Zuerst", _when(incident.first_at)), ("Zuletzt", _when(incident.last_at)),
        ("Fehlerklasse", incident.exception_class), ("Meldung", incident.message),
        ("Versuche", incident.attempts),
        ("Nächster Versuch", "keiner (gestört)" if incident.gave_up else _when(incident.next_attempt_at)),
    ):
        click.echo(f"{label}: {value}")
    if incident.status != OPEN:
        click.echo(f"Erledigt: {_when(incident.resolved_at)}, {RESOLUTION_LABELS.get(incident.resolution, '')}"
                   + (f" von {row.resolved_by}" if row.resolved_by else ""))


@incidents.command("retry")
@click.argument("incident_id", type=int)
def retry_command(incident_id: int) -> None:
    """Erneut versuchen: ein Zeitgeber sofort, alles andere in der nächsten Runde des Hintergrunddienstes."""
    from workflows.incidents import retry_incident, show_incident
    from workflows.worker import wake_case

    def retry(db, clock):
        row = retry_incident(db, clock, None, incident_id)
        if row.incident.kind == TIMER and row.incident.case_id is not None:
            wake_case(db, clock, row.incident.case_id)
            return show_incident(db, None, incident_id), True
        return row, False

    row, tried = _run(retry)
    if not tried:
        click.echo(f"Störung {incident_id}: der nächste Durchlauf des Hintergrunddienstes versucht es erneut.")
    elif row.incident.status == OPEN:
        click.echo(f"Störung {incident_id}: erneut fehlgeschlagen ({row.incident.exception_class}); "
                   f"{row.incident.attempts} Versuch(e).")
        sys.exit(1)
    else:
        click.echo(f"Störung {incident_id}: erneuter Versuch gelungen; die Störung ist erledigt.")


@incidents.command("resolve")
@click.argument("incident_id", type=int)
def resolve_command(incident_id: int) -> None:
    """Als erledigt markieren (die Ursache ist anders behoben)."""
    from workflows.incidents import resolve_incident

    _run(lambda db, clock: resolve_incident(db, clock, None, incident_id))
    click.echo(f"Störung {incident_id} ist als erledigt markiert.")


@incidents.command("skip")
@click.argument("incident_id", type=int)
@click.option("--reason", required=True, help="Grund (steht im Verlauf des Vorgangs; keine Angaben zur Person).")
def skip_command(incident_id: int, reason: str) -> None:
    """Fällige Erinnerungen/Eskalationen eines Zeitgeber-Vorgangs überspringen, die immer wieder fehlschlagen."""
    from workflows.incidents import skip_timer

    skipped = _run(lambda db, clock: skip_timer(db, clock, None, incident_id, reason))
    click.echo(f"Störung {incident_id}: übersprungen: {', '.join(skipped.timers)}. "
               "Der Vorgang läuft ohne diesen Zeitgeber weiter; die Störung ist erledigt.")

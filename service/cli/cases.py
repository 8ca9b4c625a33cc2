"""`case` commands: case administration on the shell — suspend, resume, reset, migrate.

The operator acts as a named user (``--as USER``: an active administrator, or a lead of the
case's agreement), so the case's history and the audit log say who did it and why, exactly as
on the page *Vorgang verwalten*. The case is given by its number (or its id). Each command is
one transaction (``workflows/cases/administration.py``); a reason is required.
"""
from __future__ import annotations

import sys

import click
from sqlalchemy import select

from service.cli.running import run_with_database
from workflows.clock import SystemClock
from workflows.errors import NotFound

UNKNOWN_USER = "Den Benutzer „{}“ gibt es nicht, oder er ist deaktiviert."
UNKNOWN_CASE = "Den Vorgang „{}“ gibt es nicht."



def _run(action):
    return run_with_database(action, SystemClock())  # the module's clock: tests move it


def _actor(db, username: str):
    from workflows.people.access import Actor
    from workflows.store.users import user_by_username

    with db.transaction() as session:
        user = user_by_username(session, username)
        if user is None or not user.active:
            raise NotFound(UNKNOWN_USER.format(username))
        return Actor.of(user)


def _case_id(db, case: str) -> int:
    from workflows.store.cases import Case

    with db.transaction() as session:
        found = session.scalar(select(Case.id).where(Case.case_number == case))
        if found is None and case.isdigit():
            found = session.scalar(select(Case.id).where(Case.id == int(case)))
    if found is None:
        raise NotFound(UNKNOWN_CASE.format(case))
    return found


def _options(command):
    command = click.option("--reason", required=True, help="Grund (steht im Verlauf; keine Angaben zur Person).")(command)
    return click.option("--as", "username", required=True, metavar="USER",
                        help="Benutzername, in dessen Namen gehandelt wird (Administration oder Leitung).")(command)


@click.group(name="case")
def case() -> None:
    """Vorgänge verwalten: anhalten, fortsetzen, zurücksetzen, auf die neueste Fassung umstellen."""


@case.command("suspend")
@click.argument("case_ref", metavar="VORGANG")
@_options
def suspend_command(case_ref: str, reason: str, username: str) -> None:
    """Vorgang anhalten: keine Zeitgeber, keine Erledigung von Aufgaben, bis er fortgesetzt wird."""
    from workflows.cases.administration import suspend_case

    _run(lambda db, clock: suspend_case(db, clock, _actor(db, username), _case_id(db, case_ref), reason))
    click.echo(f"Vorgang {case_ref} ist angehalten.")


@case.command("resume")
@click.argument("case_ref", metavar="VORGANG")
@_options
def resume_command(case_ref: str, reason: str, username: str) -> None:
    """Angehaltenen Vorgang fortsetzen; inzwischen fällige Zeitgeber laufen in der nächsten Runde."""
    from workflows.cases.administration import resume_case

    _run(lambda db, clock: resume_case(db, clock, _actor(db, username), _case_id(db, case_ref), reason))
    click.echo(f"Vorgang {case_ref} läuft weiter.")


@case.command("reset")
@click.argument("case_ref", metavar="VORGANG")
@click.option("--step", help="Erledigter Schritt (Element-Id oder Aufgaben-Nr.); ohne: die möglichen Schritte zeigen.")
@_options
def reset_command(case_ref: str, step: str | None, reason: str, username: str) -> None:
    """Vorgang auf einen erledigten Schritt zurücksetzen; was danach geschah, wird rückgängig gemacht."""
    from workflows.cases.administration import administration_of, reset_case
    from workflows.store.tasks import HumanTask

    def reset(db, clock):
        actor, case_id = _actor(db, username), _case_id(db, case_ref)
        steps = administration_of(db, actor, case_id).steps
        with db.transaction() as session:
            rows = {s.task_id: session.get(HumanTask, s.task_id) for s in steps}
        chosen = [s for s in steps if step is not None and (str(s.task_id) == step or rows[s.task_id].bpmn_id == step)]
        if not chosen:
            return steps
        reset_case(db, clock, actor, case_id, chosen[0].task_id, reason)  # newest first: the last time it was done
        return chosen[0]

    done = _run(reset)
    if isinstance(done, list):
        click.echo("Fehler: " + ("Bitte wählen Sie mit --step einen erledigten Schritt dieses Vorgangs:" if done
                                 else "Der Vorgang hat keinen erledigten Schritt, auf den er zurückgesetzt werden kann."),
                   err=True)
        for choice in done:
            click.echo(f"  {choice.task_id}\t{choice.name}", err=True)
        sys.exit(1)
    click.echo(f"Vorgang {case_ref} ist auf „{done.name}“ zurückgesetzt.")


@case.command("migrate")
@click.argument("case_ref", metavar="VORGANG", required=False)
@click.option("--process", "process_key", help="Alle laufenden Vorgänge dieses Ablaufs (statt eines Vorgangs).")
@_options
def migrate_command(case_ref: str | None, process_key: str | None, reason: str, username: str) -> None:
    """Vorgang (oder mit --process alle eines Ablaufs) auf die neueste Fassung des Ablaufs umstellen."""
    from workflows.cases.administration import migrate_all, migrate_case

    if (case_ref is None) == (process_key is None):
        click.echo("Fehler: Bitte geben Sie entweder einen Vorgang oder --process an.", err=True)
        sys.exit(1)
    if case_ref is not None:
        _run(lambda db, clock: migrate_case(db, clock, _actor(db, username), _case_id(db, case_ref), reason))
        click.echo(f"Vorgang {case_ref} läuft jetzt auf der neuesten Fassung seines Ablaufs.")
        return
    report = _run(lambda db, clock: migrate_all(db, clock, _actor(db, username), process_key, reason))
    for number in report.moved:
        click.echo(f"{number}\tumgestellt")
    for number, why in report.stayed:
        click.echo(f"{number}\tnicht umgestellt: {why}")
    click.echo(f"{len(report.moved)} umgestellt, {len(report.stayed)} nicht umgestellt.")
    if report.stayed:
        sys.exit(1)

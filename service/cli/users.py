"""`user` commands beyond `list`: create, set-password, deactivate, add-unit, remove-unit.

Each is one transaction with its entry in the audit log; the messages are German. Passwords
are read from a prompt (hidden, asked twice) unless ``--password-stdin`` is given, so they do
not end up in the shell's history.
"""
from __future__ import annotations

import sys

import click

from service.cli.running import run_with_database


def _run(action):
    return run_with_database(action, name_fields=True)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Passwort", hide_input=True, confirmation_prompt="Passwort wiederholen")


@click.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name, wie er in KoopFlow erscheint.")
@click.option("--email", help="Mailadresse für Benachrichtigungen.")
@click.option("--unit", "units", multiple=True, help="Organisationseinheit (mehrfach möglich).")
@click.option("--lead", is_flag=True, help="Leitung dieser Organisationseinheiten.")
@click.option("--admin", is_flag=True, help="Administrationsrechte.")
@click.option("--no-password", is_flag=True, help="Ohne Passwort (Anmeldung nur über OpenID Connect).")
@click.option("--password-stdin", is_flag=True, help="Passwort als erste Zeile der Standardeingabe lesen.")
def create(username, display_name, email, units, lead, admin, no_password, password_stdin) -> None:
    """Lokales Benutzerkonto anlegen."""
    from workflows.people.administration import create_user

    password = None if no_password else _password(password_stdin)
    _run(lambda db, clock: create_user(db, clock, username, display_name, email, password, list(units),
                                       lead=lead, admin=admin))
    click.echo(f"Benutzer {username} ist angelegt.")


@click.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Passwort als erste Zeile der Standardeingabe lesen.")
def set_password_command(username, password_stdin) -> None:
    """Neues Passwort setzen (mindestens 12 Zeichen, kein verbreitetes Passwort)."""
    from workflows.people.administration import set_password

    password = _password(password_stdin)
    _run(lambda db, clock: set_password(db, clock, username, password))
    click.echo(f"Das Passwort von {username} ist geändert.")


@click.command("deactivate")
@click.argument("username")
def deactivate(username) -> None:
    """Konto deaktivieren: Anmeldungen und API-Tokens enden, übernommene Aufgaben gehen an die Gruppen zurück."""
    from workflows.people.administration import deactivate_user

    returned = _run(lambda db, clock: deactivate_user(db, clock, username))
    click.echo(f"Benutzer {username} ist deaktiviert; {returned} übernommene Aufgabe(n) liegen wieder in den "
               "Gruppenposteingängen.")


@click.command("add-unit")
@click.argument("username")
@click.argument("unit")
@click.option("--lead", is_flag=True, help="Als Leitung der Organisationseinheit.")
def add_unit(username, unit, lead) -> None:
    """Einer Organisationseinheit zuordnen."""
    from workflows.people.administration import set_units

    units = _run(lambda db, clock: set_units(db, clock, username, add=[unit], lead=lead))
    click.echo(f"{username}: {', '.join(units) or 'keine Organisationseinheit'}")


@click.command("remove-unit")
@click.argument("username")
@click.argument("unit")
def remove_unit(username, unit) -> None:
    """Aus einer Organisationseinheit nehmen."""
    from workflows.people.administration import set_units

    units = _run(lambda db, clock: set_units(db, clock, username, remove=[unit]))
    click.echo(f"{username}: {', '.join(units) or 'keine Organisationseinheit'}")


@click.command("update")
@click.argument("username")
@click.option("--name", "display_name", help="Neuer Name, wie er in KoopFlow erscheint.")
@click.option("--email", help="Neue Mailadresse (leer: keine).")
@click.option("--unit", "units", multiple=True,
              help="Organisationseinheit (mehrfach möglich); ersetzt die bisherigen.")
@click.option("--no-units", is_flag=True, help="Aus allen Organisationseinheiten nehmen.")
def update(username, display_name, email, units, no_units) -> None:
    """Name, Mailadresse oder Organisationseinheiten eines Kontos ändern."""
    from workflows.people.administration import update_user

    org_units = [] if no_units else list(units) if units else None
    user = _run(lambda db, clock: update_user(db, clock, username, display_name=display_name, email=email,
                                              org_units=org_units))
    click.echo(f"Benutzer {username} ist geändert: {user.display_name}, {user.email or 'keine Mailadresse'}, "
               f"{', '.join(user.org_unit_ids) or 'keine Organisationseinheit'}.")


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_command(file) -> None:
    """Konten aus einer CSV-Datei anlegen (Spalten username;display_name;email;units).

    Jede Zeile wird für sich angelegt: eine fehlerhafte Zeile hält die anderen nicht auf.
    Die Konten haben noch kein Passwort (set-password, oder Anmeldung über OpenID Connect).
    """
    from workflows.people.administration import CREATED, import_users

    text = file.read()

    def progress(done: int, total: int) -> None:
        click.echo(f"\rZeile {done} von {total} verarbeitet", err=True, nl=done == total)

    results = _run(lambda db, clock: import_users(db, clock, text, progress=progress))
    for row in results:
        click.echo(f"Zeile {row.row}: {row.username or '(ohne Benutzername)'}: {row.result}"
                   + (f" – {row.reason}" if row.reason else ""))
    created = sum(row.result == CREATED for row in results)
    click.echo(f"{created} von {len(results)} Konten angelegt.")
    if created < len(results):
        sys.exit(1)


COMMANDS = (create, update, set_password_command, deactivate, add_unit, remove_unit, import_command)

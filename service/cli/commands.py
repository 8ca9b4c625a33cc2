"""The ``koopflow`` command: schema, demo data, users, tokens, deadlines, the web server."""
from __future__ import annotations

import itertools
import sys
from contextlib import contextmanager

import click

from service.cli.cases import case
from service.cli.deadline import deadline
from service.cli.incidents import incidents
from service.cli.users import COMMANDS as USER_COMMANDS
from service.config import Settings
from workflows.clock import FixedClock, SystemClock, simulated_instant
from workflows.errors import KoopflowError


def _settings() -> Settings:
    return Settings.from_env()


@contextmanager
def _database():
    from workflows.store.db import Database

    database = Database(_settings().database_url)
    try:
        yield database
    finally:
        database.dispose()


@click.group(help="KoopFlow – Prozesse der Kooperationsvereinbarungen in der Eingliederungshilfe.")
def main() -> None:
    pass


main.add_command(case)
main.add_command(deadline)
main.add_command(incidents)


@main.group(help="Datenbankschema.")
def db() -> None:
    pass


@db.command("upgrade", help="Schema anlegen oder auf den neuesten Stand bringen (Alembic).")
def db_upgrade() -> None:
    from workflows.schema import upgrade

    settings = _settings()
    if settings.database_url.startswith("sqlite:///"):
        from pathlib import Path

        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    from service.runtime import report_versions_in_use

    with _database() as database:
        upgrade(database)
        problems = report_versions_in_use(database, SystemClock())
    click.echo("Datenbankschema ist aktuell.")
    for problem in problems:
        click.echo(f"Achtung: Diagrammversion {problem.definition_id} ({problem.filename}) besteht die heutigen "
                   f"Prüfungen nicht ({problem.reason}); laufende Vorgänge: "
                   f"{', '.join(map(str, problem.case_ids))}", err=True)


@main.group(help="Demodaten.")
def demo() -> None:
    pass


@demo.command("load", help="Vereinbarungen und Demo-Benutzer laden (mehrfach aufrufbar).")
@click.option("--force", is_flag=True, help="Auch in eine Datenbank mit echten (nicht Demo-)Benutzern laden.")
def demo_load(force: bool) -> None:
    from service.runtime import boot
    from workflows.people.accounts import load_all_demo_users, users_outside_demo

    settings, clock = _settings(), SystemClock()
    app = _or_exit(lambda: boot(settings, clock))
    real = users_outside_demo(app.db, settings.agreements_dir)
    if real and not force:
        app.db.dispose()
        click.echo(f"Fehler: Die Datenbank enthält {len(real)} Benutzer, die keine Demo-Benutzer sind. Demo-Benutzer "
                   "(mit bekanntem Passwort) werden dort nur mit --force angelegt.", err=True)
        sys.exit(1)
    added = load_all_demo_users(app.db, clock, settings.agreements_dir)
    app.db.dispose()
    click.echo(f"Vereinbarungen geladen: {', '.join(sorted(app.agreements))}; neue Demo-Benutzer: {added}.")


@main.group(help="Benutzer.")
def user() -> None:
    pass


for _command in USER_COMMANDS:
    user.add_command(_command)


@user.command("list", help="Alle Benutzer mit Träger und Organisationseinheiten.")
def user_list() -> None:
    from workflows.people.accounts import user_listing

    with _database() as database:
        listing = user_listing(database)
    for username, name, agencies, units in listing:
        click.echo(f"{username}\t{name}\t{agencies}\t{'; '.join(units)}")


@main.group(help="Persönliche API-Tokens.")
def token() -> None:
    pass


@token.command("create", help="Neues API-Token für USERNAME erzeugen; es wird nur einmal angezeigt.")
@click.argument("username")
def token_create(username: str) -> None:
    from workflows.people.accounts import create_api_token

    with _database() as database:
        click.echo(_or_exit(lambda: create_api_token(database, SystemClock(), username)))


@token.command("list", help="Die API-Tokens von USERNAME: Nummer, ausgestellt, gültig bis, zuletzt benutzt, Stand.")
@click.argument("username")
def token_list(username: str) -> None:
    from workflows.people.sessions import tokens_of_username

    with _database() as database:
        tokens = _or_exit(lambda: tokens_of_username(database, username))
    now = SystemClock().now()
    for info in tokens:
        used = info.last_used_at.isoformat(timespec="minutes") if info.last_used_at else "nie"
        click.echo(f"{info.id}\t{info.created_at.isoformat(timespec='minutes')}\t"
                   f"{info.expires_at.isoformat(timespec='minutes')}\t{used}\t{info.state(now)}")


@token.command("revoke", help="Das API-Token mit der Nummer TOKEN_ID widerrufen (Nummer aus `token list`).")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    from workflows.people.sessions import revoke_token

    with _database() as database:
        _or_exit(lambda: revoke_token(database, token_id))
    click.echo(f"Token {token_id} widerrufen.")


@main.group(help="Anmeldungen (Sitzungen) im Browser.")
def sessions() -> None:
    pass


@sessions.command("end", help="Alle Sitzungen von USERNAME beenden (z. B. nach Verlust eines Geräts).")
@click.argument("username")
def sessions_end(username: str) -> None:
    from workflows.people.sessions import end_sessions_of

    with _database() as database:
        _or_exit(lambda: end_sessions_of(database, username))
    click.echo(f"Alle Sitzungen von {username} sind beendet.")


def _instant(_context, _param, value: str | None):
    """An ISO 8601 instant; without a zone it is Berlin time."""
    if value is None:
        return None
    try:
        return simulated_instant(value)
    except ValueError as exc:
        raise click.BadParameter(f"kein Zeitpunkt nach ISO 8601: {value}") from exc


@main.command("worker", help="Zeitgesteuerte Arbeit: fällige Timer, Jahresabfragen (und später Postausgang).")
@click.option("--once", is_flag=True, help="Eine Runde ausführen und beenden (für cron und Tests).")
@click.option("--max-sleep", default=30.0, show_default=True, help="Höchstens so viele Sekunden zwischen zwei Runden.")
@click.option("--now", "at", callback=_instant, help="Nur mit --once: die Runde zu diesem Zeitpunkt statt jetzt "
              "ausführen (ISO 8601, ohne Zeitzone: Berliner Zeit). Für Simulationen und Tests.")
@click.option("--steps", is_flag=True, help="Simulation: Zeitpunkte (ISO 8601) zeilenweise von der Standardeingabe "
              "lesen und zu jedem eine Runde ausführen; je Runde eine Ergebniszeile.")
def worker(once: bool, max_sleep: float, at, steps: bool) -> None:
    import logging
    import os
    import signal
    import threading

    from service.app import create_app
    from service.mail.smtp_out import smtp_transport
    from service.runtime import settle
    from service.web import log_privacy
    from workflows.worker import run_forever, run_once

    if at is not None and not once:
        raise click.UsageError("--now gilt nur zusammen mit --once (eine Runde zu einem festen Zeitpunkt).")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)  # every task state change otherwise
    if os.environ.get("KOOPFLOW_LOG_FORMAT", "").lower() == "json":  # the round line alone, as JSON
        round_handler = logging.StreamHandler()
        round_handler.setFormatter(logging.Formatter("%(message)s"))
        logging.getLogger("workflows.worker.round").addHandler(round_handler)
        logging.getLogger("workflows.worker.round").propagate = False
    log_privacy.install(logging.getLogger("workflows"))
    moments = iter([at]) if at is not None else _read_steps() if steps else iter(())
    first = next(moments, None)  # a simulated "now" (--now, or the first line read by --steps)
    if steps and first is None:
        return
    clock = SystemClock() if first is None else FixedClock(first)
    flask_app = _or_exit(lambda: create_app(_settings(), clock))
    app, transport = flask_app.extensions["koopflow"], smtp_transport(flask_app)
    if not (once or steps):
        settle()  # a long-running worker, like a web worker
    if transport is None:
        click.echo("Kein SMTP-Server eingestellt (KOOPFLOW_SMTP_HOST): Mails bleiben im Postausgang.")
    if once or steps:
        for moment in itertools.chain([first], moments):
            if moment is not None:
                clock.set(moment)
            result = run_once(app.db, clock, transport, app.settings.documents_dir)
            click.echo(f"{moment.isoformat() + ' ' if steps else ''}Timer ausgelöst: {result.timers_fired}; "
                       f"Jahresabfragen eröffnet: {len(result.annual_opened)}; "
                       f"Sitzungen eröffnet: {len(result.conferences_opened)}; "
                       f"Mails gesendet: {result.mails_sent}, fehlgeschlagen: {result.mails_failed}; "
                       f"Vorgänge nach Aufbewahrungsfrist gelöscht: {result.personal_data_deleted}")
            sys.stdout.flush()
        app.db.dispose()
        return
    stop = threading.Event()

    def _stop(*_):  # also cut short a mail exchange in progress: that mail waits for the next start
        stop.set()
        if transport is not None:
            transport.abort()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_forever(app.db, clock, stop, max_sleep, transport, app.settings.documents_dir)
    app.db.dispose()


@main.group(help="Postausgang.")
def mail() -> None:
    pass


@mail.command("redate", help="Mails im Postausgang, die mit vorgehender Uhr geschrieben wurden, auf jetzt datieren.")
def mail_redate() -> None:
    from workflows.mail.clock_skew import redate_pending_mails, times_ahead

    with _database() as database:
        for item in times_ahead(database, SystemClock()):
            click.echo(f"In der Zukunft: {item.rows} {item.what} (spätestens {item.latest.isoformat()})")
        click.echo(f"Neu datiert: {redate_pending_mails(database, SystemClock())} Mails")


@main.command("mail-in", help="SMTP-Empfang für Antworten auf Genehmigungsmails (Ja/Nein).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
def mail_in(host: str, port: int) -> None:
    import logging
    import threading

    from aiosmtpd.controller import Controller

    from service.app import create_app
    from service.mail.smtp_in import ReplyHandler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _or_exit(lambda: create_app(_settings(), SystemClock()))
    controller = Controller(ReplyHandler(app), hostname=host, port=port)
    controller.start()
    click.echo(f"Antworten auf Genehmigungsmails werden auf {host}:{port} angenommen (Strg-C beendet).")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@main.command("serve", help="Web-Oberfläche starten (eingebetteter Server; Produktion: gunicorn).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    from service.app import create_app

    app = _or_exit(create_app)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


def _read_steps():
    for line in sys.stdin:
        if line.strip():
            try:
                yield simulated_instant(line.strip())
            except ValueError:
                click.echo(f"Fehler: kein Zeitpunkt nach ISO 8601: {line.strip()}", err=True)
                sys.exit(1)


def _or_exit(action):
    try:
        return action()
    except KoopflowError as exc:
        click.echo(f"Fehler: {exc.message}", err=True)
        sys.exit(1)

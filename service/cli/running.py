"""Running one operator command against the configured database: German errors, exit code 1."""
from __future__ import annotations

import sys

import click

from service.config import Settings
from workflows.clock import SystemClock
from workflows.errors import KoopflowError, ValidationFailed


def run_with_database(action, clock=None, name_fields: bool = False):
    """``action(db, clock)`` (the system clock unless given); a refused command prints its German messages (with the field's
    name when ``name_fields``) and exits with 1. The database is closed either way."""
    from workflows.store.db import Database

    database = Database(Settings.from_env().database_url)
    try:
        return action(database, clock or SystemClock())
    except ValidationFailed as exc:
        for field, message in exc.errors.items():
            click.echo(f"Fehler ({field}): {message}" if name_fields else f"Fehler: {message}", err=True)
        sys.exit(1)
    except KoopflowError as exc:
        click.echo(f"Fehler: {exc.message}", err=True)
        sys.exit(1)
    finally:
        database.dispose()

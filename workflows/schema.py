"""Creating and upgrading the database schema with Alembic."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from workflows.errors import DefinitionError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(db, revision: str = "head") -> None:
    """Bring the schema to the newest revision (creates it on an empty database).

    SQLite changes a table by rebuilding it (Alembic's batch mode: copy, DROP TABLE, rename).
    With foreign keys enforced, dropping a table that other rows refer to fails ("FOREIGN KEY
    constraint failed [DROP TABLE cases]") as soon as the database holds cases; so on SQLite
    the migrations run with enforcement off (the pragma only works outside a transaction) and
    every reference is checked with ``PRAGMA foreign_key_check`` before the upgrade commits."""
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config = alembic_config(db.url)
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DefinitionError(f"Nach dem Upgrade verweisen {len(broken)} Zeilen ins Leere "
                                              f"(Tabellen: {sorted({row[0] for row in broken})}); nichts geändert.")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def head_revision() -> str:
    """The newest migration this code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(db) -> str | None:
    """The migration the database is at (None: never migrated). Raises if it is unreachable."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()

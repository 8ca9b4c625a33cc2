"""A throw-away PostgreSQL server for the tests and the throughput benchmark.

``PostgresServer.start()`` runs ``initdb`` into a temporary directory and starts ``postgres``
on 127.0.0.1 on a free port (and a unix socket in the same directory), tuned for speed, not
durability (fsync off: the data is thrown away). ``initdb`` and ``postgres`` refuse to run as
root, so as root both run as the ``postgres`` system user. ``stop()`` stops the server and
removes the directory.

``DatabaseMaker`` hands out fresh databases on a server: the Alembic migrations run once into a
template database, and every test gets ``CREATE DATABASE … TEMPLATE`` of it (a file copy,
milliseconds), dropped again afterwards.
"""
from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
}
HINT = ("install Debian's postgresql package (as root: `make postgresql`), or point "
        "KOOPFLOW_TEST_DATABASE_URL at a server where the user may create databases")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL could not be started; the message says why."""


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresUnavailable(f"PostgreSQL is not installed (no initdb found): {HINT}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One ``postgres`` process on a temporary data directory."""

    def __init__(self) -> None:
        self.bin = _binaries()
        self.directory = Path(tempfile.mkdtemp(prefix="koopflow-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.user = "koopflow"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:  # initdb/postgres refuse root: run them as the postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{' '.join(args[:2])} failed ({result.returncode}): "
                                      f"{result.stderr.strip() or result.stdout.strip()}\n{tail}")

    def start(self) -> "PostgresServer":
        if os.geteuid() == 0:
            try:
                shutil.chown(self.directory, "postgres")
            except LookupError as exc:
                raise PostgresUnavailable(f"running as root but there is no postgres user: {HINT}") from exc
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                  "-l", str(self.directory / "server.log"),
                  "-o", f"-p {self.port} -k {self.directory} {options}")
        return self

    def halt(self) -> None:
        """Stop the server (fast shutdown: connections are cut), keeping its data for ``resume``."""
        self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data))

    def resume(self) -> None:
        """Start a halted server again on the same port and data."""
        options = " ".join(f"-c {key}={value}" for key, value in SETTINGS.items())
        self._run(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                  "-l", str(self.directory / "server.log"),
                  "-o", f"-p {self.port} -k {self.directory} {options}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.data))
        shutil.rmtree(self.directory, ignore_errors=True)


class DatabaseMaker:
    """Fresh, migrated databases on one server, copied from a template migrated once."""

    def __init__(self, server_url: str, prefix: str = "koopflow_test") -> None:
        self.server_url = server_url
        self.prefix = f"{prefix}_{os.getpid()}"
        self.template = f"{self.prefix}_template"
        self._numbers = itertools.count(1)
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT", pool_size=1)

    def _url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    @property
    def template_url(self) -> str:
        """The migrated template; what is written into it is in every database made after."""
        return self._url(self.template)

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def prepare(self) -> "DatabaseMaker":
        from workflows.schema import upgrade
        from workflows.store.db import Database

        self._execute(f'DROP DATABASE IF EXISTS "{self.template}"')
        self._execute(f'CREATE DATABASE "{self.template}"')
        database = Database(self.template_url)
        upgrade(database)
        database.dispose()
        return self

    def create(self, empty: bool = False) -> str:
        """The URL of a new database holding the migrated schema (or nothing at all)."""
        name = f"{self.prefix}_{next(self._numbers)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{"template0" if empty else self.template}"')
        return self._url(name)

    def copy(self, url: str) -> str:
        """The URL of a new database holding what the one at ``url`` holds (nobody connected)."""
        name = f"{self.prefix}_{next(self._numbers)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
        return self._url(name)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self._admin.dispose()

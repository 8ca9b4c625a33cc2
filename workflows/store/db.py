"""The database handle and the transaction rule: one command, one transaction.

On SQLite every writing transaction starts with ``BEGIN IMMEDIATE``, so two commands on the
same case are serialised and the second one sees the first one's result (instead of failing
late with "database is locked" when it tries to write a stale snapshot). A transaction that
only reads (``transaction(read_only=True)``) starts with a plain, deferred ``BEGIN``: in WAL
mode it reads its snapshot while another process holds the write lock, and never waits for
it. On PostgreSQL the optimistic version column on cases does the same job across processes.

``transaction(lock_timeout=…)`` lets one transaction wait for SQLite's write lock shorter than
the database's default (the audit entry of a read: a page must not hang behind a long write).
``add_commit_hook`` lets the web layer add rows to every transaction that wrote something,
just before its commit (the audit entry of a change is part of the change).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Callable, Iterator

from sqlalchemy import DateTime, MetaData, TypeDecorator, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# The largest row id every database we run on can hold in an id column (PostgreSQL's INTEGER;
# SQLite's go to 2**63 - 1). A number beyond it names no row: callers answer "not found".
MAX_ROW_ID = 2**31 - 1

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_READ_ONLY: ContextVar[bool] = ContextVar("koopflow_read_only", default=False)
_LOCK_TIMEOUT: ContextVar[float | None] = ContextVar("koopflow_lock_timeout", default=None)
WROTE = "koopflow_wrote"  # session.info key: this transaction sent an INSERT, UPDATE or DELETE
CommitHook = Callable[[Session], "Callable[[], None] | None"]


def _configure_sqlite(engine: Engine, lock_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        wait = int((_LOCK_TIMEOUT.get() or lock_timeout) * 1000)
        if connection.info.get("busy_timeout") != wait:  # kept per pooled connection
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
            connection.info["busy_timeout"] = wait
        connection.exec_driver_sql("BEGIN" if _READ_ONLY.get() else "BEGIN IMMEDIATE")


def _track_writes(sessions: sessionmaker) -> None:
    @event.listens_for(sessions, "after_flush")
    def _flushed(session, _context):
        session.info[WROTE] = True

    @event.listens_for(sessions, "do_orm_execute")
    def _executed(state):
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE] = True
        elif hasattr(state.statement, "text") and state.statement.text.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            state.session.info[WROTE] = True


def wrote(session: Session) -> bool:
    """Whether this transaction changed anything (so far or in its final flush)."""
    return bool(session.info.get(WROTE) or session.new or session.dirty or session.deleted)


class Database:
    """Engine plus session factory for one database URL."""

    def __init__(self, url: str, echo: bool = False, lock_timeout: float = 10.0):
        self.url = url
        # a server's connections can drop (restart, failover): ping before use, not fail a request
        self.engine = create_engine(url, echo=echo, future=True, pool_pre_ping=not url.startswith("sqlite"))
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine, lock_timeout)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        _track_writes(self._sessions)
        self._commit_hooks: list[CommitHook] = []

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def add_commit_hook(self, hook: CommitHook) -> None:
        """``hook(session)`` runs in every transaction that wrote something, just before its
        commit, and may add rows to it; what it returns (if anything) is called once the commit
        succeeded."""
        self._commit_hooks.append(hook)

    @contextmanager
    def transaction(self, read_only: bool = False, lock_timeout: float | None = None) -> Iterator[Session]:
        """A session whose work is committed at the end, or rolled back on any error.
        ``read_only``: it only reads (on SQLite: without taking the write lock).
        ``lock_timeout``: on SQLite, seconds to wait for the write lock instead of the default."""
        session = self._sessions()
        marker, wait = _READ_ONLY.set(read_only), _LOCK_TIMEOUT.set(lock_timeout)
        try:
            yield session
            committed = [hook(session) for hook in self._commit_hooks] if not read_only and wrote(session) else []
            session.commit()
            for done in committed:
                if done is not None:
                    done()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            _READ_ONLY.reset(marker)
            _LOCK_TIMEOUT.reset(wait)

    def dispose(self) -> None:
        self.engine.dispose()

    def claim(self, session: Session, model, row_id):
        """The row, locked for this transaction, or None if another process holds it.

        PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so parallel workers take different rows.
        SQLite: the transaction already holds the write lock (BEGIN IMMEDIATE)."""
        query = select(model).where(model.id == row_id)
        if not self.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=model)  # not eager-joined tables
        return session.scalar(query)


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

"""Databases of an older schema holding real cases, for tests/test_migrations_with_data.py.

The cases are made by today's code on a database at head (cases of every stage of the
school-end handover), then copied row by row into a database that was migrated only up to
an older revision: into every table that exists there, every column that exists there, with a
neutral value for a required column the newer schema no longer has. Upgrading that copy to
head is then what an operator's ``koopflow db upgrade`` does to a database of that release.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, Numeric, create_engine, text

from tests.support.flows import actor, open_task
from tests.support.handover import (
    CLOSE_LOCAL_JSON,
    CLOSE_SUPRA_JSON,
    CONFIRM_JSON,
    PLANNING_JSON,
    PREPARE_JSON,
    question,
)
from workflows.cases.starting import start_case
from workflows.errors import Forbidden, NotFound
from workflows.schema import alembic_config, upgrade
from workflows.store.cases import RUNNING, Case
from workflows.store.db import Database
from workflows.store.models import Base
from workflows.store.tasks import OPEN, HumanTask
from workflows.tasks import complete_task

# What each step of the handover is answered with, and who may answer it.
ANSWERS = {
    "prepare_handover": PREPARE_JSON,
    "review_handover": CONFIRM_JSON,
    "answer_question": {"answer": "Die Werkstatt in Lich."},
    "approve_takeover": {"decision": "approve"},
    "join_participation_planning": PLANNING_JSON,
    "close_local": CLOSE_LOCAL_JSON,
    "close_supra_local": CLOSE_SUPRA_JSON,
}
PEOPLE = ("lk.sozialamt", "lwv.fachdienst", "lwv.leitung")
# Rows a case cannot run without that a migration cannot make up: a case waiting for its
# approvers cannot exist in a schema before approvals. (Logs — history, outbox, audit log — are
# not among them: an old release's case simply has less of them.)
STATE_TABLES = {"approval_requests"}


def older_revisions() -> list[str]:
    """Every revision before head, oldest first: whatever migrations exist."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = [r.revision for r in script.walk_revisions()]  # newest first
    return list(reversed(revisions[1:]))


class RevisionDatabases:
    """A database of each older revision, made once: one empty database is migrated one revision
    at a time and kept (copied) at each, so a copy of the one at ``revision`` is what a database
    of that release looks like — without migrating from nothing again for every revision."""

    def __init__(self, backend: str, directory: Path, maker=None) -> None:
        self.backend, self.directory, self.maker = backend, directory, maker
        self.kept: dict[str, str] = {}  # revision -> SQLite file or PostgreSQL URL

    def build(self, revisions: list[str]) -> "RevisionDatabases":
        if self.backend == "sqlite":
            chain = self.directory / "chain.db"
            url = f"sqlite:///{chain}"
        else:
            url = self.maker.create(empty=True)
        try:
            for revision in revisions:
                database = Database(url)
                upgrade(database, revision)
                database.dispose()
                self.kept[revision] = self._keep(chain, revision) if self.backend == "sqlite" else self.maker.copy(url)
        finally:
            if self.backend != "sqlite":
                self.maker.drop(url)
        return self

    def _keep(self, chain: Path, revision: str) -> str:
        connection = sqlite3.connect(chain)  # the write-ahead log into the main file, then copy it
        try:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
        kept = self.directory / f"at-{revision}.db"
        shutil.copyfile(chain, kept)
        return str(kept)

    def create(self, revision: str, directory: Path) -> str:
        """The URL of a new database at ``revision`` (a file in ``directory`` on SQLite)."""
        if self.backend == "sqlite":
            path = directory / "koopflow.db"
            shutil.copyfile(self.kept[revision], path)
            return f"sqlite:///{path}"
        return self.maker.copy(self.kept[revision])

    def close(self) -> None:
        if self.backend != "sqlite":
            for url in self.kept.values():
                self.maker.drop(url)


# Who answered a step last time, so the next case's same step asks them first (each refused
# try costs a transaction); and the actors, per database.
_ANSWERED_BY: dict[str, str] = {}
_ACTORS: dict[tuple[str, str], object] = {}


def step(kf, case_id: int, bpmn_id: str, data=None) -> None:
    """Complete the case's open ``bpmn_id`` as whoever of PEOPLE may."""
    task_id = open_task(kf, case_id, bpmn_id)
    first = _ANSWERED_BY.get(bpmn_id)
    for username in ([first] if first else []) + [p for p in PEOPLE if p != first]:
        key = (kf.db.url, username)
        if key not in _ACTORS:
            _ACTORS[key] = actor(kf, username)
        try:
            complete_task(kf.db, kf.clock, _ACTORS[key], task_id, data or ANSWERS[bpmn_id])
            _ANSWERED_BY[bpmn_id] = username
            return
        except (Forbidden, NotFound):
            continue
    raise AssertionError(f"nobody may complete {bpmn_id} of case {case_id}")


def cases_of_every_stage(kf) -> dict[str, int]:
    """A handover at each stage a running system holds: stage name → case id."""
    def started():
        return start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen").case_id

    stages = {}
    stages["prepared by nobody yet"] = started()
    stages["waiting for review"] = case = started()
    step(kf, case, "prepare_handover")
    stages["question asked"] = case = started()
    step(kf, case, "prepare_handover")
    step(kf, case, "review_handover", question("Welche Werkstatt ist angefragt?"))
    stages["waiting for approval"] = case = started()
    for bpmn_id in ("prepare_handover", "review_handover"):
        step(kf, case, bpmn_id)
    stages["confirmed, closing"] = case = started()
    for bpmn_id in ("prepare_handover", "review_handover", "approve_takeover"):
        step(kf, case, bpmn_id)
    stages["completed"] = case = started()
    for bpmn_id in ("prepare_handover", "review_handover", "approve_takeover", "join_participation_planning",
                    "close_supra_local", "close_local"):
        step(kf, case, bpmn_id)
    return stages


def run_to_the_end(kf, case_id: int, limit: int = 20) -> str:
    """Answer the case's open steps until it ends; its final status."""
    for _ in range(limit):
        with kf.db.transaction() as session:
            case = session.get(Case, case_id)
            if case.status != RUNNING:
                return case.status
            open_ids = [t.bpmn_id for t in session.query(HumanTask).filter(
                HumanTask.case_id == case_id, HumanTask.state == OPEN).order_by(HumanTask.id)]
        assert open_ids, f"case {case_id} runs without an open task"
        step(kf, case_id, open_ids[0])
    raise AssertionError(f"case {case_id} did not end within {limit} steps")


def _neutral(column):
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, Numeric)):
        return 0
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, (Date, DateTime)):
        return None
    return ""


def copy_rows(source_url: str, target_url: str) -> tuple[dict[str, int], set[int]]:
    """Copy every row of the source into the (older) target schema: (rows per table, the cases
    that schema cannot hold whole because rows of theirs belong in a table it does not have yet,
    e.g. an approval request before approvals existed)."""
    source, target = create_engine(source_url), create_engine(target_url)
    copied, partial = {}, set()
    try:
        old = MetaData()
        old.reflect(target)
        with source.connect() as reading, target.begin() as writing:
            if target.dialect.name == "postgresql":
                writing.execute(text("SET session_replication_role = replica"))  # references checked below
            for table in Base.metadata.sorted_tables:
                if table.name not in old.tables:
                    if table.name in STATE_TABLES:
                        partial.update(i for i in reading.scalars(table.select().with_only_columns(table.c.case_id))
                                       if i is not None)
                    continue
                into = old.tables[table.name]
                shared = [c.name for c in into.columns if c.name in table.columns]
                extra = {c.name: _neutral(c) for c in into.columns
                         if c.name not in table.columns and not c.nullable and c.server_default is None}
                rows = [{**extra, **dict(row._mapping)} for row in reading.execute(
                    table.select().with_only_columns(*[table.c[n] for n in shared]))]
                if rows:
                    writing.execute(into.insert(), rows)
                copied[table.name] = len(rows)
                if target.dialect.name == "postgresql" and "id" in into.columns and rows \
                        and isinstance(into.c.id.type, Integer):
                    writing.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                         f"(SELECT max(id) FROM {table.name}))"))
            if target.dialect.name == "postgresql":
                writing.execute(text("SET session_replication_role = DEFAULT"))
    finally:
        source.dispose()
        target.dispose()
    return copied, partial

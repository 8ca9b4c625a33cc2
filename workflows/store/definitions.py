"""Process definition versions: a BPMN file and its forms, keyed by content hash.

Each version has a human name, its number per process (Fassung 1, 2, …), and says who brought
it in and why: the file in bpmn/ (``origin`` file, no person), or an agreed process change
(``origin`` proposal: the proposer and the change note). A version from a proposal takes effect
on its date (``effective_from``); until then the version before stays current.
"""
from __future__ import annotations

import threading
import weakref
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base, UtcDateTime

FROM_FILE, FROM_PROPOSAL = "file", "proposal"


class ProcessDefinition(Base):
    """One version of a process. A running case keeps the version it started on."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_key", "content_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(300))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(JSON)  # filename -> JSON Schema / UI schema
    lanes: Mapped[dict] = mapped_column(JSON)  # flow node id -> lane role
    user_tasks: Mapped[dict] = mapped_column(JSON)  # bpmn id -> name, lane, form, properties
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    number: Mapped[int | None] = mapped_column(Integer)  # Fassung N of its process, in the order brought in
    origin: Mapped[str] = mapped_column(String(20), default=FROM_FILE)  # file | proposal
    change_note: Mapped[str | None] = mapped_column(Text)  # why it changed
    brought_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the file in bpmn/
    effective_from: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: when first seen


def current_definition(session: Session, process_key: str) -> ProcessDefinition | None:
    return session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_key == process_key, ProcessDefinition.is_current)
    )


def versions_of_process(session: Session, process_key: str) -> list[ProcessDefinition]:
    """Every version of the process, newest first."""
    return list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_key == process_key)
                                .order_by(ProcessDefinition.number.desc().nulls_last(), ProcessDefinition.id.desc())))


def next_number(session: Session, process_key: str) -> int:
    highest = session.scalar(select(func.max(ProcessDefinition.number))
                             .where(ProcessDefinition.process_key == process_key))
    return (highest or 0) + 1


class DefinitionSpec(Base):
    """The SpiffWorkflow spec of a version, stored once and joined with each of its cases' states
    on load (``workflows.engine.spec_cache``); written the first time a case of it is stored."""

    __tablename__ = "definition_specs"
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), primary_key=True)
    spec: Mapped[str] = mapped_column(Text)  # JSON: {"spec": …, "subprocess_specs": …}


_SPECS = "koopflow.definition_specs"  # session.info: definition id -> spec text, as this transaction saw it
# A version's spec never changes once stored (``keep_spec`` inserts it once, a conflict keeps the
# first); so what a committed transaction saw is kept per database for the life of the process.
_committed_specs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine -> {definition id: spec}
_specs_lock = threading.Lock()


def stored_spec(session: Session, definition_id: int) -> str | None:
    specs = session.info.setdefault(_SPECS, {})
    if specs.get(definition_id) is None:
        with _specs_lock:
            spec = _committed_specs.get(session.get_bind(), {}).get(definition_id)
        if spec is None:
            row = session.get(DefinitionSpec, definition_id)
            spec = row.spec if row is not None else None
        specs[definition_id] = spec
    return specs[definition_id]


@event.listens_for(Session, "after_commit")
def _keep_committed_specs(session: Session) -> None:
    """Once the transaction that read or stored them committed, its specs are the database's."""
    specs = session.info.pop(_SPECS, None)
    if specs:
        with _specs_lock:
            _committed_specs.setdefault(session.get_bind(), {}).update(
                (definition_id, spec) for definition_id, spec in specs.items() if spec is not None)


@event.listens_for(Session, "after_rollback")
@event.listens_for(Session, "after_soft_rollback")
def _forget_specs(session: Session, *_previous) -> None:
    session.info.pop(_SPECS, None)  # a spec this transaction stored is not stored after all


def keep_spec(session: Session, definition_id: int, spec: str) -> None:
    """Store the version's spec unless it is (two first cases of a version may race: one wins)."""
    insert = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name]
    session.execute(insert(DefinitionSpec).values(definition_id=definition_id, spec=spec)
                    .on_conflict_do_nothing(index_elements=["definition_id"]))
    session.info.setdefault(_SPECS, {})[definition_id] = spec

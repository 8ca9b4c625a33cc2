"""The last committed instance of recently written cases, kept deserialized in this process.

A command loads its case's instance from ``cases.state`` and writes it back; the next command
on the same case (the next task of a sequence, the worker's next wake) would parse the very
bytes just written. Here the instance a command saved is kept after its transaction commits,
together with the exact bytes it stored, and handed to the next command on that case only if
the row it read in its own transaction holds those very bytes: a state another process or
transaction wrote since (or a repair by hand, a migration) differs and is parsed afresh. The
key is the case with the diagram version it runs on, so a case moved to another version never
gets an instance joined with the old version's spec, even if its bytes stayed the same.

An entry is taken out when it is used (a command mutates its instance), and a saved instance
enters only when its transaction commits; on rollback it is dropped. So an instance changed by
a command that failed is never seen again. A read that runs nothing on the instance (a task
page, a preview: ``instances.reading_workflow``) puts it back when it is done, so the POST after
a task page finds the instance its GET read.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session

CAPACITY = 32  # cases per process; a 200-task instance is a few MB in memory
_PENDING = "koopflow_saved_instances"
_entries: OrderedDict = OrderedDict()  # (engine id, (case id, definition id)) -> (engine, stored bytes, instance)
_lock = threading.Lock()
# instance -> the version whose stored spec it was loaded with: only such an instance is kept, so
# a kept one is always what parsing its bytes with that spec gives (a new case's instance, or one
# moved to another version, carries a spec built from the diagram instead, and is parsed afresh)
_loaded: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def loaded(workflow, definition_id: int):
    """Note that ``workflow`` was read from the store with the spec of ``definition_id``."""
    with _lock:
        _loaded[workflow] = definition_id
    return workflow


def take(session: Session, key: tuple[int, int], state: bytes):
    """The instance stored as ``state`` for this case and version (``key``), if this process saved
    it last; else None."""
    engine = session.get_bind()
    with _lock:
        entry = _entries.pop((id(engine), key), None)
    if entry is None or entry[0] is not engine or entry[1] != state:
        return None
    return entry[2]


def keep_after_commit(session: Session, key: tuple[int, int], state: bytes, workflow) -> None:
    """Keep ``workflow`` (just stored as ``state`` for the case and version ``key``) for the next
    command, once the transaction commits."""
    with _lock:
        if _loaded.get(workflow) != key[1]:
            return
    session.info.setdefault(_PENDING, {})[key] = (state, workflow)


def put_back(session: Session, key: tuple[int, int], state: bytes, workflow) -> None:
    """Offer again an instance that was only read, as stored in ``state`` in the transaction that
    read it (nothing ran on it, so it is still what those bytes give); one another command kept
    for the case meanwhile wins. ``take`` compares the bytes again, so a state that was not
    committed after all is never handed out."""
    with _lock:
        if _loaded.get(workflow) != key[1]:
            return
        engine = session.get_bind()
        if (id(engine), key) not in _entries:
            _entries[(id(engine), key)] = (engine, state, workflow)
            while len(_entries) > CAPACITY:
                _entries.popitem(last=False)


def forget_all() -> None:
    with _lock:
        _entries.clear()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    engine = session.get_bind()
    with _lock:
        for key, (state, workflow) in pending.items():
            _entries[(id(engine), key)] = (engine, state, workflow)
            _entries.move_to_end((id(engine), key))
        while len(_entries) > CAPACITY:
            _entries.popitem(last=False)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _soft_rolled_back(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)

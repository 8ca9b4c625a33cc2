"""Two versions of one process side by side: the query behind /processes/<key>/compare."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from workflows.errors import NotFound
from workflows.processes.catalogue import DEFINITION_NOT_FOUND, Element, Version, elements_of, version_of
from workflows.processes.diff import ProcessDiff, diff
from workflows.store.definitions import ProcessDefinition


@dataclass
class Comparison:
    older: ProcessDefinition
    newer: ProcessDefinition
    versions: list[Version]  # all versions of the process, newest first, for the form
    diff: ProcessDiff
    elements: list[Element]  # the newer version's
    older_version: Version | None = None  # human names, who brought them in and why
    newer_version: Version | None = None


def comparison(db, process_key: str, a: int | None, b: int | None) -> Comparison:
    """Versions ``a`` and ``b`` (default: b the newest, a the one before b); the older one is the base."""
    with db.transaction() as session:
        versions = list(session.scalars(select(ProcessDefinition).where(
            ProcessDefinition.process_key == process_key).order_by(
            ProcessDefinition.number.desc().nulls_last(), ProcessDefinition.first_seen_at.desc(), ProcessDefinition.id.desc())))
        if not versions:
            raise NotFound(DEFINITION_NOT_FOUND)
        by_id = {v.id: v for v in versions}
        ids = [v.id for v in versions]
        b = ids[0] if b is None else b
        if a is None and b in ids:  # the version before b, or b itself when it is the first
            a = ids[min(ids.index(b) + 1, len(ids) - 1)]
        if a not in by_id or b not in by_id:
            raise NotFound(DEFINITION_NOT_FOUND)
        rank = {v.id: i for i, v in enumerate(versions)}
        older, newer = sorted((by_id[a], by_id[b]), key=lambda v: -rank[v.id])
        result = diff(older.bpmn_xml, older.forms or {}, newer.bpmn_xml, newer.forms or {})
        elements = elements_of(newer)
        marks = result.marks
        for element in elements:
            element.change = marks.get(element.id)
        return Comparison(older, newer, [version_of(session, v) for v in versions], result, elements,
                          version_of(session, older), version_of(session, newer))

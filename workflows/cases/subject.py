"""A case's subject: whom or what it is about, as its process declares it.

The diagram names process variables in its ``subject`` property (``person.last_name,
person.first_name, person.birth_date`` for a handover, ``request_title, year`` for an annual
request); after every command the case's ``subject`` column and its search terms are brought
in line with what the instance holds. The subject is personal data: the pages show it only to
those who may see the case (the queries that read it ask access first), and nothing puts it
into a mail, a log line or a URL. Retention empties it with the rest (``forget_subject``).
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import delete
from sqlalchemy.orm import Session

from workflows.engine.parsing import read_diagram
from workflows.processes.properties import SCHOOL_END, SUBJECT
from workflows.store.case_search import CaseSearchTerm, replace_terms, terms_of
from workflows.store.cases import Case
from workflows.store.definitions import ProcessDefinition

SUBJECT_LENGTH = 400


@lru_cache(maxsize=128)
def _declared(content_hash: str, xml: str, filename: str) -> tuple[tuple[str, ...], str | None]:
    properties = read_diagram(xml.encode(), filename).process_properties
    paths = tuple(p.strip() for p in (properties.get(SUBJECT.name) or "").split(",") if p.strip())
    return paths, (properties.get(SCHOOL_END.name) or "").strip() or None


def declaration(definition: ProcessDefinition) -> tuple[tuple[str, ...], str | None]:
    """The subject's variable paths and the school-end variable the definition declares."""
    return _declared(definition.content_hash, definition.bpmn_xml, definition.filename)


def value_at(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _shown(value) -> str:
    text = str(value).strip()
    try:
        return date.fromisoformat(text).strftime("%d.%m.%Y") if len(text) == 10 else text
    except ValueError:
        return text


def update_subject(session: Session, case: Case, definition: ProcessDefinition, data: dict) -> None:
    """Set the case's subject from the instance's data. A subject once known stays when later
    data lack it (a process that forgets its variables at the end still says whom it was about)."""
    paths, school_end = declaration(definition)
    values = [v for v in (value_at(data, p) for p in paths) if v not in (None, "")]
    if school_end and value_at(data, school_end):
        try:
            case.school_end_on = date.fromisoformat(str(value_at(data, school_end)))
        except ValueError:
            pass
    if not values or case.personal_data_deleted_at is not None:
        return
    subject = ", ".join(_shown(v) for v in values)[:SUBJECT_LENGTH]
    if subject != case.subject:
        case.subject = subject
        session.flush()  # the case row exists before its terms point at it
        replace_terms(session, case.id, terms_of(values))


def forget_subject(session: Session, case: Case) -> None:
    """Retention: the subject, its search terms and the school end go with the personal data."""
    case.subject = None
    case.school_end_on = None
    session.execute(delete(CaseSearchTerm).where(CaseSearchTerm.case_id == case.id))

"""Search terms of a case's subject: one row per word or date, so "Schneider" or "03.05.2009"
finds a case off an index (``term`` first), whatever the number of cases.

Terms are case-folded words and ISO dates (``2009-05-03``); a German date typed into a search
is turned into the ISO form first (workflows/cases/case_list.py). Retention deletes a case's
terms with its subject.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import ForeignKey, Index, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from workflows.store.db import Base

TERM_LENGTH = 100
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# an upper bound for "starts with": no real term goes past this character after its prefix
PREFIX_END = "\U0010ffff"


class CaseSearchTerm(Base):
    __tablename__ = "case_search_terms"
    __table_args__ = (Index("ix_case_search_terms_term", "term", "case_id"),)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    term: Mapped[str] = mapped_column(String(TERM_LENGTH), primary_key=True)


def normalise(word: str) -> str:
    return word.casefold()[:TERM_LENGTH]


def terms_of(values: list) -> set[str]:
    """The terms a subject's values give: ISO dates whole, every other value word by word."""
    terms = set()
    for value in values:
        if isinstance(value, date):
            terms.add(value.isoformat())
            continue
        text = str(value).strip()
        if _ISO_DATE.match(text):
            terms.add(text)
            continue
        terms.update(normalise(word) for word in _WORD.findall(text))
    return terms


def replace_terms(session: Session, case_id: int, terms: set[str]) -> None:
    session.execute(delete(CaseSearchTerm).where(CaseSearchTerm.case_id == case_id))
    session.add_all(CaseSearchTerm(case_id=case_id, term=term) for term in sorted(terms))


def cases_with_term_prefix(prefix: str):
    """A subquery of the ids of cases with a term that starts with ``prefix`` (already normalised)."""
    return select(CaseSearchTerm.case_id).where(CaseSearchTerm.term >= prefix,
                                                CaseSearchTerm.term < prefix + PREFIX_END)


def cases_with_term(term: str):
    return select(CaseSearchTerm.case_id).where(CaseSearchTerm.term == term)

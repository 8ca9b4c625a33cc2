"""Review comments on a process's elements: write, list, resolve.

Comments hold no case data. They belong to the process key and element id, so they carry
over to later versions, and to one agreement: only users of that agreement read and resolve
them and see who wrote them (a comment from before agreements were kept is shown to
everyone without names).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.processes.catalogue import viewer_agreements
from workflows.store.comments import ReviewComment
from workflows.store.users import User

MAX_LENGTH = 2000
EMPTY = "Bitte schreiben Sie einen Kommentar."
TOO_LONG = f"Der Kommentar darf höchstens {MAX_LENGTH} Zeichen lang sein."
NO_ELEMENT = "Bitte wählen Sie ein Element des Diagramms."
COMMENT_NOT_FOUND = "Diesen Kommentar gibt es nicht."
CHOOSE_AGREEMENT = "Bitte wählen Sie die Vereinbarung, für die Ihr Kommentar gilt."
NO_AGREEMENT = "Sie arbeiten in keiner Vereinbarung mit und können hier nicht kommentieren."
HIDDEN_AUTHOR = "–"


@dataclass(frozen=True)
class CommentView:
    id: int
    element_id: str
    body: str
    author: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None


def add_comment(db, clock, actor: Actor, process_key: str, element_ids: set[str], element_id: str,
                body: str, agreement_id: str | None = None) -> int:
    """Store a comment on ``element_id`` (one of ``element_ids``, the version's elements) for
    ``agreement_id`` (one of the actor's agreements; may be left out if they have only one)."""
    body = (body or "").strip()
    errors = {}
    with db.transaction() as session:
        mine = [a for a, _ in viewer_agreements(session, actor)]
    if not mine:
        errors["agreement_id"] = NO_AGREEMENT
    elif agreement_id not in mine:
        if agreement_id or len(mine) > 1:
            errors["agreement_id"] = CHOOSE_AGREEMENT
        agreement_id = mine[0]
    if element_id not in element_ids:
        errors["element_id"] = NO_ELEMENT
    if not body:
        errors["body"] = EMPTY
    elif len(body) > MAX_LENGTH:
        errors["body"] = TOO_LONG
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as session:
        comment = ReviewComment(process_key=process_key, element_id=element_id, body=body,
                                author_id=actor.user_id, created_at=clock.now(), agreement_id=agreement_id)
        session.add(comment)
        session.flush()
        return comment.id


def resolve_comment(db, clock, actor: Actor, process_key: str, comment_id: int) -> None:
    with db.transaction() as session:
        comment = session.get(ReviewComment, comment_id)
        mine = {a for a, _ in viewer_agreements(session, actor)}
        if comment is None or comment.process_key != process_key or comment.agreement_id not in mine | {None}:
            raise NotFound(COMMENT_NOT_FOUND)
        if comment.resolved_at is None:
            comment.resolved_at, comment.resolved_by_id = clock.now(), actor.user_id


def comments_of(db, process_key: str, include_resolved: bool = False, actor: Actor | None = None) -> list[CommentView]:
    """The process's comments, oldest first; open ones only unless ``include_resolved``; for a
    viewer only those of their agreements (and the old ones without agreement, names hidden)."""
    author, resolver = aliased(User), aliased(User)
    query = (select(ReviewComment, author.display_name, resolver.display_name)
             .join(author, author.id == ReviewComment.author_id)
             .outerjoin(resolver, resolver.id == ReviewComment.resolved_by_id)
             .where(ReviewComment.process_key == process_key)
             .order_by(ReviewComment.created_at, ReviewComment.id))
    if not include_resolved:
        query = query.where(ReviewComment.resolved_at.is_(None))
    with db.transaction() as session:
        if actor is not None:
            mine = [a for a, _ in viewer_agreements(session, actor)]
            query = query.where(ReviewComment.agreement_id.in_(mine) | ReviewComment.agreement_id.is_(None))
        rows = session.execute(query).all()
    hidden = actor is not None
    return [CommentView(c.id, c.element_id, c.body, HIDDEN_AUTHOR if hidden and c.agreement_id is None else name,
                        c.created_at, c.resolved_at,
                        HIDDEN_AUTHOR if hidden and c.agreement_id is None and resolved_by else resolved_by)
            for c, name, resolved_by in rows]

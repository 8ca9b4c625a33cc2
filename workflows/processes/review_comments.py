"""Review comments on a process's elements: write, list, resolve.

Comments hold no case data; every signed-in user may read, write and resolve them. They
belong to the process key and element id, so they carry over to later versions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from workflows.errors import NotFound, ValidationFailed
from workflows.people.access import Actor
from workflows.store.comments import ReviewComment
from workflows.store.users import User

MAX_LENGTH = 2000
EMPTY = "Bitte schreiben Sie einen Kommentar."
TOO_LONG = f"Der Kommentar darf höchstens {MAX_LENGTH} Zeichen lang sein."
NO_ELEMENT = "Bitte wählen Sie ein Element des Diagramms."
COMMENT_NOT_FOUND = "Diesen Kommentar gibt es nicht."


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
                body: str) -> int:
    """Store a comment on ``element_id`` (one of ``element_ids``, the version's elements)."""
    body = (body or "").strip()
    errors = {}
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
                                author_id=actor.user_id, created_at=clock.now())
        session.add(comment)
        session.flush()
        return comment.id


def resolve_comment(db, clock, actor: Actor, process_key: str, comment_id: int) -> None:
    with db.transaction() as session:
        comment = session.get(ReviewComment, comment_id)
        if comment is None or comment.process_key != process_key:
            raise NotFound(COMMENT_NOT_FOUND)
        if comment.resolved_at is None:
            comment.resolved_at, comment.resolved_by_id = clock.now(), actor.user_id


def comments_of(db, process_key: str, include_resolved: bool = False) -> list[CommentView]:
    """The process's comments, oldest first; open ones only unless ``include_resolved``."""
    author, resolver = aliased(User), aliased(User)
    query = (select(ReviewComment, author.display_name, resolver.display_name)
             .join(author, author.id == ReviewComment.author_id)
             .outerjoin(resolver, resolver.id == ReviewComment.resolved_by_id)
             .where(ReviewComment.process_key == process_key)
             .order_by(ReviewComment.created_at, ReviewComment.id))
    if not include_resolved:
        query = query.where(ReviewComment.resolved_at.is_(None))
    with db.transaction() as session:
        return [CommentView(c.id, c.element_id, c.body, name, c.created_at, c.resolved_at, resolved_by)
                for c, name, resolved_by in session.execute(query)]

"""Reading the outbox (the Postausgang page): newest first, page by page."""
from __future__ import annotations

from sqlalchemy import select

from workflows.errors import NotFound
from workflows.people.access import Actor, require_admin
from workflows.store.outbox import OutboxMail

PAGE = 50


def outbox_page(db, actor: Actor, before: int | None = None) -> list[OutboxMail]:
    require_admin(actor)
    with db.transaction(read_only=True) as session:
        query = select(OutboxMail).order_by(OutboxMail.id.desc()).limit(PAGE)
        if before:
            query = query.where(OutboxMail.id < before)
        return list(session.scalars(query))


def outbox_mail(db, actor: Actor, mail_id: int) -> OutboxMail:
    require_admin(actor)
    with db.transaction(read_only=True) as session:
        mail = session.get(OutboxMail, mail_id)
        if mail is None:
            raise NotFound("Diese Mail gibt es nicht.")
        return mail

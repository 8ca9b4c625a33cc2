"""People who log in, the org units they belong to, and their personal API tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, bindparam, select, update
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column, relationship

from workflows.store.db import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Part of the secret address of the user's deadline calendar; a new key revokes the old one.
    calendar_key: Mapped[str | None] = mapped_column(String(64))
    # New tasks in my inboxes by mail: immediate | digest (daily) | none
    mail_preference: Mapped[str] = mapped_column(String(20), default="immediate", server_default="immediate")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Part of every login session of the user; raising it ends them all (logout, password change).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # "<issuer> <sub>" of an account that logs in through OpenID Connect (service/web/oidc.py).
    oidc_subject: Mapped[str | None] = mapped_column(String(300), unique=True)
    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def org_unit_ids(self) -> list[str]:
        return sorted(m.org_unit_id for m in self.memberships)


class Membership(Base):
    """User ``user_id`` works in org unit ``org_unit_id``; ``is_lead`` marks its leads."""

    __tablename__ = "memberships"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    org_unit_id: Mapped[str] = mapped_column(ForeignKey("org_units.id"), primary_key=True, index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    user: Mapped[User] = relationship(back_populates="memberships")


class ApiToken(Base):
    """A personal API token; only its SHA-256 is kept, the token itself is shown once."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("token_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None (older tokens): created_at + 1 year
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def leads_of(session: Session, org_unit_ids: list[str]) -> list[User]:
    """Active leads of any of these org units, by name."""
    if not org_unit_ids:
        return []
    return list(session.scalars(
        select(User).join(Membership)
        .where(Membership.org_unit_id.in_(org_unit_ids), Membership.is_lead.is_(True), User.active.is_(True))
        .distinct().order_by(User.display_name)))


def is_active_member(session: Session, user_id: int, org_unit_ids: list[str]) -> bool:
    """Whether the user is active and in any of these org units (``members_of``, for one user)."""
    return bool(org_unit_ids) and session.scalar(
        select(Membership.user_id).join(User)
        .where(Membership.user_id == user_id, Membership.org_unit_id.in_(org_unit_ids), User.active.is_(True))
        .limit(1)) is not None


# built once (the worker's reminders and every new task's mail read them)
_MEMBERS = (select(User).join(Membership)
            .where(Membership.org_unit_id.in_(bindparam("units", expanding=True)), User.active.is_(True))
            .distinct().order_by(User.display_name))
_MEMBERS_ONLY = _MEMBERS.options(lazyload(User.memberships))


def members_of(session: Session, org_unit_ids: list[str], memberships: bool = True) -> list[User]:
    """Active users in any of these org units, by name. ``memberships=False``: their memberships
    are not read with them (a caller that only mails them saves that statement; they are read
    when touched)."""
    if not org_unit_ids:
        return []
    return list(session.scalars(_MEMBERS if memberships else _MEMBERS_ONLY, {"units": list(org_unit_ids)}))


# Who a request acts as, one row per membership (``people.access.Actor.of_rows``). Read as plain
# rows, not objects: building a user with their memberships' joined load cost more than the
# statement, and every request starts with one of the two reads below.
_HOLDER = (User.id.label("user_id"), User.username, User.display_name, User.is_admin, User.active,
           Membership.org_unit_id, Membership.is_lead)

# built once: every API request starts here
_TOKEN_HOLDER = (
    select(ApiToken.id, ApiToken.revoked, ApiToken.created_at, ApiToken.expires_at, ApiToken.last_used_at, *_HOLDER)
    .outerjoin(User, User.id == ApiToken.user_id).outerjoin(Membership, Membership.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash")))


def token_holder(session: Session, token_hash: str) -> list:
    """The token with this hash and its user, one row per membership of the user (one row
    with no org unit if they have none); empty if no token has this hash. Each row: the
    token's ``id, revoked, created_at, expires_at, last_used_at``, the user's ``user_id,
    username, display_name, is_admin, active``, the membership's ``org_unit_id, is_lead``."""
    return session.execute(_TOKEN_HOLDER, {"token_hash": token_hash}).all()


_NOTE_USE = (update(ApiToken).where(ApiToken.id == bindparam("token_id")).values(last_used_at=bindparam("used_at"))
             .execution_options(synchronize_session=False))


def note_token_use(session: Session, token_id: int, at: datetime) -> None:
    session.execute(_NOTE_USE, {"token_id": token_id, "used_at": at})


# built once: every request of a logged-in person starts here
_SESSION_HOLDER = (select(User.session_generation, *_HOLDER).outerjoin(Membership, Membership.user_id == User.id)
                   .where(User.id == bindparam("user_id")))


def user_with_memberships(session: Session, user_id: int) -> list:
    """The user's ``user_id, username, display_name, is_admin, active, session_generation``, one
    row per membership with its ``org_unit_id, is_lead`` (one row with None if they have none);
    empty if there is no such user."""
    return session.execute(_SESSION_HOLDER, {"user_id": user_id}).all()

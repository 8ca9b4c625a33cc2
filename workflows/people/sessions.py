"""Login sessions and API tokens that end when they should, on the server's side.

A login session carries the user's *session generation* (``users.session_generation``) next
to the user id. Logging out, changing the password or an admin's "end all sessions" raises the
generation (``end_sessions``): every cookie issued before - also a copied one - stops working
at its next request. API tokens expire (``TOKEN_LIFETIME`` after issue unless given another
date), remember their last use, and can be listed and revoked by their user or an admin.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows.errors import NotFound
from workflows.people.access import Actor
from workflows.store.users import ApiToken, User, note_token_use, user_by_username, user_with_memberships

TOKEN_LIFETIME = timedelta(days=365)
# Last use is written at most this often per token (not one write per API call).
LAST_USE_STEP = timedelta(minutes=5)


def end_sessions(session: Session, user: User) -> None:
    """End every login session of ``user`` (call inside the command's transaction: logout,
    password change, an admin ending them)."""
    user.session_generation = (user.session_generation or 0) + 1


def end_sessions_of(db, username: str) -> None:
    """An admin (page or CLI) ends all sessions of a user."""
    with db.transaction() as session:
        user = user_by_username(session, username)
        if user is None:
            raise NotFound(f"Benutzer {username} gibt es nicht.")
        end_sessions(session, user)


def end_session_of_user(db, user_id: int) -> None:
    """Logout: the user's sessions end on the server, not only the cookie in this browser."""
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is not None:
            end_sessions(session, user)


def session_key(db, user_id: int) -> str:
    """What the session cookie keeps for a user: ``<id>:<generation>``."""
    with db.transaction(read_only=True) as session:
        user = session.get(User, user_id)
        return f"{user_id}:{user.session_generation or 0}"


def actor_for_session(db, key: str) -> Actor | None:
    """The session's user if the key still holds (active user, current generation)."""
    user_id, _, generation = key.partition(":")
    if not user_id.isdigit() or not generation.isdigit():
        return None  # also a cookie from before generations existed
    with db.transaction(read_only=True) as session:  # every request: never waits for a write lock
        # the user with their memberships in one statement
        rows = user_with_memberships(session, int(user_id)) if int(user_id) < 2**31 else []
        if not rows or not rows[0].active or (rows[0].session_generation or 0) != int(generation):
            return None
        return Actor.of_rows(rows)


# --- API tokens ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenInfo:
    id: int
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool

    def state(self, now: datetime) -> str:
        if self.revoked:
            return "widerrufen"
        return "abgelaufen" if self.expires_at <= now else "gültig"


def expiry_of(row: ApiToken) -> datetime:
    return row.expires_at or row.created_at + TOKEN_LIFETIME


def token_usable(session: Session, row, now: datetime) -> bool:
    """Whether a token found by its hash (a row of ``store.users.token_holder``, or None) may be
    used now; notes its use (at most once per LAST_USE_STEP)."""
    if row is None or row.revoked or expiry_of(row) <= now:
        return False
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_STEP:
        note_token_use(session, row.id, now)
    return True


def tokens_of(db, user_id: int) -> list[TokenInfo]:
    with db.transaction() as session:
        rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
        return [TokenInfo(r.id, r.created_at, expiry_of(r), r.last_used_at, r.revoked) for r in rows]


def tokens_of_username(db, username: str) -> list[TokenInfo]:
    with db.transaction() as session:
        user = user_by_username(session, username)
        if user is None:
            raise NotFound(f"Benutzer {username} gibt es nicht.")
        user_id = user.id
    return tokens_of(db, user_id)


def revoke_token(db, token_id: int, user_id: int | None = None) -> None:
    """Revoke one token: its user's own (``user_id`` given) or any (CLI, admin)."""
    with db.transaction() as session:
        row = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
        if row is None or (user_id is not None and row.user_id != user_id):
            raise NotFound("Dieses API-Token gibt es nicht.")
        row.revoked = True

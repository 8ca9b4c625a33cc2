"""Local accounts (argon2 password hashes), personal API tokens, demo users."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from workflows.errors import NotFound
from workflows.people.access import Actor
from workflows.people.sessions import TOKEN_LIFETIME, token_usable
from workflows.store.organisation import Agency, OrgUnit
from workflows.store.users import ApiToken, Membership, User, token_holder, user_by_username

_HASHER = PasswordHasher()
# Verifying against this keeps a login for an unknown name as slow as for a known one.
_DUMMY_HASH = _HASHER.hash("not-a-password")
TOKEN_PREFIX = "kf_"


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (an account without one matches nothing)."""
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored is not None


def authenticate(db, username: str, password: str) -> Actor | None:
    with db.transaction() as session:
        user = user_by_username(session, username)
        stored = user.password_hash if user and user.active and user.password_hash else _DUMMY_HASH
        try:
            _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or stored is _DUMMY_HASH:
            return None
        if _HASHER.check_needs_rehash(stored):
            user.password_hash = _HASHER.hash(password)
        return Actor.of(user)


def actor_by_id(db, user_id: int) -> Actor | None:
    with db.transaction(read_only=True) as session:
        user = session.get(User, user_id)
        return Actor.of(user) if user and user.active else None


def create_api_token(db, clock, username: str, expires_at: datetime | None = None) -> str:
    """A new personal token, valid until ``expires_at`` (default: a year); printed once,
    only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with db.transaction() as session:
        user = user_by_username(session, username)
        if user is None:
            raise NotFound(f"Benutzer {username} gibt es nicht.")
        session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                             expires_at=expires_at or now + TOKEN_LIFETIME))
    return token


def actor_for_token(db, clock, token: str) -> Actor | None:
    """The token's user, if the token is neither revoked nor expired (its use is noted)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with db.transaction() as session:
        rows = token_holder(session, _token_hash(token))  # token, user and memberships in one statement
        if not token_usable(session, rows[0] if rows else None, clock.now()):
            return None
        return Actor.of_rows(rows) if rows[0].user_id is not None and rows[0].active else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_all_demo_users(db, clock, directory: Path) -> int:
    """The demo users of every agreement in ``directory`` (``*.demo-users.yaml``); how many were added."""
    return sum(load_demo_users(db, clock, path) for path in sorted(directory.glob("*.demo-users.yaml")))


def load_demo_users(db, clock, path: Path) -> int:
    """Create the users of a demo file that do not exist yet; returns how many were added."""
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    password_hash = hash_password(spec["password"])
    added = 0
    with db.transaction() as session:
        for entry in spec["users"]:
            if user_by_username(session, entry["username"]) is not None:
                continue
            user = User(username=entry["username"], display_name=entry["display_name"],
                        email=entry.get("email") or f"{entry['username']}@demo.invalid",
                        password_hash=password_hash, active=True, created_at=clock.now(),
                        is_admin=bool(entry.get("admin")), mail_preference="immediate")
            for unit in entry["org_units"]:
                user.memberships.append(Membership(org_unit_id=unit, is_lead=bool(entry.get("lead"))))
            session.add(user)
            added += 1
    return added


MAIL_PREFERENCES = {"immediate": "Sofort eine Mail je neuer Aufgabe",
                    "digest": "Einmal täglich eine Zusammenfassung",
                    "none": "Keine Mails zu neuen Aufgaben"}


def mail_preference(db, user_id: int) -> str:
    with db.transaction() as session:
        return session.get(User, user_id).mail_preference


def set_mail_preference(db, user_id: int, preference: str) -> None:
    if preference not in MAIL_PREFERENCES:
        raise ValueError(preference)
    with db.transaction() as session:
        session.get(User, user_id).mail_preference = preference


def user_listing(db) -> list[tuple[str, str, str, list[str]]]:
    """(username, display name, agencies, org units) for every user."""
    with db.transaction() as session:
        units = {u.id: u for u in session.scalars(select(OrgUnit))}
        agencies = {a.id: a.short_name for a in session.scalars(select(Agency))}
        listing = []
        for user in session.scalars(select(User).order_by(User.username)):
            unit_rows = [units[i] for i in user.org_unit_ids if i in units]
            agency_names = sorted({agencies.get(u.agency_id, u.agency_id) for u in unit_rows})
            listing.append((user.username, user.display_name, ", ".join(agency_names), [u.name for u in unit_rows]))
        return listing


def users_outside_demo(db, directory: Path) -> list[str]:
    """Usernames in the database that no demo file in ``directory`` names: real accounts."""
    demo = {entry["username"] for path in sorted(directory.glob("*.demo-users.yaml"))
            for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["users"]}
    with db.transaction() as session:
        return sorted(name for name in session.scalars(select(User.username)) if name not in demo)

"""User administration: create and change local accounts, their org units and passwords,
deactivate them — by administrators on a page or by the operator on the shell.

Passwords follow the BSI's current guidance (IT-Grundschutz ORP.4.A22/A23: length over
composition rules): at least 12 characters, at most 128, not the user name, not a password
from the small list of common ones shipped in ``data/common_passwords.txt``. Hashes are
argon2 (``accounts.hash_password``). Deactivating a user ends their sessions and API tokens
(both are checked against ``active`` on every request: ``accounts.actor_by_id``,
``accounts.actor_for_token``) and gives their claimed open tasks back to their groups.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from workflows.errors import NotFound, ValidationFailed
from workflows.people.accounts import hash_password
from workflows.people.sessions import end_sessions
from workflows.store.audit_log import append
from workflows.store.history import record
from workflows.store.organisation import OrgUnit
from workflows.store.tasks import OPEN, HumanTask
from workflows.store.users import Membership, User, user_by_username

MIN_PASSWORD, MAX_PASSWORD = 12, 128
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,99}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """The German reason a password is refused, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Das Passwort muss mindestens {MIN_PASSWORD} Zeichen lang sein."
    if len(password) > MAX_PASSWORD:
        return f"Das Passwort darf höchstens {MAX_PASSWORD} Zeichen lang sein."
    if username and username.lower() in password.lower():
        return "Das Passwort darf den Benutzernamen nicht enthalten."
    if password.lower() in _common() or len(set(password)) < 4:
        return "Dieses Passwort ist zu verbreitet oder zu einfach. Bitte wählen Sie ein anderes."
    return None


def password_changed(session, user: User) -> None:
    """The one place every password change passes: every session of the user ends (their
    session generation moves on), in the command's own transaction."""
    end_sessions(session, user)


def _user(session, username: str) -> User:
    user = user_by_username(session, username)
    if user is None:
        raise NotFound(f"Benutzer {username} gibt es nicht.")
    return user


def _units(session, units: list[str]) -> None:
    unknown = [u for u in units if session.get(OrgUnit, u) is None]
    if unknown:
        raise ValidationFailed({"org_units": f"Diese Organisationseinheit gibt es nicht: {', '.join(unknown)}."})


def create_user(db, clock, username: str, display_name: str, email: str | None, password: str | None,
                org_units: list[str], *, lead: bool = False, admin: bool = False, by: int | None = None) -> User:
    errors = {}
    username = username.strip()
    if not USERNAME.fullmatch(username):
        errors["username"] = ("Der Benutzername besteht aus 2 bis 100 Kleinbuchstaben, Ziffern, Punkt, "
                              "Binde- oder Unterstrich.")
    if not display_name.strip():
        errors["display_name"] = "Bitte geben Sie den Namen an."
    if email and not EMAIL.fullmatch(email.strip()):
        errors["email"] = "Bitte geben Sie eine gültige Mailadresse an."
    if password is not None and (problem := password_problem(password, username)):
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as session:
        if user_by_username(session, username) is not None:
            raise ValidationFailed({"username": f"Den Benutzernamen {username} gibt es schon."})
        _units(session, org_units)
        now = clock.now()
        user = User(username=username, display_name=display_name.strip(), email=(email or "").strip() or None,
                    password_hash=hash_password(password) if password else None, active=True, created_at=now,
                    is_admin=admin, mail_preference="immediate")
        for unit in dict.fromkeys(org_units):
            user.memberships.append(Membership(org_unit_id=unit, is_lead=lead))
        session.add(user)
        session.flush()
        append(session, now, "user.created", actor_id=by, target=f"Benutzer {user.id}")
        return user


def set_password(db, clock, username: str, password: str, *, by: int | None = None) -> None:
    with db.transaction() as session:
        user = _user(session, username)
        if problem := password_problem(password, user.username):
            raise ValidationFailed({"password": problem})
        user.password_hash = hash_password(password)
        password_changed(session, user)
        append(session, clock.now(), "user.password_set", actor_id=by, target=f"Benutzer {user.id}")


def set_units(db, clock, username: str, add: list[str] = (), remove: list[str] = (), *, lead: bool = False,
              by: int | None = None) -> list[str]:
    """Add and remove org units; returns the user's units afterwards."""
    with db.transaction() as session:
        user = _user(session, username)
        _units(session, list(add))
        have = {m.org_unit_id: m for m in user.memberships}
        for unit in add:
            if unit in have:
                have[unit].is_lead = lead or have[unit].is_lead
            else:
                user.memberships.append(Membership(org_unit_id=unit, is_lead=lead))
        for unit in remove:
            if unit in have:
                user.memberships.remove(have[unit])
        append(session, clock.now(), "user.units_changed", actor_id=by, target=f"Benutzer {user.id}")
        session.flush()
        return sorted(m.org_unit_id for m in user.memberships)


def deactivate_user(db, clock, username: str, *, by: int | None = None) -> int:
    """Deactivate; their claimed open tasks go back to their groups. Returns how many."""
    with db.transaction() as session:
        user = _user(session, username)
        user.active = False
        now = clock.now()
        claimed = session.scalars(select(HumanTask).where(HumanTask.assignee_id == user.id,
                                                          HumanTask.state == OPEN)).all()
        for task in claimed:
            task.assignee_id = None
            record(session, now, "task.unclaimed", case_id=task.case_id, actor_id=by, task_name=task.name)
        password_changed(session, user)
        append(session, now, "user.deactivated", actor_id=by, target=f"Benutzer {user.id}")
        return len(claimed)

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

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.people.accounts import hash_password, verify_password
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
        if by is not None and by == user.id:
            raise Conflict("Sie können Ihr eigenes Konto nicht deaktivieren.")
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


def _check_email(email: str | None) -> str | None:
    """The German reason an address is refused, or None (empty: no address)."""
    if email and not EMAIL.fullmatch(email.strip()):
        return "Bitte geben Sie eine gültige Mailadresse an."
    return None


def update_user(db, clock, username: str, *, display_name: str | None = None, email: str | None = None,
                org_units: list[str] | None = None, by: int | None = None) -> User:
    """Change the display name, the mail address ("" removes it) and the set of org units
    (None: left as they are). One transaction; German messages per field."""
    errors = {}
    if display_name is not None and not display_name.strip():
        errors["display_name"] = "Bitte geben Sie den Namen an."
    if problem := _check_email(email):
        errors["email"] = problem
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as session:
        user = _user(session, username)
        if display_name is not None:
            user.display_name = display_name.strip()
        if email is not None:
            user.email = email.strip() or None
        if org_units is not None:
            _units(session, org_units)
            have = {m.org_unit_id: m for m in user.memberships}
            for unit in list(have):
                if unit not in org_units:
                    user.memberships.remove(have[unit])
            for unit in dict.fromkeys(org_units):
                if unit not in have:
                    user.memberships.append(Membership(org_unit_id=unit, is_lead=False))
        append(session, clock.now(), "user.updated", actor_id=by, target=f"Benutzer {user.id}")
        session.flush()
        return user


@dataclass
class UserRow:
    id: int
    username: str
    display_name: str
    email: str | None
    active: bool
    is_admin: bool
    org_units: list[str]
    leads: list[str]
    has_password: bool


def _row(user: User) -> UserRow:
    return UserRow(user.id, user.username, user.display_name, user.email, user.active, user.is_admin,
                   user.org_unit_ids, sorted(m.org_unit_id for m in user.memberships if m.is_lead),
                   user.password_hash is not None)


def list_users(db) -> list[UserRow]:
    with db.transaction() as session:
        return [_row(u) for u in session.scalars(select(User).order_by(User.active.desc(), User.username))]


def user_by_id(db, user_id: int) -> UserRow:
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("Diesen Benutzer gibt es nicht.")
        return _row(user)


def change_own_password(db, clock, user_id: int, current: str, new: str, repeated: str) -> None:
    """A signed-in user changes their password: the current one is required, the policy applies."""
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Diesen Benutzer gibt es nicht.")
        errors = {}
        if not verify_password(user.password_hash, current):
            errors["current_password"] = "Das bisherige Passwort stimmt nicht."
        if problem := password_problem(new, user.username):
            errors["new_password"] = problem
        elif new != repeated:
            errors["repeat_password"] = "Die beiden neuen Passwörter stimmen nicht überein."
        if errors:
            raise ValidationFailed(errors)
        user.password_hash = hash_password(new)
        password_changed(session, user)
        append(session, clock.now(), "user.password_changed", actor_id=user.id, target=f"Benutzer {user.id}")


def change_own_email(db, clock, user_id: int, email: str) -> None:
    if problem := _check_email(email):
        raise ValidationFailed({"email": problem})
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("Diesen Benutzer gibt es nicht.")
        user.email = email.strip() or None
        append(session, clock.now(), "user.email_changed", actor_id=user.id, target=f"Benutzer {user.id}")


# CSV import for onboarding a whole office: one account per row, each row in its own
# transaction (``create_user``), so one bad row never stops the others. Accounts come
# without a password (a password in a file is one too many copies): the office sets one
# with `koopflow user set-password` / on the page, or the account logs in through OpenID.
IMPORT_COLUMNS = ("username", "display_name", "email", "units")
CREATED, REFUSED = "angelegt", "abgelehnt"
FIELD_LABELS = {"username": "Benutzername", "display_name": "Name", "email": "Mailadresse",
                "org_units": "Organisationseinheiten", "password": "Passwort", "units": "Organisationseinheiten"}


@dataclass
class ImportResult:
    row: int  # the line in the file (the header is line 1)
    username: str
    result: str  # CREATED | REFUSED
    reason: str = ""


def _reason(errors: dict) -> str:
    return " ".join(f"{FIELD_LABELS.get(field, field)}: {message}" for field, message in errors.items())


def read_import(text: str) -> list[dict]:
    """The rows of an import file (``;`` or ``,`` separated, header with ``IMPORT_COLUMNS``;
    ``units`` separated by spaces or ``|``). Raises ValidationFailed for a file it cannot read."""
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in ("username", "display_name") if c not in header]
    if missing:
        raise ValidationFailed({"file": "Die erste Zeile muss die Spalten " + ";".join(IMPORT_COLUMNS)
                                + " nennen (username und display_name sind Pflicht)."})
    reader.fieldnames = header
    return [{key: (value or "").strip() if isinstance(value, str) else "" for key, value in row.items() if key}
            for row in reader]


def import_users(db, clock, text: str, *, by: int | None = None, progress=None) -> list[ImportResult]:
    """Create one account per row; ``progress(done, total)`` after each row."""
    rows = read_import(text)
    results = []
    for number, row in enumerate(rows, start=2):
        username = row.get("username", "")
        units = [u for u in re.split(r"[\s|]+", row.get("units", "")) if u]
        try:
            create_user(db, clock, username, row.get("display_name", ""), row.get("email") or None, None, units,
                        by=by)
            results.append(ImportResult(number, username, CREATED))
        except ValidationFailed as exc:
            results.append(ImportResult(number, username, REFUSED, _reason(exc.errors)))
        if progress:
            progress(len(results), len(rows))
    return results


def org_unit_choices(db) -> list[str]:
    """Every org unit's id, for the units of an account."""
    with db.transaction() as session:
        return list(session.scalars(select(OrgUnit.id).order_by(OrgUnit.id)))

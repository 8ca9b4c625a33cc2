"""Login rate limiting: after repeated failures an account, or a client address, is locked
for a while. Failures are rows in the database (``store/logins.py``), so every web process
sees the same count, and time comes from the clock.

The count is kept per name typed, whether such an account exists or not, and the message
is the same either way: a lockout tells an attacker nothing about which names exist.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from workflows.store.logins import LoginFailure, failures_since, forget_failures

ACCOUNT_LIMIT = 5  # failures per name typed …
ADDRESS_LIMIT = 20  # … or per client address …
WINDOW = timedelta(minutes=15)  # … within this time lock further attempts until the oldest ages out
KEEP = timedelta(days=1)
LOCKED = ("Zu viele fehlgeschlagene Anmeldeversuche. Die Anmeldung ist vorübergehend gesperrt; "
          "bitte versuchen Sie es in 15 Minuten noch einmal.")


def account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def is_locked(db, clock, username: str, client_address: str) -> bool:
    since = clock.now() - WINDOW
    with db.transaction() as session:
        by_account = failures_since(session, since, account_key=account_key(username))
        by_address = failures_since(session, since, client_address=client_address)
    return by_account >= ACCOUNT_LIMIT or by_address >= ADDRESS_LIMIT


def note_failure(db, clock, username: str, client_address: str) -> None:
    """Count one failure; failures older than a day are of no use any more and go."""
    with db.transaction() as session:
        forget_failures(session, older_than=clock.now() - KEEP)
        session.add(LoginFailure(at=clock.now(), account_key=account_key(username), client_address=client_address))


def note_success(db, clock, username: str) -> None:
    """A good password clears the account's failures."""
    with db.transaction() as session:
        forget_failures(session, account_key=account_key(username))

"""Login throttling that cannot be turned against someone.

Failures are rows in the database (``store/logins.py``), so every web process sees the same
count, and time comes from the clock. Two counts, each with a delay that grows with every
further failure (doubling, capped at ``MAX_DELAY``):

- per (name typed, client address): after ``PAIR_FREE`` failures the next try from that
  address for that name waits ``BASE_DELAY``, then 2×, 4× … A guesser slows down; the
  account's owner, at another address that has not failed, logs in at once with the right
  password (no lockout by name alone, so nobody can lock someone else out).
- per client address (all names): after ``ADDRESS_FREE`` failures, likewise. Behind a
  reverse proxy this counts the proxy unless ``KOOPFLOW_TRUSTED_PROXIES`` is set (see
  docs/security.md; the app warns in its log when X-Forwarded-For arrives without it).

The count is kept per name typed, whether such an account exists or not, and the message
is the same either way: a refusal tells an attacker nothing about which names exist.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from workflows.store.logins import LoginFailure, failure_stats, forget_failures

PAIR_FREE = 5  # failures per name and address before delays begin …
ADDRESS_FREE = 20  # … and per address for all names
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
KEEP = timedelta(days=1)  # failures older than this no longer count
LOCKED = ("Zu viele fehlgeschlagene Anmeldeversuche. Die Anmeldung ist von hier aus vorübergehend gesperrt; "
          "bitte versuchen Sie es in einigen Minuten noch einmal.")


def account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()


def delay_after(failures: int, free: int) -> timedelta:
    """How long after the latest failure the next try must wait."""
    if failures < free:
        return timedelta(0)
    return min(BASE_DELAY * 2 ** min(failures - free, 20), MAX_DELAY)


def wait_time(db, clock, username: str, client_address: str) -> timedelta:
    """How long this name from this address must still wait (zero: it may try now)."""
    now = clock.now()
    since = now - KEEP
    with db.transaction() as session:
        pair = failure_stats(session, since, account_key=account_key(username), client_address=client_address)
        address = failure_stats(session, since, client_address=client_address)
    waits = [last + delay_after(count, free) - now
             for (count, last), free in ((pair, PAIR_FREE), (address, ADDRESS_FREE)) if last is not None]
    return max([timedelta(0), *waits])


def is_locked(db, clock, username: str, client_address: str) -> bool:
    return wait_time(db, clock, username, client_address) > timedelta(0)


def note_failure(db, clock, username: str, client_address: str) -> None:
    """Count one failure; failures older than a day are of no use any more and go."""
    with db.transaction() as session:
        forget_failures(session, older_than=clock.now() - KEEP)
        session.add(LoginFailure(at=clock.now(), account_key=account_key(username), client_address=client_address))


def note_success(db, clock, username: str, client_address: str | None = None) -> None:
    """A good password clears the failures of that name from that address (all addresses if
    none is given)."""
    with db.transaction() as session:
        forget_failures(session, account_key=account_key(username), client_address=client_address)

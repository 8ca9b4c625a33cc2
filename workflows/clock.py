"""The one source of "now".

Nothing in KoopFlow calls ``datetime.now()`` directly: every command gets a clock, so tests
can move through years in seconds and deadlines are computed against a controlled time.
Deadlines are dates in Europe/Berlin; instants are stored in UTC.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


class SystemClock:
    """The wall clock, for production."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return self.now().astimezone(BERLIN).date()


class FixedClock(SystemClock):
    """A clock that stands still until told to move; for tests and simulations."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(timezone.utc)

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def berlin_date(moment: datetime) -> date:
    """The calendar date in Berlin of an instant."""
    return moment.astimezone(BERLIN).date()


def simulated_instant(text: str) -> datetime:
    """An ISO 8601 instant given to a simulation (``koopflow worker --now``); without a zone
    it is Berlin time. Raises ValueError."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=BERLIN)

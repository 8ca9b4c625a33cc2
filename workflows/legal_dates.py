"""Legal dates of a cooperation agreement: Regelaltersgrenze, Kündigung, delivery deadlines.

Pure functions on ``datetime.date``: no clock, no database, no Flask. Callers pass "today"
(see ``workflows.clock``). Holiday calendars come from the ``holidays`` package and are
cached per (subdivision, year).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

DELIVERY_RULES = ("shift", "strict")
_WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1



def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier; the month's last day where that month is
    shorter (31.07.2029 - 5 months = 28.02.2029)."""
    year, month = _add_months(day.year, day.month, -months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

# --- Regelaltersgrenze (§ 35, § 235 Abs. 2 SGB VI) -------------------------------------------

def retirement_limit(birth_year: int) -> tuple[int, int]:
    """(years, months) of the Regelaltersgrenze for a birth year.

    § 235 Abs. 2 S. 1 SGB VI: before 1947 65 years; 1947–1958 one month more per cohort year;
    1959–1963 two months more per year (66y2m … 66y10m). § 35 S. 2: from 1964 67 years.
    """
    if birth_year < 1947:
        return 65, 0
    if birth_year <= 1958:
        extra = birth_year - 1946                       # 1947 → 1 … 1958 → 12
        return 65 + extra // 12, extra % 12
    if birth_year <= 1963:
        return 66, 2 * (birth_year - 1958)              # 1959 → 2 … 1963 → 10
    return 67, 0


@dataclass(frozen=True)
class RetirementAge:
    """When a person reaches the Regelaltersgrenze, and why."""

    birth_date: date
    reached_on: date            # the limit is reached at the *end* of this day
    limit_years: int
    limit_months: int
    overridden: bool

    @property
    def reason(self) -> str:
        if self.overridden:
            return (f"Regelaltersgrenze manuell festgelegt: erreicht mit Ablauf des "
                    f"{_de(self.reached_on)} (§ 235 Abs. 2 S. 3 SGB VI)")
        months = f" und {self.limit_months} Monate" if self.limit_months else ""
        basis = "§ 35 S. 2 SGB VI" if self.birth_date.year >= 1964 else "§ 235 Abs. 2 SGB VI"
        return (f"Geboren am {_de(self.birth_date)}: Regelaltersgrenze {self.limit_years} Jahre"
                f"{months} ({basis}), erreicht mit Ablauf des {_de(self.reached_on)} "
                f"(§ 187 Abs. 2, § 188 Abs. 2 und 3 BGB)")


def retirement_age(birth_date: date, override: date | None = None) -> RetirementAge:
    """Compute the Regelaltersgrenze with its reason.

    An age is completed at the end of the day before the birthday (§ 187 Abs. 2, § 188 Abs. 2
    BGB). In the month that lies the limit after the birth month, the limit is reached at the
    end of the day before the birth day; when that month has no such day (born on the 29th–31st),
    at the end of its last day (§ 188 Abs. 3 BGB). E.g. 31.05.1955 → 28.02.2021.
    ``override`` (§ 235 Abs. 2 S. 3: no rise for certain people born before 1955) wins.
    """
    years, months = retirement_limit(birth_date.year)
    if override is not None:
        if override < birth_date:
            raise ValueError("Die festgelegte Regelaltersgrenze liegt vor dem Geburtsdatum.")
        return RetirementAge(birth_date, override, years, months, True)
    year, month = _add_months(birth_date.year, birth_date.month, 12 * years + months)
    last_day = calendar.monthrange(year, month)[1]
    if birth_date.day <= last_day:
        reached = date(year, month, birth_date.day) - timedelta(days=1)
    else:
        reached = date(year, month, last_day)
    return RetirementAge(birth_date, reached, years, months, False)


def retirement_age_date(birth_date: date, override: date | None = None) -> date:
    """The day at whose end the Regelaltersgrenze is reached (see ``retirement_age``)."""
    return retirement_age(birth_date, override).reached_on


def past_retirement_age(birth_date: date, reference_date: date,
                        override: date | None = None) -> bool:
    """True when the limit was reached at or before the end of ``reference_date``.

    § 8 c counts on the reference date 31.12.: born 01.01.1964 reaches 67 at the end of
    31.12.2030 and is counted for 2030.
    """
    return retirement_age_date(birth_date, override) <= reference_date


# --- Kündigung (§ 12 of the agreement) ----------------------------------------------------------

@dataclass(frozen=True)
class TerminationDates:
    """Effect of a notice of termination received on ``received_on``."""

    received_on: date
    ends_on: date                                # 31.12. the agreement ends
    last_receipt_day_for_earliest_end: date      # 30.06. of the ends_on year
    last_receipt_day_is_weekend: bool            # that 30.06. is a Saturday or Sunday
    reason: str

    @property
    def weekend_warning(self) -> str | None:
        """German warning for the screen when 30.06. is on a weekend, else None."""
        if not self.last_receipt_day_is_weekend:
            return None
        last = self.last_receipt_day_for_earliest_end
        return (f"Der {_de(last)} ist ein {_WEEKDAYS_DE[last.weekday()]}: keine Verschiebung auf "
                f"den nächsten Werktag (BGH III ZR 172/04) – das Kündigungsschreiben muss vorher "
                f"zugehen, damit die Kündigung zum 31.12.{last.year} wirkt.")


def termination_end_date(received_on: date) -> TerminationDates:
    """Six months' notice to the end of a calendar year (§ 12), counted from receipt (§ 130 BGB).

    The six months must run in full after the day of receipt (§ 187 Abs. 1 BGB): receipt by
    30.06. (inclusive) ends the agreement on 31.12. of that year, later on 31.12. of the next.
    No shift for weekends or holidays: § 193 BGB does not apply to notice periods
    (BGH III ZR 172/04) — hence the weekend flag, so the screen can warn in time.
    """
    last_receipt = date(received_on.year, 6, 30)
    if received_on <= last_receipt:
        ends_on = date(received_on.year, 12, 31)
        relation = "bis zum"
    else:
        ends_on = date(received_on.year + 1, 12, 31)
        relation = "nach dem"
    deadline = date(ends_on.year, 6, 30)
    reason = (f"Zugang am {_de(received_on)} {relation} {_de(last_receipt)}: Kündigung wirkt "
              f"zum {_de(ends_on)} (sechs Monate zum Jahresende, § 12)")
    return TerminationDates(received_on, ends_on, deadline, deadline.weekday() >= 5, reason)


def earliest_termination(today: date) -> TerminationDates:
    """The earliest end if the notice reached the other partner ``today``."""
    return termination_end_date(today)


# --- Working days and delivery deadlines (§ 193 BGB) --------------------------------------------

@lru_cache(maxsize=256)
def _holidays(subdivision: str, year: int) -> dict[date, str]:
    """Public holidays of a German state in one year, with German names; cached."""
    try:
        calendar_ = holidays.country_holidays("DE", subdiv=subdivision, years=year, language="de")
    except NotImplementedError as exc:
        raise ValueError(f"Unbekanntes Bundesland für Feiertage: {subdivision!r}") from exc
    return dict(calendar_.items())


def holiday_name(day: date, subdivision: str = "HE") -> str | None:
    """German name of the public holiday on ``day`` in that state, or None."""
    return _holidays(subdivision, day.year).get(day)


def is_working_day(day: date, subdivision: str = "HE") -> bool:
    """Monday to Friday and not a public holiday in that state."""
    return day.weekday() < 5 and day not in _holidays(subdivision, day.year)


def add_working_days(day: date, n: int, subdivision: str = "HE") -> date:
    """The n-th working day after ``day`` (before it when n < 0); ``day`` itself is not counted.

    n == 0 returns ``day`` unchanged, even when it is no working day.
    """
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, subdivision):
            remaining -= 1
    return day


def reminder_date(deadline: date, working_days_before: int, subdivision: str = "HE") -> date:
    """The date ``working_days_before`` working days before ``deadline`` (reminders skip
    weekends and holidays, domain rule)."""
    if working_days_before < 0:
        raise ValueError("working_days_before must not be negative")
    return add_working_days(deadline, -working_days_before, subdivision)


def _day_label(day: date, subdivision: str) -> str:
    name = holiday_name(day, subdivision)
    weekday = _WEEKDAYS_DE[day.weekday()]
    return f"{_de(day)} ({weekday}, Feiertag {name})" if name else f"{_de(day)} ({weekday})"


def effective_delivery_date(due: date, rule: str, subdivision: str = "HE") -> date:
    """The day a delivery due on ``due`` may still be made, under the agreement's rule.

    "strict": the agreed date stands. "shift": a due date on a Saturday, Sunday or public
    holiday of the state moves to the next working day (§ 193 BGB applies to a performance due
    on a fixed date; 31.03.2024, Easter Sunday → 02.04.2024).
    """
    if rule == "strict":
        return due
    if rule == "shift":
        while not is_working_day(due, subdivision):
            due += timedelta(days=1)
        return due
    raise ValueError(f"Unknown delivery deadline rule {rule!r}; expected one of {DELIVERY_RULES}")


def delivery_reason(due: date, rule: str, subdivision: str = "HE") -> str:
    """One German line: which rule applied and why the date moved (or not)."""
    effective = effective_delivery_date(due, rule, subdivision)
    if rule == "strict":
        return f"Regel „strict“: Frist bleibt am {_de(due)} (keine Verschiebung vereinbart)"
    if effective == due:
        return f"Regel „shift“: {_de(due)} ist ein Werktag, Frist bleibt"
    skipped = []
    while due < effective:
        skipped.append(_day_label(due, subdivision))
        due += timedelta(days=1)
    return (f"Regel „shift“: kein Werktag am {', '.join(skipped)} – verschoben auf den nächsten "
            f"Werktag {_de(effective)} (§ 193 BGB, Feiertage {subdivision})")


# --- Annual dates from agreement data -----------------------------------------------------------

_MONTH_DAY = re.compile(r"^(?:--)?(\d{2})-(\d{2})$")


def annual_due_date(year: int, month_day: str) -> date:
    """The date in ``year`` of a recurring agreement date written "MM-DD" (or ISO "--MM-DD").

    "02-29" in a year without 29 February gives 28.02.: an agreement that says "bis 29.02."
    means the end of February, and the yearly case must still open (cf. § 188 Abs. 3 BGB).
    Anything else that is no real date raises ValueError.
    """
    match = _MONTH_DAY.match(month_day.strip()) if isinstance(month_day, str) else None
    if not match:
        raise ValueError(f"Annual date {month_day!r} is not in the form MM-DD (e.g. '03-31')")
    month, day = int(match.group(1)), int(match.group(2))
    if (month, day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"Annual date {month_day!r} does not exist: {exc}") from exc

"""Dates a person's form must make plausible, refused next to the field with a German message.

A birth date lies in the past; an expected end of school lies between the 5th and the 30th
birthday, and within the years a handover can be about (at most a year ago, at most
``YEARS_AHEAD`` years ahead). Applied by field name to every form that asks for them (the
handover's person, the § 8 b list's rows), beside the range every date field has anyway
(workflows/forms/validation.py).
"""
from __future__ import annotations

from datetime import date

BIRTH, SCHOOL_END = "birth_date", "expected_school_end"
YEARS_AFTER_BIRTH = (5, 30)
YEARS_BACK, YEARS_AHEAD = 1, 6


def implausible_dates(schema: dict, data: dict, today: date) -> dict[str, str]:
    """German messages keyed by dotted field name (``person.birth_date``, ``persons.1.expected_school_end``)."""
    if not isinstance(data, dict):
        return {}
    errors = _check(data, data.get("person") if isinstance(data.get("person"), dict) else {}, "", "", today)
    for name, rows in data.items():
        if isinstance(rows, list):
            noun = (((schema.get("properties") or {}).get(name) or {}).get("items") or {}).get("title") or "Zeile"
            for index, row in enumerate(rows):
                if isinstance(row, dict):
                    errors.update(_check(row, row, f"{name}.{index}.", f"{noun} {index + 1}: ", today))
    return errors


def _check(values: dict, person: dict, prefix: str, label: str, today: date) -> dict[str, str]:
    errors = {}
    born = _date(person.get(BIRTH))
    birth_name = f"{prefix}{BIRTH}" if person is values else f"person.{BIRTH}"
    if born is not None and born >= today:
        errors[birth_name] = f"{label}Das Geburtsdatum muss in der Vergangenheit liegen."
    school_end = _date(values.get(SCHOOL_END))
    if school_end is None:
        return errors
    name = f"{prefix}{SCHOOL_END}"
    earliest, latest = _years_later(today, -YEARS_BACK), _years_later(today, YEARS_AHEAD)
    if not earliest <= school_end <= latest:
        errors[name] = (f"{label}Das voraussichtliche Ende der Schulausbildung muss zwischen dem "
                        f"{earliest:%d.%m.%Y} und dem {latest:%d.%m.%Y} liegen.")
    elif born is not None and not _years_later(born, YEARS_AFTER_BIRTH[0]) < school_end <= _years_later(
            born, YEARS_AFTER_BIRTH[1]):
        errors[name] = (f"{label}Das voraussichtliche Ende der Schulausbildung passt nicht zum Geburtsdatum: "
                        f"Es muss zwischen dem {YEARS_AFTER_BIRTH[0]}. und dem {YEARS_AFTER_BIRTH[1]}. "
                        "Geburtstag liegen. Bitte prüfen Sie beide Daten.")
    return errors


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, day=28)


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None

"""Rules of the annual forms that the form's JSON Schema cannot know: they need the year's case.

§ 8 b names those who will probably finish school "im übernächsten Jahr": every row's expected
end of school must lie in the list's target year (the list year plus the request's
``target_year_offset``). § 8 c: a person's own Regelaltersgrenze (§ 235 Abs. 2 S. 3 SGB VI)
cannot be reached before their birth. Messages are German, keyed by the field they concern
(so the page shows them next to it and in the error summary, the API under ``errors``), and
name the row by its number, never by the person.
"""
from __future__ import annotations

from datetime import date

from workflows.agreements.versions import data_of_case
from workflows.store.annual import annual_case_of
from workflows.store.cases import Case

NAMED_LIST_FORM = "annual_named_list.schema.json"
RETIREMENT_FORM = "annual_count_retirement_age.schema.json"
NAMED_LIST_KEY = "named_list"


def target_year(session, case: Case) -> int | None:
    """The year whose school leavers a § 8 b list names; None for another case."""
    annual = annual_case_of(session, case.id)
    if annual is None or annual.request_key != NAMED_LIST_KEY:
        return None
    request = next((r for r in data_of_case(session, case).get("annual_requests", [])
                    if r.get("key") == NAMED_LIST_KEY), {})
    return annual.year + int(request.get("target_year_offset", 2))


def annual_form_errors(session, case: Case, form_name: str | None, data: dict) -> dict[str, str]:
    if form_name == NAMED_LIST_FORM:
        return _rows_outside_target_year(session, case, data)
    if form_name == RETIREMENT_FORM:
        return _overrides_before_birth(data)
    return {}


def _rows_outside_target_year(session, case: Case, data: dict) -> dict[str, str]:
    year = target_year(session, case)
    if year is None:
        return {}
    errors = {}
    for index, person in _rows(data, "persons"):
        school_end = _date(person.get("expected_school_end"))
        if school_end is not None and school_end.year != year:
            errors[f"persons.{index}.expected_school_end"] = (
                f"Person {index + 1}: Das voraussichtliche Ende der Schulausbildung ({school_end:%d.%m.%Y}) liegt "
                f"nicht im Zieljahr {year}. Auf die Liste {annual_case_of(session, case.id).year} gehören nach "
                f"§ 8 b nur Personen, die ihre Schulausbildung voraussichtlich {year} beenden.")
    return errors


def _overrides_before_birth(data: dict) -> dict[str, str]:
    errors = {}
    for index, row in _rows(data, "overrides"):
        born, reached = _date(row.get("birth_date")), _date(row.get("reached_on"))
        if born is not None and reached is not None and reached <= born:
            errors[f"overrides.{index}.reached_on"] = (
                f"Person {index + 1}: Die Regelaltersgrenze kann nicht vor dem Geburtsdatum erreicht sein.")
    return errors


def _rows(data: dict, name: str) -> list[tuple[int, dict]]:
    rows = data.get(name) if isinstance(data, dict) else None
    return [(i, row) for i, row in enumerate(rows) if isinstance(row, dict)] if isinstance(rows, list) else []


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None

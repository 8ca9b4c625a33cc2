"""What the page of a year's request states about its year, so the form carries the law on screen.

§ 8 b: the list's year and its target year (the year after next, whose school leavers it names);
§ 8 c and § 8 d: the reference date (Stichtag) with its year. Read from the year's bookkeeping
row and the agreement data the case runs under, so no instance is loaded for it.
"""
from __future__ import annotations

from datetime import date

from workflows.agreements.versions import data_of_case
from workflows.store.annual import annual_case_of
from workflows.store.cases import Case


def request_facts(db, case_id: int) -> list[tuple[str, str]]:
    """(label, text) rows for the task page of an annual request's case; [] for every other case."""
    with db.transaction(read_only=True) as session:
        annual = annual_case_of(session, case_id)
        if annual is None:
            return []
        case = session.get(Case, case_id)
        request = next((r for r in data_of_case(session, case).get("annual_requests", [])
                        if r.get("key") == annual.request_key), {})
    reference = request.get("reference", "")
    rows = [("Abfrage", f"{reference} {request.get('title', '')}".strip())]
    if request.get("target_year_offset"):
        target = annual.year + int(request["target_year_offset"])
        rows += [("Liste des Jahres", str(annual.year)),
                 ("Zieljahr", f"{target} (übernächstes Jahr): gemeldet werden Personen, die ihre Schulausbildung "
                              f"oder schulische Berufsausbildung voraussichtlich {target} beenden")]
    else:
        rows.append(("Stichtag", f"{date(annual.year - 1, 12, 31):%d.%m.%Y}"))
    rows.append(("Liefertermin", f"{annual.due_on:%d.%m.%Y}"))
    return rows

"""Kennzahlen of the school-leaver cohort, list year by list year: counts, never persons.

Of the persons a § 8 b list named: taken over in time (confirmed by the agreement's
``takeover_confirmed`` milestone), late, not at all (the expected end of school has passed
without a confirmed takeover), declined, still open, and named again in a later list (their
outcome counts there); and the median of the days from the list's delivery to the
confirmed takeover.
"""
from __future__ import annotations

from datetime import date
from statistics import median

from workflows.annual.cohort_milestones import TAKEOVER_CONFIRMED, due_on, settings_of
from workflows.store.cases import DECLINED, Case
from workflows.store.cohort import CohortEntry, entries_of_agreement

COLUMNS = [("listed", "Gemeldet"), ("in_time", "Rechtzeitig übernommen"), ("late", "Verspätet übernommen"),
           ("not_at_all", "Nicht übernommen"), ("declined", "Übernahme abgelehnt"), ("open", "Noch offen"),
           ("relisted", "Erneut gemeldet")]
MEDIAN = ("median_days", "Median der Tage von der Liste bis zur bestätigten Übernahme")


def outcome(entry: CohortEntry, handover: Case | None, takeover_due: date | None, today: date) -> str:
    if entry.relisted:
        return "relisted"
    if entry.takeover_confirmed_on is not None:
        late = takeover_due is not None and entry.takeover_confirmed_on > takeover_due
        return "late" if late else "in_time"
    if handover is not None and handover.status == DECLINED:
        return "declined"
    return "not_at_all" if today > entry.expected_school_end else "open"


def cohort_years(session, agreement, today: date) -> dict[int, dict[str, int]]:
    """{list year: {figure key: value}} for one agreement; the median only where someone was taken over."""
    milestone = (settings_of(agreement.data).get("milestones") or {}).get(TAKEOVER_CONFIRMED)
    years: dict[int, dict[str, int]] = {}
    days: dict[int, list[int]] = {}
    for entry in entries_of_agreement(session, agreement.id):
        handover = session.get(Case, entry.handover_case_id) if entry.handover_case_id else None
        due = due_on(entry.expected_school_end, milestone) if milestone else None
        figures = years.setdefault(entry.list_year, {key: 0 for key, _ in COLUMNS})
        figures["listed"] += 1
        figures[outcome(entry, handover, due, today)] += 1
        if entry.takeover_confirmed_on is not None and not entry.relisted:
            days.setdefault(entry.list_year, []).append((entry.takeover_confirmed_on - entry.listed_on).days)
    for year, values in days.items():
        years[year][MEDIAN[0]] = round(median(values))
    return years

"""The end of school, the date that matters most in a school-end handover.

A takeover not confirmed weeks before the school ends means a gap in benefits. While a
handover's instance carries ``expected_school_end`` and the takeover message has not passed,
the case keeps that date (``school_end_on``, which the Vorgänge filter reads too) and the day from which to warn (the agreement's
``school_end_warning_weeks``, default 12, before it); ``save_workflow`` brings both up to date
after every command, and clears the warning day once the takeover is confirmed or the case ended.
The worker's round warns both partners' leads once (``warn_school_ends``); the case page
and the Posteingang show "Schulende in 5 Wochen, Übernahme noch offen" from that day on.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from workflows.agreements.partner_roles import units_for_role
from workflows.agreements.versions import data_of_case
from workflows.clock import berlin_date
from workflows.engine import runtime
from workflows.mail.notifications import notice_raised
from workflows.store.cases import RUNNING, Case
from workflows.store.cohort import CohortEntry
from workflows.store.history import record

SCHOOL_END_KEY = "expected_school_end"
TAKEOVER_MESSAGE = "handover_confirmed"
DEFAULT_WARNING_WEEKS = 12
LEAD_ROLES = ("local_lead", "supra_local_lead")  # both sides' leads


def track_school_end(session: Session, case: Case, workflow) -> None:
    """Keep the case's school end (and warning day) while its takeover is still open."""
    passed = runtime.message_passed(workflow, TAKEOVER_MESSAGE)  # one walk over the tasks for both
    date_cohort_takeover(session, case, passed)
    value = runtime.last_value(workflow, SCHOOL_END_KEY) if case.status == RUNNING else None
    open_takeover = value and not passed
    try:
        school_end = date.fromisoformat(value) if open_takeover else None
    except (TypeError, ValueError):
        school_end = None
    if school_end is None:
        case.school_end_warn_on = None  # the takeover is confirmed (or the case ended): nothing to warn
        return
    weeks = int(data_of_case(session, case).get("school_end_warning_weeks", DEFAULT_WARNING_WEEKS))
    warn_on = school_end - timedelta(weeks=weeks)
    if warn_on != case.school_end_warn_on:
        case.school_end_warned_at = None  # a corrected date is warned about afresh
    case.school_end_on = school_end  # the one school-end date of a case (also the Vorgänge filter's)
    case.school_end_warn_on = warn_on


def date_cohort_takeover(session: Session, case: Case, passed: bool) -> None:
    """The day the takeover of a § 8 b cohort person was confirmed (workflows/annual/cohort.py);
    ``passed``: whether the takeover message has passed in the case's instance."""
    waiting = select(CohortEntry.id).where(CohortEntry.handover_case_id == case.id,
                                           CohortEntry.takeover_confirmed_on.is_(None))
    if not passed or session.scalar(waiting.limit(1)) is None:
        return
    session.execute(update(CohortEntry).where(CohortEntry.id.in_(waiting))
                    .values(takeover_confirmed_on=berlin_date(case.updated_at))
                    .execution_options(synchronize_session=False))


def school_end_hint(school_end: date | None, warn_on: date | None, today: date) -> str | None:
    """"Schulende in 5 Wochen, Übernahme noch offen" from the warning day on; else None."""
    if school_end is None or warn_on is None or today < warn_on:
        return None
    days = (school_end - today).days
    if days < 0:
        return f"Schulende seit {_span(-days)} vorbei, Übernahme noch offen"
    if days == 0:
        return "Schulende heute, Übernahme noch offen"
    return f"Schulende in {_span(days)}, Übernahme noch offen"


def _span(days: int) -> str:
    if days < 14:
        return "1 Tag" if days == 1 else f"{days} Tagen"
    return f"{days // 7} Wochen"


def warn_school_ends(db, clock) -> int:
    """Warn both leads of each case whose warning day has come, once; returns how many cases."""
    now = clock.now()
    today = berlin_date(now)
    with db.transaction() as session:
        due = list(session.scalars(select(Case).where(
            Case.status == RUNNING, Case.school_end_warn_on <= today, Case.school_end_warned_at.is_(None))
            .order_by(Case.id)))
        for case in due:
            units = sorted({u for role in LEAD_ROLES for u in units_for_role(session, case, role)})
            hint = school_end_hint(case.school_end_on, case.school_end_warn_on, today)
            record(session, now, "case.school_end_warning", case_id=case.id, text=hint, org_units=units)
            notice_raised(session, now, case, "reminder", hint, units)
            case.school_end_warned_at = now
        return len(due)

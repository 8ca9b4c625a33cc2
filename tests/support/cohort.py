"""A § 8 b list of 2027 (target year 2029) delivered on 31.03.2027, and handovers started from its rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.flows import actor, open_task
from tests.support.handover import CONFIRM_JSON, PRIOR_BENEFITS
from workflows.annual.named_list import start_handover_from_row
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.history import HistoryEvent
from workflows.store.outbox import OutboxMail
from workflows.store.users import user_by_username
from workflows.tasks import complete_task
from workflows.worker import run_once

SCHOOL_END = "2029-07-31"


def row(last: str, first: str, born: str, school_end: str = SCHOOL_END, education: str = "school") -> dict:
    return {"last_name": last, "first_name": first, "birth_date": born, "habitual_residence": "Lich",
            "school": "Förderschule am Rosenhang", "education": education, "expected_school_end": school_end,
            "placement": "Wohnheim Lich"}


ROWS = [row("Pünktlich", "Paula", "2011-03-02"), row("Spät", "Simon", "2011-06-09", education="vocational_school"),
        row("Nie", "Nora", "2010-11-23")]


def at(kf, day: str, hour: int = 8) -> None:
    kf.clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=BERLIN))


def worker_on(kf, day: str) -> None:
    at(kf, day, 7)
    run_once(kf.db, kf.clock)


def list_case_of(kf, year: int, agreement: str = "landkreis-giessen") -> int:
    with kf.db.transaction() as session:
        return session.scalar(select(AnnualCase.case_id).where(
            AnnualCase.agreement_id == agreement, AnnualCase.request_key == "named_list", AnnualCase.year == year))


def deliver_list(kf, year: int, rows: list[dict], on: str, agreement: str = "landkreis-giessen",
                 user: str = "lk.sozialamt") -> int:
    """The worker opens the year's list in January; ``user`` delivers ``rows`` on ``on``."""
    worker_on(kf, f"{year}-02-03")
    case_id = list_case_of(kf, year, agreement)
    at(kf, on)
    complete_task(kf.db, kf.clock, actor(kf, user), open_task(kf, case_id, "deliver_named_list"), {"persons": rows})
    return case_id


def start_from_row(kf, list_case: int, index: int, on: str, user: str = "lk.sozialamt") -> int:
    """The Landkreis starts the row's handover and offers it (vocational participation in question)."""
    at(kf, on)
    started = start_handover_from_row(kf.db, kf.clock, actor(kf, user), list_case, index)
    person = ROWS[index]
    prepare = {"person": {k: person[k] for k in ("last_name", "first_name", "birth_date", "habitual_residence")},
               "school": person["school"], "expected_school_end": person["expected_school_end"],
               "current_benefits": "Wohnen im Internat", "has_overall_plan": True, "consent_on_file": True,
               "vocational_in_question": True, "prior_benefits": PRIOR_BENEFITS}
    complete_task(kf.db, kf.clock, actor(kf, user), started.my_task_id, prepare)
    return started.case_id


def request_participation(kf, case_id: int, on: str, requested_on: str) -> None:
    at(kf, on)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "request_participation_planning"),
                  {"requested_on": requested_on})


def confirm_takeover(kf, case_id: int, on: str) -> None:
    at(kf, on)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {**CONFIRM_JSON, "effective_date": "2029-08-01"})
    complete_task(kf.db, kf.clock, actor(kf, "lwv.leitung"), open_task(kf, case_id, "approve_takeover"),
                  {"decision": "approve"})


def milestone_notices(kf, kind: str) -> list[tuple[str, str, str, list[str]]]:
    """(day, milestone, row text, org units) of each cohort reminder or escalation, in order."""
    with kf.db.transaction() as session:
        events = session.scalars(select(HistoryEvent).where(HistoryEvent.kind == f"cohort.milestone_{kind}")
                                 .order_by(HistoryEvent.id))
        return [(e.at.astimezone(BERLIN).date().isoformat(), e.details["milestone"], e.task_name.split(":")[0],
                 e.details["org_units"]) for e in events]


def mails_to(kf, username: str, kind: str, case_id: int) -> list[str]:
    """The bodies of the reminders or escalations about ``case_id`` mailed to ``username``."""
    with kf.db.transaction() as session:
        user = user_by_username(session, username)
        return list(session.scalars(select(OutboxMail.text_body).where(
            OutboxMail.recipient_user_id == user.id, OutboxMail.kind == f"case.{kind}",
            OutboxMail.case_id == case_id)))

"""The Landkreis's named list (§ 8 b) of 2027, delivered with two persons."""
from __future__ import annotations

from datetime import datetime

from tests.support.flows import actor, open_task
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.tasks import complete_task
from workflows.worker import run_once

ROWS = [
    {"last_name": "Mustermann", "first_name": "Jonas", "birth_date": "2009-05-14", "habitual_residence": "Lich",
     "school": "Förderschule am Rosenhang", "education": "school", "expected_school_end": "2029-07-31", "placement": "Wohnheim Lich"},
    {"last_name": "Beispiel", "first_name": "Mia", "birth_date": "2010-02-01", "habitual_residence": "Gießen",
     "school": "Helen-Keller-Schule", "education": "vocational_school", "expected_school_end": "2029-07-31", "placement": "Internat Gießen"},
]


def delivered_list(kf) -> int:
    """The case of the 2027 list, opened by the worker on 04.01.2027 and delivered with ``ROWS``."""
    kf.clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        case_id = session.query(AnnualCase.case_id).filter_by(request_key="named_list", year=2027).scalar()
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "deliver_named_list"),
                  {"persons": ROWS})
    return case_id

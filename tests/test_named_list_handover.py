"""§ 8 b → § 8 a: a handover started from a row of the named list, without retyping."""
from __future__ import annotations

import re
from datetime import datetime

from tests.support.flows import actor, open_task
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.tasks import complete_task
from workflows.worker import run_once

ROWS = [
    {"last_name": "Mustermann", "first_name": "Jonas", "birth_date": "2009-05-14", "habitual_residence": "Lich",
     "school": "Förderschule am Rosenhang", "expected_school_end": "2029-07-31", "placement": "Wohnheim Lich"},
    {"last_name": "Beispiel", "first_name": "Mia", "birth_date": "2010-02-01", "habitual_residence": "Gießen",
     "school": "Helen-Keller-Schule", "expected_school_end": "2029-07-31", "placement": "Internat Gießen"},
]


def delivered_list(kf) -> int:
    kf.clock.set(datetime(2027, 1, 4, 8, 0, tzinfo=BERLIN))
    run_once(kf.db, kf.clock)
    with kf.db.transaction() as session:
        case_id = session.query(AnnualCase.case_id).filter_by(request_key="named_list", year=2027).scalar()
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "deliver_named_list"),
                  {"persons": ROWS})
    return case_id


def test_one_click_on_a_row_starts_a_handover_with_the_persons_data_filled_in(kf, as_user):
    list_case = delivered_list(kf)
    sozialamt = as_user("lk.sozialamt")
    sozialamt.get(f"/cases/{list_case}")
    assert "Beispiel, Mia" in sozialamt.text and sozialamt.text.count("Übergabe beginnen") == 2

    response = sozialamt.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/1/handover", status=302)

    page = sozialamt.follow(response).text
    assert "Übergabe vorbereiten" in sozialamt.text
    assert 'value="Beispiel"' in page and 'value="Mia"' in page and 'value="Helen-Keller-Schule"' in page
    assert 'value="2010-02-01"' in page and 'value="2029-07-31"' in page
    handover_number = re.search(r"Übergabe (GI-\d{4}-\d{5}) begonnen", sozialamt.text).group(1)
    sozialamt.get(f"/cases/{list_case}")
    assert handover_number in sozialamt.text and sozialamt.text.count("Übergabe beginnen") == 1


def test_the_same_row_cannot_start_a_second_handover(kf, as_user):
    list_case = delivered_list(kf)
    sozialamt = as_user("lk.sozialamt")
    sozialamt.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/0/handover", status=302)

    sozialamt.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/0/handover", status=409)

    assert "Für diese Person wurde bereits eine Übergabe begonnen." in sozialamt.text


def test_the_lwv_sees_the_list_but_cannot_start_a_landkreis_handover(kf, as_user):
    list_case = delivered_list(kf)
    fachdienst = as_user("lwv.fachdienst")
    fachdienst.get(f"/cases/{list_case}")
    assert "Mustermann, Jonas" in fachdienst.text and "Übergabe beginnen" not in fachdienst.text

    fachdienst.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/0/handover", status=403)

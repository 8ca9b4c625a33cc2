"""§ 8 b → § 8 a: a handover started from a row of the named list, without retyping."""
from __future__ import annotations

import re

from tests.support.named_list import delivered_list


def test_one_click_on_a_row_starts_a_handover_with_the_persons_data_filled_in(kf, as_user):
    list_case = delivered_list(kf)
    sozialamt = as_user("lk.sozialamt")
    sozialamt.get(f"/cases/{list_case}")
    assert "Beispiel, Mia" in sozialamt.text and sozialamt.text.count("Übergabe beginnen") == 2

    response = sozialamt.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/1/handover", status=302)

    page = sozialamt.follow(response).text
    assert "Übergabe vorbereiten" in sozialamt.text
    assert 'value="Beispiel"' in page and 'value="Mia"' in page and 'value="Helen-Keller-Schule"' in page
    assert 'value="01.02.2010"' in page and 'value="31.07.2029"' in page
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

"""The version page of the current version: which running cases can move to it, which cannot;
moving one or all, each with its history entry; a case whose element is gone stays."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support.flows import actor, offered_handover
from tests.support.versions import newer_handover, without_element
from workflows.cases.version_moves import moves_to
from workflows.store.cases import Case
from workflows.store.history import HistoryEvent


def _definition(kf, case_id: int) -> int:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).definition_id


def _history_kinds(kf, case_id: int) -> list[str]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(HistoryEvent.kind).where(HistoryEvent.case_id == case_id)))


def test_the_version_page_moves_one_case_and_then_all_that_can(kf, as_user, tmp_path):
    first, second = offered_handover(kf), offered_handover(kf)
    new = newer_handover(kf, tmp_path, lambda xml: xml.replace('name="Übergabe prüfen"',
                                                            'name="Übergabe sichten"'))
    lead = as_user("lwv.leitung")
    url = f"/processes/handover_school_end/versions/{new}"
    html = lead.get(url).text
    assert "Laufende Vorgänge älterer Fassungen" in html and html.count('data-can-move="yes"') == 2
    assert "Fassung 1" in html

    page = lead.submit(url, url + "/moves", data={"case_id": str(first), "reason": ""}, status=422)
    assert "Bitte geben Sie einen Grund an" in page.text
    lead.submit(url, url + "/moves", data={"case_id": str(first), "reason": "Schritt umbenannt"}, status=302)
    assert _definition(kf, first) == new and "case.migrated" in _history_kinds(kf, first)
    assert _definition(kf, second) != new

    lead.submit(url, url + "/moves", data={"case_id": "all", "reason": "alle"}, status=302)
    assert _definition(kf, second) == new and "case.migrated" in _history_kinds(kf, second)
    assert "Kein laufender Vorgang" in lead.get(url).text


def test_a_case_whose_element_is_gone_stays_with_the_reason(kf, as_user, tmp_path):
    case_id = offered_handover(kf)
    kf.clock.set(kf.clock.now() + timedelta(hours=1))
    before = _definition(kf, case_id)
    new = newer_handover(kf, tmp_path, lambda xml: without_element(xml, "review_escalation_timer"))
    [move] = moves_to(kf.db, actor(kf, "admin"), "handover_school_end", new)
    assert not move.can_move and "gibt es in der neuen Fassung nicht mehr" in " ".join(move.problems)
    admin = as_user("admin")
    url = f"/processes/handover_school_end/versions/{new}"
    html = admin.get(url).text
    assert 'data-can-move="no"' in html and "nicht möglich" in html and "bleibt auf Fassung 1" in html
    admin.submit(url, url + "/moves", data={"case_id": str(case_id), "reason": "x"}, status=404)
    admin.submit(url, url + "/moves", data={"case_id": "all", "reason": "x"}, status=302)
    assert _definition(kf, case_id) == before


def test_only_the_current_version_and_only_who_administers_see_the_moves(kf, as_user, tmp_path):
    case_id = offered_handover(kf)
    old = _definition(kf, case_id)
    new = newer_handover(kf, tmp_path, lambda xml: xml.replace('name="Übergabe prüfen"', 'name="Übergabe sichten"'))
    assert moves_to(kf.db, actor(kf, "admin"), "handover_school_end", old) is None
    assert moves_to(kf.db, actor(kf, "lk.sozialamt"), "handover_school_end", new) is None
    clerk = as_user("lk.sozialamt")
    assert "Laufende Vorgänge älterer Fassungen" not in clerk.get(f"/processes/handover_school_end/versions/{new}").text
    url = f"/processes/handover_school_end/versions/{new}"
    clerk.submit(url, f"/processes/handover_school_end/versions/{new}/moves", data={"case_id": "all", "reason": "x"},
               status=404)

"""The "Prozesse" pages and a case's diagram, read without JavaScript (the element tables)."""
from __future__ import annotations

import re

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON
from workflows.cases.instances import load_workflow
from workflows.engine.states import element_states
from workflows.processes.catalogue import processes, viewer_agreements
from workflows.store.cases import Case
from workflows.store.definitions import current_definition
from workflows.store.organisation import Agreement
from workflows.tasks import complete_task


def _row(html: str, element_id: str) -> str:
    match = re.search(rf'<tr data-element="{element_id}"[^>]*>.*?</tr>', html, flags=re.DOTALL)
    assert match, f"no row for {element_id}"
    return match.group(0)


def _version_url(kf, key: str = "handover_school_end") -> str:
    with kf.db.transaction() as session:
        return f"/processes/{key}/versions/{current_definition(session, key).id}"


def test_processes_lists_every_definition_with_its_versions_and_case_counts(kf, as_user):
    offered_handover(kf)
    catalog = {p.key: p for p in processes(kf.db)}
    assert set(catalog) == set(kf.definitions)
    [version] = catalog["handover_school_end"].versions
    assert version.is_current and version.case_count == 1 and len(version.short_hash) == 12
    assert catalog["regional_data_report"].versions[0].case_count == 0

    page = as_user("lk.sozialamt").get("/processes")
    assert "Prozesse" in page.text and "Fassung 1" in page.text and version.label == "Fassung 1"
    assert "Zwei Fassungen vergleichen" not in page.text  # compare only with two versions
    assert _version_url(kf) in page.text


def test_definition_page_lists_elements_with_lane_documentation_and_form_fields(kf, as_user):
    browser = as_user("lwv.fachdienst")
    html = browser.get(_version_url(kf)).text
    review = _row(html, "review_handover")
    assert "Übergabe prüfen" in review and "LWV: Fachdienst für den Landkreis" in review
    assert "Aufgabe (Formular)" in review and "Entscheidung" in review and "Übernahme zum" in review
    assert "Zeitgeber" in _row(html, "review_reminder_timer")
    assert "Sequenzfluss" in _row(html, "flow_to_review")
    assert 'data-bpmn-url="' + _version_url(kf) + '.bpmn"' in html
    assert "<script>" not in html  # no inline script (CSP)

    xml = browser.get(_version_url(kf) + ".bpmn")
    assert xml.mimetype == "application/xml" and b'id="review_handover"' in xml.data


def test_unknown_version_or_wrong_key_is_not_found(kf, as_user):
    browser = as_user("lk.sozialamt")
    url = _version_url(kf)
    browser.get(url.replace("handover_school_end", "regional_data_report"), status=404)
    browser.get("/processes/handover_school_end/versions/99999", status=404)


def test_pages_need_a_login(app, kf):
    client = app.test_client()
    assert client.get("/processes").status_code == 302
    assert client.get(_version_url(kf)).status_code == 302


def test_element_states_of_an_offered_handover(kf):
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        states = element_states(load_workflow(session, session.get(Case, case_id), kf.clock))
    assert states["prepare_handover"].state == "completed"
    assert states["review_handover"].state == "active"
    assert states["review_reminder_timer"].state == "waiting" and states["review_reminder_timer"].due
    assert states["wait_for_response"].state == "waiting" and states["wait_for_response"].due is None  # not a timer
    assert "close_local" not in states


def test_case_diagram_shows_each_elements_state_and_the_open_tasks(kf, as_user):
    case_id = offered_handover(kf)
    fachdienst = as_user("lwv.fachdienst")
    html = fachdienst.get(f"/cases/{case_id}/diagram").text
    assert 'data-state="completed"' in _row(html, "prepare_handover")
    review = _row(html, "review_handover")
    assert 'data-state="active"' in review and "aktiv" in review
    timer = _row(html, "review_reminder_timer")
    assert 'data-state="waiting"' in timer and "fällig" in timer and 'data-due="' in timer
    assert "nicht erreicht" in _row(html, "close_local")
    assert "Offene Aufgaben" in fachdienst.text and "wartet bei" in fachdienst.text
    assert re.search(r"Übergabe bei Ende der Schulausbildung, Fassung \d+", fachdienst.text)  # a human name, no hash

    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"), CONFIRM_JSON)
    html = fachdienst.get(f"/cases/{case_id}/diagram").text
    assert 'data-state="cancelled"' in _row(html, "review_reminder_timer")
    assert 'data-state="completed"' in _row(html, "review_handover")
    assert 'data-state="active"' in _row(html, "approve_takeover")


def test_case_diagram_has_the_case_pages_access(kf, as_user):
    case_id = offered_handover(kf)
    as_user("lk.gesundheitsamt").get(f"/cases/{case_id}/diagram", status=404)


def test_compare_lists_added_removed_and_changed_elements(kf, as_user):
    from tests.support.versions import older_handover_version

    older, current = older_handover_version(kf)
    browser = as_user("lk.sozialamt")
    listing = browser.get("/processes").text
    assert 'action="/processes/handover_school_end/compare"' in listing and 'name="a"' in listing
    html = browser.get(f"/processes/handover_school_end/compare?a={current}&b={older}").text
    changed = _row(html, "review_handover")
    assert 'data-change="changed"' in changed and "geändert" in changed and "Name" in changed
    assert "<del>Übergabe ansehen</del>" in changed and "<ins>Übergabe prüfen</ins>" in changed  # old → new
    assert "Ältere: Fassung 1" in html and "Neuere: Fassung 2" in html
    assert 'data-change="added"' in _row(html, "review_escalation_timer")
    assert 'data-change="removed"' in _row(html, "old_step")
    assert f'data-bpmn-url="/processes/handover_school_end/versions/{current}.bpmn"' in html  # the newer drawn
    assert "keinem Element" in browser.get(f"/processes/handover_school_end/compare?a={current}&b={current}").text
    assert 'data-change="changed"' in browser.get("/processes/handover_school_end/compare").text  # default: newest two
    assert 'data-change="changed"' in browser.get(f"/processes/handover_school_end/compare?b={current}").text
    assert f"?b={current}" in browser.get(_version_url(kf)).text.replace("&amp;", "&")
    browser.get(f"/processes/regional_data_report/compare?a={current}&b={older}", status=404)
    browser.get("/processes/handover_school_end/compare?a=99999&b=1", status=404)


def test_version_page_counts_the_running_cases_waiting_at_each_element(kf, as_user):
    offered_handover(kf)
    offered_handover(kf)
    with kf.db.transaction() as session:
        agreement = session.get(Case, offered_handover(kf)).agreement_id
    browser = as_user("lwv.fachdienst")
    html = browser.get(_version_url(kf)).text
    assert 'data-waiting="3"' in _row(html, "review_handover") and "data-waiting" not in _row(html, "close_local")
    assert 'data-waiting="3"' in _row(browser.get(_version_url(kf) + f"?agreement={agreement}").text,
                                      "review_handover")
    with kf.db.transaction() as session:
        others = session.scalars(select(Agreement.id).where(Agreement.id != agreement)).all()
    mine = {a for a, _ in agreements_of_viewer(kf, "lwv.fachdienst")}
    for other in set(others) & mine:  # no cases under the viewer's other agreements
        assert "data-waiting" not in _row(browser.get(_version_url(kf) + f"?agreement={other}").text, "review_handover")
    unknown = browser.get(_version_url(kf) + "?agreement=unknown").text  # an unknown one: all the viewer's
    assert 'data-waiting="3"' in _row(unknown, "review_handover")


def agreements_of_viewer(kf, username):
    with kf.db.transaction() as session:
        return viewer_agreements(session, actor(kf, username))


def test_process_pages_count_only_cases_of_the_viewers_agreements(kf, as_user):
    with kf.db.transaction() as session:
        agreement = session.get(Case, offered_handover(kf)).agreement_id
    outsider = "lwvlf.fachdienst"  # works under the other agreement only
    assert agreement not in {a for a, _ in agreements_of_viewer(kf, outsider)}
    browser = as_user(outsider)
    for query in ("", f"?agreement={agreement}"):
        assert "data-waiting" not in _row(browser.get(_version_url(kf) + query).text, "review_handover")
    assert agreement not in browser.page.text  # not even offered as a filter
    counted = {p.key: p for p in processes(kf.db, actor(kf, outsider))}["handover_school_end"]
    assert sum(v.case_count for v in counted.versions) == 0

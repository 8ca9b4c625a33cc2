"""Processes that run in either direction between the partners: the care-need handover
(§ 8 a) and planning information about new facilities (§ 7, § 8 e). Whoever starts gives;
the other side receives — in the first agreement and in the second, with its three partners."""
from __future__ import annotations

from datetime import date

import pytest

from tests.support.flows import actor, open_task
from tests.support.handover import CARE
from workflows.cases.starting import start_case
from workflows.errors import NotFound, ValidationFailed
from workflows.store.cases import COMPLETED, Case
from workflows.store.tasks import HumanTask, org_units_of_task
from workflows.tasks import complete_task


def inbox_of(kf, case_id: int, bpmn_id: str) -> list[str]:
    with kf.db.transaction() as session:
        return org_units_of_task(session, open_task(kf, case_id, bpmn_id))


def do(kf, username: str, case_id: int, bpmn_id: str, data: dict) -> None:
    complete_task(kf.db, kf.clock, actor(kf, username), open_task(kf, case_id, bpmn_id), data)


def status(kf, case_id: int) -> str:
    with kf.db.transaction() as session:
        return session.get(Case, case_id).status


def test_the_lwv_hands_a_case_with_predominant_care_need_to_the_landkreis(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), "handover_care_need", "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), started.my_task_id, CARE)
    case = started.case_id
    # the other side reviews: the Landkreis, not the LWV that started it
    assert inbox_of(kf, case, "review_handover") == ["lkgi-jugendamt", "lkgi-sozialamt"]
    do(kf, "lk.sozialamt", case, "review_handover", {"decision": "question", "question": "Liegt das Pflegegutachten vor?"})
    assert inbox_of(kf, case, "answer_question") == ["lwv-fachdienst-lk-giessen"]
    do(kf, "lwv.fachdienst", case, "answer_question", {"answer": "Ja, vom 03.02.2027."})
    do(kf, "lk.sozialamt", case, "review_handover", {"decision": "confirm", "effective_date": "2027-06-01"})
    assert inbox_of(kf, case, "close_handover") == ["lwv-fachdienst-lk-giessen"]
    do(kf, "lwv.fachdienst", case, "close_handover", {"files_transferred_on": "2027-05-20", "benefits_ended_on": "2027-05-31"})
    assert status(kf, case) == COMPLETED


def test_the_landkreis_hands_over_to_the_lwv_with_the_same_diagram(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "lk.jugendamt"), "handover_care_need", "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, "lk.jugendamt"), started.my_task_id, CARE)
    assert inbox_of(kf, started.case_id, "review_handover") == ["lwv-fachdienst-lk-giessen"]
    # and the Landkreis cannot review its own offer
    with pytest.raises(NotFound):
        do(kf, "lk.sozialamt", started.case_id, "review_handover", {"decision": "confirm", "effective_date": "2027-06-01"})


def test_in_the_second_agreement_the_citys_offer_goes_to_the_lwv_only(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "st.jugendamt"), "handover_care_need", "landkreis-lahnfeld")
    complete_task(kf.db, kf.clock, actor(kf, "st.jugendamt"), started.my_task_id, CARE)
    assert started.case_number.startswith("LF-2027-")
    assert inbox_of(kf, started.case_id, "review_handover") == ["lwv-lf-fachdienst"]
    # the first agreement's LWV Fachdienst sees nothing of it
    with kf.db.transaction() as session:
        task = session.get(HumanTask, open_task(kf, started.case_id, "review_handover"))
    with pytest.raises(NotFound):
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task.id, {"decision": "question", "question": "?"})


def test_the_landkreis_reports_a_facility_for_children_the_lwv_acknowledges(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "lk.jugendamt"), "facility_information", "landkreis-giessen")
    assert open_task(kf, started.case_id, "report_children_facility") == started.my_task_id
    complete_task(kf.db, kf.clock, actor(kf, "lk.jugendamt"), started.my_task_id, {
        "facility_name": "Wohngruppe am Schwanenteich", "provider": "Jugendhilfe Mittelhessen",
        "municipality": "Pohlheim", "places": 8, "planned_opening": "2028-09-01"})
    assert inbox_of(kf, started.case_id, "acknowledge_report") == ["lwv-fachdienst-lk-giessen"]
    do(kf, "lwv.fachdienst", started.case_id, "acknowledge_report", {"acknowledgement_note": "Bitte Konzept nachreichen."})
    assert status(kf, started.case_id) == COMPLETED


def test_the_lwv_plans_a_residential_form_the_landkreis_gives_its_view_by_the_date(kf):
    report = {"facility_name": "Besondere Wohnform Lindenstraße",
              "provider": "Lebenshilfe", "municipality": "Lich", "places": 24, "planned_opening": "2029-01-01"}
    started = start_case(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), "facility_information", "landkreis-giessen")
    # the LWV reports the besondere Wohnformen (§ 7): its report asks for them
    assert open_task(kf, started.case_id, "report_residential_facility") == started.my_task_id
    # a residential form needs the date by which the Landkreis gives its view (§ 8 e)
    with pytest.raises(ValidationFailed) as refused:
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), started.my_task_id, report)
    assert "Bitte geben Sie an, bis wann der örtliche Träger Stellung nehmen soll." in str(refused.value.errors)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), started.my_task_id, {**report, "view_due": "2027-04-15"})

    with kf.db.transaction() as session:
        view = session.get(HumanTask, open_task(kf, started.case_id, "give_view"))
        assert view.due_on == date(2027, 4, 15)
    assert inbox_of(kf, started.case_id, "give_view") == ["lkgi-jugendamt", "lkgi-sozialamt"]
    do(kf, "lk.sozialamt", started.case_id, "give_view", {"view": "Bedarf an Plätzen für Menschen mit Pflegebedarf prüfen.",
                                                            "has_concerns": False})
    assert inbox_of(kf, started.case_id, "note_view") == ["lwv-fachdienst-lk-giessen"]
    do(kf, "lwv.fachdienst", started.case_id, "note_view", {})
    assert status(kf, started.case_id) == COMPLETED


def test_both_processes_start_from_the_pages_for_either_partner(as_user):
    for username, agreement in (("lk.sozialamt", "landkreis-giessen"), ("lwv.fachdienst", "landkreis-giessen"),
                                ("st.jugendamt", "landkreis-lahnfeld")):
        browser = as_user(username)
        browser.get("/cases/new")
        assert f"{agreement}/handover_care_need" in browser.page.text
        assert f"{agreement}/facility_information" in browser.page.text
    browser = as_user("lwv.fachdienst")
    browser.get(browser.submit("/cases/new", "/cases", {"choice": "landkreis-giessen/facility_information"},
                               status=302).headers["Location"])
    assert "Geplante besondere Wohnform melden" in browser.text and "Stellungnahme des örtlichen Trägers erbeten bis" in browser.text
    task_url = browser.page.request.path
    response = browser.submit(task_url, task_url, {
        "facility_name": "Wohnen an der Wieseck", "provider": "Lebenshilfe",
        "municipality": "Lollar", "places": "12", "planned_opening": "01.03.2029", "view_due": "30.04.2027"}, status=302)
    browser.follow(response)
    assert "Stellungnahme zur besonderen Wohnform abgeben" in browser.text


def test_in_the_second_agreement_the_city_reports_a_childrens_facility_to_the_lwv(kf):
    started = start_case(kf.db, kf.clock, actor(kf, "st.jugendamt"), "facility_information", "landkreis-lahnfeld")
    assert open_task(kf, started.case_id, "report_children_facility") == started.my_task_id
    complete_task(kf.db, kf.clock, actor(kf, "st.jugendamt"), started.my_task_id, {
        "facility_name": "Kita-Integrationsgruppe Altstadt", "provider": "Stadt Lahnfeld", "municipality": "Lahnfeld",
        "places": 6, "planned_opening": "2028-08-01"})
    assert inbox_of(kf, started.case_id, "acknowledge_report") == ["lwv-lf-fachdienst"]

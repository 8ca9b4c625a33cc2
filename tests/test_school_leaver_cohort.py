"""§ 8 b → § 8 a: every person of the list delivered on 31.03.2027 (target year 2029) is tracked until
the LWV has taken them over; missed milestones remind the side responsible and escalate to its lead."""
from __future__ import annotations

import re

from tests.support.cohort import (
    ROWS,
    at,
    confirm_takeover,
    deliver_list,
    mails_to,
    milestone_notices,
    request_participation,
    start_from_row,
    worker_on,
)
from tests.support.flows import actor
from tests.support.handover import PRIOR_BENEFITS
from workflows.agreements.files import check_agreement_data, load_agreement, value_problems
from workflows.cases.starting import start_case
from workflows.tasks import complete_task

COHORT = "Schulabgänger-Kohorte: Übernahmen je Liste"


def row_text(html: str, title: str, year: int = 2027) -> str:
    """The year's row of the Kennzahlen table under ``title``, as visible text."""
    section = html[html.index(f"§ 8 b {title}"):]
    row = re.search(rf'<tr><th scope="row">{year}</th>.*?</tr>', section, re.S).group(0)
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def cohort_text(browser, year: int = 2027, agreement: str = "landkreis-giessen") -> str:
    browser.get(f"/cohort/{agreement}/{year}")
    return browser.text


def test_a_list_delivered_on_31_march_2027_is_followed_to_in_time_late_and_never(kf, as_user):
    # Given the list of 2027 with three persons, all leaving school on 31.07.2029
    list_case = deliver_list(kf, 2027, ROWS, "2027-03-31")
    sozialamt = as_user("lk.sozialamt")
    page = cohort_text(sozialamt)
    assert "Zieljahr (Schulende im übernächsten Jahr) 2029" in page
    assert page.count("Übergabe nicht begonnen") == 3 and "Schulische Berufsausbildung" in page
    assert "Übergabe begonnen: fällig am 31.07.2028" in page  # Gießen: 12 months before the school end
    assert "Übernahme bestätigt: fällig am 08.05.2029" in page  # 12 weeks before

    # Paula's handover starts in time; Simon's and Nora's do not by 31.07.2028
    paula = start_from_row(kf, list_case, 0, "2028-03-01")
    worker_on(kf, "2028-07-31")
    assert milestone_notices(kf, "reminder") == []
    worker_on(kf, "2028-08-01")
    reminded = milestone_notices(kf, "reminder")
    assert [(day, m, text) for day, m, text, _ in reminded] == [
        ("2028-08-01", "handover_started", "§ 8 b Liste 2027, Zeile 2"),
        ("2028-08-01", "handover_started", "§ 8 b Liste 2027, Zeile 3")]
    assert reminded[0][3] == ["lkgi-jugendamt", "lkgi-sozialamt"]  # the Landkreis's office
    assert mails_to(kf, "lk.sozialamt", "reminder", list_case)
    assert not mails_to(kf, "lk.kreisbeigeordnete", "escalation", list_case)
    worker_on(kf, "2028-08-04")
    assert milestone_notices(kf, "escalation") == []
    worker_on(kf, "2028-08-07")  # five working days after the milestone: to the Landkreis's lead
    escalated = milestone_notices(kf, "escalation")
    assert [(day, m) for day, m, _, units in escalated] == [("2028-08-07", "handover_started")] * 2
    assert {tuple(units) for *_, units in escalated} == {("lkgi-kreisbeigeordnete",)}
    mail = mails_to(kf, "lk.kreisbeigeordnete", "escalation", list_case)
    assert len(mail) == 2 and "Zeile 2" in mail[0] and "Übergabe begonnen" in mail[0]
    assert all("Spät" not in body and "Simon" not in body for body in mail)  # no names in mails
    worker_on(kf, "2028-08-08")
    assert len(milestone_notices(kf, "reminder")) == 2 and len(milestone_notices(kf, "escalation")) == 2  # once each

    # Simon's handover starts late; Paula's BA participation is requested in time (due 31.10.2028)
    simon = start_from_row(kf, list_case, 1, "2028-09-15")
    request_participation(kf, paula, "2028-10-02", "2028-09-27")
    page = cohort_text(sozialamt)
    assert "Übergabe begonnen: erreicht am 15.09.2028 (verspätet)" in page
    assert "Teilhabeplanverfahren bei der Bundesagentur für Arbeit angefragt: fällig am 31.10.2028" in page

    # Simon's participation request is missed: the LWV's Fachdienst is reminded, then its lead
    worker_on(kf, "2028-11-01")
    lwv = [n for n in milestone_notices(kf, "reminder") if n[1] != "handover_started"]
    assert lwv == [("2028-11-01", "participation_requested", "§ 8 b Liste 2027, Zeile 2", ["lwv-fachdienst-lk-giessen"])]
    worker_on(kf, "2028-11-06")
    assert [n for n in milestone_notices(kf, "escalation") if n[1] != "handover_started"] == []
    worker_on(kf, "2028-11-07")
    assert [n for n in milestone_notices(kf, "escalation") if n[1] != "handover_started"] == [
        ("2028-11-07", "participation_requested", "§ 8 b Liste 2027, Zeile 2", ["lwv-leitung-fachdienst"])]
    assert mails_to(kf, "lwv.leitung", "escalation", simon)  # the mail links the handover, where the work is
    request_participation(kf, simon, "2028-11-20", "2028-11-16")

    # Paula's takeover is confirmed in time; Simon's (due 08.05.2029) is not
    confirm_takeover(kf, paula, "2029-04-03")
    worker_on(kf, "2029-05-09")
    assert ("2029-05-09", "takeover_confirmed", "§ 8 b Liste 2027, Zeile 2", ["lwv-fachdienst-lk-giessen"]) \
        in milestone_notices(kf, "reminder")
    worker_on(kf, "2029-05-15")
    assert not [n for n in milestone_notices(kf, "escalation") if n[1] == "takeover_confirmed"]
    worker_on(kf, "2029-05-16")  # five working days, Christi Himmelfahrt (10.05.2029) not counted
    assert [n[:2] for n in milestone_notices(kf, "escalation") if n[1] == "takeover_confirmed"] == [
        ("2029-05-16", "takeover_confirmed")]
    # Nora has no handover: only its start was chased, the LWV is not asked for what it cannot do
    assert not [n for n in milestone_notices(kf, "reminder") if n[2].endswith("Zeile 3") and n[1] != "handover_started"]
    confirm_takeover(kf, simon, "2029-06-01")

    # Then the cohort page shows each person's state on 01.06.2029
    fachdienst = as_user("lwv.fachdienst")
    page = cohort_text(fachdienst)
    assert "Übernahme bestätigt (03.04.2029)" in page and "Übernahme bestätigt (01.06.2029)" in page
    assert "Übergabe nicht begonnen" in page and "Übernahme bestätigt: erreicht am 01.06.2029 (verspätet)" in page
    assert "erinnert am 01.08.2028; eskaliert am 07.08.2028" in page

    # And after the end of school the Kennzahlen count one in time, one late, one not at all, without names
    at(kf, "2029-08-01")
    figures = fachdienst.get("/figures").text
    assert row_text(figures, COHORT) == "2027 3 1 1 1 0 0 0 764"  # median of 734 and 793 days
    export = fachdienst.get("/figures/export.csv").get_data().decode("utf-8-sig")
    assert f"landkreis-giessen;§ 8 b;{COHORT};2027;Verspätet übernommen;1" in export
    assert f"landkreis-giessen;§ 8 b;{COHORT};2027;Median der Tage von der Liste bis zur bestätigten Übernahme;764" \
        in export
    assert not any(name in figures + export for person in ROWS for name in (person["last_name"], person["first_name"]))


def test_the_cohort_page_is_for_those_who_may_see_the_list(kf, as_user):
    deliver_list(kf, 2027, ROWS, "2027-03-31")
    outsider = as_user("lwv.fb204")  # an LWV unit that takes no part in the list

    outsider.get("/cohort/landkreis-giessen/2027", status=404)

    assert "Pünktlich" not in outsider.text
    outsider.get("/cohort")
    assert "Liste 2027" not in outsider.text
    sozialamt = as_user("lk.sozialamt")
    sozialamt.get("/cohort")
    assert "Liste 2027" in sozialamt.text


def test_a_person_named_again_a_year_later_is_linked_not_doubled(kf, as_user):
    first = deliver_list(kf, 2027, ROWS[:1], "2027-03-31")
    handover = start_from_row(kf, first, 0, "2027-06-01")
    repeated = {**ROWS[0], "expected_school_end": "2030-07-31"}  # repeated a school year
    second = deliver_list(kf, 2028, [repeated], "2028-03-30")

    sozialamt = as_user("lk.sozialamt")
    later = cohort_text(sozialamt, 2028)
    assert "schon in der Liste 2027" in later and "Übergabe läuft" in later
    assert "erneut gemeldet (Liste 2028)" in cohort_text(sozialamt, 2027)
    sozialamt.submit(f"/cases/{second}", f"/cases/{second}/rows/0/handover", status=409)
    assert "läuft bereits die Übergabe" in sozialamt.text
    assert handover

    # Kennzahlen year over year: the person counts once, in the later list
    figures = sozialamt.get("/figures").text
    assert row_text(figures, COHORT, 2027) == "2027 1 0 0 0 0 0 1 –"
    assert row_text(figures, COHORT, 2028) == "2028 1 0 0 0 0 1 0 –"


def test_a_handover_prepared_by_hand_for_a_listed_person_is_linked_to_the_entry(kf, as_user):
    list_case = deliver_list(kf, 2027, ROWS, "2027-03-31")
    person = ROWS[2]
    started = start_case(kf.db, kf.clock, actor(kf, "lk.jugendamt"), "handover_school_end", "landkreis-giessen")
    complete_task(kf.db, kf.clock, actor(kf, "lk.jugendamt"), started.my_task_id, {
        "person": {k: person[k].upper() if k == "last_name" else person[k]  # typed in capitals: still her
                   for k in ("last_name", "first_name", "birth_date", "habitual_residence")},
        "school": person["school"], "expected_school_end": person["expected_school_end"],
        "current_benefits": "Wohnen im Internat", "has_overall_plan": True, "consent_on_file": True,
        "prior_benefits": PRIOR_BENEFITS})

    sozialamt = as_user("lk.sozialamt")
    page = cohort_text(sozialamt)
    assert page.count("Übergabe nicht begonnen") == 2 and page.count("Übergabe läuft") == 1
    sozialamt.submit(f"/cases/{list_case}", f"/cases/{list_case}/rows/2/handover", status=409)
    assert "Für diese Person läuft bereits die Übergabe GI-2027-" in sozialamt.text


def test_lahnfeld_runs_its_own_milestones(kf, as_user):
    rows = [{**ROWS[0], "habitual_residence": "Lahnfeld"}]
    deliver_list(kf, 2027, rows, "2027-04-28", agreement="landkreis-lahnfeld", user="lf.teilhabe")

    page = cohort_text(as_user("lf.teilhabe"), agreement="landkreis-lahnfeld")

    assert "Übergabe begonnen: fällig am 30.04.2028" in page  # 15 months before 31.07.2029
    assert "Übernahme bestätigt: fällig am 10.04.2029" in page  # 16 weeks before


def test_agreement_data_whose_milestones_name_no_role_or_no_distance_is_refused():
    data = load_agreement("landkreis-giessen").data
    cohort = data["school_leaver_cohort"]
    unknown = {**cohort, "milestones": {**cohort["milestones"],
                                        "takeover_confirmed": {"weeks_before": 12, "office": "x", "lead": "local_lead"}}}
    assert "school_leaver_cohort/milestones/takeover_confirmed/office: die Rolle x steht nicht unter roles." \
        in value_problems({**data, "school_leaver_cohort": unknown}).values()
    no_distance = {**cohort, "milestones": {**cohort["milestones"],
                                            "handover_started": {"office": "local_case_office", "lead": "local_lead"}}}
    assert "school_leaver_cohort/milestones/handover_started" in check_agreement_data(
        {**data, "school_leaver_cohort": no_distance})

"""The caseworker's desk: whom a case is about, the Posteingang's filters and sorts, and the
Vorgänge search with saved filters — only ever over the cases the user may see."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import PREPARE_JSON
from tests.support.pages import CSRF, text_of
from workflows.cases import saved_filters
from workflows.cases.case_list import CaseFilter, case_page, count_cases
from workflows.cases.inbox import InboxFilter, inbox_page
from workflows.cases.starting import start_case
from workflows.clock import berlin_date
from workflows.store.case_search import CaseSearchTerm
from workflows.store.cases import Case
from workflows.tasks import complete_task


def handover_for(kf, last_name: str, first_name: str, birth_date: str, school_end: str = "2027-07-31") -> int:
    started = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    person = {**PREPARE_JSON["person"], "last_name": last_name, "first_name": first_name, "birth_date": birth_date}
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), started.my_task_id,
                  {**PREPARE_JSON, "person": person, "expected_school_end": school_end})
    return started.case_id


def search(browser, **form):
    page = browser.client.get("/cases")
    token = CSRF.search(page.text).group(1)
    response = browser.client.post("/cases/search", data={"csrf_token": token, **form})
    return response, text_of(response.text)


def test_inbox_rows_say_process_and_whom_the_case_is_about(kf, as_user):
    handover_for(kf, "Schneider", "Lena", "2009-05-03")

    browser = as_user("lwv.fachdienst")
    browser.get("/inbox")

    assert "Schneider, Lena, 03.05.2009" in browser.text
    assert "Übergabe bei Ende der Schulausbildung" in browser.text
    assert "Träger" not in browser.text  # the column that always showed one's own agency is gone


def test_overdue_tasks_are_marked_in_words_and_can_be_filtered(kf, as_user):
    late = handover_for(kf, "Schneider", "Lena", "2009-05-03")
    kf.clock.advance(days=30)  # past the review's 10 working days
    fresh = handover_for(kf, "Becker", "Ali", "2008-01-02")
    lea = actor(kf, "lwv.fachdienst")
    today = berlin_date(kf.clock.now())

    rows = inbox_page(kf.db, lea, filters=InboxFilter(overdue=True), today=today).rows

    assert [r.case_id for r in rows] == [late] and rows[0].overdue
    browser = as_user("lwv.fachdienst")
    browser.get("/inbox")
    assert browser.page.text.count('<strong class="overdue">überfällig</strong>') == 1
    browser.get("/inbox?overdue=1")
    assert "Schneider" in browser.text and "Becker" not in browser.text
    assert fresh


def test_inbox_filters_by_assignment_due_date_and_sorts_by_case_number(kf, as_user):
    first = handover_for(kf, "Schneider", "Lena", "2009-05-03")
    kf.clock.advance(days=3)
    second = handover_for(kf, "Becker", "Ali", "2008-01-02")
    lea = actor(kf, "lwv.fachdienst")
    browser = as_user("lwv.fachdienst")
    browser.submit("/inbox", f"/tasks/{open_task(kf, second, 'review_handover')}/claim", {})
    today = berlin_date(kf.clock.now())

    mine = inbox_page(kf.db, lea, filters=InboxFilter(scope="mine"), today=today).rows
    unassigned = inbox_page(kf.db, lea, filters=InboxFilter(scope="unassigned"), today=today).rows
    by_number = inbox_page(kf.db, lea, filters=InboxFilter(sort="case"), today=today).rows
    due_soon = inbox_page(kf.db, lea, filters=InboxFilter(due_by=rows_due(kf, first)), today=today).rows

    assert [r.case_id for r in mine] == [second]
    assert [r.case_id for r in unassigned] == [first]
    assert [r.case_number for r in by_number] == sorted(r.case_number for r in by_number)
    assert [r.case_id for r in due_soon] == [first]
    browser.get("/inbox?scope=mine&sort=since")
    assert "Becker" in browser.text and "Schneider" not in browser.text


def rows_due(kf, case_id: int) -> date:
    with kf.db.transaction() as session:
        from workflows.store.tasks import HumanTask
        return session.scalar(select(HumanTask.due_on).where(HumanTask.case_id == case_id,
                                                             HumanTask.state == "open"))


def test_a_bad_due_date_gets_a_german_message_not_an_error_page(as_user):
    browser = as_user("lwv.fachdienst")
    browser.get("/inbox?due_by=31.02.2027", status=422)
    assert "Bitte geben Sie das Datum im Format TT.MM.JJJJ an" in browser.text


def test_search_finds_a_case_by_name_birth_date_or_number(kf, as_user):
    lena = handover_for(kf, "Schneider", "Lena", "2009-05-03")
    other = handover_for(kf, "Becker", "Ali", "2008-01-02")
    lea = actor(kf, "lwv.fachdienst")

    assert [r.case_id for r in case_page(kf.db, lea, CaseFilter(q="schnei")).rows] == [lena]
    assert [r.case_id for r in case_page(kf.db, lea, CaseFilter(q="Lena Schneider")).rows] == [lena]
    assert [r.case_id for r in case_page(kf.db, lea, CaseFilter(q="03.05.2009")).rows] == [lena]
    with kf.db.transaction() as session:
        number = session.get(Case, other).case_number
    assert [r.case_id for r in case_page(kf.db, lea, CaseFilter(q=number.lower())).rows] == [other]
    assert case_page(kf.db, lea, CaseFilter(q="Lena Becker")).rows == []
    browser = as_user("lk.sozialamt")
    response, text = search(browser, q="Schneider")
    assert response.status_code == 200 and "Schneider, Lena, 03.05.2009" in text and "Becker" not in text
    assert "Schneider" not in response.request.url


def test_a_user_outside_the_case_finds_nothing_not_even_a_count(kf, as_user):
    handover_for(kf, "Schneider", "Lena", "2009-05-03")
    outsider = actor(kf, "lk.gesundheitsamt")

    assert case_page(kf.db, outsider, CaseFilter(q="Schneider")).rows == []
    assert count_cases(kf.db, outsider, CaseFilter(q="Schneider")) == 0
    browser = as_user("lk.gesundheitsamt")
    _response, text = search(browser, q="Schneider")
    assert "Schneider" not in text and "Lena" not in text
    assert "Kein Vorgang entspricht der Suche" in text


def test_filters_by_process_status_start_and_school_end_and_pages_by_key(kf, as_user):
    early = handover_for(kf, "Schneider", "Lena", "2009-05-03", school_end="2027-06-30")
    late = handover_for(kf, "Becker", "Ali", "2008-01-02", school_end="2028-07-31")
    lea = actor(kf, "lwv.fachdienst")

    before = case_page(kf.db, lea, CaseFilter(school_end_before=date(2027, 7, 31))).rows
    handovers = case_page(kf.db, lea, CaseFilter(process="handover_school_end", status="running")).rows
    first = case_page(kf.db, lea, CaseFilter(), page_size=1)
    second = case_page(kf.db, lea, CaseFilter(), cursor=first.next_cursor, page_size=1)

    assert [r.case_id for r in before] == [early]
    assert {r.case_id for r in handovers} == {early, late}
    assert [r.case_id for r in first.rows + second.rows] == [late, early]
    assert first.rows[0].stands[0].startswith("Übergabe prüfen")
    browser = as_user("lwv.fachdienst")
    browser.get("/cases?school_end_before=2027-07-31")
    assert "Schneider" in browser.text and "Becker" not in browser.text


def test_a_saved_filter_keeps_its_search_off_the_url_and_shows_its_count_on_the_inbox(kf, as_user):
    handover_for(kf, "Schneider", "Lena", "2009-05-03")
    handover_for(kf, "Becker", "Ali", "2008-01-02")
    browser = as_user("lwv.fachdienst")
    page = browser.client.get("/cases")
    token = CSRF.search(page.text).group(1)

    saved = browser.client.post("/cases/filters", data={"csrf_token": token, "q": "Schneider", "name": "Frau Schneider"})

    assert saved.status_code == 302 and "Schneider" not in saved.headers["Location"]
    browser.get(saved.headers["Location"])
    assert "Schneider, Lena" in browser.text and "Becker" not in browser.text
    browser.get("/inbox")
    assert "Frau Schneider (1 Vorgang)" in browser.text
    again = browser.client.post("/cases/filters", data={"csrf_token": token, "q": "Becker", "name": "Frau Schneider"})
    assert again.status_code == 422 and "schon einen Filter mit diesem Namen" in text_of(again.text)
    other = as_user("lwv.fachdienst2")
    other.get(saved.headers["Location"], status=404)


def test_retention_removes_the_subject_and_its_search_terms(kf):
    from workflows.cases.subject import forget_subject
    case_id = offered_handover(kf)
    with kf.db.transaction() as session:
        case = session.get(Case, case_id)
        assert case.subject and case.school_end_on
        forget_subject(session, case)
    with kf.db.transaction() as session:
        assert session.get(Case, case_id).subject is None
        assert session.scalars(select(CaseSearchTerm).where(CaseSearchTerm.case_id == case_id)).all() == []


def test_the_inbox_counts_a_saved_filter_only_up_to_its_cap_so_its_cost_stays_flat(kf, as_user, monkeypatch):
    """bench/inbox.py: counting every case of a saved filter made the Posteingang 56× slower from
    1,000 to 100,000 cases; it now counts to the cap and says "mehr als …"."""
    for surname in ("Schneider", "Becker", "Wolf"):
        handover_for(kf, surname, "Lena", "2009-05-03")
    lea = actor(kf, "lwv.fachdienst")
    assert count_cases(kf.db, lea, CaseFilter(q="Lena")) == 3
    assert count_cases(kf.db, lea, CaseFilter(q="Lena"), cap=1) == 2
    saved_filters.save_filter(kf.db, kf.clock, lea, "Alle Lenas", CaseFilter(q="Lena"))
    saved_filters.save_filter(kf.db, kf.clock, lea, "Frau Wolf", CaseFilter(q="Wolf"))
    monkeypatch.setattr(saved_filters, "COUNT_CAP", 2)
    browser = as_user("lwv.fachdienst")
    browser.get("/inbox")
    assert "Alle Lenas (mehr als 2 Vorgänge)" in browser.text and "Frau Wolf (1 Vorgang)" in browser.text

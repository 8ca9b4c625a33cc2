"""The Posteingang: my groups' tasks and mine, by due date, paged, claimed and handed over."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, text

from tests.support.flows import actor, offered_handover, open_task
from tests.support.pages import inbox_tasks
from workflows.cases.inbox import InboxFilter, inbox_page
from workflows.cases.starting import start_case
from workflows.tasks import complete_task


def test_tasks_are_sorted_by_due_date_and_tasks_without_one_come_last(kf, as_user):
    # Given a prepared-but-unsent handover started first (due by the agreement's default, 10
    # working days: 15.03.2027) …
    draft = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    # … a week later, a question from the LWV (answer due in 10 working days: 22.03.2027) …
    kf.clock.advance(days=7)
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "question", "question": "Gutachten?"})
    # … and a task from before every task had a due date
    kf.clock.advance(minutes=1)
    undated = start_case(kf.db, kf.clock, actor(kf, "lk.sozialamt"), "handover_school_end", "landkreis-giessen")
    with kf.db.transaction() as session:
        session.execute(text("UPDATE human_tasks SET due_on = NULL, due_sort = '9999-12-31' WHERE case_id = :c"),
                        {"c": undated.case_id})
        session.execute(text("UPDATE human_task_groups SET due_sort = '9999-12-31' WHERE task_id IN "
                             "(SELECT id FROM human_tasks WHERE case_id = :c)"), {"c": undated.case_id})

    rows = inbox_page(kf.db, actor(kf, "lk.sozialamt")).rows

    assert [(r.task_name, r.due_on) for r in rows] == [("Übergabe vorbereiten", date(2027, 3, 15)),
                                                      ("Rückfrage beantworten", date(2027, 3, 22)),
                                                      ("Übergabe vorbereiten", None)]
    assert rows[0].case_id == draft.case_id and rows[2].case_id == undated.case_id
    browser = as_user("lk.sozialamt")
    browser.get("/inbox")
    assert "22.03.2027" in browser.text and "15.03.2027" in browser.text


def test_inbox_pages_through_all_tasks_once_each(kf, as_user):
    for _ in range(30):
        kf.clock.advance(minutes=1)
        offered_handover(kf)
    lea = actor(kf, "lwv.fachdienst")

    first = inbox_page(kf.db, lea)
    second = inbox_page(kf.db, lea, first.next_cursor)

    assert len(first.rows) == 25 and first.next_cursor
    assert len(second.rows) == 5 and second.next_cursor is None
    ids = [r.task_id for r in first.rows + second.rows]
    assert len(set(ids)) == 30
    browser = as_user("lwv.fachdienst")
    page_one = inbox_tasks(browser)
    assert "Nächste Seite" in browser.text and "Erste Seite" not in browser.text
    page_two = inbox_tasks(browser, f"/inbox?after={first.next_cursor}")
    assert "Erste Seite" in browser.text and "Nächste Seite" not in browser.text
    assert [t[0] for t in page_one + page_two] == ids


@pytest.mark.parametrize("backend", ["sqlite"])  # reads SQLite's EXPLAIN QUERY PLAN output
def test_group_inbox_is_read_in_order_off_its_index_without_sorting(kf):
    with kf.db.engine.connect() as connection:
        plan = " ".join(str(row[-1]) for row in connection.execute(text(
            "EXPLAIN QUERY PLAN SELECT due_sort, task_id FROM human_task_groups "
            "WHERE org_unit_id = 'x' AND is_open = 1 ORDER BY due_sort, task_id LIMIT 26")))
    assert "ix_human_task_groups_inbox" in plan
    assert "TEMP B-TREE" not in plan  # no sort of all open tasks: page cost does not grow


@pytest.mark.parametrize("backend", ["sqlite"])  # reads SQLite's EXPLAIN QUERY PLAN output
@pytest.mark.parametrize("filters", [InboxFilter(due_by=date(2027, 3, 31), sort="since"),
                                     InboxFilter(overdue=True, sort="case"), InboxFilter(due_by=date(2027, 3, 31))],
                         ids=["due-by-since", "overdue-case", "due-by-due"])
def test_a_due_date_filter_keeps_the_sorts_own_index_so_the_page_cost_does_not_grow(kf, filters):
    """bench/inbox.py: "due by + sort since" grew 1.8× from 1k to 100k cases while SQLite took
    the due-date index and sorted every match."""
    statements = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM human_task_groups" in statement:
            statements.append((statement, parameters))

    event.listen(kf.db.engine, "before_cursor_execute", keep)
    try:
        inbox_page(kf.db, actor(kf, "lwv.fachdienst"), filters=filters, today=date(2027, 3, 1))
    finally:
        event.remove(kf.db.engine, "before_cursor_execute", keep)
    assert statements
    for statement, parameters in statements:
        with kf.db.engine.connect() as connection:
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
        assert "TEMP B-TREE" not in plan, plan


def test_claim_shows_who_works_on_it_and_others_cannot_complete(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea, lars = as_user("lwv.fachdienst"), as_user("lwv.fachdienst2")

    lea.submit("/inbox", f"/tasks/{review}/claim", {"return_to": "inbox"}, status=302)

    lars.get(f"/tasks/{review}")
    assert "Bearbeitung Lea Fachdienst" in lars.text
    lars.submit(f"/tasks/{review}", f"/tasks/{review}", {"decision": "question", "question": "?"}, status=409)
    assert "Diese Aufgabe bearbeitet bereits Lea Fachdienst." in lars.text
    lea.get(f"/tasks/{review}")
    assert "Bearbeitung Sie" in lea.text


def test_hand_over_to_a_colleague_and_give_back_to_the_group(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea, lars = as_user("lwv.fachdienst"), as_user("lwv.fachdienst2")
    lea.submit("/inbox", f"/tasks/{review}/claim", {"return_to": "inbox"}, status=302)

    lea.submit(f"/tasks/{review}", f"/tasks/{review}/hand-over", {"colleague": "lwv.fachdienst2"}, status=302)
    lars.get(f"/tasks/{review}")
    assert "Bearbeitung Sie" in lars.text

    lars.submit(f"/tasks/{review}", f"/tasks/{review}/unclaim", status=302)
    lars.get(f"/tasks/{review}")
    assert "noch niemand (Gruppenposteingang)" in lars.text
    lars.get(f"/cases/{case_id}")
    assert "Lea Fachdienst Aufgabe übergeben: Übergabe prüfen an Lars Fachdienst" in lars.text
    assert "Lars Fachdienst Aufgabe zurückgegeben: Übergabe prüfen" in lars.text


def test_a_task_cannot_be_handed_to_someone_outside_its_group(kf, as_user):
    case_id = offered_handover(kf)
    review = open_task(kf, case_id, "review_handover")
    lea = as_user("lwv.fachdienst")
    lea.submit("/inbox", f"/tasks/{review}/claim", {"return_to": "inbox"}, status=302)

    lea.follow(lea.submit(f"/tasks/{review}", f"/tasks/{review}/hand-over", {"colleague": "lwv.fb204"}, status=302))

    assert "nur an eine Kollegin oder einen Kollegen der Gruppe" in lea.text
    assert "Bearbeitung Sie" in lea.text

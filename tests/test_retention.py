"""Retention: ten years (the agreement's ``retention_years``) after a case closed, the
worker deletes its personal data — the entered values, the documents — and leaves the
anonymous figures; the deletion is in the audit log. Driven by moving the clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.documents import CSV, upload
from tests.support.flows import actor, open_task
from tests.support.named_list import ROWS, delivered_list
from tests.support.pages import text_of
from workflows.annual.requests import open_annual_cases
from workflows.clock import BERLIN
from workflows.store.annual import AnnualCase
from workflows.store.audit_log import AuditLogEntry
from workflows.store.cases import Case
from workflows.store.cohort import CohortEntry
from workflows.store.documents import Document
from workflows.store.history import HistoryEvent
from workflows.tasks import complete_task
from workflows.worker import run_once

FIGURE = "Zu meldende Personen;2"


def at(kf, day: str, hour: int = 8) -> None:
    kf.clock.set(datetime.fromisoformat(day).replace(hour=hour, tzinfo=BERLIN))


def worker(kf, settings):
    return run_once(kf.db, kf.clock, documents_dir=settings.documents_dir).personal_data_deleted


def acknowledged_named_list(kf) -> int:
    """The 2027 named list, delivered and acknowledged on 04.01.2027: closed."""
    case_id = delivered_list(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "acknowledge_named_list"),
                  {"complete": True})
    return case_id


def regional_data_set(kf, as_user, year: int) -> int:
    """The year's § 9 data set, uploaded and acknowledged on 01.07.: closed, with one document."""
    at(kf, f"{year}-07-01")
    open_annual_cases(kf.db, kf.clock)
    with kf.db.transaction() as session:
        case_id = session.scalar(select(AnnualCase.case_id).where(
            AnnualCase.request_key == "regional_data_report", AnnualCase.year == year))
    assert upload(as_user("lwv.fachdienst"), open_task(kf, case_id, "provide_regional_data"), CSV).status_code == 302
    complete_task(kf.db, kf.clock, actor(kf, "lk.sozialamt"), open_task(kf, case_id, "acknowledge_regional_data"),
                  {"complete": True})
    return case_id


def export(browser) -> str:
    return browser.get("/figures/export.csv").get_data().decode("utf-8-sig")


def test_ten_years_after_closing_the_persons_are_gone_and_the_figures_stay(kf, settings, as_user):
    list_case = acknowledged_named_list(kf)
    fachdienst = as_user("lwv.fachdienst")
    assert ROWS[1]["last_name"] in fachdienst.get(f"/cases/{list_case}").text
    assert FIGURE in export(fachdienst)

    at(kf, "2037-01-03")  # ten years less a day
    assert worker(kf, settings) == 0
    assert ROWS[1]["last_name"] in fachdienst.get(f"/cases/{list_case}").text

    at(kf, "2037-01-05")
    assert worker(kf, settings) == 1
    page = fachdienst.get(f"/cases/{list_case}").text
    assert not [row[key] for row in ROWS for key in ("last_name", "first_name", "school") if row[key] in page]
    assert "Die Aufbewahrungsfrist dieses Vorgangs ist abgelaufen" in text_of(page)
    assert "Namentliche Liste übermitteln" in text_of(page)  # the steps and who did them stay
    assert FIGURE in export(fachdienst)
    with kf.db.transaction() as session:
        case = session.get(Case, list_case)
        assert case.state == b"" and case.case_number.startswith("GI-2027-")
        assert all(e.details == {} for e in session.scalars(select(HistoryEvent).where(HistoryEvent.case_id == list_case)))
        [logged] = session.scalars(select(AuditLogEntry).where(AuditLogEntry.kind == "retention.deleted"))
        assert (logged.case_id, logged.case_number, logged.actor_id) == (list_case, case.case_number, None)
        # the school-leaver cohort keeps its entries (the Kennzahlen), not what recognised the persons
        entries = session.scalars(select(CohortEntry).where(CohortEntry.list_case_id == list_case)).all()
        assert len(entries) == 2 and {e.person_key for e in entries} == {""}
    page = fachdienst.get("/cohort/landkreis-giessen/2027").text
    assert "(Daten gelöscht)" in page and ROWS[1]["last_name"] not in page
    assert worker(kf, settings) == 0  # once is enough


def test_a_document_file_goes_when_no_other_case_has_the_same_content(kf, settings, as_user):
    first, second = regional_data_set(kf, as_user, 2027), regional_data_set(kf, as_user, 2028)
    with kf.db.transaction() as session:
        [key] = set(session.scalars(select(Document.storage_key)))
    stored = settings.documents_dir / key
    assert stored.read_bytes() == CSV

    at(kf, "2037-07-02")
    assert worker(kf, settings) == 1
    with kf.db.transaction() as session:
        assert list(session.scalars(select(Document.case_id))) == [second]
    assert stored.is_file()  # the 2028 data set has the same bytes and is still kept
    assert as_user("lk.sozialamt").client.get(f"/cases/{first}").status_code == 200

    at(kf, "2038-07-02")
    assert worker(kf, settings) == 1
    with kf.db.transaction() as session:
        assert list(session.scalars(select(Document.id))) == []
        targets = list(session.scalars(select(AuditLogEntry.target).where(AuditLogEntry.kind == "retention.deleted")))
    assert not stored.exists()
    assert targets == ["1 Dokument(e)", "1 Dokument(e)"]


def test_a_running_case_is_never_deleted_however_old(kf, settings, as_user):
    list_case = delivered_list(kf)  # delivered, not yet acknowledged: still running
    at(kf, "2047-01-05")
    worker(kf, settings)
    with kf.db.transaction() as session:
        assert session.get(Case, list_case).personal_data_deleted_at is None
    assert ROWS[0]["last_name"] in as_user("lwv.fachdienst").get(f"/cases/{list_case}").text

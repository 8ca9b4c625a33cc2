"""Uploads for task forms, driven through a real § 9 case (regional data set, CSV or XLSX).

The year's request opens on 01.07.2027; the LWV Fachdienst uploads the data set on the task
page; the Landkreis sees it on the case page and downloads it. Files are checked by their
content, stored outside the web root by their SHA-256, and every download is in the history.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.api import api_client
from tests.support.documents import CSV, FILENAME, regional_data_case, upload, workbook
from tests.support.flows import actor, open_task
from tests.support.pages import text_of
from workflows.cases.documents import store_upload
from workflows.errors import ValidationFailed
from workflows.store.documents import Document
from workflows.store.history import HistoryEvent
from workflows.store.tasks import HumanTask
from workflows.tasks import complete_task

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
NOT_CSV_OR_XLSX = "Die Datei ist keine CSV- oder XLSX-Datei."
STATIC = Path(__file__).resolve().parents[1] / "service" / "static"


@pytest.fixture
def case_id(kf) -> int:
    return regional_data_case(kf)


@pytest.fixture
def fachdienst(as_user):
    return as_user("lwv.fachdienst")


def xlsx(*members: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in members:
            archive.writestr(member, "<xml/>")
    return buffer.getvalue()


def documents(kf) -> list[Document]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def downloads(kf, case_id: int) -> list[HistoryEvent]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(HistoryEvent).where(
            HistoryEvent.case_id == case_id, HistoryEvent.kind == "document.downloaded")))


def test_the_form_asks_for_a_csv_or_xlsx_file(kf, case_id, fachdienst):
    page = fachdienst.get(f"/tasks/{open_task(kf, case_id, 'provide_regional_data')}").text
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" id="field-document_id" name="document_id" accept=".csv,.xlsx"' in page
    assert "Höchstens 20 MB." in text_of(page)


def test_a_csv_upload_completes_the_task_and_the_landkreis_downloads_it(kf, settings, case_id, fachdienst, as_user):
    task_id = open_task(kf, case_id, "provide_regional_data")
    response = upload(fachdienst, task_id, CSV, comment="Stand 30.06.2027")
    assert response.status_code == 302, text_of(response.text)[:500]
    [document] = documents(kf)
    assert (document.case_id, document.task_id, document.field_name) == (case_id, task_id, "document_id")
    assert (document.filename, document.size, document.media_type) == (FILENAME, len(CSV), "text/csv; charset=utf-8")
    stored = (settings.documents_dir / document.storage_key).resolve()
    assert stored.read_bytes() == CSV and stored.name == document.sha256 and stored.parent.name == document.sha256[:2]
    assert stored.is_relative_to(settings.documents_dir.resolve()) and not stored.is_relative_to(STATIC)
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).state == "completed"
        completed = session.scalar(select(HistoryEvent).where(HistoryEvent.kind == "task.completed"))
        assert completed.details["data"] == {"document_id": document.id, "comment": "Stand 30.06.2027"}

    landkreis = as_user("lk.sozialamt")
    page = landkreis.get(f"/cases/{case_id}").text
    assert f'href="/documents/{document.id}"' in page
    assert "Dokumente" in text_of(page) and FILENAME in text_of(page) and document.sha256[:16] in page
    assert "Fachdienst" in text_of(page.split('id="documents-heading"')[1].split("</section>")[0])  # the uploader
    response = landkreis.get(f"/documents/{document.id}")
    assert response.data == CSV
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Datensatz Giessen - Uebersicht 2027.csv\"; "
        "filename*=UTF-8''Datensatz%20Gie%C3%9Fen%20%E2%80%93%20%C3%9Cbersicht%202027.csv")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    [event] = downloads(kf, case_id)
    assert event.actor_id == actor(kf, "lk.sozialamt").user_id and event.details == {"document": document.id}
    assert f"Dokument heruntergeladen: {FILENAME}" in text_of(landkreis.get(f"/cases/{case_id}").text)


def test_who_does_not_see_the_case_gets_404_and_nothing_is_recorded(kf, case_id, fachdienst, as_user):
    upload(fachdienst, open_task(kf, case_id, "provide_regional_data"), CSV)
    [document] = documents(kf)
    other = as_user("lwv.fb204")
    other.get(f"/documents/{document.id}", status=404)
    other.get(f"/documents/{document.id + 1}", status=404)
    assert downloads(kf, case_id) == []
    assert "Gießen" not in other.page.text and "Datensatz" not in other.page.text


@pytest.mark.parametrize("content, filename, message", [
    (PNG, "daten.csv", NOT_CSV_OR_XLSX),  # a picture renamed .csv
    (xlsx("hello.txt"), "daten.xlsx", NOT_CSV_OR_XLSX),  # a plain zip renamed .xlsx
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "daten.csv", NOT_CSV_OR_XLSX),  # PDF: known, but not taken here
    (b"nur eine Spalte\nund noch eine Zeile\n", "daten.csv", NOT_CSV_OR_XLSX),
    (b"", "daten.csv", "Die Datei ist leer."),
    (b"a;b\n" + b"1;2\n" * (5 * 2**20), "gross.csv", "Die Datei ist größer als 20 MB."),
])
def test_a_refused_file_is_named_at_its_field_and_writes_no_document(kf, case_id, fachdienst, content, filename,
                                                                     message):
    task_id = open_task(kf, case_id, "provide_regional_data")
    response = upload(fachdienst, task_id, content, filename, comment="Bitte prüfen")
    assert response.status_code == 422, text_of(response.text)[:300]
    assert f'<p class="field-error" id="field-document_id-error"><span class="visually-hidden">Fehler:</span> {message}</p>' \
        in response.text
    assert "Bitte prüfen</textarea>" in response.text  # nothing else is lost
    assert documents(kf) == []
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).state == "open"


def test_no_file_gets_the_forms_required_message(kf, case_id, fachdienst):
    response = upload(fachdienst, open_task(kf, case_id, "provide_regional_data"), None, comment="Datei folgt")
    assert response.status_code == 422
    assert "Bitte laden Sie den Datensatz als CSV- oder XLSX-Datei hoch." in text_of(response.text)


def test_an_xlsx_workbook_is_accepted(kf, case_id, fachdienst):
    content = workbook([["Kreis", "Leistung", "Anzahl"], ["Gießen", "Wohnen", 12]])
    response = upload(fachdienst, open_task(kf, case_id, "provide_regional_data"), content, "Daten.xlsx")
    assert response.status_code == 302, text_of(response.text)[:500]
    [document] = documents(kf)
    assert document.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_failed_command_writes_no_document_row(kf, settings, case_id):
    """The row is made in complete_task's transaction: a validation error rolls it back."""
    stored = store_upload(settings.documents_dir, io.BytesIO(CSV), "daten.csv", {"csv"}, 1000)
    task_id = open_task(kf, case_id, "provide_regional_data")
    with pytest.raises(ValidationFailed) as failure:
        complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), task_id, {"comment": "x" * 4001},
                      uploads={"document_id": stored})
    assert list(failure.value.errors) == ["comment"]
    assert documents(kf) == []
    assert (settings.documents_dir / stored.storage_key).is_file()  # content-addressed, harmless


def test_the_api_cannot_fill_a_file_field_with_a_number(app, kf, case_id):
    task_id = open_task(kf, case_id, "provide_regional_data")
    api = api_client(app, kf, kf.clock, "lwv.fachdienst")
    answer = api.post(f"/api/v1/tasks/{task_id}/complete", {"document_id": 1}, status=422)
    assert answer["errors"] == {"document_id": "Bitte laden Sie den Datensatz als CSV- oder XLSX-Datei hoch."}
    assert documents(kf) == []
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert "not supported" in spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["description"]

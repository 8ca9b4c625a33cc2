"""Documents in the handover: the Landkreis answers a Rückfrage with the asked-for Gesamtplan
attached; the LWV sees it on the case page (who, when) and downloads it; nobody outside the
case can. Files are checked by their content: PDF, PNG, JPEG, DOCX, XLSX, ODT."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.support.flows import actor, offered_handover, open_task
from tests.support.pages import CSRF, text_of
from workflows.cases.documents import sniff
from workflows.tasks import complete_task

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FILENAME = "Gesamtplan Mustermann.pdf"


def zipped(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def asked_handover(kf) -> int:
    """A handover the LWV has answered with a Rückfrage: it waits for the Landkreis' answer."""
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  {"decision": "question", "question": "Bitte Gesamtplan nachreichen."})
    return case_id


def answer_with(browser, task_id: int, files: dict[str, tuple[bytes, str]]):
    page = browser.get(f"/tasks/{task_id}")
    data = {"csrf_token": CSRF.search(page.text).group(1), "answer": "Der Gesamtplan liegt bei.",
            **{field: (io.BytesIO(content), name) for field, (content, name) in files.items()}}
    return browser.client.post(f"/tasks/{task_id}", data=data, content_type="multipart/form-data")


def test_the_answer_carries_the_asked_for_document_which_only_the_case_s_users_download(kf, as_user):
    case_id = asked_handover(kf)
    sozialamt = as_user("lk.sozialamt")
    answer_page = sozialamt.get(f"/tasks/{open_task(kf, case_id, 'answer_question')}")
    assert 'enctype="multipart/form-data"' in answer_page.text and "Nachgereichte Unterlage" in answer_page.text

    response = answer_with(sozialamt, open_task(kf, case_id, "answer_question"),
                           {"attachment_1_document_id": (PDF, FILENAME)})
    assert response.status_code == 302

    fachdienst = as_user("lwv.fachdienst")
    case_page = fachdienst.get(f"/cases/{case_id}")
    text = text_of(case_page.text)
    assert "Dokumente" in text and FILENAME in text and "Sina Sozial" in text
    assert f"Nachgereichte Unterlage {FILENAME}" in text  # the record names the file, not a number
    document_url = next(part.split('"')[0] for part in case_page.text.split('href="')[1:]
                        if part.startswith("/documents/"))
    download = fachdienst.client.get(document_url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"

    assert as_user("lk.gesundheitsamt").client.get(document_url).status_code == 404


def test_a_program_named_pdf_is_refused_at_its_field_and_the_answer_is_not_sent(kf, as_user):
    case_id = asked_handover(kf)
    sozialamt = as_user("lk.sozialamt")
    task_id = open_task(kf, case_id, "answer_question")
    response = answer_with(sozialamt, task_id, {"attachment_1_document_id": (b"MZ\x90\x00" * 50, "Gesamtplan.pdf")})
    assert response.status_code == 422
    assert "Die Datei ist keine PDF-, PNG-, JPEG-, DOCX-, XLSX- oder ODT-Datei." in text_of(response.get_data(as_text=True))
    assert open_task(kf, case_id, "answer_question") == task_id


@pytest.mark.parametrize(("content", "kind"), [
    (PDF, "pdf"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
    (zipped({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}), "docx"),
    (zipped({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}), "xlsx"),
    (zipped({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}), "odt"),
    (zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), None),
    (zipped({"payload.exe": b"MZ"}), None),
])
def test_the_kind_of_a_document_is_read_from_its_bytes(content, kind):
    assert sniff(content)[0] == kind


def test_a_draft_says_that_it_does_not_keep_a_chosen_file(kf, as_user):
    case_id = asked_handover(kf)
    sozialamt = as_user("lk.sozialamt")
    task_id = open_task(kf, case_id, "answer_question")
    page = sozialamt.get(f"/tasks/{task_id}")
    response = sozialamt.client.post(f"/tasks/{task_id}", data={
        "csrf_token": CSRF.search(page.text).group(1), "answer": "Plan folgt", "save_draft": "1",
        "attachment_1_document_id": (io.BytesIO(PDF), FILENAME)}, content_type="multipart/form-data")
    assert response.status_code == 302
    text = text_of(sozialamt.get(f"/tasks/{task_id}").text)
    assert "Entwurf vom" in text and "Bitte wählen Sie sie beim Absenden erneut." in text

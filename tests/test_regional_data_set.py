"""§ 9 (issue 18 point 4): the regional data set's columns are agreement data; an uploaded CSV
or XLSX workbook is checked against them with German row/column messages at the field, and the figures the
agreement names appear in Kennzahlen beside the § 8 c/d counts."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.documents import CSV, regional_data_case, upload, workbook
from tests.support.flows import open_task
from tests.support.pages import text_of
from workflows.agreements.files import load_agreement, read_agreement_file
from workflows.annual.data_set import data_set_of, read_csv, read_xlsx
from workflows.errors import DefinitionError
from workflows.paths import AGREEMENTS_DIR

BROKEN = "Kreis;Leistung;Anzahl\nGießen;Wohnen;7\nGießen;Wohen;12\nLich;Arbeit;zwölf\n;Arbeit;-3\n".encode()


@pytest.fixture
def task(kf, as_user):
    return as_user("lwv.fachdienst"), open_task(kf, regional_data_case(kf), "provide_regional_data")


def test_the_task_page_names_the_expected_columns_before_the_upload(task):
    fachdienst, task_id = task
    text = text_of(fachdienst.get(f"/tasks/{task_id}").text)
    assert "Erwartete Spalten des Datensatzes Spalte Inhalt Leer? Kreis Text Pflicht " \
           "Leistung Text: Wohnen, Arbeit, Tagesstruktur, Assistenz Pflicht Anzahl ganze Zahl, mindestens 0 Pflicht" in text
    assert "getrennt durch „Semikolon“" in text
    assert "„Leistungsberechtigte laut Datensatz“, „davon Wohnen“, „davon Arbeit“" in text


def test_a_csv_that_does_not_fit_is_refused_with_row_and_column_at_the_field(kf, task):
    fachdienst, task_id = task
    response = upload(fachdienst, task_id, BROKEN, "daten.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#field-document_id"' in page and 'id="field-document_id-error"' in page
    message = text_of(page)
    for problem in ("Zeile 3, Spalte „Leistung“: „Wohen“ ist kein vorgesehener Wert (vorgesehen: Wohnen, Arbeit, "
                    "Tagesstruktur, Assistenz).",
                    "Zeile 4, Spalte „Anzahl“: „zwölf“ ist keine ganze Zahl.",
                    "Zeile 5, Spalte „Kreis“ ist leer.",
                    "Zeile 5, Spalte „Anzahl“: -3 ist kleiner als 0."):
        assert problem in message, problem
    assert open_task(kf, regional_data_case(kf), "provide_regional_data") == task_id  # still open

    response = upload(fachdienst, task_id, "Kreis;Anzahl;Jahr\nGießen;3;2027\n".encode(), "daten.csv")
    message = text_of(response.get_data(as_text=True))
    assert "Die Spalte „Leistung“ fehlt in der Kopfzeile (erwartet: Kreis; Leistung; Anzahl)." in message
    assert "Die Spalte „Jahr“ ist im Datensatz nicht vorgesehen." in message


def test_the_figures_of_a_fitting_csv_reach_the_case_and_kennzahlen(kf, task):
    fachdienst, task_id = task
    assert upload(fachdienst, task_id, CSV).status_code == 302  # Wohnen 120, Arbeit 35
    text = text_of(fachdienst.get("/figures").text)
    section = text[text.index("§ 9 Landesweit festgelegter Datensatz für die Region"):]
    assert section.index("Jahr Leistungsberechtigte laut Datensatz davon Wohnen davon Arbeit 2027 155 120 35") < 200
    assert "§ 8 c" in text and "§ 8 d" in text  # beside the counts of § 8 c/d
    export = fachdienst.get("/figures/export.csv").get_data(as_text=True)
    assert "landkreis-giessen;§ 9;Landesweit festgelegter Datensatz für die Region;2027;davon Wohnen;120" in export


def test_a_row_with_too_few_or_too_many_values_is_named_by_its_line():
    giessen = data_set_of(load_agreement("landkreis-giessen").data, "regional_data_report")
    problems, _ = read_csv(giessen, "Kreis;Leistung;Anzahl\nGießen;Wohnen\n\nLich;Arbeit;3;4\n".encode())
    assert problems == ["Zeile 2: 2 Werte statt 3", "Zeile 4: 4 Werte statt 3"]  # the empty line 3 is skipped


def test_each_agreement_reads_its_own_columns():
    lahnfeld = data_set_of(load_agreement("landkreis-lahnfeld").data, "regional_data_report")
    problems, rows = read_csv(lahnfeld, "Gemeinde,Leistungsbereich,Personen,Bemerkung\nAu,Wohnen,4,\nBach,Arbeit,7,neu\n".encode())
    assert problems == [] and [r["Personen"] for r in rows] == [4, 7]
    problems, _ = read_csv(lahnfeld, CSV)  # Gießen's semicolon file is not Lahnfeld's data set
    assert problems[0].startswith("Die Spalte „Gemeinde“ fehlt in der Kopfzeile")


def test_a_figure_naming_an_unknown_column_is_refused_when_the_agreement_is_read(tmp_path):
    text = (Path(AGREEMENTS_DIR) / "landkreis-giessen.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "landkreis-giessen.yaml"
    broken.write_text(text.replace("where: {Leistung: Arbeit}", "where: {Bereich: Arbeit}"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="data_sets/0, total_work: unbekannte Spalte Bereich"):
        read_agreement_file(broken)


def test_an_xlsx_workbook_that_does_not_fit_is_refused_with_row_and_column_at_the_field(kf, task):
    fachdienst, task_id = task
    content = workbook([["Kreis", "Leistung", "Anzahl"], ["Gießen", "Wohnen", 7], ["Gießen", "Wohen", 12],
                          [None, "Arbeit", "zwölf"], ["Lich", "Arbeit", -3.5]])
    response = upload(fachdienst, task_id, content, "Datensatz 2027.xlsx")
    assert response.status_code == 422
    message = text_of(response.get_data(as_text=True))
    for problem in ("Zeile 3, Spalte „Leistung“: „Wohen“ ist kein vorgesehener Wert",
                    "Zeile 4, Spalte „Kreis“ ist leer.", "Zeile 4, Spalte „Anzahl“: „zwölf“ ist keine ganze Zahl.",
                    "Zeile 5, Spalte „Anzahl“: „-3.5“ ist keine ganze Zahl."):
        assert problem in message, problem
    assert open_task(kf, regional_data_case(kf), "provide_regional_data") == task_id  # still open


def test_the_figures_of_a_fitting_xlsx_workbook_reach_kennzahlen(kf, task):
    fachdienst, task_id = task
    content = workbook([["Kreis", "Leistung", "Anzahl"], ["Gießen", "Wohnen", 80], ["Lich", "Wohnen", 4.0],
                          [None, None, None], ["Gießen", "Arbeit", 21]])
    assert upload(fachdienst, task_id, content, "Datensatz 2027.xlsx").status_code == 302
    text = text_of(fachdienst.get("/figures").text)
    section = text[text.index("§ 9 Landesweit festgelegter Datensatz für die Region"):]
    assert section.index("Jahr Leistungsberechtigte laut Datensatz davon Wohnen davon Arbeit 2027 105 84 21") < 200


def test_a_workbook_that_cannot_be_read_is_named_not_a_crash():
    giessen = data_set_of(load_agreement("landkreis-giessen").data, "regional_data_report")
    problems, rows = read_xlsx(giessen, b"PK\x03\x04 not really a workbook")
    assert rows == [] and problems[0].startswith("Die Arbeitsmappe lässt sich nicht lesen")
    problems, _ = read_xlsx(giessen, workbook([["Kreis", "Anzahl"], ["Gießen", 3]]))
    assert problems == ["Die Spalte „Leistung“ fehlt in der Kopfzeile (erwartet: Kreis; Leistung; Anzahl)"]

"""The agreement page reads as the agreement (issue 18 point 7): partners, members, bodies with
frequencies and participants, each annual request's deadline with its rule — in German, not
as YAML; the YAML stays one click away for operators."""
from __future__ import annotations

from tests.support.pages import text_of


def _reading(html: str) -> str:
    text = text_of(html)
    return text[text.index("Die Vereinbarung Kooperationsvereinbarung nach"):text.index("Fassungen")]


def test_the_agreement_page_reads_partners_bodies_and_deadlines_in_german(as_user):
    sozialamt = as_user("lk.sozialamt")
    reading = _reading(sozialamt.get("/agreements/landkreis-giessen").text)
    assert "Kooperationsvereinbarung nach § 5 HAG/SGB IX Unterzeichnet am 05.02.2020." in reading
    assert "Landeswohlfahrtsverband Hessen (überörtlicher Träger) Vertreten durch Landesdirektorin: Susanne Selbert; " \
           "Erster Beigeordneter: Dr. Andreas Jürgens." in reading
    assert "Fachbereich 207 Psychiatrische Versorgung und Sucht" in reading
    assert ("Regionale Planungskonferenz 207 Psychiatrische Versorgung und Sucht (Anlage 2) tagt 2-mal im Jahr; die "
            "Sitzungen werden am 01.02. und 01.08. eröffnet, erstmals 2021.") in reading
    assert ("Die Geschäftsführung wechselt alle 2 Jahre zwischen Landkreis Gießen und LWV Hessen, beginnend 2020 mit "
            "Landkreis Gießen.") in reading
    assert "Selbstvertretung (Werkstatträte, Bewohnerbeiräte, Ex-In)" in reading
    assert "Qualitätszirkel (§ 6) – noch nicht eingerichtet" in reading
    assert ("§ 8 b Namentliche Liste der voraussichtlichen Schulabgänger (stationär) Gemeldet wird, wer voraussichtlich "
            "im übernächsten Jahr die Schule beendet. Jedes Jahr ab 2021: eröffnet am 02.01., fällig am 31.03. Fällt "
            "der Tag auf einen Samstag, Sonntag oder Feiertag, ist am nächsten Werktag fällig (§ 193 BGB).") in reading
    assert "Erinnert wird 10 Arbeitstage vor der Frist, eskaliert an die Leitung am ersten Arbeitstag danach." in reading
    assert "Erwartete Spalten: „Kreis“ (Text); „Leistung“ (Text: Wohnen, Arbeit, Tagesstruktur, Assistenz)" in reading
    for raw in ("delivery_deadline_rule", "lkgi-", "lk.landraetin", "times_per_year", "03-31"):
        assert raw not in reading, raw
    assert 'href="/agreements/landkreis-giessen/versions/1#text-heading"' in sozialamt.page.text


def test_the_second_agreement_reads_its_own_data(as_user):
    reading = _reading(as_user("lf.teilhabe").get("/agreements/landkreis-lahnfeld").text)
    assert "Stadt Lahnfeld (Sonderstatusstadt) Vertreten durch Oberbürgermeister: Demo-Oberbürgermeister Lahnfeld." in reading
    assert "Der Tag gilt, auch wenn er auf ein Wochenende oder einen Feiertag fällt." in reading
    assert "fällig am 30.04." in reading  # its named list, by 30.04.
    assert "In KoopFlow geführt seit 01.03.2027" in reading  # the day it was first loaded here (the clock)
    assert "Gießen" not in reading


def test_the_yaml_is_one_click_away_on_the_version_page(as_user):
    page = as_user("lk.sozialamt").get("/agreements/landkreis-giessen/versions/1").text
    assert "<summary>Vereinbarungsdaten (YAML) für den Betrieb anzeigen</summary>" in page
    assert "delivery_deadline_rule: shift" in page  # inside the details, for operators
    assert "Jährliche Abfragen und ihre Fristen" in page

"""An Anpassung of the common parts without YAML (issue 18 point 7): a lead changes how often a
body meets, who takes part and when an annual request is due in a form, sees the diff the other
partner will see, and proposes it — the Anpassung starts with the changed data and its summary
filled in. Bad values get a German message at the field; who may not start an Anpassung finds
no such page."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from tests.support.agreement_life import AGREEMENT, complete
from tests.support.pages import CSRF

URL = f"/agreements/{AGREEMENT}/change"


def current_form(browser) -> MultiDict:
    """The form's fields as the page shows them (text values, checked boxes)."""
    html = browser.get(URL).text
    form = MultiDict()
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or name.group(1) in ("csrf_token",):
            continue
        if ('type="checkbox"' in tag or 'type="radio"' in tag) and "checked" not in tag:
            continue
        form.add(name.group(1), value.group(1) if value else "")
    return form


def set_values(form: MultiDict, values: dict) -> None:
    for name, value in values.items():
        form[name] = value  # replaces (MultiDict.update would add a second value)


def post(browser, form: MultiDict, action: str, status: int):
    token = CSRF.search(browser.client.get(URL).text).group(1)
    data = MultiDict(form)
    data["csrf_token"], data["action"] = token, action
    response = browser.client.post(URL, data=data)
    assert response.status_code == status, (response.status_code, response.text[:300])
    return response


def test_a_lead_changes_a_frequency_and_a_deadline_sees_the_diff_and_proposes_it(kf, as_user):
    lead = as_user("lk.kreisbeigeordnete")
    assert "Anpassung vorbereiten" in lead.get(f"/agreements/{AGREEMENT}").text
    form = current_form(lead)
    assert form["body-cooperation_conference-times"] == "1" and form["request-named_list-due"] == "31.03."
    form["body-cooperation_conference-times"] = "2"
    form["request-named_list-due"] = "30.04."
    form.setlist("body-cooperation_conference-units",
                 [u for u in form.getlist("body-cooperation_conference-units") if u != "lkgi-beauftragter"])

    page = post(lead, form, "preview", 200).get_data(as_text=True)
    assert "Vorschau der Anpassung" in page and "Kooperationskonferenz (KoK): 2 Sitzung(en) im Jahr statt 1." in page
    assert "fällig am 30.04. statt 31.03." in page and "teilnehmende Stellen geändert" in page
    assert "<ins>+  due: 04-30</ins>" in page and "<del>-  due: 03-31</del>" in page
    assert "Als Anpassung vorschlagen" in page

    response = post(lead, MultiDict({**form.to_dict(flat=False),
                                     "start_token": re.search(r'name="start_token" value="([^"]+)"', page).group(1)}),
                    "propose", 302)
    task_url = response.headers["Location"]
    assert re.search(r"/tasks/\d+$", task_url)
    task_page = lead.get(task_url).text
    assert "due: 04-30" in task_page and "times_per_year: 2" in task_page  # the changed data, filled in
    assert "2 Sitzung(en) im Jahr statt 1" in task_page
    task_id = int(task_url.rsplit("/", 1)[1])
    complete(lead, task_id, {"summary": "KoK zweimal im Jahr, § 8 b bis 30.04.", "effective_on": "2027-06-01",
                             "changes_text": "false",
                             "agreement_data": re.search(r'<textarea[^>]*name="agreement_data"[^>]*>(.*?)</textarea>',
                                                         task_page, re.S).group(1).replace("&#34;", '"')
                             .replace("&#39;", "'").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")})


def test_bad_values_are_named_at_their_field_and_kept(as_user):
    lead = as_user("lk.kreisbeigeordnete")
    form = current_form(lead)
    form["body-cooperation_conference-times"] = "13"
    form["request-named_list-due"] = "31.02."
    form["request-named_list-reminder"] = "zehn"
    form.setlist("body-cooperation_conference-units", [])
    page = post(lead, form, "preview", 422).get_data(as_text=True)
    assert page.startswith("<!DOCTYPE html>") or "<title>Fehler:" in page
    assert 'href="#field-body-cooperation_conference-times"' in page and "ganze Zahl von 1 bis 12" in page
    assert 'href="#field-request-named_list-due"' in page and "im Format TT.MM." in page
    assert "ganze Zahl von 0 bis 60 Arbeitstagen" in page and "mindestens eine teilnehmende Stelle" in page
    assert 'value="31.02."' in page and 'value="zehn"' in page and "Als Anpassung vorschlagen" not in page


def test_nothing_changed_is_said_and_starts_nothing(as_user):
    lead = as_user("lk.kreisbeigeordnete")
    page = post(lead, current_form(lead), "propose", 422).get_data(as_text=True)
    assert "Sie haben nichts geändert" in page


def test_who_may_not_start_an_anpassung_finds_no_page(as_user):
    caseworker = as_user("lk.sozialamt")
    caseworker.get(URL, status=404)
    assert "Anpassung vorbereiten" not in caseworker.get(f"/agreements/{AGREEMENT}").text
    as_user("lf.teilhabe").get(URL, status=404)


def test_a_new_partner_joins_through_the_form_with_its_first_unit(as_user):
    lead = as_user("lk.kreisbeigeordnete")
    form = current_form(lead)
    set_values(form, {"partner-name": "Universitätsstadt Gießen", "partner-short_name": "Stadt Gießen",
                 "partner-id": "stadt-giessen", "partner-kind": "special_status_city",
                 "partner-unit_id": "stadt-giessen-sozialamt", "partner-unit_name": "Sozialamt der Stadt"})
    page = post(lead, form, "preview", 200).get_data(as_text=True)
    assert "Neuer Partner: Universitätsstadt Gießen (Stadt mit Sonderstatus), Stelle: Sozialamt der Stadt" in page
    assert "<ins>+- id: stadt-giessen</ins>" in page and "<ins>+  - stadt-giessen-sozialamt</ins>" in page


def test_a_new_partner_half_filled_or_clashing_is_refused_at_its_fields(as_user):
    lead = as_user("lk.kreisbeigeordnete")
    form = current_form(lead)
    set_values(form, {"partner-name": "Stadt", "partner-id": "Stadt Gießen", "partner-unit_id": "lkgi-sozialamt"})
    page = post(lead, form, "preview", 422).get_data(as_text=True)
    assert "Für einen neuen Partner fehlt: Kurzname." in page and "Für einen neuen Partner fehlt: Art des Partners." in page
    assert "nur Kleinbuchstaben, Ziffern und Bindestriche" in page and "lkgi-sozialamt gibt es in der Vereinbarung schon" in page
    assert 'href="#field-partner-id"' in page and 'value="Stadt Gießen"' in page

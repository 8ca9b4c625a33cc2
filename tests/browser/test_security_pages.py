"""The Protokoll page and the login lockout in a real browser: no axe violations, the error
summary links to its field, no console errors (the CSP holds without inline script)."""
from __future__ import annotations

from tests.support.browser import no_violations
from tests.support.flows import offered_handover


def test_the_protocol_page_lists_accesses_and_passes_axe(page_as, server):
    handover = offered_handover(server.kf)
    reader = page_as("lk.sozialamt")
    reader.goto(f"{server.url}/cases/{handover}")
    page = page_as("admin")
    page.goto(f"{server.url}/admin/audit")
    page.fill("#field-username", "lk.sozialamt")
    page.select_option("#field-kind", "case.read")
    page.click("main button[type=submit]")
    assert page.locator("tbody tr").count() == 1 and "Vorgang gelesen" in page.inner_text("tbody")
    no_violations(page)
    assert page.console_errors == []


def test_a_bad_date_on_the_protocol_page_is_summarised_and_linked_to_its_field(page_as, server):
    page = page_as("admin")
    page.goto(f"{server.url}/admin/audit?since=gestern")
    assert page.title().startswith("Fehler: ")
    page.click(".error-summary a[href='#field-since']")
    assert page.evaluate("document.activeElement.id") == "field-since" or page.url.endswith("#field-since")
    no_violations(page)


def test_the_user_administration_pages_pass_axe_with_and_without_errors(page_as, server, tmp_path):
    page = page_as("admin")
    page.goto(f"{server.url}/admin/users")
    no_violations(page)
    page.fill("#field-username", "Falsch Name")
    page.fill("#field-password", "kurz")
    page.click("form[action='/admin/users'] button[type=submit]")
    assert page.title().startswith("Fehler: ")
    page.click(".error-summary a[href='#field-username']")
    assert page.evaluate("document.activeElement.id") == "field-username" or page.url.endswith("#field-username")
    no_violations(page)

    page.fill("#field-username", "axe.person")
    page.fill("#field-display_name", "Axel Person")
    page.check("input[name=org_units][value=lkgi-sozialamt]")
    page.fill("#field-password", "")
    page.click("form[action='/admin/users'] button[type=submit]")
    page.click("a:text-is('axe.person')")
    assert "Benutzer axe.person" in page.title()
    no_violations(page)
    page.fill("#field-new_password", "kurz")
    page.fill("#field-repeat_password", "kurz")
    page.click("form[action$='/password'] button[type=submit]")
    assert page.title().startswith("Fehler: ")
    no_violations(page)
    page.click("form[action$='/deactivate'] button[type=submit]")
    assert "deaktivieren?" in page.title()
    no_violations(page)

    csv = tmp_path / "buero.csv"
    csv.write_text("username;display_name;email;units\naxe.zwei;Zwei;;lkgi-sozialamt\naxe.person;Doppelt;;\n",
                   encoding="utf-8")
    page.goto(f"{server.url}/admin/users")
    page.set_input_files("#field-file", str(csv))
    page.click("form[action='/admin/users/import'] button[type=submit]")
    assert "1 Konten angelegt, 1 abgelehnt" in page.inner_text("main")
    no_violations(page)
    assert [e for e in page.console_errors if "status of 422" not in e] == []  # the refused forms' answers


def test_the_settings_page_with_its_password_and_mail_forms_passes_axe(page_as, server):
    page = page_as("lk.jugendamt")
    page.goto(f"{server.url}/settings")
    no_violations(page)
    page.fill("#field-current_password", "falsch")
    page.fill("#field-new_password", "kurz")
    page.fill("#field-repeat_password", "kurz")
    page.click("form[action='/settings/password'] button[type=submit]")
    assert page.title().startswith("Fehler: ")
    page.click(".error-summary a[href='#field-current_password']")
    no_violations(page)
    assert [e for e in page.console_errors if "status of 422" not in e] == []  # the refused forms' answers

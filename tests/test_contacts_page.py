"""Kontakte: admins keep each agreement's directory of external participants on a page."""
from __future__ import annotations

import re

from tests.support.pages import text_of

NEW = {"agreement_id": "landkreis-lahnfeld", "name": "Hanna Hilfe", "organisation": "Diakonie Lahnfeld (Demo)",
       "email": "hanna.hilfe@diakonie-demo.invalid", "contact_group": "providers"}


def test_an_admin_adds_a_contact_after_fixing_what_the_page_says(as_user):
    admin = as_user("admin")
    admin.get("/admin/contacts")
    assert "Petra Planung" in admin.text and "Werner Rat" in admin.text  # seeded from both agreements

    admin.submit("/admin/contacts", "/admin/contacts", {**NEW, "email": "hanna-at-diakonie", "organisation": ""},
                 status=422)
    page = admin.page.text
    assert "Fehler: Kontakte" in text_of(page)
    assert 'href="#field-email"' in page and 'href="#field-organisation"' in page
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de." in admin.text
    assert "Bitte geben Sie die Organisation an" in admin.text
    assert 'value="Hanna Hilfe"' in page and 'value="hanna-at-diakonie"' in page  # values kept

    admin.follow(admin.submit("/admin/contacts", "/admin/contacts", NEW, status=302))
    assert "Der Kontakt ist gespeichert." in admin.text and "hanna.hilfe@diakonie-demo.invalid" in admin.text

    # the same address twice in one agreement is refused
    admin.submit("/admin/contacts", "/admin/contacts", NEW, status=422)
    assert "Diese E-Mail-Adresse steht schon im Verzeichnis dieser Vereinbarung." in admin.text


def test_an_admin_deletes_a_contact_and_others_cannot_see_the_page(as_user):
    admin = as_user("admin")
    admin.get("/admin/contacts")
    contact_id = re.search(r'action="/admin/contacts/(\d+)/delete"', admin.page.text).group(1)
    before = admin.text.count("Löschen")
    asked = admin.submit("/admin/contacts", f"/admin/contacts/{contact_id}/delete", status=200)
    assert "wirklich gelöscht werden" in text_of(asked.text)  # nothing deleted without the second click
    admin.follow(admin.submit("/admin/contacts", f"/admin/contacts/{contact_id}/delete", {"confirm": "yes"},
                              status=302))
    assert "Der Kontakt ist gelöscht." in admin.text and admin.text.count("Löschen") == before - 1

    caseworker = as_user("lk.sozialamt")
    caseworker.get("/admin/contacts", status=404)


def test_an_admin_corrects_a_contacts_address_and_others_cannot(as_user):  # m16
    admin = as_user("admin")
    admin.get("/admin/contacts")
    contact_id = re.search(r'href="/admin/contacts/(\d+)/edit"', admin.page.text).group(1)
    edit = f"/admin/contacts/{contact_id}/edit"
    admin.get(edit)
    assert "Kontakt ändern" in admin.text and "Vereinbarung:" in admin.text
    name = re.search(r'id="field-name" name="name"\s+value="([^"]+)"', admin.page.text).group(1)

    admin.submit(edit, edit, {"name": name, "organisation": "", "email": "neu@beispiel-demo.invalid",
                              "contact_group": "providers"}, status=422)
    assert "Bitte geben Sie die Organisation an" in admin.text and 'value="neu@beispiel-demo.invalid"' in admin.page.text

    admin.follow(admin.submit(edit, edit, {"name": name, "organisation": "Neue Organisation (Demo)",
                                           "email": "neu@beispiel-demo.invalid", "contact_group": "providers"},
                              status=302))
    assert "Der Kontakt ist geändert." in admin.text and "neu@beispiel-demo.invalid" in admin.text

    caseworker = as_user("lk.sozialamt")
    assert caseworker.client.get(edit).status_code in (403, 404)
    assert caseworker.client.post(edit, data={}).status_code in (400, 403, 404)

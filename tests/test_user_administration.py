"""User administration from the shell: an office without an OpenID provider onboards and
offboards its people with `koopflow user …`; passwords follow the policy."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli.commands import main
from tests.support.flows import actor, offered_handover, open_task
from tests.support.pages import CSRF, text_of
from workflows.people.accounts import actor_by_id, authenticate
from workflows.people.administration import password_problem
from workflows.store.audit_log import AuditLogEntry
from workflows.store.tasks import HumanTask
from workflows.store.users import user_by_username
from workflows.tasks import claim_task

GOOD = "Lahnbrücke-Wetzlar-77"


@pytest.fixture
def koopflow(kf, settings):
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "x" * 32,
           "KOOPFLOW_AGREEMENTS_DIR": str(settings.agreements_dir)}
    runner = CliRunner()
    return lambda *args, input=None: runner.invoke(main, ["user", *args] if args[0] != "demo" else list(args),
                                                   env=env, input=input)


@pytest.mark.parametrize("password, refused", [
    ("kurz", True), ("passwort1234", True), ("PASSWORT1234", True), ("aaaaaaaaaaaaaaaa", True),
    ("x" * 129, True), ("neu.kollegin-2026", True), (GOOD, False), ("vier zufällige wörter hier", False),
])
def test_the_password_policy(password, refused):
    assert (password_problem(password, "neu.kollegin") is not None) == refused


def test_an_office_creates_a_caseworker_who_can_log_in_and_work(kf, koopflow):
    result = koopflow("create", "neu.kollegin", "--name", "Nora Neu", "--email", "nora.neu@example.org",
                      "--unit", "lkgi-sozialamt", "--password-stdin", input=f"{GOOD}\n")
    assert result.exit_code == 0, result.output
    signed_in = authenticate(kf.db, "neu.kollegin", GOOD)
    assert signed_in is not None and signed_in.org_unit_ids == {"lkgi-sozialamt"}

    # a weak password, an unknown unit, a taken name: German messages, nothing written
    weak = koopflow("create", "neu.zwei", "--name", "Zwei", "--password-stdin", input="passwort1234\n")
    assert weak.exit_code == 1 and "zu verbreitet" in weak.output
    unknown = koopflow("create", "neu.drei", "--name", "Drei", "--unit", "gibt-es-nicht", "--password-stdin",
                       input=f"{GOOD}\n")
    assert unknown.exit_code == 1 and "Organisationseinheit gibt es nicht" in unknown.output
    taken = koopflow("create", "neu.kollegin", "--name", "Doppelt", "--password-stdin", input=f"{GOOD}\n")
    assert taken.exit_code == 1 and "gibt es schon" in taken.output
    with kf.db.transaction() as session:
        assert user_by_username(session, "neu.zwei") is None and user_by_username(session, "neu.drei") is None

    # units and a new password
    assert "lkgi-jugendamt, lkgi-sozialamt" in koopflow("add-unit", "neu.kollegin", "lkgi-jugendamt").output
    assert "lkgi-jugendamt" not in koopflow("remove-unit", "neu.kollegin", "lkgi-jugendamt").output
    assert koopflow("set-password", "neu.kollegin", "--password-stdin", input="kurz\n").exit_code == 1
    assert koopflow("set-password", "neu.kollegin", "--password-stdin", input="Ganz-anderes-Kennwort-9\n").exit_code == 0
    assert authenticate(kf.db, "neu.kollegin", GOOD) is None
    assert authenticate(kf.db, "neu.kollegin", "Ganz-anderes-Kennwort-9") is not None


def test_deactivating_ends_the_sessions_and_gives_claimed_tasks_back(kf, koopflow):
    case_id = offered_handover(kf)
    fachdienst = actor(kf, "lwv.fachdienst")
    task_id = open_task(kf, case_id, "review_handover")
    claim_task(kf.db, kf.clock, fachdienst, task_id)

    result = koopflow("deactivate", "lwv.fachdienst")
    assert result.exit_code == 0 and "1 übernommene Aufgabe" in result.output
    assert actor_by_id(kf.db, fachdienst.user_id) is None  # the session's user is no longer loaded
    assert authenticate(kf.db, "lwv.fachdienst", "demo") is None
    with kf.db.transaction() as session:
        assert session.get(HumanTask, task_id).assignee_id is None


def test_demo_users_are_not_loaded_into_a_database_with_real_users(kf, koopflow):
    assert koopflow("create", "echt.person", "--name", "Echt", "--no-password").exit_code == 0
    refused = koopflow("demo", "load")
    assert refused.exit_code == 1 and "--force" in refused.output
    assert koopflow("demo", "load", "--force").exit_code == 0


# --- the Benutzer page (administrators) ---------------------------------------------------

def audit_kinds(kf) -> list[str]:
    with kf.db.transaction() as session:
        return list(session.scalars(select(AuditLogEntry.kind).where(AuditLogEntry.kind.like("user.%"))
                                    .order_by(AuditLogEntry.id)))


def user_id_of(kf, username: str) -> int:
    with kf.db.transaction() as session:
        return user_by_username(session, username).id


def test_an_administrator_creates_edits_sets_a_password_and_deactivates_on_the_page(app, kf, as_user):
    admin = as_user("admin")
    listing = admin.get("/admin/users")
    assert "lwv.fachdienst" in listing.text and "Benutzer" in listing.text

    # bad input: German messages at the fields, in the summary, nothing created, the input kept
    admin.submit("/admin/users", "/admin/users", {"username": "Nora Neu!", "display_name": "", "email": "nora@",
                                                  "password": "passwort1234", "org_units": ["lkgi-sozialamt"]},
                 status=422)
    page = admin.page.text
    assert "<title>Fehler: Benutzer" in admin.page.text
    assert "Der Benutzername besteht aus" in page and "Bitte geben Sie den Namen an." in page
    assert "gültige Mailadresse" in page and "zu verbreitet" in page
    assert 'value="nora@"' in admin.page.text and 'aria-invalid="true"' in admin.page.text
    with kf.db.transaction() as session:
        assert user_by_username(session, "nora.neu") is None

    admin.submit("/admin/users", "/admin/users", {"username": "nora.neu", "display_name": "Nora Neu",
                                                  "email": "nora.neu@example.org", "password": GOOD,
                                                  "org_units": ["lkgi-sozialamt", "lkgi-jugendamt"]}, status=302)
    assert authenticate(kf.db, "nora.neu", GOOD).org_unit_ids == {"lkgi-sozialamt", "lkgi-jugendamt"}
    user_id = user_id_of(kf, "nora.neu")
    page_url = f"/admin/users/{user_id}"

    # edit: name, mail, units (one removed)
    admin.submit(page_url, page_url, {"display_name": "Nora Neumann", "email": "not-an-address",
                                      "org_units": ["lkgi-sozialamt"]}, status=422)
    assert "gültige Mailadresse" in admin.page.text and 'value="Nora Neumann"' in admin.page.text
    admin.submit(page_url, page_url, {"display_name": "Nora Neumann", "email": "n.neumann@example.org",
                                      "org_units": ["lkgi-sozialamt"]}, status=302)
    with kf.db.transaction() as session:
        user = user_by_username(session, "nora.neu")
        assert (user.display_name, user.email, user.org_unit_ids) == ("Nora Neumann", "n.neumann@example.org",
                                                                     ["lkgi-sozialamt"])

    # a password: the policy at the field, then a good one works for the login
    admin.submit(page_url, f"{page_url}/password", {"new_password": "nora.neu-2026x", "repeat_password": "nora.neu-2026x"},
                 status=422)
    assert "Benutzernamen nicht enthalten" in admin.page.text
    admin.submit(page_url, f"{page_url}/password", {"new_password": "Ganz-anderes-Kennwort-9",
                                                    "repeat_password": "Ganz-anderes-Kennwort-9"}, status=302)
    assert authenticate(kf.db, "nora.neu", "Ganz-anderes-Kennwort-9") is not None

    # deactivate: the first press only asks, the second one does it
    admin.submit(page_url, f"{page_url}/deactivate", {}, status=200)
    assert "deaktivieren?" in admin.page.text and actor_by_id(kf.db, user_id) is not None
    admin.submit(page_url, f"{page_url}/deactivate", {"confirm": "ja"}, status=302)
    assert actor_by_id(kf.db, user_id) is None
    assert "deaktiviert" in admin.get(page_url).text

    # an administrator cannot lock themself out
    own = f"/admin/users/{user_id_of(kf, 'admin')}"
    admin.submit(own, f"{own}/deactivate", {"confirm": "ja"}, status=302)
    assert "eigenes Konto nicht deaktivieren" in admin.follow(admin.page).text
    assert actor_by_id(kf.db, user_id_of(kf, "admin")) is not None

    assert audit_kinds(kf) == ["user.created", "user.updated", "user.password_set", "user.deactivated"]
    protocol = text_of(admin.get("/admin/audit?kind=user.deactivated").text)
    assert "Benutzerkonto deaktiviert" in protocol and f"Benutzer {user_id}" in protocol


IMPORT = ("username;display_name;email;units\n"
          "a.arnold;Anna Arnold;a.arnold@example.org;lkgi-sozialamt\n"
          "b.bauer;Ben Bauer;kein-mail;lkgi-sozialamt\n"
          "c.claus;Clara Claus;;gibt-es-nicht\n"
          "a.arnold;Anna Zwei;;\n"
          "d.dorn;Dora Dorn;d.dorn@example.org;lkgi-sozialamt | lkgi-jugendamt\n")


def test_an_office_is_imported_from_a_csv_file_on_the_page_one_row_at_a_time(app, kf, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/users")
    token = CSRF.search(page.text).group(1)
    response = admin.client.post("/admin/users/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(IMPORT.encode("utf-8-sig")), "buero.csv")})
    assert response.status_code == 200
    report = text_of(response.text)
    assert "5 Zeilen verarbeitet: 2 Konten angelegt, 3 abgelehnt" in report
    assert "2 a.arnold angelegt" in report and "6 d.dorn angelegt" in report
    assert "3 b.bauer abgelehnt Mailadresse: Bitte geben Sie eine gültige Mailadresse an." in report
    assert "4 c.claus abgelehnt Organisationseinheiten: Diese Organisationseinheit gibt es nicht: gibt-es-nicht." in report
    assert "5 a.arnold abgelehnt Benutzername: Den Benutzernamen a.arnold gibt es schon." in report
    with kf.db.transaction() as session:
        assert user_by_username(session, "d.dorn").org_unit_ids == ["lkgi-jugendamt", "lkgi-sozialamt"]
        assert user_by_username(session, "a.arnold").display_name == "Anna Arnold"
        assert user_by_username(session, "b.bauer") is None and user_by_username(session, "c.claus") is None

    # a file that is no import: the message at the field
    response = admin.client.post("/admin/users/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO("name,mail\nx,y\n".encode()), "falsch.csv")})
    assert response.status_code == 422 and "username und display_name sind Pflicht" in text_of(response.text)
    response = admin.client.post("/admin/users/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO("username;display_name\n\xff\xfe".encode("latin-1")), "a.csv")})
    assert response.status_code == 422 and "UTF-8" in text_of(response.text)


def test_import_and_update_from_the_shell_with_a_progress_line_and_a_report(kf, koopflow, tmp_path):
    path = tmp_path / "buero.csv"
    path.write_text(IMPORT.replace(";", ","), encoding="utf-8")
    result = koopflow("import", str(path))
    assert result.exit_code == 1  # not every row was taken
    assert "Zeile 5 von 5 verarbeitet" in result.output
    assert "Zeile 2: a.arnold: angelegt" in result.output
    assert "Zeile 4: c.claus: abgelehnt – Organisationseinheiten: Diese Organisationseinheit gibt es nicht" in result.output
    assert "2 von 5 Konten angelegt." in result.output

    updated = koopflow("update", "a.arnold", "--name", "Anna Arnold-Berg", "--email", "", "--unit", "lkgi-jugendamt")
    assert updated.exit_code == 0, updated.output
    with kf.db.transaction() as session:
        user = user_by_username(session, "a.arnold")
        assert (user.display_name, user.email, user.org_unit_ids) == ("Anna Arnold-Berg", None, ["lkgi-jugendamt"])
    refused = koopflow("update", "a.arnold", "--email", "nope")
    assert refused.exit_code == 1 and "gültige Mailadresse" in refused.output
    assert koopflow("update", "gibt.es.nicht", "--name", "X").exit_code == 1
    assert "user.updated" in audit_kinds(kf)


# --- Einstellungen: the user's own password and mail address -----------------------------

def test_a_user_changes_their_own_password_and_mail_address_and_stays_signed_in(app, kf, as_user):
    browser = as_user("lwv.fachdienst")
    browser.submit("/settings", "/settings/password", {"current_password": "falsch", "new_password": "kurz",
                                                       "repeat_password": "kurz"}, status=422)
    page = browser.page.text
    assert "Das bisherige Passwort stimmt nicht." in page and "mindestens 12 Zeichen" in page
    browser.submit("/settings", "/settings/password", {"current_password": "demo", "new_password": GOOD,
                                                       "repeat_password": GOOD + "x"}, status=422)
    assert "stimmen nicht überein" in browser.page.text
    assert authenticate(kf.db, "lwv.fachdienst", "demo") is not None  # nothing changed yet

    browser.submit("/settings", "/settings/password", {"current_password": "demo", "new_password": GOOD,
                                                       "repeat_password": GOOD}, status=302)
    assert "Ihr Passwort ist geändert." in browser.follow(browser.page).text
    assert browser.client.get("/inbox").status_code == 200  # still signed in
    assert authenticate(kf.db, "lwv.fachdienst", "demo") is None
    assert authenticate(kf.db, "lwv.fachdienst", GOOD) is not None

    browser.submit("/settings", "/settings/email", {"email": "fachdienst@"}, status=422)
    assert "gültige Mailadresse" in browser.page.text and 'value="fachdienst@"' in browser.page.text
    browser.submit("/settings", "/settings/email", {"email": "neu.fachdienst@example.org"}, status=302)
    with kf.db.transaction() as session:
        assert user_by_username(session, "lwv.fachdienst").email == "neu.fachdienst@example.org"
    assert audit_kinds(kf) == ["user.password_changed", "user.email_changed"]


def test_every_password_change_passes_the_one_call_point(app, kf, as_user, monkeypatch):
    """Where the end of the account's other sessions is wired in (issue 17)."""
    from workflows.people import administration

    seen = []
    monkeypatch.setattr(administration, "password_changed", lambda session, user: seen.append(user.username))
    as_user("lwv.fachdienst").submit("/settings", "/settings/password", {
        "current_password": "demo", "new_password": GOOD, "repeat_password": GOOD}, status=302)
    admin = as_user("admin")
    target = f"/admin/users/{user_id_of(kf, 'lk.sozialamt')}"
    admin.submit(target, f"{target}/password", {"new_password": GOOD, "repeat_password": GOOD}, status=302)
    admin.submit(target, f"{target}/deactivate", {"confirm": "ja"}, status=302)
    assert seen == ["lwv.fachdienst", "lk.sozialamt", "lk.sozialamt"]

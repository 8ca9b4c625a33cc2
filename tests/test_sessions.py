"""Sessions and API tokens end on the server: a copied cookie stops working at logout or when
an admin ends the user's sessions; API tokens expire after a year, show their last use and
can be revoked by their user (page) or an admin (CLI)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from service.cli.commands import main
from tests.support.api import ApiClient
from tests.support.flows import actor
from tests.support.pages import CSRF, login, text_of
from workflows.people.accounts import create_api_token
from workflows.people.sessions import end_sessions, end_sessions_of, tokens_of
from workflows.store.users import ApiToken, User


@pytest.fixture
def cli(settings, tmp_path):
    env = {"KOOPFLOW_DATABASE_URL": settings.database_url, "KOOPFLOW_SECRET_KEY": "cli",
           "KOOPFLOW_DOCUMENTS_DIR": str(tmp_path / "cli-documents")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def copy_of(app, browser):
    """A second browser holding the same session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def test_a_copied_session_cookie_stops_working_at_logout(app, as_user):
    browser = as_user("lk.sozialamt")
    thief = copy_of(app, browser)
    assert thief.get("/inbox").status_code == 200

    browser.submit("/inbox", "/logout", status=302)

    stolen = thief.get("/inbox")
    assert stolen.status_code == 302 and stolen.headers["Location"].startswith("/login")


def test_an_admin_ends_every_session_of_a_user(app, kf, as_user):
    first, second = as_user("lk.sozialamt"), login(app, "lk.sozialamt")
    other = as_user("lwv.fachdienst")

    end_sessions_of(kf.db, "lk.sozialamt")

    for browser in (first, second):
        assert browser.client.get("/inbox").status_code == 302
    assert other.client.get("/inbox").status_code == 200  # only that user's sessions
    assert login(app, "lk.sozialamt").client.get("/inbox").status_code == 200  # logging in again works


def test_end_sessions_inside_a_command_ends_them_when_it_commits(app, kf, as_user):
    """The function a password change calls in its own transaction."""
    browser = as_user("lk.sozialamt")
    with kf.db.transaction() as session:
        end_sessions(session, session.scalar(select(User).where(User.username == "lk.sozialamt")))
    assert browser.client.get("/inbox").status_code == 302


def test_a_cookie_from_before_session_generations_is_refused(app, kf):
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(actor(kf, "lk.sozialamt").user_id)
        cookie["_fresh"] = True
    assert client.get("/inbox").status_code == 302


def test_an_api_token_expires_after_a_year_and_shows_its_last_use(app, kf):
    api = ApiClient(app.test_client(), create_api_token(kf.db, kf.clock, "lk.sozialamt"))
    user_id = actor(kf, "lk.sozialamt").user_id
    assert tokens_of(kf.db, user_id)[0].last_used_at is None

    api.get("/api/v1/tasks")
    (info,) = tokens_of(kf.db, user_id)
    assert info.last_used_at == kf.clock.now()
    assert info.expires_at - info.created_at == timedelta(days=365)

    kf.clock.advance(days=364)
    api.get("/api/v1/tasks")
    kf.clock.advance(days=2)
    api.call("GET", "/api/v1/tasks", status=401)
    assert tokens_of(kf.db, user_id)[0].state(kf.clock.now()) == "abgelaufen"


def test_a_user_lists_and_revokes_their_own_token_on_the_settings_page(app, kf, as_user):
    api = ApiClient(app.test_client(), create_api_token(kf.db, kf.clock, "lk.sozialamt"))
    foreign = create_api_token(kf.db, kf.clock, "lwv.fachdienst")
    browser = as_user("lk.sozialamt")
    with kf.db.transaction() as session:
        own_id, foreign_id = session.scalars(select(ApiToken.id).order_by(ApiToken.id)).all()

    page = text_of(browser.get("/settings").text)
    assert f"Token {own_id} widerrufen" in page and f"Token {foreign_id}" not in page

    token = CSRF.search(browser.page.text).group(1)
    assert browser.client.post(f"/settings/tokens/{foreign_id}/revoke", data={"csrf_token": token}).status_code == 404
    assert browser.client.post(f"/settings/tokens/{own_id}/revoke", data={"csrf_token": token}).status_code == 302

    api.call("GET", "/api/v1/tasks", status=401)
    ApiClient(app.test_client(), foreign).get("/api/v1/tasks")  # the other user's token still works
    assert "widerrufen" in text_of(browser.get("/settings").text)


def test_tokens_are_listed_and_revoked_from_the_cli(app, kf, cli):
    token = create_api_token(kf.db, kf.clock, "lk.sozialamt")
    listed = cli("token", "list", "lk.sozialamt")
    assert listed.exit_code == 0 and "\tnie\tgültig" in listed.output
    token_id = listed.output.split("\t", 1)[0]

    assert cli("token", "revoke", token_id).exit_code == 0
    ApiClient(app.test_client(), token).call("GET", "/api/v1/tasks", status=401)
    assert cli("token", "revoke", "999999").exit_code == 1
    assert cli("sessions", "end", "lk.sozialamt").exit_code == 0
    assert cli("sessions", "end", "niemand").exit_code == 1

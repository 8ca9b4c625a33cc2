"""Logins: repeated failures slow down that name from that address (and a client address) with
growing delays - never the owner at another address - with a message that does not tell
whether the account exists; the count lives in the database, so
every web process sees it. The session cookie is HttpOnly and SameSite, and Secure unless
the app is served over plain http on this machine."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from tests.support.pages import CSRF, text_of
from workflows.people.login_guard import account_key
from workflows.store.logins import LoginFailure

LOCKED = "Zu viele fehlgeschlagene Anmeldeversuche."


def attempt(client, username: str, password: str, address: str = "10.0.0.1"):
    client.environ_base["REMOTE_ADDR"] = address
    token = CSRF.search(client.get("/login").text).group(1)
    return client.post("/login", data={"csrf_token": token, "username": username, "password": password})


def fail(client, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert attempt(client, username, "falsch", address).status_code == 401


def test_five_failures_slow_that_name_from_that_address_with_growing_delays(app, kf):
    client = app.test_client()
    fail(client, "lk.sozialamt", 5)
    locked = attempt(client, "lk.sozialamt", "demo")
    assert locked.status_code == 429 and LOCKED in text_of(locked.text)
    assert "Es gibt ein Problem" in text_of(locked.text) and 'value="lk.sozialamt"' in locked.text
    assert attempt(client, "lwv.fachdienst", "demo").status_code == 302  # other accounts are not slowed

    kf.clock.advance(seconds=61)  # the first delay is a minute …
    fail(client, "lk.sozialamt", 1)
    kf.clock.advance(seconds=90)  # … the next one two
    assert attempt(client, "lk.sozialamt", "demo").status_code == 429
    kf.clock.advance(seconds=31)
    assert attempt(client, "lk.sozialamt", "demo").status_code == 302


def test_the_right_password_from_an_address_that_has_not_failed_is_accepted(app, kf):
    """Whoever knows a name cannot lock its owner out: failures count per name *and* address."""
    attacker = app.test_client()
    fail(attacker, "lk.sozialamt", 5, address="203.0.113.9")
    for wait in (1, 2, 4):  # the attacker keeps trying as soon as allowed
        kf.clock.advance(minutes=wait, seconds=1)
        fail(attacker, "lk.sozialamt", 1, address="203.0.113.9")
    assert attempt(attacker, "lk.sozialamt", "demo", address="203.0.113.9").status_code == 429

    assert attempt(app.test_client(), "lk.sozialamt", "demo", address="10.0.0.7").status_code == 302


def test_a_warning_is_logged_when_x_forwarded_for_arrives_without_trusted_proxies(app, caplog):
    client = app.test_client()
    client.get("/login", headers={"X-Forwarded-For": "198.51.100.4"})
    client.get("/login", headers={"X-Forwarded-For": "198.51.100.5"})
    warnings = [r for r in caplog.records if "KOOPFLOW_TRUSTED_PROXIES" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"


def test_the_lockout_reads_the_same_for_an_account_that_does_not_exist(app):
    client = app.test_client()
    fail(client, "lk.sozialamt", 5)
    fail(client, "gibt.es.nicht", 5)
    known, unknown = attempt(client, "lk.sozialamt", "x"), attempt(client, "gibt.es.nicht", "x")
    assert (known.status_code, unknown.status_code) == (429, 429)
    assert text_of(known.text).replace("lk.sozialamt", "") == text_of(unknown.text).replace("gibt.es.nicht", "")


def test_a_good_password_clears_the_failures_of_that_name_from_that_address(app):
    client = app.test_client()
    fail(client, "lk.sozialamt", 4)
    assert attempt(client, "lk.sozialamt", "demo").status_code == 302
    client = app.test_client()
    fail(client, "lk.sozialamt", 4)
    assert attempt(client, "lk.sozialamt", "demo").status_code == 302


def test_twenty_failures_from_one_address_lock_that_address_only(app):
    client = app.test_client()
    for index in range(20):
        fail(client, f"versuch{index}", 1, address="10.9.9.9")
    assert attempt(client, "lk.sozialamt", "demo", address="10.9.9.9").status_code == 429
    assert attempt(app.test_client(), "lk.sozialamt", "demo", address="10.0.0.2").status_code == 302


def test_a_second_web_process_sees_the_same_failures(app, kf, settings):
    fail(app.test_client(), "lk.sozialamt", 5)
    other_process = create_app(settings, kf.clock)
    try:
        assert attempt(other_process.test_client(), "lk.sozialamt", "demo").status_code == 429
    finally:
        other_process.extensions["koopflow"].db.dispose()


def session_cookie(app) -> str:
    response = attempt(app.test_client(), "lk.sozialamt", "demo")
    assert response.status_code == 302
    [cookie] = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    return cookie


def test_locally_over_http_the_cookie_is_httponly_and_samesite_but_not_secure(app):
    cookie = session_cookie(app)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_served_over_https_the_session_cookie_is_secure(tmp_path, clock, database_url):
    from tests.support.app import make_app, settings_for

    settings = settings_for(database_url, tmp_path, base_url="https://koopflow.lkgi.example")
    app, kf = make_app(tmp_path, clock, settings)
    try:
        cookie = session_cookie(app)
    finally:
        kf.db.dispose()
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("env, secure", [
    ({}, False),  # make run: http://localhost:5000
    ({"KOOPFLOW_BASE_URL": "https://koopflow.lkgi.example"}, True),
    ({"KOOPFLOW_BASE_URL": "http://koopflow.intranet.example"}, True),  # only this machine may go without
    ({"KOOPFLOW_BASE_URL": "https://koopflow.lkgi.example", "KOOPFLOW_SECURE_COOKIES": "0"}, False),
    ({"KOOPFLOW_SECURE_COOKIES": "1"}, True),
])
def test_secure_cookies_follow_the_base_url_unless_set(env, secure):
    assert Settings.from_env({"KOOPFLOW_SECRET_KEY": "k", **env}).cookies_secure is secure


def test_failures_are_kept_for_a_day_only_and_without_the_name_typed(app, kf):
    fail(app.test_client(), "lk.sozialamt", 3)
    kf.clock.advance(days=1, minutes=1)
    fail(app.test_client(), "lk.sozialamt2", 1)
    with kf.db.transaction() as session:
        [kept] = session.execute(select(LoginFailure.account_key, LoginFailure.client_address)).all()
    assert kept == (account_key("lk.sozialamt2"), "10.0.0.1") and "sozial" not in kept[0]

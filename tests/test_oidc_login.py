"""Login through an agency's OpenID provider (a fake Keycloak on loopback): discovery,
JWKS and the token endpoint are real HTTP; the id_token is RS256-signed and checked by
Authlib (signature, issuer, audience, nonce); the groups claim decides the org units."""
from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import select

from tests.support.app import make_app, settings_for
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider
from tests.support.pages import text_of
from workflows.store.audit_log import AuditLogEntry
from workflows.store.users import User

SOZIALAMT_GROUP = "/landkreis/sozialamt/eingliederungshilfe"


@pytest.fixture
def provider():
    with FakeProvider() as running:
        yield running


@pytest.fixture
def oidc_app(tmp_path, clock, provider, database_url):
    settings = settings_for(database_url, tmp_path,
                            oidc={"issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                  "org_units": f"{SOZIALAMT_GROUP}=lkgi-sozialamt,/landkreis/leitung=lkgi-sozialamt:lead"})
    app, kf = make_app(tmp_path, clock, settings)
    yield app
    kf.db.dispose()


def start(client) -> str:
    response = client.get("/login/oidc")
    assert response.status_code == 302
    return response.headers["Location"]


def log_in(app, provider, claims: dict, client=None):
    client = client or app.test_client()
    callback = provider.approve(start(client), claims)
    return client, client.get(callback)


def user(app, username: str) -> User:
    with app.extensions["koopflow"].db.transaction() as session:
        found = session.scalar(select(User).where(User.username == username))
        return found and (found, sorted((m.org_unit_id, m.is_lead) for m in found.memberships))


CLAIMS = {"sub": "f3a1-77", "preferred_username": "m.mueller", "name": "Maria Müller",
          "email": "m.mueller@lkgi.example", "groups": [SOZIALAMT_GROUP, "/landkreis/alle"]}


def test_the_login_page_offers_the_agency_login_beside_the_local_one(oidc_app):
    page = oidc_app.test_client().get("/login").text
    assert 'href="/login/oidc"' in page and "Mit dem Konto Ihrer Behörde anmelden" in text_of(page)
    assert 'name="password"' in page


def test_a_first_login_creates_the_user_in_the_mapped_org_unit(oidc_app, provider):
    client, response = log_in(oidc_app, provider, CLAIMS)
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    assert "Maria Müller" in text_of(client.get("/inbox").text)
    found, units = user(oidc_app, "m.mueller")
    assert (found.display_name, found.email, found.password_hash) == ("Maria Müller", CLAIMS["email"], None)
    assert units == [("lkgi-sozialamt", False)]
    assert found.oidc_subject == f"{provider.issuer} f3a1-77"
    with oidc_app.extensions["koopflow"].db.transaction() as session:
        [login] = session.scalars(select(AuditLogEntry).where(AuditLogEntry.kind == "login"))
        assert (login.actor_id, login.target, login.status) == (found.id, "oidc.callback", 302)
    [token_request] = provider.token_requests
    assert token_request["grant_type"] == "authorization_code"
    assert token_request["redirect_uri"] == "http://localhost:5000/login/oidc/callback"


def test_the_groups_are_read_again_at_every_login(oidc_app, provider):
    log_in(oidc_app, provider, CLAIMS)
    log_in(oidc_app, provider, {**CLAIMS, "groups": ["/landkreis/leitung"], "name": "Maria Müller-Lüdenscheidt"})
    found, units = user(oidc_app, "m.mueller")
    assert units == [("lkgi-sozialamt", True)] and found.display_name == "Maria Müller-Lüdenscheidt"


def test_someone_in_no_mapped_group_is_refused_in_german(oidc_app, provider):
    _client, response = log_in(oidc_app, provider, {**CLAIMS, "groups": ["/landkreis/alle"]})
    assert response.status_code == 403
    assert "Ihr Konto ist keiner Stelle in KoopFlow zugeordnet." in text_of(response.text)
    assert user(oidc_app, "m.mueller") is None


def test_a_provider_cannot_take_over_a_local_account_of_the_same_name(oidc_app, provider):
    log_in(oidc_app, provider, {**CLAIMS, "preferred_username": "lk.sozialamt"})
    local, _ = user(oidc_app, "lk.sozialamt")
    assert local.oidc_subject is None and local.display_name == "Sina Sozial"
    assert user(oidc_app, "lk.sozialamt.2")[0].oidc_subject.endswith(" f3a1-77")


def test_a_wrong_nonce_or_a_forged_state_logs_nobody_in(oidc_app, provider):
    client = oidc_app.test_client()
    callback = provider.approve(start(client), CLAIMS, nonce="not-the-one-koopflow-sent")
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Die Anmeldung über Ihre Behörde ist fehlgeschlagen." in text_of(client.get("/login").text)
    assert client.get("/inbox").status_code == 302

    other = oidc_app.test_client()
    start(other)
    forged = provider.approve(start(oidc_app.test_client()), CLAIMS)  # someone else's state
    assert other.get(forged).headers["Location"] == "/login" and other.get("/inbox").status_code == 302
    assert user(oidc_app, "m.mueller") is None


def test_an_id_token_signed_by_another_key_is_refused(oidc_app, provider):
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "key-1"})  # not the published one
    client, response = log_in(oidc_app, provider, CLAIMS)
    assert response.headers["Location"] == "/login" and client.get("/inbox").status_code == 302
    assert user(oidc_app, "m.mueller") is None


def test_a_provider_that_does_not_answer_sends_the_user_back_to_the_login(oidc_app, provider):
    client = oidc_app.test_client()
    callback = provider.approve(start(client), CLAIMS)
    provider.server.shutdown()
    provider.server.server_close()
    response = client.get(callback)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Die Anmeldung über Ihre Behörde ist fehlgeschlagen." in text_of(client.get("/login").text)


def test_without_configuration_the_agency_login_leads_back_to_the_login_page(app):
    client = app.test_client()
    assert client.get("/login/oidc").headers["Location"] == "/login"
    assert 'href="/login/oidc"' not in client.get("/login").text

"""Login through the agency's OpenID provider (OIDC authorization code flow, via Authlib),
beside the local accounts. Configured by environment variables; without
``KOOPFLOW_OIDC_ISSUER`` there is no such login and its addresses lead back to /login.

KOOPFLOW_OIDC_ISSUER          the provider's issuer URL (its discovery document is read from
                              <issuer>/.well-known/openid-configuration)
KOOPFLOW_OIDC_CLIENT_ID       KoopFlow's client at the provider
KOOPFLOW_OIDC_CLIENT_SECRET   its secret (confidential client)
KOOPFLOW_OIDC_GROUPS_CLAIM    the claim listing the user's groups (default: groups)
KOOPFLOW_OIDC_ORG_UNITS       group=org-unit[:lead],… e.g. /sozialamt/eingliederungshilfe=lk-gi-sozialamt
KOOPFLOW_OIDC_LABEL           the button's text on the login page
The redirect URI to register at the provider: <KOOPFLOW_BASE_URL>/login/oidc/callback.
"""
from __future__ import annotations

import logging

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, current_app, flash, redirect, render_template, url_for
from flask_login import login_user
from joserfc.errors import JoseError
from requests import RequestException

from service.web.auth import SessionUser
from workflows.errors import Forbidden
from workflows.people.oidc_accounts import ClaimMapping, actor_for_claims

bp = Blueprint("oidc", __name__)
log = logging.getLogger(__name__)
PROVIDER = "agency"
DEFAULT_LABEL = "Mit dem Konto Ihrer Behörde anmelden"
FAILED = "Die Anmeldung über Ihre Behörde ist fehlgeschlagen. Bitte versuchen Sie es noch einmal."


def init_app(app: Flask) -> None:
    config = app.extensions["koopflow"].settings.oidc
    app.config["KOOPFLOW_OIDC_LABEL"] = None
    if not config.get("issuer"):
        return
    issuer = config["issuer"].rstrip("/")
    oauth = OAuth(app)
    oauth.register(PROVIDER, client_id=config.get("client_id"), client_secret=config.get("client_secret"),
                   server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid profile email"})
    app.extensions["koopflow_oidc"] = (oauth, issuer, ClaimMapping.parse(config.get("groups_claim"), config.get("org_units")))
    app.config["KOOPFLOW_OIDC_LABEL"] = config.get("label") or DEFAULT_LABEL


def _configured():
    return current_app.extensions.get("koopflow_oidc")


@bp.get("/login/oidc")
def login():
    if not _configured():
        return redirect(url_for("login.show"))
    oauth = _configured()[0]
    settings = current_app.extensions["koopflow"].settings
    return oauth.create_client(PROVIDER).authorize_redirect(settings.base_url + url_for("oidc.callback"))


@bp.get("/login/oidc/callback")
def callback():
    if not _configured():
        return redirect(url_for("login.show"))
    oauth, issuer, mapping = _configured()
    client = oauth.create_client(PROVIDER)
    koopflow = current_app.extensions["koopflow"]
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo") or {}
        # Authlib checked the token's iss against the discovery document; that must be the configured issuer
        if not claims.get("sub") or client.load_server_metadata().get("issuer", "").rstrip("/") != issuer:
            raise AuthlibBaseError(description="no id_token, or another issuer")
        actor = actor_for_claims(koopflow.db, koopflow.clock, issuer, claims, mapping)
    except Forbidden as refused:
        return render_template("login.html", errors={"": refused.message}, username=""), 403
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as failed:  # state, nonce, signature, provider down
        log.warning("OIDC login failed: %s", type(failed).__name__)
        flash(FAILED, "error")
        return redirect(url_for("login.show"))
    login_user(SessionUser(actor))
    return redirect(url_for("inbox.inbox"))

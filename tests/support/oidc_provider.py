"""A small OpenID provider on loopback, standing in for an agency's Keycloak: discovery,
JWKS, and a token endpoint that answers an authorization code with an RS256-signed
id_token. The browser part (the provider's login page) is what ``approve`` does: it says
who logged in for the ``state`` KoopFlow sent, and returns the callback address with a code.
"""
from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID, CLIENT_SECRET = "koopflow", "client-secret"


class FakeProvider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})  # published in the JWKS
        self.signing_key = self.key  # what id_tokens are signed with (a test may swap it)
        self.codes: dict[str, dict] = {}  # code -> id_token claims
        self.token_requests: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self.wsgi)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/realms/landkreis"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()
        self.thread.join()

    def approve(self, authorize_url: str, claims: dict, nonce: str | None = None) -> str:
        """The provider's login: the callback URL (path and query) with a fresh code."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert authorize_url.startswith(self.issuer + "/protocol/openid-connect/auth?")
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code" and "openid" in query["scope"]
        code = secrets.token_urlsafe(16)
        # Authlib checks iat/exp against the real time, so these use it too.
        now = int(time.time())
        self.codes[code] = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                            "nonce": nonce or query["nonce"], **claims}
        callback = urlsplit(query["redirect_uri"])
        return f"{callback.path}?{urlencode({'code': code, 'state': query['state']})}"

    def wsgi(self, environ, start_response):
        request = Request(environ)
        base = "/realms/landkreis"
        if request.path == base + "/.well-known/openid-configuration":
            response = self._json({
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/protocol/openid-connect/auth",
                "token_endpoint": self.issuer + "/protocol/openid-connect/token",
                "jwks_uri": self.issuer + "/protocol/openid-connect/certs",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })
        elif request.path == base + "/protocol/openid-connect/certs":
            response = self._json({"keys": [self.key.as_dict(private=False)]})
        elif request.path == base + "/protocol/openid-connect/token" and request.method == "POST":
            response = self._token(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _token(self, request: Request) -> Response:
        self.token_requests.append(dict(request.form))
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return self._json({"error": "invalid_client"}, 401)
        claims = self.codes.pop(request.form.get("code", ""), None)
        if claims is None or request.form.get("grant_type") != "authorization_code":
            return self._json({"error": "invalid_grant"}, 400)
        id_token = jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, self.signing_key)
        return self._json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                           "expires_in": 300, "id_token": id_token})

    @staticmethod
    def _json(body: dict, status: int = 200) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")

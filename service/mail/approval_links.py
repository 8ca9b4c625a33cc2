"""Signed, expiring approval tokens (itsdangerous), bound to one approver and one task.

A token is made when the mail is sent, so the outbox never stores one and its age counts
from sending. It names the approval request and carries that request's nonce; a request
decides once, so a replayed token finds it decided.
"""
from __future__ import annotations

import os

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

SALT = "koopflow-approval"
MAX_AGE_DAYS = int(os.environ.get("KOOPFLOW_APPROVAL_LINK_DAYS", "14"))
REPLY_PREFIX = "approval+"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


def _serializer(secret: str, clock) -> URLSafeTimedSerializer:
    class ClockSigner(TimestampSigner):
        """Signs and checks ages by KoopFlow's clock, not the wall clock."""

        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(secret, salt=SALT, signer=ClockSigner)


def make_token(secret: str, clock, request_id: int, nonce: str) -> str:
    return _serializer(secret, clock).dumps({"r": request_id, "n": nonce})


def read_token(secret: str, clock, token: str) -> tuple[int, str]:
    try:
        claims = _serializer(secret, clock).loads(token, max_age=MAX_AGE_DAYS * 86400)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("r"), int) or not isinstance(claims.get("n"), str):
        raise TokenInvalid()
    return claims["r"], claims["n"]


def reply_address(token: str, domain: str) -> str:
    return f"{REPLY_PREFIX}{token}@{domain}"


def token_from_address(address: str) -> str | None:
    local = address.strip().strip("<>").rsplit("@", 1)[0]
    return local[len(REPLY_PREFIX):] if local.lower().startswith(REPLY_PREFIX) else None

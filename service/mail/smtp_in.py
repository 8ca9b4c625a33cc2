"""Replies to approval mails, received over SMTP (aiosmtpd): ``koopflow mail-in``.

The reply address ``approval+<token>@…`` carries the signed token. A reply decides when its
first non-empty line is exactly one agreed word - yes ("Ja", "Genehmigt") or no ("Nein",
"Abgelehnt") - and it comes from the approver's own address; a "Nein" needs the reason in the
lines below it, as the page does. The approver gets a confirmation. Anything else (or a "Nein"
without reason) gets a mail explaining what to write, and decides nothing. Automatic replies (vacation notices, bounces) are ignored and
never answered, so two robots cannot keep mailing each other.
"""
from __future__ import annotations

import logging
from email import message_from_bytes, policy
from email.utils import parseaddr

from service.mail.approval_links import TokenExpired, TokenInvalid, read_token, token_from_address
from workflows.cases.approvals import Decision
from workflows.cases.reply_parsing import is_automatic, read_reply
from workflows.decisions import approver_address, decide, look_up, reply_unclear
from workflows.errors import NotFound
from workflows.people.audit_log import Access, record_access

log = logging.getLogger(__name__)
FAILED = "451 4.3.0 Die Antwort konnte nicht verarbeitet werden"


class ReplyHandler:
    """aiosmtpd handler; ``app`` is the Flask app (for its secret, database and clock)."""

    def __init__(self, app):
        self.app = app

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if token_from_address(address) is None:
            return "550 5.1.1 Unbekannter Empfänger"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Never lets an exception reach aiosmtpd, which would send its text to the remote
        server: the log gets its type, the sender a fixed temporary-failure answer."""
        try:
            message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            for address in envelope.rcpt_tos:
                self.handle_reply(message, token_from_address(address), envelope.mail_from, _address_of(session.peer))
        except Exception as exc:  # noqa: BLE001 - the boundary of one received mail
            log.error("approval reply could not be processed (%s)", type(exc).__name__)
            return FAILED
        return "250 OK"

    def handle_reply(self, message, token: str, envelope_from: str | None, peer: str | None = None) -> str:
        """What was done: ignored-auto, ignored-invalid, ignored-foreign, decided, already, closed, unclear."""
        koopflow = self.app.extensions["koopflow"]
        if is_automatic(message) or not envelope_from:
            return "ignored-auto"
        try:
            request_id, nonce = read_token(self.app.config["SECRET_KEY"], koopflow.clock, token)
            expected = (approver_address(koopflow.db, request_id, nonce) or "").lower()
        except (TokenExpired, TokenInvalid, NotFound):
            log.info("reply with an invalid or expired approval token ignored")
            return "ignored-invalid"
        if parseaddr(message.get("From", ""))[1].lower() != expected:
            log.warning("approval reply from an address other than the approver's ignored")
            return "ignored-foreign"
        reading = read_reply(message)
        if reading.approved is None:
            reply_unclear(koopflow.db, koopflow.clock, request_id, nonce)
            return "unclear"
        if reading.needs_reason:
            reply_unclear(koopflow.db, koopflow.clock, request_id, nonce, reason_missing=True)
            return "reason-needed"
        access = Access("change", case_id=look_up(koopflow.db, request_id, nonce).case_id,
                        target="Antwort auf Genehmigungsmail", method="SMTP", client_address=peer)
        # a decision's entry is part of its transaction; a reply that decided nothing is logged after
        outcome = decide(koopflow.db, koopflow.clock, request_id, nonce,
                         Decision(reading.approved, reading.reason or None, "reply"), access)
        if outcome != "decided":
            record_access(koopflow.db, koopflow.clock, access)
        return outcome


def _address_of(peer) -> str | None:
    """aiosmtpd's ``session.peer``: (host, port) for TCP."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else None

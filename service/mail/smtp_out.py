"""Outgoing mail over SMTP with Flask-Mail: the transport the worker hands outbox mails to.

Configured by KOOPFLOW_SMTP_HOST, _PORT, _STARTTLS, _SSL, _USERNAME, _PASSWORD, _TIMEOUT
(seconds per network operation, default 30) and KOOPFLOW_MAIL_FROM. Without
KOOPFLOW_SMTP_HOST nothing is sent: mails stay in the outbox, readable on the Postausgang page
(the embedded default).

Flask-Mail builds the message (with the outbox row's Message-ID and its creation time as the
one Date header, so a resend is the same mail); the SMTP exchange itself is ours, because
Flask-Mail's connection has no timeout: a server that accepts and never greets would hang
the worker. ``abort()`` cuts a running exchange short (the worker calls it on SIGTERM).
"""
from __future__ import annotations

import os
import smtplib
import socket
import threading

from flask import Flask
from flask_mail import BadHeaderError, Mail, Message, sanitize_address, sanitize_addresses

from service.mail.approval_links import make_token, reply_address
from workflows.mail.compose import with_base_url
from workflows.store.outbox import OutboxMail


def smtp_config(env=None) -> dict:
    env = os.environ if env is None else env
    return {
        "MAIL_SERVER": env.get("KOOPFLOW_SMTP_HOST", ""),
        "MAIL_PORT": int(env.get("KOOPFLOW_SMTP_PORT", "25")),
        "MAIL_USE_TLS": env.get("KOOPFLOW_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": env.get("KOOPFLOW_SMTP_SSL", "").lower() in ("1", "true", "yes"),
        "MAIL_USERNAME": env.get("KOOPFLOW_SMTP_USERNAME") or None,
        "MAIL_PASSWORD": env.get("KOOPFLOW_SMTP_PASSWORD") or None,
        "MAIL_DEFAULT_SENDER": env.get("KOOPFLOW_MAIL_FROM", "KoopFlow <koopflow@localhost>"),
        "KOOPFLOW_SMTP_TIMEOUT": float(env.get("KOOPFLOW_SMTP_TIMEOUT", "30")),
        # replies to approval mails go to approval+<token>@this domain (koopflow mail-in)
        "KOOPFLOW_REPLY_DOMAIN": env.get("KOOPFLOW_REPLY_DOMAIN", "localhost"),
    }


def rendered(app: Flask, row: OutboxMail) -> tuple[str, str, str | None]:
    """(text, html, reply-to) as sent: base URL filled in, and for an approval request its
    signed links and reply address, made now (so the outbox never holds a usable token)."""
    base_url = app.extensions["koopflow"].settings.base_url
    placeholders, reply_to = {}, row.reply_to
    if row.approval_request is not None:
        request = row.approval_request
        token = make_token(app.config["SECRET_KEY"], app.extensions["koopflow"].clock, request.id, request.nonce)
        placeholders["approval_url"] = f"{base_url.rstrip('/')}/approvals/{token}"
        reply_to = reply_address(token, app.config["KOOPFLOW_REPLY_DOMAIN"])
    return (with_base_url(row.text_body, base_url, **placeholders),
            with_base_url(row.html_body, base_url, **placeholders), reply_to)


def message_of(app: Flask, row: OutboxMail) -> Message:
    """The mail as it goes out: one Message-ID (the row's) and one Date (when it was written)."""
    text, html, reply_to = rendered(app, row)
    headers = {"Auto-Submitted": "auto-generated"} if row.auto_submitted else {}
    message = Message(subject=row.subject, recipients=[row.to_address], body=text, html=html,
                      sender=app.config["MAIL_DEFAULT_SENDER"], reply_to=reply_to, extra_headers=headers,
                      charset="utf-8", date=row.created_at.timestamp())
    message.msgId = row.message_id
    if row.calendar_attachment:
        message.attach("einladung.ics", "text/calendar; method=PUBLISH; charset=utf-8",
                       row.calendar_attachment.encode("utf-8"))
    return message


class SmtpTransport:
    """Sends one outbox mail per call over its own SMTP connection, every network operation
    bounded by the timeout."""

    def __init__(self, app: Flask):
        self.app = app
        if "mail" not in app.extensions:
            Mail(app)  # Flask-Mail's settings, which building a Message reads
        self.timeout = float(app.config.get("KOOPFLOW_SMTP_TIMEOUT", 30))
        self._lock = threading.Lock()
        self._host: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.app.config
        kind = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        host = kind(timeout=self.timeout)  # not connected yet: abort() can reach it from the start
        with self._lock:
            self._host = host
        host.connect(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)))
        if config.get("MAIL_USE_TLS"):
            host.starttls()
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host

    def __call__(self, row: OutboxMail) -> None:
        with self.app.app_context():
            message = message_of(self.app, row)
            if message.has_bad_headers():
                raise BadHeaderError("header injection")
            payload = message.as_bytes()
        host = None
        try:
            host = self._connect()
            host.sendmail(sanitize_address(message.sender), list(sanitize_addresses(message.send_to)), payload)
            host.quit()
        except BaseException:
            if host is not None:
                host.close()
            raise
        finally:
            with self._lock:
                self._host = None

    def abort(self) -> None:
        """End the exchange in progress (if any) at once: its send fails, the mail waits."""
        with self._lock:
            sock = getattr(self._host, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def smtp_transport(app: Flask) -> SmtpTransport | None:
    """The transport that sends outbox mails, or None when no SMTP server is configured."""
    if not app.config.get("MAIL_SERVER"):
        return None
    return SmtpTransport(app)

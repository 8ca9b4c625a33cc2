"""Outgoing mail over SMTP with Flask-Mail: the transport the worker hands outbox mails to.

Configured by KOOPFLOW_SMTP_HOST, _PORT, _STARTTLS, _SSL, _USERNAME, _PASSWORD and
KOOPFLOW_MAIL_FROM. Without KOOPFLOW_SMTP_HOST nothing is sent: mails stay in the outbox,
readable on the Postausgang page (the embedded default).
"""
from __future__ import annotations

import os
from email.utils import formatdate

from flask import Flask
from flask_mail import Mail, Message

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


def smtp_transport(app: Flask):
    """A callable that sends one outbox mail, or None when no SMTP server is configured."""
    if not app.config.get("MAIL_SERVER"):
        return None
    mail = Mail(app)

    def send(row: OutboxMail) -> None:
        text, html, reply_to = rendered(app, row)
        headers = {"Message-ID": row.message_id, "Date": formatdate(localtime=False)}
        if row.auto_submitted:
            headers["Auto-Submitted"] = "auto-generated"
        with app.app_context():  # Flask-Mail reads its settings from the current app
            message = Message(subject=row.subject, recipients=[row.to_address], body=text, html=html,
                              reply_to=reply_to, extra_headers=headers, charset="utf-8")
            if row.calendar_attachment:
                message.attach("einladung.ics", "text/calendar; method=PUBLISH; charset=utf-8",
                               row.calendar_attachment.encode("utf-8"))
            mail.send(message)

    return send

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

from workflows.mail import with_base_url
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
    }


def smtp_transport(app: Flask):
    """A callable that sends one outbox mail, or None when no SMTP server is configured."""
    if not app.config.get("MAIL_SERVER"):
        return None
    mail = Mail(app)
    base_url = app.extensions["koopflow"].settings.base_url

    def send(row: OutboxMail) -> None:
        headers = {"Message-ID": row.message_id, "Date": formatdate(localtime=False)}
        if row.auto_submitted:
            headers["Auto-Submitted"] = "auto-generated"
        with app.app_context():  # Flask-Mail reads its settings from the current app
            message = Message(subject=row.subject, recipients=[row.to_address],
                              body=with_base_url(row.text_body, base_url),
                              html=with_base_url(row.html_body, base_url),
                              reply_to=row.reply_to, extra_headers=headers, charset="utf-8")
            mail.send(message)

    return send

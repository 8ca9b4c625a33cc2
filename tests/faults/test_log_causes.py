"""Logs name the cause when it is one of an allow-list (lock, disk full, connection refused, an
SMTP reply code), never the exception's own text, which may quote what was typed."""
from __future__ import annotations

import errno
import logging
import smtplib
import sqlite3
import sys

from sqlalchemy.exc import OperationalError

from service.web.log_privacy import WithholdExceptionMessages
from workflows.errors import known_cause

TYPED = "Mustermann, Jonas, 14.05.2008"


def formatted(exc: BaseException) -> str:
    try:
        raise exc
    except BaseException:
        record = logging.LogRecord("workflows", logging.ERROR, __file__, 1, "round failed", None, sys.exc_info())
    WithholdExceptionMessages().filter(record)
    return record.exc_text


def test_the_log_names_allowed_causes_and_withholds_the_message():
    locked = OperationalError("UPDATE cases SET …", {"name": TYPED}, sqlite3.OperationalError("database is locked"))
    full = OSError(errno.ENOSPC, f"No space left on device: '{TYPED}.pdf'")
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    smtp = smtplib.SMTPRecipientsRefused({f"{TYPED}@example.test": (550, b"mailbox unavailable")})
    rejected = smtplib.SMTPDataError(554, f"rejected: {TYPED}")
    for exc, cause in ((locked, "database is locked"), (full, "disk full"), (refused, "connection refused"),
                       (rejected, "SMTP reply 554")):
        text = formatted(exc)
        assert f"cause: {cause}" in text, text
        assert TYPED not in text and "Mustermann" not in text
    assert known_cause(ValueError(f"{TYPED} is not a date")) is None
    assert TYPED not in formatted(ValueError(f"{TYPED} is not a date"))
    assert known_cause(smtp) is None or TYPED not in known_cause(smtp)

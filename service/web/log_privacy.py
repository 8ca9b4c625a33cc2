"""Log records never carry an exception's message: it may quote a value that was entered
(a validation or engine error about a person's field). The traceback's frames stay — they
show code, not data — and the exception's type says what went wrong, with the cause when it
is one of an allow-list of words that never quote data (``workflows.errors.known_cause``:
"database is locked", "disk full", "connection refused", an SMTP reply code ...)."""
from __future__ import annotations

import logging
import traceback

from workflows.errors import known_cause

WITHHELD = "(Meldung nicht protokolliert: sie kann personenbezogene Daten enthalten)"


class WithholdExceptionMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            kind, value, trace = record.exc_info
            cause = known_cause(value)
            record.exc_text = ("Traceback (most recent call last):\n" + "".join(traceback.format_tb(trace))
                               + f"{kind.__module__}.{kind.__qualname__}: "
                               + (f"cause: {cause} " if cause else "") + WITHHELD)
        return True


_FILTER = WithholdExceptionMessages()


def install(*loggers: logging.Logger) -> None:
    """On these loggers, the root logger and their handlers (once each)."""
    for logger in (*loggers, logging.getLogger()):
        logger.addFilter(_FILTER)
        for handler in logger.handlers:
            handler.addFilter(_FILTER)

"""What can go wrong in a command, in words the service layer turns into pages and codes."""
from __future__ import annotations


class KoopflowError(Exception):
    """Base class; ``message`` is German text fit for a user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(KoopflowError):
    """The thing does not exist, or the user may not know that it does."""


class Forbidden(KoopflowError):
    """The user may see the thing but not do this with it."""


class Conflict(KoopflowError):
    """Someone else changed the case first; nothing was written."""


class ValidationFailed(KoopflowError):
    """Form data broke the form's rules; ``errors`` maps field names to German messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Die Angaben sind unvollständig oder fehlerhaft.")
        self.errors = errors


class DefinitionError(KoopflowError):
    """A BPMN file, form or agreement file is broken; the message names file and element."""


class AgreementNotActive(KoopflowError):
    """The agreement does not (or no longer) allow new cases."""


class Busy(KoopflowError):
    """The database stayed locked by another command longer than we wait; nothing was written."""


# Causes an operator needs to see, matched in an exception's text but logged only as these fixed
# words: the exception's own message may quote what someone typed, these never do.
_KNOWN_CAUSES = (
    ("database is locked", "database is locked"),
    ("database table is locked", "database is locked"),
    ("lock timeout", "lock timeout"),
    ("deadlock detected", "deadlock detected"),
    ("could not serialize", "serialization failure"),
    ("no space left on device", "disk full (No space left on device)"),
    ("disk i/o error", "disk I/O error"),
    ("database or disk is full", "disk full (database or disk is full)"),
    ("read-only file system", "read-only file system"),
    ("attempt to write a readonly database", "read-only database"),
    ("connection refused", "connection refused"),
    ("server closed the connection", "connection lost"),
    ("terminating connection", "connection terminated by the server"),
    ("connection is closed", "connection lost"),
    ("the database system is starting up", "database starting up"),
    ("the database system is shutting down", "database shutting down"),
    ("timed out", "timed out"),
    ("timeout expired", "timed out"),
    ("permission denied", "permission denied"),
)
_ERRNO_CAUSES = {28: "disk full (No space left on device)", 30: "read-only file system",
                 111: "connection refused", 110: "timed out", 13: "permission denied",
                 104: "connection reset", 32: "connection lost (broken pipe)"}


def known_cause(exc: BaseException | None) -> str | None:
    """What went wrong, in words from a fixed list (lock, disk full, connection refused, SMTP
    reply code ...), looked up along the exception's chain; None when it is none of those."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        code = getattr(exc, "smtp_code", None)
        if isinstance(code, int):
            return f"SMTP reply {code}"
        errno = getattr(exc, "errno", None)
        if isinstance(errno, int) and errno in _ERRNO_CAUSES:
            return _ERRNO_CAUSES[errno]
        if isinstance(exc, TimeoutError):
            return "timed out"
        text = str(exc).lower()
        for fragment, cause in _KNOWN_CAUSES:
            if fragment in text:
                return cause
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return None


class StepFailed(Conflict):
    """The engine steps after a command raised (a broken script, gateway or diagram): nothing
    was written, an incident records it for the administrators. A Conflict to every page and
    the API: the same input may go through once the cause is fixed."""

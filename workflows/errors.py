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


class StepFailed(Conflict):
    """The engine steps after a command raised (a broken script, gateway or diagram): nothing
    was written, an incident records it for the administrators. A Conflict to every page and
    the API: the same input may go through once the cause is fixed."""

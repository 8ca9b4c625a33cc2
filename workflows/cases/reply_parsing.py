"""Reading an emailed answer to an approval request: yes, no, unclear — or an automatic
reply that must be ignored (and never answered, so no mail loops)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage

YES = {"ja", "genehmigt", "genehmigen", "zustimmung", "einverstanden"}
NO = {"nein", "abgelehnt", "ablehnen", "ablehnung"}
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


def is_automatic(message: EmailMessage) -> bool:
    """RFC 3834 and the common vacation-responder marks; also bounces (empty return path)."""
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return True
    if (message.get("Precedence") or "").strip().lower() in AUTO_PRECEDENCE:
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond") or message.get("X-Auto-Response-Suppress"):
        return True
    return (message.get("Return-Path") or "").strip() == "<>"


def body_text(message: EmailMessage) -> str:
    """The plain-text body; a charset Python does not know (or a wrong one) is read as UTF-8
    with replacement characters, never an exception."""
    body = message.get_body(("plain",))
    if body is None:
        return ""
    try:
        return body.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError):
        payload = body.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)


# What may surround the one word on the first line: "Ja.", "nein!", "- Genehmigt -".
TRIVIAL = " \t.,;:!-–—*\"'„“”()"
QUOTE_HEADER = re.compile(r"^((am|on)\b.*\b(schrieb|wrote)\s*:?|-{2,}\s*(original|ursprüngliche).*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """What a reply says: ``approved`` True/False, or None when it decides nothing; ``reason``
    is the text below a "Nein" (required before a rejection decides)."""

    approved: bool | None
    reason: str = ""

    @property
    def needs_reason(self) -> bool:
        return self.approved is False and not self.reason


def _own_lines(message: EmailMessage) -> list[str]:
    """The reply's own lines: up to the signature, the quoted original or its header."""
    lines = []
    for line in body_text(message).splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or line.rstrip() == "--" or line.startswith("-- ") or QUOTE_HEADER.match(stripped):
            break
        lines.append(stripped)
    return lines


def first_line(message: EmailMessage) -> str:
    return next((line for line in _own_lines(message) if line), "")


def read_reply(message: EmailMessage) -> Reading:
    """Decides only when the first non-empty line is exactly one agreed word (trivial
    punctuation around it allowed): "Ja, wir lehnen ab" or "Nein danke, genehmigt" decide
    nothing. A "Nein" carries its reason in the lines below it."""
    lines = _own_lines(message)
    first = next((index for index, line in enumerate(lines) if line), None)
    if first is None:
        return Reading(None)
    word = lines[first].strip(TRIVIAL).lower()
    if word in YES:
        return Reading(True)
    if word in NO:
        return Reading(False, "\n".join(line for line in lines[first + 1:] if line).strip())
    return Reading(None)


def decision_of(message: EmailMessage) -> bool | None:
    """True for yes, False for no, None when the first line is not exactly one agreed word."""
    return read_reply(message).approved

"""Reading an emailed answer to an approval request: yes, no, unclear — or an automatic
reply that must be ignored (and never answered, so no mail loops)."""
from __future__ import annotations

import re
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


def first_line(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    text = body.get_content() if body is not None else ""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith(">"):
            return line.strip()
    return ""


def decision_of(message: EmailMessage) -> bool | None:
    """True for yes, False for no, None when the first line says neither (clearly)."""
    words = re.findall(r"[a-zäöüß]+", first_line(message).lower())
    if not words:
        return None
    if words[0] in YES and not NO.intersection(words):
        return True
    if words[0] in NO and not YES.intersection(words):
        return False
    return None

"""Personal data must never leave in a mail: find what a test typed into forms, look for it
in every mail the test wrote. Words that the agreement itself contains (e.g. "Gießen", part
of an agency's name) are not evidence of a leak and are skipped, nor are the names of
KoopFlow's own users: mails greet their recipient by name, and an approval task's result
names who approved (``approved_by``) without anyone typing it. Fields a form marks
``"x-mailable": true`` are meant to be mailed: a meeting's date, time and place (invitations),
a date a task is due by."""
from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from workflows.paths import FORMS_DIR
from workflows.store.history import HistoryEvent
from workflows.store.organisation import Agreement
from workflows.store.outbox import OutboxMail
from workflows.store.users import User

MIN_LENGTH = 5


def entered_values(value):
    """Every string in nested form data, dates also in German form."""
    if isinstance(value, dict):
        for v in value.values():
            yield from entered_values(v)
    elif isinstance(value, list):
        for item in value:
            yield from entered_values(item)
    elif isinstance(value, str) and len(value) >= MIN_LENGTH:
        yield value
        try:
            yield date.fromisoformat(value).strftime("%d.%m.%Y")
        except ValueError:
            pass


def _mailable_fields(form_name: str | None) -> set[str]:
    path = FORMS_DIR / (form_name or "")
    if not form_name or not path.is_file():
        return set()
    properties = json.loads(path.read_text(encoding="utf-8")).get("properties", {})
    return {k for k, p in properties.items() if isinstance(p, dict) and p.get("x-mailable")}


def leaks(db) -> list[tuple[int, str]]:
    """(mail id, value) for each value entered in any form that appears in any mail."""
    with db.transaction() as session:
        agreements = "\n".join(session.scalars(select(Agreement.source)))
        users = set(session.scalars(select(User.display_name)))
        entered = set()
        for form, details in session.execute(select(HistoryEvent.form_name, HistoryEvent.details)
                                             .where(HistoryEvent.kind == "task.completed")):
            data = {k: v for k, v in (details.get("data") or {}).items() if k not in _mailable_fields(form)}
            entered.update(v for v in entered_values(data) if v not in agreements and v not in users)
        found = []
        for mail in session.scalars(select(OutboxMail)):
            text = "\n".join((mail.subject, mail.text_body, mail.html_body))
            found += [(mail.id, value) for value in entered if value in text]
        return found

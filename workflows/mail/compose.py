"""Writing mails into the outbox. A mail says what there is to do, for which agency and
case number, by when, and links to it — never a person's name, birth date or form data.

Bodies are rendered from the templates in ``templates/`` with only what is passed
here: task names come from the diagrams, case numbers are not personal data. Links are
stored relative, with ``{base_url}`` resolved when the mail is sent or shown, so the
engine side needs no web configuration.
"""
from __future__ import annotations

from datetime import datetime
from email.utils import make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from workflows.clock import BERLIN
from workflows.store.outbox import PENDING, OutboxMail
from workflows.store.users import User

BASE_URL = "{base_url}"
MESSAGE_ID_DOMAIN = "koopflow.invalid"
# The templates ship with the code: each is read once, not checked for changes on every mail.
_LOADER = FileSystemLoader(Path(__file__).parent / "templates")
_TEXT = Environment(loader=_LOADER, undefined=StrictUndefined, auto_reload=False,
                    autoescape=False, keep_trailing_newline=True)
_HTML = Environment(loader=_LOADER, undefined=StrictUndefined, auto_reload=False,
                    autoescape=select_autoescape(["html"]))
for _env in (_TEXT, _HTML):
    _env.filters["date_de"] = lambda d: d.strftime("%d.%m.%Y") if d else "keine"
    _env.filters["datetime_de"] = lambda d: d.astimezone(BERLIN).strftime("%d.%m.%Y, %H:%M")


def enqueue(session, now: datetime, *, kind: str, recipient: User, subject: str, template: str,
            context: dict, case_id: int | None = None, reply_to: str | None = None,
            approval_request_id: int | None = None, calendar: str | None = None) -> OutboxMail | None:
    """Put one mail for ``recipient`` into the outbox (nothing when they have no address)."""
    if not recipient.email or not recipient.active:
        return None
    mail = _outbox_mail(now, kind, recipient.email, recipient.display_name, subject, template, context, calendar)
    mail.case_id, mail.recipient_user_id = case_id, recipient.id
    mail.reply_to, mail.approval_request_id = reply_to, approval_request_id
    session.add(mail)
    return mail


def enqueue_external(session, now: datetime, *, kind: str, to_address: str, recipient_name: str, subject: str,
                     template: str, context: dict, calendar: str | None = None) -> OutboxMail:
    """A mail to someone without a login (a contact): no case, no link into KoopFlow."""
    mail = _outbox_mail(now, kind, to_address, recipient_name, subject, template, context, calendar)
    session.add(mail)
    return mail


def _outbox_mail(now, kind, to_address, recipient_name, subject, template, context, calendar) -> OutboxMail:
    context = {**context, "base_url": BASE_URL, "recipient_name": recipient_name}
    return OutboxMail(
        kind=kind, to_address=to_address, subject=subject,
        text_body=_TEXT.get_template(f"{template}.txt").render(context),
        html_body=_HTML.get_template(f"{template}.html").render(context),
        message_id=make_msgid(domain=MESSAGE_ID_DOMAIN), auto_submitted=True, calendar_attachment=calendar,
        status=PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )


def with_base_url(body: str, base_url: str, **placeholders: str) -> str:
    """The body as sent: the base URL and any other ``{name}`` placeholders filled in."""
    body = body.replace(BASE_URL, base_url.rstrip("/"))
    for name, value in placeholders.items():
        body = body.replace("{" + name + "}", value)
    return body

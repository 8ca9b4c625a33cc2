"""A takeover waiting for the LWV lead's approval, and the mails it is decided from: the
request with its two links, and a reply to it."""
from __future__ import annotations

import re
from email.message import EmailMessage

from tests.support.flows import actor, offered_handover, open_task
from tests.support.handover import CONFIRM_JSON
from tests.support.smtp import transport_to
from workflows.mail.sending import send_due
from workflows.tasks import complete_task

LINK = re.compile(r"http://localhost:5000(/approvals/[^\s?\"]+)")


def proposed_takeover(kf) -> int:
    """A handover whose takeover the Fachdienst has confirmed: it now waits for the lead."""
    case_id = offered_handover(kf)
    complete_task(kf.db, kf.clock, actor(kf, "lwv.fachdienst"), open_task(kf, case_id, "review_handover"),
                  CONFIRM_JSON)
    return case_id


def approval_mail(app, kf, smtp) -> EmailMessage:
    send_due(kf.db, kf.clock, transport_to(app, smtp.port))
    mails = [m for m in smtp.inbox.messages if "Genehmigung erbeten" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == "lwv.leitung@demo.invalid"
    return mails[0]


def reply(original: EmailMessage, first_line: str, **headers) -> tuple[EmailMessage, str]:
    """(the lead's answer to the approval mail, the token in its Reply-To address)."""
    answer = EmailMessage()
    answer["From"] = headers.pop("sender", "Leonie Leitung <lwv.leitung@demo.invalid>")
    answer["To"] = original["Reply-To"]
    answer["Subject"] = "Re: " + original["Subject"]
    for name, value in headers.items():
        answer[name.replace("_", "-")] = value
    answer.set_content(f"{first_line}\n\n> {original.get_body(('plain',)).get_content()[:80]}")
    token = original["Reply-To"].split("+", 1)[1].split("@", 1)[0]
    return answer, token

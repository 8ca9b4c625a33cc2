"""Postausgang: every mail KoopFlow wrote, readable with its links (admins only)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from service.mail.smtp_out import rendered
from service.runtime import koopflow
from service.web.auth import current_actor
from service.web.input_guard import row_id
from workflows.mail.compose import with_base_url
from workflows.mail.outbox import outbox_mail, outbox_page

bp = Blueprint("outbox", __name__)


@bp.get("/admin/outbox")
@login_required
def index():
    before = request.args.get("before", type=row_id)
    mails = outbox_page(koopflow().db, current_actor(), before)
    return render_template("outbox/index.html", mails=mails, more=len(mails) == 50)


@bp.get("/admin/outbox/<int:mail_id>")
@login_required
def show(mail_id: int):
    app = koopflow()
    mail = outbox_mail(app.db, current_actor(), mail_id)
    return render_template("outbox/show.html", mail=mail, text=_readable(mail))


def _readable(mail) -> str:
    """The mail as its recipient gets it. Approval links decide for their approver, so they
    are shown working only in the embedded mode without SMTP, where this page is how mails
    are read at all; with a mail server they exist only in the sent mail. A sent mail's text is
    not kept (``workflows.mail.sending``): empty."""
    if not mail.text_body:
        return ""
    if not current_app.config.get("MAIL_SERVER"):
        return rendered(current_app, mail)[0]
    return with_base_url(mail.text_body, koopflow().settings.base_url,
                         approval_url="(Link nur in der versandten Mail)")

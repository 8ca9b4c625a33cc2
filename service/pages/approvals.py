"""The page a mailed approval link opens. A GET only shows what is to be decided (mail
scanners follow links and must never approve anything); the buttons POST the decision.
No login is needed — the signed token is the approver's — and the page shows no personal
data, only the task, the case number and a link to the case for those who log in."""
from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request

from service.mail.approval_links import TokenExpired, TokenInvalid, read_token
from service.parts.panels import task_panel
from service.runtime import koopflow
from workflows.cases.approvals import Decision
from workflows.decisions import decide, look_up
from workflows.errors import NotFound

bp = Blueprint("approvals", __name__, url_prefix="/approvals")
CHOICES = {"genehmigen": "approve", "ablehnen": "reject"}


def _pending(token: str):
    """(pending, None) or (None, (template args, status)) for a bad token."""
    try:
        request_id, nonce = read_token(current_app.config["SECRET_KEY"], koopflow().clock, token)
        pending = look_up(koopflow().db, request_id, nonce)
        g.audit_case_id = pending.case_id  # the audit log names the case, never the token
        return pending, None
    except TokenExpired:
        return None, ({"problem": "expired"}, 410)
    except (TokenInvalid, NotFound):
        return None, ({"problem": "invalid"}, 404)


@bp.get("/<token>")
def show(token: str):
    pending, problem = _pending(token)
    if problem:
        return render_template("approvals.html", **problem[0]), problem[1]
    preselected = CHOICES.get(request.args.get("entscheidung", ""))
    return render_template("approvals.html", pending=pending, preselected=preselected, error=None, comment="",
                           panel=_panel(pending))


@bp.post("/<token>")
def decide_post(token: str):
    pending, problem = _pending(token)
    if problem:
        return render_template("approvals.html", **problem[0]), problem[1]
    choice = request.form.get("decision")
    comment = request.form.get("comment", "").strip()[:2000]
    if choice not in ("approve", "reject") or (choice == "reject" and not comment):
        error = "Bitte begründen Sie die Ablehnung." if choice == "reject" else "Bitte wählen Sie „Genehmigen“ oder „Ablehnen“."
        return render_template("approvals.html", pending=pending, preselected=choice, error=error, comment=comment,
                               panel=_panel(pending)), 422
    request_id, nonce = read_token(current_app.config["SECRET_KEY"], koopflow().clock, token)
    outcome = decide(koopflow().db, koopflow().clock, request_id, nonce, Decision(choice == "approve", comment or None, "link"))
    status = 200 if outcome == "decided" else 409
    return render_template("approvals.html", pending=look_up(koopflow().db, request_id, nonce), outcome=outcome), status


def _panel(pending):
    """What is to be decided, where the task's diagram names a panel (service/parts/panels.py)."""
    return task_panel(koopflow(), pending) if pending.task_open else None

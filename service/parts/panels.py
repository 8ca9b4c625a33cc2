"""What a task page shows besides its form, when its diagram asks (user-task property ``panel``):
the Kündigung's dates while it is prepared, an Anpassung's changes while it is agreed, the
takeover a lead is asked to approve. ``view`` is a task page's TaskView, or the Pending of the
page a mailed approval link opens (no login there: no personal data)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from workflows.agreements.amendment import DIFF, diff_lines
from workflows.agreements.termination import preview
from workflows.cases.takeover_proposal import proposal_of
from workflows.processes.properties import PANEL
from workflows.tasks import TaskView


def _termination_preview(app, view) -> str:
    return render_template("parts/panels/termination_preview.html", dates=preview(app.clock.today()))


def _amendment_diff(app, view) -> str:
    data = view.case_data
    return render_template("parts/panels/amendment_diff.html", summary=data.get("summary"),
                           effective_on=data.get("effective_on"), changes_text=data.get("changes_text"),
                           diff=diff_lines(data.get(DIFF) or ""))


def _termination_notice(app, view) -> str:
    """What a signatory signs: the reason, and when the agreement would end (no personal data,
    so the page a mailed link opens may show it too)."""
    return render_template("parts/panels/termination_notice.html", reason=view.case_data.get("reason"),
                           dates=preview(app.clock.today()))


def _takeover_proposal(app, view) -> str:
    """What the lead approves: the takeover's date and case number; behind the login also the
    Fachdienst's proposal as its review form has it."""
    signed_in = isinstance(view, TaskView)
    number = view.case.case_number if signed_in else view.case_number
    return render_template("parts/panels/takeover_proposal.html", proposal=proposal_of(number, view.case_data),
                           signed_in=signed_in)


PANELS = {"termination_preview": _termination_preview, "termination_notice": _termination_notice,
          "amendment_diff": _amendment_diff, "takeover_proposal": _takeover_proposal}


def task_panel(app, view) -> Markup | None:
    name = view.properties.get(PANEL.name)
    return Markup(PANELS[name](app, view)) if name in PANELS else None

"""Schulabgänger-Kohorte: every person of a § 8 b list year, with the handover's status and milestones.

The page shows names (behind the login, to those who may see the year's list case); its
address carries only the agreement and the year.
"""
from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.annual.cohort import cohort_page, cohort_years

bp = Blueprint("cohort", __name__, url_prefix="/cohort")


@bp.get("")
@login_required
def index():
    return render_template("cohort/index.html", years=cohort_years(koopflow().db, current_actor()))


@bp.get("/<agreement_id>/<int:year>")
@login_required
def show(agreement_id: str, year: int):
    app = koopflow()
    page = cohort_page(app.db, app.clock, current_actor(), agreement_id, year)
    g.audit_case_id = page.list_case_id  # a read of the list's personal data, in the Protokoll
    return render_template("cohort/show.html", page=page, today=app.clock.today())

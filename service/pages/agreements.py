"""Die Kooperationsvereinbarung: status (gekündigt zum …, beendet), every version, each diff."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.agreements.amendment import diff_lines
from workflows.agreements.reading import read_agreement
from workflows.agreements.view import current_data, my_agreements, version_text, versions

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.get("")
@login_required
def index():
    return render_template("agreements/index.html", agreements=my_agreements(koopflow().db, current_actor()))


@bp.get("/<agreement_id>")
@login_required
def show(agreement_id: str):
    status, rows = versions(koopflow().db, current_actor(), agreement_id)
    data, number = current_data(koopflow().db, current_actor(), agreement_id)
    return render_template("agreements/show.html", status=status, versions=rows, reading=read_agreement(data),
                           current_number=number)


@bp.get("/<agreement_id>/versions/<int:number>")
@login_required
def version(agreement_id: str, number: int):
    status, _rows = versions(koopflow().db, current_actor(), agreement_id)
    text = version_text(koopflow().db, current_actor(), agreement_id, number)
    return render_template("agreements/version.html", status=status, version=text, diff=diff_lines(text.diff),
                           reading=read_agreement(text.data))

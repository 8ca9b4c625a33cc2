"""Posteingang: the tasks of my groups and mine, filtered and sorted, a page at a time."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.cases.follow_ups import my_case_follow_ups
from workflows.cases.inbox import SCOPES, SORTS, inbox_page, parse_filter, process_choices
from workflows.cases.saved_filters import my_filters
from workflows.clock import berlin_date
from workflows.incidents import open_count

bp = Blueprint("inbox", __name__)


@bp.get("/")
@login_required
def home():
    return redirect(url_for("inbox.inbox"))


@bp.get("/inbox")
@login_required
def inbox():
    app = koopflow()
    processes = process_choices(app.db)
    filters, errors = parse_filter(request.args, {key for key, _name in processes})
    cursor = request.args.get("after")
    today = berlin_date(app.clock.now())
    page = inbox_page(app.db, current_actor(), cursor, filters=filters, today=today)
    # cases on Wiedervorlage: those come back by today on the first page; all of them under "Meine Wiedervorlagen"
    case_follow_ups = [] if cursor else my_case_follow_ups(
        app.db, current_actor(), due_by=None if filters.scope == "followups" else today)
    return render_template("inbox.html", page=page, first_page=not cursor, me=current_actor(), filters=filters,
                           errors=errors, typed=request.args, today=today, case_follow_ups=case_follow_ups, processes=processes, scopes=SCOPES, sorts=SORTS,
                           saved_filters=my_filters(app.db, current_actor(), with_counts=True),
                           incidents_open=open_count(app.db, current_actor())), \
        422 if errors else 200

"""Posteingang: the tasks of my groups and mine, by due date, a page at a time."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.cases.inbox import inbox_page
from workflows.incidents import open_count

bp = Blueprint("inbox", __name__)


@bp.get("/")
@login_required
def home():
    return redirect(url_for("inbox.inbox"))


@bp.get("/inbox")
@login_required
def inbox():
    cursor = request.args.get("after")
    page = inbox_page(koopflow().db, current_actor(), cursor)
    return render_template("inbox.html", page=page, first_page=not cursor, me=current_actor(),
                           incidents_open=open_count(koopflow().db, current_actor()))

"""Fristen: upcoming and overdue deadlines, and the same as a calendar (iCal) at a secret
per-user address that carries no personal data and can be renewed."""
from __future__ import annotations

from datetime import timedelta, timezone

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import login_required
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.deadlines import actor_for_calendar, calendar_key, deadlines_for

bp = Blueprint("deadlines", __name__)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="koopflow-calendar")


@bp.get("/deadlines")
@login_required
def deadlines():
    app = koopflow()
    today = app.clock.today()
    items = deadlines_for(app.db, current_actor(), today)
    token = _serializer().dumps({"u": current_actor().user_id, "k": calendar_key(app.db, current_actor().user_id)})
    feed = app.settings.base_url + url_for("deadlines.calendar", token=token)
    return render_template("deadlines.html", items=items, today=today, feed=feed)


@bp.post("/deadlines/calendar-address")
@login_required
def renew_calendar_address():
    calendar_key(koopflow().db, current_actor().user_id, renew=True)
    flash("Die Kalenderadresse wurde erneuert; die alte gilt nicht mehr.", "success")
    return redirect(url_for("deadlines.deadlines"))


@bp.get("/calendar/<token>.ics")
def calendar(token: str):
    try:
        claims = _serializer().loads(token)
    except BadSignature:
        abort(404)
    if not isinstance(claims, dict):
        abort(404)
    app = koopflow()
    actor = actor_for_calendar(app.db, int(claims.get("u", 0)), str(claims.get("k", "")))
    if actor is None:
        abort(404)
    g.audit_actor_id = actor.user_id  # the address is this user's key: the audit log names them
    cal = Calendar()
    cal.add("prodid", "-//KoopFlow//Fristen//DE")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "KoopFlow Fristen")
    stamp = app.clock.now().astimezone(timezone.utc)
    for item in deadlines_for(app.db, actor, app.clock.today()):
        event = Event()
        event.add("uid", item.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due_on)
        event.add("dtend", item.due_on + timedelta(days=1))
        event.add("summary", f"Frist: {item.what}" + (f" ({item.case_number})" if item.case_number else ""))
        cal.add_component(event)
    return Response(cal.to_ical(), mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="koopflow-fristen.ics"', "Cache-Control": "no-store"})

"""Kontakte: the contacts directory of each agreement (admins only). External participants
of the bodies — providers, EUTB, Förderschulen … — who get invitations but have no login."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.agreements.contacts import (
    FIELDS,
    add_contact,
    change_contact,
    contact_by_id,
    contact_listing,
    remove_contact,
)
from workflows.store.contacts import CONTACT_GROUPS

bp = Blueprint("contacts", __name__)


def _page(errors: dict, values: dict, status: int = 200, confirm_id: int | None = None, editing=None):
    listings = contact_listing(koopflow().db, current_actor())
    agreements = [(listing.agreement_id, listing.agreement_name) for listing in listings]
    confirm = next((c for listing in listings for c in listing.contacts if c.id == confirm_id), None)
    return render_template("contacts.html", listings=listings, agreements=agreements, groups=CONTACT_GROUPS,
                           errors=errors, values=values, confirm=confirm, editing=editing,
                           editing_agreement=dict(agreements).get(editing.agreement_id) if editing else None), status


@bp.get("/admin/contacts")
@login_required
def index():
    return _page({}, {})


@bp.post("/admin/contacts")
@login_required
def add():
    app = koopflow()
    values = {k: request.form.get(k, "") for k in ("agreement_id", *FIELDS)}
    errors = add_contact(app.db, app.clock, current_actor(), values["agreement_id"], values)
    if errors:
        return _page(errors, values, 422)
    flash("Der Kontakt ist gespeichert.", "success")
    return redirect(url_for("contacts.index"))


@bp.post("/admin/contacts/<int:contact_id>/delete")
@login_required
def delete(contact_id: int):
    """First the question (the page again, asking), then — with ``confirm=yes`` — the deletion."""
    app = koopflow()
    if request.form.get("confirm") != "yes":
        page, status = _page({}, {}, confirm_id=contact_id)
        return (page, status) if "confirm-delete" in page else (page, 404)
    remove_contact(app.db, app.clock, current_actor(), contact_id)
    flash("Der Kontakt ist gelöscht.", "success")
    return redirect(url_for("contacts.index"))


@bp.get("/admin/contacts/<int:contact_id>/edit")
@login_required
def edit(contact_id: int):
    contact = contact_by_id(koopflow().db, current_actor(), contact_id)
    return _page({}, {k: getattr(contact, k) for k in FIELDS}, editing=contact)


@bp.post("/admin/contacts/<int:contact_id>/edit")
@login_required
def change(contact_id: int):
    app = koopflow()
    contact = contact_by_id(app.db, current_actor(), contact_id)
    values = {k: request.form.get(k, "") for k in FIELDS}
    errors = change_contact(app.db, app.clock, current_actor(), contact_id, values)
    if errors:
        return _page(errors, values, 422, editing=contact)
    flash("Der Kontakt ist geändert.", "success")
    return redirect(url_for("contacts.index"))

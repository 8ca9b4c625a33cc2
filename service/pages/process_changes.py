"""Prozessänderung: edit a diagram in the bpmn-js Modeler (or upload a .bpmn file without
JavaScript) and the forms of its tasks (one textarea of JSON each), propose it with a change
note, review its diff (diagram and forms), comment, consent.

The Modeler is copied from npm into static/vendor/ by ``make install`` (never a CDN); the page
posts the drawn XML in a hidden field, or the uploaded file when JavaScript is off.
"""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.clock import berlin_date
from workflows.errors import NotFound, ValidationFailed
from workflows.processes.catalogue import definition_view
from workflows.processes.proposals import (
    MAX_XML,
    MAY_NOT_PROPOSE,
    consent,
    editable_forms,
    element_of,
    may_propose_here,
    proposal_view,
    proposal_xml,
    propose_change,
)
from workflows.processes.review_comments import add_comment, comments_of

bp = Blueprint("process_changes", __name__)


@bp.get("/processes/<process_key>/versions/<int:definition_id>/change")
@login_required
def change(process_key: str, definition_id: int):
    return _change_page(process_key, definition_id, {}, {})


def _change_page(process_key: str, definition_id: int, errors: dict, form, status: int = 200):
    app = koopflow()
    view = definition_view(app.db, process_key, definition_id, actor=current_actor())
    if not may_propose_here(app.db, current_actor(), process_key):
        raise NotFound(MAY_NOT_PROPOSE)
    return render_template("processes/change.html", view=view, errors=errors, form=form,
                           forms=editable_forms(view.definition),
                           error_element=element_of(errors.get("bpmn", ""))), status


@bp.post("/processes/<process_key>/versions/<int:definition_id>/change")
@login_required
def propose(process_key: str, definition_id: int):
    app = koopflow()
    xml = request.form.get("bpmn_xml", "")
    upload = request.files.get("bpmn_file")
    if not xml.strip() and upload is not None and upload.filename:
        raw = upload.read(MAX_XML + 1)
        try:
            xml = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _change_page(process_key, definition_id, {"bpmn": "Die Datei ist nicht in UTF-8 gespeichert."},
                                request.form, 422)
    try:
        proposal_id = propose_change(app.db, app.clock, current_actor(), process_key, definition_id, xml,
                                     request.form.get("change_note", ""), request.form.get("effective_on", ""),
                                     app.settings.forms_dir,
                                     {k: v for k, v in request.form.items() if k.startswith("form-")})
    except ValidationFailed as failed:
        return _change_page(process_key, definition_id, failed.errors, request.form, 422)
    flash("Ihr Änderungsvorschlag ist gespeichert. Die Prüfenden beider Partner sehen ihn jetzt.", "success")
    return redirect(url_for("process_changes.show", process_key=process_key, proposal_id=proposal_id))


@bp.get("/processes/<process_key>/proposals/<int:proposal_id>")
@login_required
def show(process_key: str, proposal_id: int):
    return _proposal_page(process_key, proposal_id, {}, {})


def _proposal_page(process_key: str, proposal_id: int, errors: dict, form, status: int = 200):
    app = koopflow()
    view = proposal_view(app.db, current_actor(), process_key, proposal_id)
    comments = comments_of(app.db, process_key, actor=current_actor())
    ids = {e.id for e in view.elements}
    return render_template("processes/proposal.html", view=view, errors=errors, form=form,
                           comments=[c for c in comments if c.element_id in ids]), status


@bp.get("/processes/<process_key>/proposals/<int:proposal_id>.bpmn")
@login_required
def xml(process_key: str, proposal_id: int):
    return Response(proposal_xml(koopflow().db, current_actor(), process_key, proposal_id),
                    mimetype="application/xml")


@bp.post("/processes/<process_key>/proposals/<int:proposal_id>/comments")
@login_required
def comment(process_key: str, proposal_id: int):
    app = koopflow()
    view = proposal_view(app.db, current_actor(), process_key, proposal_id)
    try:
        add_comment(app.db, app.clock, current_actor(), process_key, {e.id for e in view.elements},
                    request.form.get("element_id", ""), request.form.get("body", ""),
                    request.form.get("agreement_id") or None)
    except ValidationFailed as failed:
        return _proposal_page(process_key, proposal_id, failed.errors, request.form, 422)
    flash("Ihr Kommentar ist gespeichert.", "success")
    return redirect(url_for("process_changes.show", process_key=process_key, proposal_id=proposal_id) + "#comments")


@bp.post("/processes/<process_key>/proposals/<int:proposal_id>/consent")
@login_required
def agree(process_key: str, proposal_id: int):
    app = koopflow()
    try:
        adopted = consent(app.db, app.clock, current_actor(), process_key, proposal_id)
    except ValidationFailed as failed:
        return _proposal_page(process_key, proposal_id, failed.errors, request.form, 422)
    if adopted is None:
        flash("Ihre Zustimmung ist gespeichert. Es fehlen noch Zustimmungen.", "success")
    else:
        flash(f"Alle haben zugestimmt: die Änderung ist Fassung {adopted.number} und gilt ab "
              f"{berlin_date(adopted.effective_from).strftime('%d.%m.%Y')}.", "success")
    return redirect(url_for("process_changes.show", process_key=process_key, proposal_id=proposal_id))

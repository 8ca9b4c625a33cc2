"""Prozesse: every definition version, its diagram (bpmn-js) and elements; a case's diagram.

The diagram is drawn by service/static/diagram.js with the bpmn-js NavigatedViewer copied
from npm into static/vendor/ by ``make install``; every page shows the same facts as a
table, so nothing needs JavaScript.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import login_required

from service.app import koopflow
from service.auth import current_actor
from workflows.process_catalog import STATE_LABELS, case_diagram, definition_view, definition_xml, processes

bp = Blueprint("diagrams", __name__)


@bp.get("/processes")
@login_required
def index():
    return render_template("processes.html", processes=processes(koopflow().db))


@bp.get("/processes/<process_key>/versions/<int:definition_id>")
@login_required
def version(process_key: str, definition_id: int):
    view = definition_view(koopflow().db, process_key, definition_id)
    return render_template("process_version.html", view=view)


@bp.get("/processes/<process_key>/versions/<int:definition_id>.bpmn")
@login_required
def version_xml(process_key: str, definition_id: int):
    xml = definition_xml(koopflow().db, process_key, definition_id)
    return Response(xml, mimetype="application/xml")


@bp.get("/cases/<int:case_id>/diagram")
@login_required
def case(case_id: int):
    view = case_diagram(koopflow().db, current_actor(), case_id)
    return render_template("case_diagram.html", view=view, state_labels=STATE_LABELS)

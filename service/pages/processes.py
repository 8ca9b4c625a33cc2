"""Prozesse: every definition version, its diagram (bpmn-js) and elements; a case's diagram.

The diagram is drawn by service/static/diagram.js with the bpmn-js NavigatedViewer copied
from npm into static/vendor/ by ``make install``; every page shows the same facts as a
table, so nothing needs JavaScript.
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from service.web.input_guard import row_id
from workflows.cases.administration import migrate_all, migrate_case
from workflows.cases.version_moves import moves_to
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.processes.catalogue import (
    STATE_LABELS,
    case_diagram,
    definition_view,
    definition_xml,
    processes,
)
from workflows.processes.compare import comparison
from workflows.processes.proposals import may_propose_here, proposals_of
from workflows.processes.review_comments import add_comment, comments_of, resolve_comment

bp = Blueprint("processes", __name__)


@bp.get("/processes")
@login_required
def index():
    return render_template("processes/index.html", processes=processes(koopflow().db, current_actor()))


@bp.get("/processes/<process_key>/versions/<int:definition_id>")
@login_required
def version(process_key: str, definition_id: int):
    return _version_page(process_key, definition_id)


def _version_page(process_key: str, definition_id: int, errors=None, form=None, move_errors=None):
    app = koopflow()
    view = definition_view(app.db, process_key, definition_id, request.args.get("agreement") or None,
                           current_actor())
    show_resolved = request.args.get("erledigte") == "1"
    comments = comments_of(app.db, process_key, include_resolved=show_resolved, actor=current_actor())
    open_counts: dict[str, int] = {}
    for comment in comments:
        if comment.resolved_at is None:
            open_counts[comment.element_id] = open_counts.get(comment.element_id, 0) + 1
    moves = moves_to(app.db, current_actor(), process_key, definition_id)
    return render_template("processes/version.html", view=view, comments=comments, show_resolved=show_resolved,
                           open_counts=open_counts, errors=errors or {}, form=form or {}, moves=moves,
                           move_errors=move_errors or {}, proposals=proposals_of(app.db, current_actor(), process_key),
                           may_change=may_propose_here(app.db, current_actor(), process_key))


@bp.post("/processes/<process_key>/versions/<int:definition_id>/moves")
@login_required
def move_cases(process_key: str, definition_id: int):
    """Move one running case (``case_id``) or all that can (``all``) to this, the current, version."""
    app, actor = koopflow(), current_actor()
    moves = moves_to(app.db, actor, process_key, definition_id)
    if moves is None:
        raise NotFound("Auf diese Fassung können keine Vorgänge umgestellt werden.")
    reason, which = request.form.get("reason", ""), request.form.get("case_id", "")
    here = url_for("processes.version", process_key=process_key, definition_id=definition_id) + "#moves"
    try:
        if which == "all":
            report = migrate_all(app.db, app.clock, actor, process_key, reason)
            flash(f"Umgestellt: {len(report.moved)} Vorgänge. Auf ihrer Fassung geblieben: {len(report.stayed)}.",
                  "success")
            return redirect(here)
        case_id = request.form.get("case_id", type=row_id)
        if case_id is None or case_id not in {m.case_id for m in moves if m.can_move}:
            raise NotFound("Diesen Vorgang gibt es hier nicht.")
        migrate_case(app.db, app.clock, actor, case_id, reason)
    except ValidationFailed as failed:
        return _version_page(process_key, definition_id, form=request.form, move_errors=failed.errors), 422
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(here)
    flash("Der Vorgang läuft jetzt auf dieser Fassung.", "success")
    return redirect(here)


@bp.post("/processes/<process_key>/versions/<int:definition_id>/comments")
@login_required
def comment_post(process_key: str, definition_id: int):
    app = koopflow()
    view = definition_view(app.db, process_key, definition_id, actor=current_actor())
    try:
        add_comment(app.db, app.clock, current_actor(), process_key, {e.id for e in view.elements},
                    request.form.get("element_id", ""), request.form.get("body", ""),
                    request.form.get("agreement_id") or None)
    except ValidationFailed as failed:
        return _version_page(process_key, definition_id, failed.errors, request.form), 422
    flash("Ihr Kommentar ist gespeichert.", "success")
    return redirect(url_for("processes.version", process_key=process_key, definition_id=definition_id) + "#comments")


@bp.post("/processes/<process_key>/versions/<int:definition_id>/comments/<int:comment_id>/resolve")
@login_required
def comment_resolve(process_key: str, definition_id: int, comment_id: int):
    app = koopflow()
    definition_view(app.db, process_key, definition_id)  # 404 for an unknown version
    resolve_comment(app.db, app.clock, current_actor(), process_key, comment_id)
    flash("Der Kommentar ist als erledigt markiert.", "success")
    return redirect(url_for("processes.version", process_key=process_key, definition_id=definition_id) + "#comments")


@bp.get("/processes/<process_key>/compare")
@login_required
def compare(process_key: str):
    view = comparison(koopflow().db, process_key, request.args.get("a", type=row_id), request.args.get("b", type=row_id))
    return render_template("processes/compare.html", view=view)


@bp.get("/processes/<process_key>/versions/<int:definition_id>.bpmn")
@login_required
def version_xml(process_key: str, definition_id: int):
    xml = definition_xml(koopflow().db, process_key, definition_id)
    return Response(xml, mimetype="application/xml")


@bp.get("/cases/<int:case_id>/diagram")
@login_required
def case(case_id: int):
    view = case_diagram(koopflow().db, current_actor(), case_id)
    return render_template("cases/diagram.html", view=view, state_labels=STATE_LABELS)

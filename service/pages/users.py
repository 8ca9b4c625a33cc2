"""Benutzer: user administration for administrators — list, create, edit (name, mail address,
org units), set a password, deactivate (asked twice), and a CSV import for a whole office.

Every action is one transaction in ``workflows.people.administration`` with its entry in
the audit log (Protokoll); bad input comes back with a German message at the field.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from service.runtime import koopflow
from service.web.auth import current_actor
from workflows.errors import Conflict, ValidationFailed
from workflows.people.access import require_admin
from workflows.people.administration import (
    CREATED,
    IMPORT_COLUMNS,
    create_user,
    deactivate_user,
    import_users,
    list_users,
    org_unit_choices,
    set_password,
    update_user,
    user_by_id,
)

bp = Blueprint("users", __name__)
IMPORT_LIMIT = 1024 * 1024  # characters of an import file


def _admin():
    actor = current_actor()
    require_admin(actor)
    return koopflow(), actor


def _index(errors: dict | None = None, values: dict | None = None, import_error: str | None = None,
           status: int = 200):
    app, _ = _admin()
    return render_template("users/index.html", users=list_users(app.db), units=org_unit_choices(app.db),
                           unit_name=app.org_unit_name, errors=errors or {}, values=values or {},
                           import_error=import_error, columns=";".join(IMPORT_COLUMNS)), status


def _show(user_id: int, errors: dict | None = None, values: dict | None = None, password_errors: dict | None = None,
          status: int = 200):
    app, _ = _admin()
    user = user_by_id(app.db, user_id)
    values = values or {"display_name": user.display_name, "email": user.email or "", "org_units": user.org_units}
    return render_template("users/show.html", user=user, units=org_unit_choices(app.db), unit_name=app.org_unit_name,
                           errors=errors or {}, values=values, password_errors=password_errors or {}), status


@bp.get("/admin/users")
@login_required
def index():
    return _index()


@bp.post("/admin/users")
@login_required
def create():
    app, actor = _admin()
    values = {name: request.form.get(name, "") for name in ("username", "display_name", "email")}
    values["org_units"] = request.form.getlist("org_units")
    password = request.form.get("password", "")
    try:
        create_user(app.db, app.clock, values["username"], values["display_name"], values["email"] or None,
                    password or None, values["org_units"], by=actor.user_id)
    except ValidationFailed as exc:
        return _index(exc.errors, values, status=422)
    flash(f"Das Konto {values['username'].strip()} ist angelegt.", "success")
    return redirect(url_for("users.index"))


@bp.post("/admin/users/import")
@login_required
def import_file():
    app, actor = _admin()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _index(import_error="Bitte wählen Sie eine CSV-Datei aus.", status=422)
    raw = upload.read(IMPORT_LIMIT + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _index(import_error="Die Datei ist nicht in UTF-8 gespeichert. Bitte speichern Sie sie als "
                                   "„CSV UTF-8“.", status=422)
    if len(text) > IMPORT_LIMIT:
        return _index(import_error="Die Datei ist zu groß (höchstens 1 MB).", status=422)
    try:
        results = import_users(app.db, app.clock, text, by=actor.user_id)
    except ValidationFailed as exc:
        return _index(import_error=exc.errors.get("file", "Die Datei lässt sich nicht lesen."), status=422)
    created = sum(row.result == CREATED for row in results)
    return render_template("users/import_report.html", results=results, created=created)


@bp.get("/admin/users/<int:user_id>")
@login_required
def show(user_id: int):
    return _show(user_id)


@bp.post("/admin/users/<int:user_id>")
@login_required
def update(user_id: int):
    app, actor = _admin()
    user = user_by_id(app.db, user_id)
    values = {"display_name": request.form.get("display_name", ""), "email": request.form.get("email", ""),
              "org_units": request.form.getlist("org_units")}
    try:
        update_user(app.db, app.clock, user.username, display_name=values["display_name"], email=values["email"],
                    org_units=values["org_units"], by=actor.user_id)
    except ValidationFailed as exc:
        return _show(user_id, exc.errors, values, status=422)
    flash("Die Änderungen sind gespeichert.", "success")
    return redirect(url_for("users.show", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/password")
@login_required
def password(user_id: int):
    app, actor = _admin()
    user = user_by_id(app.db, user_id)
    new, repeated = request.form.get("new_password", ""), request.form.get("repeat_password", "")
    if new != repeated:
        return _show(user_id, password_errors={"repeat_password": "Die beiden Passwörter stimmen nicht überein."},
                     status=422)
    try:
        set_password(app.db, app.clock, user.username, new, by=actor.user_id)
    except ValidationFailed as exc:
        return _show(user_id, password_errors={"new_password": exc.errors["password"]}, status=422)
    flash("Das neue Passwort ist gesetzt. Teilen Sie es der Person auf sicherem Weg mit.", "success")
    return redirect(url_for("users.show", user_id=user_id))


@bp.post("/admin/users/<int:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    app, actor = _admin()
    user = user_by_id(app.db, user_id)
    if request.form.get("confirm") != "ja":
        return render_template("users/deactivate.html", user=user)
    try:
        returned = deactivate_user(app.db, app.clock, user.username, by=actor.user_id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("users.show", user_id=user_id))
    flash(f"Das Konto {user.username} ist deaktiviert; {returned} übernommene Aufgabe(n) liegen wieder in den "
          "Gruppenposteingängen.", "success")
    return redirect(url_for("users.show", user_id=user_id))

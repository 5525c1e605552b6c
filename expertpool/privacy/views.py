"""Personal-data pages: a person's own (download, and erasure for member users) and the staff's page
for a person who asks by mail (download, anonymisation with the reasons it is refused)."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from expertpool.extensions import db
from expertpool.models import User
from expertpool.permissions import can_erase_user, can_export_user_data, staff_required
from expertpool.privacy import erasure, export
from expertpool.privacy.forms import ErasureForm, ExportForm
from expertpool.timeutil import now_utc

bp = Blueprint("privacy", __name__)


def _zip_response(person: User):
    data = export.export_zip(person, actor=current_user, now=now_utc())
    db.session.commit()
    return send_file(
        io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=f"donnees-{person.id}.zip"
    )


@bp.route("/compte/mes-donnees")
@login_required
def my_data():
    return render_template("privacy/my_data.html", export_form=ExportForm(), erasure_form=ErasureForm(), obstacles=None)


@bp.route("/compte/mes-donnees/export", methods=["POST"])
@login_required
def my_export():
    if not ExportForm().validate_on_submit():
        abort(400)
    return _zip_response(current_user._get_current_object())


@bp.route("/compte/mes-donnees/effacer", methods=["POST"])
@login_required
def my_erasure():
    person = current_user._get_current_object()
    if not can_erase_user(person, person):
        abort(403)
    form = ErasureForm()
    if not form.validate_on_submit():
        return render_template("privacy/my_data.html", export_form=ExportForm(), erasure_form=form, obstacles=None), 400
    try:
        erasure.anonymise(person, actor=person, now=now_utc())
    except erasure.ErasureRefused as refused:  # raised before anything is written
        return render_template(
            "privacy/my_data.html", export_form=ExportForm(), erasure_form=form, obstacles=refused
        ), 409
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Vos données personnelles sont effacées et votre compte est fermé."), "success")
    return redirect(url_for("main.home"))


def _user_page(person: User, erasure_form: ErasureForm, status: int = 200, refused=None):
    obstacles = refused or erasure.erasure_obstacles(person, now=now_utc())
    return render_template(
        "privacy/user_data.html",
        person=person,
        export_form=ExportForm(),
        erasure_form=erasure_form,
        obstacles=obstacles,
        may_erase=can_erase_user(current_user, person),
    ), status


@bp.route("/coordination/utilisateurs/<int:user_id>/donnees")
@staff_required
def user_data(user_id: int):
    person = db.get_or_404(User, user_id)
    return _user_page(person, ErasureForm())


@bp.route("/coordination/utilisateurs/<int:user_id>/donnees/export", methods=["POST"])
@staff_required
def user_export(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_export_user_data(current_user, person):
        abort(403)
    if not ExportForm().validate_on_submit():
        abort(400)
    return _zip_response(person)


@bp.route("/coordination/utilisateurs/<int:user_id>/donnees/anonymiser", methods=["POST"])
@staff_required
def user_erasure(user_id: int):
    person = db.get_or_404(User, user_id)
    if not can_erase_user(current_user, person):
        abort(403)
    form = ErasureForm()
    if not form.validate_on_submit():
        return _user_page(person, form, 400)
    try:
        erasure.anonymise(person, actor=current_user, now=now_utc())
    except erasure.ErasureRefused as refused:  # raised before anything is written
        return _user_page(person, form, 409, refused)
    db.session.commit()
    flash(_("Les données personnelles de l'utilisateur n°%(id)d sont effacées.", id=person.id), "success")
    return redirect(url_for("privacy.user_data", user_id=person.id), code=303)

"""The administrator's pages: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/parametres")
@roles_required("admin")
def settings():
    return render_template("main/under_construction.html", title="admin.settings")

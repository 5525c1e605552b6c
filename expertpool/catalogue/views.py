"""The marketplace of experts: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("catalogue", __name__, url_prefix="/experts")


@bp.route("/")
@roles_required("member", "expert", "coordinator", "admin")
def index():
    return render_template("main/under_construction.html", title="catalogue.index")

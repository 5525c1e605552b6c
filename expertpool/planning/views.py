"""The scheduler's coordinator pages: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("planning", __name__, url_prefix="/planification")


@bp.route("/")
@roles_required("coordinator", "admin")
def index():
    return render_template("main/under_construction.html", title="planning.index")

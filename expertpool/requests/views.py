"""Member users' requests: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("requests", __name__)


@bp.route("/mon-espace")
@roles_required("member")
def dashboard():
    return render_template("main/under_construction.html", title="requests.dashboard")


@bp.route("/demandes")
@roles_required("member")
def index():
    return render_template("main/under_construction.html", title="requests.index")

"""What coordinators use every day: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("coordination", __name__, url_prefix="/coordination")


@bp.route("/")
@roles_required("coordinator", "admin")
def home():
    return render_template("main/under_construction.html", title="coordination.home")


@bp.route("/demandes")
@roles_required("coordinator", "admin")
def queue():
    return render_template("main/under_construction.html", title="coordination.queue")


@bp.route("/membres")
@roles_required("coordinator", "admin")
def members():
    return render_template("main/under_construction.html", title="coordination.members")


@bp.route("/experts")
@roles_required("coordinator", "admin")
def experts():
    return render_template("main/under_construction.html", title="coordination.experts")


@bp.route("/utilisateurs")
@roles_required("coordinator", "admin")
def users():
    return render_template("main/under_construction.html", title="coordination.users")


@bp.route("/journal")
@roles_required("coordinator", "admin")
def audit():
    return render_template("main/under_construction.html", title="coordination.audit")

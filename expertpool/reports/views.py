"""Reports: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("reports", __name__, url_prefix="/rapports")


@bp.route("/")
@roles_required("coordinator", "admin")
def dashboard():
    return render_template("main/under_construction.html", title="reports.dashboard")


@bp.route("/mon-bilan")
@roles_required("member")
def member_statement():
    return render_template("main/under_construction.html", title="reports.member_statement")

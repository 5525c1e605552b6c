"""Experts' agendas: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("agenda", __name__, url_prefix="/agenda")


@bp.route("/")
@roles_required("expert")
def index():
    return render_template("main/under_construction.html", title="agenda.index")


@bp.route("/interventions")
@roles_required("expert")
def assignments():
    return render_template("main/under_construction.html", title="agenda.assignments")

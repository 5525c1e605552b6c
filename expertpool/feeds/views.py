"""Private iCalendar feeds of experts and member structures.: the blueprint (views are thin: load, check access, validate, call a service, commit, redirect)."""

from flask import Blueprint, render_template

from expertpool.permissions import roles_required

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

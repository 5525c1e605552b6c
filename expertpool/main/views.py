"""Home (sends each role to its own start page), notifications, language choice."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from expertpool.extensions import db
from expertpool.models import Notification, UserRole
from expertpool.notifications import mark_all_read, mark_read
from expertpool.security import is_safe_next
from expertpool.timeutil import now_utc

bp = Blueprint("main", __name__)

ROLE_HOME = {
    UserRole.MEMBER: "requests.dashboard",
    UserRole.EXPERT: "agenda.index",
    UserRole.COORDINATOR: "coordination.home",
    UserRole.ADMIN: "coordination.home",
}


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return redirect(url_for(ROLE_HOME[current_user.role]))


@bp.route("/langue/<lang>")
def language(lang: str):
    if lang not in ("fr", "en"):
        abort(404)
    # The session's choice only: a GET changes nothing stored (a link on another site could follow it).
    # The language of mails and notifications is the one saved on the profile page.
    session["locale"] = lang
    target = request.args.get("next", "")
    return redirect(target if is_safe_next(target) else url_for("main.home"))


@bp.route("/notifications")
@login_required
def notifications():
    page = db.paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=30,
        error_out=False,
    )
    return render_template("main/notifications.html", page=page)


@bp.route("/notifications/lues", methods=["POST"])
@login_required
def mark_notifications_read():
    mark_all_read(current_user, now=now_utc())
    db.session.commit()
    flash(_("Toutes les notifications sont marquées comme lues."), "success")
    return redirect(url_for("main.notifications"))


@bp.route("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        mark_read(note, now=now_utc())
        db.session.commit()
    return redirect(note.link if is_safe_next(note.link) else url_for("main.notifications"))

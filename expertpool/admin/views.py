"""The administrator's pages: the pool's settings and, in development, the mail outbox."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from expertpool.admin import services
from expertpool.admin.forms import SettingsForm
from expertpool.extensions import db
from expertpool.models import OutboxMail, PoolSettings
from expertpool.permissions import admin_required
from expertpool.timeutil import now_utc

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/parametres", methods=["GET", "POST"])
@admin_required
def settings():
    pool = PoolSettings.load(db.session)
    form = SettingsForm(obj=pool)
    if request.method == "GET":
        form.unit_price.data = pool.unit_price_cents
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.SETTING_FIELDS if hasattr(form, name)}
        values["unit_price_cents"] = form.unit_price.data
        values["name"] = values["name"].strip()
        if services.update_settings(pool, values, actor=current_user, now=now_utc()):
            db.session.commit()
            flash(_("Paramètres enregistrés."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200


@bp.route("/courriels")
@admin_required
def outbox():
    """Mails the app wrote: the way to read invitations and resets when no SMTP server is configured."""
    if current_app.config.get("MAIL_SERVER") and current_app.config.get("EXPERTPOOL_ENV") == "production":
        abort(404)
    page = db.paginate(
        select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()), per_page=25, error_out=False
    )
    return render_template("admin/outbox.html", page=page)


@bp.app_template_filter("outbox_body")
def outbox_body(body: str) -> str:
    """A mail as the outbox shows it: outside development, invitation and reset links are masked, since
    whoever reads them (an admin, a shoulder, a screenshot) could take over the account."""
    if current_app.config.get("EXPERTPOOL_ENV") == "development":
        return body
    masked = _("[lien masqué]")
    placeholder = "0"
    for endpoint in ("auth.accept_invitation", "auth.reset_password"):
        prefix = url_for(endpoint, token=placeholder).removesuffix(placeholder)
        body = re.sub(re.escape(prefix) + r"\S+", lambda _match, prefix=prefix: prefix + masked, body)
    return body

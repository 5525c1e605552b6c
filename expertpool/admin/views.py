"""The administrator's pages: the pool's settings and, in development, the mail outbox."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from expertpool import mail as mail_service
from expertpool.admin import services
from expertpool.admin.forms import SettingsForm
from expertpool.extensions import db
from expertpool.models import MailStatus, OutboxMail, PoolSettings
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
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        if services.update_settings(pool, values, actor=current_user, now=now_utc()):
            db.session.commit()
            flash(_("Paramètres enregistrés."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if form.errors else 200


@bp.route("/courriels")
@admin_required
def outbox():
    """Mails the app wrote and their delivery status; outside development the account links are masked
    (they would let whoever reads this page into the accounts they open)."""
    page = db.paginate(
        select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()), per_page=25, error_out=False
    )
    # Whoever reads an invitation or reset link (an admin, a shoulder, a screenshot) could take over the
    # account: the links show only in development.
    reveal = current_app.config.get("EXPERTPOOL_ENV") == "development"
    return render_template(
        "admin/outbox.html",
        page=page,
        mail_status_labels=mail_service.STATUS_LABELS,
        body_of=lambda mail: mail.body if reveal else mail_service.masked_body(mail.body),
    )


@bp.route("/courriels/<int:mail_id>/renvoyer", methods=["POST"])
@admin_required
def outbox_resend(mail_id: int):
    """Give a mail whose every delivery attempt failed a new round of attempts."""
    mail = db.get_or_404(OutboxMail, mail_id)
    if mail.status != MailStatus.FAILED:
        flash(_("Seul un courriel en échec peut être renvoyé."), "warning")
        return redirect(url_for("admin.outbox"))
    mail_service.resend(mail, actor=current_user, now=now_utc())
    db.session.commit()
    flash(_("Le courriel à %(recipient)s sera renvoyé dans quelques secondes.", recipient=mail.recipient), "success")
    return redirect(url_for("admin.outbox"))

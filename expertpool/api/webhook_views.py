"""The coordinators' webhook page: register an endpoint (its secret shown once), switch it off and on,
and read the delivery log with each response code."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from expertpool import webhooks
from expertpool.audit import record
from expertpool.extensions import db
from expertpool.models import WebhookDelivery, WebhookEndpoint
from expertpool.permissions import staff_required
from expertpool.timeutil import now_utc

bp = Blueprint("webhooks", __name__, url_prefix="/coordination/webhooks")
LOG_SIZE = 50


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Adresse (URL) qui recevra les événements"),
        validators=[DataRequired(_l("Indiquez l'adresse.")), Length(max=500, message=_l("500 caractères au plus."))],
    )
    events = SelectMultipleField(
        _l("Événements"),
        choices=[(name, name) for name in webhooks.EVENTS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choisissez au moins un événement."))],
    )

    def validate_url(self, field) -> None:
        url = (field.data or "").strip()
        if not webhooks.is_web_url(url):
            raise ValidationError(_l("Indiquez une adresse http:// ou https://."))
        if webhooks.refused_address(url):
            raise ValidationError(_l("Cette adresse est privée ou locale : elle n'est pas autorisée."))


class ToggleForm(FlaskForm):
    """The switch-off / switch-on button (its CSRF token)."""


def _page(form=None, *, secret=None, status=200):
    endpoints = list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))
    log = list(
        db.session.scalars(
            select(WebhookDelivery)
            .options(joinedload(WebhookDelivery.endpoint))
            .order_by(WebhookDelivery.id.desc())
            .limit(LOG_SIZE)
        )
    )
    return render_template(
        "api/webhooks.html",
        form=form or EndpointForm(formdata=None),
        toggle_form=ToggleForm(),
        endpoints=endpoints,
        log=log,
        new_secret=secret,
    ), status


@bp.route("/")
@staff_required
def index():
    return _page()


@bp.route("/", methods=["POST"])
@staff_required
def create():
    form = EndpointForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    now = now_utc()
    endpoint = WebhookEndpoint(
        url=form.url.data.strip(),
        secret=webhooks.new_secret(),
        events=[name for name in webhooks.EVENTS if name in form.events.data],
        active=True,
        created_by_id=current_user.id,
        created_at=now,
    )
    db.session.add(endpoint)
    db.session.flush()
    record(current_user, "webhook.create", endpoint, now=now, after={"url": endpoint.url, "events": endpoint.events})
    db.session.commit()
    return _page(secret=endpoint.secret, status=201)


@bp.route("/<int:endpoint_id>/basculer", methods=["POST"])
@staff_required
def toggle(endpoint_id: int):
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        abort(404)
    if not ToggleForm().validate_on_submit():
        abort(400)
    now = now_utc()
    before = {"active": endpoint.active}
    endpoint.active = not endpoint.active
    endpoint.disabled_at = None if endpoint.active else now
    endpoint.failing_since = None
    resent = webhooks.resend_held(endpoint, now=now) if endpoint.active else 0
    record(current_user, "webhook.toggle", endpoint, now=now, before=before, after={"active": endpoint.active})
    db.session.commit()
    if endpoint.active:
        message = ngettext(
            "Webhook réactivé ; %(num)d événement en attente repart.",
            "Webhook réactivé ; %(num)d événements en attente repartent.",
            resent,
        )
        flash(message, "success")
    else:
        flash(_("Webhook désactivé : les événements sont conservés."), "success")
    return redirect(url_for("webhooks.index"), code=303)

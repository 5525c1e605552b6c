"""Public legal pages, fixed translated texts filled from the settings the administrator edits."""

from datetime import timedelta

from flask import Blueprint, Response, abort, render_template, url_for

from expertpool.compliance import CONFORMITY_LABELS, RETENTION_PERIODS, conformity, duration_label
from expertpool.extensions import db
from expertpool.models import PoolSettings
from expertpool.notifications import absolute
from expertpool.timeutil import now_utc

bp = Blueprint("legal", __name__)

# RFC 9116 recommends an Expires less than a year ahead; the file is generated, so it is always fresh.
SECURITY_TXT_VALIDITY = timedelta(days=180)


def _settings() -> PoolSettings:
    return PoolSettings.load(db.session)


@bp.route("/mentions-legales")
def notice():
    return render_template("legal/notice.html", settings=_settings())


@bp.route("/confidentialite")
def privacy():
    settings = _settings()
    periods = [(label, getattr(settings, name)) for name, label in RETENTION_PERIODS.items()]
    return render_template("legal/privacy.html", settings=settings, periods=periods, duration_label=duration_label)


@bp.route("/accessibilite")
def accessibility():
    settings = _settings()
    status_label = CONFORMITY_LABELS[conformity(settings.accessibility_rate)]
    return render_template("legal/accessibility.html", settings=settings, status_label=status_label)


@bp.route("/.well-known/security.txt")
def security_txt():
    settings = _settings()
    contact = settings.security_contact.strip() or settings.contact_email.strip()
    if not contact:  # no contact set: no file rather than one that names nobody
        abort(404)
    if "@" in contact and not contact.startswith(("mailto:", "https://")):
        contact = "mailto:" + contact
    expires = (now_utc() + SECURITY_TXT_VALIDITY).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: fr, en",
        f"Canonical: {absolute(url_for('legal.security_txt'))}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")

"""Response headers every page gets, safe redirects, and input refused at the door (NUL, huge numbers)."""

import logging
from urllib.parse import urlsplit

from flask import Flask, abort, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError

log = logging.getLogger(__name__)
# Ids are 32-bit integers on PostgreSQL: a bigger one in a URL names nothing.
LARGEST_ID = 2**31 - 1

# No inline script anywhere: every script is a file under static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def is_safe_next(target: str | None) -> bool:
    """Only a relative path on this site: no scheme, no host, no protocol-relative '//' or '\\'."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target and "\n" not in target


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_bytes():
        # PostgreSQL cannot store a NUL character in text (SQLite can): refuse it at the door, the same
        # way on both, rather than let one form field end in a database error.
        if (
            "\x00" in request.path
            or _has_nul(request.args)
            or (request.method in ("POST", "PUT", "PATCH") and _has_nul(request.form))
        ):
            message = _("Le formulaire contient un caractère invalide (caractère nul). Retirez-le puis réessayez.")
            if request.blueprint == "api":
                abort(400, description=message)  # the API answers it as a problem document
            return render_template("errors/error.html", code=400, message=message), 400
        return None

    @app.before_request
    def _ids_in_range():
        if any(isinstance(value, int) and not 0 <= value <= LARGEST_ID for value in (request.view_args or {}).values()):
            abort(404)

    def _value_out_of_range(error):
        # A number too big for its column (PostgreSQL: "integer out of range"; SQLite: OverflowError)
        # that a form or a filter let through: the user's input, not a server fault.
        from expertpool.extensions import db

        db.session.rollback()
        log.warning("value out of range on %s %s: %s", request.method, request.path, error)
        message = _("Une valeur saisie est hors des limites acceptées. Corrigez-la puis réessayez.")
        return render_template("errors/error.html", code=400, message=message), 400

    app.register_error_handler(DataError, _value_out_of_range)
    app.register_error_handler(OverflowError, _value_out_of_range)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("EXPERTPOOL_HTTPS") or request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.startswith("static"):
            headers.setdefault("Cache-Control", "no-store")
        return response

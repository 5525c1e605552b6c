"""Validators the coordinators' forms share."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def no_control_chars(_form, field):
    if field.data and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_l("Caractères non autorisés."))

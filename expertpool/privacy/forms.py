"""The forms of the personal-data pages: download (CSRF only) and erasure (an explicit confirmation)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired


class ExportForm(FlaskForm):
    pass


class ErasureForm(FlaskForm):
    confirm = BooleanField(
        _l("Je confirme l'effacement : le nom, l'adresse e-mail et les textes sont remplacés, sans retour possible."),
        validators=[DataRequired(_l("Cochez la case pour confirmer l'effacement."))],
    )

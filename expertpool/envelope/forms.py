"""Forms of the envelope pages: a cap per commune, the EPCI's approval setting, its decision on a draw."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from expertpool.fields import DaysField

CAP_MAX_HALF_DAYS = 2000  # 1000 days: a typing error beyond (the API states the same bound)


class CapForm(FlaskForm):
    """One commune's cap for one period (each row of the page is its own form, prefixed by the commune)."""

    period = HiddenField()
    cap = DaysField(
        _l("Plafond (jours ; vide = pas de plafond)"),
        min_half_days=0,
        max_half_days=CAP_MAX_HALF_DAYS,
    )


class ApprovalSettingForm(FlaskForm):
    required = BooleanField(_l("Chaque tirage d'une commune sur l'enveloppe doit être validé par l'EPCI"))


class ApproveDrawForm(FlaskForm):
    """Approving needs nothing but the click (and the CSRF token)."""


class RefuseDrawForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif du refus"),
        validators=[
            DataRequired(_l("Le motif du refus est obligatoire.")),
            Length(max=2000, message=_l("2000 caractères au plus.")),
        ],
    )

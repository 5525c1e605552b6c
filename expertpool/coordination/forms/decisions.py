"""Coordinators' forms for deciding a request: approve, reject, ask for details."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
)

from expertpool.fields import DaysField
from expertpool.i18n import days_label
from expertpool.models.request import MAX_HALF_DAYS, MIN_HALF_DAYS


class ApproveForm(FlaskForm):
    days = DaysField(
        _l("Jours accordés"),
        validators=[InputRequired(_l("Indiquez le nombre de jours accordés."))],
        min_half_days=MIN_HALF_DAYS,
        max_half_days=MAX_HALF_DAYS,
    )
    note = TextAreaField(
        _l("Note pour le membre (facultatif)"),
        validators=[Optional(), Length(max=2000, message=_l("2000 caractères au plus."))],
    )
    confirm_more = BooleanField(_l("Je confirme accorder plus de jours que le membre n'en demande"))

    # Set by the view before validation: what the member asked for, in half-days.
    asked_half_days: int | None = None

    def validate(self, extra_validators=None) -> bool:
        """Granting more than asked commits the member's drawing right (or money): it takes an explicit
        confirmation and a reason, which the member reads in the acceptance mail."""
        valid = super().validate(extra_validators)
        granted, asked = self.days.data, self.asked_half_days
        if granted is None or asked is None or granted <= asked:
            return valid
        if not self.confirm_more.data:
            self.confirm_more.errors.append(
                gettext(
                    "Vous accordez plus de jours que demandé (%(asked)s) : cochez la case pour le confirmer.",
                    asked=days_label(asked),
                )
            )
            valid = False
        if not (self.note.data or "").strip():
            self.note.errors.append(
                gettext("Indiquez pourquoi vous accordez plus de jours que demandé : le membre lira ce motif.")
            )
            valid = False
        return valid


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif du refus"),
        validators=[
            DataRequired(_l("Le motif du refus est obligatoire.")),
            Length(max=2000, message=_l("2000 caractères au plus.")),
        ],
    )


class InformationForm(FlaskForm):
    message = TextAreaField(
        _l("Question au membre"),
        validators=[
            DataRequired(_l("Écrivez votre question.")),
            Length(max=4000, message=_l("4000 caractères au plus.")),
        ],
    )

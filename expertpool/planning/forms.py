"""Planning forms: preview, commit, move and cancel a booking (French messages, lazy per request)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from expertpool.fields import FrenchDateField, WholeNumberField, optional_int

HALF_CHOICES = [("am", _l("Matin")), ("pm", _l("Après-midi"))]


class PreviewForm(FlaskForm):
    weeks = WholeNumberField(
        _l("Horizon (semaines)"),
        parse_message=_l("Indiquez un nombre entier de semaines."),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l("Choisissez entre 1 et 60 semaines."))],
        render_kw={"min": 1, "max": 60},
    )


class CommitForm(FlaskForm):
    preview_id = HiddenField()


class MoveForm(FlaskForm):
    expert = SelectField(_l("Expert"), coerce=optional_int, validate_choice=False)
    day = FrenchDateField(_l("Date"), render_kw={"type": "date"}, validators=[InputRequired(_l("Indiquez la date."))])
    half = SelectField(_l("Demi-journée"), choices=HALF_CHOICES, validate_choice=False)
    confirm_outside = BooleanField(_l("Je confirme déplacer hors de la fenêtre de la demande"))
    outside_reason = TextAreaField(
        _l("Motif (si hors de la fenêtre de la demande)"),
        validators=[Optional(), Length(max=500, message=_l("500 caractères au plus."))],
        render_kw={"rows": 2, "maxlength": 500},
    )

    def __init__(self, *args, experts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.expert.choices = [(e.id, e.display_name) for e in experts]

    def validate_expert(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choisissez un expert de la liste."))

    def validate_half(self, field):
        if field.data not in {"am", "pm"}:
            raise ValidationError(_l("Choisissez le matin ou l'après-midi."))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de l'annulation"),
        validators=[
            Optional(),
            Length(max=500, message=_l("500 caractères au plus.")),
        ],
        render_kw={"rows": 2, "maxlength": 500},
    )


class TimelineMoveForm(MoveForm):
    """A move from the timeline (drag and drop, keyboard): the same fields and checks as the move form, plus
    the booking and the timeline's query to come back to."""

    booking = WholeNumberField(
        _l("Réservation"),
        parse_message=_l("Réservation inconnue."),
        validators=[InputRequired(_l("Réservation inconnue."))],
    )
    back = HiddenField()

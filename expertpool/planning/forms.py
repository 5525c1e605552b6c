"""Planning forms: preview, commit, move and cancel a booking (French messages, lazy per request)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from expertpool.requests.forms import DATE_FORMATS, FrenchDateField

HALF_CHOICES = [("am", _l("Matin")), ("pm", _l("Après-midi"))]


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class WeeksField(IntegerField):
    """An optional whole number of weeks, with a French message when it is not one."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Indiquez un nombre entier de semaines.")) from None


class PreviewForm(FlaskForm):
    weeks = WeeksField(_l("Horizon (semaines)"), validators=[
        Optional(),
        NumberRange(min=1, max=60, message=_l("Choisissez entre 1 et 60 semaines.")),
    ], render_kw={"min": 1, "max": 60})


class CommitForm(FlaskForm):
    preview_id = HiddenField()


class MoveForm(FlaskForm):
    expert = SelectField(_l("Expert"), coerce=_int_or_none, validate_choice=False)
    day = FrenchDateField(_l("Date"), format=DATE_FORMATS, render_kw={"type": "date"},
                          validators=[InputRequired(_l("Indiquez la date."))])
    half = SelectField(_l("Demi-journée"), choices=HALF_CHOICES, validate_choice=False)

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
    reason = TextAreaField(_l("Motif de l'annulation"), validators=[
        Optional(),
        Length(max=500, message=_l("500 caractères au plus.")),
    ], render_kw={"rows": 2, "maxlength": 500})

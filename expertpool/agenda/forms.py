"""Agenda forms: unavailability, delivery of a half-day, intervention report, weekly pattern."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from expertpool.agenda.delivery import MAX_NOTE_LENGTH, MAX_REPORT_LENGTH
from expertpool.agenda.week_pattern import field_name
from expertpool.contacts import is_valid_phone
from expertpool.labels import UNAVAILABILITY_KIND_LABELS, WEEKDAY_LABELS
from expertpool.models import ContactShown, UnavailabilityKind
from expertpool.models.expert import HALVES, WEEKDAYS

MAX_REASON_LENGTH = 500
# A longer absence is a contract matter for the coordinator, not an agenda entry.
MAX_UNAVAILABILITY_DAYS = 366

KIND_LABELS = UNAVAILABILITY_KIND_LABELS
HALF_LABELS = {"am": _l("Matin"), "pm": _l("Après-midi")}


class UnavailabilityForm(FlaskForm):
    start_date = DateField(
        _l("Du"), validators=[InputRequired(_l("Indiquez le premier jour."))], render_kw={"autocomplete": "off"}
    )
    end_date = DateField(_l("Au (inclus)"), validators=[Optional()])
    half = SelectField(
        _l("Durée"),
        choices=[
            ("", _l("Journées entières")),
            ("am", _l("Le matin seulement")),
            ("pm", _l("L'après-midi seulement")),
        ],
        default="",
    )
    kind = SelectField(_l("Motif"), choices=list(KIND_LABELS.items()), default=UnavailabilityKind.LEAVE)
    reason = TextAreaField(
        _l("Précision (facultatif)"),
        validators=[
            Length(max=MAX_REASON_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )
    confirm = HiddenField(default="")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # WTForms' own parsing message is English: every error the user reads is French.
        for name in ("start_date", "end_date"):
            field = getattr(self, name)
            if field.raw_data and field.raw_data[0] and field.data is None:
                field.errors = [_l("Date invalide.")]
                ok = False
        if not ok:
            return False
        start, end = self.start_date.data, self.end_date.data or self.start_date.data
        if end < start:
            self.end_date.errors.append(_l("La date de fin doit suivre la date de début."))
            return False
        if self.half.data and end != start:
            self.half.errors.append(
                _l(
                    "Une demi-journée ne concerne qu'un seul jour : laissez la date "
                    "de fin vide ou égale à la date de début."
                )
            )
            return False
        if end - start >= timedelta(days=MAX_UNAVAILABILITY_DAYS):
            self.end_date.errors.append(_l("Une indisponibilité dure au plus un an."))
            return False
        return True

    @property
    def period(self):
        start = self.start_date.data
        return start, self.end_date.data or start, self.half.data or None


class DeliveryForm(FlaskForm):
    outcome = RadioField(
        _l("Cette demi-journée a-t-elle eu lieu ?"),
        choices=[
            ("delivered", _l("Réalisée")),
            ("not_delivered", _l("Non réalisée")),
        ],
        validators=[DataRequired(_l("Choisissez « Réalisée » ou « Non réalisée »."))],
    )
    note = TextAreaField(
        _l("Note (facultatif)"),
        validators=[
            Length(max=MAX_NOTE_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )


class ReportForm(FlaskForm):
    report = TextAreaField(
        _l("Rapport d'intervention"),
        validators=[
            Length(max=MAX_REPORT_LENGTH, message=_l("%(max)d caractères au plus.")),
        ],
    )


class WeekPatternForm(FlaskForm):
    """Fourteen checkboxes, one per (weekday, half); the fields are added below the class."""

    def chosen(self) -> set[str]:
        return {field_name(d, h) for d in range(len(WEEKDAYS)) for h in HALVES if getattr(self, field_name(d, h)).data}


for _day in range(len(WEEKDAYS)):
    for _half in HALVES:
        setattr(
            WeekPatternForm,
            field_name(_day, _half),
            BooleanField(_l("%(day)s, %(half)s", day=WEEKDAY_LABELS[_day], half=HALF_LABELS[_half])),
        )


CONTACT_CHOICES = (
    (ContactShown.EMAIL, _l("Mon e-mail professionnel")),
    (ContactShown.PHONE, _l("Mon téléphone professionnel")),
    (ContactShown.BOTH, _l("Les deux")),
)


class ContactForm(FlaskForm):
    """The expert's work phone and what members with a planned intervention see of their contact."""

    work_phone = StringField(
        _l("Téléphone professionnel"),
        validators=[Optional(), Length(max=40, message=_l("40 caractères au plus."))],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    contact_shown = RadioField(
        _l("Ce que voient les membres dont une intervention est planifiée"),
        choices=CONTACT_CHOICES,
        validators=[InputRequired(_l("Choisissez ce que voient les membres."))],
    )

    def validate_work_phone(self, field):
        if field.data and not is_valid_phone(field.data):
            raise ValidationError(_l("Numéro de téléphone invalide (par exemple 02 98 00 00 00)."))

    def validate_contact_shown(self, field):
        if field.data in (ContactShown.PHONE, ContactShown.BOTH) and not (self.work_phone.data or "").strip():
            raise ValidationError(_l("Indiquez d'abord un téléphone professionnel."))

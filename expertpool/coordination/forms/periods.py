"""Coordinators' forms for drawing-right periods, their population bands and adjustments."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from expertpool.fields import DaysField, EurosField, FrenchDateField
from expertpool.labels import POLICY_LABELS
from expertpool.models import QuotaPolicy

BAND_SLOTS = 6


class BandForm(Form):
    max_population = IntegerField(
        _l("Population jusqu'à"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=_l("Nombre positif."))],
    )
    days = DaysField(_l("Jours"), min_half_days=0, max_half_days=2000)


class PeriodForm(FlaskForm):
    name = StringField(
        _l("Nom"),
        validators=[
            DataRequired(_l("Indiquez un nom, par exemple 2028.")),
            Length(max=100, message=_l("100 caractères au plus.")),
        ],
    )
    start_date = FrenchDateField(
        _l("Début"),
        parse_message=_l("Indiquez une date valide."),
        validators=[InputRequired(_l("Indiquez une date valide."))],
    )
    end_date = FrenchDateField(
        _l("Fin"),
        parse_message=_l("Indiquez une date valide."),
        validators=[InputRequired(_l("Indiquez une date valide."))],
    )
    policy = SelectField(_l("Calcul du droit de tirage"))
    fixed_days = DaysField(_l("Jours par membre (nombre fixe)"), min_half_days=0, max_half_days=2000)
    unit_price = EurosField(_l("Prix d'une demi-journée (€ HT, calcul proportionnel)"), max_cents=10_000_000)
    carry_over_cap = DaysField(
        _l("Report maximal vers la période suivante (jours ; 0 = aucun report)"), min_half_days=0, max_half_days=2000
    )
    bands = FieldList(FormField(BandForm), min_entries=BAND_SLOTS, max_entries=BAND_SLOTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy.choices = list(POLICY_LABELS.items())

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("La fin doit suivre le début."))

    def validate_fixed_days(self, field):
        if self.policy.data == QuotaPolicy.FIXED and field.data is None:
            raise ValidationError(_l("Indiquez le nombre de jours par membre."))

    def validate_unit_price(self, field):
        if self.policy.data == QuotaPolicy.PROPORTIONAL and not field.data:
            raise ValidationError(_l("Indiquez un prix positif."))

    def validate_bands(self, field):
        if self.policy.data != QuotaPolicy.POPULATION:
            return
        if not self.band_rows():
            raise ValidationError(gettext("Remplissez au moins une tranche."))  # a str: the list holds it
        limits = [b["max_population"] for b in self.band_rows() if b["max_population"] is not None]
        if len(set(limits)) != len(limits):
            raise ValidationError(gettext("Deux tranches ont la même limite."))

    def band_rows(self) -> list[dict]:
        """The filled bands, smallest limit first, the open band (no limit) last."""
        rows = [
            {"max_population": b.max_population.data, "half_days": b.days.data}
            for b in self.bands
            if b.days.data is not None
        ]
        return sorted(rows, key=lambda b: (b["max_population"] is None, b["max_population"] or 0))


class AdjustmentForm(FlaskForm):
    period_id = SelectField(_l("Période"), coerce=int)
    kind = SelectField(
        _l("Droit concerné"), choices=[("own", _l("Droit propre")), ("envelope", _l("Enveloppe EPCI"))], default="own"
    )
    delta = DaysField(
        _l("Ajustement (jours)"),
        validators=[InputRequired(_l("Indiquez l'ajustement en jours."))],
        min_half_days=-2000,
        max_half_days=2000,
        allow_zero=False,
    )
    reason = TextAreaField(
        _l("Motif"),
        validators=[
            DataRequired(_l("Le motif est obligatoire.")),
            Length(max=1000, message=_l("1000 caractères au plus.")),
        ],
    )

    def __init__(self, *args, period_choices=(), envelope=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.period_id.choices = list(period_choices)
        if not envelope:
            self.kind.choices = [c for c in self.kind.choices if c[0] == "own"]

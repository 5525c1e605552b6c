"""The pool's settings form."""

from apscheduler.triggers.cron import CronTrigger
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TimeField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from expertpool.fields import EurosField, WholeNumberField


def _valid_cron(_form, field):
    try:
        CronTrigger.from_crontab(field.data or "", timezone="Europe/Paris")
    except ValueError as exc:
        raise ValidationError(
            _l("Expression cron invalide (5 champs : minute heure jour mois jour-de-semaine).")
        ) from exc


class SettingsForm(FlaskForm):
    name = StringField(
        _l("Nom du pool"),
        validators=[
            DataRequired(_l("Indiquez le nom du pool.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    contact_email = EmailField(
        _l("Adresse de contact"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Adresse e-mail invalide."), check_deliverability=False),
        ],
    )
    unit_price = EurosField(
        _l("Prix d'une demi-journée (€ HT)"),
        max_cents=10_000_000,
        validators=[InputRequired(_l("Indiquez le prix d'une demi-journée."))],
    )
    holidays_region = SelectField(
        _l("Jours fériés"),
        choices=[
            ("metropole", _l("France métropolitaine")),
            ("alsace-moselle", _l("Alsace-Moselle (Vendredi saint et 26 décembre en plus)")),
        ],
    )
    am_start = TimeField(_l("Début du matin"), validators=[DataRequired(_l("Heure invalide."))])
    am_end = TimeField(_l("Fin du matin"), validators=[DataRequired(_l("Heure invalide."))])
    pm_start = TimeField(_l("Début de l'après-midi"), validators=[DataRequired(_l("Heure invalide."))])
    pm_end = TimeField(_l("Fin de l'après-midi"), validators=[DataRequired(_l("Heure invalide."))])
    auto_approve_max_half_days = WholeNumberField(
        _l("Validation automatique jusqu'à (demi-journées)"),
        validators=[
            InputRequired(_l("Indiquez un nombre de demi-journées (0 pour désactiver).")),
            NumberRange(min=0, max=120, message=_l("Entre 0 (désactivée) et 120 demi-journées.")),
        ],
    )
    horizon_weeks = WholeNumberField(
        _l("Horizon de planification (semaines)"),
        validators=[
            InputRequired(_l("Indiquez un nombre de semaines.")),
            NumberRange(min=1, max=60, message=_l("Entre 1 et 60 semaines.")),
        ],
    )
    next_period_warning_weeks = WholeNumberField(
        _l("Alerte d'ouverture de la période suivante (semaines avant la fin)"),
        validators=[
            InputRequired(_l("Indiquez un nombre de semaines (0 pour ne jamais alerter).")),
            NumberRange(min=0, max=52, message=_l("Entre 0 (jamais) et 52 semaines.")),
        ],
    )
    scheduler_cron = StringField(
        _l("Planification automatique (cron, heure de Paris)"),
        validators=[DataRequired(_l("Indiquez une expression cron.")), Length(max=100), _valid_cron],
    )

    def validate_am_end(self, field):
        if self.am_start.data and field.data and field.data <= self.am_start.data:
            raise ValidationError(_l("La fin du matin doit suivre son début."))

    def validate_pm_start(self, field):
        if self.am_end.data and field.data and field.data < self.am_end.data:
            raise ValidationError(_l("L'après-midi commence après la fin du matin."))

    def validate_pm_end(self, field):
        if self.pm_start.data and field.data and field.data <= self.pm_start.data:
            raise ValidationError(_l("La fin de l'après-midi doit suivre son début."))

"""The pool's settings form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from expertpool import schedule
from expertpool.compliance import RETENTION_MONTHS_MAX, RETENTION_PERIODS
from expertpool.fields import EurosField, FrenchDateField, WholeNumberField

LEGAL_TEXT_MAX = 2000


def _optional_email(label) -> EmailField:
    return EmailField(
        label,
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("Adresse e-mail invalide."), check_deliverability=False),
        ],
    )


def _retention_field(name: str) -> WholeNumberField:
    return WholeNumberField(
        RETENTION_PERIODS[name],
        validators=[
            InputRequired(_l("Indiquez une durée en mois.")),
            NumberRange(min=1, max=RETENTION_MONTHS_MAX, message=_l("Entre 1 et 240 mois.")),
        ],
    )


def _legal_text(label) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=LEGAL_TEXT_MAX, message=_l("2000 caractères au plus."))], render_kw={"rows": 3}
    )


def _security_contact(_form, field):
    value = (field.data or "").strip()
    if value and not (value.startswith(("mailto:", "https://")) or ("@" in value and " " not in value)):
        raise ValidationError(_l("Indiquez une adresse e-mail, ou une adresse commençant par mailto: ou https://."))


def _https_url(_form, field):
    value = (field.data or "").strip()
    if value and (not value.startswith(("https://", "http://")) or " " in value):
        raise ValidationError(_l("Indiquez une adresse web complète, commençant par https://."))


def _valid_cron(_form, field):
    if not schedule.is_valid(field.data or ""):
        raise ValidationError(_l("Expression cron invalide (5 champs : minute heure jour mois jour-de-semaine)."))


class SettingsForm(FlaskForm):
    name = StringField(
        _l("Nom du pool"),
        validators=[
            DataRequired(_l("Indiquez le nom du pool.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    contact_email = _optional_email(_l("Adresse de contact"))
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
    instant_booking_max_half_days = WholeNumberField(
        _l("Réservation immédiate jusqu'à (demi-journées)"),
        validators=[
            InputRequired(_l("Indiquez un nombre de demi-journées (0 pour désactiver).")),
            NumberRange(min=0, max=20, message=_l("Entre 0 (désactivée) et 20 demi-journées.")),
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

    retention_sign_in_months = _retention_field("retention_sign_in_months")
    retention_notifications_months = _retention_field("retention_notifications_months")
    retention_outbox_months = _retention_field("retention_outbox_months")
    retention_closed_requests_months = _retention_field("retention_closed_requests_months")
    retention_audit_months = _retention_field("retention_audit_months")

    publisher = _legal_text(_l("Éditeur du site (nom de l'organisme, adresse, SIREN)"))
    publication_director = StringField(
        _l("Directeur ou directrice de la publication"),
        validators=[Length(max=200, message=_l("200 caractères au plus."))],
    )
    host = _legal_text(_l("Hébergeur (nom, adresse, téléphone)"))
    dpo_contact = _legal_text(_l("Délégué à la protection des données (nom ou service, adresse e-mail)"))
    security_contact = StringField(
        _l("Contact sécurité (security.txt)"),
        validators=[Length(max=254, message=_l("254 caractères au plus.")), _security_contact],
    )

    accessibility_rate = WholeNumberField(
        _l("Taux de conformité RGAA de l'audit (%)"),
        validators=[Optional(), NumberRange(min=0, max=100, message=_l("Entre 0 et 100 %%."))],
    )
    accessibility_audit_date = FrenchDateField(
        _l("Date de l'audit"), render_kw={"type": "date"}, validators=[Optional()]
    )
    accessibility_audit_method = _legal_text(_l("Méthode et périmètre de l'audit (auditeur, outils, pages)"))
    accessibility_exceptions = _legal_text(_l("Contenus non accessibles et dérogations"))
    accessibility_contact = _optional_email(_l("Contact accessibilité"))
    accessibility_plan_url = StringField(
        _l("Adresse du schéma pluriannuel d'accessibilité"),
        validators=[Length(max=500, message=_l("500 caractères au plus.")), _https_url],
    )

    def validate(self, extra_validators=None):
        # A rate and its audit's date go together (the Optional fields skip inline validators when empty).
        valid = super().validate(extra_validators)
        rate, audit_date = self.accessibility_rate, self.accessibility_audit_date
        if rate.data is not None and audit_date.data is None and not audit_date.errors:
            audit_date.errors.append(_l("Indiquez la date de l'audit qui a donné ce taux."))
            valid = False
        if audit_date.data is not None and rate.data is None and not rate.errors:
            rate.errors.append(_l("Indiquez aussi le taux de conformité de cet audit."))
            valid = False
        return valid

    def validate_am_end(self, field):
        if self.am_start.data and field.data and field.data <= self.am_start.data:
            raise ValidationError(_l("La fin du matin doit suivre son début."))

    def validate_pm_start(self, field):
        if self.am_end.data and field.data and field.data < self.am_end.data:
            raise ValidationError(_l("L'après-midi commence après la fin du matin."))

    def validate_pm_end(self, field):
        if self.pm_start.data and field.data and field.data <= self.pm_start.data:
            raise ValidationError(_l("La fin de l'après-midi doit suivre son début."))

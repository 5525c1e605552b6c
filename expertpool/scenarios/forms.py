"""The scenario form (its changes as fields, French messages next to them) and the buttons' CSRF form."""

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from expertpool.extensions import db
from expertpool.fields import DaysField, EurosField, FrenchDateField, WholeNumberField, optional_int
from expertpool.i18n import parse_french_decimal
from expertpool.models import Expert, Member, QuotaPolicy, Role, Skill
from expertpool.scenarios.changes import MAX_ADDED_EXPERTS, WEEK_PRESETS

BASE_LABELS = {
    "backlog": _l("Les demandes en attente aujourd'hui (ce que le planificateur va traiter)"),
    "replay": _l("Les 12 derniers mois rejoués (tout replanifié, rien de réservé)"),
}
POLICY_CHOICES = (
    ("", _l("Inchangée")),
    (QuotaPolicy.FIXED, _l("Nombre fixe de jours")),
    (QuotaPolicy.PROPORTIONAL, _l("Proportionnel à la cotisation")),
    (QuotaPolicy.POPULATION, _l("Par tranche de population")),
)
WEEK_LABELS = {
    "full": _l("Temps plein (5 jours)"),
    "four_fifths": _l("4/5 (lundi à jeudi)"),
    "half": _l("Mi-temps (lundi, mardi, mercredi matin)"),
    "mornings": _l("Tous les matins"),
}


class ActionForm(FlaskForm):
    """The buttons (run, duplicate, delete, adopt): their CSRF token only."""


def parse_bands(text: str) -> list[dict]:
    """ "500 : 4 ; 2000 : 8 ; : 12" (population limit : days; no limit for the last band) as the
    period's population_bands (half-days). Raises ValueError with the reader's message."""
    bands = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        limit, sep, days = part.partition(":")
        if not sep:
            raise ValueError(gettext("Écrivez chaque tranche « population : jours », séparées par « ; »."))
        limit = limit.strip().replace(" ", "")
        try:
            half_days = int(parse_french_decimal(days.strip()) * 2)
            max_population = int(limit) if limit else None
        except ValueError as exc:
            raise ValueError(gettext("Écrivez chaque tranche « population : jours », séparées par « ; ».")) from exc
        if half_days < 0 or (max_population is not None and max_population < 0):
            raise ValueError(gettext("Les nombres d'une tranche sont positifs."))
        bands.append({"max_population": max_population, "half_days": half_days})
    return sorted(bands, key=lambda b: (b["max_population"] is None, b["max_population"] or 0))


def bands_text(bands: list[dict]) -> str:
    """The population bands as the form writes them ("500 : 4 ; : 8,5")."""
    parts = []
    for band in bands:
        limit = "" if band["max_population"] is None else str(band["max_population"])
        days = f"{band['half_days'] / 2:g}".replace(".", ",")
        parts.append(f"{limit} : {days}".strip())
    return " ; ".join(parts)


class ScenarioForm(FlaskForm):
    name = StringField(
        _l("Nom du scénario"),
        validators=[
            DataRequired(_l("Donnez un nom au scénario, par exemple « Un DBA de plus ».")),
            Length(max=120, message=_l("120 caractères au plus.")),
        ],
    )
    base = SelectField(_l("Demande de départ"), choices=list(BASE_LABELS.items()), validate_choice=False)
    policy = SelectField(_l("Règle du droit de tirage"), choices=POLICY_CHOICES, validate_choice=False)
    fixed_days = DaysField(_l("Jours par membre (nombre fixe)"), min_half_days=0, max_half_days=2000)
    policy_price = EurosField(_l("Prix d'une demi-journée pour le calcul proportionnel (€ HT)"), max_cents=10_000_000)
    bands = StringField(_l("Tranches de population"), validators=[Length(max=500)])
    carry_over_cap = DaysField(
        _l("Report maximal depuis la période précédente (jours)"), min_half_days=0, max_half_days=2000
    )
    member = SelectField(_l("Droit d'un membre"), coerce=optional_int, validate_choice=False)
    member_days = DaysField(_l("Nouveau droit de ce membre (jours)"), min_half_days=0, max_half_days=2000)
    unit_price = EurosField(_l("Prix facturé d'une demi-journée hors droit (€ HT)"), max_cents=10_000_000)
    add_count = WholeNumberField(
        _l("Experts ajoutés"),
        validators=[
            Optional(),
            NumberRange(0, MAX_ADDED_EXPERTS, _l("De 0 à %(max)s experts.", max=MAX_ADDED_EXPERTS)),
        ],
    )
    add_role = SelectField(_l("Rôle des experts ajoutés"), validate_choice=False)
    add_skills = SelectMultipleField(_l("Compétences des experts ajoutés"), validate_choice=False)
    add_week = SelectField(
        _l("Semaine de travail des experts ajoutés"), choices=list(WEEK_LABELS.items()), validate_choice=False
    )
    add_start = FrenchDateField(_l("Arrivée des experts ajoutés"))
    removed = SelectMultipleField(_l("Experts retirés"), coerce=optional_int, validate_choice=False)
    horizon_weeks = WholeNumberField(
        _l("Horizon de planification (semaines)"),
        validators=[Optional(), NumberRange(1, 104, _l("De 1 à 104 semaines."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.member.choices = [(None, gettext("Aucun changement"))] + [
            (m_id, name)
            for m_id, name in db.session.execute(
                select(Member.id, Member.name).where(Member.active.is_(True)).order_by(Member.name)
            )
        ]
        self.add_role.choices = [(code, label) for code, label in db.session.execute(select(Role.code, Role.label))]
        self.add_skills.choices = [(n, n) for n in db.session.scalars(select(Skill.name).order_by(Skill.name))]
        self.removed.choices = [
            (expert_id, name)
            for expert_id, name in db.session.execute(
                select(Expert.id, Expert.display_name).where(Expert.active.is_(True)).order_by(Expert.display_name)
            )
        ]

    # The choices are checked here, with a French message (WTForms would answer in English).
    def validate_base(self, field):
        if field.data not in BASE_LABELS:
            raise ValidationError(gettext("Choisissez une demande de départ de la liste."))

    def validate_policy(self, field):
        if field.data not in dict(POLICY_CHOICES):
            raise ValidationError(gettext("Choisissez une règle de la liste."))

    def validate_member(self, field):
        if field.data is not None and field.data not in dict(self.member.choices):
            raise ValidationError(gettext("Choisissez un membre de la liste."))

    def validate_add_skills(self, field):
        if not set(field.data or []) <= {value for value, _label in field.choices}:
            raise ValidationError(gettext("Choisissez des compétences de la liste."))

    def validate_add_week(self, field):
        if field.data not in WEEK_PRESETS:
            raise ValidationError(gettext("Choisissez une semaine de travail de la liste."))

    def validate_removed(self, field):
        if None in (field.data or []) or not set(field.data or []) <= dict(field.choices).keys():
            raise ValidationError(gettext("Choisissez des experts de la liste."))

    def validate_fixed_days(self, field):
        if self.policy.data == QuotaPolicy.FIXED and field.data is None:
            raise ValidationError(gettext("Indiquez le nombre de jours par membre."))

    def validate_policy_price(self, field):
        if self.policy.data == QuotaPolicy.PROPORTIONAL and not field.data:
            raise ValidationError(gettext("Indiquez un prix positif."))

    def validate_bands(self, field):
        if self.policy.data != QuotaPolicy.POPULATION:
            return
        try:
            bands = parse_bands(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if not bands:
            raise ValidationError(gettext("Écrivez au moins une tranche, par exemple « 500 : 4 ; : 8 »."))

    def validate_member_days(self, field):
        if self.member.data and field.data is None:
            raise ValidationError(gettext("Indiquez le nouveau droit de ce membre."))

    def validate_unit_price(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError(gettext("Indiquez un prix positif."))

    def validate_add_start(self, field):
        if self.add_count.data and field.data is None:
            raise ValidationError(gettext("Indiquez la date d'arrivée des experts ajoutés."))

    def validate_add_role(self, field):
        if self.add_count.data and field.data not in dict(field.choices):
            raise ValidationError(gettext("Choisissez un rôle de la liste."))

    def changes(self) -> dict:
        """The form as the scenario's changes JSON (only what differs from the pool's data)."""
        changes: dict = {}
        if self.policy.data:
            changes["policy"] = {
                "policy": self.policy.data,
                "fixed_half_days": self.fixed_days.data or 0,
                "unit_price_cents": self.policy_price.data or 1,
                "population_bands": parse_bands(self.bands.data) if self.policy.data == QuotaPolicy.POPULATION else [],
                "carry_over_cap_half_days": self.carry_over_cap.data or 0,
            }
        if self.member.data:
            changes["member_right"] = {"member_id": self.member.data, "half_days": self.member_days.data}
        if self.unit_price.data:
            changes["unit_price_cents"] = self.unit_price.data
        if self.add_count.data:
            expert = {
                "role": self.add_role.data,
                "skills": sorted(self.add_skills.data or []),
                "week": WEEK_PRESETS[self.add_week.data],
                "start": self.add_start.data.isoformat(),
            }
            changes["experts_added"] = [expert] * self.add_count.data
        if self.removed.data:
            changes["experts_removed"] = sorted(self.removed.data)
        if self.horizon_weeks.data:
            changes["horizon_weeks"] = self.horizon_weeks.data
        return changes

    def fill(self, scenario) -> None:
        """The form's fields from a saved scenario (to edit it)."""
        changes = scenario.changes or {}
        self.name.data, self.base.data = scenario.name, scenario.base
        policy = changes.get("policy") or {}
        self.policy.data = policy.get("policy", "")
        self.fixed_days.data = policy.get("fixed_half_days")
        self.policy_price.data = policy.get("unit_price_cents")
        self.bands.data = bands_text(policy.get("population_bands") or [])
        self.carry_over_cap.data = policy.get("carry_over_cap_half_days")
        right = changes.get("member_right") or {}
        self.member.data, self.member_days.data = right.get("member_id"), right.get("half_days")
        self.unit_price.data = changes.get("unit_price_cents")
        added = changes.get("experts_added") or []
        if added:
            self.add_count.data = len(added)
            self.add_role.data, self.add_skills.data = added[0]["role"], added[0].get("skills", [])
            self.add_week.data = next((k for k, v in WEEK_PRESETS.items() if v == added[0]["week"]), "full")
            self.add_start.data = date.fromisoformat(added[0]["start"])
        self.removed.data = changes.get("experts_removed") or []
        self.horizon_weeks.data = changes.get("horizon_weeks")

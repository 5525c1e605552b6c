"""Coordinators' forms. Messages are French msgids (lazy); days and euros are typed the French way."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from expertpool.fields import DaysField, EurosField, FrenchDateField, optional_int
from expertpool.i18n import days_label
from expertpool.models import MemberKind, QuotaPolicy, UserRole, is_valid_siren
from expertpool.models.expert import HALVES, WEEKDAYS
from expertpool.models.request import MAX_HALF_DAYS, MIN_HALF_DAYS

KIND_LABELS = {
    MemberKind.COMMUNE: _l("Commune"),
    MemberKind.EPCI: _l("Intercommunalité (EPCI)"),
    MemberKind.ASSOCIATION: _l("Association"),
    MemberKind.SCHOOL: _l("Établissement scolaire"),
    MemberKind.HOSPITAL: _l("Établissement de santé"),
    MemberKind.COMPANY: _l("Entreprise"),
    MemberKind.OTHER: _l("Autre"),
}
ROLE_LABELS = {
    UserRole.MEMBER: _l("Membre"),
    UserRole.EXPERT: _l("Expert"),
    UserRole.COORDINATOR: _l("Coordinateur"),
    UserRole.ADMIN: _l("Administrateur"),
}
POLICY_LABELS = {
    QuotaPolicy.FIXED: _l("Nombre fixe de jours"),
    QuotaPolicy.PROPORTIONAL: _l("Proportionnel à la cotisation"),
    QuotaPolicy.POPULATION: _l("Par tranche de population"),
}
WEEKDAY_LABELS = (_l("Lundi"), _l("Mardi"), _l("Mercredi"), _l("Jeudi"), _l("Vendredi"), _l("Samedi"), _l("Dimanche"))
HALF_LABELS = {"am": _l("matin"), "pm": _l("après-midi")}
LOCALE_CHOICES = [("fr", "Français"), ("en", "English")]
SKILL_SLOTS = 8
BAND_SLOTS = 6


# --- French-typed fields -------------------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _no_control_chars(_form, field):
    if field.data and any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_l("Caractères non autorisés."))


def _siren_valid(_form, field):
    value = (field.data or "").replace(" ", "")
    field.data = value or None
    if value and not is_valid_siren(value):
        raise ValidationError(_l("SIREN invalide : 9 chiffres avec une clé de contrôle correcte."))


# --- members --------------------------------------------------------------------------------------


class MemberFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional(), Length(max=100, message=_l("100 caractères au plus."))])
    kind = SelectField(_l("Type"), validators=[Optional()])
    epci = SelectField(_l("EPCI"), coerce=optional_int, validators=[Optional()])
    active = SelectField(
        _l("État"),
        choices=[("yes", _l("Actifs")), ("no", _l("Désactivés")), ("all", _l("Tous"))],
        default="yes",
        validators=[Optional()],
    )

    def __init__(self, *args, epci_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Tous les types"))] + list(KIND_LABELS.items())
        self.epci.choices = [(None, _l("Tous les EPCI"))] + list(epci_choices)


class MemberForm(FlaskForm):
    name = StringField(
        _l("Nom"),
        validators=[
            DataRequired(_l("Indiquez le nom de la structure.")),
            Length(max=200, message=_l("200 caractères au plus.")),
            _no_control_chars,
        ],
    )
    kind = SelectField(_l("Type de structure"))
    insee_code = StringField(
        _l("Code INSEE"),
        validators=[
            Optional(),
            Regexp(r"^(\d{5}|2[AB]\d{3})$", message=_l("Le code INSEE compte 5 caractères (ex. 29019).")),
        ],
    )
    siren = StringField(_l("SIREN"), validators=[Optional(), Length(max=11), _siren_valid])
    population = IntegerField(
        _l("Population"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=_l("La population doit être positive."))],
    )
    contribution = EurosField(_l("Cotisation annuelle (€)"))
    parent_id = SelectField(_l("EPCI de rattachement"), coerce=optional_int, validators=[Optional()])
    holds_envelope = BooleanField(_l("Détient une enveloppe partagée avec ses communes"))
    email = EmailField(
        _l("E-mail de contact"),
        validators=[
            Optional(),
            Length(max=254, message=_l("254 caractères au plus.")),
            Email(message=_l("Adresse e-mail invalide."), check_deliverability=False),
        ],
    )
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=40, message=_l("40 caractères au plus."))])
    address = TextAreaField(
        _l("Adresse"), validators=[Optional(), Length(max=1000, message=_l("1000 caractères au plus."))]
    )

    def __init__(self, *args, epci_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = list(KIND_LABELS.items())
        self.parent_id.choices = [(None, _l("Aucun"))] + list(epci_choices)

    def validate_holds_envelope(self, field):
        if field.data and self.kind.data != MemberKind.EPCI:
            raise ValidationError(_l("Seul un EPCI peut détenir une enveloppe."))


class ImportUploadForm(FlaskForm):
    file = FileField(_l("Fichier CSV"), validators=[FileRequired(_l("Choisissez un fichier CSV."))])


class ImportTokenForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


# --- quotas ---------------------------------------------------------------------------------------


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


# --- experts, roles, skills ------------------------------------------------------------------------


class ExpertForm(FlaskForm):
    display_name = StringField(
        _l("Nom affiché"),
        validators=[
            DataRequired(_l("Indiquez le nom de l'expert.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    user_id = SelectField(_l("Compte utilisateur lié"), coerce=optional_int, validators=[Optional()])
    roles = MultiCheckboxField(_l("Rôles"), coerce=int)
    skills = FieldList(
        StringField(
            _l("Compétence"),
            validators=[Optional(), Length(max=60, message=_l("60 caractères au plus.")), _no_control_chars],
        ),
        min_entries=SKILL_SLOTS,
        max_entries=SKILL_SLOTS,
    )
    week = MultiCheckboxField(_l("Demi-journées travaillées pour le pool"))
    bio = TextAreaField(
        _l("Présentation"), validators=[Optional(), Length(max=5000, message=_l("5000 caractères au plus."))]
    )
    day_rate = EurosField(_l("Tarif journalier de référence (€ HT)"), max_cents=10_000_000)
    works_on_site = BooleanField(_l("Intervient sur site"), default=True)
    works_remote = BooleanField(_l("Intervient à distance"), default=True)

    def __init__(self, *args, role_choices=(), user_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = list(role_choices)
        self.user_id.choices = [(None, _l("Aucun"))] + list(user_choices)
        self.week.choices = [
            (f"{day}-{half}", f"{WEEKDAY_LABELS[i]} {HALF_LABELS[half]}")
            for i, day in enumerate(WEEKDAYS)
            for half in HALVES
        ]

    def validate_roles(self, field):
        if not field.data:
            raise ValidationError(_l("Choisissez au moins un rôle."))

    def skill_names(self) -> list[str]:
        seen, names = set(), []
        for entry in self.skills:
            name = " ".join((entry.data or "").split())
            if name and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        return names


class RoleForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Indiquez un code.")),
            Regexp(r"^[a-z0-9_-]{1,40}$", message=_l("Lettres minuscules, chiffres, - ou _ (40 au plus).")),
        ],
    )
    label = StringField(
        _l("Libellé"),
        validators=[DataRequired(_l("Indiquez un libellé.")), Length(max=100, message=_l("100 caractères au plus."))],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])


class SkillForm(FlaskForm):
    name = StringField(
        _l("Compétence"),
        validators=[
            DataRequired(_l("Indiquez un nom.")),
            Length(max=60, message=_l("60 caractères au plus.")),
            _no_control_chars,
        ],
    )


# --- users ----------------------------------------------------------------------------------------


class _RoleAndMember:
    def validate_member_id(self, field):
        if self.role.data == UserRole.MEMBER and not field.data:
            raise ValidationError(_l("Un utilisateur membre doit être rattaché à une structure."))


class InviteForm(_RoleAndMember, FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez une adresse e-mail.")),
            Length(max=254, message=_l("254 caractères au plus.")),
            Email(message=_l("Adresse e-mail invalide."), check_deliverability=False),
        ],
    )
    name = StringField(
        _l("Nom"),
        validators=[DataRequired(_l("Indiquez le nom.")), Length(max=200, message=_l("200 caractères au plus."))],
    )
    role = SelectField(_l("Rôle"))
    member_id = SelectField(_l("Structure membre"), coerce=optional_int)
    locale = SelectField(_l("Langue"), choices=LOCALE_CHOICES, default="fr")

    def __init__(self, *args, role_choices=(), member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = list(role_choices)
        self.member_id.choices = [(None, _l("Aucune"))] + list(member_choices)


class ChangeRoleForm(_RoleAndMember, FlaskForm):
    role = SelectField(_l("Rôle"))
    member_id = SelectField(_l("Structure membre"), coerce=optional_int)

    def __init__(self, *args, role_choices=(), member_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = list(role_choices)
        self.member_id.choices = [(None, _l("Aucune"))] + list(member_choices)


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Recherche"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Rôle"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("Tous les rôles"))] + list(ROLE_LABELS.items())


# --- decisions ------------------------------------------------------------------------------------


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


# --- audit ----------------------------------------------------------------------------------------


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    # A pool has thousands of members: a select of them all would weigh most of the page, so the
    # member is found by name; `member` (an id) is the exact filter the member page links to.
    member = SelectField(_l("Membre"), coerce=optional_int, validators=[Optional()])
    member_name = StringField(
        _l("Nom du membre"), validators=[Optional(), Length(max=100, message=_l("100 caractères au plus."))]
    )
    expert = SelectField(_l("Expert"), coerce=optional_int, validators=[Optional()])
    request = IntegerField(
        _l("N° de demande"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1, message=_l("Numéro invalide."))]
    )
    action = SelectField(_l("Action"), validators=[Optional()])

    def __init__(self, *args, member_choices=(), expert_choices=(), action_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.member.choices = [(None, _l("Tous"))] + list(member_choices)
        self.expert.choices = [(None, _l("Tous"))] + list(expert_choices)
        self.action.choices = [("", _l("Toutes"))] + list(action_choices)

"""Coordinators' forms for experts, roles and skills."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from expertpool.coordination.forms.common import no_control_chars
from expertpool.fields import EurosField, optional_int
from expertpool.labels import WEEKDAY_LABELS
from expertpool.models.expert import HALVES, WEEKDAYS

HALF_LABELS = {"am": _l("matin"), "pm": _l("après-midi")}
SKILL_SLOTS = 8


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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
            validators=[Optional(), Length(max=60, message=_l("60 caractères au plus.")), no_control_chars],
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
            no_control_chars,
        ],
    )

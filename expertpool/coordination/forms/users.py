"""Coordinators' forms for user accounts: invitations, roles and the list filter."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    Optional,
    ValidationError,
)

from expertpool.fields import optional_int
from expertpool.labels import LOCALE_LABELS, ROLE_LABELS
from expertpool.models import UserRole

LOCALE_CHOICES = list(LOCALE_LABELS.items())


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

"""The audit log's filter form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    Length,
    NumberRange,
    Optional,
)

from expertpool.fields import optional_int


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

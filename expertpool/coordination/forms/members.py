"""Coordinators' forms for member structures: the filter, the edit form and the CSV import."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from expertpool.coordination.forms.common import no_control_chars
from expertpool.fields import EurosField, optional_int
from expertpool.labels import MEMBER_KIND_LABELS as KIND_LABELS
from expertpool.models import MemberKind, is_valid_siren


def _siren_valid(_form, field):
    value = (field.data or "").replace(" ", "")
    field.data = value or None
    if value and not is_valid_siren(value):
        raise ValidationError(_l("SIREN invalide : 9 chiffres avec une clé de contrôle correcte."))


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
            no_control_chars,
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

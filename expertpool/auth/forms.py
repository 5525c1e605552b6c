"""Account forms. Messages are French msgids (lazy, so each request gets its own language)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from expertpool.api_tokens import DEFAULT_DAYS, MAX_DAYS, NAME_MAX, SCOPES
from expertpool.auth.services import MIN_PASSWORD_LENGTH, is_weak_password
from expertpool.labels import LOCALE_LABELS


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=254, message=_l("Adresse trop longue (254 caractères au plus).")),
        ],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            DataRequired(_l("Indiquez votre mot de passe.")),
            Length(max=200, message=_l("Mot de passe trop long (200 caractères au plus).")),
        ],
    )
    next = HiddenField()


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=254, message=_l("Adresse trop longue (254 caractères au plus).")),
            Email(message=_l("Adresse e-mail invalide."), check_deliverability=False),
        ],
    )


def _strong_enough(_form, field):
    value = field.data or ""
    if len(value) >= MIN_PASSWORD_LENGTH and (value.strip() == "" or is_weak_password(value)):
        raise ValidationError(
            _l("Mot de passe trop facile à deviner : ajoutez des mots ou évitez les suites et les répétitions.")
        )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("Le mot de passe doit compter de %(min)d à %(max)d caractères."),
            ),
            _strong_enough,
        ],
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Confirmez le mot de passe.")),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
    )


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(
        _l("Mot de passe actuel"), validators=[DataRequired(_l("Indiquez votre mot de passe actuel.")), Length(max=200)]
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Nom"),
        validators=[
            DataRequired(_l("Indiquez votre nom.")),
            Length(max=200, message=_l("200 caractères au plus.")),
        ],
    )
    locale = SelectField(_l("Langue"), choices=list(LOCALE_LABELS.items()), validators=[DataRequired()])


class ApiTokenForm(FlaskForm):
    """A personal access token of the JSON API (the secret is shown once, after creation)."""

    name = StringField(
        _l("Nom du jeton"),
        validators=[
            DataRequired(_l("Donnez un nom au jeton (par exemple « GLPI »).")),
            Length(max=NAME_MAX, message=_l("%(max)d caractères au plus.")),
        ],
    )
    scopes = SelectMultipleField(
        _l("Portées"),
        choices=[(scope, scope) for scope in SCOPES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choisissez au moins une portée."))],
    )
    days = IntegerField(
        _l("Durée de validité (jours)"),
        default=DEFAULT_DAYS,
        validators=[
            InputRequired(_l("Indiquez une durée en jours.")),
            NumberRange(min=1, max=MAX_DAYS, message=_l("Entre %(min)d et %(max)d jours.")),
        ],
    )


class RevokeApiTokenForm(FlaskForm):
    """The revoke button (its CSRF token)."""

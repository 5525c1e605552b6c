"""The marketplace's search and filter form (GET, so the URL of a search can be shared and bookmarked)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Length, Optional

from expertpool.catalogue.queries import MAX_SEARCH_LENGTH


def _optional_int(value):
    """'' or a foreign id: a tampered value becomes None (no filter) instead of an error page."""
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ExpertFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only search

    q = SearchField(
        _l("Rechercher"),
        validators=[Optional(), Length(max=MAX_SEARCH_LENGTH, message=_l("%(max)d caractères au plus."))],
    )
    role = SelectField(_l("Rôle"), coerce=_optional_int, validate_choice=False)
    skill = SelectField(_l("Compétence"), coerce=_optional_int, validate_choice=False)
    free_before = DateField(_l("Disponible avant le"), validators=[Optional()], render_kw={"type": "date"})
    mode = SelectField(
        _l("Mode d'intervention"),
        choices=[("", _l("Sur site ou à distance")), ("on_site", _l("Sur site")), ("remote", _l("À distance"))],
        validate_choice=False,
    )

    def set_choices(self, roles, skills) -> None:
        self.role.choices = [("", _l("Tous les rôles"))] + [(r.id, r.label) for r in roles]
        self.skill.choices = [("", _l("Toutes les compétences"))] + [(s.id, s.name) for s in skills]

"""Forms of the member's journey: the request form, messages, cancellation and rating.

Every message is a French msgid; every limit of the data model (lengths, 1–120 half-days, ordered
dates) is checked here so that bad input gives a message next to its field, never a database error.
"""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from expertpool.calendars import window_half_days
from expertpool.fields import DATE_FORMATS, FrenchDateField
from expertpool.i18n import date_long, parse_days
from expertpool.models import Urgency
from expertpool.models.request import MAX_HALF_DAYS, MIN_HALF_DAYS
from expertpool.requests.free_slots import parse_value as parse_slot_value

TITLE_MAX = 200
TEXT_MAX = 5000
ADDRESS_MAX = 500
# A request is about the coming months: a deadline years away is a typing error.
MAX_WINDOW_AHEAD = timedelta(days=2 * 366)
# A member marks a few preferred half-days among those shown (four weeks ahead), not a whole calendar.
MAX_PREFERRED = 20

URGENCY_CHOICES = [
    (Urgency.NORMAL.value, _l("Normale")),
    (Urgency.HIGH.value, _l("Haute")),
    (Urgency.CRITICAL.value, _l("Critique : incident de sécurité")),
]
URGENCY_HELP = {
    Urgency.NORMAL.value: _l("Le besoin peut être planifié dans la fenêtre indiquée, comme les autres demandes."),
    Urgency.HIGH.value: _l("Un retard gênerait le service rendu aux habitants : planifiée au plus tôt."),
    Urgency.CRITICAL.value: _l(
        "Piratage, rançongiciel, fuite de données : servie en premier, même hors droit de tirage."
    ),
}


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_request_days(text: str | None) -> int:
    """'2,5' or '2.5' days → 5 half-days; ValueError unless a multiple of 0.5 within 0.5–60 days."""
    half_days = parse_days(text)
    if not MIN_HALF_DAYS <= half_days <= MAX_HALF_DAYS:
        raise ValueError(text)
    return half_days


class RequestForm(FlaskForm):
    title = StringField(
        _l("Titre de la demande"),
        validators=[
            DataRequired(_l("Donnez un titre à votre demande.")),
            Length(max=TITLE_MAX, message=_l("Le titre doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"maxlength": TITLE_MAX},
    )
    description = TextAreaField(
        _l("Votre besoin"),
        validators=[
            DataRequired(_l("Décrivez votre besoin en quelques lignes.")),
            Length(max=TEXT_MAX, message=_l("La description doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"rows": 5},
    )
    role = SelectField(_l("Rôle recherché"), coerce=_optional_int, validate_choice=False)
    preferred_expert = SelectField(_l("Expert souhaité"), coerce=_optional_int, validate_choice=False)
    skills = SelectMultipleField(
        _l("Compétences nécessaires"), coerce=int, validators=[Optional()], validate_choice=False, render_kw={"size": 6}
    )
    days = StringField(
        _l("Nombre de jours"),
        validators=[InputRequired(_l("Indiquez le nombre de jours."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20},
    )
    earliest = FrenchDateField(
        _l("Au plus tôt le"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez la date de début souhaitée."))],
        render_kw={"type": "date"},
    )
    deadline = FrenchDateField(
        _l("Au plus tard le"),
        format=DATE_FORMATS,
        validators=[InputRequired(_l("Indiquez la date limite."))],
        render_kw={"type": "date"},
    )
    # "2027-01-12:am" values; the choices are the free half-days the page shows (validated below, not
    # against the choices: a half-day chosen on the page may be taken meanwhile and stays a wish).
    preferred_slots = SelectMultipleField(
        _l("Vos demi-journées préférées (facultatif)"), validators=[Optional()], validate_choice=False
    )
    accept_quote = BooleanField(
        _l(
            "J'accepte le devis : les demi-journées au-delà de mon droit de tirage me seront facturées au prix "
            "indiqué ci-dessus (hors taxes)."
        )
    )
    urgency = RadioField(
        _l("Urgence"),
        choices=URGENCY_CHOICES,
        default=Urgency.NORMAL.value,
        validators=[InputRequired(_l("Choisissez une urgence."))],
    )
    place = RadioField(
        _l("Lieu d'intervention"),
        default="on_site",
        choices=[("on_site", _l("Sur site")), ("remote", _l("À distance"))],
        validators=[InputRequired(_l("Choisissez sur site ou à distance."))],
    )
    address = TextAreaField(
        _l("Adresse d'intervention"),
        validators=[
            Length(max=ADDRESS_MAX, message=_l("L'adresse doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"rows": 2},
    )

    # Set by the view before validation.
    today: date
    original_earliest: date | None = None
    half_days: int | None = None
    holidays_region: str = "metropole"
    preferred_half_days: list[tuple[date, str]] = []  # set by validate_preferred_slots

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid:
            valid = self._window_holds_the_days()
        return valid

    def _window_holds_the_days(self) -> bool:
        """A window with fewer working half-days than asked can never be served: say so at the form."""
        start, end = self.earliest.data, self.deadline.data
        capacity = window_half_days(start, end, self.holidays_region)
        if self.half_days is None or self.half_days <= capacity:
            return True
        if capacity == 0:
            message = _(
                "Du %(start)s au %(end)s, il n'y a aucun jour ouvré (week-ends et jours fériés exclus) : "
                "élargissez les dates.",
                start=date_long(start),
                end=date_long(end),
            )
        else:
            # Two halves per working day: the capacity is always a whole number of days.
            message = ngettext(
                "Du %(start)s au %(end)s, il n'y a qu'un jour ouvré (week-ends et jours fériés exclus) : "
                "demandez au plus 1 jour, ou élargissez les dates.",
                "Du %(start)s au %(end)s, il n'y a que %(num)d jours ouvrés (week-ends et jours fériés exclus) : "
                "demandez au plus %(num)d jours, ou élargissez les dates.",
                capacity // 2,
                start=date_long(start),
                end=date_long(end),
            )
        self.days.errors.append(message)
        return False

    def set_choices(self, roles, experts, skills) -> None:
        self.role.choices = [("", _l("— Choisir un rôle —"))] + [(r.id, r.label) for r in roles]
        self.preferred_expert.choices = [("", _l("Pas d'expert précis"))] + [
            (e.id, e.display_name + " — " + ", ".join(r.label for r in e.roles)) for e in experts
        ]
        self.skills.choices = [(s.id, s.name) for s in skills]
        self._roles = {r.id: r for r in roles}
        self._experts = {e.id: e for e in experts}

    def validate_days(self, field) -> None:
        try:
            self.half_days = parse_request_days(field.data)
        except ValueError:
            self.half_days = None
            raise ValidationError(
                _l("Indiquez un nombre de jours par demi-journées (par exemple 2,5), entre 0,5 et 60 jours.")
            ) from None

    def validate_role(self, field) -> None:
        if field.data is not None and field.data not in self._roles:
            raise ValidationError(_l("Choisissez un rôle de la liste."))
        if field.data is None and self.preferred_expert.data is None:
            raise ValidationError(_l("Choisissez un rôle, ou un expert précis."))

    def validate_preferred_expert(self, field) -> None:
        if field.data is None:
            return
        expert = self._experts.get(field.data)
        if expert is None:
            raise ValidationError(_l("Choisissez un expert de la liste."))
        if not expert.roles:
            raise ValidationError(_l("Cet expert n'a pas encore de rôle : choisissez-en un autre."))
        role = self._roles.get(self.role.data)
        if role is not None and role not in expert.roles:
            # gettext, not a lazy string: lazy strings count as safe HTML in Jinja, and the
            # expert's name and role label must be escaped like any other data.
            raise ValidationError(
                _(
                    "%(name)s n'a pas le rôle « %(role)s » : choisissez un autre expert ou un autre rôle.",
                    name=expert.display_name,
                    role=role.label,
                )
            )

    def validate_skills(self, field) -> None:
        known = {value for value, _label in self.skills.choices}
        if any(value not in known for value in field.data or []):
            raise ValidationError(_l("Choisissez des compétences de la liste."))

    def validate_earliest(self, field) -> None:
        # An edited request keeps its start date even once it has passed; a new date cannot be past.
        if field.data is not None and field.data < self.today and field.data != self.original_earliest:
            raise ValidationError(_l("La date de début ne peut pas être dans le passé."))

    def validate_deadline(self, field) -> None:
        if field.data is None:
            return
        if field.data < self.today:
            raise ValidationError(_l("La date limite ne peut pas être dans le passé."))
        if self.earliest.data is not None and field.data < self.earliest.data:
            raise ValidationError(_l("La date limite doit être postérieure ou égale à la date de début."))
        if field.data > self.today + MAX_WINDOW_AHEAD:
            raise ValidationError(_l("La date limite doit être dans les deux ans qui viennent."))

    def validate_preferred_slots(self, field) -> None:
        slots = {parse_slot_value(value) for value in field.data or []}
        if None in slots:
            raise ValidationError(_l("Choisissez des demi-journées de la liste."))
        if len(slots) > MAX_PREFERRED:
            raise ValidationError(_l("Choisissez au plus %(max)d demi-journées préférées.", max=MAX_PREFERRED))
        start, end = self.earliest.data, self.deadline.data
        if start and end and any(not start <= day <= end for day, _half in slots):
            raise ValidationError(_l("Vos demi-journées préférées doivent être entre les dates de début et de fin."))
        self.preferred_half_days = sorted(slots)

    def validate_address(self, field) -> None:
        if self.place.data == "on_site" and not (field.data or "").strip():
            raise ValidationError(_l("Indiquez l'adresse où l'expert doit venir."))

    def offered_expert(self, expert_id: int | None):
        """The active expert of that id among the form's choices (None for an unknown or inactive one)."""
        return self._experts.get(expert_id)

    def chosen_role_id(self) -> int | None:
        """The role asked for: the chosen one, else the chosen expert's first role."""
        if self.role.data is not None:
            return self.role.data
        expert = self._experts.get(self.preferred_expert.data)
        return expert.roles[0].id if expert is not None and expert.roles else None

    def data_for_service(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip(),
            "role_id": self.chosen_role_id(),
            "preferred_expert_id": self.preferred_expert.data,
            "skill_ids": list(self.skills.data or []),
            "half_days": self.half_days,
            "earliest": self.earliest.data,
            "deadline": self.deadline.data,
            "urgency": self.urgency.data,
            "on_site": self.place.data == "on_site",
            "address": (self.address.data or "").strip(),
            "preferred_half_days": self.preferred_half_days,
        }


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Votre message"),
        validators=[
            DataRequired(_l("Écrivez votre message.")),
            Length(max=TEXT_MAX, message=_l("Le message doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"rows": 3},
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de l'annulation (facultatif)"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("Le motif doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"rows": 2},
    )


class RatingForm(FlaskForm):
    rating = RadioField(
        _l("Votre note"),
        coerce=_optional_int,
        choices=[
            (5, _l("5 — Excellent")),
            (4, _l("4 — Très bien")),
            (3, _l("3 — Bien")),
            (2, _l("2 — Insuffisant")),
            (1, _l("1 — Très insuffisant")),
        ],
        validate_choice=False,
    )
    comment = TextAreaField(
        _l("Commentaire (facultatif)"),
        validators=[
            Optional(),
            Length(max=2000, message=_l("Le commentaire doit compter %(max)d caractères au plus.")),
        ],
        render_kw={"rows": 3},
    )

    def validate_rating(self, field) -> None:
        if field.data not in (1, 2, 3, 4, 5):
            raise ValidationError(_l("Choisissez une note de 1 à 5."))


class QuoteForm(FlaskForm):
    """Accept a new quote (or, for a critical request served first, acknowledge its price).

    `quoted` carries the billable half-days the page showed: a quote that changed meanwhile is shown
    again rather than accepted unseen."""

    quoted = HiddenField()
    accept = BooleanField(
        _l("J'accepte ce devis : ces demi-journées au-delà de mon droit de tirage me seront facturées (hors taxes)."),
        validators=[DataRequired(_l("Cochez cette case pour accepter le devis."))],
    )

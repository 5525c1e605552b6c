"""Form fields shared by the features, with French messages for what WTForms says in English."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import StopValidation, ValidationError

from expertpool.i18n import DaysError, days_input, days_label, parse_days, parse_french_decimal

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the date picker, or typed by hand where there is none


def optional_int(value):
    """Coerce for select fields of ids: the id, or None for an empty, "None" or unreadable choice
    (the field's own validation then says what is missing, in French, instead of WTForms' English)."""
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class WholeNumberField(IntegerField):
    """An integer field whose parse error is a clear sentence (not "Not a valid integer value")."""

    def __init__(self, label=None, validators=None, parse_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse_message = parse_message or _l("Indiquez un nombre entier.")

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        text = str(valuelist[0]).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if not text.lstrip("-").isdigit() or len(text) > 12:
            self.data = None
            raise ValueError(self.parse_message)
        self.data = int(text)


class FrenchDateField(DateField):
    """A date from the picker (2027-03-15) or typed (15/03/2027), with a French error otherwise.

    An empty input leaves `.data` None without an error, so that InputRequired says so, once.
    """

    def __init__(self, label=None, validators=None, format=DATE_FORMATS, parse_message=None, **kwargs):
        super().__init__(label, validators, format=format, **kwargs)
        self.parse_message = parse_message or _l("Date invalide : utilisez le calendrier ou le format jj/mm/aaaa.")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.parse_message) from None


class DaysField(StringField):
    """Days typed with a decimal comma ("2,5"); `.data` is a number of half-days (int) or None."""

    def __init__(self, label=None, validators=None, min_half_days=None, max_half_days=None, allow_zero=True, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.min_half_days, self.max_half_days, self.allow_zero = min_half_days, max_half_days, allow_zero

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return days_input(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        try:
            self.data = parse_days(text)
        except DaysError as exc:
            if exc.not_half_days:
                raise ValueError(_l("Les jours se comptent par demi-journées (0,5).")) from exc
            raise ValueError(_l("Indiquez un nombre de jours, par exemple 2,5.")) from exc

    def pre_validate(self, form):
        if self.data is None:
            # InputRequired lets blanks such as " " through (they parse to nothing); an empty
            # input keeps InputRequired's own message.
            if self.flags.required and self.raw_data and self.raw_data[0] and not self.process_errors:
                raise StopValidation(_l("Indiquez un nombre de jours, par exemple 2,5."))
            return
        if not self.allow_zero and self.data == 0:
            raise ValidationError(_l("La valeur ne peut pas être nulle."))
        if self.min_half_days is not None and self.data < self.min_half_days:
            raise ValidationError(_("Au moins %(days)s.", days=days_label(self.min_half_days)))
        if self.max_half_days is not None and self.data > self.max_half_days:
            raise ValidationError(_("Au plus %(days)s.", days=days_label(self.max_half_days)))


class EurosField(StringField):
    """An amount in euros typed the French way ("1 250,50"); `.data` is in cents (int) or None."""

    def __init__(self, label=None, validators=None, max_cents=2_000_000_000, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_cents = max_cents

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{Decimal(self.data) / 100:.2f}".replace(".", ",")

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().removesuffix("€").strip()
        if not text:
            return
        try:
            value = parse_french_decimal(text)
        except ValueError as exc:
            raise ValueError(_l("Indiquez un montant en euros, par exemple 1 250,50.")) from exc
        cents = value * 100
        if cents != cents.to_integral_value():
            raise ValueError(_l("Deux décimales au plus."))
        self.data = int(cents)

    def pre_validate(self, form):
        if self.data is not None and not 0 <= self.data <= self.max_cents:
            raise ValidationError(_l("Le montant doit être positif et raisonnable."))

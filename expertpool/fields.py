"""Form fields shared by the features, with French messages for what WTForms says in English."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField

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

"""Form fields shared by the features, with French messages for what WTForms says in English."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField


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

"""The reports' filter forms (GET, read-only: the URL of a report can be shared and bookmarked)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, ValidationError

from expertpool.reports.exports import DATASETS


def _optional_int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1  # not a number: refused by the validators with a French message


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField(_l("Période"), coerce=_optional_int, validate_choice=False)

    def set_choices(self, periods) -> None:
        self.period.choices = [(p.id, p.name) for p in periods]

    def validate_period(self, field) -> None:
        if field.data is not None and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choisissez une période de la liste."))


class ExportForm(PeriodForm):
    dataset = SelectField(_l("Données"), choices=list(DATASETS.items()), default="droits")
    fmt = SelectField(
        _l("Format"),
        choices=[("csv", _l("CSV (Excel, séparateur point-virgule)")), ("xlsx", _l("Classeur Excel (XLSX)"))],
        default="csv",
    )
    member = SelectField(_l("Membre"), coerce=_optional_int, validate_choice=False)

    def set_choices(self, periods, members=()) -> None:
        self.period.choices = [("", _l("Toutes les périodes"))] + [(p.id, p.name) for p in periods]
        self.member.choices = [("", _l("Tous les membres"))] + [(m.id, m.name) for m in members]

    def validate_period(self, field) -> None:
        if field.data is not None and field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choisissez une période de la liste."))

    def validate_member(self, field) -> None:
        if field.data is not None and field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(_l("Choisissez un membre de la liste."))

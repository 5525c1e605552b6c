"""What French law asks of the pool's site, shared by the footer, the legal pages, the settings and the
purge: the RGAA conformity status rule, the RGPD retention periods and their month arithmetic."""

from calendar import monthrange
from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext


class Conformity(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


# The wording the RGAA allows a public body (décret 2019-768): totalement, partiellement, non conforme.
CONFORMITY_LABELS = {
    Conformity.FULL: _l("totalement conforme"),
    Conformity.PARTIAL: _l("partiellement conforme"),
    Conformity.NONE: _l("non conforme"),
}
PARTIAL_CONFORMITY_MIN_RATE = 50


def conformity(rate: int | None) -> Conformity:
    """The status the statement declares: 100 % totalement, at least 50 % partiellement, else non
    conforme; no audit entered yet (None) is non conforme."""
    if rate is None:
        return Conformity.NONE
    if rate >= 100:
        return Conformity.FULL
    if rate >= PARTIAL_CONFORMITY_MIN_RATE:
        return Conformity.PARTIAL
    return Conformity.NONE


# Settings field (months) -> what it keeps, in the order the privacy page and the settings form list them.
RETENTION_PERIODS = {
    "retention_sign_in_months": _l("Échecs de connexion et date de dernière connexion"),
    "retention_notifications_months": _l("Notifications"),
    "retention_outbox_months": _l("Courriels envoyés"),
    "retention_closed_requests_months": _l("Messages et textes libres des demandes closes"),
    "retention_audit_months": _l("Journal d'audit et données de facturation"),
}
RETENTION_MONTHS_MAX = 240


def months_before(moment: datetime, months: int) -> datetime:
    """`moment` shifted `months` calendar months back (31 March minus one month is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, monthrange(year, month)[1]))


def duration_label(months: int) -> str:
    """ "6 mois", "1 an", "10 ans": whole years in years."""
    if months % 12 == 0:
        return ngettext("%(num)d an", "%(num)d ans", months // 12)
    return ngettext("%(num)d mois", "%(num)d mois", months)

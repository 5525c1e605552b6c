"""The yearly statement of use ("état annuel des recours", CGCT D.5211-16): its summary, the billing
rule and its CSV, shared by the HTML page and the PDF so that they print the same figures."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from expertpool.i18n import days_label, half_label, money
from expertpool.reports.statement_data import Statement
from expertpool.spreadsheet_datasets import DATE, DAYS, MONEY, csv_text
from expertpool.spreadsheet_safety import csv_writer


@dataclass(frozen=True, slots=True)
class SummaryItem:
    key: str
    label: str
    text: str  # formatted for people (HTML, PDF)
    value: int  # raw: half-days or cents
    kind: str  # spreadsheet_datasets.DAYS or .MONEY
    strong: bool = False


def billing_rule() -> str:
    return _(
        "Règle de facturation : sur la période, les demi-journées réalisées au-delà du droit de tirage "
        "total (droit acquis + report + ajustements) sont facturées au prix unitaire de la demi-journée. "
        "Les demi-journées planifiées mais pas encore réalisées ne sont pas facturées ; les demi-journées "
        "annulées ou non réalisées ne sont ni décomptées ni facturées. Pour une commune rattachée à un EPCI "
        "qui dispose d'une enveloppe intercommunale, les demi-journées réalisées au-delà de son droit propre "
        "sont imputées sur cette enveloppe ; le dépassement de l'enveloppe est facturé à l'EPCI."
    )


def legal_basis() -> str:
    return _(
        "État annuel établi en application de l'article D. 5211-16 du code général des collectivités "
        "territoriales : le remboursement des frais de fonctionnement du service mis à disposition se fait "
        "sur la base d'un coût unitaire multiplié par le nombre d'unités de fonctionnement constaté."
    )


def critical_mention() -> str:
    """How the statement marks the half-days of a critical request (a security incident): served first,
    without waiting for a quote; the member acknowledged the price afterwards."""
    return _("urgence critique — devis après intervention")


def units_times_price(half_days: int, unit_price_cents: int) -> str:
    # French puts 0 and 1 in the singular (as i18n.days_label does).
    return ngettext(
        "%(units)d demi-journée × %(price)s = %(amount)s",
        "%(units)d demi-journées × %(price)s = %(amount)s",
        2 if half_days > 1 else 1,
        units=half_days,
        price=money(unit_price_cents),
        amount=money(half_days * unit_price_cents),
    )


def summary(st: Statement) -> list[SummaryItem]:
    f, b = st.figures, st.figures.balance
    price = st.unit_price_cents
    items = [
        SummaryItem("entitled", _("Droit de tirage acquis"), days_label(b.entitled), b.entitled, DAYS),
        SummaryItem(
            "carried_over", _("Report de la période précédente"), days_label(b.carried_over), b.carried_over, DAYS
        ),
        SummaryItem("adjusted", _("Ajustements"), days_label(b.adjusted), b.adjusted, DAYS),
        SummaryItem("total", _("Droit de tirage total (prévision)"), days_label(b.total), b.total, DAYS, True),
        SummaryItem(
            "delivered",
            _("Recours réalisés (consommation constatée)"),
            days_label(b.delivered),
            b.delivered,
            DAYS,
            True,
        ),
        SummaryItem("planned", _("Planifié, à venir (non facturé)"), days_label(b.planned), b.planned, DAYS),
        SummaryItem("remaining", _("Droit de tirage restant"), days_label(b.remaining), b.remaining, DAYS),
    ]
    if f.parent_envelope is not None:
        items.append(
            SummaryItem(
                "envelope_drawn",
                _("Réalisé au-delà du droit propre, imputé sur l'enveloppe de l'EPCI"),
                days_label(f.delivered_beyond_own),
                f.delivered_beyond_own,
                DAYS,
            )
        )
    if f.envelope is not None:
        e = f.envelope
        items += [
            SummaryItem(
                "envelope_total", _("Enveloppe intercommunale (droit total)"), days_label(e.total), e.total, DAYS
            ),
            SummaryItem(
                "envelope_delivered",
                _("Enveloppe consommée par les communes (réalisé)"),
                days_label(e.delivered),
                e.delivered,
                DAYS,
            ),
            SummaryItem(
                "envelope_billable",
                _("Dépassement de l'enveloppe à facturer"),
                units_times_price(f.envelope_billable_half_days, price),
                f.envelope_billable_half_days * price,
                MONEY,
            ),
        ]
    items += [
        SummaryItem(
            "delivered_value",
            _("Unités réalisées × prix unitaire"),
            units_times_price(b.delivered, price),
            f.delivered_value_cents,
            MONEY,
        ),
        SummaryItem(
            "billable",
            _("Hors droit de tirage à facturer"),
            units_times_price(f.billable_half_days, price),
            f.billed_cents,
            MONEY,
            True,
        ),
        SummaryItem(
            "contribution", _("Contribution annuelle"), money(f.contribution_cents), f.contribution_cents, MONEY
        ),
        SummaryItem(
            "paid",
            _("Total dû pour la période (contribution + hors droit)"),
            money(f.paid_cents),
            f.paid_cents,
            MONEY,
            True,
        ),
    ]
    return items


def to_csv(st: Statement) -> bytes:
    """The statement as CSV for French Excel: the delivered half-days, then the summary."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow([_("État annuel des recours"), st.member.name, st.period.name])
    writer.writerow([])
    writer.writerow(
        [
            _("Date"),
            _("Demi-journée"),
            _("Expert"),
            _("N° demande"),
            _("Demande"),
            _("Unités (demi-journées)"),
            _("Prix unitaire (€)"),
            _("Montant (€)"),
            _("Mention"),
        ]
    )
    for line in st.lines:
        writer.writerow(
            [
                csv_text(line.day, DATE),
                half_label(line.half),
                line.expert,
                line.request_id,
                line.request_title,
                1,
                csv_text(st.unit_price_cents, MONEY),
                csv_text(st.unit_price_cents, MONEY),
                critical_mention() if line.critical else "",
            ]
        )
    writer.writerow([])
    writer.writerow([_("Rubrique"), _("Valeur"), _("Unité")])
    for item in summary(st):
        unit = _("jours") if item.kind == DAYS else _("euros")
        writer.writerow([item.label, csv_text(item.value, item.kind), unit])
    writer.writerow([_("Demi-journées hors droit facturables"), st.figures.billable_half_days, _("demi-journées")])
    writer.writerow([_("Prix unitaire de la demi-journée"), csv_text(st.unit_price_cents, MONEY), _("euros")])
    writer.writerow([])
    writer.writerow([billing_rule()])
    return buffer.getvalue().encode("utf-8-sig")

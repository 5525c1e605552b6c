"""Coordinator exports (members, quotas, requests, bookings, ratings) as CSV for French Excel and as XLSX.

This module builds the datasets (typed columns, rows of raw values); `expertpool/spreadsheet_datasets.py`
writes them, so the CSV and the XLSX of a dataset always hold the same numbers.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import aliased

from expertpool.extensions import db
from expertpool.i18n import half_label
from expertpool.labels import BOOKING_STATUS_LABELS, STATUS_LABELS, TO_RESCHEDULE, URGENCY_LABELS
from expertpool.models import Booking, BookingStatus, Expert, InterventionRequest, Member, QuotaPeriod, Role
from expertpool.reports.member_figures import half_day_value, member_figures
from expertpool.reports.report_periods import period_bounds_utc
from expertpool.spreadsheet_datasets import DATE, DATETIME, DAYS, INT, MONEY, PERCENT, Column, Dataset

DATASETS = {
    "membres": _l("Membres"),
    "droits": _l("Droits de tirage et facturation"),
    "demandes": _l("Demandes"),
    "reservations": _l("Demi-journées réservées"),
    "evaluations": _l("Évaluations"),
}


# --- datasets --------------------------------------------------------------------------------------


def build(name: str, period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    builders = {
        "membres": members,
        "droits": drawing_rights,
        "demandes": requests,
        "reservations": bookings,
        "evaluations": ratings,
    }
    return builders[name](period, member_id)


def members(period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    parent = aliased(Member)
    query = (
        select(
            Member.id,
            Member.name,
            Member.kind,
            Member.insee_code,
            Member.siren,
            Member.population,
            parent.name,
            Member.contribution_cents,
            Member.active,
        )
        .outerjoin(parent, parent.id == Member.parent_id)
        .order_by(Member.name, Member.id)
    )
    if member_id is not None:
        query = query.where(Member.id == member_id)
    rows = [(*row[:8], _("oui") if row[8] else _("non")) for row in db.session.execute(query)]
    columns = [
        Column(_("N°"), INT),
        Column(_("Nom")),
        Column(_("Type")),
        Column(_("Code INSEE")),
        Column(_("SIREN")),
        Column(_("Population"), INT),
        Column(_("EPCI de rattachement")),
        Column(_("Contribution annuelle (€)"), MONEY),
        Column(_("Actif")),
    ]
    return Dataset(_("Membres"), columns, rows)


def drawing_rights(period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    """The same figures as the dashboard and the statements (member_figures.member_figures)."""
    figures = member_figures(period, None if member_id is None else [member_id])
    label = period.name if period else ""
    rows = [
        (
            f.member_id,
            f.name,
            label,
            f.balance.entitled,
            f.balance.carried_over,
            f.balance.adjusted,
            f.balance.total,
            f.balance.planned,
            f.balance.delivered,
            f.balance.approved,
            f.balance.requested,
            f.balance.remaining,
            f.balance.free_after_pending,
            f.balance.from_envelope,
            f.balance.over_quota,
            f.level,
            f.billable_half_days,
            f.unit_price_cents,
            f.billed_cents,
            f.contribution_cents,
            f.paid_cents,
            f.contribution_to_date_cents,
            f.market_value_cents,
            f.savings_cents,
            f.projected_savings_cents,
        )
        for f in figures
    ]
    columns = [
        Column(_("N°"), INT),
        Column(_("Membre")),
        Column(_("Période")),
        Column(_("Droit acquis (jours)"), DAYS),
        Column(_("Report (jours)"), DAYS),
        Column(_("Ajustements (jours)"), DAYS),
        Column(_("Droit de tirage total (jours)"), DAYS),
        Column(_("Planifié (jours)"), DAYS),
        Column(_("Réalisé (jours)"), DAYS),
        Column(_("Accordé, pas encore planifié (jours)"), DAYS),
        Column(_("Demandé, en attente de décision (jours)"), DAYS),
        Column(_("Restant (jours)"), DAYS),
        Column(_("Libre après les demandes en attente (jours)"), DAYS),
        Column(_("Pris sur l'enveloppe de l'EPCI (jours)"), DAYS),
        Column(_("Hors droit de tirage réservé (jours)"), DAYS),
        Column(_("Niveau d'utilisation"), PERCENT),
        Column(_("Hors droit facturable (jours)"), DAYS),
        Column(_("Prix unitaire par demi-journée (€)"), MONEY),
        Column(_("Montant hors droit à facturer (€)"), MONEY),
        Column(_("Contribution (€)"), MONEY),
        Column(_("Total payé (€)"), MONEY),
        Column(_("Contribution au prorata de la période écoulée (€)"), MONEY),
        Column(_("Valeur au prix du marché (€)"), MONEY),
        Column(_("Économie estimée (€)"), MONEY),
        Column(_("Économie projetée sur la période (€)"), MONEY),
    ]
    return Dataset(_("Droits de tirage"), columns, rows)


def _in_period(column, period: QuotaPeriod | None):
    if period is None:
        return true()
    start, end = period_bounds_utc(period)
    return (column >= start) & (column < end)


def requests(period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    """Requests submitted in the period (created, for drafts), with their booked half-days."""

    def count_of(status):
        return func.sum(case((Booking.status == status, 1), else_=0))

    counts = (
        select(
            Booking.request_id,
            count_of(BookingStatus.PLANNED).label("planned"),
            count_of(BookingStatus.DELIVERED).label("delivered"),
        )
        .group_by(Booking.request_id)
        .subquery()
    )
    r = InterventionRequest
    query = (
        select(
            r.id,
            Member.name,
            r.title,
            Role.label,
            r.status,
            r.urgency,
            r.half_days,
            r.approved_half_days,
            r.over_quota_half_days,
            r.submitted_at,
            r.decided_at,
            r.completed_at,
            func.coalesce(counts.c.planned, 0),
            func.coalesce(counts.c.delivered, 0),
            r.rating,
        )
        .join(Member, Member.id == r.member_id)
        .join(Role, Role.id == r.role_id)
        .outerjoin(counts, counts.c.request_id == r.id)
        .where(_in_period(func.coalesce(r.submitted_at, r.created_at), period))
        .order_by(r.id)
    )
    if member_id is not None:
        query = query.where(r.member_id == member_id)
    rows = [
        (
            *row[:4],
            str(STATUS_LABELS.get(row[4], row[4])),
            str(URGENCY_LABELS.get(row[5], row[5])),
            *row[6:12],
            int(row[12]),
            int(row[13]),
            row[14],
        )
        for row in db.session.execute(query)
    ]
    columns = [
        Column(_("N°"), INT),
        Column(_("Membre")),
        Column(_("Titre")),
        Column(_("Rôle")),
        Column(_("Statut")),
        Column(_("Urgence")),
        Column(_("Demandé (jours)"), DAYS),
        Column(_("Accordé (jours)"), DAYS),
        Column(_("Hors droit à l'accord (jours)"), DAYS),
        Column(_("Envoyée le"), DATETIME),
        Column(_("Décidée le"), DATETIME),
        Column(_("Terminée le"), DATETIME),
        Column(_("Planifié (jours)"), DAYS),
        Column(_("Réalisé (jours)"), DAYS),
        Column(_("Note"), INT),
    ]
    return Dataset(_("Demandes"), columns, rows)


def bookings(period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    query = (
        select(
            Booking.id,
            Booking.date,
            Booking.half,
            Expert.display_name,
            Member.id,
            Member.name,
            InterventionRequest.id,
            InterventionRequest.title,
            Booking.status,
            Expert.day_rate_cents,
            Booking.to_reschedule,
        )
        .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
        .join(Member, Member.id == InterventionRequest.member_id)
        .join(Expert, Expert.id == Booking.expert_id)
        .order_by(Booking.date, case((Booking.half == "am", 0), else_=1), Booking.expert_id, Booking.id)
    )
    if period is not None:
        query = query.where(Booking.date >= period.start_date, Booking.date <= period.end_date)
    if member_id is not None:
        query = query.where(InterventionRequest.member_id == member_id)
    rows = []
    for row in db.session.execute(query):
        delivered = row.status == BookingStatus.DELIVERED
        state = TO_RESCHEDULE if row.status == BookingStatus.PLANNED and row.to_reschedule else row[8]
        status = str(BOOKING_STATUS_LABELS.get(state, state))
        rows.append(
            (row[0], row[1], half_label(row[2]), *row[3:8], status, row[9], half_day_value(row[9]) if delivered else 0)
        )
    columns = [
        Column(_("N°"), INT),
        Column(_("Date"), DATE),
        Column(_("Demi-journée")),
        Column(_("Expert")),
        Column(_("N° membre"), INT),
        Column(_("Membre")),
        Column(_("N° demande"), INT),
        Column(_("Demande")),
        Column(_("Statut")),
        Column(_("Tarif journalier de référence de l'expert (€)"), MONEY),
        Column(_("Valeur au prix du marché si réalisée (€)"), MONEY),
    ]
    return Dataset(_("Réservations"), columns, rows)


def ratings(period: QuotaPeriod | None, member_id: int | None) -> Dataset:
    r = InterventionRequest
    query = (
        select(r.id, Member.name, r.title, r.rating, r.rating_comment, r.rated_at)
        .join(Member, Member.id == r.member_id)
        .where(r.rating.is_not(None), _in_period(r.rated_at, period))
        .order_by(r.rated_at, r.id)
    )
    if member_id is not None:
        query = query.where(r.member_id == member_id)
    rows = [tuple(row) for row in db.session.execute(query)]
    columns = [
        Column(_("N° demande"), INT),
        Column(_("Membre")),
        Column(_("Demande")),
        Column(_("Note (1 à 5)"), INT),
        Column(_("Commentaire")),
        Column(_("Évaluée le"), DATETIME),
    ]
    return Dataset(_("Évaluations"), columns, rows)


def filename(name: str, period: QuotaPeriod | None, member_id: int | None, fmt: str) -> str:
    parts = ["expertpool", name]
    if period is not None:
        parts.append(period.start_date.strftime("%Y-%m-%d"))
    if member_id is not None:
        parts.append(f"membre-{member_id}")
    return "-".join(parts) + "." + fmt

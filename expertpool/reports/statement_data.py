"""The yearly statement's data: every delivered half-day of a member in a period, grouped into
interventions as the statement reads them, with the member's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, select

from expertpool.calendars import public_holidays
from expertpool.extensions import db
from expertpool.interventions import Intervention, group_interventions, pattern_half_days
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    QuotaPeriod,
    Urgency,
)
from expertpool.models.expert import week_bit
from expertpool.reports.member_figures import MemberFigures, member_figures


@dataclass(frozen=True, slots=True)
class StatementLine:
    day: date
    half: str
    expert: str
    request_id: int
    request_title: str
    day_rate_cents: int
    critical: bool = False  # a critical request: served first, its price acknowledged after (issue 19)


@dataclass(frozen=True, slots=True)
class StatementIntervention:
    run: Intervention
    expert: str
    request_title: str
    critical: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    member: Member
    period: QuotaPeriod
    figures: MemberFigures
    lines: list[StatementLine]  # every delivered half-day (the CSV)
    interventions: list[StatementIntervention]  # the same half-days as the statement reads them

    @property
    def unit_price_cents(self) -> int:
        return self.figures.unit_price_cents


def build_statement(member: Member, period: QuotaPeriod) -> Statement:
    """The 'état annuel des recours' (CGCT D.5211-16): every delivered half-day and the bill."""
    figures = member_figures(period, [member.id])[0]
    rows = db.session.execute(
        select(
            Booking.date,
            Booking.half,
            Expert.display_name,
            InterventionRequest.id,
            InterventionRequest.title,
            Expert.day_rate_cents,
            Booking.expert_id,
            Expert.week_mask,
            InterventionRequest.urgency,
        )
        .join(InterventionRequest, InterventionRequest.id == Booking.request_id)
        .join(Expert, Expert.id == Booking.expert_id)
        .where(
            InterventionRequest.member_id == member.id,
            Booking.status == BookingStatus.DELIVERED,
            Booking.date >= period.start_date,
            Booking.date <= period.end_date,
        )
        .order_by(Booking.date, case((Booking.half == "am", 0), else_=1), Booking.id)
    ).all()
    lines = [StatementLine(*row[:6], critical=row.urgency == Urgency.CRITICAL) for row in rows]
    critical = {row.id for row in rows if row.urgency == Urgency.CRITICAL}
    region = PoolSettings.load(db.session).holidays_region
    works = pattern_half_days(
        {row.expert_id: row.week_mask for row in rows},
        public_holidays(region, period.start_date, period.end_date),
        week_bit,
    )
    slots = [_DeliveredHalfDay(row.id, row.expert_id, row.date, row.half, row.display_name, row.title) for row in rows]
    described = {(s.request_id, s.expert_id): s for s in slots}
    interventions = []
    for run in group_interventions(slots, works):
        about = described[(run.request_id, run.expert_id)]
        interventions.append(StatementIntervention(run, about.expert, about.request_title, run.request_id in critical))
    return Statement(member, period, figures, lines, interventions)


@dataclass(frozen=True, slots=True)
class _DeliveredHalfDay:
    request_id: int
    expert_id: int
    date: date
    half: str
    expert: str
    request_title: str

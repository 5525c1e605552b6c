"""The numbers of every report, computed once by aggregate queries and shared by the dashboard, the
statements and the exports, so that no two of them can disagree.

Quantities are half-days (int) and money euro cents (int), as everywhere in the app. The query count of
each function is constant: it never grows with the number of members, experts or bookings.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select

from expertpool.calendars import days, public_holidays, working_half_days
from expertpool.extensions import db
from expertpool.interventions import Intervention, group_interventions, pattern_half_days
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    PoolSettings,
    Quota,
    QuotaPeriod,
    RequestStatus,
    Role,
    Unavailability,
    Urgency,
)
from expertpool.models.expert import week_bit
from expertpool.quotas import Position, is_over_quota, period_for, positions, unit_price_cents
from expertpool.timeutil import PARIS, monday_of, today_paris

HOLDING = (BookingStatus.PLANNED, BookingStatus.DELIVERED)


# --- periods ---------------------------------------------------------------------------------------


def all_periods() -> list[QuotaPeriod]:
    return list(db.session.scalars(select(QuotaPeriod).order_by(QuotaPeriod.start_date.desc())))


def default_period(periods: list[QuotaPeriod], today: date) -> QuotaPeriod | None:
    """The period containing today, else the latest one (periods are listed newest first)."""
    for period in periods:
        if period.contains(today):
            return period
    return periods[0] if periods else None


def period_bounds_utc(period: QuotaPeriod) -> tuple[datetime, datetime]:
    """[start, end) of the period as aware UTC instants: the period's days are Paris days."""
    start = datetime.combine(period.start_date, time(0), tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(period.end_date + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)
    return start, end


def current_period(today: date | None = None) -> QuotaPeriod | None:
    return period_for(today or today_paris())


# --- drawing rights, billing and savings per member -----------------------------------------------


def half_day_value(day_rate_cents_sum: int) -> int:
    """Market value of half-days whose experts' day rates add up to `day_rate_cents_sum` (a half-day
    is half a day), rounded half up to the cent."""
    return (day_rate_cents_sum + 1) // 2


def elapsed_fraction(period: QuotaPeriod | None, today: date | None) -> float:
    """Share of the period's days gone by `today` (today included), between 0 and 1."""
    if period is None:
        return 0.0
    today = today or today_paris()
    length = (period.end_date - period.start_date).days + 1
    gone = (min(today, period.end_date) - period.start_date).days + 1
    return min(1.0, max(0.0, gone / length))


class SavingsToDate:
    """The savings rule a board can defend, for a member and for the pool: market value of the half-days
    delivered in the period − (contributions × share of the period elapsed + what was billed)."""

    __slots__ = ()

    @property
    def paid_to_date_cents(self) -> int:
        return self.contribution_to_date_cents + self.billed_cents

    @property
    def savings_cents(self) -> int:
        return self.market_value_cents - self.paid_to_date_cents

    @property
    def projected_savings_cents(self) -> int | None:
        """The whole period at the pace so far (None before the period starts)."""
        return None if self.elapsed <= 0 else round(self.savings_cents / self.elapsed)


@dataclass(frozen=True, slots=True)
class MemberFigures(SavingsToDate):
    """One member's use of its drawing right in a period, its bill and what the pool saved it."""

    member_id: int
    name: str
    kind: str
    contribution_cents: int
    balance: Position
    unit_price_cents: int
    # Delivered half-days valued at each expert's reference market day rate.
    market_value_cents: int = 0
    # A commune whose EPCI holds an envelope: its use beyond its own right draws on that envelope.
    parent_envelope: Position | None = None
    # An EPCI holding an envelope: what its communes drew on it.
    envelope: Position | None = None
    # Share of the period elapsed: the contribution is counted pro rata for the savings to date.
    elapsed: float = 1.0

    @property
    def used(self) -> int:
        return self.balance.used

    @property
    def is_over_quota(self) -> bool:
        return is_over_quota(self.balance, self.envelope)

    @property
    def is_unused(self) -> bool:
        return self.balance.used == 0

    @property
    def level(self) -> float | None:
        return self.balance.level

    @property
    def delivered_beyond_own(self) -> int:
        return self.balance.delivered - self.balance.delivered_split.own

    @property
    def envelope_billable_half_days(self) -> int:
        """Delivered half-days the communes drew beyond the EPCI's envelope: billed to the EPCI."""
        return 0 if self.envelope is None else self.envelope.delivered_over_quota

    @property
    def billable_half_days(self) -> int:
        """The billing rule: delivered half-days beyond the drawing right are billable; a commune's
        are charged to its EPCI's envelope instead, and the EPCI pays what exceeds it."""
        own = 0 if self.parent_envelope is not None else self.balance.delivered_over_quota
        return own + self.envelope_billable_half_days

    @property
    def billed_cents(self) -> int:
        return self.billable_half_days * self.unit_price_cents

    @property
    def delivered_value_cents(self) -> int:
        """Delivered units × the pool's unit price (what the statement converts use to)."""
        return self.balance.delivered * self.unit_price_cents

    @property
    def paid_cents(self) -> int:
        return self.contribution_cents + self.billed_cents

    @property
    def contribution_to_date_cents(self) -> int:
        return round(self.contribution_cents * self.elapsed)


@dataclass(frozen=True, slots=True)
class PoolTotals(SavingsToDate):
    members: int
    entitled: int
    planned: int
    delivered: int
    remaining: int
    over_quota_members: int
    unused_members: int
    billable_half_days: int
    billed_cents: int
    contribution_cents: int
    paid_cents: int
    market_value_cents: int
    contribution_to_date_cents: int = 0
    elapsed: float = 1.0


def member_figures(
    period: QuotaPeriod | None, member_ids: list[int] | None = None, today: date | None = None
) -> list[MemberFigures]:
    """Figures of the active members (and of any member holding a quota in the period), by name."""
    query = select(Member.id, Member.name, Member.kind, Member.contribution_cents, Member.parent_id).order_by(
        Member.name, Member.id
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(member_ids))
    elif period is not None:
        has_quota = select(Quota.member_id).where(Quota.period_id == period.id)
        query = query.where(or_(Member.active.is_(True), Member.id.in_(has_quota)))
    else:
        query = query.where(Member.active.is_(True))
    members = db.session.execute(query).all()
    ids = [row.id for row in members]
    result = positions(ids, period)
    values = market_values(period, None if member_ids is None else ids)
    price = unit_price_cents()
    elapsed = elapsed_fraction(period, today)
    return [
        MemberFigures(
            member_id=row.id,
            name=row.name,
            kind=row.kind,
            contribution_cents=row.contribution_cents,
            balance=result.members[row.id],
            unit_price_cents=price,
            market_value_cents=half_day_value(values.get(row.id, 0)),
            parent_envelope=result.envelopes.get(row.parent_id),
            envelope=result.envelopes.get(row.id),
            elapsed=elapsed,
        )
        for row in members
    ]


def market_values(period: QuotaPeriod | None, member_ids: list[int] | None = None) -> dict[int, int]:
    """{member_id: sum of the day rates of its delivered half-days in the period} (one query)."""
    if period is None:
        return {}
    query = (
        select(InterventionRequest.member_id, func.sum(Expert.day_rate_cents))
        .join(Booking, Booking.request_id == InterventionRequest.id)
        .join(Expert, Expert.id == Booking.expert_id)
        .where(
            Booking.status == BookingStatus.DELIVERED,
            Booking.date >= period.start_date,
            Booking.date <= period.end_date,
        )
        .group_by(InterventionRequest.member_id)
    )
    if member_ids is not None:
        query = query.where(InterventionRequest.member_id.in_(member_ids))
    return {member_id: int(total or 0) for member_id, total in db.session.execute(query)}


def pool_totals(figures: list[MemberFigures]) -> PoolTotals:
    return PoolTotals(
        members=len(figures),
        entitled=sum(f.balance.total for f in figures),
        planned=sum(f.balance.planned for f in figures),
        delivered=sum(f.balance.delivered for f in figures),
        remaining=sum(f.balance.remaining for f in figures),
        over_quota_members=sum(1 for f in figures if f.is_over_quota),
        unused_members=sum(1 for f in figures if f.is_unused),
        billable_half_days=sum(f.billable_half_days for f in figures),
        billed_cents=sum(f.billed_cents for f in figures),
        contribution_cents=sum(f.contribution_cents for f in figures),
        paid_cents=sum(f.paid_cents for f in figures),
        market_value_cents=sum(f.market_value_cents for f in figures),
        contribution_to_date_cents=sum(f.contribution_to_date_cents for f in figures),
        elapsed=figures[0].elapsed if figures else 1.0,
    )


SORT_KEYS = {
    "name": lambda f: (f.name.casefold(), f.member_id),
    "entitled": lambda f: (f.balance.total, f.name.casefold()),
    "planned": lambda f: (f.balance.planned, f.name.casefold()),
    "delivered": lambda f: (f.balance.delivered, f.name.casefold()),
    "remaining": lambda f: (f.balance.remaining, f.name.casefold()),
    "level": lambda f: (-1.0 if f.level is None else f.level, f.name.casefold()),
    "savings": lambda f: (f.savings_cents, f.name.casefold()),
}


def sort_figures(figures: list[MemberFigures], key: str, descending: bool) -> list[MemberFigures]:
    return sorted(figures, key=SORT_KEYS.get(key, SORT_KEYS["name"]), reverse=descending)


# --- fairness --------------------------------------------------------------------------------------


def jain_index(values: list[float]) -> float | None:
    """Jain's fairness index (Σx)² / (n·Σx²): 1 when every level is equal, 1/n when one takes all."""
    squares = sum(v * v for v in values)
    if not values or squares == 0:
        return None
    return sum(values) ** 2 / (len(values) * squares)


@dataclass(frozen=True, slots=True)
class Fairness:
    levels: dict[int, float]  # member_id -> used / total, for members holding a drawing right
    jain: float | None
    bands: list[tuple[str, int]]  # (band label key, members)

    @property
    def mean_level(self) -> float | None:
        return statistics.fmean(self.levels.values()) if self.levels else None


def fairness(figures: list[MemberFigures]) -> Fairness:
    levels = {f.member_id: f.level for f in figures if f.level is not None}
    counts = dict.fromkeys(("0", "0-25", "25-50", "50-75", "75-100", "100+"), 0)
    for level in levels.values():
        counts[_band(level)] += 1
    return Fairness(levels=levels, jain=jain_index(list(levels.values())), bands=list(counts.items()))


def _band(level: float) -> str:
    if level == 0:
        return "0"
    if level > 1:
        return "100+"
    if level <= 0.25:
        return "0-25"
    if level <= 0.5:
        return "25-50"
    if level <= 0.75:
        return "50-75"
    return "75-100"


# --- expert utilisation ----------------------------------------------------------------------------


@dataclass(slots=True)
class UtilisationRow:
    label_date: date  # the Monday of the week, or unused for experts
    working: int = 0
    booked: int = 0
    name: str = ""

    @property
    def rate(self) -> float | None:
        return None if self.working == 0 else self.booked / self.working


@dataclass(frozen=True, slots=True)
class Utilisation:
    weeks: list[UtilisationRow]
    experts: list[UtilisationRow]
    working: int
    booked: int

    @property
    def rate(self) -> float | None:
        return None if self.working == 0 else self.booked / self.working


@dataclass(frozen=True, slots=True)
class _ExpertWeek:
    """What `calendars.working_half_days` needs of an expert, without the ORM."""

    id: int
    display_name: str
    week_mask: int

    def works(self, weekday: int, half: str) -> bool:
        return bool(self.week_mask & week_bit(weekday, half))


@dataclass(frozen=True, slots=True)
class _Absences:
    """All of an expert's unavailabilities as one set of (day, half or None for the whole day)."""

    halves: set = field(default_factory=set)

    def add(self, start: date, end: date, half: str | None, period_start: date, period_end: date) -> None:
        day = max(start, period_start)
        while day <= min(end, period_end):
            self.halves.add((day, half))
            day += timedelta(days=1)

    def taken_off(self, slots: frozenset) -> set:
        """The half-days of `slots` (working half-days) these unavailabilities cover."""
        return {
            (day, half)
            for day, half_or_whole in self.halves
            for half in (("am", "pm") if half_or_whole is None else (half_or_whole,))
            if (day, half) in slots
        }


def utilisation(period: QuotaPeriod | None, region: str) -> Utilisation:
    """Booked half-days (planned + delivered) over working half-days, per week and per active expert."""
    if period is None:
        return Utilisation([], [], 0, 0)
    start, end = period.start_date, period.end_date
    # Plain rows, not ORM objects: the calendar tests every half-day of the year for every expert, and
    # instrumented attribute access would make that the slowest part of the dashboard.
    experts = [
        _ExpertWeek(*row)
        for row in db.session.execute(
            select(Expert.id, Expert.display_name, Expert.week_mask)
            .where(Expert.active.is_(True))
            .order_by(Expert.display_name, Expert.id)
        )
    ]
    absences: dict[int, _Absences] = defaultdict(_Absences)
    for expert_id, first, last, half in db.session.execute(
        select(Unavailability.expert_id, Unavailability.start_date, Unavailability.end_date, Unavailability.half)
        .join(Expert, Expert.id == Unavailability.expert_id)
        .where(Expert.active.is_(True), Unavailability.end_date >= start, Unavailability.start_date <= end)
    ):
        absences[expert_id].add(first, last, half, start, end)
    weeks: dict[date, UtilisationRow] = {}
    monday = monday_of(start)
    while monday <= end:
        weeks[monday] = UtilisationRow(monday)
        monday += timedelta(days=7)
    week_of = {day: weeks[monday_of(day)] for day in days(start, end)}
    per_expert = {e.id: UtilisationRow(start, name=e.display_name) for e in experts}
    # The calendar rule is calendars.working_half_days': it is asked once per weekly pattern (a pool has a
    # handful), and each expert's unavailability then takes its half-days off that pattern's calendar,
    # instead of testing every half-day of the year for every expert.
    pattern_slots: dict[int, frozenset] = {}
    for expert in experts:
        if expert.week_mask not in pattern_slots:
            pattern_slots[expert.week_mask] = frozenset(working_half_days(expert, start, end, region, []))
        slots = pattern_slots[expert.week_mask]
        away = absences[expert.id].taken_off(slots) if expert.id in absences else set()
        per_expert[expert.id].working = len(slots) - len(away)
        for day, _half in away:
            week_of[day].working -= 1
    experts_per_pattern = Counter(expert.week_mask for expert in experts)
    for mask, slots in pattern_slots.items():
        for day, _half in slots:
            week_of[day].working += experts_per_pattern[mask]
    active = select(Expert.id).where(Expert.active.is_(True))
    held = (Booking.status.in_(HOLDING), Booking.date >= start, Booking.date <= end, Booking.expert_id.in_(active))
    for day, count in db.session.execute(select(Booking.date, func.count()).where(*held).group_by(Booking.date)):
        week_of[day].booked += count
    for expert_id, count in db.session.execute(
        select(Booking.expert_id, func.count()).where(*held).group_by(Booking.expert_id)
    ):
        per_expert[expert_id].booked = count
    rows = list(per_expert.values())
    return Utilisation(list(weeks.values()), rows, sum(r.working for r in rows), sum(r.booked for r in rows))


# --- backlog, lead time, satisfaction --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BacklogRow:
    role: str
    requests: int
    granted: int
    booked: int

    @property
    def unscheduled(self) -> int:
        return max(0, self.granted - self.booked)


def backlog() -> list[BacklogRow]:
    """Approved requests' half-days not yet booked, by role: a snapshot of today, not of a period."""
    approved = InterventionRequest.status == RequestStatus.APPROVED
    granted_half_days = InterventionRequest.granted_half_days
    granted = {
        role_id: (int(n), int(total or 0))
        for role_id, n, total in db.session.execute(
            select(InterventionRequest.role_id, func.count(), func.sum(granted_half_days))
            .where(approved)
            .group_by(InterventionRequest.role_id)
        )
    }
    booked = dict(
        db.session.execute(
            select(InterventionRequest.role_id, func.count(Booking.id))
            .join(Booking, Booking.request_id == InterventionRequest.id)
            .where(approved, Booking.status.in_(HOLDING))
            .group_by(InterventionRequest.role_id)
        ).all()
    )
    rows = []
    for role_id, label in db.session.execute(select(Role.id, Role.label).order_by(Role.label)):
        requests, total = granted.get(role_id, (0, 0))
        rows.append(BacklogRow(label, requests, total, int(booked.get(role_id, 0))))
    return rows


@dataclass(frozen=True, slots=True)
class LeadTime:
    requests: int
    median_days: float | None
    mean_days: float | None


def lead_time(period: QuotaPeriod | None) -> LeadTime:
    """Days from submission (Paris date) to the first booked half-day, for the period's requests."""
    if period is None:
        return LeadTime(0, None, None)
    start, end = period_bounds_utc(period)
    rows = db.session.execute(
        select(InterventionRequest.submitted_at, func.min(Booking.date))
        .join(Booking, Booking.request_id == InterventionRequest.id)
        .where(
            InterventionRequest.submitted_at >= start,
            InterventionRequest.submitted_at < end,
            Booking.status.in_(HOLDING),
        )
        .group_by(InterventionRequest.id, InterventionRequest.submitted_at)
    ).all()
    days = [max(0, (first - _as_utc(submitted).astimezone(PARIS).date()).days) for submitted, first in rows]
    if not days:
        return LeadTime(0, None, None)
    return LeadTime(len(days), float(statistics.median(days)), statistics.fmean(days))


def _as_utc(value: datetime) -> datetime:
    # Aggregates bypass the column type on SQLite, which then returns naive UTC datetimes.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass(frozen=True, slots=True)
class Satisfaction:
    counts: dict[int, int] = field(default_factory=dict)  # rating 1..5 -> requests

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        return None if not self.rated else sum(r * n for r, n in self.counts.items()) / self.rated

    @property
    def good_share(self) -> float | None:
        """Share of ratings 4 or 5."""
        return None if not self.rated else (self.counts[4] + self.counts[5]) / self.rated


def satisfaction(period: QuotaPeriod | None, member_id: int | None = None) -> Satisfaction:
    """Ratings given during the period (rated_at), by value."""
    counts = dict.fromkeys(range(1, 6), 0)
    if period is None:
        return Satisfaction(counts)
    start, end = period_bounds_utc(period)
    query = (
        select(InterventionRequest.rating, func.count())
        .where(
            InterventionRequest.rating.is_not(None),
            InterventionRequest.rated_at >= start,
            InterventionRequest.rated_at < end,
        )
        .group_by(InterventionRequest.rating)
    )
    if member_id is not None:
        query = query.where(InterventionRequest.member_id == member_id)
    for rating, count in db.session.execute(query):
        counts[int(rating)] = int(count)
    return Satisfaction(counts)


# --- the yearly statement of one member ------------------------------------------------------------


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


def statement(member: Member, period: QuotaPeriod) -> Statement:
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


def member_history(member_id: int, periods: list[QuotaPeriod]) -> list[tuple[QuotaPeriod, MemberFigures]]:
    """The member's figures in every period (a handful of periods: a constant number of queries each)."""
    return [(period, member_figures(period, [member_id])[0]) for period in periods]


def member_ratings(member_id: int) -> list[InterventionRequest]:
    return list(
        db.session.scalars(
            select(InterventionRequest)
            .where(InterventionRequest.member_id == member_id, InterventionRequest.rating.is_not(None))
            .order_by(InterventionRequest.rated_at.desc(), InterventionRequest.id.desc())
        )
    )


# --- the whole dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dashboard:
    period: QuotaPeriod | None
    figures: list[MemberFigures]
    totals: PoolTotals
    fairness: Fairness
    utilisation: Utilisation
    backlog: list[BacklogRow]
    lead_time: LeadTime
    satisfaction: Satisfaction
    unit_price_cents: int


def dashboard(period: QuotaPeriod | None) -> Dashboard:
    settings = PoolSettings.load(db.session)
    figures = member_figures(period)
    return Dashboard(
        period=period,
        figures=figures,
        totals=pool_totals(figures),
        fairness=fairness(figures),
        utilisation=utilisation(period, settings.holidays_region),
        backlog=backlog(),
        lead_time=lead_time(period),
        satisfaction=satisfaction(period),
        unit_price_cents=settings.unit_price_cents,
    )

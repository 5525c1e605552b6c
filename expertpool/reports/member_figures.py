"""Each member's use of its drawing right in a period, its bill and what the pool saved it: the figures
the dashboard, the statements and the exports share, so that no two of them can disagree.

Quantities are half-days (int) and money euro cents (int), as everywhere in the app. The query count of
each function is constant: it never grows with the number of members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, or_, select

from expertpool import position_store
from expertpool.extensions import db
from expertpool.list_page import ListPage
from expertpool.models import (
    Booking,
    BookingStatus,
    Expert,
    InterventionRequest,
    Member,
    Quota,
    QuotaKind,
    QuotaPeriod,
    StoredPosition,
)
from expertpool.quotas import Position, billable_half_days, is_over_quota, positions, unit_price_cents
from expertpool.timeutil import today_paris


def half_day_value(day_rate_cents_sum):
    """Market value of half-days whose experts' day rates add up to `day_rate_cents_sum` (a half-day
    is half a day), rounded half up to the cent. Also a SQL expression of an integer column (floor
    division on both databases), to sum it over the pool."""
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
    def billed_cents(self) -> int:
        """The billable half-days at the pool's unit price."""
        return self.billable_half_days * self.unit_price_cents

    @property
    def paid_cents(self) -> int:
        return self.contribution_cents + self.billed_cents

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
        """The billing rule (quotas.billable_half_days)."""
        return billable_half_days(self.balance, self.envelope)

    @property
    def delivered_value_cents(self) -> int:
        """Delivered units × the pool's unit price (what the statement converts use to)."""
        return self.balance.delivered * self.unit_price_cents

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
    contribution_cents: int
    market_value_cents: int
    unit_price_cents: int  # billed and paid amounts derive from it (SavingsToDate), as a member's do
    contribution_to_date_cents: int = 0
    elapsed: float = 1.0


def _included(period: QuotaPeriod | None):
    """The members the reports list: the active ones, and any member holding a quota in the period."""
    if period is None:
        return Member.active.is_(True)
    has_quota = select(Quota.member_id).where(Quota.period_id == period.id)
    return or_(Member.active.is_(True), Member.id.in_(has_quota))


def member_figures(
    period: QuotaPeriod | None, member_ids: list[int] | None = None, today: date | None = None
) -> list[MemberFigures]:
    """Figures of the active members (and of any member holding a quota in the period), by name."""
    query = select(Member.id, Member.name, Member.kind, Member.contribution_cents, Member.parent_id).order_by(
        Member.name, Member.id
    )
    query = query.where(Member.id.in_(member_ids) if member_ids is not None else _included(period))
    members = db.session.execute(query).all()
    ids = [row.id for row in members]
    result = positions(ids, period)
    values = market_values(period, None if member_ids is None else ids)
    return _figures(members, result.members, result.envelopes, values, period, today)


def _figures(members, balances, envelopes, values, period, today) -> list[MemberFigures]:
    price = unit_price_cents()
    elapsed = elapsed_fraction(period, today)
    return [
        MemberFigures(
            member_id=row.id,
            name=row.name,
            kind=row.kind,
            contribution_cents=row.contribution_cents,
            balance=balances[row.id],
            unit_price_cents=price,
            market_value_cents=half_day_value(values.get(row.id, 0)),
            parent_envelope=envelopes.get(row.parent_id),
            envelope=envelopes.get(row.id),
            elapsed=elapsed,
        )
        for row in members
    ]


def _market_query(period: QuotaPeriod):
    """(member_id, rates): the sum of the day rates of each member's delivered half-days in the period."""
    return (
        select(InterventionRequest.member_id.label("member_id"), func.sum(Expert.day_rate_cents).label("rates"))
        .join(Booking, Booking.request_id == InterventionRequest.id)
        .join(Expert, Expert.id == Booking.expert_id)
        .where(
            Booking.status == BookingStatus.DELIVERED,
            Booking.date >= period.start_date,
            Booking.date <= period.end_date,
        )
        .group_by(InterventionRequest.member_id)
    )


def market_values(period: QuotaPeriod | None, member_ids: list[int] | None = None) -> dict[int, int]:
    """{member_id: sum of the day rates of its delivered half-days in the period} (one query)."""
    if period is None:
        return {}
    query = _market_query(period)
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
        contribution_cents=sum(f.contribution_cents for f in figures),
        market_value_cents=sum(f.market_value_cents for f in figures),
        unit_price_cents=figures[0].unit_price_cents if figures else unit_price_cents(),
        contribution_to_date_cents=sum(f.contribution_to_date_cents for f in figures),
        elapsed=figures[0].elapsed if figures else 1.0,
    )


# --- the whole pool from the stored positions (SQL aggregates: the dashboard) --------------------------

STORED = StoredPosition.__table__


def stored_members(period: QuotaPeriod):
    """The listed members joined to their stored own-right row of the period."""
    own = STORED.c
    return (
        select()
        .select_from(Member)
        .join(
            STORED,
            (own.member_id == Member.id) & (own.period_id == period.id) & (own.kind == QuotaKind.OWN),
        )
        .where(_included(period))
    )


def stored_totals(period: QuotaPeriod, today: date | None = None) -> PoolTotals:
    """`pool_totals` of every listed member, from the stored positions: SQL sums, counts and two small
    GROUP BYs for the figures each member rounds (its pro-rata contribution, its market value)."""
    position_store.refresh(db.session)
    c = STORED.c
    members = stored_members(period)
    row = db.session.execute(
        members.add_columns(
            func.count(),
            func.coalesce(func.sum(c.total), 0),
            func.coalesce(func.sum(c.planned), 0),
            func.coalesce(func.sum(c.delivered), 0),
            func.coalesce(func.sum(c.remaining), 0),
            func.coalesce(func.sum(case((c.is_over_quota, 1), else_=0)), 0),
            func.coalesce(func.sum(case((c.used == 0, 1), else_=0)), 0),
            func.coalesce(func.sum(c.billable), 0),
            func.coalesce(func.sum(Member.contribution_cents), 0),
        )
    ).one()
    n, entitled, planned, delivered, remaining, over, unused, billable, contribution = (int(v) for v in row)
    elapsed = elapsed_fraction(period, today)
    to_date = sum(
        round(cents * elapsed) * count
        for cents, count in db.session.execute(
            members.add_columns(Member.contribution_cents, func.count()).group_by(Member.contribution_cents)
        )
    )
    market = _market_query(period).subquery()
    market_value = db.session.scalar(
        members.join(market, market.c.member_id == Member.id).add_columns(func.sum(half_day_value(market.c.rates)))
    )
    return PoolTotals(
        members=n,
        entitled=entitled,
        planned=planned,
        delivered=delivered,
        remaining=remaining,
        over_quota_members=over,
        unused_members=unused,
        billable_half_days=billable,
        contribution_cents=contribution,
        market_value_cents=int(market_value or 0),
        unit_price_cents=unit_price_cents(),
        contribution_to_date_cents=to_date,
        elapsed=elapsed,
    )


def _name_key():
    """Names in the order of Python's str.casefold (code points), on both databases."""
    name = func.lower(Member.name)
    return name.collate("C") if db.session.get_bind().dialect.name == "postgresql" else name


def stored_page(
    period: QuotaPeriod,
    *,
    sort: str,
    descending: bool,
    show: str,
    page: int,
    per_page: int,
    totals: PoolTotals,
    today: date | None = None,
) -> ListPage:
    """One page of the listed members' figures, filtered, sorted and paged in SQL (SORT_KEYS' order):
    only the page's members are read as `MemberFigures`. `totals`: the pool's, already read (they count
    the members over quota and unused: the filtered list is not counted again)."""
    position_store.refresh(db.session)
    c = STORED.c
    query = stored_members(period)
    if show == "over":
        query = query.where(c.is_over_quota.is_(True))
    elif show == "unused":
        query = query.where(c.used == 0)
    matching = {"over": totals.over_quota_members, "unused": totals.unused_members}.get(show, totals.members)
    name = _name_key()
    elapsed = elapsed_fraction(period, today)
    if sort == "savings":
        market = _market_query(period).subquery()
        query = query.outerjoin(market, market.c.member_id == Member.id)
        value = half_day_value(func.coalesce(market.c.rates, 0)) - (
            func.round(Member.contribution_cents * elapsed) + c.billable * unit_price_cents()
        )
    else:
        value = {
            "entitled": c.total,
            "planned": c.planned,
            "delivered": c.delivered,
            "remaining": c.remaining,
            "level": func.coalesce(c.level, -1.0),
        }.get(sort)
    keys = [name, Member.id] if value is None else [value, name]
    pages = max(1, -(-matching // per_page))
    page = min(max(1, page), pages)
    members = db.session.execute(
        query.add_columns(Member.id, Member.name, Member.kind, Member.contribution_cents, Member.parent_id)
        .order_by(*(key.desc() if descending else key for key in keys))
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    ids = [row.id for row in members]
    accounts = position_store.read(db.session, [*ids, *(m.parent_id for m in members if m.parent_id)], period.id)
    balances = {m: p for (m, kind), p in accounts.items() if kind == QuotaKind.OWN}
    envelopes = {m: p for (m, kind), p in accounts.items() if kind == QuotaKind.ENVELOPE}
    values = market_values(period, ids)
    rows = _figures(members, balances, envelopes, values, period, today)
    return ListPage(rows, page, pages, matching)


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


def member_history(member_id: int, periods: list[QuotaPeriod]) -> list[tuple[QuotaPeriod, MemberFigures]]:
    """The member's figures in every period (a handful of periods: a constant number of queries each)."""
    return [(period, member_figures(period, [member_id])[0]) for period in periods]

"""The demo's drawing-right periods and quotas."""

from datetime import date, datetime, timedelta

from expertpool import audit
from expertpool.coordination.quota_periods import adjust_quota
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import ABERS, UNIT_PRICE_CENTS
from expertpool.extensions import db
from expertpool.models import (
    PeriodStatus,
    Quota,
    QuotaKind,
    QuotaPeriod,
    QuotaPolicy,
)

# --- drawing rights --------------------------------------------------------------------------------


# How far ahead the demo's bookings reach (the furthest request starts 45 days ahead, then takes
# its expert's free half-days): next year's period is open when they may reach it.
DEMO_BOOKING_REACH = timedelta(weeks=16)


def seed_drawing_rights(ctx: Ctx) -> QuotaPeriod:
    """Last year's closed period and this year's open one, proportional to the contributions."""
    year = ctx.today.year
    days_into_year = (ctx.today - date(year, 1, 1)).days
    # Last year's period stays open: the scheduler books only inside open periods, and its past runs
    # booked last year's half-days (nothing in the app closes a period).
    previous = _period(year - 1, PeriodStatus.OPEN, opened=ago(ctx, days_into_year + 365))
    current = _period(year, PeriodStatus.OPEN, opened=ago(ctx, days_into_year))
    upcoming = None
    if ctx.today + DEMO_BOOKING_REACH > current.end_date:
        # The demo books half-days up to a few months ahead, and a half-day is booked only inside an
        # open period: late in the year the coordinator has already prepared and opened next year's.
        upcoming = _period(year + 1, PeriodStatus.OPEN, opened=ago(ctx, 7))
    payers = [m for m in ctx.members.values() if m.active]
    carried = {"Plouzané": 6, "Saint-Renan": 4, "Lannilis": 3, "Coat-Méal": 2}
    rows = []
    for member in payers:
        entitled = member.contribution_cents // UNIT_PRICE_CENTS
        rows.append(Quota(period=previous, member_id=member.id, entitled_half_days=entitled))
        rows.append(
            Quota(
                period=current,
                member_id=member.id,
                entitled_half_days=entitled,
                carried_over_half_days=carried.get(member.name, 0),
            )
        )
    abers = ctx.members[ABERS]
    rows.append(Quota(period=current, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=40))
    rows.append(Quota(period=previous, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=36))
    if upcoming is not None:
        rows.extend(
            Quota(period=upcoming, member_id=m.id, entitled_half_days=m.contribution_cents // UNIT_PRICE_CENTS)
            for m in payers
        )
        rows.append(Quota(period=upcoming, member_id=abers.id, kind=QuotaKind.ENVELOPE, entitled_half_days=40))
    db.session.add_all(rows)
    db.session.flush()
    adjustments = [
        ("Ouessant", 4, "Île : temps de trajet compté en plus (délibération du comité syndical)", 80),
        ("Brest", -10, "Transfert de 5 jours vers l'enveloppe du Pays des Abers (convention)", 60),
        ("Loc-Brévalaire", 2, "Commune de moins de 500 habitants : socle minimal", 75),
        ("Tréglonou", 2, "Commune de moins de 500 habitants : socle minimal", 75),
        ("Centre social Ti an Oll", 2, "Adhésion en cours d'année : prorata corrigé", 30),
    ]
    for name, delta, reason, days_ago in adjustments:
        adjust_quota(
            ctx.members[name],
            current,
            kind=QuotaKind.OWN,
            delta=delta,
            reason=reason,
            actor=ctx.coordinator,
            now=ago(ctx, min(days_ago, days_into_year)),
        )
    return current


def _period(year: int, status: str, opened: datetime) -> QuotaPeriod:
    period = QuotaPeriod(
        name=str(year),
        start_date=date(year, 1, 1),
        end_date=date(year, 12, 31),
        policy=QuotaPolicy.PROPORTIONAL,
        unit_price_cents=UNIT_PRICE_CENTS,
        carry_over_cap_half_days=6,
        status=status,
        opened_at=opened,
    )
    db.session.add(period)
    db.session.flush()
    audit.record(
        None,
        "period.open",
        period,
        now=opened,
        after=audit.snapshot(period, "name", "start_date", "end_date", "policy", "unit_price_cents"),
    )
    return period

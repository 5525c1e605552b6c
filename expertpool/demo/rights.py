"""The demo's drawing-right periods and quotas, opened and adjusted through the coordination's services.

Each period is opened by `quota_policies.open_period` (every active member's quota proportional to its
contribution, what it left unused carried over up to the cap), the EPCI's envelope and the coordinator's
corrections are `adjust_quota` calls with their reasons: the audit rows are those services'.
"""

from datetime import date, timedelta

from expertpool.coordination.quota_periods import adjust_quota
from expertpool.demo.context import Ctx, ago
from expertpool.demo.data import ABERS, ADMIN_EMAIL, UNIT_PRICE_CENTS
from expertpool.models import QuotaKind, QuotaPeriod, QuotaPolicy
from expertpool.quota_policies import open_period

# How far ahead the demo's bookings reach (the furthest request starts 45 days ahead, then takes
# its expert's free half-days): next year's period is open when they may reach it.
DEMO_BOOKING_REACH = timedelta(weeks=16)

# At most this many unused half-days of a year carry over to the next (the pool's policy).
CARRY_OVER_CAP = 2

# The EPCI's envelope each year (half-days its communes may draw on), agreed by convention.
ENVELOPE_REASON = "Enveloppe de la convention avec le Pays des Abers"
ENVELOPES = {-1: 36, 0: 40, 1: 40}  # year offset -> half-days

# The coordinator's corrections of this year's rights: (member, half-days, reason, days ago).
ADJUSTMENTS = [
    ("Ouessant", 4, "Île : temps de trajet compté en plus (délibération du comité syndical)", 80),
    ("Brest", -10, "Transfert de 5 jours vers l'enveloppe du Pays des Abers (convention)", 60),
    ("Loc-Brévalaire", 2, "Commune de moins de 500 habitants : socle minimal", 75),
    ("Tréglonou", 2, "Commune de moins de 500 habitants : socle minimal", 75),
    ("Centre social Ti an Oll", 2, "Adhésion en cours d'année : prorata corrigé", 30),
]


def seed_drawing_rights(ctx: Ctx) -> QuotaPeriod:
    """Last year's period and this year's, proportional to the contributions (and next year's when the
    demo's bookings reach it). Returns this year's."""
    year = ctx.today.year
    days_into_year = (ctx.today - date(year, 1, 1)).days
    # Last year's period stays open: the scheduler books only inside open periods, and its past runs
    # booked last year's half-days (nothing in the app closes a period).
    periods = {-1: _open(ctx, year - 1, days_ago=days_into_year + 365)}
    # Opened ahead of 1 January, as a coordinator does: the scheduler's runs of last autumn booked
    # half-days of January, and a half-day is booked only inside an open period.
    periods[0] = _open(ctx, year, days_ago=days_into_year + 100)
    if ctx.today + DEMO_BOOKING_REACH > periods[0].end_date:
        # Late in the year the coordinator has already prepared and opened next year's.
        periods[1] = _open(ctx, year + 1, days_ago=7)
    abers = ctx.members[ABERS]
    for offset, period in periods.items():
        adjust_quota(
            abers,
            period,
            kind=QuotaKind.ENVELOPE,
            delta=ENVELOPES[offset] - _envelope_entitled(period, abers.id),
            reason=ENVELOPE_REASON,
            actor=ctx.coordinator,
            now=period.opened_at + timedelta(hours=2),
        )
    for name, delta, reason, days_ago in ADJUSTMENTS:
        adjust_quota(
            ctx.members[name],
            periods[0],
            kind=QuotaKind.OWN,
            delta=delta,
            reason=reason,
            actor=ctx.coordinator,
            now=ago(ctx, min(days_ago, days_into_year)),
        )
    return periods[0]


def _envelope_entitled(period: QuotaPeriod, member_id: int) -> int:
    """The envelope a new period renewed from the previous one (0 for the first period)."""
    return next(
        (q.entitled_half_days for q in period.quotas if q.member_id == member_id and q.kind == QuotaKind.ENVELOPE),
        0,
    )


def _open(ctx: Ctx, year: int, *, days_ago: int) -> QuotaPeriod:
    policy = {
        "name": str(year),
        "start_date": date(year, 1, 1),
        "end_date": date(year, 12, 31),
        "policy": QuotaPolicy.PROPORTIONAL,
        "fixed_half_days": 0,
        "unit_price_cents": UNIT_PRICE_CENTS,
        "population_bands": [],
        "carry_over_cap_half_days": CARRY_OVER_CAP,
    }
    return open_period(policy, actor=ctx.users[ADMIN_EMAIL], now=ago(ctx, days_ago))

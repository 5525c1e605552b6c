"""The reports' hand-computed pool: three members, two experts, known bookings, and the totals worked out
by hand (in the comments and in EXPECTED) that every report must show."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from expertpool.models import BookingStatus, RequestStatus

D, P, N, C = BookingStatus.DELIVERED, BookingStatus.PLANNED, BookingStatus.NOT_DELIVERED, BookingStatus.CANCELLED


def at(y, m, d, h=9):
    return datetime(y, m, d, h, tzinfo=UTC)


@dataclass
class Pool:
    period: object
    old_period: object
    a: object  # over quota
    b: object  # within quota
    c: object  # used nothing
    x: object  # expert, 800 € a day
    y: object  # expert, 600 € a day
    requests: dict


def build_pool(factory) -> Pool:
    factory.settings(unit_price_cents=18000)  # 180 € a half-day
    old_period = factory.period(year=2026, half_days=0)
    period = factory.period(year=2027, half_days=0)
    a = factory.member("Commune d'Aubépine-sur-Orge", contribution_cents=100_000, siren="217500016")
    b = factory.member("Syndicat des Écoles", contribution_cents=50_000)
    c = factory.member("Hameau Sans Recours", contribution_cents=20_000)
    factory.quota(a, period, 4)  # total 4 half-days
    factory.quota(b, period, 10, adjusted_half_days=2)  # total 12
    factory.quota(c, period, 6)  # total 6
    factory.quota(a, old_period, 2)
    x = factory.expert("Xavier Dupré", roles=("dba",), day_rate_cents=80_000)
    y = factory.expert("Yasmine Łukasiewicz", roles=("dba",), day_rate_cents=60_000)
    factory.role("dsi")
    factory.unavailability(y, date(2027, 2, 3))  # a whole Wednesday off: 2 working half-days fewer

    r1 = factory.request(
        a,
        title="Migration PostgreSQL",
        status=RequestStatus.RATED,
        half_days=6,
        submitted_at=at(2027, 1, 4),
        rating=5,
        rated_at=at(2027, 2, 10),
    )
    r2 = factory.request(
        b,
        title="Audit de sécurité",
        status=RequestStatus.SCHEDULED,
        half_days=5,
        submitted_at=at(2027, 1, 5, 10),
        rating=3,
        rated_at=at(2027, 3, 1),
    )
    r3 = factory.request(
        a,
        title="Sauvegardes",
        status=RequestStatus.APPROVED,
        half_days=4,
        approved_half_days=4,
        submitted_at=at(2027, 1, 20, 8),
    )
    r4 = factory.request(
        c,
        role="dsi",
        title="Schéma directeur",
        status=RequestStatus.APPROVED,
        half_days=6,
        approved_half_days=4,
        submitted_at=at(2027, 2, 1),
    )
    r_old = factory.request(
        a,
        title="Ancienne demande",
        status=RequestStatus.RATED,
        half_days=1,
        submitted_at=at(2026, 11, 2),
        rating=4,
        rated_at=at(2026, 12, 20),
    )
    # A, request 1 with X: 3 delivered (first on 11 Jan: lead time 7 days), 1 not delivered, 1 cancelled.
    factory.booking(r1, x, date(2027, 1, 11), "am", D)
    factory.booking(r1, x, date(2027, 1, 11), "pm", D)
    factory.booking(r1, x, date(2027, 1, 12), "am", D)
    factory.booking(r1, x, date(2027, 1, 12), "pm", N)
    factory.booking(r1, x, date(2027, 1, 13), "am", C)
    # A, request 3 with Y: 2 delivered, 1 planned (first on 1 Feb: lead time 12 days).
    factory.booking(r3, y, date(2027, 2, 1), "am", D)
    factory.booking(r3, y, date(2027, 2, 1), "pm", D)
    factory.booking(r3, y, date(2027, 3, 1), "am", P)
    # B, request 2: 3 delivered with Y, 2 planned with X (first on 18 Jan: lead time 13 days).
    factory.booking(r2, y, date(2027, 1, 18), "am", D)
    factory.booking(r2, y, date(2027, 1, 18), "pm", D)
    factory.booking(r2, y, date(2027, 1, 19), "am", D)
    factory.booking(r2, x, date(2027, 3, 2), "am", P)
    factory.booking(r2, x, date(2027, 3, 2), "pm", P)
    # A, the previous period: must not count in 2027.
    factory.booking(r_old, x, date(2026, 12, 15), "am", D)
    return Pool(period, old_period, a, b, c, x, y, {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "old": r_old})


# Worked out by hand (half-days; cents):
# A: total 4, delivered 3 + 2 = 5, planned 1, used 6, remaining 0, over quota (used) 2, level 150 %;
#    billable = delivered 5 − total 4 = 1 → 180 €; paid = 1 000 + 180 = 1 180 €;
#    market value = 3 × 800/2 + 2 × 600/2 = 1 200 + 600 = 1 800 €; savings = 620 €.
# B: total 12, delivered 3, planned 2, used 5, remaining 7, billable 0; paid 500 €;
#    market value 3 × 300 = 900 €; savings 400 €.
# C: total 6, nothing used, 4 approved not yet booked: available 2, level 0; paid 200 €; savings −200 €.
# Pool: total 22, planned 3, delivered 8, available 9; billable 1 (180 €); contributions 1 700 €;
#    paid 1 880 €; market value 2 700 €; savings 820 €.
EXPECTED = {
    "a": {
        "total": 4,
        "planned": 1,
        "delivered": 5,
        "remaining": 0,
        "billable": 1,
        "billed": 18_000,
        "paid": 118_000,
        "market": 180_000,
        "savings": 62_000,
        "delivered_value": 90_000,
    },
    "b": {
        "total": 12,
        "planned": 2,
        "delivered": 3,
        "remaining": 7,
        "billable": 0,
        "billed": 0,
        "paid": 50_000,
        "market": 90_000,
        "savings": 40_000,
        "delivered_value": 54_000,
    },
    "c": {
        "total": 6,
        "planned": 0,
        "delivered": 0,
        "remaining": 2,
        "billable": 0,
        "billed": 0,
        "paid": 20_000,
        "market": 0,
        "savings": -20_000,
        "delivered_value": 0,
    },
    "pool": {
        "total": 22,
        "planned": 3,
        "delivered": 8,
        "remaining": 9,
        "billable": 1,
        "billed": 18_000,
        "contribution": 170_000,
        "paid": 188_000,
        "market": 270_000,
        "savings": 82_000,
    },
}
# Levels 6/4, 5/12, 0 → Jain = (Σx)² / (3 Σx²).
LEVELS = (6 / 4, 5 / 12, 0.0)
JAIN = sum(LEVELS) ** 2 / (3 * sum(v * v for v in LEVELS))
# Lead times 7, 13, 12 days → median 12, mean 32/3.
LEAD_MEDIAN, LEAD_MEAN = 12.0, 32 / 3
# 2027: 261 weekdays − 7 weekday holidays (1 Jan, 29 Mar, 6 May, 17 May, 14 Jul, 1 Nov, 11 Nov) = 254 days
# = 508 half-days per full-time expert; two experts minus Y's day off = 1 014. Booked (held) in 2027:
# A 3 + 2 + 1, B 3 + 2 = 11.
WORKING, BOOKED = 1014, 11
# Backlog today: dba: r3 granted 4, booked 3 → 1; dsi: r4 granted 4, booked 0 → 4.
BACKLOG = {"DBA": (4, 3, 1), "DSI": (4, 0, 4)}


def euros_text(cents: int) -> str:
    """'1 180,00 €' as babel writes it in French, with plain spaces (normalise the text compared)."""
    whole, frac = divmod(abs(cents), 100)
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", " ") + f",{frac:02d} €"


def plain(text: str) -> str:
    """Text with babel's narrow and no-break spaces turned into plain ones, and runs of blanks collapsed."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").replace("\u2212", "-")
    return " ".join(text.split())

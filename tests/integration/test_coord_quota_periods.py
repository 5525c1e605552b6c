"""Quota policies, opening a period (carry-over, envelopes), adjustments: the services."""

from datetime import date

import pytest
from factories import FIXED_NOW
from sqlalchemy import func, select

from expertpool.coordination.quota_periods import AdjustmentWouldBeNegative, adjust_quota
from expertpool.models import AuditLog, Quota, QuotaAdjustment, QuotaKind, QuotaPolicy
from expertpool.quota_policies import PeriodOverlap, entitlement, open_period, preview_period


def policy(**values):
    base = {
        "name": "2028",
        "start_date": date(2028, 1, 1),
        "end_date": date(2028, 12, 31),
        "policy": QuotaPolicy.FIXED,
        "fixed_half_days": 10,
        "unit_price_cents": 18000,
        "population_bands": [],
        "carry_over_cap_half_days": 0,
    }
    return {**base, **values}


def test_entitlement_policies(factory):
    member = factory.member(population=2500, contribution_cents=190_000)
    assert entitlement(policy(), member) == 10
    # 1 900 € at 180 € per half-day: 10 whole half-days (never more than what is paid for).
    assert entitlement(policy(policy=QuotaPolicy.PROPORTIONAL), member) == 10
    bands = [
        {"max_population": None, "half_days": 30},
        {"max_population": 1000, "half_days": 6},
        {"max_population": 5000, "half_days": 12},
    ]
    assert entitlement(policy(policy=QuotaPolicy.POPULATION, population_bands=bands), member) == 12
    member.population = None
    assert entitlement(policy(policy=QuotaPolicy.POPULATION, population_bands=bands), member) == 0


def test_open_period_with_capped_carry_over_and_renewed_envelope(db, factory):
    commune = factory.member()
    thrifty = factory.member()
    epci = factory.member(kind="epci", holds_envelope=True)
    previous = factory.period(year=2027, members=[commune, thrifty], half_days=10, carry_over_cap_half_days=3)
    factory.quota(epci, previous, 12, kind=QuotaKind.ENVELOPE)
    _user, expert = factory.expert_user()
    req = factory.request(member=commune, status="scheduled")
    for n in range(8):
        factory.booking(req, expert, date(2027, 3, 1 + n // 2), "am" if n % 2 == 0 else "pm")
    lines = {(line.member.id, line.kind): line for line in preview_period(policy())}
    assert lines[(commune.id, QuotaKind.OWN)].carried_over == 2  # 10 - 8 used
    assert lines[(thrifty.id, QuotaKind.OWN)].carried_over == 3  # 10 unused, capped at 3
    assert lines[(epci.id, QuotaKind.ENVELOPE)].entitled == 12
    audit = db.session.scalar(select(func.count(AuditLog.id)))
    period = open_period(policy(), actor=None, now=FIXED_NOW)
    assert db.session.scalar(select(func.count(Quota.id)).where(Quota.period_id == period.id)) == len(lines)
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit + 1
    with pytest.raises(PeriodOverlap):
        open_period(
            policy(name="bis", start_date=date(2028, 6, 1), end_date=date(2029, 5, 31)), actor=None, now=FIXED_NOW
        )


def test_adjustment_keeps_the_sum_and_refuses_negative_rights(db, factory):
    member = factory.member()
    epci = factory.member(kind="epci")
    period = factory.period(year=2027, members=[member], half_days=4)
    adjust_quota(
        member, period, kind=QuotaKind.OWN, delta=3, reason="Cotisation complémentaire", actor=None, now=FIXED_NOW
    )
    adjust_quota(member, period, kind=QuotaKind.OWN, delta=-2, reason="Correction", actor=None, now=FIXED_NOW)
    quota = db.session.scalar(select(Quota).where(Quota.member_id == member.id))
    assert quota.adjusted_half_days == 1 and quota.total_half_days == 5
    assert db.session.scalar(select(func.count(QuotaAdjustment.id)).where(QuotaAdjustment.quota_id == quota.id)) == 2
    with pytest.raises(AdjustmentWouldBeNegative):
        adjust_quota(member, period, kind=QuotaKind.OWN, delta=-6, reason="Trop", actor=None, now=FIXED_NOW)
    with pytest.raises(ValueError, match="reason"):
        adjust_quota(member, period, kind=QuotaKind.OWN, delta=1, reason="", actor=None, now=FIXED_NOW)
    # An EPCI's envelope is created by its first adjustment.
    adjust_quota(epci, period, kind=QuotaKind.ENVELOPE, delta=20, reason="Enveloppe 2027", actor=None, now=FIXED_NOW)
    envelope = db.session.scalar(select(Quota).where(Quota.member_id == epci.id, Quota.kind == QuotaKind.ENVELOPE))
    assert envelope.total_half_days == 20

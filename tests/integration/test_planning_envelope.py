"""EPCI envelopes in the scheduler: a commune draws on its own quota, then on its EPCI's envelope."""

from datetime import date

import pytest
from factories import FIXED_NOW
from planning_helpers import accept_quote, small_pool
from sqlalchemy import func, select

from expertpool.models import Booking, BookingStatus, QuotaKind, RequestStatus
from expertpool.planning.service import run_allocation, solve_horizon
from expertpool.scheduling.problem_builder import envelope_shares, member_key


@pytest.mark.parametrize(
    ("needs", "remaining", "expected"),
    [
        ({1: 5, 2: 3}, 3, {1: 2, 2: 1}),
        ({1: 4, 2: 4}, 6, {1: 3, 2: 3}),
        ({1: 2, 2: 0}, 8, {1: 8}),
        ({1: 3}, 0, {}),
        ({1: 1, 2: 1, 3: 1}, 2, {1: 1, 2: 1, 3: 0}),
    ],
)
def test_envelope_shares_are_whole_proportional_and_never_exceed_the_envelope(needs, remaining, expected):
    shares = envelope_shares(needs, remaining)
    assert shares == expected
    assert sum(shares.values()) <= remaining


def _epci(factory, period, envelope):
    epci = factory.member("CC du Pays d'Iroise", kind="epci", holds_envelope=True)
    factory.quota(epci, period, envelope, kind=QuotaKind.ENVELOPE)
    return epci


def _booked(session, req) -> int:
    return session.scalar(
        select(func.count(Booking.id)).where(Booking.request_id == req.id, Booking.status == BookingStatus.PLANNED)
    )


def test_commune_with_exhausted_own_quota_is_served_within_its_epci_envelope(db, factory):
    # One expert, ten free half-days; B (quota 10) asks 10. A's own quota (2) was delivered last week,
    # but its EPCI's envelope still holds 8: A competes within quota and gets its fair share.
    pool = small_pool(factory, half_days=(10, 10), quotas=(2, 10))
    epci = _epci(factory, pool.period, 8)
    pool.member_a.parent_id = epci.id
    past = factory.request(
        pool.member_a,
        status=RequestStatus.COMPLETED,
        half_days=2,
        earliest=date(2027, 1, 4),
        deadline=date(2027, 1, 8),
        skills=("postgresql",),
    )
    factory.booking(past, pool.expert, date(2027, 1, 4), "am", status=BookingStatus.DELIVERED)
    factory.booking(past, pool.expert, date(2027, 1, 4), "pm", status=BookingStatus.DELIVERED)
    db.session.flush()

    outcome = solve_horizon(now=FIXED_NOW)
    members = {m.id: m for m in outcome.segments[0].problem.members}
    assert (members[member_key(pool.member_a.id)].quota, members[member_key(pool.member_a.id)].used) == (10, 2)
    assert members[member_key(pool.member_b.id)].quota == 10

    run = run_allocation(actor=pool.coordinator, now=FIXED_NOW, mode="commit")
    # Levels even out: (2 + 4) / 10 == 6 / 10. Everything served counts within the drawing rights.
    assert (_booked(db.session, pool.request_a), _booked(db.session, pool.request_b)) == (4, 6)
    assert run.metrics["served_within_quota"] == 10


def test_without_envelope_the_same_commune_is_over_quota_and_gets_nothing(db, factory):
    pool = small_pool(factory, half_days=(10, 10), quotas=(0, 10))
    run = run_allocation(actor=pool.coordinator, now=FIXED_NOW, mode="commit")
    assert (_booked(db.session, pool.request_a), _booked(db.session, pool.request_b)) == (0, 10)
    assert run.metrics["served_within_quota"] == 10


def test_two_communes_never_draw_more_than_the_envelope_within_quota(db, factory):
    # Both communes have no own quota left and ask 8 each; the envelope holds 6; capacity is 10.
    pool = small_pool(factory, half_days=(8, 8), quotas=(0, 0))
    epci = _epci(factory, pool.period, 6)
    pool.member_a.parent_id = pool.member_b.parent_id = epci.id
    # Each accepted the quote of its 5 half-days beyond its share of the envelope.
    accept_quote(pool.request_a, 5)
    accept_quote(pool.request_b, 5)
    db.session.flush()

    outcome = solve_horizon(now=FIXED_NOW)
    quotas = {m.id: m.quota for m in outcome.segments[0].problem.members}
    assert quotas == {member_key(pool.member_a.id): 3, member_key(pool.member_b.id): 3}

    run = run_allocation(actor=pool.coordinator, now=FIXED_NOW, mode="commit")
    assert run.metrics["served_within_quota"] == 6
    # The rest of the capacity is still used, as over-quota service (work-conserving).
    assert run.booked_half_days == 10
